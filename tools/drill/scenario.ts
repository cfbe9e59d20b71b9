// The scenario format users write (docs/drills.md is its reference): synthetic metric data over time, an
// optional release, and what must happen. Read with zod; every problem is bad input naming the file, the
// field and what is allowed. A scenario is then checked against the stack's model (metrics some alarm
// watches, alarm globs that match an alarm, a released function) and turned into the evaluator's data,
// log events included (each log metric filter whose pattern matches emits its metric).
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { DrillModel, LogFilter, ReleaseGroup } from "./model";
import type { MetricId, MetricSeries } from "./types";
import { seriesMatches } from "./evaluate";
import { checkEventPattern, EventPatternError, eventMatches } from "./event-pattern";
import { watchedMetrics } from "./model";

/** The longest scenario: a day of minutes (CloudWatch evaluates at most a day of datapoints). */
export const MAX_MINUTES = 1440;

/** CloudWatch statistics a scenario's points may be given as. */
export const STATISTIC = /^(Sum|Average|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d+)?|100))$/;
const STATISTIC_TEXT = "Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p90, p99 or p99.9";

/** Severities `expect.severity` may name. */
export const EXPECTED_SEVERITIES = ["critical", "warning", "info"] as const;

/** How a release shifts traffic, as `release.strategy` names it: CodeDeploy's AllAtOnce, TimeBasedCanary, TimeBasedLinear. */
export const RELEASE_STRATEGIES = ["all-at-once", "canary", "linear"] as const;
export type ReleaseStrategyName = (typeof RELEASE_STRATEGIES)[number];

/** The key of a per-stack minutes object that gives the minutes of every stack it does not name. */
export const ANY_STACK = "*";

const minute = z.number().int().min(0);
/** Metric points: a value, or null for no data from that minute on (the metric stops reporting). */
const metricPoints = z.array(z.tuple([minute, z.number().nullable()])).min(1);
const countPoints = z.array(z.tuple([minute, z.number()])).min(1);

const MetricSchema = z.strictObject({
    namespace: z.string().min(1),
    metricName: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).default({}),
    stat: z.string().regex(STATISTIC).default("Sum"),
    points: metricPoints,
});

const LogEventSchema = z.strictObject({
    logGroupName: z.string().min(1),
    message: z.union([z.string(), z.record(z.string(), z.unknown())]),
    points: countPoints,
});

/** An event delivered to the default event bus, as AWS services send them (a GuardDuty or Security Hub finding). */
const EventSchema = z.strictObject({
    atMinute: minute,
    source: z.string().min(1),
    detailType: z.string().min(1),
    detail: z.record(z.string(), z.unknown()).default({}),
    account: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    resources: z.array(z.string()).default([]),
});

/**
 * Minutes: one number for every stack, or an object of stack names (and `*`, any other stack) to minutes,
 * so a stack's own obligation can be stricter (`{ "dev": 15, "staging": 10, "prod": 5 }`).
 */
const stackMinutes = z.union([
    minute.max(MAX_MINUTES),
    z.record(z.string().regex(/^(\*|[A-Za-z0-9_.-]+)$/), minute.max(MAX_MINUTES)).refine((o) => Object.keys(o).length > 0, { message: "names no stack" }),
]);
export type StackMinutes = z.infer<typeof stackMinutes>;

const ExpectSchema = z.strictObject({
    alarms: z.array(z.string().min(1)).min(1).optional(),
    rules: z.array(z.string().min(1)).min(1).optional(),
    quiet: z.literal(true).optional(),
    severity: z.enum(EXPECTED_SEVERITIES).optional(),
    withinMinutes: stackMinutes.optional(),
    notify: z.array(z.string().min(1)).min(1).optional(),
    escalatesWithinMinutes: stackMinutes.optional(),
    rollback: z.union([z.string().min(1), z.literal(false)]).optional(),
});

export const ScenarioSchema = z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    minutes: z.number().int().min(1).max(MAX_MINUTES),
    stacks: z.array(z.string().min(1)).min(1).optional(),
    release: z
        .strictObject({
            function: z.string().min(1),
            startsAtMinute: minute,
            durationMinutes: z.number().int().min(1).max(MAX_MINUTES).optional(),
            strategy: z.enum(RELEASE_STRATEGIES).optional(),
        })
        .optional(),
    metrics: z.array(MetricSchema).default([]),
    logEvents: z.array(LogEventSchema).default([]),
    events: z.array(EventSchema).default([]),
    expect: ExpectSchema,
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioMetric = Scenario["metrics"][number];
export type ScenarioLogEvent = Scenario["logEvents"][number];
export type ScenarioEvent = Scenario["events"][number];
export type Expectations = Scenario["expect"];

