/**
 * The monitoring view of one stack, read from its preview: every alarm (what it watches, when it fires,
 * its severity, the topics it notifies and the release it rolls back), the topics and who receives
 * them, the escalation twins, the CodeDeploy groups and the dashboards. Drawn as a routing diagram (one
 * node per component that owns alarms, with its counts by severity, so 90 alarms stay readable), a
 * dashboards diagram, and tables with every alarm.
 */
import type { PreviewReport, ResourceRecord } from "../preview";
import { Ids, cell, label } from "./mermaid";
import { arr, compare, componentLabel, json, num, obj, ReportIndex, str } from "./report";

const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const DEPLOYMENT_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";
const LOG_METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";

/** Severities in the order they are listed; others (untagged) after them. */
export const SEVERITY_ORDER = ["critical", "warning", "info", "escalation"];
const severityRank = (s: string) => (SEVERITY_ORDER.includes(s) ? SEVERITY_ORDER.indexOf(s) : SEVERITY_ORDER.length);

export interface AlarmRow {
    resource: ResourceRecord;
    /** The component that owns the alarm (its parent component), and the outermost one. */
    component: ResourceRecord | undefined;
    severity: string;
    /** The alarm an escalation twin escalates (its `escalates` tag). */
    escalates?: string;
    watches: string;
    /** The metrics the alarm reads, `namespace metricName`, for the diagram's summary. */
    metrics: string[];
    firesWhen: string;
    topics: ResourceRecord[];
    okTopics: ResourceRecord[];
    rollsBack: ResourceRecord[];
}

export interface Receiver {
    protocol: string;
    endpoint: string;
    pendingConfirmation: boolean;
}

export interface TopicRow {
    topic: ResourceRecord;
    severity: string;
    receivers: Receiver[];
}

/** An EventBridge rule that sends events (findings) to a topic alarms use. */
export interface EventRuleRow {
    rule: ResourceRecord;
    component: ResourceRecord | undefined;
    description: string;
    topic: ResourceRecord;
    severity: string;
}

export interface MonitoringView {
    stack: string;
    alarms: AlarmRow[];
    eventRules: EventRuleRow[];
    topics: TopicRow[];
    groups: { group: ResourceRecord; functionName: string; alarms: ResourceRecord[]; rollsBackOnAlarm: boolean; config: string }[];
    dashboards: { dashboard: ResourceRecord; widgets: { type: string; title: string }[]; components: { component: ResourceRecord; resources: number }[] }[];
    logMetricFilters: number;
}

const OPERATORS: Record<string, string> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
    LessThanLowerOrGreaterThanUpperThreshold: "outside the band",
    LessThanLowerThreshold: "below the band",
    GreaterThanUpperThreshold: "above the band",
};

const dims = (d: unknown) =>
    Object.entries(obj(d))
        .sort(([a], [b]) => compare(a, b))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(", ");

/** An SNS endpoint as a reader sees it: a secret pager URL stays a placeholder. */
function endpointText(r: Receiver): string {
    if (r.protocol === "https" || r.protocol === "http") {
        return r.endpoint.startsWith("http") ? `pager ${r.endpoint.replace(/^(https?:\/\/[^/]+).*$/, "$1")}` : "pager (its URL is a secret)";
    }
    return r.endpoint;
}

