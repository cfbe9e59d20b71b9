import { strict as assert } from "node:assert";
import { alarmNameOf, AlarmRuleError, evaluateRule, parseAlarmRule, ruleAlarmNames } from "../../tools/drill/composite";
import { evaluate } from "../../tools/drill/evaluate";
import type { AlarmModel, AlarmState, CompositeAlarmModel, MetricAlarmModel, MetricSeries } from "../../tools/drill/types";

function states(map: Record<string, AlarmState>): (name: string) => AlarmState {
    return (name) => map[name] ?? "INSUFFICIENT_DATA";
}

function holds(rule: string, map: Record<string, AlarmState>): boolean {
    return evaluateRule(parseAlarmRule(rule), states(map));
}

function metricAlarm(name: string, metricName: string): MetricAlarmModel {
    return {
        kind: "metric",
        urn: `urn:pulumi:dev::platform::aws:cloudwatch/metricAlarm:MetricAlarm::${name}`,
        resourceName: name,
        alarmName: name,
        queries: [{ id: "m1", returnData: true, metric: { namespace: "Custom", metricName, dimensions: {}, stat: "Sum", periodSeconds: 60 } }],
        periodSeconds: 60,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
        alarmActions: [],
        okActions: [],
        insufficientDataActions: [],
        actionsEnabled: true,
        tags: {},
    };
}

function composite(name: string, alarmRule: string): CompositeAlarmModel {
    return {
        kind: "composite",
        urn: `urn:pulumi:dev::platform::aws:cloudwatch/compositeAlarm:CompositeAlarm::${name}`,
        resourceName: name,
        alarmName: name,
        alarmRule,
        alarmActions: [],
        okActions: [],
        insufficientDataActions: [],
        actionsEnabled: true,
        tags: {},
    };
}

function data(metricName: string, points: [number, number][]): MetricSeries {
    return { namespace: "Custom", metricName, dimensions: {}, points };
}