/** What each field allows, by its path with indices as `[]`: the end of every message. */
const ALLOWED: Record<string, string> = {
    "": "a JSON object { name, minutes, stacks?, release?, metrics, logEvents?, events?, expect } (docs/drills.md)",
    name: "a non-empty string, the scenario's name",
    description: "a string",
    minutes: `an integer from 1 to ${MAX_MINUTES}, the minutes the scenario lasts`,
    stacks: 'a non-empty array of stack name globs (* and ?), such as ["prod"]: the stacks the scenario applies to (skipped on the others)',
    "stacks[]": "a glob (* and ?) matching stack names, such as prod or prod-*",
    release: "an object { function, startsAtMinute, durationMinutes?, strategy? }",
    "release.function": "the name of a function a CodeDeploy deployment group of the stack releases, e.g. api",
    "release.startsAtMinute": "an integer minute from 0 to minutes - 1",
    "release.durationMinutes": `an integer from 1 to ${MAX_MINUTES}: the deployment's minutes, instead of the ones read from its config`,
    "release.strategy": `${RELEASE_STRATEGIES.join(", ")}: the traffic shifting the scenario needs (skipped on a stack whose deployment group shifts otherwise)`,
    metrics: "an array of { namespace, metricName, dimensions, stat, points }",
    "metrics[]": "an object { namespace, metricName, dimensions, stat, points }",
    "metrics[].namespace": "a non-empty string such as AWS/ApiGateway",
    "metrics[].metricName": "a non-empty string such as 5XXError",
    "metrics[].dimensions": 'an object of dimension names to values, such as { "ApiName": "*" }; a value * matches the stack\'s own',
    "metrics[].dimensions.*": "a string; * matches the stack's own value",
    "metrics[].stat": STATISTIC_TEXT,
    "metrics[].points": "a non-empty array of [minute, value] steps, minutes increasing integers from 0 to minutes - 1",
    "metrics[].points[]": "[minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)",
    "metrics[].points[][]": "[minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)",
    logEvents: "an array of { logGroupName, message, points }",
    "logEvents[]": "an object { logGroupName, message, points }",
    "logEvents[].logGroupName": "the name of a log group with a metric filter, such as /aws/cloudtrail/platform-prod",
    "logEvents[].message": "the log event: a string, or a JSON object for JSON filter patterns",
    "logEvents[].points": "a non-empty array of [minute, events per minute] steps, minutes increasing integers from 0 to minutes - 1",
    "logEvents[].points[]": "[minute, count]: an integer minute from 0 to minutes - 1 and a whole number of events, 0 or more",
    "logEvents[].points[][]": "[minute, count]: an integer minute from 0 to minutes - 1 and a whole number of events, 0 or more",
    events: "an array of { atMinute, source, detailType, detail, account?, region?, resources? }",
    "events[]": "an object { atMinute, source, detailType, detail, account?, region?, resources? }: an event on the default event bus",
    "events[].atMinute": "an integer minute from 0 to minutes - 1, when the event arrives",
    "events[].source": "the event's source, such as aws.guardduty or aws.securityhub",
    "events[].detailType": "the event's detail-type, such as GuardDuty Finding or Security Hub Findings - Imported",
    "events[].detail": 'the event\'s detail: a JSON object, such as { "severity": 8 } for a GuardDuty finding',
    "events[].account": "the account id the event comes from",
    "events[].region": "the region the event comes from",
    "events[].resources": "an array of resource ARNs",
    "events[].resources[]": "a resource ARN",
    expect: "an object with at least one of alarms, rules, quiet, severity, withinMinutes, notify, escalatesWithinMinutes, rollback",
    "expect.alarms": 'a non-empty array of alarm name globs (* and ?), such as ["*5xx*"]',
    "expect.alarms[]": "a glob (* and ?) matching the name of an alarm of the stack",
    "expect.rules": 'a non-empty array of EventBridge rule name globs (* and ?) that an event must match, such as ["*guardduty-critical"]',
    "expect.rules[]": "a glob (* and ?) matching the name of an EventBridge rule of the stack",
    "expect.quiet":
        "true: no alarm may reach ALARM and no event may reach a rule's target (alone: not with alarms, rules, severity, withinMinutes, notify or escalatesWithinMinutes)",
    "expect.severity": `${EXPECTED_SEVERITIES.join(", ")}: the severity of the first alarm (or of the first rule an event matches)`,
    "expect.withinMinutes": `an integer from 0 to ${MAX_MINUTES}: minutes from the first non-zero point to the first ALARM, or an object of stack names (or "*", any other stack) to such minutes, such as { "dev": 15, "staging": 10, "prod": 5 }`,
    "expect.withinMinutes.*": `an integer from 0 to ${MAX_MINUTES}, under a stack name (letters, digits, '-', '_', '.') or "*"`,
    "expect.notify": "a non-empty array of endpoint globs (* and ?): emails, pager URLs, queue or function ARNs",
    "expect.notify[]": "a glob (* and ?) matching a subscription endpoint",
    "expect.escalatesWithinMinutes": `an integer from 0 to ${MAX_MINUTES}: minutes from the first non-zero point to an escalation that reaches someone new, or an object of stack names (or "*", any other stack) to such minutes`,
    "expect.escalatesWithinMinutes.*": `an integer from 0 to ${MAX_MINUTES}, under a stack name (letters, digits, '-', '_', '.') or "*"`,
    "expect.rollback": "the released function (release.function) whose release must be stopped and rolled back, or false",
};

/** One problem with a scenario: its file, the field's path and what is allowed. */
export interface ScenarioIssue {
    file: string;
    path: string;
    problem: string;
    allowed: string;
}

