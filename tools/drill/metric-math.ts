// Metric math for the drill: a parser and an evaluator for the CloudWatch expressions alarms use
// (`IF(invocations > 0, 100 * errors / invocations, 0)`, `SUM([a, b])`, `FILL(m, 0)`, `SUM(METRICS())`).
//
// A time series is a Float64Array with one slot per alarm period and NaN where there is no datapoint,
// so missing data flows through arithmetic the way CloudWatch's does without a separate mask:
// - a binary operator on two time series has a datapoint only where both have one (NaN op x is NaN);
// - a division by zero, or any result that is not a finite number, is no datapoint;
// - SUM/AVG/MIN/MAX over an array of series work per timestamp over the series that have a datapoint
//   there (none: no datapoint), so `SUM([throttledgetitem, throttledputitem])` is the throttled
//   operations' total even when only one of them reported;
// - FILL(m, value) and FILL(m, REPEAT) supply values where m has none.
// Every construct here is pointwise or looks only backwards in time, so evaluating a whole drill's
// timeline at once gives the same datapoints CloudWatch would compute minute by minute. That is why
// FILL(m, LINEAR) is refused: it interpolates towards a datapoint that has not arrived yet.

/** Thrown for an expression that does not parse or cannot be evaluated; the message names the expression. */
export class MetricMathError extends Error {
    constructor(
        readonly expression: string,
        detail: string,
    ) {
        super(`metric math "${expression}": ${detail}`);
        this.name = "MetricMathError";
    }
}

export type MathNode =
    | { kind: "number"; value: number }
    | { kind: "string"; value: string }
    | { kind: "id"; name: string }
    | { kind: "list"; items: MathNode[] }
    | { kind: "unary"; op: "-" | "+" | "NOT"; operand: MathNode }
    | { kind: "binary"; op: BinaryOp; left: MathNode; right: MathNode }
    | { kind: "call"; name: string; args: MathNode[] };

type BinaryOp = "+" | "-" | "*" | "/" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "AND" | "OR";

/** What an expression evaluates to: a number, one time series, or an array of them (METRICS(), `[a, b]`). */
export type MathValue = { kind: "scalar"; value: number } | { kind: "series"; values: Float64Array } | { kind: "array"; items: Float64Array[] };

/** The functions the drill evaluates, for parsing and for the error that lists what is allowed. */
export const MATH_FUNCTIONS = ["ABS", "AVG", "CEIL", "FILL", "FLOOR", "IF", "MAX", "METRICS", "MIN", "SUM"] as const;

/** Functions CloudWatch has that the drill refuses on purpose, with the reason (better than "unknown"). */
const REFUSED: Record<string, string> = {
    SEARCH: "SEARCH finds metrics at run time by a query the drill cannot resolve offline; alarm on named metrics",
    ANOMALY_DETECTION_BAND: "anomaly detection bands need a trained model the drill does not have",
    INSIGHT_RULE_METRIC: "Contributor Insights rules are not modelled",
};

interface Token {
    kind: "number" | "string" | "word" | "op" | "end";
    text: string;
    pos: number;
}

function tokenize(expression: string): Token[] {
    const tokens: Token[] = [];
    const fail = (pos: number, what: string): never => {
        throw new MetricMathError(expression, `${what} at position ${pos + 1}`);
    };
    let i = 0;
    while (i < expression.length) {
        const c = expression[i];
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        const number = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(expression.slice(i));
        if (number) {
            tokens.push({ kind: "number", text: number[0], pos: i });
            i += number[0].length;
            continue;
        }
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(i));
        if (word) {
            tokens.push({ kind: "word", text: word[0], pos: i });
            i += word[0].length;
            continue;
        }
        if (c === '"' || c === "'") {
            const end = expression.indexOf(c, i + 1);
            if (end < 0) {
                fail(i, "unterminated string");
            }
            tokens.push({ kind: "string", text: expression.slice(i + 1, end), pos: i });
            i = end + 1;
            continue;
        }
        const two = expression.slice(i, i + 2);
        if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
            tokens.push({ kind: "op", text: two, pos: i });
            i += 2;
            continue;
        }
        if ("+-*/^()[],<>!".includes(c)) {
            tokens.push({ kind: "op", text: c, pos: i });
            i++;
            continue;
        }
        fail(i, `unexpected character "${c}"`);
    }
    tokens.push({ kind: "end", text: "", pos: expression.length });
    return tokens;
}

