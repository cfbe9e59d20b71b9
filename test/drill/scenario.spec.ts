/**
 * The scenario format: every bad input is refused with a message naming the file, the field and what is
 * allowed, whether it is the shape (zod) or the stack (a metric no alarm watches, an alarm glob matching
 * nothing, a function no group releases, log events no filter matches); and what a good scenario turns
 * into (defaults, log events as the metrics their filters emit, the first signal, globs, patterns).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { DrillModel } from "../../tools/drill/model";
import {
    checkScenario,
    firstSignalMinute,
    globMatcher,
    loadScenario,
    logEventSeries,
    parseScenario,
    patternMatcher,
    PatternError,
    ScenarioError,
    scenarioData,
    type Scenario,
} from "../../tools/drill/scenario";
import type { MetricAlarmModel } from "../../tools/drill/types";

const FILE = "drills/x.json";
const dir = mkdtempSync(path.join(tmpdir(), "drill-scenario-spec-"));

const good = () => ({
    name: "x",
    minutes: 10,
    metrics: [
        {
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: "*" },
            stat: "Sum",
            points: [
                [0, 0],
                [3, 5],
            ],
        },
    ],
    expect: { alarms: ["fn-errors"] },
});

/** The one-line messages a bad scenario gives. */
function refusal(raw: unknown): string[] {
    try {
        parseScenario(raw, FILE);
    } catch (error) {
        assert.ok(error instanceof ScenarioError, String(error));
        return error.message.split("\n");
    }
    return assert.fail("accepted");
}

function refusedAgainst(model: DrillModel, raw: unknown): string[] {
    try {
        checkScenario(parseScenario(raw, FILE), model, FILE);
    } catch (error) {
        assert.ok(error instanceof ScenarioError, String(error));
        return error.message.split("\n");
    }
    return assert.fail("accepted");
}

const alarm = (
    resourceName: string,
    metric: { namespace: string; metricName: string; dimensions: Record<string, string>; stat?: string },
): MetricAlarmModel => ({
    kind: "metric",
    urn: `urn:${resourceName}`,
    resourceName,
    alarmName: `${resourceName}-abc1234`,
    queries: [{ id: "m1", returnData: true, metric: { ...metric, stat: metric.stat ?? "Sum", periodSeconds: 60 } }],
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [],
    okActions: [],
    insufficientDataActions: [],
    actionsEnabled: true,
    tags: {},
});

const MODEL: DrillModel = {
    stack: "dev",
    alarms: [
        alarm("fn-errors", { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "platform-dev-api" } }),
        alarm("fn-duration", { namespace: "AWS/Lambda", metricName: "Duration", dimensions: { FunctionName: "platform-dev-api" }, stat: "p99" }),
        alarm("root-usage", { namespace: "Sec", metricName: "RootAccountUsage", dimensions: {} }),
        alarm("root-events", { namespace: "Sec", metricName: "RootAccountUsage", dimensions: {}, stat: "SampleCount" }),
        alarm("latency", { namespace: "App", metricName: "LatencyMs", dimensions: {}, stat: "Average" }),
    ],
    topics: [],
    releaseGroups: [
        {
            urn: "urn:g",
            resourceName: "release-api",
            functionName: "api",
            rollbackAlarmNames: ["fn-errors-abc1234"],
            rollsBackOnAlarm: true,
            alarmsEnabled: true,
        },
    ],
    logMetricFilters: [
        {
            urn: "urn:f1",
            logGroupName: "/trail",
            pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
            metric: { namespace: "Sec", metricName: "RootAccountUsage", value: "1", dimensions: {} },
            defaultValue: 0,
        },
        {
            urn: "urn:f2",
            logGroupName: "/app",
            pattern: "{ $.latency > 0 }",
            metric: { namespace: "App", metricName: "LatencyMs", value: "$.latency", dimensions: {} },
        },
        { urn: "urn:f3", logGroupName: "/app", pattern: "DEBUG", metric: { namespace: "App", metricName: "Debug", value: "1", dimensions: {} } },
        {
            urn: "urn:f4",
            logGroupName: "/web",
            pattern: "[ip, user, status=5*]",
            metric: { namespace: "App", metricName: "Web5xx", value: "1", dimensions: {} },
        },
    ],
};