/** Bad input (exit 2): a scenario that does not parse or does not fit the stack. One line per issue. */
export class ScenarioError extends Error {
    override readonly name = "ScenarioError";
    constructor(readonly issues: ScenarioIssue[]) {
        super(issues.map((i) => `${i.file}: ${i.path || "(the whole file)"}: ${i.problem}; allowed: ${i.allowed}`).join("\n"));
    }
}

function pathText(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function allowedFor(path: readonly PropertyKey[]): string {
    const generic = path.map((p, i) => (typeof p === "number" ? "[]" : `${i === 0 ? "" : "."}${String(p)}`)).join("");
    if (ALLOWED[generic]) return ALLOWED[generic];
    if (/^metrics\[\]\.dimensions\./.test(generic)) return ALLOWED["metrics[].dimensions.*"]!;
    const perStack = /^expect\.(withinMinutes|escalatesWithinMinutes)\./.exec(generic);
    if (perStack) return ALLOWED[`expect.${perStack[1]}.*`]!;
    return ALLOWED[generic.replace(/(\[\])+$/, "[]")] ?? ALLOWED[generic.replace(/(\.[^.[\]]+|\[\])$/, "")] ?? "see docs/drills.md";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = root;
    for (const p of path) v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
    return v;
}

function shown(v: unknown): string {
    const text = JSON.stringify(v);
    return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Reads the scenario format; throws a ScenarioError naming the file, each bad field and what it allows. */
export function parseScenario(raw: unknown, file: string): Scenario {
    const result = ScenarioSchema.safeParse(raw);
    if (!result.success) {
        const issues = result.error.issues.map((issue): ScenarioIssue => {
            if (issue.code === "unrecognized_keys") {
                const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
                const at = [...issue.path];
                const fields = Object.keys(ALLOWED)
                    .filter((k) => {
                        const parent = pathText(at).replace(/\[\d+\]/g, "[]");
                        return parent === "" ? /^[a-zA-Z]+$/.test(k) : k.startsWith(`${parent}.`) && /^[a-zA-Z]+$/.test(k.slice(parent.length + 1));
                    })
                    .map((k) => k.slice(k.lastIndexOf(".") + 1));
                return {
                    file,
                    path: pathText(at),
                    problem: `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}`,
                    allowed: `the fields ${fields.join(", ")}`,
                };
            }
            const value = valueAt(raw, issue.path);
            const problem = value === undefined ? "is missing" : `${shown(value)} is not allowed`;
            return { file, path: pathText(issue.path), problem, allowed: allowedFor(issue.path) };
        });
        throw new ScenarioError(issues);
    }
    const s = result.data;
    const issues: ScenarioIssue[] = [];
    const issue = (path: readonly PropertyKey[], problem: string, allowed = allowedFor(path)) => issues.push({ file, path: pathText(path), problem, allowed });
    const checkPoints = (field: "metrics" | "logEvents", i: number, list: [number, number | null][]) => {
        list.forEach(([m, v], j) => {
            if (m >= s.minutes) issue([field, i, "points", j, 0], `minute ${m} is past the scenario's ${s.minutes} minutes`);
            else if (j > 0 && m <= list[j - 1]![0]) issue([field, i, "points", j, 0], `minute ${m} does not follow minute ${list[j - 1]![0]}`);
            if (field === "logEvents" && !(Number.isInteger(v) && v! >= 0)) issue([field, i, "points", j, 1], `${v} is not a number of events`);
        });
    };
    s.metrics.forEach((m, i) => checkPoints("metrics", i, m.points));
    s.logEvents.forEach((e, i) => checkPoints("logEvents", i, e.points));
    s.events.forEach((e, i) => {
        if (e.atMinute >= s.minutes) issue(["events", i, "atMinute"], `minute ${e.atMinute} is past the scenario's ${s.minutes} minutes`);
    });
    if (s.metrics.length + s.logEvents.length + s.events.length === 0)
        issue(["metrics"], "the scenario has no data", "at least one metric (or log event, or event): a scenario without data tests nothing");
    if (s.release && s.release.startsAtMinute >= s.minutes)
        issue(["release", "startsAtMinute"], `minute ${s.release.startsAtMinute} is past the scenario's ${s.minutes} minutes`);
    const e = s.expect;
    const given = Object.keys(e).filter((k) => e[k as keyof Expectations] !== undefined);
    if (given.length === 0) issue(["expect"], "expects nothing");
    if (e.quiet) {
        for (const k of ["alarms", "rules", "severity", "withinMinutes", "notify", "escalatesWithinMinutes"] as const)
            if (e[k] !== undefined)
                issue(["expect", k], `conflicts with expect.quiet: a quiet scenario has no alarm`, "quiet alone, or the expectations of an alarm that fires");
        if (typeof e.rollback === "string") issue(["expect", "rollback"], "conflicts with expect.quiet: a release rolls back on an alarm", "false with quiet");
    }
    if (typeof e.rollback === "string") {
        if (!s.release)
            issue(
                ["expect", "rollback"],
                `${shown(e.rollback)} needs a release: the scenario has no release`,
                "a release { function, startsAtMinute } naming it, or false",
            );
        else if (e.rollback !== s.release.function)
            issue(["expect", "rollback"], `${shown(e.rollback)} is not the released function ${shown(s.release.function)}`);
    }
    if (issues.length > 0) throw new ScenarioError(issues);
    return s;
}

/** Reads and parses a scenario file: JSON errors name the line and column. */
export function loadScenario(file: string, shownAs = file): Scenario {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (error) {
        throw new ScenarioError([
            { file: shownAs, path: "", problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, allowed: "a readable JSON file" },
        ]);
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (error) {
        const message = (error as Error).message;
        const at = /position (\d+)/.exec(message);
        let where = "";
        if (at) {
            const before = text.slice(0, Number(at[1]));
            const line = before.split("\n").length;
            where = ` at line ${line}, column ${Number(at[1]) - before.lastIndexOf("\n")}`;
        }
        throw new ScenarioError([
            { file: shownAs, path: "", problem: `is not JSON${where} (${message.replace(/ in JSON at position \d+.*$/, "")})`, allowed: ALLOWED[""]! },
        ]);
    }
    return parseScenario(raw, shownAs);
}

/** A glob with `*` (any run of characters) and `?` (one), matched whole and case-insensitively. */
export function globMatcher(glob: string): (text: string) => boolean {
    const re = new RegExp(
        `^${glob
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        "is",
    );
    return (text) => re.test(text);
}

/** Whether an alarm (by its name, or its resource's logical name) matches a glob. */
export function alarmMatches(glob: string, alarm: { alarmName: string; resourceName: string }): boolean {
    const match = globMatcher(glob);
    return match(alarm.alarmName) || match(alarm.resourceName);
}

/** The event an EventBridge rule sees for a scenario event: the envelope AWS services send to the default bus. */
export function eventEnvelope(e: ScenarioEvent, minute: number): Record<string, unknown> {
    return {
        version: "0",
        id: `drill-${minute}`,
        "detail-type": e.detailType,
        source: e.source,
        ...(e.account !== undefined ? { account: e.account } : {}),
        time: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString().replace(/\.\d{3}Z$/, "Z"),
        ...(e.region !== undefined ? { region: e.region } : {}),
        resources: e.resources,
        detail: e.detail,
    };
}

/** The rules of the default bus a scenario event matches (enabled, with a readable pattern). */
export function rulesMatching(model: DrillModel, e: ScenarioEvent): NonNullable<DrillModel["eventRules"]> {
    const envelope = eventEnvelope(e, e.atMinute);
    return (model.eventRules ?? []).filter((r) => {
        if (!r.enabled || r.eventBusName !== "default" || !r.pattern) return false;
        try {
            return eventMatches(r.pattern, envelope);
        } catch (error) {
            if (error instanceof EventPatternError) return false;
            throw error;
        }
    });
}

/** Whether a release group releases the named function (its function, deployment group or resource name). */
export function releasesFunction(group: { functionName: string; resourceName: string; deploymentGroupName?: string }, name: string): boolean {
    return group.functionName === name || group.deploymentGroupName === name || group.resourceName === name;
}

/** Whether scenario data for a metric feeds an alarm's metric: the evaluator's own rule (same namespace, name and dimension names; values equal or `*`). */
export function metricMatches(data: MetricId, watched: MetricId): boolean {
    return seriesMatches(watched, { ...data, points: [] });
}

function metricText(m: MetricId, values = true): string {
    const dims = Object.entries(m.dimensions).map(([k, v]) => (values ? `${k}=${v}` : k));
    return `${m.metricName}${dims.length > 0 ? ` {${dims.join(", ")}}` : ""}`;
}

// ---------------------------------------------------------------------------------------------------
// Log metric filter patterns: the forms CloudWatch Logs has that the drill supports.

type JsonExpr =
    | { kind: "and" | "or"; left: JsonExpr; right: JsonExpr }
    | { kind: "cmp"; selector: string[]; op: "=" | "!=" | "<" | "<=" | ">" | ">="; value: string | number; quoted: boolean }
    | { kind: "exists"; selector: string[]; negated: boolean }
    | { kind: "is"; selector: string[]; value: null | boolean };

/** A pattern the drill cannot evaluate (space-delimited `[...]` patterns). */
export class PatternError extends Error {
    override readonly name = "PatternError";
}

function parseJsonPattern(pattern: string): JsonExpr {
    const body = pattern.trim().slice(1, -1);
    const tokens = body.match(/"(?:[^"\\]|\\.)*"|&&|\|\||!=|<=|>=|[=<>()]|[^\s=!<>()&|"]+/g) ?? [];
    let at = 0;
    const peek = () => tokens[at];
    const next = () => tokens[at++];
    const fail = (what: string): never => {
        throw new PatternError(`filter pattern ${pattern}: ${what}`);
    };
    const selector = (): string[] => {
        const t = next();
        if (!t || !t.startsWith("$")) fail(`expected a selector such as $.eventName, found ${t ?? "the end"}`);
        return t!
            .replace(/^\$\.?/, "")
            .replace(/\[(\d+)\]/g, ".$1")
            .split(".")
            .filter((p) => p !== "");
    };
    const primary = (): JsonExpr => {
        if (peek() === "(") {
            next();
            const e = or();
            if (next() !== ")") fail("expected )");
            return e;
        }
        const sel = selector();
        const t = next();
        if (t === "NOT" && peek() === "EXISTS") {
            next();
            return { kind: "exists", selector: sel, negated: true };
        }
        if (t === "EXISTS") return { kind: "exists", selector: sel, negated: false };
        if (t === "IS") {
            const v = next();
            if (v === "NULL") return { kind: "is", selector: sel, value: null };
            if (v === "TRUE" || v === "FALSE") return { kind: "is", selector: sel, value: v === "TRUE" };
            fail(`expected NULL, TRUE or FALSE after IS, found ${v ?? "the end"}`);
        }
        if (t === "=" || t === "!=" || t === "<" || t === "<=" || t === ">" || t === ">=") {
            const v = next();
            if (v === undefined) fail(`expected a value after ${t}`);
            const quoted = v!.startsWith('"');
            const text = quoted ? (JSON.parse(v!) as string) : v!;
            const value = !quoted && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
            return { kind: "cmp", selector: sel, op: t, value, quoted };
        }
        return fail(`expected a comparison after the selector, found ${t ?? "the end"}`);
    };
    const and = (): JsonExpr => {
        let e = primary();
        while (peek() === "&&") {
            next();
            e = { kind: "and", left: e, right: primary() };
        }
        return e;
    };
    const or = (): JsonExpr => {
        let e = and();
        while (peek() === "||") {
            next();
            e = { kind: "or", left: e, right: and() };
        }
        return e;
    };
    const e = or();
    if (at < tokens.length) fail(`unexpected ${tokens[at]}`);
    return e;
}

function select(event: unknown, path: string[]): { found: boolean; value: unknown } {
    let v: unknown = event;
    for (const p of path) {
        if (typeof v !== "object" || v === null || !(p in (v as Record<string, unknown>))) return { found: false, value: undefined };
        v = (v as Record<string, unknown>)[p];
    }
    return { found: true, value: v };
}

function evalJson(e: JsonExpr, event: unknown): boolean {
    switch (e.kind) {
        case "and":
            return evalJson(e.left, event) && evalJson(e.right, event);
        case "or":
            return evalJson(e.left, event) || evalJson(e.right, event);
        case "exists":
            return select(event, e.selector).found !== e.negated;
        case "is": {
            const { found, value } = select(event, e.selector);
            return found && value === e.value;
        }
        case "cmp": {
            const { found, value } = select(event, e.selector);
            if (!found) return e.op === "!=";
            if (typeof e.value === "number" && typeof value === "number") {
                const v = value;
                const t = e.value;
                return { "=": v === t, "!=": v !== t, "<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t }[e.op];
            }
            if (e.op !== "=" && e.op !== "!=") return false;
            const text = typeof value === "string" ? value : JSON.stringify(value);
            const equal = new RegExp(
                `^${String(e.value)
                    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
                    .replace(/\*/g, ".*")}$`,
                "s",
            ).test(text);
            return e.op === "=" ? equal : !equal;
        }
    }
}

/** A matcher for a CloudWatch Logs filter pattern: empty (every event), terms (`ERROR`, `"a b"`, `?A ?B`, `-x`), or JSON (`{ $.a = "b" && ... }`). */
export function patternMatcher(pattern: string): (message: string) => boolean {
    const p = pattern.trim();
    if (p === "" || p === '""') return () => true;
    if (p.startsWith("{")) {
        if (!p.endsWith("}")) throw new PatternError(`filter pattern ${pattern}: a JSON pattern ends with }`);
        const expr = parseJsonPattern(p);
        return (message) => {
            let event: unknown;
            try {
                event = JSON.parse(message);
            } catch {
                return false;
            }
            return typeof event === "object" && event !== null && evalJson(expr, event);
        };
    }
    if (p.startsWith("[")) throw new PatternError(`filter pattern ${pattern}: space-delimited [...] patterns are not supported by the drill`);
    const terms = (p.match(/[?-]?"(?:[^"\\]|\\.)*"|\S+/g) ?? []).map((t) => {
        const prefix = t[0] === "?" || t[0] === "-" ? t[0] : "";
        const body = t.slice(prefix.length);
        return { prefix, text: body.startsWith('"') ? (JSON.parse(body) as string) : body };
    });
    const any = terms.filter((t) => t.prefix === "?");
    const all = terms.filter((t) => t.prefix === "");
    const none = terms.filter((t) => t.prefix === "-");
    return (message) =>
        (any.length === 0 || any.some((t) => message.includes(t.text))) &&
        all.every((t) => message.includes(t.text)) &&
        none.every((t) => !message.includes(t.text));
}

function messageText(message: ScenarioLogEvent["message"]): string {
    return typeof message === "string" ? message : JSON.stringify(message);
}

/** A filter's metric value for one event: a number, or `$.field` of a JSON event. */
function filterValue(filter: LogFilter, message: string): number | undefined {
    const v = filter.metric.value.trim();
    if (v.startsWith("$")) {
        try {
            const { found, value } = select(JSON.parse(message), v.replace(/^\$\.?/, "").split("."));
            const n = typeof value === "number" ? value : Number(value);
            return found && Number.isFinite(n) ? n : undefined;
        } catch {
            return undefined;
        }
    }
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
}

function logGroupMatches(filter: LogFilter, logGroupName: string): boolean {
    return filter.logGroupName === "*" || filter.logGroupName === logGroupName;
}

// ---------------------------------------------------------------------------------------------------
// The scenario against the stack.

/** What `${stack}` in a scenario's strings stands for: the stack's name (`/aws/cloudtrail/platform-${stack}`). */
export const STACK_PLACEHOLDER = "${stack}";

/**
 * The scenario as it reads on a stack: `${stack}` in every string (namespaces, metric names, dimension
 * values, log group names, log messages, globs) replaced by the stack's name, so one scenario names
 * stack-specific resources (`platform-${stack}-api`, the namespace `platform-${stack}`) on every stack.
 */
export function forStack(scenario: Scenario, stack: string): Scenario {
    if (!JSON.stringify(scenario).includes(STACK_PLACEHOLDER)) return scenario;
    return JSON.parse(JSON.stringify(scenario), (_key, value: unknown) =>
        typeof value === "string" ? value.split(STACK_PLACEHOLDER).join(stack) : value,
    ) as Scenario;
}

/** The minutes of a stack: the number itself, or the stack's own entry of a per-stack object, else its `*` entry. */
export function minutesFor(value: StackMinutes | undefined, stack: string): number | undefined {
    if (value === undefined || typeof value === "number") return value;
    return Object.hasOwn(value, stack) ? value[stack] : value[ANY_STACK];
}

/** Whether the scenario's `stacks` (every stack when absent) names the stack. */
export function appliesToStack(scenario: Scenario, stack: string): boolean {
    return scenario.stacks === undefined || scenario.stacks.some((glob) => globMatcher(glob)(stack));
}

/** The `release.strategy` a deployment group's traffic shifting is, when the drill can read it. */
export function strategyOf(group: ReleaseGroup): ReleaseStrategyName | undefined {
    switch (group.traffic?.type) {
        case "AllAtOnce":
            return "all-at-once";
        case "TimeBasedCanary":
            return "canary";
        case "TimeBasedLinear":
            return "linear";
        default:
            return undefined;
    }
}

/**
 * Why a scenario does not run on a stack, or undefined when it does: a stack its `stacks` does not name,
 * or a `release.strategy` the deployment group of its function does not use (a scenario can only exercise
 * the traffic shifting the stack really has; another stack's drill exercises the others).
 */
export function skipReason(scenario: Scenario, model: DrillModel): string | undefined {
    if (!appliesToStack(scenario, model.stack)) {
        const list = scenario.stacks!;
        return `applies to stack${list.length > 1 ? "s" : ""} ${list.join(", ")} only (stacks), not to ${model.stack}`;
    }
    const release = scenario.release;
    if (release?.strategy === undefined) return undefined;
    // A function no group releases is bad input, which checkScenario reports.
    const group = model.releaseGroups.find((g) => releasesFunction(g, release.function));
    if (!group) return undefined;
    const actual = strategyOf(group);
    if (actual === release.strategy) return undefined;
    const name = group.deploymentGroupName ?? group.resourceName;
    const how =
        actual !== undefined
            ? `shifts traffic ${actual}${group.deploymentConfigName ? ` (${group.deploymentConfigName})` : ""}`
            : `has a deployment config the drill cannot read (${group.deploymentConfigName ?? "unknown"})`;
    const article = /^[aeiou]/.test(release.strategy) ? "an" : "a";
    return `needs ${article} ${release.strategy} release of ${release.function} (release.strategy); on stack ${model.stack} its deployment group ${name} ${how}`;
}

/** Bad input that needs the stack: metrics no alarm watches, log events no filter turns into a watched metric, alarm globs matching nothing, an unreleased function, minutes naming neither the stack nor `*`. A scenario whose `stacks` leaves the stack out is not checked against it. */
export function checkScenario(given: Scenario, model: DrillModel, file: string): void {
    if (!appliesToStack(given, model.stack)) return;
    const scenario = forStack(given, model.stack);
    const issues: ScenarioIssue[] = [];
    const issue = (path: readonly PropertyKey[], problem: string, allowed: string) => issues.push({ file, path: pathText(path), problem, allowed });
    const watched = model.alarms.flatMap(watchedMetrics);
    const watchedText = (namespace: string) => {
        const inNamespace = [...new Set(watched.filter((w) => w.namespace === namespace).map((w) => metricText(w, false)))];
        if (inNamespace.length > 0) return `a metric an alarm watches; in ${namespace}: ${inNamespace.join(", ")}`;
        const namespaces = [...new Set(watched.map((w) => w.namespace))].sort();
        return `a metric an alarm watches; namespaces with alarms: ${namespaces.join(", ") || "(none: the stack has no metric alarm)"}`;
    };
    scenario.metrics.forEach((m, i) => {
        if (!watched.some((w) => metricMatches(m, w)))
            issue(["metrics", i], `${m.namespace} ${metricText(m)} is watched by no alarm of stack ${model.stack}`, watchedText(m.namespace));
    });
    scenario.logEvents.forEach((e, i) => {
        const filters = model.logMetricFilters.filter((f) => logGroupMatches(f, e.logGroupName));
        if (filters.length === 0) {
            const groups = [...new Set(model.logMetricFilters.map((f) => f.logGroupName))].sort();
            issue(
                ["logEvents", i, "logGroupName"],
                `log group ${shown(e.logGroupName)} has no metric filter in stack ${model.stack}`,
                `a log group with a metric filter: ${groups.join(", ") || "(none: the stack has no log metric filter)"}`,
            );
            return;
        }
        const text = messageText(e.message);
        const matching: LogFilter[] = [];
        let unsupported = false;
        for (const f of filters) {
            try {
                if (patternMatcher(f.pattern)(text)) matching.push(f);
            } catch (error) {
                if (!(error instanceof PatternError)) throw error;
                unsupported = true;
                issue(["logEvents", i], error.message, "log groups whose filters use empty, term or JSON patterns");
            }
        }
        if (unsupported) return;
        if (matching.length === 0)
            issue(
                ["logEvents", i, "message"],
                `matches no metric filter on ${e.logGroupName}`,
                `a message matching one of its filter patterns: ${filters.map((f) => f.pattern).join(" | ")}`,
            );
        else if (matching.length > 0 && !matching.some((f) => watched.some((w) => metricMatches({ ...f.metric, dimensions: filterDims(f, text) }, w))))
            issue(
                ["logEvents", i, "message"],
                `matches the filters of ${matching.map((f) => `${f.metric.namespace} ${f.metric.metricName}`).join(", ")}, which no alarm watches`,
                "a message matching a filter whose metric an alarm watches",
            );
    });
    scenario.expect.alarms?.forEach((glob, i) => {
        if (!model.alarms.some((a) => alarmMatches(glob, a))) {
            // Alarms sharing a word with the glob first, so the message shows what was probably meant.
            const words = glob
                .toLowerCase()
                .split(/[^a-z0-9]+/)
                .filter((w) => w.length >= 3);
            const all = model.alarms.map((a) => a.resourceName);
            const near = all.filter((n) => words.some((w) => n.toLowerCase().includes(w)));
            const names = near.length > 0 ? [...near, ...all.filter((n) => !near.includes(n))] : all;
            issue(
                ["expect", "alarms", i],
                `${shown(glob)} matches no alarm of stack ${model.stack}`,
                names.length === 0
                    ? "nothing: the stack has no alarm"
                    : `a glob matching one of its ${names.length} alarms, such as ${names.slice(0, 12).join(", ")}${names.length > 12 ? ", ..." : ""}`,
            );
        }
    });
    const rules = model.eventRules ?? [];
    const sources = new Set(rules.flatMap((r) => (Array.isArray(r.pattern?.source) ? r.pattern.source.filter((x): x is string => typeof x === "string") : [])));
    const anySource = rules.some((r) => r.pattern !== undefined && r.pattern.source === undefined);
    scenario.events.forEach((e, i) => {
        if (!anySource && !sources.has(e.source))
            issue(
                ["events", i, "source"],
                `${shown(e.source)}: no EventBridge rule of stack ${model.stack} takes events from this source`,
                sources.size > 0
                    ? `a source a rule's pattern names: ${[...sources].sort().join(", ")}`
                    : "nothing: the stack has no EventBridge rule with an event pattern",
            );
    });
    if (scenario.events.length > 0)
        for (const r of rules) {
            if (!r.pattern) continue;
            try {
                checkEventPattern(r.pattern);
            } catch (error) {
                if (!(error instanceof EventPatternError)) throw error;
                issue(["events"], `rule ${r.ruleName}'s pattern cannot be evaluated: ${error.message}`, "rules whose patterns use EventBridge's matchers");
            }
        }
    scenario.expect.rules?.forEach((glob, i) => {
        const match = globMatcher(glob);
        if (!rules.some((r) => match(r.ruleName) || match(r.resourceName)))
            issue(
                ["expect", "rules", i],
                `${shown(glob)} matches no EventBridge rule of stack ${model.stack}`,
                rules.length === 0
                    ? "nothing: the stack has no EventBridge rule with an event pattern"
                    : `a glob matching one of ${rules.map((r) => r.ruleName).join(", ")}`,
            );
    });
    if (scenario.release && !model.releaseGroups.some((g) => releasesFunction(g, scenario.release!.function))) {
        const functions = model.releaseGroups.map((g) => g.functionName);
        issue(
            ["release", "function"],
            `${shown(scenario.release.function)} is released by no CodeDeploy deployment group of stack ${model.stack}`,
            functions.length === 0 ? "nothing: the stack has no deployment group (leave release out)" : `one of ${functions.join(", ")}`,
        );
    } else if (skipReason(scenario, model) === undefined) {
        for (const k of ["withinMinutes", "escalatesWithinMinutes"] as const) {
            const v = scenario.expect[k];
            if (v !== undefined && minutesFor(v, model.stack) === undefined)
                issue(
                    ["expect", k],
                    `names no minutes for stack ${model.stack} (it names ${Object.keys(v).join(", ")})`,
                    `minutes for ${model.stack}, or for "${ANY_STACK}" (every stack the object does not name)`,
                );
        }
    }
    if (issues.length > 0) throw new ScenarioError(issues);
}