/**
 * Parses a metric math expression. Precedence, loosest first: OR (`||`), AND (`&&`), NOT (`!`),
 * comparisons (`== != < <= > >=`), `+ -`, `* /`, unary minus, `^` (right-associative).
 */
export function parseExpression(expression: string): MathNode {
    const tokens = tokenize(expression);
    let at = 0;
    const peek = () => tokens[at];
    const fail = (t: Token, what: string): never => {
        throw new MetricMathError(expression, `${what} at position ${t.pos + 1}`);
    };
    const isOp = (t: Token, ...ops: string[]) => t.kind === "op" && ops.includes(t.text);
    const isWord = (t: Token, word: string) => t.kind === "word" && t.text === word;
    const expect = (op: string) => {
        const t = tokens[at];
        if (!isOp(t, op)) {
            fail(t, t.kind === "end" ? `expected "${op}" but the expression ended` : `expected "${op}" but found "${t.text}"`);
        }
        at++;
    };

    const orExpr = (): MathNode => {
        let left = andExpr();
        while (isOp(peek(), "||") || isWord(peek(), "OR")) {
            at++;
            left = { kind: "binary", op: "OR", left, right: andExpr() };
        }
        return left;
    };
    const andExpr = (): MathNode => {
        let left = notExpr();
        while (isOp(peek(), "&&") || isWord(peek(), "AND")) {
            at++;
            left = { kind: "binary", op: "AND", left, right: notExpr() };
        }
        return left;
    };
    const notExpr = (): MathNode => {
        if (isOp(peek(), "!") || isWord(peek(), "NOT")) {
            at++;
            return { kind: "unary", op: "NOT", operand: notExpr() };
        }
        return comparison();
    };
    const comparison = (): MathNode => {
        let left = additive();
        while (isOp(peek(), "==", "!=", "<", "<=", ">", ">=")) {
            const op = tokens[at++].text as BinaryOp;
            left = { kind: "binary", op, left, right: additive() };
        }
        return left;
    };
    const additive = (): MathNode => {
        let left = multiplicative();
        while (isOp(peek(), "+", "-")) {
            const op = tokens[at++].text as BinaryOp;
            left = { kind: "binary", op, left, right: multiplicative() };
        }
        return left;
    };
    const multiplicative = (): MathNode => {
        let left = unary();
        while (isOp(peek(), "*", "/")) {
            const op = tokens[at++].text as BinaryOp;
            left = { kind: "binary", op, left, right: unary() };
        }
        return left;
    };
    const unary = (): MathNode => {
        if (isOp(peek(), "-", "+")) {
            const op = tokens[at++].text as "-" | "+";
            return { kind: "unary", op, operand: unary() };
        }
        return power();
    };
    const power = (): MathNode => {
        const base = primary();
        if (isOp(peek(), "^")) {
            at++;
            // Right-associative, and binds tighter than a unary minus on its left: -2^2 is -4.
            return { kind: "binary", op: "^", left: base, right: unary() };
        }
        return base;
    };
    const args = (close: string): MathNode[] => {
        const items: MathNode[] = [];
        if (isOp(peek(), close)) {
            at++;
            return items;
        }
        for (;;) {
            items.push(orExpr());
            if (isOp(peek(), ",")) {
                at++;
                continue;
            }
            expect(close);
            return items;
        }
    };
    const primary = (): MathNode => {
        const t = tokens[at];
        if (t.kind === "number") {
            at++;
            return { kind: "number", value: Number(t.text) };
        }
        if (t.kind === "string") {
            at++;
            return { kind: "string", value: t.text };
        }
        if (t.kind === "word") {
            at++;
            if (isOp(peek(), "(")) {
                at++;
                return { kind: "call", name: t.text.toUpperCase(), args: args(")") };
            }
            return { kind: "id", name: t.text };
        }
        if (isOp(t, "(")) {
            at++;
            const inner = orExpr();
            expect(")");
            return inner;
        }
        if (isOp(t, "[")) {
            at++;
            return { kind: "list", items: args("]") };
        }
        return fail(t, t.kind === "end" ? "the expression ended where a value was expected" : `unexpected "${t.text}"`);
    };

    const node = orExpr();
    if (peek().kind !== "end") {
        fail(peek(), `unexpected "${peek().text}" after a complete expression`);
    }
    checkFunctions(expression, node);
    return node;
}

