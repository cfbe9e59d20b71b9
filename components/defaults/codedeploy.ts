/**
 * How a new version takes the `live` alias's traffic: `blue-green` all at once (CodeDeploy
 * `AllAtOnce`), `rolling` in linear steps (`TimeBasedLinear`), `canary` one step then the rest
 * (`TimeBasedCanary`).
 */
export const RELEASE_STRATEGIES = ["blue-green", "rolling", "canary"] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/**
 * How a release's lifecycle hooks check a new version: `http-api` calls it as API Gateway would
 * (health, and an authenticated read as the machine client) and smoke-tests the API after the shift;
 * `event-batch` hands it an empty batch, which proves the version starts without touching a message.
 */
export const RELEASE_CHECKS = ["http-api", "event-batch"] as const;
export type ReleaseCheck = (typeof RELEASE_CHECKS)[number];

/** CodeDeploy accepts at most this many alarms per deployment group. */
export const MAX_ROLLBACK_ALARMS = 10;
