import * as z from "zod/mini";

/**
 * Validates a function's environment at cold start. A missing or malformed variable fails the init
 * phase with a message naming every bad variable, instead of a confusing error on the first request.
 */
export function loadConfig<S extends z.ZodMiniObject>(functionName: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
    const result = schema.safeParse(env);
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => {
        const variable = issue.path.map(String).join(".") || "(environment)";
        const value = env[variable];
        return value === undefined ? `${variable} is required (${issue.message})` : `${variable}=${JSON.stringify(value)} is invalid: ${issue.message}`;
    });
    throw new Error(`Invalid configuration for function "${functionName}": ${problems.join("; ")}`);
}

const nonEmpty = (what: string) => z.string().check(z.minLength(1, `expected ${what}`));

/** Reusable variable schemas, so each function's config module reads as a list of what it needs. */
export const vars = {
    tableName: nonEmpty("a DynamoDB table name"),
    topicArn: z.string().check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "expected an SNS topic ARN")),
    email: z.string().check(z.regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "expected an email address")),
    httpsUrl: z.string().check(z.regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, "expected an endpoint URL such as https://abc.us-east-1.aoss.amazonaws.com")),
    indexName: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,254}$/, "expected a lowercase OpenSearch index name")),
    name: nonEmpty("a non-empty name"),
    version: nonEmpty("a version string"),
    region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-east-1")),
};

/** Variables every function reads: Powertools' own settings and the deployed version. */
export const baseShape = {
    POWERTOOLS_SERVICE_NAME: vars.name,
    POWERTOOLS_METRICS_NAMESPACE: vars.name,
    APP_VERSION: vars.version,
};