function filterDims(filter: LogFilter, message: string): Record<string, string> {
    const dims: Record<string, string> = {};
    for (const [k, v] of Object.entries(filter.metric.dimensions)) {
        if (v.startsWith("$")) {
            try {
                const { found, value } = select(JSON.parse(message), v.replace(/^\$\.?/, "").split("."));
                dims[k] = found ? String(value) : "";
            } catch {
                dims[k] = "";
            }
        } else dims[k] = v;
    }
    return dims;
}

/** The value of `[minute, value]` steps at a minute (before the first point: none). */
export function stepValue(list: readonly (readonly [number, number])[], at: number): number | undefined {
    let v: number | undefined;
    for (const [m, x] of list) {
        if (m > at) break;
        v = x;
    }
    return v;
}

/** Per-minute values as steps: a point where the value changes; NaN (no datapoint) where there is none. */
function toSteps(values: number[]): [number, number][] {
    const steps: [number, number][] = [];
    values.forEach((v, m) => {
        const last = steps[steps.length - 1];
        if (!last || !(Object.is(last[1], v) || last[1] === v)) steps.push([m, v]);
    });
    return steps;
}

/**
 * The metric data a scenario's log events produce: for each filter whose pattern matches an event,
 * each minute's datapoint of its metric, in every statistic an alarm reads it with (Sum of the values,
 * SampleCount of the events, Average/Minimum/Maximum/percentiles of the values). A minute without a
 * matching event has the filter's defaultValue (the log group receives other events all the time), or
 * no datapoint without one.
 */
