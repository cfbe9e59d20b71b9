/**
 * Running a scenario: the timeline (state changes, the topics and endpoints they notify, escalations,
 * releases and rollbacks), the times to detect, notify, escalate and roll back, and each expectation's
 * PASS or FAIL with its reason. A hand-made model and a fake evaluator pin each rule down; the fixture
 * program's scenarios then run end to end with the CloudWatch evaluator, and render as text and JSON.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { runPreview } from "../../tools/preview";
import { evaluator as cloudWatch } from "../../tools/drill/evaluate";
import { buildModel, type DrillModel, type ReleaseGroup } from "../../tools/drill/model";
import { endpointSummary, renderJson, renderText, timelineLines } from "../../tools/drill/render";
import { DEFAULT_RELEASE_MINUTES, releaseDuration, runScenario, type ScenarioResult } from "../../tools/drill/run";
import { checkScenario, forStack, loadScenario, parseScenario } from "../../tools/drill/scenario";
import type { AlarmState, AlarmStateAt, Evaluator, MetricAlarmModel, TimelineEvent, TopicModel } from "../../tools/drill/types";

const FIXTURE = path.resolve(__dirname, "..", "fixtures", "drill", "plain-alarms");
const ARN = (name: string) => `arn:aws:sns:us-east-1:123456789012:${name}`;

const topic = (name: string, severity: string, endpoints: string[]): TopicModel => ({
    urn: `urn:${name}`,
    resourceName: name,
    topicName: name,
    arn: ARN(name),
    severity,
    subscriptions: endpoints.map((e) => ({
        protocol: e.startsWith("https:") ? "https" : "email",
        endpoint: e,
        pendingConfirmation: !e.startsWith("https:"),
    })),
});

const alarm = (name: string, severity: string, topicName: string, extra: Partial<MetricAlarmModel> = {}): MetricAlarmModel => ({
    kind: "metric",
    urn: `urn:${name}`,
    resourceName: name,
    alarmName: `${name}-abc1234`,
    queries: [{ id: "m1", returnData: true, metric: { namespace: "N", metricName: name, dimensions: {}, stat: "Sum", periodSeconds: 60 } }],
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 5,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [ARN(topicName)],
    okActions: [ARN(topicName)],
    insufficientDataActions: [],
    actionsEnabled: true,
    tags: { severity },
    ...extra,
});

const group = (extra: Partial<ReleaseGroup> = {}): ReleaseGroup => ({
    urn: "urn:g",
    resourceName: "release-api",
    functionName: "api",
    deploymentGroupName: "stack-api",
    rollbackAlarmNames: ["errors-abc1234"],
    rollsBackOnAlarm: true,
    alarmsEnabled: true,
    traffic: { type: "TimeBasedCanary", percentage: 10, intervalMinutes: 5 },
    bakeMinutes: 2,
    ...extra,
});

function model(extra: Partial<DrillModel> = {}): DrillModel {
    return {
        stack: "test",
        alarms: [
            alarm("errors", "critical", "critical"),
            alarm("latency", "warning", "warning"),
            alarm("latency-escalated", "escalation", "escalation", { okActions: [] }),
            alarm("slow-5min", "warning", "warning", { periodSeconds: 300 }),
        ],
        topics: [
            topic("critical", "critical", ["oncall@example.com", "https://pager.example.com/x"]),
            topic("warning", "warning", ["team@example.com"]),
            topic("escalation", "escalation", ["team@example.com", "lead@example.com"]),
        ],
        releaseGroups: [group()],
        logMetricFilters: [],
        ...extra,
    };
}

/** An evaluator that answers the given changes, by resource name. */
function fake(changes: Record<string, Array<[number, AlarmState, number?]>>): Evaluator {
    return {
        evaluate: (alarms) =>
            new Map(
                alarms.map((a) => [
                    a.alarmName,
                    (changes[a.resourceName] ?? []).map(([minute, state, value]): AlarmStateAt => ({
                        minute,
                        state,
                        ...(value !== undefined ? { value } : {}),
                        reason: "fake",
                    })),
                ]),
            ),
    };
}

