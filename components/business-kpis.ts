import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { AlarmRouting, createAlarm } from "./alarms";
import { PlatformContext, arn } from "./context";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";
import {
    NO_BUSINESS_HOURS,
    WEEKDAYS,
    businessHoursCron,
    businessMinutesPerDay,
    parseBusinessHours,
    timeZoneProblem,
    type BusinessHours,
} from "./defaults/kpis";

export { NO_BUSINESS_HOURS, WEEKDAYS, businessHoursCron, businessMinutesPerDay, parseBusinessHours, timeZoneProblem, type BusinessHours };

/**
 * The order KPIs the API handler emits through Powertools Metrics (`functions/shared/observability.ts`,
 * `Kpi`; charted by the business dashboard, `BUSINESS_KPIS`): one count per order created or cancelled,
 * dimension `service` = the API function's name.
 */
export const ORDER_KPIS = { service: "api", created: "OrdersCreated", cancelled: "OrdersCancelled" } as const;

/** The cancellation rate is judged per hour: the window of each datapoint. */
export const CANCELLATION_WINDOW_SECONDS = 3600;

/** CloudWatch evaluates at most a day of one-minute datapoints, escalation twins included. */
const MAX_ALARM_MINUTES = 1440;

export interface BusinessKpisArgs extends ComponentOptions<BusinessKpisChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** Where the KPI alarms go: warnings, which escalate. */
    routing: AlarmRouting;
    /** Namespace the handlers publish business metrics to (`POWERTOOLS_METRICS_NAMESPACE`). */
    namespace: string;
    /**
     * Powertools service name (`service` dimension) of the function that counts orders.
     * @default "api" (ORDER_KPIS.service)
     */
    service?: string;
    /** Minutes of business hours without a single order created that raise the no-order alarm (5 to 1439, shorter than a business day). */
    noOrderMinutes: number;
    /**
     * When orders are expected: open days and whole hours such as `"Mon-Fri 08:00-20:00"`, in `timeZone`;
     * or `"none"` (a stack without customers), which leaves the no-order alarm unarmed.
     */
    businessHours: string;
    /**
     * IANA time zone of `businessHours`; daylight saving time is followed.
     * @default "UTC"
     */
    timeZone?: string;
    /** Cancelled orders per created order, in percent over an hour, that raise the cancellation alarm (1 to 100). */
    cancellationRatePercent: number;
    /**
     * Orders created in the hour below which the cancellation rate is not judged: two orders, one
     * cancelled, is not a 50 % problem.
     * @default 20
     */
    cancellationMinOrders?: number;
}

/** The kinds of child resources BusinessKpis creates, and the arguments a `transform` of each may edit. */
export interface BusinessKpisChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
    schedule: aws.scheduler.ScheduleArgs;
    scheduleGroup: aws.scheduler.ScheduleGroupArgs;
}
const BUSINESS_KPIS_CHILD_KINDS = ["metricAlarm", "role", "rolePolicy", "schedule", "scheduleGroup"] as const;

/**
 * Alarms on what the platform is for, taking orders: no order created for `noOrderMinutes` during
 * business hours, and a cancellation rate above `cancellationRatePercent`. Both are warnings, so each
 * has an escalation twin that notifies the escalation topic when the warning stays unresolved for
 * `escalationMinutes`.
 *
 * How "during business hours" works. CloudWatch alarms have no schedule, and metric math's HOUR() and
 * DAY() read UTC (a fixed offset would be an hour off for half of the year in most time zones) and
 * only see timestamps the metric has, which is exactly what an order count lacks when no order comes.
 * Turning the alarm's actions on and off on a schedule (EnableAlarmActions / DisableAlarmActions) does
 * not work either: the alarm spends the night in ALARM, and actions enabled on an alarm already in ALARM
 * never notify, so the morning's real outage would go unreported. Instead, an EventBridge Scheduler
 * schedule, in the business's time zone (daylight saving followed), calls CloudWatch PutMetricData once
 * a minute while the business is open, adding a 0 to the orders-created count. During business hours
 * the count therefore has a datapoint every minute, 0 when no order came; outside them it has
 * datapoints only when orders come. The alarm is a plain metric alarm on that count (Sum per minute
 * below 1 for `noOrderMinutes` of `noOrderMinutes` minutes, missing data not breaching): it fires only
 * after `noOrderMinutes` open minutes without an order, never at night, starts each business day afresh
 * (the minutes before opening are missing, so not breaching) and recovers at closing. Adding 0 changes
 * no Sum the dashboards chart. If the heartbeat cannot be delivered, an alarm on the schedule group's
 * dropped invocations says the no-order alarm is blind.
 *
 * The escalation twins escalate `escalationMinutes` after their warning (their window is the warning's
 * plus `escalationMinutes`, at most CloudWatch's one day), not `escalationMinutes` after the signal
 * started breaching, which for a long window would be at once.
 */