export function monitoringView(report: PreviewReport): MonitoringView {
    const ix = new ReportIndex(report);
    const filters = ix.ofType(LOG_METRIC_FILTER);
    const filterOf = (namespace: string, metricName: string) =>
        filters.find((f) => str(obj(f.inputs.metricTransformation).namespace) === namespace && str(obj(f.inputs.metricTransformation).name) === metricName);
    const groups = ix.ofType(DEPLOYMENT_GROUP).map((g) => {
        const names = arr(obj(g.inputs.alarmConfiguration).alarms).filter((a): a is string => typeof a === "string");
        const alarms = [...ix.ofType(METRIC_ALARM), ...ix.ofType(COMPOSITE_ALARM)].filter(
            (a) => names.includes(str(a.inputs.name) ?? a.name) || ix.deps(g, "alarmConfiguration").includes(a),
        );
        const events = arr(obj(g.inputs.autoRollbackConfiguration).events);
        return {
            group: g,
            functionName: str(g.inputs.deploymentGroupName) ?? g.name,
            alarms,
            rollsBackOnAlarm: obj(g.inputs.autoRollbackConfiguration).enabled === true && events.includes("DEPLOYMENT_STOP_ON_ALARM"),
            config: str(g.inputs.deploymentConfigName) ?? "",
        };
    });

    const alarms: AlarmRow[] = [...ix.ofType(METRIC_ALARM), ...ix.ofType(COMPOSITE_ALARM)].map((a) => {
        const i = a.inputs;
        const tags = obj(i.tags);
        const metrics: string[] = [];
        let watches: string;
        let firesWhen: string;
        if (a.type === COMPOSITE_ALARM) {
            watches = `rule ${str(i.alarmRule) ?? "?"}`;
            firesWhen = "when its rule is true";
        } else {
            const period = num(i.period);
            const queries = arr(i.metricQueries).map(obj);
            if (queries.length) {
                const parts = queries.map((q) => {
                    const m = obj(q.metric);
                    if (q.expression !== undefined) {
                        return `${q.returnData === true ? "" : `${str(q.id)} = `}${str(q.expression) ?? "?"}`;
                    }
                    metrics.push(`${str(m.namespace)} ${str(m.metricName)}`);
                    return `${str(q.id)} = ${str(m.namespace)} ${str(m.metricName)} ${str(m.stat) ?? ""} (${num(m.period) ?? "?"} s${dims(m.dimensions) ? `, ${dims(m.dimensions)}` : ""})`;
                });
                // The expression the alarm evaluates first, then what it is made of.
                const returned = queries.findIndex((q) => q.returnData === true);
                watches = [parts[returned] ?? "", ...parts.filter((_, k) => k !== returned)].filter(Boolean).join("\n");
            } else {
                const ns = str(i.namespace) ?? "?";
                const name = str(i.metricName) ?? "?";
                metrics.push(`${ns} ${name}`);
                const filter = filterOf(ns, name);
                watches =
                    `${ns} ${name} ${str(i.extendedStatistic) ?? str(i.statistic) ?? ""} (${period ?? "?"} s${dims(i.dimensions) ? `, ${dims(i.dimensions)}` : ""})` +
                    (filter ? `\nfrom the log metric filter ${filter.name} on ${str(filter.inputs.logGroupName) ?? "?"}` : "");
            }
            const op = OPERATORS[str(i.comparisonOperator) ?? ""] ?? str(i.comparisonOperator) ?? "?";
            const threshold = num(i.threshold) ?? (str(i.thresholdMetricId) ? `band ${str(i.thresholdMetricId)}` : "?");
            const n = num(i.evaluationPeriods) ?? 1;
            const m = num(i.datapointsToAlarm) ?? n;
            const firstMetric = queries.map((q) => obj(q.metric)).find((m) => Object.keys(m).length > 0);
            const every = queries.length ? num(firstMetric?.period) : period;
            firesWhen = `${op.includes("band") ? op : `${op} ${threshold}`} in ${m} of ${n} periods${every ? ` of ${every} s` : ""}; missing data: ${str(i.treatMissingData) ?? "missing"}`;
        }
        const chain = ix.componentsOf(a);
        return {
            resource: a,
            component: chain[chain.length - 1],
            severity: str(tags.severity) ?? "untagged",
            ...(str(tags.escalates) ? { escalates: str(tags.escalates) } : {}),
            watches,
            metrics: [...new Set(metrics)],
            firesWhen,
            topics: ix.deps(a, "alarmActions").filter((t) => t.type === TOPIC),
            okTopics: ix.deps(a, "okActions").filter((t) => t.type === TOPIC),
            rollsBack: groups.filter((g) => g.alarms.includes(a)).map((g) => g.group),
        };
    });
    const byComponent = (x: AlarmRow) =>
        `${
            x.component
                ? ix
                      .componentsOf(x.component)
                      .map((c) => c.name)
                      .join("/")
                : ""
        }/${x.component?.name ?? ""}`;
    alarms.sort(
        (x, y) => compare(byComponent(x), byComponent(y)) || severityRank(x.severity) - severityRank(y.severity) || compare(x.resource.name, y.resource.name),
    );

    const alarmTopics = new Set(alarms.flatMap((a) => [...a.topics, ...a.okTopics]));
    const eventRules: EventRuleRow[] = ix
        .ofType(EVENT_TARGET)
        .flatMap((target) =>
            ix
                .deps(target, "arn")
                .filter((t) => alarmTopics.has(t))
                .flatMap((topic) =>
                    ix
                        .deps(target, "rule")
                        .filter((r) => r.type === EVENT_RULE)
                        .map((rule) => ({
                            rule,
                            component: ix.componentsOf(rule).pop(),
                            description: str(rule.inputs.description) ?? "",
                            topic,
                            severity: "",
                        })),
                ),
        )
        .sort((a, b) => compare(a.rule.name, b.rule.name));
    const topics: TopicRow[] = ix
        .ofType(TOPIC)
        .filter((t) => alarmTopics.has(t))
        .map((t) => {
            const tags = obj(t.inputs.tags);
            const name = str(t.inputs.name) ?? t.name;
            const severity = str(tags.severity) ?? SEVERITY_ORDER.find((s) => name.endsWith(`-${s}`) || t.name.endsWith(`-${s}`)) ?? "";
            const receivers = ix
                .dependents(t, SUBSCRIPTION)
                .filter((s) => ix.deps(s, "topic").includes(t))
                .map((s) => {
                    const protocol = str(s.inputs.protocol) ?? "?";
                    const endpoint = str(s.inputs.endpoint) ?? "[unknown]";
                    const autoConfirms = s.inputs.endpointAutoConfirms === true;
                    return {
                        protocol,
                        endpoint,
                        pendingConfirmation: (protocol === "email" || protocol === "email-json" || protocol.startsWith("http")) && !autoConfirms,
                    };
                })
                .sort((a, b) => compare(a.protocol, b.protocol) || compare(a.endpoint, b.endpoint));
            return { topic: t, severity, receivers };
        })
        .sort((a, b) => compare(a.topic.name, b.topic.name));

    const dashboards = ix
        .ofType(DASHBOARD)
        .map((d) => {
            const widgets = arr(obj(json(d.inputs.dashboardBody)).widgets)
                .map(obj)
                .map((w) => {
                    const p = obj(w.properties);
                    const markdown = str(p.markdown);
                    return { type: str(w.type) ?? "?", title: str(p.title) ?? (markdown ? (/^#+ *(.*)$/m.exec(markdown)?.[1] ?? "text") : "") };
                });
            const counts = new Map<ResourceRecord, number>();
            for (const r of ix.deps(d, "dashboardBody")) {
                const top = ix.topComponentOf(r);
                if (top) counts.set(top, (counts.get(top) ?? 0) + 1);
            }
            return {
                dashboard: d,
                widgets,
                components: [...counts].map(([component, resources]) => ({ component, resources })).sort((a, b) => compare(a.component.name, b.component.name)),
            };
        })
        .sort((a, b) => compare(a.dashboard.name, b.dashboard.name));

    for (const e of eventRules) e.severity = topics.find((t) => t.topic === e.topic)?.severity ?? "";
    return {
        stack: report.stack,
        alarms,
        eventRules,
        topics,
        groups: groups.sort((a, b) => compare(a.group.name, b.group.name)),
        dashboards,
        logMetricFilters: filters.length,
    };
}

const countText = (rows: AlarmRow[]) => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.severity, (counts.get(r.severity) ?? 0) + 1);
    return [...counts]
        .sort((a, b) => severityRank(a[0]) - severityRank(b[0]) || compare(a[0], b[0]))
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
};

/** Words joined with ", " into lines of about `width` characters, for a node's label. */
function wrapList(words: string[], width = 44): string {
    const lines: string[] = [];
    for (const w of words) {
        const last = lines[lines.length - 1];
        if (last !== undefined && last.length + w.length + 2 <= width) lines[lines.length - 1] = `${last}, ${w}`;
        else lines.push(w);
    }
    return lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l)).join("\n");
}

