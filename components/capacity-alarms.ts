import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { AlarmRouting, CreatedAlarm, createAlarm } from "./alarms";
import { PlatformContext } from "./context";
import { CAPACITY_WARNING_FRACTION } from "./defaults/capacity";

export { CAPACITY_WARNING_FRACTION };

type AlarmOptions = Parameters<typeof createAlarm>[3];

/** A share of a limit as the alarms' descriptions state it: 0.8 -> "80 %". */
function percentOf(fraction: number): string {
    return `${Math.round(fraction * 100)} %`;
}

/** 80 % of a limit, rounded to a thousandth so a threshold reads as written (0.8 x 7 = 5.6, not 5.6000000000000005). */
function warnAt(limit: number): number {
    return Math.round(CAPACITY_WARNING_FRACTION * limit * 1000) / 1000;
}

/**
 * Scaling triggers watch a limit over 3 of 5 minutes: a one-minute peak is no trend, and three minutes at
 * 80 % leave time to raise the limit before it binds.
 */
const TRIGGER_WINDOW = { evaluationPeriods: 5, datapointsToAlarm: 3 } as const;

/** A function's concurrent executions reached 80 % of its reserved concurrency: the next step is throttling. */
export function functionConcurrencyAlarm(
    name: string,
    functionName: pulumi.Input<string>,
    physicalName: string,
    reservedConcurrency: number,
    routing: AlarmRouting,
    opts: AlarmOptions,
): CreatedAlarm {
    const threshold = warnAt(reservedConcurrency);
    return createAlarm(
        name,
        {
            description:
                `${physicalName}: concurrent executions reached ${threshold} (${percentOf(CAPACITY_WARNING_FRACTION)} of its reserved concurrency ${reservedConcurrency}) in 3 of 5 minutes; ` +
                "past the reservation it throttles. Raise its reserved concurrency or find what slowed it: docs/capacity.md#scaling-triggers",
            severity: "warning",
            signal: {
                kind: "metric",
                metric: { namespace: "AWS/Lambda", metricName: "ConcurrentExecutions", dimensions: { FunctionName: functionName }, stat: "Maximum" },
            },
            threshold,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            ...TRIGGER_WINDOW,
        },
        routing,
        opts,
    );
}

/**
 * Invocations of the alias that found no provisioned environment (a cold start each): the provisioned
 * concurrency's maximum, or target tracking's pace, is below the traffic.
 */
export function provisionedSpilloverAlarm(
    name: string,
    functionName: pulumi.Input<string>,
    physicalName: string,
    alias: string,
    maxProvisioned: number,
    routing: AlarmRouting,
    opts: AlarmOptions,
): CreatedAlarm {
    return createAlarm(
        name,
        {
            description:
                `${physicalName}:${alias}: invocations spilled over its provisioned concurrency (at most ${maxProvisioned}) in 3 of 5 minutes, each a cold start. ` +
                "Raise the stack's provisioned concurrency maximum or its scheduled minimum: docs/capacity.md#scaling-triggers",
            severity: "warning",
            signal: {
                kind: "metric",
                metric: {
                    namespace: "AWS/Lambda",
                    metricName: "ProvisionedConcurrencySpilloverInvocations",
                    // Lambda publishes an alias's provisioned metrics under FunctionName and Resource = <function>:<alias>.
                    dimensions: { FunctionName: functionName, Resource: pulumi.interpolate`${functionName}:${alias}` },
                    stat: "Sum",
                },
            },
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            ...TRIGGER_WINDOW,
        },
        routing,
        opts,
    );
}

/** The stage's request rate reached 80 % of its throttle rate (requests a minute against the rate x 60). */
export function stageRequestRateAlarm(
    name: string,
    dimensions: { ApiName: pulumi.Input<string>; Stage: pulumi.Input<string> },
    physicalName: string,
    throttleRateLimit: number,
    routing: AlarmRouting,
    opts: AlarmOptions,
): CreatedAlarm {
    const perMinute = warnAt(throttleRateLimit * 60);
    return createAlarm(
        name,
        {
            description:
                `${physicalName}: ${perMinute} requests a minute (${percentOf(CAPACITY_WARNING_FRACTION)} of the stage throttle of ${throttleRateLimit} per second) in 3 of 5 minutes; ` +
                "past the throttle callers get 429. Raise apiThrottleRateLimit (and what it needs behind it, npm run capacity): docs/capacity.md#scaling-triggers",
            severity: "warning",
            signal: { kind: "metric", metric: { namespace: "AWS/ApiGateway", metricName: "Count", dimensions, stat: "Sum" } },
            threshold: perMinute,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            ...TRIGGER_WINDOW,
        },
        routing,
        opts,
    );
}

