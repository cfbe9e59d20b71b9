// Runs one scenario against a stack's monitoring model: the evaluator gives each alarm's state changes;
// this follows each change to the topics of the alarm's actions and their subscribers (an escalation
// topic's ALARM is an escalation), runs the scenario's release through its CodeDeploy deployment group
// (stopped and rolled back by its alarms), measures the times to detect, notify, escalate and roll back,
// and checks the scenario's expectations.
import type { DrillModel, ReleaseGroup } from "./model";
import { alarmSeverity, displayName, ruleSeverity, SEVERITY_ORDER, topicOfAction } from "./model";
import type { Scenario } from "./scenario";
import { alarmMatches, firstSignalMinute, forStack, globMatcher, minutesFor, releasesFunction, rulesMatching, scenarioData, skipReason } from "./scenario";
import type { AlarmModel, AlarmState, AlarmStateAt, Evaluator, TimelineEvent } from "./types";

/** Minutes a deployment lasts when its deployment config cannot be read from the program. */
export const DEFAULT_RELEASE_MINUTES = 10;

/** How long a release runs, and how that was worked out. */
export interface ReleaseTiming {
    function: string;
    group: string;
    startsAtMinute: number;
    durationMinutes: number;
    /** startsAtMinute + durationMinutes: when it completes unless an alarm stops it. */
    endsAtMinute: number;
    /** e.g. "canary 10% then the rest after 10 min, then a 10 min bake". */
    how: string;
}

export interface ScenarioResult {
    name: string;
    /** The scenario file, when it was read from one. */
    file?: string;
    pass: boolean;
    /** Why it failed, one sentence per unmet expectation. */
    failures: string[];
    timeline: TimelineEvent[];
    /** The minute the failure starts (see firstSignalMinute): what withinMinutes and escalatesWithinMinutes count from. */
    firstSignalMinute: number;
    /** The first ALARM of an expected alarm (`expect.alarms`), or match of an expected rule (`expect.rules`); of any when none is named. */
    detectedAtMinute: number | null;
    /** The first ALARM notification that reached an endpoint. */
    notifiedAtMinute: number | null;
    /** The first escalation (ALARM on an escalation topic) that reached an endpoint. */
    escalatedAtMinute: number | null;
    /** When the release was stopped and rolled back. */
    rolledBackAtMinute: number | null;
    release?: ReleaseTiming;
    /**
     * Why the scenario did not run on this stack (its `stacks` leaves the stack out, or its
     * `release.strategy` is not the one the stack's deployment group uses): it then passes with an empty
     * timeline, and the report says SKIP.
     */
    skipped?: string;
}

/** The minutes a deployment of a group takes: its traffic shifting, then the bake of its AfterAllowTraffic hook. */
export function releaseDuration(group: ReleaseGroup): { minutes: number; how: string } {
    const t = group.traffic;
    const bake = group.bakeMinutes ?? 0;
    const bakeText = bake > 0 ? `, then a ${bake} min bake` : "";
    if (!t) {
        return {
            minutes: DEFAULT_RELEASE_MINUTES,
            how: `deployment config ${group.deploymentConfigName ?? "unknown"} not readable from the program: ${DEFAULT_RELEASE_MINUTES} min assumed`,
        };
    }
    if (t.type === "AllAtOnce") return { minutes: Math.max(1, bake), how: `all at once${bakeText}` };
    const interval = t.intervalMinutes ?? 1;
    const pct = t.percentage ?? 10;
    if (t.type === "TimeBasedCanary") return { minutes: Math.max(1, interval + bake), how: `canary ${pct}%, the rest after ${interval} min${bakeText}` };
    // Linear: one step at the start and one every interval, until all traffic has moved.
    const steps = Math.ceil(100 / pct);
    return { minutes: Math.max(1, (steps - 1) * interval + bake), how: `linear ${pct}% every ${interval} min (${steps} steps)${bakeText}` };
}

/** An alarm's state at the end of a minute, from its changes (before the first: INSUFFICIENT_DATA). */
function stateAt(changes: readonly AlarmStateAt[], minute: number): AlarmState {
    let s: AlarmState = "INSUFFICIENT_DATA";
    for (const c of changes) {
        if (c.minute > minute) break;
        s = c.state;
    }
    return s;
}

