/**
 * The error-handling sequence of a drill scenario, from its timeline: the metrics turning an alarm to
 * ALARM, the alarm notifying its topics, each topic reaching its receivers, an escalation reaching the
 * escalated tier, CodeDeploy stopping and rolling back the release, and the recovery. One Mermaid
 * sequence diagram per scenario.
 */
import type { ScenarioResult } from "../drill/run";
import type { MonitoringModel, TimelineEvent } from "../drill/types";
import { message } from "./mermaid";

type Endpoint = { protocol: string; endpoint: string; pendingConfirmation: boolean };

/** What a sequence diagram needs of a drill run (a `ScenarioResult`). */
export type SequenceRun = Pick<
    ScenarioResult,
    | "name"
    | "pass"
    | "failures"
    | "timeline"
    | "firstSignalMinute"
    | "detectedAtMinute"
    | "notifiedAtMinute"
    | "escalatedAtMinute"
    | "rolledBackAtMinute"
    | "release"
>;

const OPERATOR: Record<string, string> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
};

/** The name CloudWatch shows (the logical name when the physical one is it plus an autoname suffix). */
function shownName(model: MonitoringModel, alarmName: string): string {
    const a = model.alarms.find((x) => x.alarmName === alarmName);
    if (!a) return alarmName;
    const suffix = a.alarmName.slice(a.resourceName.length + 1);
    return a.alarmName.startsWith(`${a.resourceName}-`) && /^[0-9a-f]{7}$/.test(suffix) ? a.resourceName : a.alarmName;
}

const number = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

/** `(0.3 > 0.01)`: the value the alarm saw against its threshold. */
function valueText(model: MonitoringModel, e: Extract<TimelineEvent, { kind: "state" }>): string {
    const a = model.alarms.find((x) => x.alarmName === e.alarm);
    if (e.value === undefined || !a || a.kind !== "metric") return e.value === undefined ? "" : ` (${number(e.value)})`;
    const op = OPERATOR[a.comparisonOperator];
    return op ? ` (${number(e.value)} ${e.to === "ALARM" ? op : `not ${op}`} ${number(a.threshold)})` : ` (${number(e.value)})`;
}

/** A receiver as the diagram names it: the address, or the pager without its secret URL. */
function endpointName(e: Endpoint): string {
    if (e.protocol === "https" || e.protocol === "http") {
        return /^https?:\/\//.test(e.endpoint) ? `pager ${e.endpoint.replace(/^(https?:\/\/[^/]+).*$/, "$1")}` : "pager";
    }
    if (e.protocol === "sqs" || e.protocol === "lambda") return e.endpoint.split(":").slice(5).join(":") || e.endpoint;
    return e.endpoint;
}

const since = (at: number | null, from: number) => (at === null ? "never" : `${at - from} min`);