/** Requests the stage answered 429 (throttled), counted from its access log by a metric filter. */
export function stageThrottledAlarm(
    name: string,
    metric: { namespace: string; metricName: string },
    physicalName: string,
    routing: AlarmRouting,
    opts: AlarmOptions,
): CreatedAlarm {
    return createAlarm(
        name,
        {
            description:
                `${physicalName}: requests answered 429 (throttled by the stage or the account) in 3 of 5 minutes: callers are refused. ` +
                "Raise apiThrottleRateLimit and apiThrottleBurstLimit within what the functions behind it allow (npm run capacity): docs/capacity.md#scaling-triggers",
            severity: "warning",
            signal: { kind: "metric", metric: { ...metric, dimensions: {}, stat: "Sum" } },
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            ...TRIGGER_WINDOW,
        },
        routing,
        opts,
    );
}

export interface CapacityAlarmsArgs extends ComponentOptions<CapacityAlarmsChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** Where the scaling triggers go (warnings, escalating when they last). */
    routing: AlarmRouting;
    /** The account's Lambda concurrent executions quota in this Region (1 to 10,000,000). */
    accountConcurrencyQuota: number;
    /** The account's SES maximum send rate, emails per second (1 to 100,000). */
    sesSendingQuotaPerSecond: number;
    /** The account's SES sending quota, emails per 24 hours (1 to 1,000,000,000). */
    sesSendingQuotaPer24h: number;
    /** The account's OpenSearch Serverless maximum indexing capacity in OCUs (1 to 1700). */
    searchMaxIndexingOcus: number;
    /** The account's OpenSearch Serverless maximum search capacity in OCUs (1 to 1700). */
    searchMaxSearchOcus: number;
}

/** The kinds of child resources CapacityAlarms creates, and the arguments a `transform` of each may edit. */
export interface CapacityAlarmsChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
}
const CAPACITY_ALARMS_CHILD_KINDS = ["metricAlarm"] as const;

/**
 * Scaling triggers on the account's quotas, which no one component owns: the Region's Lambda concurrent
 * executions, the SES send rate and 24-hour quota, and the OpenSearch Serverless OCU maximums, each a
 * warning at 80 % of the quota the stack's config states (AWS's default unless raised). The per-resource
 * triggers (a function's reserved concurrency, spillover, the stage's throttle) live with their resources.
 */
export class CapacityAlarms extends Component<CapacityAlarmsChildren> {
    /** Names of the alarms, by quota. */
    public readonly alarmNames: Record<"accountConcurrency" | "sesPerSecond" | "sesPer24h" | "indexingOcus" | "searchOcus", pulumi.Output<string>>;