const SEVERITY_RANK = (s: string | undefined) => {
    const i = SEVERITY_ORDER.indexOf(s as (typeof SEVERITY_ORDER)[number]);
    return i < 0 ? SEVERITY_ORDER.length : i;
};

type Endpoint = { protocol: string; endpoint: string; pendingConfirmation: boolean };

/** The minute an alarm is first evaluated: the end of its first period (composite alarms: minute 0). */
function firstEvaluation(alarm: AlarmModel): number {
    return alarm.kind === "metric" ? Math.max(0, Math.ceil(alarm.periodSeconds / 60) - 1) : 0;
}

/**
 * Each alarm's changes as the timeline shows them. The stack was running before the scenario: the state
 * an alarm has after its first evaluation is where it already was (nothing is notified), unless it is
 * ALARM; every change after that is notified as CloudWatch notifies it.
 */
function transitions(alarm: AlarmModel, changes: readonly AlarmStateAt[]): Array<{ at: AlarmStateAt; from: AlarmState }> {
    const settled = firstEvaluation(alarm);
    const baseline = stateAt(changes, settled);
    const out: Array<{ at: AlarmStateAt; from: AlarmState }> = [];
    let prev: AlarmState = baseline === "ALARM" ? "INSUFFICIENT_DATA" : baseline;
    if (baseline === "ALARM") {
        out.push({ at: [...changes].reverse().find((c) => c.minute <= settled)!, from: prev });
        prev = "ALARM";
    }
    for (const c of changes) {
        if (c.minute <= settled || c.state === prev) continue;
        out.push({ at: c, from: prev });
        prev = c.state;
    }
    return out;
}