export class BusinessKpis extends Component<BusinessKpisChildren> {
    /** The business hours the no-order alarm is armed in, or undefined for "none". */
    public readonly businessHours: BusinessHours | undefined;
    /** Name of the no-order alarm. */
    public readonly noOrderAlarmName: pulumi.Output<string>;
    /** Name of the cancellation-rate alarm. */
    public readonly cancellationAlarmName: pulumi.Output<string>;

    constructor(name: string, args: BusinessKpisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:BusinessKpis", "BusinessKpis", name, BUSINESS_KPIS_CHILD_KINDS, args, opts);
        if (!/^[^\s'"]+$/.test(args.namespace)) {
            this.invalid("namespace", args.namespace, "allowed: a CloudWatch namespace without spaces or quotes");
        }
        const service = args.service ?? ORDER_KPIS.service;
        const noOrderMinutes = this.checkInt("noOrderMinutes", args.noOrderMinutes, 5, MAX_ALARM_MINUTES - 1);
        const parsed = parseBusinessHours(args.businessHours);
        if (parsed.problem !== undefined) {
            this.invalid("businessHours", args.businessHours, parsed.problem);
        }
        const hours = parsed.hours;
        if (hours !== undefined && noOrderMinutes >= businessMinutesPerDay(hours)) {
            this.invalid(
                "noOrderMinutes",
                noOrderMinutes,
                `allowed: fewer minutes than the ${businessMinutesPerDay(hours)} a business day of "${args.businessHours}" has, or the alarm could never fire`,
            );
        }
        const timeZone = args.timeZone ?? "UTC";
        const zoneProblem = timeZoneProblem(timeZone);
        if (zoneProblem !== undefined) {
            this.invalid("timeZone", timeZone, zoneProblem);
        }
        const ratePercent = this.checkInt("cancellationRatePercent", args.cancellationRatePercent, 1, 100);
        const minOrders = this.checkInt("cancellationMinOrders", args.cancellationMinOrders ?? 20, 1, 1_000_000);
        const ctx = args.context;
        const physical = `${ctx.namePrefix}-${name}`;
        const ordersCreated = { namespace: args.namespace, metricName: ORDER_KPIS.created, dimensions: { service }, stat: "Sum" };
        const ordersCancelled = { namespace: args.namespace, metricName: ORDER_KPIS.cancelled, dimensions: { service }, stat: "Sum" };

        // --- The business-hours heartbeat -----------------------------------------------------------------
        // A group of its own: the AWS/Scheduler metrics of the group are this heartbeat's.
        const group = this.create("scheduleGroup", aws.scheduler.ScheduleGroup, `schedules`, { name: physical, tags: ctx.tags }, { parent: this });
        const groupArn = arn(ctx, "scheduler", `schedule-group/${physical}`);
        const role = this.create(
            "role",
            aws.iam.Role,
            `scheduler-role`,
            {
                name: `${physical}-scheduler`,
                description: `EventBridge Scheduler: the business-hours heartbeat of ${physical}'s no-order alarm`,
                // Only this account's schedules of this group assume it.
                assumeRolePolicy: assumeRolePolicy("scheduler.amazonaws.com", {
                    StringEquals: { "aws:SourceAccount": ctx.accountId, "aws:SourceArn": groupArn },
                }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        const grants: Grant[] = [
            {
                sid: "PutBusinessHoursHeartbeat",
                actions: ["cloudwatch:PutMetricData"],
                resources: ["*"],
                anyResourceReason: "PutMetricData has no resource-level permissions; the condition limits it to the KPI namespace",
                condition: { StringEquals: { "cloudwatch:namespace": args.namespace } },
            },
        ];
        checkGrants(this.className, "grants", grants);
        const policy = this.create("rolePolicy", aws.iam.RolePolicy, `scheduler-policy`, { role: role.name, policy: policyDocument(grants) }, { parent: this });
        // "none" keeps the same schedule, disabled, so every stack has the same resources.
        const armed = hours ?? { days: [...WEEKDAYS.slice(0, 5)], startHour: 8, endHour: 20 };
        this.create(
            "schedule",
            aws.scheduler.Schedule,
            `business-hours`,
            {
                name: `${physical}-business-hours`,
                groupName: group.name,
                description:
                    hours === undefined
                        ? `Disabled: ${physical} has no business hours, so its no-order alarm is not armed`
                        : `Arms ${physical}'s no-order alarm during business hours (${args.businessHours}, ${timeZone}): a 0 orders-created datapoint every minute`,
                scheduleExpression: businessHoursCron(armed),
                scheduleExpressionTimezone: timeZone,
                flexibleTimeWindow: { mode: "OFF" },
                state: hours === undefined ? "DISABLED" : "ENABLED",
                target: {
                    // The universal target: Scheduler calls the CloudWatch API itself, no function in between.
                    arn: `arn:${ctx.partition}:scheduler:::aws-sdk:cloudwatch:putMetricData`,
                    roleArn: role.arn,
                    input: JSON.stringify({
                        Namespace: args.namespace,
                        MetricData: [{ MetricName: ORDER_KPIS.created, Dimensions: [{ Name: "service", Value: service }], Value: 0, Unit: "Count" }],
                    }),
                    // A heartbeat is worth its minute only: retried briefly, never dead-lettered (a late 0 means
                    // nothing); a dropped one is alarmed below.
                    retryPolicy: { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 2 },
                },
            },
            { parent: this, dependsOn: [policy] },
        );

        // --- The alarms --------------------------------------------------------------------------------
        const hooks = { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags };
        const escalateAfter = (windowMinutes: number): AlarmRouting => ({
            ...args.routing,
            escalationMinutes: Math.min(windowMinutes + args.routing.escalationMinutes, MAX_ALARM_MINUTES),
        });
        const where = hours === undefined ? "(not armed: this stack has no business hours)" : `during business hours (${args.businessHours}, ${timeZone})`;
        const noOrders = createAlarm(
            `${name}-no-orders`,
            {
                description:
                    `${physical}: no order was created for ${noOrderMinutes} minutes ${where}. Customers may be unable to order: ` +
                    "check the API's 5xx and latency alarms, the site and sign-in, then the orders function's logs.",
                severity: "warning",
                signal: { kind: "metric", metric: ordersCreated },
                threshold: 1,
                comparisonOperator: "LessThanThreshold",
                periodSeconds: 60,
                evaluationPeriods: noOrderMinutes,
                datapointsToAlarm: noOrderMinutes,
                // Outside business hours a minute without orders has no datapoint: not an incident.
                treatMissingData: "notBreaching",
            },
            escalateAfter(noOrderMinutes),
            hooks,
        );
        const cancellation = createAlarm(
            `${name}-cancellation-rate`,
            {
                description:
                    `${physical}: more than ${ratePercent} % of the orders created in the last hour were cancelled (judged from ${minOrders} orders an hour). ` +
                    "Look for a pricing, stock or delivery problem, or a release that changed the order flow.",
                severity: "warning",
                signal: {
                    kind: "math",
                    expression: `IF(created >= ${minOrders}, 100 * FILL(cancelled, 0) / created, 0)`,
                    label: "cancelled per created (%)",
                    metrics: { created: ordersCreated, cancelled: ordersCancelled },
                },
                threshold: ratePercent,
                comparisonOperator: "GreaterThanThreshold",
                periodSeconds: CANCELLATION_WINDOW_SECONDS,
                evaluationPeriods: 1,
                treatMissingData: "notBreaching",
            },
            escalateAfter(CANCELLATION_WINDOW_SECONDS / 60),
            hooks,
        );
        createAlarm(
            `${name}-heartbeat-dropped`,
            {
                description:
                    `${physical}: EventBridge Scheduler dropped a business-hours heartbeat (PutMetricData failed after its retries), so the ` +
                    "no-order alarm may be late or blind. Check the scheduler role's policy and the schedule's last errors.",
                severity: "warning",
                signal: {
                    kind: "metric",
                    metric: { namespace: "AWS/Scheduler", metricName: "InvocationDroppedCount", dimensions: { ScheduleGroup: group.name }, stat: "Sum" },
                },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                periodSeconds: 300,
                evaluationPeriods: 1,
            },
            args.routing,
            hooks,
        );

        this.businessHours = hours;
        this.noOrderAlarmName = noOrders.alarm.name;
        this.cancellationAlarmName = cancellation.alarm.name;
        this.registerOutputs({ noOrderAlarmName: this.noOrderAlarmName, cancellationAlarmName: this.cancellationAlarmName });
    }
}
