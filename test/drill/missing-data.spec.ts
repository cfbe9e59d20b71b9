// The CloudWatch User Guide's tables for missing data, row by row: "Configuring how CloudWatch alarms
// treat missing data", section "How alarm state is evaluated when data is missing" and its subsection
// "Avoiding premature transitions to alarm state"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html).
// In both tables the evaluation range is 5 datapoints, Evaluation Periods is 3 and the period 5
// minutes; the data points are written oldest first, 0 not breaching, X breaching, - missing.
// The rows of an earlier revision of the same section (AlarmThatSendsEmail.md in
// awsdocs/amazon-cloudwatch-user-guide) that the current one dropped are kept below: they follow the
// same premature-alarm rule and the evaluator must agree with them too.

import { strict as assert } from "node:assert";
import { evaluate, evaluateWindow, evaluationRange } from "../../tools/drill/evaluate";
import type { AlarmState, AlarmStateAt, MetricAlarmModel, MetricSeries, TreatMissingData } from "../../tools/drill/types";

type Expected = AlarmState | "RETAIN";

interface Row {
    points: string;
    /** The table's second column: datapoints that must be filled by the missing-data setting. */
    filled: number;
    missing: Expected;
    ignore: Expected;
    breaching: Expected;
    notBreaching: Expected;
}

const THREE_OF_THREE: Row[] = [
    { points: "0 - X - X", filled: 0, missing: "OK", ignore: "OK", breaching: "OK", notBreaching: "OK" },
    { points: "0 - - - -", filled: 2, missing: "OK", ignore: "OK", breaching: "OK", notBreaching: "OK" },
    { points: "- - - - -", filled: 3, missing: "INSUFFICIENT_DATA", ignore: "RETAIN", breaching: "ALARM", notBreaching: "OK" },
    { points: "0 X X - X", filled: 0, missing: "ALARM", ignore: "ALARM", breaching: "ALARM", notBreaching: "ALARM" },
    { points: "- - X - -", filled: 2, missing: "ALARM", ignore: "RETAIN", breaching: "ALARM", notBreaching: "OK" },
];

const TWO_OF_THREE: Row[] = [
    { points: "0 - X - X", filled: 0, missing: "ALARM", ignore: "ALARM", breaching: "ALARM", notBreaching: "ALARM" },
    { points: "0 0 X 0 X", filled: 0, missing: "ALARM", ignore: "ALARM", breaching: "ALARM", notBreaching: "ALARM" },
    { points: "0 - X - -", filled: 1, missing: "OK", ignore: "OK", breaching: "ALARM", notBreaching: "OK" },
    { points: "- - - - 0", filled: 2, missing: "OK", ignore: "OK", breaching: "ALARM", notBreaching: "OK" },
    { points: "- - - X -", filled: 2, missing: "ALARM", ignore: "RETAIN", breaching: "ALARM", notBreaching: "OK" },
];

const EARLIER_THREE_OF_THREE: Row[] = [
    { points: "- - - - X", filled: 2, missing: "INSUFFICIENT_DATA", ignore: "RETAIN", breaching: "ALARM", notBreaching: "OK" },
    { points: "X - - - -", filled: 2, missing: "ALARM", ignore: "RETAIN", breaching: "ALARM", notBreaching: "OK" },
];

const EARLIER_TWO_OF_THREE: Row[] = [
    { points: "- - - - X", filled: 2, missing: "INSUFFICIENT_DATA", ignore: "RETAIN", breaching: "ALARM", notBreaching: "OK" },
];

const TREATMENTS: TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];
const STATES: AlarmState[] = ["OK", "ALARM", "INSUFFICIENT_DATA"];

function parseRow(points: string): (boolean | undefined)[] {
    return points.split(" ").map((c) => (c === "X" ? true : c === "0" ? false : undefined));
}

function alarm(datapointsToAlarm: number, treatMissingData: TreatMissingData): MetricAlarmModel {
    return {
        kind: "metric",
        urn: "urn:pulumi:dev::platform::aws:cloudwatch/metricAlarm:MetricAlarm::a",
        resourceName: "a",
        alarmName: "a",
        queries: [{ id: "m1", returnData: true, metric: { namespace: "Custom", metricName: "Signal", dimensions: {}, stat: "Average", periodSeconds: 300 } }],
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData,
        alarmActions: [],
        okActions: [],
        insufficientDataActions: [],
        actionsEnabled: true,
        tags: {},
    };
}