describe("drill composite alarms", function () {
    describe("rules", function () {
        it("ALARM, OK and INSUFFICIENT_DATA are true when the named alarm is in that state", function () {
            assert.equal(holds('ALARM("a")', { a: "ALARM" }), true);
            assert.equal(holds('ALARM("a")', { a: "OK" }), false);
            assert.equal(holds("OK(a)", { a: "OK" }), true);
            assert.equal(holds("INSUFFICIENT_DATA(a)", {}), true);
            assert.equal(holds("INSUFFICIENT_DATA(a)", { a: "ALARM" }), false);
        });
        it("takes names quoted with double or single quotes, or bare, and keeps them exact", function () {
            assert.deepEqual(ruleAlarmNames(parseAlarmRule(`ALARM("platform-dev api 5xx") OR ALARM('b.c/d') OR OK( bare-name )`)), [
                "platform-dev api 5xx",
                "b.c/d",
                "bare-name",
            ]);
        });
        it("matches an alarm ARN by the name after :alarm:", function () {
            const rule = 'ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:platform-prod-api-5xx") AND OK(arn:aws-cn:cloudwatch:cn-north-1:1:alarm:x:y)';
            assert.deepEqual(ruleAlarmNames(parseAlarmRule(rule)), ["platform-prod-api-5xx", "x:y"]);
            assert.equal(alarmNameOf("plain"), "plain");
        });
        it("has TRUE and FALSE", function () {
            assert.equal(holds("TRUE", {}), true);
            assert.equal(holds("FALSE", {}), false);
            assert.equal(holds("FALSE OR TRUE", {}), true);
        });
        it("binds NOT tightest, then AND, then OR, and groups with parentheses", function () {
            const s = { a: "ALARM", b: "OK", c: "ALARM" } as const;
            assert.equal(holds("ALARM(a) OR ALARM(b) AND ALARM(c)", { a: "ALARM", b: "OK", c: "OK" }), true);
            assert.equal(holds("(ALARM(a) OR ALARM(b)) AND ALARM(c)", { a: "ALARM", b: "OK", c: "OK" }), false);
            assert.equal(holds("NOT ALARM(b) AND ALARM(a)", s), true);
            assert.equal(holds("NOT (ALARM(a) AND ALARM(c))", s), false);
            assert.equal(holds("ALARM(a) AND NOT NOT ALARM(c)", s), true);
        });
        it("accepts keywords in any case", function () {
            assert.equal(holds("alarm(a) and not ok(b) or false", { a: "ALARM", b: "ALARM" }), true);
        });
        it("refuses a rule that does not parse, naming it and where", function () {
            const fails = (rule: string, pattern: RegExp) =>
                assert.throws(
                    () => parseAlarmRule(rule),
                    (e: Error) => e instanceof AlarmRuleError && e.message.startsWith(`alarm rule "${rule}": `) && pattern.test(e.message),
                );
            fails('ALARM("a"', /expected "\)" to close ALARM\(/);
            fails('ALARM("a', /unterminated alarm name/);
            fails("ALARM()", /ALARM\(\) needs an alarm name or ARN/);
            fails("ALARM(a) ALARM(b)", /after a complete rule; combine terms with AND, OR, NOT/);
            fails("ALARM(a) AND", /the rule ended where a term was expected/);
            fails("AT_LEAST(2, ALARM, (a, b))", /unexpected "AT_LEAST"; a term is ALARM\(name\), OK\(name\), INSUFFICIENT_DATA\(name\), TRUE, FALSE/);
            fails("(ALARM(a)", /expected "\)" but the rule ended/);
            fails("ALARM a", /expected "\(" after ALARM/);
        });
    });

    describe("in the evaluator", function () {
        const alarms = (): AlarmModel[] => [
            metricAlarm("api-5xx", "5xx"),
            metricAlarm("db-errors", "DbErrors"),
            composite("platform-down", 'ALARM("api-5xx") AND ALARM("db-errors")'),
            composite("any-page", "ALARM(platform-down) OR ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx)"),
        ];

        it("follows its children in the same minute, after the metric alarms", function () {
            const result = evaluate(
                alarms(),
                [
                    data("5xx", [
                        [0, 0],
                        [3, 5],
                        [8, 0],
                    ]),
                    data("DbErrors", [
                        [0, 0],
                        [5, 2],
                    ]),
                ],
                10,
            );
            const at = (name: string) => (result.get(name) ?? []).map((c) => [c.minute, c.state]);
            assert.deepEqual(at("api-5xx"), [
                [0, "OK"],
                [3, "ALARM"],
                [8, "OK"],
            ]);
            assert.deepEqual(at("platform-down"), [
                [0, "OK"],
                [5, "ALARM"],
                [8, "OK"],
            ]);
            // A composite naming a composite sees that composite's state of the same minute.
            assert.deepEqual(at("any-page"), [
                [0, "OK"],
                [3, "ALARM"],
                [8, "OK"],
            ]);
            assert.equal((result.get("platform-down") ?? [])[1].reason, "rule TRUE (api-5xx ALARM, db-errors ALARM)");
        });

        it("evaluates a composite whose children have no data: INSUFFICIENT_DATA children make ALARM() false", function () {
            const result = evaluate(alarms(), [], 3);
            assert.deepEqual(
                (result.get("platform-down") ?? []).map((c) => [c.minute, c.state]),
                [[0, "OK"]],
            );
            assert.equal((result.get("platform-down") ?? [])[0].value, undefined);
        });

        it("refuses a composite naming an alarm the stack does not have, naming it", function () {
            assert.throws(
                () => evaluate([metricAlarm("api-5xx", "5xx"), composite("c", 'ALARM("api-5xx") OR ALARM("api-5xxx")')], [], 1),
                /composite alarm "c": its rule names alarm "api-5xxx", which is not an alarm of the stack/,
            );
        });

        it("refuses composites naming each other in a cycle", function () {
            assert.throws(
                () => evaluate([composite("x", "ALARM(y)"), composite("y", "OK(x)")], [], 1),
                /composite alarms name each other in a cycle: x -> y -> x/,
            );
        });

        it("refuses a rule that does not parse, naming the composite", function () {
            assert.throws(() => evaluate([composite("x", "ALARM(")], [], 1), /composite alarm "x": alarm rule "ALARM\(": /);
        });
    });
});