/**
 * Alarms to topics to receivers, one arrow per topic: each topic has one source node that counts the
 * alarms (and EventBridge rules) notifying it and names the components they belong to, so a hundred
 * alarms of twenty components still draw as a few straight lines; every alarm is in the table below.
 */
export function routingDiagram(report: PreviewReport, view: MonitoringView = monitoringView(report)): string[] {
    const ix = new ReportIndex(report);
    const ids = new Ids();
    const lines = ["flowchart LR"];
    const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    const topicId = (t: ResourceRecord) => ids.get(t.urn, t.name);
    const alertingOf = (t: ResourceRecord) => ix.componentsOf(t).pop()?.urn ?? "";
    const alertingId = (key: string) => ids.get(`topics:${key}`, `${ix.byUrn.get(key)?.name ?? "stack"}_topics`);
    const byAlerting = new Map<string, TopicRow[]>();
    for (const t of view.topics) byAlerting.set(alertingOf(t.topic), [...(byAlerting.get(alertingOf(t.topic)) ?? []), t]);
    const byName = (a: [string, unknown], b: [string, unknown]) => compare(ix.byUrn.get(a[0])?.name ?? "", ix.byUrn.get(b[0])?.name ?? "");
    const sources: string[] = [];
    const arrows: string[] = [];
    for (const [key, rows] of [...byAlerting].sort(byName)) {
        const c = ix.byUrn.get(key);
        lines.push(`    subgraph ${alertingId(key)}["${label(c ? `${componentLabel(c)}: topics` : "topics")}"]`);
        for (const t of [...rows].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || compare(a.topic.name, b.topic.name))) {
            lines.push(`        ${topicId(t.topic)}>"${label(`${topicName(t.topic)}\n${t.severity || "SNS topic"}`)}"]`);
            const alarms = view.alarms.filter((a) => a.topics.includes(t.topic));
            const rules = view.eventRules.filter((e) => e.topic === t.topic);
            if (alarms.length + rules.length === 0) continue;
            const owners = [...new Set([...alarms, ...rules].map((x) => x.component?.name ?? `${view.stack} stack`))].sort(compare);
            const counts = [alarms.length ? plural(alarms.length, "alarm") : "", rules.length ? plural(rules.length, "EventBridge rule") : ""]
                .filter(Boolean)
                .join(", ");
            const source = ids.get(`sources:${t.topic.urn}`, `${t.topic.name}_sources`);
            sources.push(`        ${source}["${label(`${counts}\nof ${wrapList(owners)}`)}"]`);
            arrows.push(`    ${source} --> ${topicId(t.topic)}`);
        }
        lines.push("    end");
    }
    lines.push(`    subgraph sources_group["${label("What notifies each topic")}"]`, ...sources, "    end");
    // Receivers: one node per endpoint, whatever topics it is subscribed to.
    const receivers = new Map<string, Receiver>();
    for (const t of view.topics) for (const r of t.receivers) receivers.set(`${r.protocol} ${r.endpoint}`, r);
    const receiverId = (r: Receiver) => ids.get(`receiver:${r.protocol} ${r.endpoint}`, `${r.protocol}_${endpointText(r).split("@")[0]}`);
    if (receivers.size) {
        lines.push(`    subgraph receivers_group["Receivers"]`);
        for (const r of [...receivers.values()].sort((a, b) => compare(endpointText(a), endpointText(b)))) {
            lines.push(`        ${receiverId(r)}(["${label(`${endpointText(r)}\n${r.protocol}${r.pendingConfirmation ? ", must confirm" : ""}`)}"])`);
        }
        lines.push("    end");
    }
    lines.push(...arrows);
    for (const t of view.topics) {
        for (const r of t.receivers) lines.push(`    ${topicId(t.topic)} --> ${receiverId(r)}`);
    }
    return lines;
}