/** Refuses unknown functions at parse time, so a typo fails before any data is looked at. */
function checkFunctions(expression: string, node: MathNode): void {
    if (node.kind === "call") {
        if (REFUSED[node.name]) {
            throw new MetricMathError(expression, `${node.name} is not supported: ${REFUSED[node.name]}`);
        }
        if (!(MATH_FUNCTIONS as readonly string[]).includes(node.name)) {
            throw new MetricMathError(expression, `unknown function ${node.name}; the drill evaluates ${MATH_FUNCTIONS.join(", ")}`);
        }
    }
    const children = node.kind === "call" || node.kind === "list" ? (node.kind === "call" ? node.args : node.items) : [];
    for (const child of children) {
        checkFunctions(expression, child);
    }
    if (node.kind === "unary") {
        checkFunctions(expression, node.operand);
    } else if (node.kind === "binary") {
        checkFunctions(expression, node.left);
        checkFunctions(expression, node.right);
    }
}

/** Ids an expression names (FILL's REPEAT/LINEAR keywords excluded), for dependency order and checks. */
export function referencedIds(node: MathNode): string[] {
    const out = new Set<string>();
    const walk = (n: MathNode, fillMode: boolean): void => {
        switch (n.kind) {
            case "id":
                if (!(fillMode && (n.name === "REPEAT" || n.name === "LINEAR"))) {
                    out.add(n.name);
                }
                return;
            case "list":
                n.items.forEach((c) => walk(c, false));
                return;
            case "unary":
                walk(n.operand, false);
                return;
            case "binary":
                walk(n.left, false);
                walk(n.right, false);
                return;
            case "call":
                n.args.forEach((c, i) => walk(c, n.name === "FILL" && i === 1));
                return;
            default:
                return;
        }
    };
    walk(node, false);
    return [...out];
}

/** Where an expression's ids come from. */
export interface MathEnv {
    /** Periods in every series. */
    length: number;
    /** The series of a query id (a metric, or another expression evaluated on demand); undefined if no query has it. */
    lookup(id: string): Float64Array | undefined;
    /** Ids of the metric queries (not expressions), in order: what METRICS() returns. */
    metricIds: readonly string[];
    /** Every query id, for the error naming what an unknown id could have been. */
    knownIds: readonly string[];
}

const parsed = new Map<string, MathNode>();

/** Parses once per distinct expression: a drill evaluates the same alarms for every scenario. */
export function parseCached(expression: string): MathNode {
    let node = parsed.get(expression);
    if (!node) {
        node = parseExpression(expression);
        parsed.set(expression, node);
    }
    return node;
}

/** Evaluates an expression to a number, a series or an array of series. */
export function evaluateMath(expression: string, env: MathEnv): MathValue {
    return new Evaluation(expression, env).value(parseCached(expression));
}

/** Evaluates an expression an alarm watches: it must give exactly one time series. */
export function evaluateToSeries(expression: string, env: MathEnv): Float64Array {
    const result = evaluateMath(expression, env);
    if (result.kind === "series") {
        return result.values;
    }
    if (result.kind === "array" && result.items.length === 1) {
        return result.items[0];
    }
    const what = result.kind === "scalar" ? `a number (${result.value})` : `${result.items.length} time series`;
    throw new MetricMathError(expression, `gives ${what}; an alarm needs exactly one time series`);
}

/** A datapoint, or NaN for none: non-finite results (x/0, overflow) are no datapoint, as in CloudWatch. */
function point(v: number): number {
    return Number.isFinite(v) ? v : NaN;
}

type ArrayValue = MathValue & { kind: "array" };

/** A number or a series at period i (arrays are handled by their callers). */
function valueAt(v: MathValue, i: number): number {
    return v.kind === "scalar" ? v.value : v.kind === "series" ? v.values[i] : NaN;
}

/** NOT: 1 where the operand is zero (false), 0 elsewhere; no datapoint stays none. */
function negate(v: number): number {
    return Number.isNaN(v) ? NaN : v === 0 ? 1 : 0;
}

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
    "+": (a, b) => a + b,
    "-": (a, b) => a - b,
    "*": (a, b) => a * b,
    // x/0 is Infinity or NaN in JavaScript, and no datapoint after point().
    "/": (a, b) => a / b,
    "^": (a, b) => Math.pow(a, b),
    "==": (a, b) => (a === b ? 1 : 0),
    "!=": (a, b) => (a !== b ? 1 : 0),
    "<": (a, b) => (a < b ? 1 : 0),
    "<=": (a, b) => (a <= b ? 1 : 0),
    ">": (a, b) => (a > b ? 1 : 0),
    ">=": (a, b) => (a >= b ? 1 : 0),
    AND: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
    OR: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};

class Evaluation {
    constructor(
        private readonly expression: string,
        private readonly env: MathEnv,
    ) {}