const scenario = (extra: Record<string, unknown> = {}, expect: Record<string, unknown> = { alarms: ["errors"] }) =>
    parseScenario(
        {
            name: "s",
            minutes: 30,
            metrics: [
                {
                    namespace: "N",
                    metricName: "errors",
                    points: [
                        [0, 0],
                        [2, 9],
                    ],
                },
            ],
            expect,
            ...extra,
        },
        "s.json",
    );

const kinds = (r: ScenarioResult) =>
    r.timeline.map(
        (e) =>
            `${e.minute} ${e.kind}${"alarm" in e ? ` ${e.alarm.replace("-abc1234", "")}` : ""}${e.kind === "state" ? ` ${e.from}->${e.to}` : ""}${e.kind === "release" ? ` ${e.action}` : ""}`,
    );

describe("drill run: the timeline", () => {
    it("follows each change to its topic and endpoints; the state after the first evaluation is where the alarm already was", () => {
        const r = runScenario(
            model(),
            scenario(),
            fake({
                errors: [
                    [0, "OK"],
                    [3, "ALARM", 9],
                    [6, "OK", 1],
                ],
                "slow-5min": [[4, "OK"]],
            }),
        );
        assert.deepEqual(kinds(r), ["3 state errors OK->ALARM", "3 notify errors", "6 state errors ALARM->OK", "6 notify errors"]);
        assert.deepEqual(r.timeline[0], { minute: 3, kind: "state", alarm: "errors-abc1234", from: "OK", to: "ALARM", value: 9, severity: "critical" });
        assert.deepEqual(r.timeline[1], {
            minute: 3,
            kind: "notify",
            alarm: "errors-abc1234",
            topic: "critical",
            endpoints: [
                { protocol: "email", endpoint: "oncall@example.com", pendingConfirmation: true },
                { protocol: "https", endpoint: "https://pager.example.com/x", pendingConfirmation: false },
            ],
        });
        assert.deepEqual([r.detectedAtMinute, r.notifiedAtMinute, r.escalatedAtMinute, r.rolledBackAtMinute, r.firstSignalMinute], [3, 3, null, null, 2]);
        assert.equal(r.pass, true);
    });

    it("an alarm in ALARM at its first evaluation is notified; disabled actions and unknown targets notify no one", () => {
        const m = model();
        m.alarms[1] = { ...m.alarms[1]!, actionsEnabled: false } as MetricAlarmModel;
        m.alarms[0] = { ...m.alarms[0]!, alarmActions: ["arn:aws:sns:us-east-1:999999999999:elsewhere"] } as MetricAlarmModel;
        const r = runScenario(m, scenario(), fake({ errors: [[0, "ALARM", 9]], latency: [[2, "ALARM"]] }));
        assert.deepEqual(kinds(r), ["0 state errors INSUFFICIENT_DATA->ALARM", "0 notify errors", "2 state latency INSUFFICIENT_DATA->ALARM"]);
        assert.deepEqual((r.timeline[1] as Extract<TimelineEvent, { kind: "notify" }>).endpoints, []);
        assert.equal(r.notifiedAtMinute, null, "nobody was reached");
        assert.match(timelineLines(m, r).join("\n"), /latency ALARM -> actions disabled: no one is told/);
        assert.match(
            timelineLines(m, r)[0]!,
            /errors ALARM \(9 > 5\) -> arn:aws:sns:us-east-1:999999999999:elsewhere -> no one \(not a topic of this program\)$/,
        );
    });

    it("a topic encrypted with alias/aws/sns reaches no one: CloudWatch cannot publish to it", () => {
        const m = model();
        m.topics[0] = { ...m.topics[0]!, alarmsCannotPublish: "encrypted with the AWS-managed key alias/aws/sns, which CloudWatch cannot use" } as TopicModel;
        const r = runScenario(m, scenario({}, { notify: ["oncall@*"] }), fake({ errors: [[3, "ALARM", 9]] }));
        assert.deepEqual((r.timeline[1] as Extract<TimelineEvent, { kind: "notify" }>).endpoints, []);
        assert.deepEqual([r.notifiedAtMinute, r.failures], [null, ['expected "oncall@*" to be notified; no one was notified of an alarm']]);
        assert.equal(
            timelineLines(m, r)[0],
            "t+3m  errors ALARM (9 > 5) -> critical -> no one (encrypted with the AWS-managed key alias/aws/sns, which CloudWatch cannot use)",
        );
    });

    it("escalation: an ALARM on an escalation topic, timed, and whether it reaches someone new", () => {
        const changes = fake({ latency: [[3, "ALARM", 2000]], "latency-escalated": [[10, "ALARM", 2000]] });
        const expect = { alarms: ["latency"], severity: "warning", escalatesWithinMinutes: 8 };
        const r = runScenario(model(), scenario({}, expect), changes);
        assert.equal(r.timeline.find((e) => e.minute === 10 && e.kind === "escalate")?.kind, "escalate");
        assert.deepEqual([r.detectedAtMinute, r.escalatedAtMinute], [3, 10]);
        assert.deepEqual(r.failures, [], "lead@example.com is new, 8 minutes after the signal at t+2m");
        assert.deepEqual(runScenario(model(), scenario({}, { ...expect, escalatesWithinMinutes: 7 }), changes).failures, [
            "expected an escalation within 7 min of the first signal at t+2m; latency-escalated escalated to escalation at t+10m (8 min)",
        ]);
        const sameInbox = model();
        sameInbox.topics[2] = topic("escalation", "escalation", ["team@example.com"]);
        const again = runScenario(sameInbox, scenario({}, expect), changes);
        assert.deepEqual(again.failures, [
            "expected an escalation to someone new within 8 min of the first signal at t+2m; the escalation at t+10m (latency-escalated -> escalation) reaches only team@example.com, who already had the alert",
        ]);
        assert.match(
            timelineLines(sameInbox, again).join("\n"),
            /t\+10m {2}latency-escalated ALARM \(2000 > 5\) -> ESCALATE escalation -> 1 email \(no one new\)/,
        );
        assert.deepEqual(runScenario(model(), scenario({}, { escalatesWithinMinutes: 8 }), fake({ latency: [[3, "ALARM"]] })).failures, [
            "expected an escalation within 8 min of the first signal at t+2m; nothing escalated",
        ]);
    });
});

