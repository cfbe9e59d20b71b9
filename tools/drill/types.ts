// The incident drill's data: the monitoring model read from a preview (alarms, topics, subscriptions,
// release groups, log metric filters), the synthetic metric data of a scenario, and what the evaluator
// and the simulation produce. evaluate.ts turns alarms and data into states minute by minute; model.ts
// builds the model from a PreviewReport; run.ts follows each state change to topics, endpoints,
// escalations and rollbacks; scenario.ts reads the scenario format users write.

/** CloudWatch statistics the evaluator computes: Sum, Average, Minimum, Maximum, SampleCount, pNN (p50, p99, p99.9). */
export type Statistic = string;

export type ComparisonOperator =
    | "GreaterThanOrEqualToThreshold"
    | "GreaterThanThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold"
    | "LessThanLowerOrGreaterThanUpperThreshold"
    | "LessThanLowerThreshold"
    | "GreaterThanUpperThreshold";

export type TreatMissingData = "missing" | "notBreaching" | "breaching" | "ignore";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** One metric as an alarm or a metric query names it. */
export interface MetricId {
    namespace: string;
    metricName: string;
    /** Dimension name -> value, as the alarm gives them (values may be unknown in a create preview: "*"). */
    dimensions: Record<string, string>;
}

/** A metric query of an alarm: a metric with its statistic and period, or an expression over other queries. */
export type MetricQuery =
    | { id: string; returnData: boolean; metric: MetricId & { stat: Statistic; periodSeconds: number } }
    | { id: string; returnData: boolean; expression: string; periodSeconds?: number };

/** A CloudWatch metric alarm, normalized from `aws.cloudwatch.MetricAlarm` inputs. */
export interface MetricAlarmModel {
    kind: "metric";
    /** The resource's URN and logical name, and the alarm's physical name (`name` input, or the logical name). */
    urn: string;
    resourceName: string;
    alarmName: string;
    /** A single metric (metricName/namespace/statistic/extendedStatistic/period) or metric queries. */
    queries: MetricQuery[];
    periodSeconds: number;
    evaluationPeriods: number;
    /** M of N: defaults to evaluationPeriods. */
    datapointsToAlarm: number;
    threshold: number;
    comparisonOperator: ComparisonOperator;
    /** @default "missing" */
    treatMissingData: TreatMissingData;
    alarmActions: string[];
    okActions: string[];
    insufficientDataActions: string[];
    actionsEnabled: boolean;
    /** Tags the program gave (severity tags, escalation markers). */
    tags: Record<string, string>;
}

/** A CloudWatch composite alarm: its rule over other alarms' states. */
export interface CompositeAlarmModel {
    kind: "composite";
    urn: string;
    resourceName: string;
    alarmName: string;
    /** `ALARM("name") OR (ALARM(x) AND NOT OK(y))`, TRUE, FALSE, as CloudWatch writes it. */
    alarmRule: string;
    alarmActions: string[];
    okActions: string[];
    insufficientDataActions: string[];
    actionsEnabled: boolean;
    tags: Record<string, string>;
}

export type AlarmModel = MetricAlarmModel | CompositeAlarmModel;

/** Synthetic metric data: `points` are [minute, value] steps held until the next point. */
export interface MetricSeries {
    namespace: string;
    metricName: string;
    /** A value `*` matches any value (the stack's own). */
    dimensions: Record<string, string>;
    /**
     * How the points are meant: the value of the statistic for each minute (the series is read as one
     * datapoint per minute per statistic), e.g. "Average" 0.3 means each minute's average is 0.3.
     * @default "Sum"
     */
    stat?: Statistic;
    points: [number, number][];
}

/** One alarm's state at the end of a minute, and why (for the timeline). */
export interface AlarmStateAt {
    minute: number;
    state: AlarmState;
    /** The value the last evaluated period had, if any. */
    value?: number;
    reason: string;
}