/** One run's sequence diagram. Participants appear in the order the sequence first reaches them. */
export function sequenceDiagram(model: MonitoringModel, run: SequenceRun): string[] {
    const participants: { id: string; key: string; line: string }[] = [];
    const idOf = (key: string, declare: (id: string) => string): string => {
        const known = participants.find((p) => p.key === key);
        if (known) return known.id;
        const id = `P${participants.length}`;
        participants.push({ id, key, line: declare(id) });
        return id;
    };
    // CloudWatch's metrics come first when the scenario has any (an event-only scenario has none).
    const metricsId = () => idOf("metrics", (id) => `    participant ${id} as CloudWatch metrics`);
    if (run.timeline.length === 0 || run.timeline.some((e) => e.kind === "state")) metricsId();
    const body: string[] = [];
    const t = (m: number) => `t+${m}m`;
    const heard = new Set<string>();
    const stateOf = new Map<string, string>();
    const codeDeploy = (fn: string) => idOf(`codedeploy:${fn}`, (id) => `    participant ${id} as ${message(`CodeDeploy ${fn}`)}`);
    const alarm = (name: string) => idOf(`alarm:${name}`, (id) => `    participant ${id} as ${message(shownName(model, name))}`);
    const topic = (name: string) => idOf(`topic:${name}`, (id) => `    participant ${id} as ${message(`SNS ${name}`)}`);
    const receiver = (e: Endpoint) =>
        idOf(
            `receiver:${e.protocol}:${e.endpoint}`,
            (id) => `    ${e.protocol.startsWith("email") || e.protocol.startsWith("http") ? "actor" : "participant"} ${id} as ${message(endpointName(e))}`,
        );

    for (const e of run.timeline) {
        switch (e.kind) {
            case "release": {
                const r = run.release;
                const what =
                    e.action === "start"
                        ? `release of ${e.function} starts${r ? ` (${r.how}, until ${t(r.endsAtMinute)})` : ""}`
                        : e.action === "complete"
                          ? `release of ${e.function} completes`
                          : `release of ${e.function} ${String(e.action)}s`;
                body.push(`    Note over ${codeDeploy(e.function)}: ${message(`${t(e.minute)} ${what}`)}`);
                break;
            }
            case "state": {
                const a = alarm(e.alarm);
                const recovering = e.to !== "ALARM";
                stateOf.set(e.alarm, e.to);
                body.push(`    ${metricsId()}${recovering ? "-->>" : "->>"}${a}: ${message(`${t(e.minute)} ${e.from} to ${e.to}${valueText(model, e)}`)}`);
                break;
            }
            case "notify":
            case "escalate": {
                const a = alarm(e.alarm);
                const tp = topic(e.topic);
                const escalation = e.kind === "escalate";
                if (escalation) body.push("    rect rgba(255, 170, 0, 0.15)");
                const state = stateOf.get(e.alarm) ?? "ALARM";
                const arrow = state === "ALARM" ? "-)" : "--)";
                const fromRule = run.timeline.some((x) => x.kind === "event" && x.rule === e.alarm && x.minute === e.minute);
                const verb = fromRule ? "delivers the event" : `${escalation ? "escalates" : "notifies"} ${state}`;
                body.push(`    ${a}${arrow}${tp}: ${message(`${verb}${e.endpoints.length ? "" : ": no one receives it"}`)}`);
                const fresh = e.endpoints.filter((x) => !heard.has(x.endpoint));
                for (const x of e.endpoints) {
                    const note = [x.protocol, ...(x.pendingConfirmation ? ["pending confirmation"] : []), ...(escalation && fresh.includes(x) ? ["new"] : [])];
                    body.push(`    ${tp}${arrow}${receiver(x)}: ${message(note.join(", "))}`);
                }
                if (escalation && e.endpoints.length && !fresh.length)
                    body.push(`    Note over ${tp}: ${message("no one new: every receiver already had the alert")}`);
                if (escalation) body.push("    end");
                for (const x of e.endpoints) heard.add(x.endpoint);
                break;
            }
            case "event": {
                // The rule takes the alarm's place: the deliveries that follow name it.
                const source = idOf(`source:${e.source}`, (id) => `    participant ${id} as ${message(`events from ${e.source}`)}`);
                stateOf.set(e.rule, "ALARM");
                body.push(`    ${source}->>${alarm(e.rule)}: ${message(`${t(e.minute)} ${e.detailType} matches the rule`)}`);
                break;
            }
            case "rollback":
                body.push(`    ${alarm(e.alarm)}->>${codeDeploy(e.function)}: ${message(`${t(e.minute)} stop and roll back ${e.function}`)}`);
                break;
        }
    }
    if (run.timeline.length === 0) body.push(`    Note over ${metricsId()}: ${message("no alarm changes state")}`);
    const s = run.firstSignalMinute;
    const summary =
        `${run.pass ? "PASS" : "FAIL"}: from the first signal at ${t(s)}, detected ${since(run.detectedAtMinute, s)}, notified ${since(run.notifiedAtMinute, s)}` +
        `, escalated ${since(run.escalatedAtMinute, s)}${run.release ? `, rolled back ${since(run.rolledBackAtMinute, s)}` : ""}`;
    const first = participants[0]!.id;
    const last = participants[participants.length - 1]!.id;
    body.push(`    Note over ${first}${last === first ? "" : `,${last}`}: ${message(summary)}`);
    return ["sequenceDiagram", ...participants.map((p) => p.line), ...body];
}
