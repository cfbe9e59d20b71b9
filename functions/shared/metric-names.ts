/**
 * Metric and dimension names that the functions emit and the components alarm on. This module imports
 * nothing, so a Pulumi program (components/) can use the names without loading Powertools.
 */

/** The API's per-version health, one EMF record per answered request (see ResponseMetrics). */
export const ApiMetric = {
    /** 1 for every response the API handler answers, whatever its status. */
    Responses: "ApiResponses",
    /** 1 for a 5xx answer, 0 for any other: its Sum counts failures, its Average is the 5xx rate. */
    ServerErrors: "ApiServerErrors",
} as const;

/** The Lambda version that answered (`context.functionVersion`): a canary's version is judged on its own answers. */
export const FUNCTION_VERSION_DIMENSION = "FunctionVersion";

/** Powertools' default dimension on every metric, valued POWERTOOLS_SERVICE_NAME. */
export const SERVICE_DIMENSION = "service";
