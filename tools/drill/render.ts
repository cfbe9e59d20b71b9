// The drill's output: a timeline per scenario for people (`t+3m api-5xx-rate ALARM -> <topic> -> 2 emails,
// pager`), the times to detect, notify, escalate and roll back, PASS or FAIL with the reasons; and the same
// as JSON for machines.
import type { MonitoringModel } from "./types";
import type { ScenarioResult } from "./run";
import { displayName, topicOfAction } from "./model";
import type { TimelineEvent } from "./types";

type Endpoint = { protocol: string; endpoint: string; pendingConfirmation: boolean };

const OPERATOR_SYMBOL: Record<string, string> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
};

const PAGER = /pager|opsgenie|victorops|splunk-on-call|incident|\[secret\]/i;

function plural(n: number, one: string, many = `${one}s`): string {
    return `${n} ${n === 1 ? one : many}`;
}

/** Who a topic's subscriptions are, by protocol: `2 emails, pager`. */
export function endpointSummary(endpoints: readonly Endpoint[]): string {
    if (endpoints.length === 0) return "no subscriber";
    const by = new Map<string, Endpoint[]>();
    for (const e of endpoints) by.set(e.protocol, [...(by.get(e.protocol) ?? []), e]);
    const parts: string[] = [];
    for (const [protocol, list] of by) {
        if (protocol === "email" || protocol === "email-json") parts.push(plural(list.length, "email"));
        else if (protocol === "https" || protocol === "http") {
            const pagers = list.filter((e) => PAGER.test(e.endpoint)).length;
            if (pagers > 0) parts.push(pagers === 1 ? "pager" : `${pagers} pagers`);
            if (list.length > pagers) parts.push(plural(list.length - pagers, `${protocol} endpoint`));
        } else if (protocol === "sqs") parts.push(plural(list.length, "queue"));
        else if (protocol === "lambda") parts.push(plural(list.length, "function"));
        else if (protocol === "sms") parts.push(`${list.length} SMS`);
        else parts.push(`${list.length} ${protocol}`);
    }
    return parts.join(", ");
}

function alarmName(model: MonitoringModel, name: string): string {
    const a = model.alarms.find((x) => x.alarmName === name);
    return a ? displayName(a) : name;
}

function valueText(model: MonitoringModel, e: Extract<TimelineEvent, { kind: "state" }>): string {
    const a = model.alarms.find((x) => x.alarmName === e.alarm);
    if (!a || a.kind !== "metric" || e.value === undefined) return "";
    const op = OPERATOR_SYMBOL[a.comparisonOperator];
    const v = Number.isInteger(e.value) ? String(e.value) : String(Number(e.value.toPrecision(4)));
    return op ? ` (${v} ${e.to === "ALARM" ? op : `not ${op}`} ${a.threshold})` : ` (${v})`;
}