describe("drill scenarios: bad input names the file, the field and what is allowed", () => {
    it("a file that is not JSON: the line and column", () => {
        const file = path.join(dir, "broken.json");
        writeFileSync(file, '{\n  "name": "x",\n  "minutes": 10,,\n}\n');
        assert.throws(
            () => loadScenario(file, "drills/broken.json"),
            (e: Error) =>
                e instanceof ScenarioError &&
                /^drills\/broken\.json: \(the whole file\): is not JSON at line 3, column 17 .*; allowed: a JSON object \{ name, minutes/.test(e.message),
        );
        assert.throws(
            () => loadScenario(path.join(dir, "absent.json"), "drills/absent.json"),
            /^ScenarioError: drills\/absent\.json: \(the whole file\): cannot be read \(ENOENT\); allowed: a readable JSON file$/,
        );
    });

    it("not an object, and required fields missing", () => {
        assert.deepEqual(refusal([1]), [
            `${FILE}: (the whole file): [1] is not allowed; allowed: a JSON object { name, minutes, stacks?, release?, metrics, logEvents?, events?, expect } (docs/drills.md)`,
        ]);
        assert.deepEqual(refusal({ metrics: good().metrics }), [
            `${FILE}: name: is missing; allowed: a non-empty string, the scenario's name`,
            `${FILE}: minutes: is missing; allowed: an integer from 1 to 1440, the minutes the scenario lasts`,
            `${FILE}: expect: is missing; allowed: an object with at least one of alarms, rules, quiet, severity, withinMinutes, notify, escalatesWithinMinutes, rollback`,
        ]);
    });

    it("minutes out of range or not whole", () => {
        for (const minutes of [0, 1441, 2.5, "10"])
            assert.deepEqual(refusal({ ...good(), minutes }), [
                `${FILE}: minutes: ${JSON.stringify(minutes)} is not allowed; allowed: an integer from 1 to 1440, the minutes the scenario lasts`,
            ]);
    });

    it("unknown fields, at the top, in a metric and in expect, with the fields allowed there", () => {
        assert.deepEqual(refusal({ ...good(), expected: {} }), [
            `${FILE}: (the whole file): unknown field "expected"; allowed: the fields name, description, minutes, stacks, release, metrics, logEvents, events, expect`,
        ]);
        assert.deepEqual(refusal({ ...good(), metrics: [{ ...good().metrics[0], statistic: "Sum" }] }), [
            `${FILE}: metrics[0]: unknown field "statistic"; allowed: the fields namespace, metricName, dimensions, stat, points`,
        ]);
        assert.deepEqual(refusal({ ...good(), expect: { alarm: ["x"], within: 5 } }), [
            `${FILE}: expect: unknown fields "alarm", "within"; allowed: the fields alarms, rules, quiet, severity, withinMinutes, notify, escalatesWithinMinutes, rollback`,
        ]);
    });

    it("a statistic CloudWatch does not have", () => {
        assert.deepEqual(refusal({ ...good(), metrics: [{ ...good().metrics[0], stat: "Avg" }] }), [
            `${FILE}: metrics[0].stat: "Avg" is not allowed; allowed: Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p90, p99 or p99.9`,
        ]);
    });

    it("points: empty, not pairs, a minute past the scenario or out of order, a negative or fractional minute", () => {
        const withPoints = (points: unknown) => refusal({ ...good(), metrics: [{ ...good().metrics[0], points }] });
        assert.deepEqual(withPoints([]), [
            `${FILE}: metrics[0].points: [] is not allowed; allowed: a non-empty array of [minute, value] steps, minutes increasing integers from 0 to minutes - 1`,
        ]);
        assert.deepEqual(withPoints([[0, "x"]]), [
            `${FILE}: metrics[0].points[0][1]: "x" is not allowed; allowed: [minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)`,
        ]);
        assert.deepEqual(withPoints([[1]]), [
            `${FILE}: metrics[0].points[0]: [1] is not allowed; allowed: [minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)`,
        ]);
        assert.deepEqual(withPoints([[-1, 0]]), [
            `${FILE}: metrics[0].points[0][0]: -1 is not allowed; allowed: [minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)`,
        ]);
        assert.deepEqual(
            withPoints([
                [0, 0],
                [12, 1],
            ]),
            [
                `${FILE}: metrics[0].points[1][0]: minute 12 is past the scenario's 10 minutes; allowed: [minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)`,
            ],
        );
        assert.deepEqual(
            withPoints([
                [3, 0],
                [3, 1],
            ]),
            [
                `${FILE}: metrics[0].points[1][0]: minute 3 does not follow minute 3; allowed: [minute, value]: an integer minute from 0 to minutes - 1 and a number (null: no data from that minute)`,
            ],
        );
    });

    it("log events: a count that is not a whole number of events", () => {
        assert.deepEqual(refusal({ ...good(), logEvents: [{ logGroupName: "/app", message: "x", points: [[0, 1.5]] }] }), [
            `${FILE}: logEvents[0].points[0][1]: 1.5 is not a number of events; allowed: [minute, count]: an integer minute from 0 to minutes - 1 and a whole number of events, 0 or more`,
        ]);
    });

    it("no data at all, or nothing expected", () => {
        assert.deepEqual(refusal({ ...good(), metrics: [] }), [
            `${FILE}: metrics: the scenario has no data; allowed: at least one metric (or log event, or event): a scenario without data tests nothing`,
        ]);
        assert.deepEqual(refusal({ ...good(), expect: {} }), [
            `${FILE}: expect: expects nothing; allowed: an object with at least one of alarms, rules, quiet, severity, withinMinutes, notify, escalatesWithinMinutes, rollback`,
        ]);
    });

    it("expect: a severity, quiet or rollback that is not allowed, and expectations that contradict each other", () => {
        assert.deepEqual(refusal({ ...good(), expect: { severity: "high" } }), [
            `${FILE}: expect.severity: "high" is not allowed; allowed: critical, warning, info: the severity of the first alarm (or of the first rule an event matches)`,
        ]);
        assert.deepEqual(refusal({ ...good(), expect: { quiet: false } }), [
            `${FILE}: expect.quiet: false is not allowed; allowed: true: no alarm may reach ALARM and no event may reach a rule's target (alone: not with alarms, rules, severity, withinMinutes, notify or escalatesWithinMinutes)`,
        ]);
        assert.deepEqual(refusal({ ...good(), expect: { rollback: true } }), [
            `${FILE}: expect.rollback: true is not allowed; allowed: the released function (release.function) whose release must be stopped and rolled back, or false`,
        ]);
        assert.deepEqual(refusal({ ...good(), expect: { quiet: true, alarms: ["x"] } }), [
            `${FILE}: expect.alarms: conflicts with expect.quiet: a quiet scenario has no alarm; allowed: quiet alone, or the expectations of an alarm that fires`,
        ]);
        assert.deepEqual(refusal({ ...good(), expect: { rollback: "api" } }), [
            `${FILE}: expect.rollback: "api" needs a release: the scenario has no release; allowed: a release { function, startsAtMinute } naming it, or false`,
        ]);
        assert.deepEqual(refusal({ ...good(), release: { function: "api", startsAtMinute: 1 }, expect: { rollback: "worker" } }), [
            `${FILE}: expect.rollback: "worker" is not the released function "api"; allowed: the released function (release.function) whose release must be stopped and rolled back, or false`,
        ]);
        assert.deepEqual(refusal({ ...good(), release: { function: "api", startsAtMinute: 10 } }), [
            `${FILE}: release.startsAtMinute: minute 10 is past the scenario's 10 minutes; allowed: an integer minute from 0 to minutes - 1`,
        ]);
        assert.deepEqual(refusal({ ...good(), release: { function: "api" } }), [
            `${FILE}: release.startsAtMinute: is missing; allowed: an integer minute from 0 to minutes - 1`,
        ]);
    });

    it("stacks, release.strategy and per-stack minutes: what each allows", () => {
        assert.deepEqual(refusal({ ...good(), stacks: [] }), [
            `${FILE}: stacks: [] is not allowed; allowed: a non-empty array of stack name globs (* and ?), such as ["prod"]: the stacks the scenario applies to (skipped on the others)`,
        ]);
        assert.deepEqual(refusal({ ...good(), release: { function: "api", startsAtMinute: 0, strategy: "blue-green" } }), [
            `${FILE}: release.strategy: "blue-green" is not allowed; allowed: all-at-once, canary, linear: the traffic shifting the scenario needs (skipped on a stack whose deployment group shifts otherwise)`,
        ]);
        assert.match(
            refusal({ ...good(), expect: { withinMinutes: "5" } })[0]!,
            /^drills\/x\.json: expect\.withinMinutes: "5" is not allowed; allowed: an integer from 0 to 1440: .* or an object of stack names \(or "\*", any other stack\) to such minutes, such as \{ "dev": 15, "staging": 10, "prod": 5 \}$/,
        );
        assert.deepEqual(refusal({ ...good(), expect: { withinMinutes: {} } }).length, 1, "an object naming no stack");
        assert.match(refusal({ ...good(), expect: { escalatesWithinMinutes: { prod: 5, dev: -1 } } })[0]!, /^drills\/x\.json: expect\.escalatesWithinMinutes/);
        assert.doesNotThrow(() =>
            parseScenario(
                {
                    ...good(),
                    stacks: ["prod"],
                    release: { function: "api", startsAtMinute: 0, strategy: "canary" },
                    expect: { withinMinutes: { dev: 15, "*": 5 } },
                },
                FILE,
            ),
        );
    });

    it("every problem at once, one line each", () => {
        assert.equal(refusal({ name: "", minutes: 0, metrics: [{ namespace: "", metricName: "E", points: [] }], expect: { severity: "x" } }).length, 5);
    });

    describe("against the stack", () => {
        it("a metric no alarm watches: the metrics the stack watches in its namespace", () => {
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), metrics: [{ ...good().metrics[0], metricName: "Error" }] }), [
                `${FILE}: metrics[0]: AWS/Lambda Error {FunctionName=*} is watched by no alarm of stack dev; allowed: a metric an alarm watches; in AWS/Lambda: Errors {FunctionName}, Duration {FunctionName}`,
            ]);
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), metrics: [{ ...good().metrics[0], dimensions: { FunctionName: "*", Resource: "*" } }] }), [
                `${FILE}: metrics[0]: AWS/Lambda Errors {FunctionName=*, Resource=*} is watched by no alarm of stack dev; allowed: a metric an alarm watches; in AWS/Lambda: Errors {FunctionName}, Duration {FunctionName}`,
            ]);
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), metrics: [{ ...good().metrics[0], namespace: "AWS/Lamda" }] }), [
                `${FILE}: metrics[0]: AWS/Lamda Errors {FunctionName=*} is watched by no alarm of stack dev; allowed: a metric an alarm watches; namespaces with alarms: AWS/Lambda, App, Sec`,
            ]);
            assert.deepEqual(
                refusedAgainst(MODEL, { ...good(), metrics: [{ ...good().metrics[0], dimensions: { FunctionName: "platform-dev-worker" } }] }).length,
                1,
                "a value of its own",
            );
        });

        it("an alarm glob matching no alarm: the alarms there are", () => {
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), expect: { alarms: ["fn-*", "*5xx*"] } }), [
                `${FILE}: expect.alarms[1]: "*5xx*" matches no alarm of stack dev; allowed: a glob matching one of its 5 alarms, such as fn-errors, fn-duration, root-usage, root-events, latency`,
            ]);
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), expect: { alarms: ["root-use"] } }), [
                `${FILE}: expect.alarms[0]: "root-use" matches no alarm of stack dev; allowed: a glob matching one of its 5 alarms, such as root-usage, root-events, fn-errors, fn-duration, latency`,
            ]);
        });

        it("a release of a function no deployment group releases", () => {
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), release: { function: "worker", startsAtMinute: 0 } }), [
                `${FILE}: release.function: "worker" is released by no CodeDeploy deployment group of stack dev; allowed: one of api`,
            ]);
        });

        it("log events: a group without filters, a message no filter matches, a filter no alarm watches, a pattern the drill cannot read", () => {
            const events = (logEvents: unknown[]) => refusedAgainst(MODEL, { name: "x", minutes: 5, logEvents, expect: { alarms: ["root-*"] } });
            assert.deepEqual(events([{ logGroupName: "/nope", message: "x", points: [[0, 1]] }]), [
                `${FILE}: logEvents[0].logGroupName: log group "/nope" has no metric filter in stack dev; allowed: a log group with a metric filter: /app, /trail, /web`,
            ]);
            assert.deepEqual(events([{ logGroupName: "/trail", message: { userIdentity: { type: "IAMUser" } }, points: [[0, 1]] }]), [
                `${FILE}: logEvents[0].message: matches no metric filter on /trail; allowed: a message matching one of its filter patterns: { $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }`,
            ]);
            assert.deepEqual(events([{ logGroupName: "/app", message: "DEBUG hello", points: [[0, 1]] }]), [
                `${FILE}: logEvents[0].message: matches the filters of App Debug, which no alarm watches; allowed: a message matching a filter whose metric an alarm watches`,
            ]);
            assert.deepEqual(events([{ logGroupName: "/web", message: "1.2.3.4 bob 500", points: [[0, 1]] }]), [
                `${FILE}: logEvents[0]: filter pattern [ip, user, status=5*]: space-delimited [...] patterns are not supported by the drill; allowed: log groups whose filters use empty, term or JSON patterns`,
            ]);
        });

        it("events: a source no rule takes, a rule glob matching no rule, a pattern EventBridge would refuse; minutes and quiet", () => {
            const withRules: DrillModel = {
                ...MODEL,
                eventRules: [
                    {
                        urn: "urn:r1",
                        resourceName: "findings-high",
                        ruleName: "platform-dev-findings-high",
                        pattern: { source: ["aws.guardduty"], detail: { severity: [{ numeric: [">=", 7] }] } },
                        enabled: true,
                        eventBusName: "default",
                        targets: [],
                        tags: {},
                    },
                    {
                        urn: "urn:r2",
                        resourceName: "broken",
                        ruleName: "platform-dev-broken",
                        pattern: { source: ["aws.guardduty"], detail: { severity: [{ above: 7 }] } },
                        enabled: true,
                        eventBusName: "default",
                        targets: [],
                        tags: {},
                    },
                ],
            };
            const finding = { atMinute: 1, source: "aws.guardduty", detailType: "GuardDuty Finding", detail: { severity: 8 } };
            const scenario = (events: unknown[], expect: unknown = { rules: ["*findings-high"] }) => ({ name: "x", minutes: 5, events, expect });
            assert.deepEqual(refusedAgainst(withRules, scenario([{ ...finding, source: "aws.inspector2" }])), [
                `${FILE}: events[0].source: "aws.inspector2": no EventBridge rule of stack dev takes events from this source; allowed: a source a rule's pattern names: aws.guardduty`,
                `${FILE}: events: rule platform-dev-broken's pattern cannot be evaluated: detail.severity: {"above":7} is not an EventBridge matcher; allowed operators: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr; allowed: rules whose patterns use EventBridge's matchers`,
            ]);
            const fine = { ...withRules, eventRules: withRules.eventRules!.slice(0, 1) };
            assert.deepEqual(refusedAgainst(fine, scenario([finding], { rules: ["*securityhub*"] })), [
                `${FILE}: expect.rules[0]: "*securityhub*" matches no EventBridge rule of stack dev; allowed: a glob matching one of platform-dev-findings-high`,
            ]);
            assert.deepEqual(refusedAgainst({ ...MODEL, eventRules: [] }, scenario([finding])), [
                `${FILE}: events[0].source: "aws.guardduty": no EventBridge rule of stack dev takes events from this source; allowed: nothing: the stack has no EventBridge rule with an event pattern`,
                `${FILE}: expect.rules[0]: "*findings-high" matches no EventBridge rule of stack dev; allowed: nothing: the stack has no EventBridge rule with an event pattern`,
            ]);
            assert.doesNotThrow(() => checkScenario(parseScenario(scenario([finding]), FILE), fine, FILE));
            assert.deepEqual(refusal(scenario([{ ...finding, atMinute: 5, detail: "high" }])), [
                `${FILE}: events[0].detail: "high" is not allowed; allowed: the event's detail: a JSON object, such as { "severity": 8 } for a GuardDuty finding`,
            ]);
            assert.deepEqual(refusal(scenario([{ ...finding, atMinute: 5 }])), [
                `${FILE}: events[0].atMinute: minute 5 is past the scenario's 5 minutes; allowed: an integer minute from 0 to minutes - 1, when the event arrives`,
            ]);
            assert.deepEqual(refusal(scenario([{ ...finding, detailtype: "x" }])), [
                `${FILE}: events[0]: unknown field "detailtype"; allowed: the fields atMinute, source, detailType, detail, account, region, resources`,
            ]);
            assert.deepEqual(refusal(scenario([finding], { quiet: true, rules: ["*"] })), [
                `${FILE}: expect.rules: conflicts with expect.quiet: a quiet scenario has no alarm; allowed: quiet alone, or the expectations of an alarm that fires`,
            ]);
        });

        it("a scenario that fits the stack passes", () => {
            assert.doesNotThrow(() => checkScenario(parseScenario(good(), FILE), MODEL, FILE));
        });

        it("per-stack minutes naming neither the stack nor *; a scenario for other stacks only is not checked against this one", () => {
            assert.deepEqual(refusedAgainst(MODEL, { ...good(), expect: { alarms: ["fn-errors"], withinMinutes: { prod: 5, staging: 10 } } }), [
                `${FILE}: expect.withinMinutes: names no minutes for stack dev (it names prod, staging); allowed: minutes for dev, or for "*" (every stack the object does not name)`,
            ]);
            assert.doesNotThrow(() =>
                checkScenario(parseScenario({ ...good(), expect: { alarms: ["fn-errors"], withinMinutes: { prod: 5, "*": 15 } } }, FILE), MODEL, FILE),
            );
            // prod-only alarms would be bad input on dev, but the scenario is not for dev.
            const prodOnly = { ...good(), stacks: ["prod"], expect: { alarms: ["prod-only-*"], withinMinutes: { prod: 5 } } };
            assert.doesNotThrow(() => checkScenario(parseScenario(prodOnly, FILE), MODEL, FILE));
            // ${stack} is the stack's name: platform-${stack}-api is dev's function.
            const named = { ...good(), metrics: [{ ...good().metrics[0], dimensions: { FunctionName: "platform-${stack}-api" } }] };
            assert.doesNotThrow(() => checkScenario(parseScenario(named, FILE), MODEL, FILE));
            assert.match(refusedAgainst({ ...MODEL, stack: "qa" }, named)[0]!, /FunctionName=platform-qa-api\} is watched by no alarm of stack qa/);
        });
    });
});