    private fail(detail: string): never {
        throw new MetricMathError(this.expression, detail);
    }

    value(node: MathNode): MathValue {
        switch (node.kind) {
            case "number":
                return { kind: "scalar", value: node.value };
            case "string":
                return this.fail(`a string ("${node.value}") is only allowed as the argument of METRICS()`);
            case "id":
                return { kind: "series", values: this.id(node.name) };
            case "list":
                return { kind: "array", items: node.items.flatMap((item) => this.seriesList(item, "an array element")) };
            case "unary":
                if (node.op === "+") {
                    return this.value(node.operand);
                }
                return this.map(this.value(node.operand), node.op === "-" ? (v) => -v : negate);
            case "binary":
                return this.binary(node.op, this.value(node.left), this.value(node.right));
            case "call":
                return this.call(node);
        }
    }

    private id(name: string): Float64Array {
        if (name === "REPEAT" || name === "LINEAR") {
            this.fail(`${name} is only allowed as the second argument of FILL()`);
        }
        const series = this.env.lookup(name);
        if (!series) {
            const known = this.env.knownIds.length ? this.env.knownIds.join(", ") : "none";
            this.fail(`unknown id "${name}"; the alarm's query ids are: ${known}`);
        }
        return series;
    }

    private seriesList(node: MathNode, where: string): Float64Array[] {
        const v = this.value(node);
        if (v.kind === "scalar") {
            this.fail(`${where} must be a time series, not the number ${v.value}`);
        }
        return v.kind === "series" ? [v.values] : v.items;
    }

    private map(v: MathValue, fn: (x: number) => number): MathValue {
        if (v.kind === "scalar") {
            return { kind: "scalar", value: fn(v.value) };
        }
        const one = (s: Float64Array) => s.map((x) => point(fn(x)));
        return v.kind === "series" ? { kind: "series", values: one(v.values) } : { kind: "array", items: v.items.map(one) };
    }

