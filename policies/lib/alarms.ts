// CloudWatch alarms as stack rules see them: which metric they watch, which resources their dimensions
// depend on (propertyDependencies), and where their actions go.

import { Node, StackGraph } from "./graph";
import { asArray, asRecord, asString, isSet, isUnknown } from "./values";

export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
export const SNS_TOPIC = "aws:sns/topic:Topic";

export interface WatchedMetric {
    namespace?: string;
    metricName?: string;
    dimensions: Record<string, unknown>;
}

/** The metrics an alarm watches: its own metric, or the metrics inside `metricQueries`. */
export function alarmMetrics(alarm: Node): WatchedMetric[] {
    const p = alarm.props;
    const out: WatchedMetric[] = [];
    if (isSet(p.metricName) || isSet(p.namespace)) {
        out.push({ namespace: asString(p.namespace), metricName: asString(p.metricName), dimensions: asRecord(p.dimensions) ?? {} });
    }
    for (const q of asArray(p.metricQueries)) {
        const m = asRecord(asRecord(q)?.metric);
        if (m) {
            out.push({ namespace: asString(m.namespace), metricName: asString(m.metricName), dimensions: asRecord(m.dimensions) ?? {} });
        }
    }
    return out;
}

/** Alarms in the stack that watch `namespace`/one of `metricNames`. */
export function alarmsFor(graph: StackGraph, namespace: string, metricNames: string[]): Node[] {
    return graph
        .ofType(METRIC_ALARM)
        .filter((a) => alarmMetrics(a).some((m) => m.namespace === namespace && m.metricName !== undefined && metricNames.includes(m.metricName)));
}

/**
 * Whether the alarm's dimensions point at `target`: through propertyDependencies (`dimensions` or
 * `metricQueries` depend on the target or on something that itself depends on it, such as an alias of a
 * function), or, as a fallback, a known dimension value equal to one of the target's known names.
 */
export function alarmWatches(graph: StackGraph, alarm: Node, target: Node, dimensionKeys: string[], knownNames: (string | undefined)[]): boolean {
    const deps = [...(alarm.propertyDependencies.dimensions ?? []), ...(alarm.propertyDependencies.metricQueries ?? [])];
    if (deps.includes(target.urn)) {
        return true;
    }
    for (const d of deps) {
        const n = graph.byUrn(d);
        // One hop: an alias/stage/etc. whose own inputs depend on the target.
        if (n && Object.values(n.propertyDependencies).some((l) => l.includes(target.urn)) && n.type !== SNS_TOPIC) {
            return true;
        }
    }
    const names = knownNames.filter((n): n is string => !!n);
    if (names.length === 0) {
        return false;
    }
    return alarmMetrics(alarm).some((m) =>
        dimensionKeys.some((k) => {
            const v = asString(m.dimensions[k]);
            return v !== undefined && names.includes(v);
        }),
    );
}

/** At least one alarm action (an unknown list or unknown entries count: they will be ARNs) and actions enabled. */
export function hasAlarmAction(alarm: Node): boolean {
    const actions = alarm.props.alarmActions;
    const listed = isUnknown(actions) || asArray(actions).some((a) => isSet(a));
    return listed && alarm.props.actionsEnabled !== false;
}

/** SNS topics the alarm's actions depend on. */
export function actionTopics(graph: StackGraph, alarm: Node): Node[] {
    return graph.targets(alarm, "alarmActions", SNS_TOPIC);
}

export function severityOf(topic: Node, tagKey: string): string | undefined {
    return asString(asRecord(topic.props.tags)?.[tagKey]);
}

/** Does the alarm route to an SNS topic tagged `<tagKey>` with one of `values`, or to one another stack exports? */
export function routesToSeverityTopic(graph: StackGraph, alarm: Node, tagKey: string, values: string[]): boolean {
    const tagged = actionTopics(graph, alarm).some((t) => {
        const s = severityOf(t, tagKey);
        return s !== undefined && values.includes(s);
    });
    return tagged || routesToReferencedSeverityTopic(graph, alarm, values);
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * An alarm in a consumer stack routed to a severity topic the platform stack exports: its actions
 * come from a StackReference, and each action known yet is an SNS topic ARN named `...-<severity>`.
 * The topic's tags, encryption and subscriptions are checked by the exporting stack's own policy run.
 */
export function routesToReferencedSeverityTopic(graph: StackGraph, alarm: Node, values: string[]): boolean {
    if (graph.targets(alarm, "alarmActions", STACK_REFERENCE).length === 0) {
        return false;
    }
    const actions = alarm.props.alarmActions;
    if (isUnknown(actions)) {
        return true;
    }
    const severityArn = new RegExp(`^arn:aws[a-z-]*:sns:[^:]+:\\d{12}:.+-(${values.map((v) => v.replace(/[^\w-]/g, "")).join("|")})$`);
    const listed = asArray(actions).filter((a) => isSet(a));
    return listed.length > 0 && listed.every((a) => isUnknown(a) || (typeof a === "string" && severityArn.test(a)));
}
