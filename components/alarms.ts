import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildHooks, createChild } from "./component";

import { ESCALATION, SEVERITIES, type Severity } from "./defaults/cloudwatch";

export { ESCALATION, SEVERITIES, type Severity };

/**
 * Where alarms go: the ARNs of the three severity topics and of the escalation topic (Outputs of the
 * topics themselves, so the policy pack can follow an alarm's actions to its topic) and when a
 * warning escalates.
 */
export interface AlarmRouting {
    /** ARN of each severity topic. */
    topicArns: Record<Severity, pulumi.Output<string>>;
    /**
     * ARN of the escalation topic: the escalated tier (on-call lead, pager), whose subscribers are not
     * the first-line mailboxes that already had the warning.
     */
    escalationTopicArn: pulumi.Output<string>;
    /** Minutes a warning alarm may stay in ALARM before its escalation twin notifies the escalation topic. */
    escalationMinutes: number;
}

/** One metric, as CloudWatch names it. */
export interface MetricRef {
    namespace: string;
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    /** `Sum`, `Average`, `Maximum`... or a percentile such as `p99`. */
    stat: string;
}

/** What an alarm watches: one metric, or a metric-math expression over named metrics. */
export type AlarmSignal = { kind: "metric"; metric: MetricRef } | { kind: "math"; expression: string; label: string; metrics: Record<string, MetricRef> };

export interface AlarmSpec {
    /** What the alarm means and what to do, shown in the notification. */
    description: string;
    severity: Severity;
    signal: AlarmSignal;
    threshold: number;
    comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    /** Seconds per datapoint. @default 60 */
    periodSeconds?: number;
    /** Datapoints evaluated. @default 5 */
    evaluationPeriods?: number;
    /** Breaching datapoints (of `evaluationPeriods`) that raise the alarm. @default evaluationPeriods */
    datapointsToAlarm?: number;
    /** @default "notBreaching": no traffic is not an incident */
    treatMissingData?: "notBreaching" | "breaching" | "ignore" | "missing";
}

/** The alarm and, for a warning, its escalation twin. */
export interface CreatedAlarm {
    alarm: aws.cloudwatch.MetricAlarm;
    escalation?: aws.cloudwatch.MetricAlarm;
}

function signalArgs(signal: AlarmSignal, period: number): Partial<aws.cloudwatch.MetricAlarmArgs> {
    if (signal.kind === "metric") {
        const m = signal.metric;
        const percentile = /^p\d+(\.\d+)?$/.test(m.stat);
        return {
            namespace: m.namespace,
            metricName: m.metricName,
            dimensions: m.dimensions,
            period,
            ...(percentile ? { extendedStatistic: m.stat } : { statistic: m.stat }),
        };
    }
    return {
        metricQueries: [
            { id: "signal", expression: signal.expression, label: signal.label, returnData: true },
            ...Object.entries(signal.metrics).map(([id, m]) => ({
                id,
                returnData: false,
                metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, period, stat: m.stat },
            })),
        ],
    };
}

/**
 * Creates an alarm routed to its severity topic, with OK actions to the same topic so the channel
 * sees recovery too. A `warning` alarm gets an escalation twin.
 *
 * Why a twin and not a composite alarm: a composite alarm's rule is evaluated on the *current*
 * states of its children and has no notion of "in ALARM for N minutes", so it cannot express
 * escalation by time by itself. The twin watches the same signal with an evaluation window of
 * `escalationMinutes` in which every datapoint must breach, so it fires exactly when the warning
 * has been breaching for that long, recovers with it, and notifies the escalation topic (not
 * `critical`, whose mailboxes are the first line's: an escalation must reach someone new). It
 * costs one more alarm per warning and needs no extra moving part (no Step Function, no scheduler).
 */
