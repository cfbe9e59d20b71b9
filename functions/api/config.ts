import * as z from "zod/mini";
import { baseShape, loadConfig, vars } from "../shared/config";

const apiEnv = z.object({
    ...baseShape,
    TABLE_NAME: vars.tableName,
    IDEMPOTENCY_TABLE_NAME: vars.tableName,
    EVENT_TOPIC_ARN: vars.topicArn,
    SEARCH_ENDPOINT: z.optional(vars.httpsUrl),
    SEARCH_INDEX: vars.indexName,
    AWS_REGION: vars.region,
});

export type ApiConfig = z.infer<typeof apiEnv>;

/** SEARCH_ENDPOINT may be absent (a stack without search, or the dev server): search then answers 503. */
export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => loadConfig("api", apiEnv, env);
