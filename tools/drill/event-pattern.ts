// EventBridge event patterns, matched as EventBridge matches them (the EventBridge User Guide, "Creating
// event patterns" and "Content filtering"): every field the pattern names must match (AND), any matcher
// of a field's array may match (OR), a field whose event value is an array matches when any element
// does, and `$or` takes alternatives. The drill uses it to follow a GuardDuty or Security Hub finding
// through the stack's rules to the topics they target.

/** A pattern the drill cannot evaluate: not JSON, or an operator EventBridge does not have. */
export class EventPatternError extends Error {
    override readonly name = "EventPatternError";
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The operators of a matcher object EventBridge has, and what each takes. */
const OPERATORS: Record<string, string> = {
    prefix: 'a string, or { "equals-ignore-case": string }',
    suffix: 'a string, or { "equals-ignore-case": string }',
    "equals-ignore-case": "a string",
    wildcard: "a string with * wildcards",
    "anything-but": "a string, a number, a list of strings or of numbers, or { prefix | suffix | wildcard | equals-ignore-case }",
    numeric: 'a list such as [">=", 7] or [">", 0, "<=", 5]',
    exists: "true or false",
    cidr: "an IPv4 CIDR block such as 10.0.0.0/24",
};

function wildcardRegex(text: string, flags = ""): RegExp {
    return new RegExp(`^${text.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, `s${flags}`);
}

function ipv4(text: string): number | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    if (!m) return undefined;
    const parts = m.slice(1).map(Number);
    return parts.some((p) => p > 255) ? undefined : parts.reduce((a, p) => a * 256 + p, 0);
}

/** A string operand, optionally `{ "equals-ignore-case": s }`: the text and whether case is ignored. */
function stringOperand(op: string, v: unknown, where: string): { text: string; ignoreCase: boolean } {
    if (typeof v === "string") return { text: v, ignoreCase: false };
    if (isObject(v) && Object.keys(v).length === 1 && typeof v["equals-ignore-case"] === "string") return { text: v["equals-ignore-case"], ignoreCase: true };
    throw new EventPatternError(`${where}: ${op} takes ${OPERATORS[op]}, not ${JSON.stringify(v)}`);
}

function numericTest(spec: unknown, where: string): (n: number) => boolean {
    const fail = (): never => {
        throw new EventPatternError(`${where}: numeric takes ${OPERATORS.numeric}, not ${JSON.stringify(spec)}`);
    };
    if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) fail();
    const tests: Array<(n: number) => boolean> = [];
    for (let i = 0; i < (spec as unknown[]).length; i += 2) {
        const op = (spec as unknown[])[i];
        const bound = (spec as unknown[])[i + 1];
        if (typeof bound !== "number") fail();
        const b = bound as number;
        const t = {
            "=": (n: number) => n === b,
            "<": (n: number) => n < b,
            "<=": (n: number) => n <= b,
            ">": (n: number) => n > b,
            ">=": (n: number) => n >= b,
        }[String(op) as "=" | "<" | "<=" | ">" | ">="];
        if (!t) fail();
        tests.push(t);
    }
    return (n) => tests.every((t) => t(n));
}

/** One matcher of a field's array against one (present) value. */
function matcherTest(m: unknown, where: string): { present: (v: Json) => boolean; absent: boolean } {
    if (m === null || typeof m === "string" || typeof m === "number" || typeof m === "boolean") {
        return { present: (v) => v === m, absent: false };
    }
    if (!isObject(m)) throw new EventPatternError(`${where}: a matcher is a value or an object of one operator, not ${JSON.stringify(m)}`);
    const keys = Object.keys(m);
    if (keys.length !== 1 || !(keys[0]! in OPERATORS))
        throw new EventPatternError(`${where}: ${JSON.stringify(m)} is not an EventBridge matcher; allowed operators: ${Object.keys(OPERATORS).join(", ")}`);
    const op = keys[0]!;
    const arg = m[op];
    switch (op) {
        case "prefix":
        case "suffix": {
            const { text, ignoreCase } = stringOperand(op, arg, where);
            const t = ignoreCase ? text.toLowerCase() : text;
            return {
                present: (v) =>
                    typeof v === "string" &&
                    (op === "prefix" ? (ignoreCase ? v.toLowerCase() : v).startsWith(t) : (ignoreCase ? v.toLowerCase() : v).endsWith(t)),
                absent: false,
            };
        }
        case "equals-ignore-case": {
            if (typeof arg !== "string") throw new EventPatternError(`${where}: equals-ignore-case takes a string, not ${JSON.stringify(arg)}`);
            return { present: (v) => typeof v === "string" && v.toLowerCase() === arg.toLowerCase(), absent: false };
        }
        case "wildcard": {
            if (typeof arg !== "string") throw new EventPatternError(`${where}: wildcard takes ${OPERATORS.wildcard}, not ${JSON.stringify(arg)}`);
            const re = wildcardRegex(arg);
            return { present: (v) => typeof v === "string" && re.test(v), absent: false };
        }
        case "numeric": {
            const test = numericTest(arg, where);
            return { present: (v) => typeof v === "number" && test(v), absent: false };
        }
        case "exists": {
            if (typeof arg !== "boolean") throw new EventPatternError(`${where}: exists takes true or false, not ${JSON.stringify(arg)}`);
            // exists: true matches any present value; exists: false matches only an absent field.
            return { present: () => arg, absent: !arg };
        }
        case "cidr": {
            const m2 = typeof arg === "string" ? /^(.+)\/(\d{1,2})$/.exec(arg) : null;
            const base = m2 ? ipv4(m2[1]!) : undefined;
            const bits = m2 ? Number(m2[2]) : NaN;
            if (base === undefined || bits > 32) throw new EventPatternError(`${where}: cidr takes ${OPERATORS.cidr}, not ${JSON.stringify(arg)}`);
            const size = 2 ** (32 - bits);
            const start = Math.floor(base / size) * size;
            return { present: (v) => typeof v === "string" && ipv4(v) !== undefined && ipv4(v)! >= start && ipv4(v)! < start + size, absent: false };
        }
        default: {
            // anything-but: the value is present and none of the excluded.
            let excluded: (v: Json) => boolean;
            if (typeof arg === "string" || typeof arg === "number") excluded = (v) => v === arg;
            else if (Array.isArray(arg) && arg.length > 0 && (arg.every((x) => typeof x === "string") || arg.every((x) => typeof x === "number")))
                excluded = (v) => (arg as Json[]).includes(v);
            else if (isObject(arg) && Object.keys(arg).length === 1 && ["prefix", "suffix", "wildcard", "equals-ignore-case"].includes(Object.keys(arg)[0]!))
                excluded = matcherTest(arg, where).present;
            else throw new EventPatternError(`${where}: anything-but takes ${OPERATORS["anything-but"]}, not ${JSON.stringify(arg)}`);
            return { present: (v) => !excluded(v), absent: false };
        }
    }
}

/** The values at a field of an event: arrays are flattened, as EventBridge matches any of their elements. */
function valuesAt(v: unknown): { present: boolean; values: Json[] } {
    if (v === undefined) return { present: false, values: [] };
    return { present: true, values: Array.isArray(v) ? (v.flat(Infinity) as Json[]) : [v as Json] };
}

/** Whether an object pattern matches an event value (an object, or an array of objects: any element). */
function matchObject(pattern: Record<string, unknown>, event: unknown, where: string): boolean {
    if (Array.isArray(event)) return event.some((e) => matchObject(pattern, e, where));
    for (const [key, p] of Object.entries(pattern)) {
        if (key === "$or") {
            if (!Array.isArray(p) || p.length < 2 || !p.every(isObject))
                throw new EventPatternError(`${where}: $or takes a list of two or more patterns, not ${JSON.stringify(p)}`);
            if (!p.some((alt) => matchObject(alt, event, `${where}.$or`))) return false;
            continue;
        }
        const here = where ? `${where}.${key}` : key;
        const value = isObject(event) ? event[key] : undefined;
        if (isObject(p)) {
            if (!matchObject(p, value, here)) return false;
        } else if (Array.isArray(p)) {
            if (p.length === 0) throw new EventPatternError(`${here}: an empty list matches nothing; give at least one matcher`);
            const { present, values } = valuesAt(value);
            const tests = p.map((m) => matcherTest(m, here));
            const ok = present ? tests.some((t) => values.some((v) => t.present(v)) || (values.length === 0 && t.absent)) : tests.some((t) => t.absent);
            if (!ok) return false;
        } else {
            throw new EventPatternError(`${here}: a field's pattern is a list of matchers or an object, not ${JSON.stringify(p)}`);
        }
    }
    return true;
}

/** Checks that a pattern is one EventBridge accepts (throws EventPatternError naming the field otherwise). */
export function checkEventPattern(pattern: unknown): Record<string, unknown> {
    if (!isObject(pattern) || Object.keys(pattern).length === 0) throw new EventPatternError("an event pattern is a non-empty JSON object");
    // Validate every matcher once by matching against an empty event.
    const validate = (p: Record<string, unknown>, where: string): void => {
        for (const [key, v] of Object.entries(p)) {
            const here = where ? `${where}.${key}` : key;
            if (key === "$or" && Array.isArray(v)) v.filter(isObject).forEach((alt) => validate(alt, here));
            else if (isObject(v)) validate(v, here);
            else if (Array.isArray(v)) v.forEach((m) => matcherTest(m, here));
        }
    };
    validate(pattern, "");
    matchObject(pattern, {}, "");
    return pattern;
}

/** Whether an event (`{ source, "detail-type", detail, ... }`) matches a pattern. */
export function eventMatches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
    return matchObject(pattern, event, "");
}
