import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
    evaluateMath,
    evaluateToSeries,
    MATH_FUNCTIONS,
    MetricMathError,
    parseExpression,
    referencedIds,
    type MathEnv,
    type MathValue,
} from "../../tools/drill/metric-math";

const N = NaN;

/** An environment over named series (metric queries unless listed in `expressions`). */
function env(series: Record<string, number[]>, expressions: string[] = []): MathEnv {
    const ids = Object.keys(series);
    const length = ids.length ? series[ids[0]].length : 3;
    return {
        length,
        lookup: (id) => (series[id] ? Float64Array.from(series[id]) : undefined),
        metricIds: ids.filter((id) => !expressions.includes(id)),
        knownIds: ids,
    };
}

/** Series values with NaN shown as null, so deepEqual can compare missing datapoints. */
function shown(v: MathValue): unknown {
    const one = (s: Float64Array) => [...s].map((x) => (Number.isNaN(x) ? null : x));
    return v.kind === "scalar" ? v.value : v.kind === "series" ? one(v.values) : v.items.map(one);
}

function run(expression: string, series: Record<string, number[]> = {}, expressions: string[] = []): unknown {
    return shown(evaluateMath(expression, env(series, expressions)));
}

describe("drill metric math", function () {
    describe("arithmetic", function () {
        it("gives * and / precedence over + and -, left to right", function () {
            assert.equal(run("1 + 2 * 3"), 7);
            assert.equal(run("10 - 4 - 3"), 3);
            assert.equal(run("12 / 3 / 2"), 2);
            assert.equal(run("2 * 3 + 4 * 5"), 26);
        });
        it("groups with parentheses", function () {
            assert.equal(run("(1 + 2) * 3"), 9);
            assert.equal(run("((2))"), 2);
        });
        it("has unary minus and plus, and a right-associative ^ tighter than unary minus", function () {
            assert.equal(run("-3 + 5"), 2);
            assert.equal(run("2 * -3"), -6);
            assert.equal(run("--4"), 4);
            assert.equal(run("+4"), 4);
            assert.equal(run("2 ^ 3 ^ 2"), 512);
            assert.equal(run("-2 ^ 2"), -4);
        });
        it("reads decimals and exponents", function () {
            assert.equal(run("0.5 + .25 + 1e2 + 2.5E-1"), 101);
        });
        it("works per datapoint on series, with no datapoint where an operand has none", function () {
            assert.deepEqual(run("a + b", { a: [1, 2, N, 4], b: [10, N, 30, 40] }), [11, null, null, 44]);
            assert.deepEqual(run("100 * a / b", { a: [1, 2, 3], b: [4, 0, 10] }), [25, null, 30]);
            assert.deepEqual(run("-a", { a: [1, N, -3] }), [-1, null, 3]);
        });
        it("gives no datapoint for a division by zero, 0/0 included", function () {
            assert.deepEqual(run("a / b", { a: [1, 0, -1], b: [0, 0, 0] }), [null, null, null]);
            assert.ok(Number.isNaN(run("1 / 0") as number));
        });
    });

    describe("comparisons and logic", function () {
        it("compare per datapoint to 1 or 0", function () {
            const a = { a: [1, 2, 3, N] };
            assert.deepEqual(run("a > 2", a), [0, 0, 1, null]);
            assert.deepEqual(run("a >= 2", a), [0, 1, 1, null]);
            assert.deepEqual(run("a < 2", a), [1, 0, 0, null]);
            assert.deepEqual(run("a <= 2", a), [1, 1, 0, null]);
            assert.deepEqual(run("a == 2", a), [0, 1, 0, null]);
            assert.deepEqual(run("a != 2", a), [1, 0, 1, null]);
        });
        it("bind looser than arithmetic", function () {
            assert.equal(run("1 + 1 == 2"), 1);
            assert.equal(run("2 * 3 > 5"), 1);
        });
        it("have AND / &&, OR / ||, NOT / !, NOT tightest and OR loosest", function () {
            assert.equal(run("1 AND 0 OR 1"), 1);
            assert.equal(run("1 && 0 || 0"), 0);
            assert.equal(run("NOT 0 AND 1"), 1);
            assert.equal(run("!1 || 1"), 1);
            assert.equal(run("NOT (1 > 2)"), 1);
            assert.deepEqual(run("a > 0 AND b > 0", { a: [1, 1, 0, N], b: [1, 0, 1, 1] }), [1, 0, 0, null]);
        });
    });

    describe("functions", function () {
        it("SUM([a, b]) adds per timestamp over the series that have a datapoint there", function () {
            assert.deepEqual(run("SUM([a, b])", { a: [1, N, 3, N], b: [10, 20, N, N] }), [11, 20, 3, null]);
        });
        it("SUM(METRICS()) sums every metric query, not the expressions", function () {
            assert.deepEqual(run("SUM(METRICS())", { a: [1, 2], b: [10, 20], e: [100, 100] }, ["e"]), [11, 22]);
        });
        it('METRICS("x") keeps the metric queries whose id contains x', function () {
            assert.deepEqual(run('METRICS("errors")', { errorsget: [1, 2], errorsput: [3, 4], calls: [9, 9] }), [
                [1, 2],
                [3, 4],
            ]);
            assert.deepEqual(run("SUM(METRICS('put'))", { errorsget: [1, 2], errorsput: [3, 4] }), [3, 4]);
        });
        it("AVG, MIN and MAX work over arrays per timestamp", function () {
            const s = { a: [1, 5, N], b: [3, N, N] };
            assert.deepEqual(run("AVG([a, b])", s), [2, 5, null]);
            assert.deepEqual(run("MIN([a, b])", s), [1, 5, null]);
            assert.deepEqual(run("MAX(METRICS())", s), [3, 5, null]);
        });
        it("applies an operator with a number to each series of an array", function () {
            assert.deepEqual(run("METRICS() * 2", { a: [1, N], b: [3, 4] }), [
                [2, null],
                [6, 8],
            ]);
        });
        it("IF(c, a, b) picks per datapoint of c, and IF(c, a) drops the datapoints where c is false", function () {
            const s = { c: [1, 0, N, 2], a: [10, 20, 30, 40], b: [-1, -2, -3, -4] };
            assert.deepEqual(run("IF(c, a, b)", s), [10, -2, null, 40]);
            assert.deepEqual(run("IF(c, a)", s), [10, null, null, 40]);
            assert.deepEqual(run("IF(c > 1, 1, 0)", s), [0, 0, null, 1]);
            assert.equal(run("IF(1, 2, 3)"), 2);
        });
        it("FILL(m, value) fills the missing datapoints with a number or another series", function () {
            assert.deepEqual(run("FILL(a, 0)", { a: [N, 2, N] }), [0, 2, 0]);
            assert.deepEqual(run("FILL(a, b)", { a: [N, 2, N], b: [7, 8, N] }), [7, 2, null]);
            assert.deepEqual(run("FILL(METRICS(), 1)", { a: [N, 2], b: [3, N] }), [
                [1, 2],
                [3, 1],
            ]);
        });
        it("FILL(m, REPEAT) repeats the last datapoint, and leaves the time before the first one empty", function () {
            assert.deepEqual(run("FILL(a, REPEAT)", { a: [N, 2, N, N, 5, N] }), [null, 2, 2, 2, 5, 5]);
        });
        it("ABS, CEIL and FLOOR work per datapoint", function () {
            assert.deepEqual(run("ABS(a)", { a: [-1.5, N, 2] }), [1.5, null, 2]);
            assert.deepEqual(run("CEIL(a)", { a: [-1.5, N, 2.1] }), [-1, null, 3]);
            assert.deepEqual(run("FLOOR(a)", { a: [-1.5, N, 2.1] }), [-2, null, 2]);
        });
        it("accepts function names in any case", function () {
            assert.deepEqual(run("sum([a])", { a: [1, 2] }), [1, 2]);
        });
    });

    describe("errors name the expression and what is allowed", function () {
        const fails = (expression: string, pattern: RegExp, series: Record<string, number[]> = { a: [1] }) =>
            assert.throws(
                () => evaluateMath(expression, env(series)),
                (e: Error) => e instanceof MetricMathError && e.message.startsWith(`metric math "${expression}": `) && pattern.test(e.message),
            );
        it("an unknown function", function () {
            fails("RATE(a)", new RegExp(`unknown function RATE; the drill evaluates ${MATH_FUNCTIONS.join(", ")}`));
        });
        it("an unknown id, with the ids the alarm has", function () {
            fails("a / requests", /unknown id "requests"; the alarm's query ids are: a/);
        });
        it("SEARCH, ANOMALY_DETECTION_BAND and FILL(m, LINEAR), with why", function () {
            fails("SEARCH('{AWS/Lambda} Errors', 'Sum', 60)", /SEARCH is not supported: .*offline/);
            fails("ANOMALY_DETECTION_BAND(a, 2)", /anomaly detection bands/);
            fails("FILL(a, LINEAR)", /FILL\(m, LINEAR\) is not supported: it interpolates towards a datapoint that arrives later/);
            fails("REPEAT + 1", /REPEAT is only allowed as the second argument of FILL/);
        });
        it("SUM, AVG, MIN, MAX of one series (a single number over the whole range)", function () {
            fails("SUM(a)", /SUM of one time series gives one number for the whole time range; give it an array/);
            fails("MAX(a + 1)", /MAX of one time series/);
        });
        it("wrong arity, and a string outside METRICS()", function () {
            fails("IF(a)", /IF takes 2 to 3 arguments, got 1/);
            fails("FILL(a)", /FILL takes 2 arguments, got 1/);
            fails('a + "x"', /a string \("x"\) is only allowed as the argument of METRICS\(\)/);
            fails('METRICS("zzz")', /METRICS\("zzz"\) matches no metric query id \(ids: a\)/);
        });
        it("syntax errors, with the position", function () {
            assert.throws(() => parseExpression("a +"), /metric math "a \+": the expression ended where a value was expected at position 4/);
            assert.throws(() => parseExpression("(a + 1"), /expected "\)" but the expression ended/);
            assert.throws(() => parseExpression("a b"), /unexpected "b" after a complete expression at position 3/);
            assert.throws(() => parseExpression("a # 2"), /unexpected character "#" at position 3/);
            assert.throws(() => parseExpression("METRICS('x)"), /unterminated string/);
        });
        it("an alarm expression that is not exactly one time series", function () {
            assert.throws(() => evaluateToSeries("1 + 1", env({ a: [1] })), /gives a number \(2\); an alarm needs exactly one time series/);
            assert.throws(() => evaluateToSeries("METRICS()", env({ a: [1], b: [2] })), /gives 2 time series/);
            assert.deepEqual([...evaluateToSeries("METRICS()", env({ a: [1] }))], [1]);
        });
    });

    describe("referencedIds", function () {
        it("lists the ids an expression names, without FILL's keywords", function () {
            assert.deepEqual(referencedIds(parseExpression("IF(c > 0, 100 * x / c, FILL(y, REPEAT))")).sort(), ["c", "x", "y"]);
        });
    });

    describe("the platform's own expressions", function () {
        const root = path.join(__dirname, "..", "..");
        const components = path.join(root, "components");
        // Every expression written as a literal in a component, plus the DynamoDB SUM that data-store.ts
        // builds from its OPERATIONS list (sumOf(perOperation(...))), so a new expression is checked too.
        const literals: string[] = [];
        for (const file of readdirSync(components).filter((f) => f.endsWith(".ts"))) {
            const source = readFileSync(path.join(components, file), "utf8");
            for (const m of source.matchAll(/expression:\s*"([^"]+)"/g)) {
                literals.push(m[1]);
            }
        }
        const dataStore = readFileSync(path.join(components, "data-store.ts"), "utf8");
        const operations = /const OPERATIONS = \[([^\]]+)\]/.exec(dataStore);
        const dashboards = ["IF(c > 0, 100 * x / c, 0)", "attempts - successes"];

        it("finds the alarm expressions in components/", function () {
            // The error-rate alarms of function.ts; other components' literals are checked below as they come.
            assert.ok(literals.includes("IF(invocations > 0, 100 * errors / invocations, 0)"), literals.join(" | "));
            assert.ok(literals.includes("IF(requests > 0, 100 * failures / requests, 0)"), literals.join(" | "));
            assert.ok(operations, "data-store.ts no longer has `const OPERATIONS = [...]`: update this spec to its new shape");
            assert.match(dataStore, /`SUM\(\[\$\{Object\.keys\(metrics\)\.join\(", "\)\}\]\)`/);
        });

        for (const expression of [...new Set([...literals, ...dashboards])]) {
            it(`parses and evaluates ${expression}`, function () {
                const ids = referencedIds(parseExpression(expression));
                // Two metric queries besides the ids it names, for METRICS().
                const series = Object.fromEntries([...ids, "metric1", "metric2"].map((id, i) => [id, [0, 10 * (i + 1), N, 5]]));
                const values = evaluateToSeries(expression, env(series));
                assert.equal(values.length, 4);
            });
        }

        it("evaluates the function error rate: 0 without invocations, the rate otherwise, none without data", function () {
            const s = { errors: [0, 3, 5, N], invocations: [0, 100, 20, 10] };
            assert.deepEqual(run("IF(invocations > 0, 100 * errors / invocations, 0)", s), [0, 3, 25, null]);
        });

        it("evaluates the DynamoDB throttles and system errors sums over every operation", function () {
            const ops = (operations?.[1] ?? "")
                .split(",")
                .map((s) => s.trim().replace(/"/g, ""))
                .filter(Boolean);
            assert.ok(ops.length >= 3, `operations: ${ops.join(", ")}`);
            for (const metricName of ["ThrottledRequests", "SystemErrors"]) {
                const ids = ops.map((op) => `${metricName.toLowerCase()}${op.toLowerCase()}`);
                const expression = `SUM([${ids.join(", ")}])`;
                // Only one operation throttles: the sum is its count, not no data.
                const series = Object.fromEntries(ids.map((id, i) => [id, i === 1 ? [4, 0] : [N, N]]));
                assert.deepEqual(run(expression, series), [4, 0]);
            }
        });
    });
});
