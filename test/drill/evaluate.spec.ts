import { strict as assert } from "node:assert";
import * as fc from "fast-check";
import { aggregate, AlarmEvaluationError, evaluate, evaluator, minuteValues, nearestRank, parseStatistic, seriesMatches } from "../../tools/drill/evaluate";
import type { AlarmModel, AlarmStateAt, ComparisonOperator, MetricAlarmModel, MetricQuery, MetricSeries, TreatMissingData } from "../../tools/drill/types";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const LAMBDA = { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "platform-dev-api" } };

interface AlarmOptions {
    name?: string;
    stat?: string;
    periodSeconds?: number;
    evaluationPeriods?: number;
    datapointsToAlarm?: number;
    threshold?: number;
    comparisonOperator?: ComparisonOperator;
    treatMissingData?: TreatMissingData;
    queries?: MetricQuery[];
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string> };
}

/** A single-metric alarm as model.ts normalizes one: one metric query with returnData. */
function alarm(o: AlarmOptions = {}): MetricAlarmModel {
    const periodSeconds = o.periodSeconds ?? 60;
    const evaluationPeriods = o.evaluationPeriods ?? 1;
    const name = o.name ?? "a";
    return {
        kind: "metric",
        urn: `urn:pulumi:dev::platform::aws:cloudwatch/metricAlarm:MetricAlarm::${name}`,
        resourceName: name,
        alarmName: name,
        queries: o.queries ?? [{ id: "m1", returnData: true, metric: { ...(o.metric ?? LAMBDA), stat: o.stat ?? "Sum", periodSeconds } }],
        periodSeconds,
        evaluationPeriods,
        datapointsToAlarm: o.datapointsToAlarm ?? evaluationPeriods,
        threshold: o.threshold ?? 1,
        comparisonOperator: o.comparisonOperator ?? "GreaterThanOrEqualToThreshold",
        treatMissingData: o.treatMissingData ?? "missing",
        alarmActions: [],
        okActions: [],
        insufficientDataActions: [],
        actionsEnabled: true,
        tags: {},
    };
}

function series(points: [number, number][], o: Partial<MetricSeries> = {}): MetricSeries {
    return { ...LAMBDA, ...o, points };
}

function changes(alarms: AlarmModel[], data: MetricSeries[], minutes: number, name = "a"): AlarmStateAt[] {
    return evaluate(alarms, data, minutes).get(name) ?? [];
}

/** The value the alarm's single period has, read back from the state change it causes on a `>= -1e9` alarm. */
function periodValue(stat: string, data: MetricSeries[], periodSeconds = 300): number | undefined {
    const a = alarm({ stat, periodSeconds, threshold: -1e9 });
    const first = changes([a], data, periodSeconds / 60)[0];
    return first?.value;
}

