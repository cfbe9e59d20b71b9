// The monitoring model of a stack, read from the resources an offline preview recorded: alarms (single
// metric, metric math, composite), SNS topics and their subscriptions, CodeDeploy deployment groups with
// their rollback alarms and traffic shifting, and log metric filters. Only inputs and property
// dependencies are read, so it works on any Pulumi program on AWS, not only this platform's.
import type { PreviewReport, ResourceRecord } from "../preview/types";
import type {
    AlarmModel,
    ComparisonOperator,
    CompositeAlarmModel,
    EventRuleModel,
    LogMetricFilterModel,
    MetricAlarmModel,
    MetricId,
    MetricQuery,
    MonitoringModel,
    ReleaseGroupModel,
    SubscriptionModel,
    TopicModel,
    TreatMissingData,
} from "./types";

export const TYPES = {
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    compositeAlarm: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
    deploymentConfig: "aws:codedeploy/deploymentConfig:DeploymentConfig",
    logMetricFilter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    lambdaFunction: "aws:lambda/function:Function",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
} as const;

/** The Pulumi SDK's unknown sentinel, and how the preview report writes unknown and secret values. */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const UNKNOWN_TEXTS = new Set([UNKNOWN_SENTINEL, "[unknown]"]);

/** Severities a topic (and so an alarm) can have, most severe first; `escalation` is the escalated tier. */
export const SEVERITY_ORDER = ["critical", "warning", "info", "escalation"] as const;

/** How a deployment shifts traffic, from its deployment config. */
export interface TrafficShift {
    type: "AllAtOnce" | "TimeBasedCanary" | "TimeBasedLinear";
    /** Share moved by the canary or by each linear step. */
    percentage?: number;
    /** Minutes the canary bakes, or between linear steps. */
    intervalMinutes?: number;
}

/** A deployment group with what the drill needs to time a release (additive to the shared `ReleaseGroupModel`). */
export interface ReleaseGroup extends ReleaseGroupModel {
    /** `deploymentGroupName`, when known. */
    deploymentGroupName?: string;
    /** `deploymentConfigName`, when known (a `CodeDeployDefault.*` name or the program's own config). */
    deploymentConfigName?: string;
    /** The traffic shifting, when the config is a predefined one or a config resource of the program. */
    traffic?: TrafficShift;
    /**
     * Minutes the AfterAllowTraffic hook bakes after the last shift, from a Lambda function of the program
     * with the environment variable BAKE_MINUTES (the platform's release hook), when there is one.
     */
    bakeMinutes?: number;
}

/** A topic, with what keeps CloudWatch from publishing to it (additive to the shared `TopicModel`). */
export interface Topic extends TopicModel {
    /**
     * Why CloudWatch alarms cannot publish to it: a topic encrypted with the AWS-managed `alias/aws/sns`
     * key, whose key policy CloudWatch is not in (the CloudWatch User Guide), receives no alarm notification.
     */
    alarmsCannotPublish?: string;
    /**
     * Why EventBridge rules cannot publish to it: the AWS-managed key, or an access policy that does not
     * let events.amazonaws.com publish (a topic's default policy admits only its own account's principals).
     */
    eventsCannotPublish?: string;
}

/** A log metric filter with the value it emits when an event does not match (additive to `LogMetricFilterModel`). */
export interface LogFilter extends LogMetricFilterModel {
    /** `metricTransformation.defaultValue`: emitted for a log event that does not match. @default none: no datapoint */
    defaultValue?: number;
}

/** The monitoring model, with the release groups' timing and the filters' default values. */
export interface DrillModel extends MonitoringModel {
    topics: Topic[];
    releaseGroups: ReleaseGroup[];
    logMetricFilters: LogFilter[];
}

/** Whether a value is unknown at preview time (the SDK's sentinel, or the report's `[unknown]`). */
export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && UNKNOWN_TEXTS.has(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function knownString(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" && !isUnknown(v) ? v : undefined;
}

function num(v: unknown, fallback: number): number {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return fallback;
}

function strings(v: unknown): string[] {
    return Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : String(x))) : [];
}

function tagsOf(v: unknown): Record<string, string> {
    if (!isRecord(v)) return {};
    return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (typeof x === "string" ? [[k, x]] : [])));
}

/** Dimensions as the alarm gives them, an unknown value (a first preview) as `*`. */
function dimensionsOf(v: unknown): Record<string, string> {
    if (!isRecord(v)) return {};
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" && !isUnknown(x) ? x : typeof x === "number" ? String(x) : "*"]));
}