/** The CodeDeploy groups and the alarms they stop and roll back a release on, by the component owning them; empty without any. */
export function rollbackDiagram(report: PreviewReport, view: MonitoringView = monitoringView(report)): string[] {
    const rolling = view.groups.filter((g) => g.alarms.length);
    if (!rolling.length) return [];
    const ids = new Ids();
    const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    const lines = ["flowchart LR"];
    const arrows: string[] = [];
    const owners = new Map<string, { owner: ResourceRecord | undefined; alarms: string[] }>();
    for (const g of rolling) {
        const perOwner = new Map<string, number>();
        for (const alarm of g.alarms) {
            const row = view.alarms.find((a) => a.resource === alarm);
            const key = row?.component?.urn ?? "";
            const entry = owners.get(key) ?? { owner: row?.component, alarms: [] };
            if (!entry.alarms.includes(alarm.name)) entry.alarms.push(alarm.name);
            owners.set(key, entry);
            perOwner.set(key, (perOwner.get(key) ?? 0) + 1);
        }
        for (const [key, n] of [...perOwner].sort((a, b) => compare(owners.get(a[0])?.owner?.name ?? "", owners.get(b[0])?.owner?.name ?? "")))
            arrows.push(
                `    ${ids.get(`owner:${key}`, `${owners.get(key)?.owner?.name ?? "stack"}_alarms`)} -.->|"${label(plural(n, "alarm"))}"| ${ids.get(g.group.urn, g.group.name)}`,
            );
    }
    lines.push(`    subgraph owners_group["${label("Alarms, by the component that owns them")}"]`);
    for (const [key, { owner, alarms }] of [...owners].sort((a, b) => compare(a[1].owner?.name ?? "", b[1].owner?.name ?? ""))) {
        lines.push(
            `        ${ids.get(`owner:${key}`, `${owner?.name ?? "stack"}_alarms`)}["${label(`${owner ? componentLabel(owner) : `${view.stack} stack`}\n${wrapList(alarms.sort(compare), 36)}`)}"]`,
        );
    }
    lines.push("    end", `    subgraph releases_group["${label("CodeDeploy groups: a release stops and rolls back when one of these alarms fires")}"]`);
    for (const g of rolling) {
        lines.push(
            `        ${ids.get(g.group.urn, g.group.name)}["${label(`${g.group.name}\n${g.config}${g.rollsBackOnAlarm ? "" : "\nno rollback on alarm"}`)}"]`,
        );
    }
    lines.push("    end", ...arrows);
    return lines;
}