describe("drill evaluator", function () {
    describe("statistics (each minute of a series is one sample)", function () {
        it("Sum adds the minute values of the period", function () {
            assert.equal(periodValue("Sum", [series([[0, 2]])]), 10);
            assert.equal(
                periodValue("Sum", [
                    series([
                        [0, 1],
                        [2, 3],
                    ]),
                ]),
                1 + 1 + 3 + 3 + 3,
            );
        });
        it("Average is the mean of the samples, and of minute averages for an Average series", function () {
            assert.equal(
                periodValue("Average", [
                    series(
                        [
                            [0, 0.1],
                            [3, 0.6],
                        ],
                        { stat: "Average" },
                    ),
                ]),
                (0.1 * 3 + 0.6 * 2) / 5,
            );
        });
        it("Minimum and Maximum are the extremes of the samples", function () {
            const data = [
                series([
                    [0, 4],
                    [1, -2],
                    [2, 9],
                    [3, 5],
                ]),
            ];
            assert.equal(periodValue("Minimum", data), -2);
            assert.equal(periodValue("Maximum", data), 9);
        });
        it("SampleCount counts the minutes with data, or adds the counts of a SampleCount series", function () {
            assert.equal(periodValue("SampleCount", [series([[2, 7]])]), 3);
            assert.equal(periodValue("SampleCount", [series([[0, 10]], { stat: "SampleCount" })]), 50);
        });
        it("pNN is the nearest-rank percentile of the samples", function () {
            const data = [
                series([
                    [0, 10],
                    [1, 20],
                    [2, 30],
                    [3, 40],
                    [4, 50],
                ]),
            ];
            assert.equal(periodValue("p50", data), 30);
            assert.equal(periodValue("p90", data), 50);
            assert.equal(periodValue("p20", data), 10);
            assert.equal(periodValue("p99.9", data), 50);
        });
        it("nearestRank and aggregate follow the documented model", function () {
            assert.equal(nearestRank([5, 1, 4, 2, 3], 40), 2);
            assert.equal(nearestRank([5, 1, 4, 2, 3], 0), 1);
            assert.equal(nearestRank([5, 1, 4, 2, 3], 100), 5);
            assert.equal(aggregate({ kind: "Sum" }, [1, 2, 3]), 6);
            assert.equal(aggregate({ kind: "SampleCount" }, [1, 2, 3]), 3);
            assert.ok(Number.isNaN(aggregate({ kind: "Average" }, [])));
        });
        it("pools the samples of several series matching one metric", function () {
            const data = [series([[0, 1]]), series([[0, 2]], { dimensions: { FunctionName: "*" } })];
            assert.equal(periodValue("Sum", data, 60), 3);
            assert.equal(periodValue("Average", data, 60), 1.5);
            assert.equal(periodValue("SampleCount", data, 60), 2);
        });
        it("refuses a statistic it does not compute, naming the alarm and what is allowed", function () {
            assert.throws(
                () => evaluate([alarm({ stat: "tm99" })], [], 1),
                /alarm "a", query "m1": statistic "tm99".*Sum, Average, Minimum, Maximum, SampleCount/,
            );
            assert.throws(() => evaluate([], [series([[0, 1]], { stat: "avg" })], 1), /series AWS\/Lambda\/Errors.*statistic "avg"/);
            assert.deepEqual(parseStatistic("p99.9", "x"), { kind: "percentile", p: 99.9 });
        });
    });

    describe("metric data", function () {
        it("holds each point until the next, with no data before the first and in a non-finite gap", function () {
            const v = minuteValues(
                series([
                    [4, 3],
                    [2, 1],
                    [5, NaN],
                    [7, 0],
                ]),
                9,
            );
            assert.deepEqual(
                [...v].map((x) => (Number.isNaN(x) ? null : x)),
                [null, null, 1, 1, 3, null, null, 0, 0],
            );
        });
        it("matches dimensions by equal value, a series *, or an unknown query value", function () {
            const metric = { namespace: "AWS/ApiGateway", metricName: "5XXError", dimensions: { ApiName: "platform-dev", Stage: "v1" } };
            const s = (dimensions: Record<string, string>, extra: Partial<MetricSeries> = {}): MetricSeries => ({
                namespace: "AWS/ApiGateway",
                metricName: "5XXError",
                dimensions,
                points: [],
                ...extra,
            });
            assert.ok(seriesMatches(metric, s({ ApiName: "platform-dev", Stage: "v1" })));
            assert.ok(seriesMatches(metric, s({ ApiName: "*", Stage: "*" })));
            assert.ok(!seriesMatches(metric, s({ ApiName: "other", Stage: "*" })));
            assert.ok(seriesMatches({ ...metric, dimensions: { ApiName: UNKNOWN, Stage: "v1" } }, s({ ApiName: "anything", Stage: "v1" })));
            assert.ok(seriesMatches({ ...metric, dimensions: { ApiName: "*", Stage: "v1" } }, s({ ApiName: "anything", Stage: "v1" })));
            // A metric is identified by its full dimension set: fewer or more dimensions is another metric.
            assert.ok(!seriesMatches(metric, s({ ApiName: "*" })));
            assert.ok(!seriesMatches(metric, s({ ApiName: "*", Stage: "*", Resource: "*" })));
            assert.ok(!seriesMatches(metric, s({ ApiName: "*", Stage: "*" }, { metricName: "4XXError" })));
            assert.ok(!seriesMatches(metric, s({ ApiName: "*", Stage: "*" }, { namespace: "Custom" })));
        });
        it("gives an alarm on a metric no series matches no data", function () {
            assert.deepEqual(changes([alarm({ treatMissingData: "missing" })], [series([[0, 5]], { dimensions: { FunctionName: "other" } })], 5), []);
        });
    });

    describe("periods and evaluation times", function () {
        it("evaluates a 300 s alarm at minutes 4, 9, ... on periods aligned to minute 0, holding state between", function () {
            const a = alarm({ periodSeconds: 300, threshold: 10 });
            const got = changes(
                [a],
                [
                    series([
                        [0, 1],
                        [7, 5],
                        [10, 0],
                    ]),
                ],
                20,
            );
            // Period 0 (minutes 0-4): 5; period 1 (5-9): 1+1+5+5+5 = 17; period 2: 0.
            assert.deepEqual(
                got.map((c) => [c.minute, c.state, c.value]),
                [
                    [4, "OK", 5],
                    [9, "ALARM", 17],
                    [14, "OK", 0],
                ],
            );
        });
        it("does not evaluate a period the drill's horizon ends inside", function () {
            assert.deepEqual(changes([alarm({ periodSeconds: 300, treatMissingData: "breaching" })], [], 4), []);
        });
        it("refuses a period that is not a multiple of 60 s, and metric queries with different periods", function () {
            assert.throws(() => evaluate([alarm({ periodSeconds: 30 })], [], 1), /alarm "a": period 30 s is not a multiple of 60/);
            const queries: MetricQuery[] = [
                { id: "a", returnData: false, metric: { ...LAMBDA, stat: "Sum", periodSeconds: 60 } },
                { id: "b", returnData: false, metric: { ...LAMBDA, stat: "Sum", periodSeconds: 300 } },
                { id: "e", returnData: true, expression: "a + b" },
            ];
            assert.throws(() => evaluate([alarm({ queries })], [], 1), /different periods \(60, 300 s\)/);
        });
    });

    describe("comparison operators", function () {
        const cases: [ComparisonOperator, number, "ALARM" | "OK"][] = [
            ["GreaterThanOrEqualToThreshold", 5, "ALARM"],
            ["GreaterThanOrEqualToThreshold", 4.99, "OK"],
            ["GreaterThanThreshold", 5, "OK"],
            ["GreaterThanThreshold", 5.01, "ALARM"],
            ["LessThanThreshold", 5, "OK"],
            ["LessThanThreshold", 4.99, "ALARM"],
            ["LessThanOrEqualToThreshold", 5, "ALARM"],
            ["LessThanOrEqualToThreshold", 5.01, "OK"],
        ];
        for (const [op, value, want] of cases) {
            it(`${op}: ${value} against 5 is ${want}`, function () {
                const got = changes([alarm({ comparisonOperator: op, threshold: 5 })], [series([[0, value]])], 1);
                assert.equal(got[0].state, want);
            });
        }
        for (const op of ["LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"] as ComparisonOperator[]) {
            it(`refuses ${op}: it needs an anomaly detection band`, function () {
                assert.throws(() => evaluate([alarm({ comparisonOperator: op })], [], 1), /alarm "a": comparison operator .* anomaly detection band/);
            });
        }
    });

    describe("M of N", function () {
        const run = (values: number[], n: number, m: number) =>
            changes(
                [alarm({ evaluationPeriods: n, datapointsToAlarm: m, threshold: 1 })],
                [series(values.map((v, i) => [i, v] as [number, number]))],
                values.length,
            ).map((c) => [c.minute, c.state]);
        // With the default treatMissingData (missing), the first non-breaching datapoint is already OK:
        // the periods before minute 0 are missing, and a real good datapoint decides (the guide's "0 - - - -").
        it("3 of 3 alarms only after three breaching periods in a row, and recovers at the first good one", function () {
            assert.deepEqual(run([0, 1, 1, 1, 0, 1], 3, 3), [
                [0, "OK"],
                [3, "ALARM"],
                [4, "OK"],
            ]);
        });
        it("2 of 3 alarms on breaching periods that are not consecutive", function () {
            // Minute 0: one breaching datapoint of the 2 needed and too recent (INSUFFICIENT_DATA, no change).
            assert.deepEqual(run([1, 0, 1, 0, 0], 3, 2), [
                [1, "OK"],
                [2, "ALARM"],
                [3, "OK"],
            ]);
        });
        it("3 of 5 counts breaches anywhere in the last five periods", function () {
            assert.deepEqual(run([0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0], 5, 3), [
                [0, "OK"],
                [9, "ALARM"],
                [10, "OK"],
            ]);
        });
        it("refuses datapointsToAlarm above evaluationPeriods", function () {
            assert.throws(
                () => evaluate([alarm({ evaluationPeriods: 2, datapointsToAlarm: 3 })], [], 1),
                /datapointsToAlarm must be a whole number from 1 to evaluationPeriods \(2\)/,
            );
        });
    });

    describe("states and reasons", function () {
        it("starts every alarm INSUFFICIENT_DATA and records only changes, with the value and a short reason", function () {
            const result = evaluate(
                [alarm({ evaluationPeriods: 3, threshold: 1 }), alarm({ name: "never", metric: { ...LAMBDA, metricName: "Throttles" } })],
                [
                    series([
                        [0, 0],
                        [3, 5.2],
                    ]),
                ],
                10,
            );
            assert.deepEqual(result.get("never"), []);
            assert.deepEqual(result.get("a"), [
                { minute: 0, state: "OK", value: 0, reason: "0 of 1 datapoints >= 1, 3 needed (0); 2 missing, not counted" },
                { minute: 5, state: "ALARM", value: 5.2, reason: "3 of 3 datapoints >= 1 (5.2, 5.2, 5.2)" },
            ]);
        });
        it("is the same through the Evaluator object", function () {
            const a = [alarm()];
            const d = [series([[0, 3]])];
            assert.deepEqual(evaluator.evaluate(a, d, 3), evaluate(a, d, 3));
        });
        it("refuses two alarms with one name", function () {
            assert.throws(() => evaluate([alarm(), alarm()], [], 1), /two alarms are named "a"/);
        });
    });

    describe("metric math alarms", function () {
        const errorRate = (o: AlarmOptions = {}) =>
            alarm({
                threshold: 5,
                comparisonOperator: "GreaterThanThreshold",
                treatMissingData: "notBreaching",
                evaluationPeriods: 3,
                ...o,
                queries: [
                    { id: "signal", returnData: true, expression: "IF(invocations > 0, 100 * errors / invocations, 0)" },
                    { id: "errors", returnData: false, metric: { ...LAMBDA, stat: "Sum", periodSeconds: 60 } },
                    { id: "invocations", returnData: false, metric: { ...LAMBDA, metricName: "Invocations", stat: "Sum", periodSeconds: 60 } },
                ],
            });
        it("evaluates the function error-rate alarm the platform writes", function () {
            const data = [
                series([
                    [0, 0],
                    [5, 30],
                ]),
                series([[0, 100]], { metricName: "Invocations" }),
            ];
            const got = changes([errorRate()], data, 10).map((c) => [c.minute, c.state, c.value]);
            assert.deepEqual(got, [
                [0, "OK", 0],
                [7, "ALARM", 30],
            ]);
        });
        it("has no datapoint where an operand has none (errors but no invocations: the IF condition is missing)", function () {
            const got = changes([errorRate({ treatMissingData: "missing" })], [series([[0, 3]])], 5);
            assert.deepEqual(got, []);
        });
        it("refuses an unknown id, naming the alarm, the query and the ids it has", function () {
            const a = alarm({
                queries: [
                    { id: "e", returnData: true, expression: "errors / requests" },
                    { id: "errors", returnData: false, metric: { ...LAMBDA, stat: "Sum", periodSeconds: 60 } },
                ],
            });
            assert.throws(
                () => evaluate([a], [], 1),
                (e: Error) =>
                    e instanceof AlarmEvaluationError &&
                    /alarm "a": query "e": metric math "errors \/ requests": unknown id "requests"; the alarm's query ids are: e, errors/.test(e.message),
            );
        });
        it("requires exactly one returnData query when there are several", function () {
            const queries: MetricQuery[] = [
                { id: "a", returnData: true, metric: { ...LAMBDA, stat: "Sum", periodSeconds: 60 } },
                { id: "b", returnData: true, expression: "a * 2" },
            ];
            assert.throws(() => evaluate([alarm({ queries })], [], 1), /exactly one metric query must have returnData true.*a, b do/);
        });
        it("refuses queries that refer to each other in a cycle", function () {
            const queries: MetricQuery[] = [
                { id: "x", returnData: true, expression: "y + 1" },
                { id: "y", returnData: false, expression: "x * 2" },
            ];
            assert.throws(() => evaluate([alarm({ queries })], [], 1), /cycle: x -> y -> x/);
        });
    });

    describe("AWS/DynamoDB alarms always ignore missing data (PutMetricAlarm, TreatMissingData)", function () {
        it("keeps its state when DynamoDB data stops, even with notBreaching", function () {
            const metric = { namespace: "AWS/DynamoDB", metricName: "ThrottledRequests", dimensions: { TableName: "t", Operation: "GetItem" } };
            const a = alarm({ metric, treatMissingData: "notBreaching", threshold: 0, comparisonOperator: "GreaterThanThreshold" });
            const got = changes(
                [a],
                [
                    {
                        ...metric,
                        points: [
                            [3, 4],
                            [5, NaN],
                        ],
                    },
                ],
                12,
            );
            assert.deepEqual(
                got.map((c) => [c.minute, c.state]),
                [[3, "ALARM"]],
            );
        });
    });

    describe("properties", function () {
        const operators: { op: ComparisonOperator; below: boolean; strict: boolean }[] = [
            { op: "GreaterThanThreshold", below: false, strict: true },
            { op: "GreaterThanOrEqualToThreshold", below: false, strict: false },
            { op: "LessThanThreshold", below: true, strict: true },
            { op: "LessThanOrEqualToThreshold", below: true, strict: false },
        ];
        const statistics = ["Sum", "Average", "Minimum", "Maximum", "p90"];
        const threshold = 500;
        /** Points that give each period the value asked for (undefined: a gap), a Sum series spreading it over the period's minutes. */
        const periodPoints = (values: (number | undefined)[], k: number, stat: string): [number, number][] =>
            values.map((v, i) => [i * k, v === undefined ? NaN : stat === "Sum" ? v / k : v]);

        for (const { op, below, strict } of operators) {
            it(`a series that never crosses the threshold never alarms (${op})`, function () {
                fc.assert(
                    fc.property(
                        fc.array(fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: undefined }), { minLength: 1, maxLength: 15 }),
                        fc.integer({ min: 1, max: 5 }),
                        fc.integer({ min: 1, max: 5 }),
                        fc.constantFrom(60, 120, 300),
                        // breaching is left out on purpose: with it, no data is a breach.
                        fc.constantFrom<TreatMissingData>("missing", "ignore", "notBreaching"),
                        fc.constantFrom(...statistics),
                        fc.boolean(),
                        (raw, n, m, periodSeconds, treatMissingData, stat, touch) => {
                            // A strict operator does not breach at the threshold itself, so a series may touch it.
                            const values = raw.map((v) =>
                                v === undefined ? undefined : touch && strict ? threshold : below ? threshold + 0.001 + v : threshold - 0.001 - v * 0.4,
                            );
                            const k = periodSeconds / 60;
                            const a = alarm({
                                comparisonOperator: op,
                                threshold,
                                evaluationPeriods: n,
                                datapointsToAlarm: Math.min(m, n),
                                periodSeconds,
                                treatMissingData,
                                stat,
                            });
                            const got = changes([a], [series(periodPoints(values, k, stat))], (values.length + 8) * k);
                            return got.every((c) => c.state !== "ALARM");
                        },
                    ),
                    { numRuns: 300 },
                );
            });
        }

        for (const { op, below } of operators) {
            it(`a series that breaches for L periods in a row always alarms when datapointsToAlarm <= L (${op})`, function () {
                fc.assert(
                    fc.property(
                        fc.integer({ min: 1, max: 5 }),
                        fc.integer({ min: 1, max: 5 }),
                        fc.integer({ min: 1, max: 7 }),
                        fc.array(fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { nil: undefined }), { maxLength: 10 }),
                        fc.constantFrom(60, 300),
                        fc.constantFrom<TreatMissingData>("missing", "ignore", "breaching", "notBreaching"),
                        fc.constantFrom(...statistics),
                        fc.double({ min: 1, max: 100, noNaN: true }),
                        (n, m, run, before, periodSeconds, treatMissingData, stat, margin) => {
                            const datapointsToAlarm = Math.min(m, n, run);
                            // Healthy or missing periods first, then `run` breaching periods up to the end.
                            const good = before.map((v) => (v === undefined ? undefined : below ? threshold + v : threshold - v));
                            const bad = Array.from({ length: run }, () => (below ? threshold - margin : threshold + margin));
                            const values = [...good, ...bad];
                            const k = periodSeconds / 60;
                            const a = alarm({
                                comparisonOperator: op,
                                threshold,
                                evaluationPeriods: n,
                                datapointsToAlarm,
                                periodSeconds,
                                treatMissingData,
                                stat,
                            });
                            const got = changes([a], [series(periodPoints(values, k, stat))], values.length * k);
                            return got.length > 0 && got[got.length - 1].state === "ALARM";
                        },
                    ),
                    { numRuns: 400 },
                );
            });
        }
    });
});
