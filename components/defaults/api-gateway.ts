/** API Gateway cache cluster sizes, in GB. */
export const API_CACHE_SIZES = ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"] as const;
export type ApiCacheSize = (typeof API_CACHE_SIZES)[number];

/** API Gateway keeps a cached answer for at most an hour ("Cache settings for REST APIs in API Gateway"). */
export const MAX_CACHE_TTL_SECONDS = 3600;

/** The first path segment of every URL. */
export const DEFAULT_STAGE_NAME = "v1";