/** Runs one scenario: evaluation, notifications, escalations, the release, and the expectations. */
export function runScenario(model: DrillModel, given: Scenario, evaluator: Evaluator, file?: string): ScenarioResult {
    const scenario = forStack(given, model.stack);
    const skipped = skipReason(scenario, model);
    if (skipped !== undefined) {
        return {
            name: scenario.name,
            ...(file !== undefined ? { file } : {}),
            pass: true,
            failures: [],
            timeline: [],
            firstSignalMinute: firstSignalMinute(scenario),
            detectedAtMinute: null,
            notifiedAtMinute: null,
            escalatedAtMinute: null,
            rolledBackAtMinute: null,
            skipped,
        };
    }
    const minutes = scenario.minutes;
    const states = evaluator.evaluate(model.alarms, scenarioData(scenario, model), minutes);
    const changesOf = (name: string) => states.get(name) ?? [];
    // Sort key within a minute: release start, then states and notifications (alarm order), rollback, release end.
    const events: Array<{ e: TimelineEvent; order: number }> = [];
    const add = (e: TimelineEvent, order: number) => events.push({ e, order });
    const severityOf = new Map(model.alarms.map((a) => [a.alarmName, alarmSeverity(model, a)]));

    model.alarms.forEach((alarm, index) => {
        for (const { at, from } of transitions(alarm, changesOf(alarm.alarmName))) {
            const severity = severityOf.get(alarm.alarmName);
            add(
                {
                    minute: at.minute,
                    kind: "state",
                    alarm: alarm.alarmName,
                    from,
                    to: at.state,
                    ...(at.value !== undefined && Number.isFinite(at.value) ? { value: at.value } : {}),
                    ...(severity ? { severity } : {}),
                },
                1 + index * 2,
            );
            if (!alarm.actionsEnabled) continue;
            const actions = at.state === "ALARM" ? alarm.alarmActions : at.state === "OK" ? alarm.okActions : alarm.insufficientDataActions;
            for (const action of actions) {
                const topic = topicOfAction(model, action);
                // A topic CloudWatch cannot publish to reaches no one, whoever subscribes to it.
                const endpoints: Endpoint[] = topic && !topic.alarmsCannotPublish ? topic.subscriptions.map((s) => ({ ...s })) : [];
                const kind = topic?.severity === "escalation" && at.state === "ALARM" ? "escalate" : "notify";
                add({ minute: at.minute, kind, alarm: alarm.alarmName, topic: topic?.topicName ?? action, endpoints }, 2 + index * 2);
            }
        }
    });

    // Events: each rule of the default bus the event matches delivers it to its targets at once.
    const firstRuleOrder = 1 + model.alarms.length * 2;
    scenario.events.forEach((event, index) => {
        for (const rule of rulesMatching(model, event)) {
            const severity = ruleSeverity(model, rule);
            const order = firstRuleOrder + index * 2;
            add(
                {
                    minute: event.atMinute,
                    kind: "event",
                    rule: rule.ruleName,
                    source: event.source,
                    detailType: event.detailType,
                    ...(severity ? { severity } : {}),
                },
                order,
            );
            for (const target of rule.targets) {
                const topic = topicOfAction(model, target.arn);
                const service = target.arn.split(":")[2] ?? "unknown";
                const endpoints: Endpoint[] = topic
                    ? topic.eventsCannotPublish
                        ? []
                        : topic.subscriptions.map((x) => ({ ...x }))
                    : [{ protocol: service, endpoint: target.arn, pendingConfirmation: false }];
                add({ minute: event.atMinute, kind: "notify", alarm: rule.ruleName, topic: topic?.topicName ?? target.arn, endpoints }, order + 1);
            }
        }
    });

    // The release: stopped (and rolled back) by the first of its group's alarms in ALARM while it runs.
    let release: ReleaseTiming | undefined;
    let rolledBackAtMinute: number | null = null;
    let stoppedAt: { minute: number; alarm: string } | undefined;
    let group: ReleaseGroup | undefined;
    const last = firstRuleOrder + scenario.events.length * 2;
    if (scenario.release) {
        const r = scenario.release;
        group = model.releaseGroups.find((g) => releasesFunction(g, r.function));
        if (group) {
            const d = releaseDuration(group);
            const duration = r.durationMinutes ?? d.minutes;
            const how = r.durationMinutes !== undefined ? `${duration} min (release.durationMinutes)` : d.how;
            release = {
                function: r.function,
                group: group.deploymentGroupName ?? group.resourceName,
                startsAtMinute: r.startsAtMinute,
                durationMinutes: duration,
                endsAtMinute: r.startsAtMinute + duration,
                how,
            };
            add({ minute: r.startsAtMinute, kind: "release", function: r.function, action: "start" }, 0);
            // A deployment of d minutes from the start of minute s completes at the start of minute s + d:
            // it sees the alarm states at the ends of minutes s to s + d - 1 (d evaluations), and an alarm
            // that reaches ALARM at the end of minute s + d comes after it has completed.
            if (group.alarmsEnabled) {
                for (let m = r.startsAtMinute; m < Math.min(release.endsAtMinute, minutes) && !stoppedAt; m++) {
                    const firing = group.rollbackAlarmNames.find((n) => stateAt(changesOf(n), m) === "ALARM");
                    if (firing) stoppedAt = { minute: m, alarm: firing };
                }
            }
            if (stoppedAt && group.rollsBackOnAlarm) {
                rolledBackAtMinute = stoppedAt.minute;
                add({ minute: stoppedAt.minute, kind: "rollback", function: r.function, group: release.group, alarm: stoppedAt.alarm }, last);
            } else if (stoppedAt) {
                add({ minute: stoppedAt.minute, kind: "release", function: r.function, action: "stop" }, last);
            } else if (release.endsAtMinute < minutes) {
                // At the start of its minute: before that minute's alarm states.
                add({ minute: release.endsAtMinute, kind: "release", function: r.function, action: "complete" }, 0);
            }
        }
    }

    const timeline = events.sort((a, b) => a.e.minute - b.e.minute || a.order - b.order).map((x) => x.e);
    const signal = firstSignalMinute(scenario);
    const expect = scenario.expect;
    // This stack's minutes (a per-stack object gives each stack its own).
    const withinMinutes = minutesFor(expect.withinMinutes, model.stack);
    const escalatesWithinMinutes = minutesFor(expect.escalatesWithinMinutes, model.stack);
    const named = expect.alarms !== undefined || expect.rules !== undefined;
    const relevant = (name: string) => {
        if (!named) return true;
        const alarm = model.alarms.find((a) => a.alarmName === name);
        return alarm !== undefined && (expect.alarms ?? []).some((g) => alarmMatches(g, alarm));
    };
    const ruleRelevant = (name: string) => !named || (expect.rules ?? []).some((g) => globMatcher(g)(name));
    const alarmsUp = timeline.filter((e): e is Extract<TimelineEvent, { kind: "state" }> => e.kind === "state" && e.to === "ALARM");
    const ruleMatches = timeline.filter((e): e is Extract<TimelineEvent, { kind: "event" }> => e.kind === "event");
    // Signals: alarms reaching ALARM, and rules an event matched, in time order.
    const signals = [
        ...alarmsUp.filter((e) => relevant(e.alarm)).map((e) => ({ minute: e.minute, name: e.alarm, severity: e.severity })),
        ...ruleMatches.filter((e) => ruleRelevant(e.rule)).map((e) => ({ minute: e.minute, name: e.rule, severity: e.severity })),
    ].sort((a, b) => a.minute - b.minute);
    const detectedAtMinute = signals[0]?.minute ?? null;
    const raised = [...alarmsUp.map((s) => ({ name: s.alarm, minute: s.minute })), ...ruleMatches.map((s) => ({ name: s.rule, minute: s.minute }))];
    const alarmNotices = timeline.filter(
        (e): e is Extract<TimelineEvent, { kind: "notify" | "escalate" }> =>
            (e.kind === "notify" || e.kind === "escalate") && raised.some((s) => s.name === e.alarm && s.minute === e.minute),
    );
    const notifiedAtMinute = alarmNotices.find((e) => e.endpoints.length > 0)?.minute ?? null;
    const escalations = alarmNotices.filter((e) => e.kind === "escalate" && e.endpoints.length > 0);
    const escalatedAtMinute = escalations[0]?.minute ?? null;

    const name = (alarmName: string) => {
        const a = model.alarms.find((x) => x.alarmName === alarmName);
        return a ? displayName(a) : alarmName;
    };
    const failures: string[] = [];
    const t = (m: number) => `t+${m}m`;

    for (const glob of expect.alarms ?? []) {
        if (
            !alarmsUp.some((e) =>
                alarmMatches(
                    glob,
                    model.alarms.find((a) => a.alarmName === e.alarm)!,
                ),
            )
        ) {
            const matching = model.alarms.filter((a) => alarmMatches(glob, a)).map(displayName);
            failures.push(`expected an alarm matching "${glob}" to reach ALARM; none did (${matching.join(", ")} did not)`);
        }
    }
    for (const glob of expect.rules ?? []) {
        const match = globMatcher(glob);
        if (!ruleMatches.some((e) => match(e.rule))) {
            const candidates = (model.eventRules ?? []).filter((r) => match(r.ruleName) || match(r.resourceName)).map((r) => r.ruleName);
            failures.push(`expected an event to match a rule matching "${glob}"; none did (${candidates.join(", ")} matched no event of the scenario)`);
        }
    }
    if (expect.quiet && alarmsUp.length > 0) {
        const fired = [...new Map(alarmsUp.map((e) => [e.alarm, e.minute])).entries()].map(([a, m]) => `${name(a)} at ${t(m)}`);
        failures.push(`expected no alarm; ${fired.join(", ")} reached ALARM`);
    }
    if (expect.quiet && ruleMatches.length > 0) {
        const matched = [...new Map(ruleMatches.map((e) => [e.rule, e.minute])).entries()].map(([r, m]) => `${r} at ${t(m)}`);
        failures.push(`expected no one to be told; the rule${matched.length > 1 ? "s" : ""} ${matched.join(", ")} matched an event and delivered it`);
    }
    if (expect.severity) {
        if (detectedAtMinute === null)
            failures.push(
                `expected severity ${expect.severity}, but no alarm reached ALARM${ruleMatches.length > 0 || scenario.events.length > 0 ? " and no rule matched" : ""}`,
            );
        else {
            const first = signals.filter((e) => e.minute === detectedAtMinute).sort((a, b) => SEVERITY_RANK(a.severity) - SEVERITY_RANK(b.severity))[0]!;
            if (first.severity !== expect.severity) {
                const what = ruleMatches.some((r) => r.rule === first.name && r.minute === first.minute)
                    ? `first rule ${first.name}`
                    : `first alarm ${name(first.name)}`;
                failures.push(`expected severity ${expect.severity}, ${what} is ${first.severity ?? "of no severity (no severity tag or topic)"}`);
            }
        }
    }
    const noMinutes = (k: string) => failures.push(`expect.${k} names no minutes for stack ${model.stack}`);
    if (expect.withinMinutes !== undefined && withinMinutes === undefined) noMinutes("withinMinutes");
    if (withinMinutes !== undefined) {
        const from = `of the first signal at ${t(signal)}`;
        if (detectedAtMinute === null) failures.push(`expected an alarm within ${withinMinutes} min ${from}; none reached ALARM`);
        else if (detectedAtMinute - signal > withinMinutes)
            failures.push(
                `expected an alarm within ${withinMinutes} min ${from}; ${name(signals[0]!.name)} reached ALARM at ${t(detectedAtMinute)} (${detectedAtMinute - signal} min)`,
            );
    }
    const notified = [...new Set(alarmNotices.flatMap((e) => e.endpoints.map((x) => x.endpoint)))];
    for (const glob of expect.notify ?? []) {
        const match = globMatcher(glob);
        if (!notified.some(match))
            failures.push(`expected "${glob}" to be notified; ${notified.length > 0 ? `notified: ${notified.join(", ")}` : "no one was notified of an alarm"}`);
    }
    if (expect.escalatesWithinMinutes !== undefined && escalatesWithinMinutes === undefined) noMinutes("escalatesWithinMinutes");
    if (escalatesWithinMinutes !== undefined) {
        const limit = escalatesWithinMinutes;
        const newcomers = (e: (typeof escalations)[number]) => {
            const before = new Set(
                alarmNotices
                    .filter((n) => n.kind === "notify" && (n.minute < e.minute || (n.minute === e.minute && n !== e)))
                    .flatMap((n) => n.endpoints.map((x) => x.endpoint)),
            );
            return e.endpoints.filter((x) => !before.has(x.endpoint));
        };
        const reaching = escalations.find((e) => newcomers(e).length > 0);
        const from = `of the first signal at ${t(signal)}`;
        if (escalations.length === 0) failures.push(`expected an escalation within ${limit} min ${from}; nothing escalated`);
        else if (!reaching) {
            const e = escalations[0]!;
            failures.push(
                `expected an escalation to someone new within ${limit} min ${from}; the escalation at ${t(e.minute)} (${name(e.alarm)} -> ${e.topic}) reaches only ${e.endpoints.map((x) => x.endpoint).join(", ")}, who already had the alert`,
            );
        } else if (reaching.minute - signal > limit)
            failures.push(
                `expected an escalation within ${limit} min ${from}; ${name(reaching.alarm)} escalated to ${reaching.topic} at ${t(reaching.minute)} (${reaching.minute - signal} min)`,
            );
    }
    if (expect.rollback !== undefined && scenario.release) {
        const fn = scenario.release.function;
        const firstRollbackAlarm = group
            ? group.rollbackAlarmNames
                  .map((n) => ({ n, m: changesOf(n).find((c) => c.state === "ALARM")?.minute }))
                  .filter((x) => x.m !== undefined)
                  .sort((a, b) => a.m! - b.m!)[0]
            : undefined;
        if (expect.rollback === false && rolledBackAtMinute !== null)
            failures.push(`expected no rollback; the release of ${fn} rolled back at ${t(rolledBackAtMinute)} on ${name(stoppedAt!.alarm)}`);
        if (typeof expect.rollback === "string" && rolledBackAtMinute === null && group && release) {
            const alarms = group.rollbackAlarmNames.map(name).join(", ") || "none";
            let why: string;
            if (!group.alarmsEnabled) why = `its deployment group ${release.group} does not stop on alarms (alarmConfiguration not enabled, alarms: ${alarms})`;
            else if (stoppedAt)
                why = `it stopped at ${t(stoppedAt.minute)} on ${name(stoppedAt.alarm)} but does not roll back (autoRollbackConfiguration lacks DEPLOYMENT_STOP_ON_ALARM)`;
            else {
                const ran =
                    release.endsAtMinute < minutes ? `it completed at ${t(release.endsAtMinute)}` : `it was still running at the end (${t(minutes - 1)})`;
                const late = firstRollbackAlarm ? `; ${name(firstRollbackAlarm.n)} reached ALARM only at ${t(firstRollbackAlarm.m!)}` : "";
                why = `${ran}: no rollback alarm of ${release.group} (${alarms}) reached ALARM while it ran${late}`;
            }
            failures.push(`expected the release of ${fn} to roll back; ${why}`);
        }
    }

    return {
        name: scenario.name,
        ...(file !== undefined ? { file } : {}),
        pass: failures.length === 0,
        failures,
        timeline,
        firstSignalMinute: signal,
        detectedAtMinute,
        notifiedAtMinute,
        escalatedAtMinute,
        rolledBackAtMinute,
        ...(release ? { release } : {}),
    };
}