    private binary(op: BinaryOp, a: MathValue, b: MathValue): MathValue {
        const fn = BINARY[op];
        const n = this.env.length;
        // NaN on either side is no datapoint on the result: CloudWatch drops the timestamp.
        const apply = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : point(fn(x, y)));
        if (a.kind === "scalar" && b.kind === "scalar") {
            return { kind: "scalar", value: apply(a.value, b.value) };
        }
        if (a.kind === "array" || b.kind === "array") {
            if (a.kind === "array" && b.kind === "array") {
                this.fail(`"${op}" between two arrays of time series is not defined; reduce one with SUM/AVG/MIN/MAX first`);
            }
            // An array with a number or a series applies the operator to each of its series.
            const arrayLeft = a.kind === "array";
            const items = (arrayLeft ? (a as ArrayValue) : (b as ArrayValue)).items;
            const other = arrayLeft ? b : a;
            return {
                kind: "array",
                items: items.map((s) => s.map((x, i) => (arrayLeft ? apply(x, valueAt(other, i)) : apply(valueAt(other, i), x)))),
            };
        }
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
            out[i] = apply(valueAt(a, i), valueAt(b, i));
        }
        return { kind: "series", values: out };
    }

    private arity(node: MathNode & { kind: "call" }, min: number, max: number): void {
        if (node.args.length < min || node.args.length > max) {
            const want = min === max ? `${min}` : `${min} to ${max}`;
            this.fail(`${node.name} takes ${want} argument${max === 1 ? "" : "s"}, got ${node.args.length}`);
        }
    }

    private call(node: MathNode & { kind: "call" }): MathValue {
        switch (node.name) {
            case "METRICS":
                return this.metrics(node);
            case "SUM":
            case "AVG":
            case "MIN":
            case "MAX":
                return this.reduce(node);
            case "IF":
                return this.ifThen(node);
            case "FILL":
                return this.fill(node);
            case "ABS":
            case "CEIL":
            case "FLOOR": {
                this.arity(node, 1, 1);
                const fn = node.name === "ABS" ? Math.abs : node.name === "CEIL" ? Math.ceil : Math.floor;
                return this.map(this.value(node.args[0]), fn);
            }
            default:
                // parseExpression refused it already; kept for expressions built by hand.
                return this.fail(`unknown function ${node.name}; the drill evaluates ${MATH_FUNCTIONS.join(", ")}`);
        }
    }

    /** METRICS() is every metric query (expressions are not included, as in CloudWatch); METRICS("x") those whose id contains x. */
    private metrics(node: MathNode & { kind: "call" }): MathValue {
        this.arity(node, 0, 1);
        let filter = "";
        if (node.args.length === 1) {
            const arg = node.args[0];
            if (arg.kind !== "string") {
                this.fail(`METRICS() takes a string such as METRICS("errors")`);
            }
            filter = arg.value;
        }
        const ids = this.env.metricIds.filter((id) => id.includes(filter));
        if (ids.length === 0) {
            this.fail(
                filter
                    ? `METRICS("${filter}") matches no metric query id (ids: ${this.env.metricIds.join(", ") || "none"})`
                    : "METRICS() but the alarm has no metric query",
            );
        }
        return { kind: "array", items: ids.map((id) => this.id(id)) };
    }

    /** SUM/AVG/MIN/MAX of an array: per timestamp, over the series with a datapoint there. */
    private reduce(node: MathNode & { kind: "call" }): MathValue {
        this.arity(node, 1, 1);
        const v = this.value(node.args[0]);
        if (v.kind !== "array") {
            // Over one series CloudWatch returns a single number for the whole time range, which an
            // alarm cannot evaluate period by period; an array of one series is fine.
            this.fail(
                `${node.name} of ${v.kind === "scalar" ? "a number" : "one time series"} gives one number for the whole time range; give it an array, e.g. ${node.name}([a, b]) or ${node.name}(METRICS())`,
            );
        }
        const n = this.env.length;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
            let count = 0;
            let acc = node.name === "MIN" ? Infinity : node.name === "MAX" ? -Infinity : 0;
            for (const s of v.items) {
                const x = s[i];
                if (Number.isNaN(x)) {
                    continue;
                }
                count++;
                acc = node.name === "MIN" ? Math.min(acc, x) : node.name === "MAX" ? Math.max(acc, x) : acc + x;
            }
            out[i] = count === 0 ? NaN : point(node.name === "AVG" ? acc / count : acc);
        }
        return { kind: "series", values: out };
    }

    /** IF(c, a, b): per timestamp of c, a where c is non-zero, else b; with no b, no datapoint where c is zero. */
    private ifThen(node: MathNode & { kind: "call" }): MathValue {
        this.arity(node, 2, 3);
        const [c, a, b] = node.args.map((arg) => this.value(arg));
        for (const v of [c, a, b]) {
            if (v && v.kind === "array") {
                this.fail("IF works on single time series and numbers, not arrays");
            }
        }
        const at = (v: MathValue | undefined, i: number): number => (v === undefined ? NaN : valueAt(v, i));
        if (c.kind === "scalar" && a.kind === "scalar" && (b === undefined || b.kind === "scalar")) {
            return { kind: "scalar", value: c.value !== 0 ? a.value : b ? at(b, 0) : NaN };
        }
        const n = this.env.length;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
            const cond = at(c, i);
            out[i] = Number.isNaN(cond) ? NaN : point(cond !== 0 ? at(a, i) : at(b, i));
        }
        return { kind: "series", values: out };
    }

    /** FILL(m, value | series | REPEAT): values where m has no datapoint. */
    private fill(node: MathNode & { kind: "call" }): MathValue {
        this.arity(node, 2, 2);
        const target = this.value(node.args[0]);
        if (target.kind === "scalar") {
            this.fail("FILL's first argument must be a time series or an array of them");
        }
        const how = node.args[1];
        let filler: (s: Float64Array) => Float64Array;
        if (how.kind === "id" && how.name === "LINEAR") {
            this.fail(
                "FILL(m, LINEAR) is not supported: it interpolates towards a datapoint that arrives later, which an alarm evaluated minute by minute does not have yet; use a value or REPEAT",
            );
        } else if (how.kind === "id" && how.name === "REPEAT") {
            // The most recent earlier datapoint; before the first one there is nothing to repeat.
            filler = (s) => {
                const out = new Float64Array(s);
                let last = NaN;
                for (let i = 0; i < out.length; i++) {
                    if (Number.isNaN(out[i])) {
                        out[i] = last;
                    } else {
                        last = out[i];
                    }
                }
                return out;
            };
        } else {
            const v = this.value(how);
            if (v.kind === "array") {
                this.fail("FILL's second argument must be a number, a time series, REPEAT or LINEAR");
            }
            filler = (s) => s.map((x, i) => (Number.isNaN(x) ? (v.kind === "scalar" ? v.value : v.values[i]) : x));
        }
        return target.kind === "series" ? { kind: "series", values: filler(target.values) } : { kind: "array", items: target.items.map(filler) };
    }
}