/** Dashboards to the components they chart (how many of each component's resources). */
export function dashboardsDiagram(report: PreviewReport, view: MonitoringView = monitoringView(report)): string[] {
    const ids = new Ids();
    const lines = ["flowchart LR"];
    for (const d of view.dashboards) {
        const name = str(d.dashboard.inputs.dashboardName) ?? d.dashboard.name;
        lines.push(`    ${ids.get(d.dashboard.urn, d.dashboard.name)}[["${label(`${name}\n${d.widgets.length} widgets`)}"]]`);
    }
    const components = [...new Map(view.dashboards.flatMap((d) => d.components.map((c) => [c.component.urn, c.component] as const))).values()].sort((a, b) =>
        compare(a.name, b.name),
    );
    for (const c of components) lines.push(`    ${ids.get(c.urn, `${c.name}_component`)}["${label(componentLabel(c))}"]`);
    for (const d of view.dashboards) {
        for (const c of d.components) {
            lines.push(`    ${ids.get(d.dashboard.urn)} --> ${ids.get(c.component.urn)}`);
        }
    }
    return lines;
}

const topicName = (t: ResourceRecord) => str(t.inputs.name) ?? t.name;

/** One row per alarm: the component, severity, what it watches, when it fires, where it goes. */
export function alarmCells(a: AlarmRow): string[] {
    const same = a.okTopics.length === a.topics.length && a.okTopics.every((t) => a.topics.includes(t));
    const notifies = [
        a.topics.map(topicName).join(", ") || "nobody",
        ...(same ? [] : [`OK: ${a.okTopics.map(topicName).join(", ") || "nobody"}`]),
        ...(a.resource.inputs.actionsEnabled === false ? ["(actions disabled)"] : []),
    ].join("\n");
    return [
        `\`${a.resource.name}\``,
        a.severity + (a.escalates ? `\n(escalates ${a.escalates})` : ""),
        a.watches,
        a.firesWhen,
        notifies,
        a.rollsBack.map((g) => g.name).join(", ") || "-",
    ].map(cell);
}

export const ALARM_HEADER = ["| Alarm | Severity | Watches | Fires when | Notifies | Rolls back |", "| --- | --- | --- | --- | --- | --- |"];

/** The receivers table: each topic alarms notify, and who hears it. */
export function topicTable(view: MonitoringView): string[] {
    return [
        "| Topic | Severity | Receivers | Alarms | EventBridge rules |",
        "| --- | --- | --- | --- | --- |",
        ...view.topics.map((t) => {
            const n = view.alarms.filter((a) => a.topics.includes(t.topic)).length;
            const r = view.eventRules.filter((e) => e.topic === t.topic).length;
            const receivers =
                t.receivers.map((r) => `${endpointText(r)} (${r.protocol}${r.pendingConfirmation ? ", must confirm" : ""})`).join("\n") || "nobody";
            return `| ${cell(`\`${topicName(t.topic)}\``)} | ${cell(t.severity || "-")} | ${cell(receivers)} | ${n} | ${r} |`;
        }),
    ];
}

export const severityCounts = countText;

/** The EventBridge rules that send findings to the alert topics. */
export function eventRuleTable(view: MonitoringView): string[] {
    return [
        "| Rule | Component | What it sends | Topic |",
        "| --- | --- | --- | --- |",
        ...view.eventRules.map(
            (e) =>
                `| ${[`\`${e.rule.name}\``, e.component ? componentLabel(e.component) : "-", e.description || (str(e.rule.inputs.eventPattern) ?? "-"), topicName(e.topic)].map(cell).join(" | ")} |`,
        ),
    ];
}