/** The evaluator's contract (evaluate.ts). */
export interface Evaluator {
    /**
     * Evaluates every alarm minute by minute over `minutes` minutes (0 .. minutes-1), as CloudWatch does:
     * each metric alarm's queries aggregated per period and statistic from `data`, metric math, M of N,
     * treatMissingData; composite alarms after the alarms they name, in the same minute. Every alarm
     * starts INSUFFICIENT_DATA. Returns each alarm's state changes (by alarmName), in time order.
     */
    evaluate(alarms: AlarmModel[], data: MetricSeries[], minutes: number): Map<string, AlarmStateAt[]>;
}

/** An SNS subscription of a topic. */
export interface SubscriptionModel {
    protocol: string;
    endpoint: string;
    /** Email and https subscriptions need the endpoint to confirm before they receive anything. */
    pendingConfirmation: boolean;
}

export interface TopicModel {
    urn: string;
    resourceName: string;
    /** The topic's name and ARN as the preview knows them (update mode: the mock ARN). */
    topicName: string;
    arn: string;
    subscriptions: SubscriptionModel[];
    /** critical, warning, info, escalation: from the topic's tags or name, when it is a severity topic. */
    severity?: string;
}

/** A CodeDeploy deployment group with alarm-based rollback. */
export interface ReleaseGroupModel {
    urn: string;
    resourceName: string;
    /** The function the group releases (its logical name as the component names it, e.g. "api"). */
    functionName: string;
    rollbackAlarmNames: string[];
    /** autoRollbackConfiguration has DEPLOYMENT_STOP_ON_ALARM. */
    rollsBackOnAlarm: boolean;
    alarmsEnabled: boolean;
}

/** A log metric filter: log events matching `pattern` in `logGroupName` emit `metric`. */
export interface LogMetricFilterModel {
    urn: string;
    logGroupName: string;
    pattern: string;
    metric: { namespace: string; metricName: string; value: string; dimensions: Record<string, string> };
}

/** A target of an EventBridge rule: an SNS topic (the severity topics), or any other ARN. */
export interface EventTargetModel {
    urn: string;
    /** The target's ARN: a topic's (resolved from the property's dependencies when unknown), a queue's, a function's. */
    arn: string;
}

/** An EventBridge rule with an event pattern, and its targets. */
export interface EventRuleModel {
    urn: string;
    resourceName: string;
    ruleName: string;
    /** The parsed `eventPattern`; undefined when unknown at preview time (the rule cannot be drilled). */
    pattern?: Record<string, unknown>;
    /** `state` ENABLED (or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS), or the older `isEnabled`. */
    enabled: boolean;
    /** @default "default" */
    eventBusName: string;
    targets: EventTargetModel[];
    tags: Record<string, string>;
}

export interface MonitoringModel {
    stack: string;
    alarms: AlarmModel[];
    topics: TopicModel[];
    releaseGroups: ReleaseGroupModel[];
    logMetricFilters: LogMetricFilterModel[];
    /** EventBridge rules with event patterns (findings routed to topics). */
    eventRules?: EventRuleModel[];
}

/** One line of a scenario's timeline. */
export type TimelineEvent =
    | { minute: number; kind: "state"; alarm: string; from: AlarmState; to: AlarmState; value?: number; severity?: string }
    /** A scenario event matched an EventBridge rule (`rule`); its deliveries follow as `notify` lines whose `alarm` is the rule's name. */
    | { minute: number; kind: "event"; rule: string; source: string; detailType: string; severity?: string }
    | { minute: number; kind: "notify"; alarm: string; topic: string; endpoints: { protocol: string; endpoint: string; pendingConfirmation: boolean }[] }
    | { minute: number; kind: "escalate"; alarm: string; topic: string; endpoints: { protocol: string; endpoint: string; pendingConfirmation: boolean }[] }
    | { minute: number; kind: "rollback"; function: string; group: string; alarm: string }
    | { minute: number; kind: "release"; function: string; action: "start" | "complete" | "stop" };