export function createAlarm(
    name: string,
    spec: AlarmSpec,
    routing: AlarmRouting,
    opts: {
        parent: pulumi.Resource;
        tags?: Record<string, string>;
        /** Provider of another region, e.g. us-east-1 for CloudFront metrics. @default the parent's */
        provider?: pulumi.ProviderResource;
        /** The component's transform and record for its alarms (both the alarm and its twin). @default none */
        hooks?: ChildHooks<aws.cloudwatch.MetricAlarmArgs>;
    },
): CreatedAlarm {
    const period = spec.periodSeconds ?? 60;
    const evaluationPeriods = spec.evaluationPeriods ?? 5;
    const datapointsToAlarm = spec.datapointsToAlarm ?? evaluationPeriods;
    const common = {
        comparisonOperator: spec.comparisonOperator,
        threshold: spec.threshold,
        treatMissingData: spec.treatMissingData ?? "notBreaching",
        actionsEnabled: true,
        ...signalArgs(spec.signal, period),
    };
    const topic = routing.topicArns[spec.severity];
    const alarm = createChild(
        aws.cloudwatch.MetricAlarm,
        name,
        {
            ...common,
            alarmDescription: `[${spec.severity}] ${spec.description}`,
            evaluationPeriods,
            datapointsToAlarm,
            alarmActions: [topic],
            okActions: [topic],
            tags: { ...opts.tags, severity: spec.severity },
        },
        { parent: opts.parent, provider: opts.provider },
        opts.hooks,
    );
    if (spec.severity !== "warning") {
        return { alarm };
    }
    // CloudWatch evaluates at most one day of datapoints; escalationMinutes is capped at 1440 by config.
    // A twin never fires with its warning: when the warning's own breaching datapoints already span
    // escalationMinutes (one 15-minute SES datapoint, 15 escalation minutes), the twin needs that many
    // minutes of datapoints more, or the escalated tier would hear of it at the same time as the first line.
    const escalationSpan = Math.ceil((routing.escalationMinutes * 60) / period);
    const escalationPeriods = Math.max(evaluationPeriods, escalationSpan > datapointsToAlarm ? escalationSpan : datapointsToAlarm + escalationSpan);
    const escalated = routing.escalationTopicArn;
    const escalation = createChild(
        aws.cloudwatch.MetricAlarm,
        `${name}-escalated`,
        {
            ...common,
            alarmDescription: `[${ESCALATION}] Warning unresolved: breaching for ${routing.escalationMinutes} minutes. ${spec.description}`,
            evaluationPeriods: escalationPeriods,
            datapointsToAlarm: escalationPeriods,
            alarmActions: [escalated],
            okActions: [escalated],
            tags: { ...opts.tags, severity: ESCALATION, escalates: name },
        },
        { parent: opts.parent, provider: opts.provider },
        opts.hooks,
    );
    return { alarm, escalation };
}

type AlarmOptions = Parameters<typeof createAlarm>[3];

/**
 * A message in a dead-letter queue means something failed for good and waits to be inspected and
 * redriven: any message raises it.
 */
export function dlqDepthAlarm(name: string, dlqName: pulumi.Input<string>, description: string, routing: AlarmRouting, opts: AlarmOptions): CreatedAlarm {
    return createAlarm(
        name,
        {
            description,
            severity: "warning",
            signal: {
                kind: "metric",
                metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: dlqName }, stat: "Maximum" },
            },
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            evaluationPeriods: 1,
        },
        routing,
        opts,
    );
}

/** SNS could not deliver a message to one of the topic's subscriptions within 5 minutes. */
export function snsDeliveryFailureAlarm(
    name: string,
    topicName: pulumi.Input<string>,
    description: string,
    severity: Severity,
    routing: AlarmRouting,
    opts: AlarmOptions,
): CreatedAlarm {
    return createAlarm(
        name,
        {
            description,
            severity,
            signal: {
                kind: "metric",
                metric: { namespace: "AWS/SNS", metricName: "NumberOfNotificationsFailed", dimensions: { TopicName: topicName }, stat: "Sum" },
            },
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            periodSeconds: 300,
            evaluationPeriods: 1,
        },
        routing,
        opts,
    );
}