export function logEventSeries(scenario: Scenario, model: DrillModel): MetricSeries[] {
    if (scenario.logEvents.length === 0) return [];
    const watched = model.alarms.flatMap(watchedMetrics);
    const series: MetricSeries[] = [];
    for (const filter of model.logMetricFilters) {
        const events = scenario.logEvents.filter((e) => logGroupMatches(filter, e.logGroupName));
        if (events.length === 0) continue;
        let matcher: (message: string) => boolean;
        try {
            matcher = patternMatcher(filter.pattern);
        } catch {
            continue;
        }
        // One metric per dimension values.
        const byDims = new Map<string, { dims: Record<string, string>; events: { points: [number, number][]; value: number }[] }>();
        for (const e of events) {
            const text = messageText(e.message);
            if (!matcher(text)) continue;
            const value = filterValue(filter, text);
            if (value === undefined) continue;
            const dims = filterDims(filter, text);
            const key = JSON.stringify(dims);
            const entry = byDims.get(key) ?? { dims, events: [] };
            entry.events.push({ points: e.points, value });
            byDims.set(key, entry);
        }
        if (byDims.size === 0 && filter.defaultValue !== undefined) byDims.set(JSON.stringify({}), { dims: {}, events: [] });
        for (const { dims, events: matched } of byDims.values()) {
            const id: MetricId = { namespace: filter.metric.namespace, metricName: filter.metric.metricName, dimensions: dims };
            const stats = [...new Set(watched.filter((w) => metricMatches(id, w)).map((w) => w.stat))];
            for (const stat of stats.length > 0 ? stats : ["Sum"]) {
                const values = Array.from({ length: scenario.minutes }, (_, m) => {
                    let n = 0;
                    let sum = 0;
                    let min = Infinity;
                    let max = -Infinity;
                    for (const e of matched) {
                        const count = stepValue(e.points, m) ?? 0;
                        if (count <= 0) continue;
                        n += count;
                        sum += count * e.value;
                        min = Math.min(min, e.value);
                        max = Math.max(max, e.value);
                    }
                    if (n === 0) return filter.defaultValue === undefined ? NaN : stat === "SampleCount" ? 1 : filter.defaultValue;
                    if (stat === "Sum") return sum;
                    if (stat === "SampleCount") return n;
                    if (stat === "Average") return sum / n;
                    if (stat === "Minimum") return min;
                    return max;
                });
                series.push({ ...id, stat, points: toSteps(values) });
            }
        }
    }
    return series;
}