describe("drill run: releases", () => {
    const release = (extra: Record<string, unknown> = {}) => ({ release: { function: "api", startsAtMinute: 2, ...extra } });

    it("a deployment's minutes: its traffic shifting, then its bake; a default when its config is unreadable", () => {
        assert.deepEqual(releaseDuration(group()), { minutes: 7, how: "canary 10%, the rest after 5 min, then a 2 min bake" });
        assert.deepEqual(releaseDuration(group({ traffic: { type: "TimeBasedLinear", percentage: 25, intervalMinutes: 3 }, bakeMinutes: 5 })), {
            minutes: 14,
            how: "linear 25% every 3 min (4 steps), then a 5 min bake",
        });
        assert.deepEqual(releaseDuration(group({ traffic: { type: "AllAtOnce" }, bakeMinutes: undefined })), { minutes: 1, how: "all at once" });
        assert.equal(releaseDuration(group({ traffic: undefined, deploymentConfigName: "custom" })).minutes, DEFAULT_RELEASE_MINUTES);
    });

    it("stops and rolls back on the first rollback alarm in ALARM while it runs", () => {
        const r = runScenario(model(), scenario(release(), { rollback: "api" }), fake({ errors: [[4, "ALARM", 9]] }));
        assert.deepEqual(kinds(r), ["2 release start", "4 state errors INSUFFICIENT_DATA->ALARM", "4 notify errors", "4 rollback errors"]);
        assert.deepEqual(r.timeline[3], { minute: 4, kind: "rollback", function: "api", group: "stack-api", alarm: "errors-abc1234" });
        assert.deepEqual(r.release, {
            function: "api",
            group: "stack-api",
            startsAtMinute: 2,
            durationMinutes: 7,
            endsAtMinute: 9,
            how: "canary 10%, the rest after 5 min, then a 2 min bake",
        });
        assert.deepEqual([r.rolledBackAtMinute, r.pass], [4, true]);
        const lines = timelineLines(model(), r);
        assert.deepEqual(lines, [
            "t+2m  CodeDeploy api: release starts (canary 10%, the rest after 5 min, then a 2 min bake: until t+9m)",
            "t+4m  errors ALARM (9 > 5) -> critical -> 1 email, pager",
            "t+4m  CodeDeploy api: stop and roll back (errors in ALARM)",
        ]);
        // An alarm already firing when the release starts stops it at once; its last minute (t+8m) still counts.
        assert.equal(runScenario(model(), scenario(release()), fake({ errors: [[1, "ALARM"]] })).rolledBackAtMinute, 2);
        assert.equal(runScenario(model(), scenario(release()), fake({ errors: [[8, "ALARM"]] })).rolledBackAtMinute, 8);
        // Its 7 minutes from the start of t+2m end at the start of t+9m: an ALARM at the end of t+9m comes after it completed.
        const atEnd = runScenario(model(), scenario(release(), { rollback: "api" }), fake({ errors: [[9, "ALARM"]] }));
        assert.equal(atEnd.rolledBackAtMinute, null);
        assert.deepEqual(kinds(atEnd), ["2 release start", "9 release complete", "9 state errors INSUFFICIENT_DATA->ALARM", "9 notify errors"]);
        assert.deepEqual(atEnd.failures, [
            "expected the release of api to roll back; it completed at t+9m: no rollback alarm of stack-api (errors) reached ALARM while it ran; errors reached ALARM only at t+9m",
        ]);
    });

    it("says why a release did not roll back: too late, still running, no rollback on alarm, alarms off", () => {
        const late = runScenario(model(), scenario(release(), { rollback: "api" }), fake({ errors: [[12, "ALARM"]] }));
        assert.deepEqual(kinds(late).slice(0, 2), ["2 release start", "9 release complete"]);
        assert.deepEqual(late.failures, [
            "expected the release of api to roll back; it completed at t+9m: no rollback alarm of stack-api (errors) reached ALARM while it ran; errors reached ALARM only at t+12m",
        ]);
        const running = runScenario(model(), scenario({ ...release({ durationMinutes: 60 }) }, { rollback: "api" }), fake({}));
        assert.deepEqual(running.failures, [
            "expected the release of api to roll back; it was still running at the end (t+29m): no rollback alarm of stack-api (errors) reached ALARM while it ran",
        ]);
        assert.equal(running.release?.how, "60 min (release.durationMinutes)");
        const stops = model({ releaseGroups: [group({ rollsBackOnAlarm: false })] });
        const stopped = runScenario(stops, scenario(release(), { rollback: "api" }), fake({ errors: [[4, "ALARM"]] }));
        assert.deepEqual(kinds(stopped).slice(-1), ["4 release stop"]);
        assert.deepEqual(stopped.failures, [
            "expected the release of api to roll back; it stopped at t+4m on errors but does not roll back (autoRollbackConfiguration lacks DEPLOYMENT_STOP_ON_ALARM)",
        ]);
        const off = runScenario(
            model({ releaseGroups: [group({ alarmsEnabled: false })] }),
            scenario(release(), { rollback: "api" }),
            fake({ errors: [[4, "ALARM"]] }),
        );
        assert.deepEqual(off.failures, [
            "expected the release of api to roll back; its deployment group stack-api does not stop on alarms (alarmConfiguration not enabled, alarms: errors)",
        ]);
        assert.deepEqual(runScenario(model(), scenario(release(), { rollback: false }), fake({ errors: [[4, "ALARM"]] })).failures, [
            "expected no rollback; the release of api rolled back at t+4m on errors",
        ]);
    });
});