/** The last segment of an ARN (an SNS topic's name), or undefined for a value that is not an ARN. */
export function arnName(arn: string): string | undefined {
    if (!arn.startsWith("arn:")) return undefined;
    const parts = arn.split(":");
    return parts.length >= 6 ? parts[parts.length - 1] : undefined;
}

/** The severity a topic's tags or name give it. */
export function topicSeverity(name: string, tags: Record<string, string>): string | undefined {
    const tag = (tags.severity ?? tags.Severity)?.toLowerCase();
    if (tag && (SEVERITY_ORDER as readonly string[]).includes(tag)) return tag;
    const words = name.toLowerCase().split(/[^a-z0-9]+/);
    if (words.some((w) => w.startsWith("escalat"))) return "escalation";
    return SEVERITY_ORDER.find((s) => words.includes(s));
}

/** The name CloudWatch shows: the physical name unless it is the logical name plus the provider's autoname suffix. */
export function displayName(alarm: { alarmName: string; resourceName: string }): string {
    const { alarmName, resourceName } = alarm;
    return alarmName.startsWith(`${resourceName}-`) && /^[0-9a-f]{7}$/.test(alarmName.slice(resourceName.length + 1)) ? resourceName : alarmName;
}

/** Resolves a list of action ARNs: unknown entries become the ARNs of the topics the property depends on. */
function resolveActions(r: ResourceRecord, prop: string, topicsByUrn: ReadonlyMap<string, TopicModel>, topicsByArn: ReadonlyMap<string, TopicModel>): string[] {
    const given = strings(r.inputs[prop]);
    if (given.every((a) => !isUnknown(a))) return given;
    const deps = (r.propertyDependencies[prop] ?? []).flatMap((urn) => {
        const t = topicsByUrn.get(urn);
        return t ? [t] : [];
    });
    const named = new Set(given.flatMap((a) => (topicsByArn.get(a) ? [topicsByArn.get(a)!.urn] : [])));
    const spare = deps.filter((t) => !named.has(t.urn));
    return given.map((a) => (isUnknown(a) ? (spare.shift()?.arn ?? a) : a));
}

function metricQueries(inputs: Record<string, unknown>, period: number): MetricQuery[] {
    const queries = inputs.metricQueries;
    if (Array.isArray(queries) && queries.length > 0) {
        return queries.filter(isRecord).map((q, i) => {
            const id = knownString(q.id) ?? `q${i + 1}`;
            const returnData = q.returnData === undefined ? !isRecord(q.metric) || queries.length === 1 : q.returnData === true;
            if (typeof q.expression === "string") {
                return { id, returnData, expression: q.expression, ...(q.period !== undefined ? { periodSeconds: num(q.period, period) } : {}) };
            }
            const m = isRecord(q.metric) ? q.metric : {};
            return {
                id,
                returnData,
                metric: {
                    namespace: knownString(m.namespace) ?? "*",
                    metricName: knownString(m.metricName) ?? "*",
                    dimensions: dimensionsOf(m.dimensions),
                    stat: knownString(m.stat) ?? "Average",
                    periodSeconds: num(m.period, period),
                },
            };
        });
    }
    return [
        {
            id: "m1",
            returnData: true,
            metric: {
                namespace: knownString(inputs.namespace) ?? "*",
                metricName: knownString(inputs.metricName) ?? "*",
                dimensions: dimensionsOf(inputs.dimensions),
                stat: knownString(inputs.extendedStatistic) ?? knownString(inputs.statistic) ?? "Average",
                periodSeconds: period,
            },
        },
    ];
}

const OPERATORS: readonly ComparisonOperator[] = [
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];
const MISSING: readonly TreatMissingData[] = ["missing", "notBreaching", "breaching", "ignore"];

/** Predefined CodeDeploy configs for Lambda, by name. */
export function predefinedTraffic(name: string): TrafficShift | undefined {
    if (name === "CodeDeployDefault.LambdaAllAtOnce") return { type: "AllAtOnce" };
    const canary = /^CodeDeployDefault\.LambdaCanary(\d+)Percent(\d+)Minutes?$/.exec(name);
    if (canary) return { type: "TimeBasedCanary", percentage: Number(canary[1]), intervalMinutes: Number(canary[2]) };
    const linear = /^CodeDeployDefault\.LambdaLinear(\d+)PercentEvery(\d+)Minutes?$/.exec(name);
    if (linear) return { type: "TimeBasedLinear", percentage: Number(linear[1]), intervalMinutes: Number(linear[2]) };
    return undefined;
}

