// Composite alarm rules, as PutCompositeAlarm's AlarmRule writes them:
// `ALARM("api-5xx") OR (ALARM(db-errors) AND NOT OK("arn:aws:cloudwatch:eu-west-1:123:alarm:deploy"))`.
// Functions ALARM, OK and INSUFFICIENT_DATA are TRUE when the named alarm is in that state; TRUE and
// FALSE are constants; NOT binds tightest, then AND, then OR; parentheses group. A name may be quoted
// ("..." or '...') or bare, and may be an alarm ARN, matched by the alarm name after `:alarm:`.
// Keywords are accepted in any case so a hand-written rule is not refused over `and`.

import type { AlarmState } from "./types";

/** Thrown for a rule that does not parse; the message names the rule and where it went wrong. */
export class AlarmRuleError extends Error {
    constructor(
        readonly rule: string,
        detail: string,
    ) {
        super(`alarm rule "${rule}": ${detail}`);
        this.name = "AlarmRuleError";
    }
}

export type RuleNode =
    | { kind: "const"; value: boolean }
    | { kind: "state"; state: AlarmState; alarm: string }
    | { kind: "not"; operand: RuleNode }
    | { kind: "and" | "or"; left: RuleNode; right: RuleNode };

const STATE_FUNCTIONS: Record<string, AlarmState> = { ALARM: "ALARM", OK: "OK", INSUFFICIENT_DATA: "INSUFFICIENT_DATA" };

/** The alarm name a rule's reference means: the name itself, or the part after `:alarm:` of an alarm ARN. */
export function alarmNameOf(reference: string): string {
    const m = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(reference);
    return m ? m[1] : reference;
}

interface Token {
    kind: "word" | "name" | "(" | ")" | "end";
    text: string;
    pos: number;
}

export function parseAlarmRule(rule: string): RuleNode {
    const fail = (pos: number, what: string): never => {
        throw new AlarmRuleError(rule, `${what} at position ${pos + 1}`);
    };
    let i = 0;
    const skip = () => {
        while (i < rule.length && /\s/.test(rule[i])) {
            i++;
        }
    };
    // The lexer is driven by the parser because a bare alarm name inside ALARM(...) may hold any
    // character but ")" (alarm names allow spaces, dots, slashes), unlike the rest of the rule.
    const next = (): Token => {
        skip();
        if (i >= rule.length) {
            return { kind: "end", text: "", pos: i };
        }
        const c = rule[i];
        if (c === "(" || c === ")") {
            i++;
            return { kind: c, text: c, pos: i - 1 };
        }
        const word = /^[A-Za-z_]+/.exec(rule.slice(i));
        if (word) {
            i += word[0].length;
            return { kind: "word", text: word[0].toUpperCase(), pos: i - word[0].length };
        }
        return fail(i, `unexpected "${c}"`);
    };
    const alarmRef = (fn: string): string => {
        skip();
        const start = i;
        let name: string;
        if (rule[i] === '"' || rule[i] === "'") {
            const end = rule.indexOf(rule[i], i + 1);
            if (end < 0) {
                fail(i, "unterminated alarm name");
            }
            name = rule.slice(i + 1, end);
            i = end + 1;
            skip();
        } else {
            const end = rule.indexOf(")", i);
            name = (end < 0 ? rule.slice(i) : rule.slice(i, end)).trim();
            i = end < 0 ? rule.length : end;
        }
        if (rule[i] !== ")") {
            fail(i, `expected ")" to close ${fn}(`);
        }
        i++;
        if (!name) {
            fail(start, `${fn}() needs an alarm name or ARN`);
        }
        return alarmNameOf(name);
    };

    let token = next();
    const advance = () => {
        token = next();
    };
    const orExpr = (): RuleNode => {
        let left = andExpr();
        while (token.kind === "word" && token.text === "OR") {
            advance();
            left = { kind: "or", left, right: andExpr() };
        }
        return left;
    };
    const andExpr = (): RuleNode => {
        let left = notExpr();
        while (token.kind === "word" && token.text === "AND") {
            advance();
            left = { kind: "and", left, right: notExpr() };
        }
        return left;
    };
    const notExpr = (): RuleNode => {
        if (token.kind === "word" && token.text === "NOT") {
            advance();
            return { kind: "not", operand: notExpr() };
        }
        return primary();
    };
    const primary = (): RuleNode => {
        const t = token;
        if (t.kind === "(") {
            advance();
            const inner = orExpr();
            if (token.kind !== ")") {
                fail(token.pos, token.kind === "end" ? 'expected ")" but the rule ended' : `expected ")" but found "${token.text}"`);
            }
            advance();
            return inner;
        }
        if (t.kind === "word" && (t.text === "TRUE" || t.text === "FALSE")) {
            advance();
            return { kind: "const", value: t.text === "TRUE" };
        }
        if (t.kind === "word" && STATE_FUNCTIONS[t.text]) {
            skip();
            if (rule[i] !== "(") {
                fail(i, `expected "(" after ${t.text}`);
            }
            i++;
            const alarm = alarmRef(t.text);
            advance();
            return { kind: "state", state: STATE_FUNCTIONS[t.text], alarm };
        }
        if (t.kind === "end") {
            return fail(t.pos, "the rule ended where a term was expected");
        }
        return fail(t.pos, `unexpected "${t.text}"; a term is ALARM(name), OK(name), INSUFFICIENT_DATA(name), TRUE, FALSE or a parenthesised rule`);
    };

    const node = orExpr();
    if (token.kind !== "end") {
        fail(token.pos, `unexpected "${token.text}" after a complete rule; combine terms with AND, OR, NOT`);
    }
    return node;
}

const parsed = new Map<string, RuleNode>();

/** Parses once per distinct rule: the same composites are evaluated for every scenario. */
export function parseRuleCached(rule: string): RuleNode {
    let node = parsed.get(rule);
    if (!node) {
        node = parseAlarmRule(rule);
        parsed.set(rule, node);
    }
    return node;
}

/** The alarm names a rule refers to, in order of first mention. */
export function ruleAlarmNames(node: RuleNode): string[] {
    const out = new Set<string>();
    const walk = (n: RuleNode): void => {
        if (n.kind === "state") {
            out.add(n.alarm);
        } else if (n.kind === "not") {
            walk(n.operand);
        } else if (n.kind === "and" || n.kind === "or") {
            walk(n.left);
            walk(n.right);
        }
    };
    walk(node);
    return [...out];
}

/** Evaluates a rule on the alarms' current states. */
export function evaluateRule(node: RuleNode, stateOf: (alarm: string) => AlarmState): boolean {
    switch (node.kind) {
        case "const":
            return node.value;
        case "state":
            return stateOf(node.alarm) === node.state;
        case "not":
            return !evaluateRule(node.operand, stateOf);
        case "and":
            return evaluateRule(node.left, stateOf) && evaluateRule(node.right, stateOf);
        case "or":
            return evaluateRule(node.left, stateOf) || evaluateRule(node.right, stateOf);
    }
}
