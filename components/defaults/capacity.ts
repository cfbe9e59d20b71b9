/**
 * Scaling defaults: the share of a limit at which a scaling trigger warns, the target utilization of
 * provisioned concurrency, the bounds AWS puts on an event source mapping's maximum concurrency, the
 * account quotas' AWS defaults (each with the page that states it), and the format of a scheduled
 * capacity change. Components, config.ts and tools/capacity read the same values.
 */

/** A scaling trigger warns at this share of the limit it watches (80 %): time to act before the limit binds. */
export const CAPACITY_WARNING_FRACTION = 0.8;

/** Target tracking keeps provisioned concurrency this busy (LambdaProvisionedConcurrencyUtilization). */
export const PROVISIONED_UTILIZATION_TARGET = 0.7;

/**
 * Seconds target tracking waits after scaling in before scaling in again, and after scaling out before
 * scaling out again: in slowly (a drop may be a lull), out at once (spillover is a cold start per request).
 */
export const PROVISIONED_SCALE_IN_COOLDOWN_SECONDS = 300;
export const PROVISIONED_SCALE_OUT_COOLDOWN_SECONDS = 0;

/** Application Auto Scaling's names for Lambda provisioned concurrency. */
export const PROVISIONED_SCALING = {
    serviceNamespace: "lambda",
    scalableDimension: "lambda:function:ProvisionedConcurrency",
    predefinedMetricType: "LambdaProvisionedConcurrencyUtilization",
} as const;

/** `scalingConfig.maximumConcurrency` of an SQS event source mapping: AWS accepts 2 to 1000. */
export const ESM_MIN_MAXIMUM_CONCURRENCY = 2;
export const ESM_MAX_MAXIMUM_CONCURRENCY = 1000;

/**
 * Concurrency an SQS consumer keeps free under its reserved concurrency: the mapping polls at most
 * `reserved - headroom` at once, so the release hook's test invocation (or an operator's) never throttles
 * a batch, and a throttled batch is never a receive that counts towards the DLQ.
 */
export const ESM_CONCURRENCY_HEADROOM = 1;

/** The largest maximum concurrency an SQS mapping of a function with this reserved concurrency may have. */
export function esmMaximumConcurrencyFor(reservedConcurrency: number): number {
    return Math.min(ESM_MAX_MAXIMUM_CONCURRENCY, reservedConcurrency - ESM_CONCURRENCY_HEADROOM);
}

/** Reserved concurrency a queue consumer needs: the AWS minimum maximum-concurrency and the headroom. */
export const MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY = ESM_MIN_MAXIMUM_CONCURRENCY + ESM_CONCURRENCY_HEADROOM;

/** An AWS account quota's default and where AWS states it. */
export interface QuotaDefault {
    value: number;
    unit: string;
    source: string;
}

/** The account quotas the capacity model and the scaling triggers compare against, at their AWS defaults. */
export const AWS_QUOTA_DEFAULTS = {
    lambdaConcurrentExecutions: {
        value: 1000,
        unit: "concurrent executions per Region",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    },
    /** Lambda keeps this much of the account's concurrency unreserved: reserved concurrency cannot take it. */
    lambdaUnreservedMinimum: {
        value: 100,
        unit: "concurrent executions that stay unreserved",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
    },
    sesSendingPerSecond: {
        value: 1,
        unit: "emails per second (SES sandbox)",
        source: "https://docs.aws.amazon.com/ses/latest/dg/quotas.html",
    },
    sesSendingPer24h: {
        value: 200,
        unit: "emails per 24 hours (SES sandbox)",
        source: "https://docs.aws.amazon.com/ses/latest/dg/quotas.html",
    },
    searchMaxIndexingOcus: {
        value: 10,
        unit: "indexing OCUs per account and Region",
        source: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-scaling.html",
    },
    searchMaxSearchOcus: {
        value: 10,
        unit: "search OCUs per account and Region",
        source: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-scaling.html",
    },
    dynamodbTableReadUnits: {
        value: 40000,
        unit: "read request units per second per on-demand table",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    },
    dynamodbTableWriteUnits: {
        value: 40000,
        unit: "write request units per second per on-demand table",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    },
    apiGatewayAccountRate: {
        value: 10000,
        unit: "requests per second per account and Region (all APIs)",
        source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    },
    snsPublishPerSecond: {
        value: 9000,
        unit: "Publish calls per second (eu-west-1, us-west-2; us-east-1 30000; most other Regions 1500)",
        source: "https://docs.aws.amazon.com/general/latest/gr/sns.html",
    },
} as const satisfies Record<string, QuotaDefault>;

/** SNS Publish per second by Region where it differs from the 1500 most Regions have. */
export const SNS_PUBLISH_PER_SECOND: Readonly<Record<string, number>> = { "us-east-1": 30000, "us-west-2": 9000, "eu-west-1": 9000 };
export const SNS_PUBLISH_PER_SECOND_ELSEWHERE = 1500;

/** One scheduled change of the provisioned concurrency's bounds. */
export interface ScheduledCapacity {
    /** An Application Auto Scaling schedule: `cron(...)`, `rate(...)` or `at(...)`. */
    schedule: string;
    min: number;
    max: number;
}

const SCHEDULE = /^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\))\s+min=(\d+)\s+max=(\d+)$/;

/** The format of a schedule entry, as the error messages state it. */
export const SCHEDULE_FORMAT = '"<cron(...)|rate(...)|at(yyyy-mm-ddThh:mm:ss)> min=<n> max=<n>", such as "cron(0 7 ? * MON-FRI *) min=10 max=60"';

/** Parses `"cron(0 7 ? * MON-FRI *) min=10 max=60"`; a problem says what is wrong and what is allowed. */
export function parseScheduledCapacity(text: string): { value?: ScheduledCapacity; problem?: string } {
    const m = SCHEDULE.exec(text.trim());
    if (!m) return { problem: `is not a scheduled capacity (allowed: ${SCHEDULE_FORMAT})` };
    const schedule = m[1]!;
    const min = Number(m[3]);
    const max = Number(m[4]);
    if (schedule.startsWith("cron(") && schedule.slice(5, -1).trim().split(/\s+/).length !== 6) {
        return { problem: "has a cron expression without the 6 fields Application Auto Scaling takes (minutes hours day-of-month month day-of-week year)" };
    }
    if (min > max) return { problem: `has min=${min} above max=${max}` };
    return { value: { schedule, min, max } };
}