function trafficOfConfig(inputs: Record<string, unknown>): TrafficShift | undefined {
    const routing = isRecord(inputs.trafficRoutingConfig) ? inputs.trafficRoutingConfig : undefined;
    if (!routing) return undefined;
    const type = routing.type;
    if (type === "AllAtOnce") return { type };
    if (type === "TimeBasedCanary" || type === "TimeBasedLinear") {
        const step = routing[type === "TimeBasedCanary" ? "timeBasedCanary" : "timeBasedLinear"];
        if (!isRecord(step)) return undefined;
        return { type, percentage: num(step.percentage, 10), intervalMinutes: num(step.interval, 1) };
    }
    return undefined;
}

/** The URN's last segment: the resource's logical name. */
function nameOfUrn(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The CloudWatch alarm models of the report's metric and composite alarms. */
function alarmModels(resources: ResourceRecord[], topicsByUrn: ReadonlyMap<string, TopicModel>, topicsByArn: ReadonlyMap<string, TopicModel>): AlarmModel[] {
    const alarms: AlarmModel[] = [];
    for (const r of resources) {
        const i = r.inputs;
        const actions = {
            alarmActions: resolveActions(r, "alarmActions", topicsByUrn, topicsByArn),
            okActions: resolveActions(r, "okActions", topicsByUrn, topicsByArn),
            insufficientDataActions: resolveActions(r, "insufficientDataActions", topicsByUrn, topicsByArn),
            actionsEnabled: i.actionsEnabled !== false,
            tags: tagsOf(i.tags),
        };
        if (r.type === TYPES.metricAlarm) {
            const queries = metricQueries(i, num(i.period, 60));
            const periods = queries.flatMap((q) => ("metric" in q ? [q.metric.periodSeconds] : q.periodSeconds !== undefined ? [q.periodSeconds] : []));
            const evaluationPeriods = Math.max(1, num(i.evaluationPeriods, 1));
            const operator = OPERATORS.find((o) => o === i.comparisonOperator) ?? "GreaterThanOrEqualToThreshold";
            const missing = MISSING.find((m) => m === i.treatMissingData) ?? "missing";
            const alarm: MetricAlarmModel = {
                kind: "metric",
                urn: r.urn,
                resourceName: r.name,
                alarmName: knownString(i.name) ?? knownString(i.alarmName) ?? r.name,
                queries,
                periodSeconds: i.period !== undefined ? num(i.period, 60) : periods.length > 0 ? Math.max(...periods) : 60,
                evaluationPeriods,
                datapointsToAlarm: Math.max(1, num(i.datapointsToAlarm, evaluationPeriods)),
                threshold: num(i.threshold, 0),
                comparisonOperator: operator,
                treatMissingData: missing,
                ...actions,
            };
            alarms.push(alarm);
        } else if (r.type === TYPES.compositeAlarm) {
            const alarm: CompositeAlarmModel = {
                kind: "composite",
                urn: r.urn,
                resourceName: r.name,
                alarmName: knownString(i.alarmName) ?? knownString(i.name) ?? r.name,
                alarmRule: knownString(i.alarmRule) ?? "FALSE",
                ...actions,
            };
            alarms.push(alarm);
        }
    }
    return alarms;
}

/** Topic models with their subscriptions; the ARN from what refers to the topic (subscriptions, alarm actions). */
function topicModels(resources: ResourceRecord[]): Topic[] {
    const topics = resources
        .filter((r) => r.type === TYPES.topic)
        .map((r) => {
            const topicName = knownString(r.inputs.name) ?? r.name;
            const key = knownString(r.inputs.kmsMasterKeyId);
            const managedKey = key === "alias/aws/sns" || (key?.endsWith(":alias/aws/sns") ?? false);
            return {
                urn: r.urn,
                resourceName: r.name,
                topicName,
                arn: "",
                subscriptions: [] as SubscriptionModel[],
                tags: tagsOf(r.inputs.tags),
                ...(managedKey ? { alarmsCannotPublish: "encrypted with the AWS-managed key alias/aws/sns, which CloudWatch cannot use" } : {}),
            };
        });
    const byUrn = new Map(topics.map((t) => [t.urn, t]));
    // Known ARNs that name a topic: a subscription's `topic`, an alarm's actions, each with the topic among its property's dependencies.
    const evidence: Array<{ urns: string[]; arns: string[] }> = [];
    for (const r of resources) {
        if (r.type === TYPES.subscription) evidence.push({ urns: r.propertyDependencies.topic ?? [], arns: strings([r.inputs.topic]) });
        if (r.type === TYPES.metricAlarm || r.type === TYPES.compositeAlarm)
            for (const prop of ["alarmActions", "okActions", "insufficientDataActions"])
                evidence.push({ urns: r.propertyDependencies[prop] ?? [], arns: strings(r.inputs[prop]) });
    }
    for (const t of topics) {
        for (const e of evidence) {
            if (t.arn) break;
            if (!e.urns.includes(t.urn)) continue;
            const arn = e.arns.find((a) => !isUnknown(a) && arnName(a) === t.topicName && a.includes(":sns:"));
            if (arn) t.arn = arn;
        }
        // Never referred to by a known ARN (a first preview): a stand-in with the unknown parts as `*`.
        if (!t.arn) t.arn = `arn:aws:sns:*:*:${t.topicName}`;
    }
    for (const r of resources.filter((x) => x.type === TYPES.subscription)) {
        const given = knownString(r.inputs.topic);
        const topic = (given ? topics.find((t) => t.arn === given) : undefined) ?? (r.propertyDependencies.topic ?? []).map((u) => byUrn.get(u)).find(Boolean);
        if (!topic) continue;
        const protocol = knownString(r.inputs.protocol) ?? "unknown";
        const endpoint = typeof r.inputs.endpoint === "string" ? r.inputs.endpoint : "[unknown]";
        const confirms = ["email", "email-json", "http", "https"].includes(protocol);
        topic.subscriptions.push({ protocol, endpoint, pendingConfirmation: confirms && r.inputs.endpointAutoConfirms !== true });
    }
    const policies = new Map<string, unknown[]>();
    for (const r of resources) {
        const about =
            r.type === TYPES.topicPolicy
                ? topics.find((t) => (r.propertyDependencies.arn ?? []).includes(t.urn) || t.arn === knownString(r.inputs.arn))
                : r.type === TYPES.topic
                  ? byUrn.get(r.urn)
                  : undefined;
        if (about && r.inputs.policy !== undefined) policies.set(about.urn, [...(policies.get(about.urn) ?? []), r.inputs.policy]);
    }
    return topics.map(({ tags, ...t }): Topic => {
        const severity = topicSeverity(t.topicName, tags);
        const blocked = t.alarmsCannotPublish ?? eventBridgeBlocked(policies.get(t.urn) ?? []);
        return { ...t, ...(severity ? { severity } : {}), ...(blocked ? { eventsCannotPublish: blocked } : {}) };
    });
}

/** Whether a statement allows events.amazonaws.com (or anyone) sns:Publish. */
function letsEventBridgePublish(statement: unknown): boolean {
    if (!isRecord(statement) || statement.Effect !== "Allow") return false;
    const principal = statement.Principal;
    const services = isRecord(principal) ? [principal.Service, principal.AWS].flat() : [principal];
    if (!services.some((p) => p === "*" || p === "events.amazonaws.com")) return false;
    const actions = [statement.Action].flat();
    return actions.some((a) => a === "*" || a === "sns:*" || (typeof a === "string" && a.toLowerCase() === "sns:publish"));
}

/**
 * Why EventBridge cannot publish to a topic with these access policies, or undefined when it can or the
 * preview cannot tell (a policy unknown until deployment is given the benefit of the doubt).
 */
function eventBridgeBlocked(policies: readonly unknown[]): string | undefined {
    if (policies.length === 0) return "no topic policy lets events.amazonaws.com publish, and the default one admits only the account's own principals";
    for (const policy of policies) {
        if (isUnknown(policy) || typeof policy !== "string") return undefined;
        let doc: unknown;
        try {
            doc = JSON.parse(policy);
        } catch {
            return undefined;
        }
        if (isRecord(doc) && [doc.Statement].flat().some(letsEventBridgePublish)) return undefined;
    }
    return "its topic policy does not let events.amazonaws.com publish";
}

/** The EventBridge rules with an event pattern, and their targets (by rule name or the `rule` property's dependency). */
function eventRules(resources: ResourceRecord[], topicsByUrn: ReadonlyMap<string, TopicModel>): EventRuleModel[] {
    const rules = resources
        .filter((r) => r.type === TYPES.eventRule && r.inputs.eventPattern !== undefined)
        .map((r): EventRuleModel => {
            const i = r.inputs;
            let pattern: Record<string, unknown> | undefined;
            if (typeof i.eventPattern === "string" && !isUnknown(i.eventPattern)) {
                try {
                    const parsed: unknown = JSON.parse(i.eventPattern);
                    if (isRecord(parsed)) pattern = parsed;
                } catch {
                    pattern = undefined;
                }
            }
            const state = knownString(i.state);
            return {
                urn: r.urn,
                resourceName: r.name,
                ruleName: knownString(i.name) ?? r.name,
                ...(pattern ? { pattern } : {}),
                enabled: state !== undefined ? state.startsWith("ENABLED") : i.isEnabled !== false,
                eventBusName: knownString(i.eventBusName) ?? "default",
                targets: [],
                tags: tagsOf(i.tags),
            };
        });
    for (const r of resources.filter((x) => x.type === TYPES.eventTarget)) {
        const ruleName = knownString(r.inputs.rule);
        const rule = rules.find((x) => (r.propertyDependencies.rule ?? []).includes(x.urn)) ?? rules.find((x) => x.ruleName === ruleName);
        if (!rule) continue;
        const given = knownString(r.inputs.arn);
        const topic = (r.propertyDependencies.arn ?? []).map((u) => topicsByUrn.get(u)).find(Boolean);
        rule.targets.push({ urn: r.urn, arn: given ?? topic?.arn ?? "[unknown]" });
    }
    return rules;
}

/** The function a group releases: its logical name under its component (`release-api` under `release`: `api`). */
function releasedFunction(r: ResourceRecord, groupName: string | undefined): string {
    const parentName = r.parent && !r.parent.includes("pulumi:pulumi:Stack") ? nameOfUrn(r.parent) : undefined;
    if (parentName && r.name.startsWith(`${parentName}-`)) return r.name.slice(parentName.length + 1);
    return groupName ?? r.name;
}

function releaseGroups(resources: ResourceRecord[], alarms: AlarmModel[]): ReleaseGroup[] {
    const alarmsByUrn = new Map(alarms.map((a) => [a.urn, a]));
    const configs = resources.filter((r) => r.type === TYPES.deploymentConfig);
    const bakeHooks = resources.filter((r) => {
        const env = isRecord(r.inputs.environment) && isRecord(r.inputs.environment.variables) ? r.inputs.environment.variables : {};
        return r.type === TYPES.lambdaFunction && Number.isFinite(num(env.BAKE_MINUTES, NaN));
    });
    const bakeOf = (r: ResourceRecord) => num(((r.inputs.environment as Record<string, unknown>).variables as Record<string, unknown>).BAKE_MINUTES, 0);
    return resources
        .filter((r) => r.type === TYPES.deploymentGroup)
        .map((r) => {
            const i = r.inputs;
            const alarmConfig = isRecord(i.alarmConfiguration) ? i.alarmConfiguration : {};
            const given = strings(alarmConfig.alarms);
            const deps = (r.propertyDependencies.alarmConfiguration ?? []).flatMap((u) => (alarmsByUrn.get(u) ? [alarmsByUrn.get(u)!.alarmName] : []));
            const spare = deps.filter((n) => !given.includes(n));
            const rollbackAlarmNames = given.map((n) => (isUnknown(n) ? (spare.shift() ?? n) : n));
            const rollback = isRecord(i.autoRollbackConfiguration) ? i.autoRollbackConfiguration : {};
            const deploymentGroupName = knownString(i.deploymentGroupName);
            const configName = knownString(i.deploymentConfigName);
            const configResource =
                configs.find((c) => (r.propertyDependencies.deploymentConfigName ?? []).includes(c.urn)) ??
                configs.find((c) => configName !== undefined && knownString(c.inputs.deploymentConfigName) === configName);
            const traffic = configResource ? trafficOfConfig(configResource.inputs) : configName ? predefinedTraffic(configName) : undefined;
            // The bake hook of the same component, else the program's only one.
            const ancestor = r.parent;
            const hook =
                bakeHooks.find((h) => ancestor !== undefined && resourceIsUnder(resources, h, ancestor)) ?? (bakeHooks.length === 1 ? bakeHooks[0] : undefined);
            const group: ReleaseGroup = {
                urn: r.urn,
                resourceName: r.name,
                functionName: releasedFunction(r, deploymentGroupName),
                rollbackAlarmNames,
                rollsBackOnAlarm: rollback.enabled === true && strings(rollback.events).includes("DEPLOYMENT_STOP_ON_ALARM"),
                alarmsEnabled: alarmConfig.enabled === true && rollbackAlarmNames.length > 0,
                ...(deploymentGroupName ? { deploymentGroupName } : {}),
                ...(configName ? { deploymentConfigName: configName } : {}),
                ...(traffic ? { traffic } : {}),
                ...(hook ? { bakeMinutes: bakeOf(hook) } : {}),
            };
            return group;
        });
}

function resourceIsUnder(resources: ResourceRecord[], r: ResourceRecord, ancestor: string): boolean {
    const byUrn = new Map(resources.map((x) => [x.urn, x]));
    for (let p = r.parent; p !== undefined; p = byUrn.get(p)?.parent) if (p === ancestor) return true;
    return false;
}

function logMetricFilters(resources: ResourceRecord[]): LogFilter[] {
    return resources
        .filter((r) => r.type === TYPES.logMetricFilter)
        .map((r): LogFilter => {
            const t = isRecord(r.inputs.metricTransformation) ? r.inputs.metricTransformation : {};
            return {
                urn: r.urn,
                logGroupName: knownString(r.inputs.logGroupName) ?? "*",
                pattern: typeof r.inputs.pattern === "string" ? r.inputs.pattern : "",
                metric: {
                    namespace: knownString(t.namespace) ?? "*",
                    metricName: knownString(t.name) ?? "*",
                    value: typeof t.value === "string" ? t.value : String(t.value ?? "1"),
                    dimensions: isRecord(t.dimensions) ? Object.fromEntries(Object.entries(t.dimensions).map(([k, v]) => [k, String(v)])) : {},
                },
                ...(t.defaultValue !== undefined && !isUnknown(t.defaultValue) ? { defaultValue: num(t.defaultValue, 0) } : {}),
            };
        });
}

/** Builds the monitoring model from a preview's recorded resources (update mode gives names and ARNs). */
export function buildModel(report: PreviewReport): DrillModel {
    const resources = report.resources.filter((r) => !r.external);
    const topics = topicModels(resources);
    const topicsByUrn = new Map(topics.map((t) => [t.urn, t]));
    const topicsByArn = new Map(topics.map((t) => [t.arn, t]));
    const alarms = alarmModels(resources, topicsByUrn, topicsByArn);
    return {
        stack: report.stack,
        alarms,
        topics,
        releaseGroups: releaseGroups(resources, alarms),
        logMetricFilters: logMetricFilters(resources),
        eventRules: eventRules(resources, topicsByUrn),
    };
}

/** The topic an action ARN notifies: by ARN, else by name for a stand-in ARN of a first preview. */
export function topicOfAction(model: MonitoringModel, action: string): Topic | undefined {
    return model.topics.find((t) => t.arn === action) ?? model.topics.find((t) => t.arn.startsWith("arn:aws:sns:*:*:") && arnName(action) === t.topicName);
}

/** An alarm's severity: its `severity` tag, else the most severe of its ALARM action topics. */
export function alarmSeverity(model: MonitoringModel, alarm: AlarmModel): string | undefined {
    const tag = (alarm.tags.severity ?? alarm.tags.Severity)?.toLowerCase();
    if (tag) return tag;
    const fromTopics = alarm.alarmActions.flatMap((a) => topicOfAction(model, a)?.severity ?? []);
    return SEVERITY_ORDER.find((s) => fromTopics.includes(s));
}

/** A rule's severity: its `severity` tag, else the most severe of the topics it targets. */
export function ruleSeverity(model: MonitoringModel, rule: EventRuleModel): string | undefined {
    const tag = (rule.tags.severity ?? rule.tags.Severity)?.toLowerCase();
    if (tag) return tag;
    const fromTopics = rule.targets.flatMap((t) => topicOfAction(model, t.arn)?.severity ?? []);
    return SEVERITY_ORDER.find((s) => fromTopics.includes(s));
}

/** Every metric an alarm watches (each query's metric). */
export function watchedMetrics(alarm: AlarmModel): Array<MetricId & { stat: string; periodSeconds: number }> {
    return alarm.kind === "metric" ? alarm.queries.flatMap((q) => ("metric" in q ? [q.metric] : [])) : [];
}