describe("drill run: stacks, release strategies, per-stack minutes and ${stack}", () => {
    const on = (stack: string) => model({ stack });
    const late = fake({ errors: [[9, "ALARM"]], latency: [[4, "ALARM"]], "latency-escalated": [[12, "ALARM"]] });

    it("skips a scenario whose stacks leave the stack out: it passes with an empty timeline and says why", () => {
        const s = scenario({ stacks: ["prod", "qa-*"] }, { alarms: ["errors"], withinMinutes: 1 });
        const skipped = runScenario(on("dev"), s, late);
        assert.deepEqual([skipped.pass, skipped.timeline, skipped.failures, skipped.detectedAtMinute], [true, [], [], null]);
        assert.equal(skipped.skipped, "applies to stacks prod, qa-* only (stacks), not to dev");
        assert.match(
            renderText(on("dev"), [skipped]),
            /^SKIP s \(stack dev\): applies to stacks prod, qa-\* only \(stacks\), not to dev\n\n1 scenario on stack dev: all PASS, 1 skipped \(not for this stack\)$/,
        );
        assert.equal(runScenario(on("qa-2"), s, late).skipped, undefined, "a glob");
        assert.deepEqual(runScenario(on("prod"), s, late).failures, [
            "expected an alarm within 1 min of the first signal at t+2m; errors reached ALARM at t+9m (7 min)",
        ]);
    });

    it("runs a release.strategy scenario only where the deployment group shifts traffic that way", () => {
        const s = scenario({ release: { function: "api", startsAtMinute: 2, strategy: "all-at-once" } }, { rollback: "api" });
        assert.equal(
            runScenario(model(), s, late).skipped,
            "needs an all-at-once release of api (release.strategy); on stack test its deployment group stack-api shifts traffic canary",
        );
        const allAtOnce = model({ releaseGroups: [group({ traffic: { type: "AllAtOnce" }, bakeMinutes: 5, deploymentConfigName: "stack-all-at-once" })] });
        const ran = runScenario(
            allAtOnce,
            scenario({ release: { function: "api", startsAtMinute: 2, strategy: "all-at-once" } }, { rollback: "api" }),
            fake({ errors: [[5, "ALARM"]] }),
        );
        assert.deepEqual([ran.skipped, ran.rolledBackAtMinute, ran.pass], [undefined, 5, true]);
        const linear = scenario({ release: { function: "api", startsAtMinute: 2, strategy: "linear" } }, { rollback: "api" });
        assert.match(runScenario(allAtOnce, linear, late).skipped!, /^needs a linear release of api .* shifts traffic all-at-once \(stack-all-at-once\)$/);
        const unreadable = model({ releaseGroups: [group({ traffic: undefined, deploymentConfigName: "custom" })] });
        assert.match(runScenario(unreadable, linear, late).skipped!, /has a deployment config the drill cannot read \(custom\)$/);
    });

    it("reads withinMinutes and escalatesWithinMinutes per stack, * for the others", () => {
        const expect = { alarms: ["latency"], withinMinutes: { prod: 1, "*": 5 }, escalatesWithinMinutes: { prod: 5, dev: 10 } };
        assert.deepEqual(runScenario(on("dev"), scenario({}, expect), late).failures, []);
        assert.deepEqual(runScenario(on("prod"), scenario({}, expect), late).failures, [
            "expected an alarm within 1 min of the first signal at t+2m; latency reached ALARM at t+4m (2 min)",
            "expected an escalation within 5 min of the first signal at t+2m; latency-escalated escalated to escalation at t+12m (10 min)",
        ]);
        assert.deepEqual(runScenario(on("staging"), scenario({}, expect), late).failures, ["expect.escalatesWithinMinutes names no minutes for stack staging"]);
    });

    it("reads ${stack} in the scenario's strings as the stack's name", () => {
        const s = scenario(
            {
                metrics: [
                    {
                        namespace: "N",
                        metricName: "errors-${stack}",
                        points: [
                            [0, 0],
                            [2, 9],
                        ],
                    },
                ],
            },
            { alarms: ["${stack}-errors"] },
        );
        const bound = forStack(s, "prod");
        assert.equal(bound.metrics[0]!.metricName, "errors-prod");
        assert.deepEqual(bound.expect.alarms, ["prod-errors"]);
        assert.equal(forStack(scenario(), "prod").name, "s");
    });
});