/** All the data of a scenario for the evaluator: its metrics as given, and what its log events emit. */
export function scenarioData(scenario: Scenario, model: DrillModel): MetricSeries[] {
    return [
        ...scenario.metrics.map((m) => ({
            namespace: m.namespace,
            metricName: m.metricName,
            dimensions: m.dimensions,
            stat: m.stat,
            points: m.points.map(([minute, v]): [number, number] => [minute, v ?? NaN]),
        })),
        ...logEventSeries(scenario, model),
    ];
}

/**
 * The minute the failure starts, which `withinMinutes` and `escalatesWithinMinutes` count from: the first
 * non-zero point of a series that starts at zero, or the first change of one that starts elsewhere. A
 * series that never changes is a baseline (the traffic an error rate divides by) and does not count,
 * unless every series is one: then the first non-zero point. 0 when no point is non-zero.
 */
export function firstSignalMinute(scenario: Scenario): number {
    // No data (null) is no signal: read as zero here.
    const all = [...scenario.metrics, ...scenario.logEvents].map((s) => s.points.map(([m, v]): [number, number] => [m, v ?? 0]));
    const changing = all.filter((p) => p.some(([, v]) => v !== p[0]![1]));
    // An event (a finding) is a signal when it arrives.
    const starts = [
        ...changing.map((p) => (p[0]![1] === 0 ? p.find(([, v]) => v !== 0)! : p.find(([, v]) => v !== p[0]![1])!)[0]),
        ...scenario.events.map((e) => e.atMinute),
    ];
    if (starts.length > 0) return Math.min(...starts);
    const nonZero = all.flatMap((p) => p.filter(([, v]) => v !== 0).map(([m]) => m));
    return nonZero.length > 0 ? Math.min(...nonZero) : 0;
}