describe("drill scenarios: what a good one becomes", () => {
    it("defaults: stat Sum, no dimensions, no log events; null points are gaps", () => {
        const s = parseScenario(
            {
                name: "x",
                minutes: 5,
                metrics: [
                    {
                        namespace: "Sec",
                        metricName: "RootAccountUsage",
                        points: [
                            [0, 1],
                            [2, null],
                        ],
                    },
                ],
                expect: { quiet: true },
            },
            FILE,
        );
        assert.deepEqual([s.metrics[0]!.stat, s.metrics[0]!.dimensions, s.logEvents], ["Sum", {}, []]);
        const data = scenarioData(s, MODEL);
        assert.deepEqual(data[0]!.points[0], [0, 1]);
        assert.ok(Number.isNaN(data[0]!.points[1]![1]), "null is no data");
    });

    it("log events become their filters' metrics, in every statistic an alarm reads, with the default value between them", () => {
        const s: Scenario = parseScenario(
            {
                name: "logs",
                minutes: 6,
                logEvents: [
                    {
                        logGroupName: "/trail",
                        message: { userIdentity: { type: "Root" } },
                        points: [
                            [0, 0],
                            [2, 3],
                            [4, 0],
                        ],
                    },
                    { logGroupName: "/app", message: { latency: 250 }, points: [[1, 2]] },
                    {
                        logGroupName: "/app",
                        message: { latency: 750 },
                        points: [
                            [1, 2],
                            [3, 0],
                        ],
                    },
                ],
                expect: { alarms: ["root-*"] },
            },
            FILE,
        );
        const byKey = Object.fromEntries(logEventSeries(s, MODEL).map((x) => [`${x.metricName}/${x.stat}`, x.points]));
        assert.deepEqual(byKey["RootAccountUsage/Sum"], [
            [0, 0],
            [2, 3],
            [4, 0],
        ]);
        assert.deepEqual(byKey["RootAccountUsage/SampleCount"], [
            [0, 1],
            [2, 3],
            [4, 1],
        ]);
        const latency = byKey["LatencyMs/Average"]!;
        assert.ok(Number.isNaN(latency[0]![1]), "no default value: no data before the first event");
        assert.deepEqual(latency.slice(1), [
            [1, 500],
            [3, 250],
        ]);
    });

    it("the first signal: a series starting at zero, a change of one starting elsewhere, baselines left out", () => {
        const s = (metrics: Array<[number, number | null][]>) =>
            firstSignalMinute(
                parseScenario(
                    { name: "x", minutes: 30, metrics: metrics.map((points) => ({ namespace: "N", metricName: "M", points })), expect: { quiet: true } },
                    FILE,
                ),
            );
        assert.equal(
            s([
                [
                    [0, 0],
                    [6, 0.3],
                ],
            ]),
            6,
        );
        assert.equal(
            s([
                [
                    [0, 180],
                    [5, 29000],
                ],
            ]),
            5,
            "latency rising",
        );
        assert.equal(
            s([
                [[0, 100]],
                [
                    [0, 0],
                    [7, 5],
                ],
            ]),
            7,
            "the traffic is a baseline",
        );
        assert.equal(s([[[0, 0]], [[4, 1]]]), 4, "only baselines: the first non-zero point");
        assert.equal(
            s([
                [
                    [0, 0],
                    [3, null],
                ],
            ]),
            0,
            "a gap is no signal",
        );
    });

    it("globs: * and ?, whole and case-insensitive", () => {
        assert.equal(globMatcher("*5xx*")("gateway-5XX-rate"), true);
        assert.equal(globMatcher("api-?rrors")("api-errors"), true);
        assert.equal(globMatcher("api")("api-errors"), false);
        assert.equal(globMatcher("a.b")("axb"), false, "a dot is a dot");
    });

    it("log filter patterns: JSON comparisons, wildcards, EXISTS, IS, && and ||; terms with ?, - and quotes", () => {
        const json = patternMatcher('{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }');
        assert.equal(json('{"errorCode":"Client.UnauthorizedOperation"}'), true);
        assert.equal(json('{"errorCode":"AccessDeniedException"}'), true);
        assert.equal(json('{"errorCode":"Throttling"}'), false);
        assert.equal(json("not json"), false);
        const and = patternMatcher("{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }");
        assert.equal(and('{"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion"}'), true);
        assert.equal(and('{"eventSource":"kms.amazonaws.com","eventName":"Encrypt"}'), false);
        assert.equal(patternMatcher("{ $.a.b[0] >= 10 }")('{"a":{"b":[12]}}'), true);
        assert.equal(patternMatcher("{ $.x IS NULL }")('{"x":null}'), true);
        assert.equal(patternMatcher("{ $.ok IS TRUE && $.gone NOT EXISTS }")('{"ok":true}'), true);
        assert.equal(patternMatcher('{ $.mfa != "Yes" }')("{}"), true, "!= on a missing field");
        assert.equal(patternMatcher("ERROR")("an ERROR here"), true);
        assert.equal(patternMatcher("ERROR")("an error here"), false, "terms are case-sensitive");
        assert.equal(patternMatcher('"disk full" -retrying')("disk full, retrying"), false);
        assert.equal(patternMatcher("?Timeout ?TIMEOUT")("TIMEOUT after 3 s"), true);
        assert.equal(patternMatcher("")("anything"), true);
        assert.throws(() => patternMatcher("[ip, status]"), PatternError);
        assert.throws(() => patternMatcher("{ $.a = }"), PatternError);
    });
});