describe("drill run: expectations", () => {
    it("alarms, quiet, severity (the most severe of the first minute), withinMinutes and notify, each with its reason", () => {
        const changes = fake({ latency: [[5, "ALARM"]], errors: [[9, "ALARM"]] });
        const run = (expect: Record<string, unknown>) => runScenario(model(), scenario({}, expect), changes).failures;
        assert.deepEqual(run({ alarms: ["errors", "latency", "slow-*"] }), [
            'expected an alarm matching "slow-*" to reach ALARM; none did (slow-5min did not)',
        ]);
        assert.deepEqual(run({ quiet: true }), ["expected no alarm; latency at t+5m, errors at t+9m reached ALARM"]);
        assert.deepEqual(run({ severity: "critical" }), ["expected severity critical, first alarm latency is warning"]);
        assert.deepEqual(run({ alarms: ["errors"], severity: "critical", withinMinutes: 7 }), [], "the first of the expected alarms, 7 min after t+2m");
        assert.deepEqual(run({ withinMinutes: 2 }), ["expected an alarm within 2 min of the first signal at t+2m; latency reached ALARM at t+5m (3 min)"]);
        assert.deepEqual(run({ notify: ["*pager*", "lead@*"] }), [
            'expected "lead@*" to be notified; notified: team@example.com, oncall@example.com, https://pager.example.com/x',
        ]);
        const same = fake({ latency: [[5, "ALARM"]], errors: [[5, "ALARM"]] });
        assert.deepEqual(runScenario(model(), scenario({}, { severity: "critical" }), same).failures, [], "same minute: the most severe");
        const none = fake({});
        assert.deepEqual(runScenario(model(), scenario({}, { severity: "info", withinMinutes: 1, notify: ["x"] }), none).failures, [
            "expected severity info, but no alarm reached ALARM",
            "expected an alarm within 1 min of the first signal at t+2m; none reached ALARM",
            'expected "x" to be notified; no one was notified of an alarm',
        ]);
    });
});