function stateAt(changes: AlarmStateAt[], minute: number): AlarmState {
    let state: AlarmState = "INSUFFICIENT_DATA";
    for (const c of changes) {
        if (c.minute <= minute) {
            state = c.state;
        }
    }
    return state;
}

function table(title: string, datapointsToAlarm: number, rows: Row[]): void {
    describe(title, function () {
        for (const row of rows) {
            describe(`${row.points} (${row.filled} to fill)`, function () {
                for (const treat of TREATMENTS) {
                    const expected = row[treat];
                    it(`${treat}: ${expected === "RETAIN" ? "retains the current state" : expected}`, function () {
                        for (const current of STATES) {
                            const outcome = evaluateWindow(parseRow(row.points), { evaluationPeriods: 3, datapointsToAlarm, treatMissingData: treat }, current);
                            assert.equal(outcome.state, expected === "RETAIN" ? current : expected, `from ${current}`);
                            if (treat === "breaching" || treat === "notBreaching") {
                                assert.equal(outcome.filled, row.filled, "datapoints filled");
                            }
                        }
                    });

                    // The same row end to end: five 5-minute periods of history, then the row's five
                    // periods, so that the evaluation at minute 49 sees exactly the row.
                    for (const history of ["0", "X"]) {
                        it(`${treat}: through evaluate(), after a history of ${history === "X" ? "breaching" : "good"} periods`, function () {
                            const cells = [...Array<string>(5).fill(history), ...row.points.split(" ")];
                            const series: MetricSeries = {
                                namespace: "Custom",
                                metricName: "Signal",
                                dimensions: {},
                                stat: "Average",
                                points: cells.map((c, p) => [p * 5, c === "X" ? 5 : c === "0" ? 0 : NaN]),
                            };
                            const changes = evaluate([alarm(datapointsToAlarm, treat)], [series], 50).get("a") ?? [];
                            const before = stateAt(changes, 44);
                            assert.equal(stateAt(changes, 49), expected === "RETAIN" ? before : expected);
                        });
                    }
                }
            });
        }
    });
}

describe("drill evaluator: missing data, per the CloudWatch User Guide", function () {
    it("retrieves an evaluation range of N + 2 datapoints (5 for the guide's 3 evaluation periods)", function () {
        assert.equal(evaluationRange(3), 5);
    });

    table("Datapoints to Alarm 3 of Evaluation Periods 3", 3, THREE_OF_THREE);
    table("Datapoints to Alarm 2 of Evaluation Periods 3 (M of N)", 2, TWO_OF_THREE);
    table("earlier revision, 3 of 3", 3, EARLIER_THREE_OF_THREE);
    table("earlier revision, 2 of 3", 2, EARLIER_TWO_OF_THREE);

    describe("when every datapoint of the range is missing", function () {
        const all = parseRow("- - - - -");
        const cases: [TreatMissingData, Expected][] = [
            ["missing", "INSUFFICIENT_DATA"],
            ["ignore", "RETAIN"],
            ["breaching", "ALARM"],
            ["notBreaching", "OK"],
        ];
        for (const [treat, expected] of cases) {
            it(`${treat} -> ${expected === "RETAIN" ? "the current state" : expected}`, function () {
                for (const current of STATES) {
                    assert.equal(
                        evaluateWindow(all, { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: treat }, current).state,
                        expected === "RETAIN" ? current : expected,
                    );
                }
            });
        }
        it("says so in the reason", function () {
            const changes = evaluate([alarm(3, "breaching")], [], 5).get("a") ?? [];
            assert.deepEqual(changes, [{ minute: 4, state: "ALARM", reason: "no datapoints in the last 5 periods (treatMissingData breaching)" }]);
        });
    });

    describe("the guide's notes", function () {
        it('"0 - - - -" with breaching goes to ALARM at the next evaluation, once the good datapoint leaves the range', function () {
            const rule = { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: "breaching" as const };
            assert.equal(evaluateWindow(parseRow("0 - - - -"), rule, "OK").state, "OK");
            assert.equal(evaluateWindow(parseRow("- - - - -"), rule, "OK").state, "ALARM");
        });
        it("a range with at least N real datapoints evaluates the most recent real ones, whatever the setting", function () {
            for (const treat of TREATMENTS) {
                const outcome = evaluateWindow(parseRow("X X - 0 -"), { evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: treat }, "OK");
                assert.deepEqual([outcome.state, outcome.used, outcome.filled], ["ALARM", [0, 1, 3], 0], treat);
            }
        });
    });
});