    constructor(name: string, args: CapacityAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:capacity:CapacityAlarms", "CapacityAlarms", name, CAPACITY_ALARMS_CHILD_KINDS, args, opts);
        this.checkInt("accountConcurrencyQuota", args.accountConcurrencyQuota, 1, 10_000_000);
        this.checkInt("sesSendingQuotaPerSecond", args.sesSendingQuotaPerSecond, 1, 100_000);
        this.checkInt("sesSendingQuotaPer24h", args.sesSendingQuotaPer24h, 1, 1_000_000_000);
        this.checkInt("searchMaxIndexingOcus", args.searchMaxIndexingOcus, 1, 1700);
        this.checkInt("searchMaxSearchOcus", args.searchMaxSearchOcus, 1, 1700);
        if (args.sesSendingQuotaPer24h < args.sesSendingQuotaPerSecond) {
            this.invalid("sesSendingQuotaPer24h", args.sesSendingQuotaPer24h, `allowed: at least sesSendingQuotaPerSecond (${args.sesSendingQuotaPerSecond})`);
        }
        const ctx = args.context;
        const pct = percentOf(CAPACITY_WARNING_FRACTION);
        const opts2 = { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags };
        const runbook = "docs/capacity.md#scaling-triggers";

        const accountConcurrency = createAlarm(
            `${name}-account-concurrency`,
            {
                description:
                    `${ctx.region}: the account's Lambda concurrent executions reached ${warnAt(args.accountConcurrencyQuota)} (${pct} of its quota ${args.accountConcurrencyQuota}) in 3 of 5 minutes; ` +
                    `past the quota every function without reserved concurrency throttles. Request a quota increase (Service Quotas, L-B99A9384) and set accountConcurrencyQuota: ${runbook}`,
                severity: "warning",
                // Without dimensions, ConcurrentExecutions is the account's in the Region.
                signal: { kind: "metric", metric: { namespace: "AWS/Lambda", metricName: "ConcurrentExecutions", dimensions: {}, stat: "Maximum" } },
                threshold: warnAt(args.accountConcurrencyQuota),
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                ...TRIGGER_WINDOW,
            },
            args.routing,
            opts2,
        );
        // SES counts the account's sends (no dimension); a minute's sum against the per-second rate x 60.
        const sesSend = { kind: "metric" as const, metric: { namespace: "AWS/SES", metricName: "Send", dimensions: {}, stat: "Sum" } };
        const sesPerSecond = createAlarm(
            `${name}-ses-send-rate`,
            {
                description:
                    `SES: ${warnAt(args.sesSendingQuotaPerSecond * 60)} emails a minute (${pct} of the maximum send rate of ${args.sesSendingQuotaPerSecond} per second) in 3 of 5 minutes; ` +
                    `past it SES refuses sends and order emails wait in the email queue. Request a higher sending rate and set sesSendingQuotaPerSecond: ${runbook}`,
                severity: "warning",
                signal: sesSend,
                threshold: warnAt(args.sesSendingQuotaPerSecond * 60),
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                ...TRIGGER_WINDOW,
            },
            args.routing,
            opts2,
        );
        // SES's quota is a rolling 24 hours, which no alarm can sum (CloudWatch evaluates at most a day, and a
        // warning's escalation twin needs more datapoints than it): the trigger is the pace instead, an hour's
        // sends that, kept up for a day, would use 80 % of the quota.
        const perHour = warnAt(args.sesSendingQuotaPer24h / 24);
        const sesPer24h = createAlarm(
            `${name}-ses-daily-quota`,
            {
                description:
                    `SES: ${Number(perHour.toFixed(2))} emails an hour in 3 of 5 hours, a pace that uses ${pct} of the 24-hour sending quota of ${args.sesSendingQuotaPer24h}; ` +
                    `past the quota SES refuses every send until the window moves on. Request a higher quota and set sesSendingQuotaPer24h: ${runbook}`,
                severity: "warning",
                signal: sesSend,
                threshold: perHour,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                periodSeconds: 3600,
                ...TRIGGER_WINDOW,
            },
            args.routing,
            opts2,
        );
        // OpenSearch Serverless publishes the account's OCUs (dimension ClientId = the account).
        const ocus = (metricName: string, slug: string, max: number, what: string, key: string) =>
            createAlarm(
                `${name}-${slug}`,
                {
                    description:
                        `OpenSearch Serverless: ${metricName} reached ${warnAt(max)} (${pct} of the account's maximum ${what} capacity of ${max} OCUs) in 3 of 5 minutes; ` +
                        `at the maximum ${what} slows down instead of scaling. Raise the account's capacity limit and set ${key}: ${runbook}`,
                    severity: "warning",
                    signal: { kind: "metric", metric: { namespace: "AWS/AOSS", metricName, dimensions: { ClientId: ctx.accountId }, stat: "Maximum" } },
                    threshold: warnAt(max),
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    ...TRIGGER_WINDOW,
                },
                args.routing,
                opts2,
            );
        const indexing = ocus("IndexingOCU", "indexing-ocus", args.searchMaxIndexingOcus, "indexing", "searchMaxIndexingOcus");
        const search = ocus("SearchOCU", "search-ocus", args.searchMaxSearchOcus, "search", "searchMaxSearchOcus");

        this.alarmNames = {
            accountConcurrency: accountConcurrency.alarm.name,
            sesPerSecond: sesPerSecond.alarm.name,
            sesPer24h: sesPer24h.alarm.name,
            indexingOcus: indexing.alarm.name,
            searchOcus: search.alarm.name,
        };
        this.registerOutputs({ alarmNames: this.alarmNames });
    }
}