/** The timeline's lines: each state change with the topics it notifies, releases and rollbacks. */
export function timelineLines(model: MonitoringModel, result: ScenarioResult): string[] {
    const lines: Array<[number, string]> = [];
    const heard = new Set<string>();
    const timeline = result.timeline;
    for (let i = 0; i < timeline.length; i++) {
        const e = timeline[i]!;
        if (e.kind === "state") {
            const notices = [];
            for (let j = i + 1; j < timeline.length; j++) {
                const n = timeline[j]!;
                if ((n.kind === "notify" || n.kind === "escalate") && n.alarm === e.alarm && n.minute === e.minute) notices.push(n);
                else if (n.kind === "state" || n.minute !== e.minute) break;
            }
            const routes = notices.map((n) => {
                const t = topicOfAction(model, n.topic) ?? model.topics.find((x) => x.topicName === n.topic);
                const blocked = (t as { alarmsCannotPublish?: string } | undefined)?.alarmsCannotPublish;
                const who = blocked
                    ? `no one (${blocked})`
                    : t || n.endpoints.length > 0
                      ? endpointSummary(n.endpoints)
                      : "no one (not a topic of this program)";
                if (n.kind !== "escalate") return `${n.topic} -> ${who}`;
                const fresh = n.endpoints.filter((x) => !heard.has(x.endpoint)).map((x) => x.endpoint);
                return `ESCALATE ${n.topic} -> ${who}${n.endpoints.length === 0 ? "" : fresh.length > 0 ? ` (new: ${fresh.join(", ")})` : " (no one new)"}`;
            });
            if (e.to === "ALARM") for (const n of notices) for (const x of n.endpoints) heard.add(x.endpoint);
            const disabled = model.alarms.find((a) => a.alarmName === e.alarm)?.actionsEnabled === false;
            const silent = disabled ? " -> actions disabled: no one is told" : " -> no action: no one is told";
            const actions = routes.length > 0 ? ` -> ${routes.join("; ")}` : e.to === "ALARM" ? silent : "";
            lines.push([e.minute, `${alarmName(model, e.alarm)} ${e.to}${valueText(model, e)}${actions}`]);
        } else if (e.kind === "event") {
            const routes: string[] = [];
            for (let j = i + 1; j < timeline.length; j++) {
                const n = timeline[j]!;
                if (n.kind !== "notify" || n.alarm !== e.rule || n.minute !== e.minute) break;
                const t = model.topics.find((x) => x.topicName === n.topic) as { eventsCannotPublish?: string } | undefined;
                routes.push(`${n.topic} -> ${t?.eventsCannotPublish ? `no one (${t.eventsCannotPublish})` : endpointSummary(n.endpoints)}`);
                for (const x of n.endpoints) heard.add(x.endpoint);
            }
            lines.push([
                e.minute,
                `event ${e.detailType} (${e.source}) matches rule ${e.rule}${routes.length > 0 ? ` -> ${routes.join("; ")}` : " -> no target: no one is told"}`,
            ]);
        } else if (e.kind === "release") {
            const r = result.release;
            const text =
                e.action === "start"
                    ? `release starts${r ? ` (${r.how}: until t+${r.endsAtMinute}m)` : ""}`
                    : e.action === "stop"
                      ? "stopped by an alarm, not rolled back"
                      : "release completes";
            lines.push([e.minute, `CodeDeploy ${e.function}: ${text}`]);
        } else if (e.kind === "rollback") {
            lines.push([e.minute, `CodeDeploy ${e.function}: stop and roll back (${alarmName(model, e.alarm)} in ALARM)`]);
        }
    }
    const width = Math.max(0, ...lines.map(([m]) => `t+${m}m`.length));
    return lines.map(([m, text]) => `${`t+${m}m`.padEnd(width)}  ${text}`);
}

function since(at: number | null, from: number): string {
    return at === null ? "-" : `${at - from} min (t+${at}m)`;
}

/** The human report of every scenario run against a stack. */
export function renderText(model: MonitoringModel, results: readonly ScenarioResult[]): string {
    const out: string[] = [];
    for (const r of results) {
        if (r.skipped !== undefined) {
            out.push(`SKIP ${r.name} (stack ${model.stack}${r.file ? `, ${r.file}` : ""}): ${r.skipped}`, "");
            continue;
        }
        out.push(`${r.pass ? "PASS" : "FAIL"} ${r.name} (stack ${model.stack}${r.file ? `, ${r.file}` : ""})`);
        const lines = timelineLines(model, r);
        out.push(...(lines.length > 0 ? lines : ["(nothing happens: no alarm changes state, no rule matches an event)"]).map((l) => `  ${l}`));
        const s = r.firstSignalMinute;
        out.push(
            `  from the first signal at t+${s}m: detect ${since(r.detectedAtMinute, s)}, notify ${since(r.notifiedAtMinute, s)}, ` +
                `escalate ${since(r.escalatedAtMinute, s)}, roll back ${since(r.rolledBackAtMinute, s)}`,
        );
        const pending = [
            ...new Set(
                r.timeline.flatMap((e) =>
                    e.kind === "notify" || e.kind === "escalate" ? e.endpoints.filter((x) => x.pendingConfirmation).map((x) => x.endpoint) : [],
                ),
            ),
        ];
        if (pending.length > 0) out.push(`  pending confirmation (they receive nothing until they confirm the subscription): ${pending.join(", ")}`);
        for (const f of r.failures) out.push(`  - ${f}`);
        out.push("");
    }
    const failed = results.filter((r) => !r.pass).length;
    const skipped = results.filter((r) => r.skipped !== undefined).length;
    const skips = skipped > 0 ? `, ${skipped} skipped (not for this stack)` : "";
    out.push(
        failed === 0
            ? `${plural(results.length, "scenario")} on stack ${model.stack}: all PASS${skips}`
            : `${plural(results.length, "scenario")} on stack ${model.stack}: ${failed} FAIL${skips}`,
    );
    return out.join("\n");
}

/** The JSON report: `{ stack, scenarios: [{ name, pass, failures, timeline, detectedAtMinute, ... }] }`. */
export function renderJson(stack: string, results: readonly ScenarioResult[]): string {
    return JSON.stringify({ stack, scenarios: results }, null, 2);
}