describe("drill run: the fixture program end to end, with the CloudWatch evaluator", function () {
    this.timeout(120_000);
    let m: DrillModel;
    const results: Record<string, ScenarioResult> = {};
    before(async () => {
        m = buildModel(await runPreview({ cwd: FIXTURE, stack: "dev", mode: "update", policyPacks: [] }));
        for (const name of [
            "orders-bad-release",
            "orders-latency-escalates",
            "app-log-errors",
            "quiet-baseline",
            "billing-release-stops",
            "finding-high-pages",
        ]) {
            const file = path.join(FIXTURE, "drills", `${name}.json`);
            const s = loadScenario(file, `drills/${name}.json`);
            checkScenario(s, m, `drills/${name}.json`);
            results[name] = runScenario(m, s, cloudWatch, `drills/${name}.json`);
        }
    });

    it("a bad release: detected, paged, rolled back by the canary's alarms; the composite follows its children", () => {
        const r = results["orders-bad-release"]!;
        assert.deepEqual(r.failures, []);
        assert.deepEqual([r.firstSignalMinute, r.detectedAtMinute, r.notifiedAtMinute, r.rolledBackAtMinute], [4, 5, 5, 5]);
        assert.deepEqual(timelineLines(m, r), [
            "t+2m  CodeDeploy orders: release starts (canary 10%, the rest after 5 min: until t+7m)",
            "t+5m  orders-errors ALARM (20 >= 5) -> critical-eb6e55a -> 1 email, pager",
            "t+5m  CodeDeploy orders: stop and roll back (orders-errors in ALARM)",
            "t+6m  orders-error-rate ALARM (20 > 10) -> critical-eb6e55a -> 1 email, pager",
            "t+6m  orders-down ALARM -> critical-eb6e55a -> 1 email, pager",
        ]);
    });

    it("a warning that lasts escalates to the lead and the pager", () => {
        const r = results["orders-latency-escalates"]!;
        assert.deepEqual([r.pass, r.detectedAtMinute, r.escalatedAtMinute], [true, 5, 12]);
        assert.match(
            timelineLines(m, r)[1]!,
            /^t\+12m {2}orders-latency-escalated ALARM .* -> ESCALATE ops-escalation -> 1 email, pager \(new: lead@example\.com, https:/,
        );
    });

    it("log events become alarms through their metric filters (JSON and term patterns)", () => {
        const r = results["app-log-errors"]!;
        assert.deepEqual(r.failures, []);
        assert.deepEqual(
            r.timeline
                .filter((e) => e.kind === "state")
                .map((e) => [e.minute, (e as { alarm: string }).alarm.replace(/-[0-9a-f]{7}$/, ""), (e as { to: string }).to]),
            [
                [5, "app-errors", "ALARM"],
                [8, "app-errors", "OK"],
                [11, "app-timeouts", "ALARM"],
            ],
        );
    });

    it("a quiet baseline stays quiet and its release completes; a group that only stops fails its rollback expectation", () => {
        assert.deepEqual(kinds(results["quiet-baseline"]!), ["1 release start", "6 release complete"]);
        assert.equal(results["quiet-baseline"]!.pass, true);
        const billing = results["billing-release-stops"]!;
        assert.equal(billing.pass, false);
        assert.deepEqual(billing.failures, [
            "expected the release of billing to roll back; it stopped at t+4m on orders-errors but does not roll back (autoRollbackConfiguration lacks DEPLOYMENT_STOP_ON_ALARM)",
        ]);
    });

    it("findings follow the EventBridge rules they match to topics, and a topic EventBridge may not publish to tells no one", () => {
        const r = results["finding-high-pages"]!;
        assert.deepEqual([r.firstSignalMinute, r.detectedAtMinute, r.notifiedAtMinute], [2, 2, 2]);
        assert.deepEqual(timelineLines(m, r), [
            "t+2m  event GuardDuty Finding (aws.guardduty) matches rule findings-high -> critical-eb6e55a -> 1 email, pager",
            "t+4m  event GuardDuty Finding (aws.guardduty) matches rule findings-medium -> ops-warning -> no one (no topic policy lets events.amazonaws.com publish, and the default one admits only the account's own principals)",
        ]);
        // The disabled catch-all rule matches nothing; the medium finding's team never hears of it.
        assert.deepEqual(r.failures, [
            'expected "team@example.com" to be notified; notified: oncall@example.com, https://events.pagerduty.example.com/integration/abc/enqueue',
        ]);
        const quiet = runScenario(m, { ...loadScenario(path.join(FIXTURE, "drills", "finding-high-pages.json")), expect: { quiet: true } }, cloudWatch);
        assert.deepEqual(quiet.failures, [
            "expected no one to be told; the rules findings-high at t+2m, findings-medium at t+4m matched an event and delivered it",
        ]);
    });

    it("renders text (PASS/FAIL, times, pending confirmations, reasons) and JSON { stack, scenarios }", () => {
        const all = Object.values(results);
        const text = renderText(m, all);
        assert.match(text, /^PASS orders-bad-release \(stack dev, drills\/orders-bad-release\.json\)$/m);
        assert.match(text, /^ {2}from the first signal at t\+4m: detect 1 min \(t\+5m\), notify 1 min \(t\+5m\), escalate -, roll back 1 min \(t\+5m\)$/m);
        assert.match(text, /^ {2}pending confirmation \(they receive nothing until they confirm the subscription\): oncall@example\.com$/m);
        assert.match(text, /^FAIL billing-release-stops .*\n(.*\n)* {2}- expected the release of billing to roll back;/m);
        assert.match(text, /6 scenarios on stack dev: 2 FAIL$/);
        const json = JSON.parse(renderJson(m.stack, all)) as { stack: string; scenarios: Array<Record<string, unknown>> };
        assert.equal(json.stack, "dev");
        assert.deepEqual(Object.keys(json.scenarios[0]!).slice(0, 10), [
            "name",
            "file",
            "pass",
            "failures",
            "timeline",
            "firstSignalMinute",
            "detectedAtMinute",
            "notifiedAtMinute",
            "escalatedAtMinute",
            "rolledBackAtMinute",
        ]);
        assert.equal(json.scenarios.find((s) => s.name === "quiet-baseline")!.detectedAtMinute, null);
    });

    it("summarizes endpoints by protocol", () => {
        const e = (protocol: string, endpoint: string) => ({ protocol, endpoint, pendingConfirmation: false });
        assert.equal(endpointSummary([e("email", "a@x"), e("email", "b@x"), e("https", "[secret]")]), "2 emails, pager");
        assert.equal(
            endpointSummary([e("https", "https://hooks.example.com/x"), e("sqs", "arn:q"), e("lambda", "arn:f")]),
            "1 https endpoint, 1 queue, 1 function",
        );
        assert.equal(endpointSummary([]), "no subscriber");
    });
});
