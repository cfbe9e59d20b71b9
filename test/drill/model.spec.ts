/**
 * The monitoring model the drill reads from a preview: from a real preview of the repository's dev stack
 * (update mode), from the flat fixture program with plain aws.cloudwatch.MetricAlarm resources in both
 * modes (a first preview's unknown ARNs resolved through property dependencies), and from hand-made
 * resource records for the edge cases.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { runPreview, type PreviewReport, type ResourceRecord } from "../../tools/preview";
import { stackPreview } from "../shared/stack-previews";
import { record as customRecord } from "../tools/fake-stack-view";
import {
    alarmSeverity,
    buildModel,
    displayName,
    predefinedTraffic,
    topicOfAction,
    topicSeverity,
    UNKNOWN_SENTINEL,
    type DrillModel,
} from "../../tools/drill/model";
import { patternMatcher } from "../../tools/drill/scenario";
import type { MetricAlarmModel } from "../../tools/drill/types";

const REPO = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(REPO, "test", "fixtures", "drill", "plain-alarms");

function metricAlarm(model: DrillModel, resourceName: string): MetricAlarmModel {
    const a = model.alarms.find((x) => x.resourceName === resourceName);
    assert.ok(a && a.kind === "metric", `metric alarm ${resourceName}`);
    return a;
}

describe("drill model: the repository's dev stack (update mode)", function () {
    this.timeout(120_000);
    let report: PreviewReport;
    let model: DrillModel;
    before(async () => {
        report = await stackPreview("dev");
        model = buildModel(report);
    });

    it("has every metric alarm, named by its (autonamed) name input", () => {
        const alarms = report.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.equal(model.stack, "dev");
        assert.equal(model.alarms.length, alarms.length);
        for (const a of model.alarms) {
            assert.match(a.alarmName, new RegExp(`^${a.resourceName}-[0-9a-f]{7}$`), "the mock's autoname");
            assert.equal(displayName(a), a.resourceName);
        }
    });

    it("reads a single-metric alarm: metric, statistic, period, M of N, missing data, actions to its severity topic", () => {
        const a = metricAlarm(model, "gateway-5xx-rate");
        assert.deepEqual(a.queries, [
            {
                id: "m1",
                returnData: true,
                metric: {
                    namespace: "AWS/ApiGateway",
                    metricName: "5XXError",
                    dimensions: { ApiName: "platform-dev-api", Stage: "v1" },
                    stat: "Average",
                    periodSeconds: 60,
                },
            },
        ]);
        assert.deepEqual(
            [a.periodSeconds, a.evaluationPeriods, a.datapointsToAlarm, a.comparisonOperator, a.treatMissingData],
            [60, 5, 3, "GreaterThanThreshold", "notBreaching"],
        );
        assert.equal(a.threshold, 0.01);
        assert.deepEqual(a.alarmActions, ["arn:aws:sns:eu-west-1:123456789012:platform-dev-alerts-critical"]);
        assert.deepEqual(a.okActions, a.alarmActions);
        assert.equal(alarmSeverity(model, a), "critical");
        const p99 = metricAlarm(model, "gateway-latency-p99");
        assert.equal((p99.queries[0] as { metric: { stat: string } }).metric.stat, "p99", "extendedStatistic");
    });

    it("reads metric math: the expression and its metric queries", () => {
        const a = metricAlarm(model, "api-error-rate");
        const expression = a.queries.find((q) => "expression" in q);
        assert.deepEqual(expression, { id: "signal", returnData: true, expression: "IF(invocations > 0, 100 * errors / invocations, 0)" });
        assert.deepEqual(
            a.queries.flatMap((q) => ("metric" in q ? [[q.id, q.returnData, q.metric.metricName, q.metric.stat, q.metric.dimensions.FunctionName]] : [])),
            [
                ["errors", false, "Errors", "Sum", "platform-dev-api"],
                ["invocations", false, "Invocations", "Sum", "platform-dev-api"],
            ],
        );
        assert.equal(a.periodSeconds, 60, "from the metrics' period");
    });

    it("resolves every alarm action to a topic of the stack; topics carry their severity and subscriptions", () => {
        for (const a of model.alarms)
            for (const action of [...a.alarmActions, ...a.okActions]) assert.ok(topicOfAction(model, action), `${a.alarmName}: ${action}`);
        const severities = Object.fromEntries(model.topics.filter((t) => t.severity).map((t) => [t.topicName, t.severity]));
        assert.deepEqual(severities, {
            "platform-dev-alerts-critical": "critical",
            "platform-dev-alerts-warning": "warning",
            "platform-dev-alerts-info": "info",
            "platform-dev-alerts-escalation": "escalation",
            "platform-dev-global-alerts-critical": "critical",
            "platform-dev-global-alerts-warning": "warning",
            "platform-dev-global-alerts-info": "info",
            "platform-dev-global-alerts-escalation": "escalation",
        });
        const byName = (n: string) => model.topics.find((t) => t.topicName === n)!;
        assert.equal(
            byName("platform-dev-global-alerts-critical").arn,
            "arn:aws:sns:us-east-1:123456789012:platform-dev-global-alerts-critical",
            "its own region",
        );
        assert.deepEqual(byName("platform-dev-alerts-critical").subscriptions, [
            { protocol: "email", endpoint: "platform-dev-alerts@example.com", pendingConfirmation: true },
        ]);
        // dev's escalated tier has a mailbox of its own (escalationEmails), so an escalation reaches someone new.
        assert.deepEqual(
            byName("platform-dev-alerts-escalation").subscriptions.map((s) => s.endpoint),
            ["platform-dev-escalation@example.com"],
        );
        assert.deepEqual(
            byName("platform-dev-events").subscriptions.map((s) => [s.protocol, s.pendingConfirmation]),
            [["sqs", false]],
        );
    });

    it("gives every warning alarm an escalation twin on the escalation topic", () => {
        const warnings = model.alarms.filter((a) => a.tags.severity === "warning");
        assert.ok(warnings.length > 10);
        for (const w of warnings) {
            const twin = model.alarms.find((a) => a.tags.escalates === w.resourceName);
            assert.ok(twin, `${w.resourceName} has a twin`);
            assert.equal(twin.resourceName, `${w.resourceName}-escalated`);
            assert.deepEqual(
                twin.alarmActions.map((x) => topicOfAction(model, x)?.severity),
                ["escalation"],
            );
            assert.equal(alarmSeverity(model, twin), "escalation");
        }
    });

    it("reads the CodeDeploy groups: the function, the rollback alarms by name, rollback on alarm, the traffic and the bake", () => {
        assert.deepEqual(model.releaseGroups.map((g) => g.functionName).sort(), ["api", "email-worker", "search-indexer", "ses-feedback"]);
        const names = new Set(model.alarms.map((a) => a.alarmName));
        for (const g of model.releaseGroups) {
            assert.ok(g.rollbackAlarmNames.length > 0 && g.rollbackAlarmNames.every((n) => names.has(n)), g.resourceName);
            assert.equal(g.rollsBackOnAlarm, true);
            assert.equal(g.alarmsEnabled, true);
            assert.deepEqual(g.traffic, { type: "AllAtOnce" }, "dev releases blue/green");
            assert.equal(g.bakeMinutes, 5, "releaseBakeMinutes of Pulumi.dev.yaml, from the AfterAllowTraffic hook");
        }
        const api = model.releaseGroups.find((g) => g.functionName === "api")!;
        assert.equal(api.deploymentGroupName, "platform-dev-api");
        assert.deepEqual(
            api.rollbackAlarmNames.map((n) => displayName(model.alarms.find((a) => a.alarmName === n)!)),
            ["api-error-rate", "api-duration-p99", "api-version-failure-rate", "gateway-5xx-rate", "gateway-latency-p99"],
        );
    });

    it("reads the log metric filters: group, pattern, metric and default value; the drill evaluates their patterns", () => {
        // Eight on the trail's log group, and the API's 429 count on its access log.
        const trail = model.logMetricFilters.filter((f) => f.logGroupName === "/aws/cloudtrail/platform-dev");
        assert.equal(trail.length, 8);
        for (const f of trail) assert.equal(f.metric.namespace, "platform-dev/Security");
        const throttled = model.logMetricFilters.filter((f) => f.logGroupName !== "/aws/cloudtrail/platform-dev");
        assert.deepEqual(
            throttled.map((f) => [f.metric.namespace, f.metric.metricName, f.pattern]),
            [["platform-dev-api", "ThrottledRequests", '{ $.status = "429" }']],
        );
        for (const f of model.logMetricFilters) {
            assert.equal(f.defaultValue, 0);
            assert.doesNotThrow(() => patternMatcher(f.pattern), f.pattern);
        }
        assert.equal(patternMatcher(throttled[0]!.pattern)(JSON.stringify({ status: "429" })), true);
        assert.equal(patternMatcher(throttled[0]!.pattern)(JSON.stringify({ status: "200" })), false);
        const root = model.logMetricFilters.find((f) => f.metric.metricName === "RootAccountUsage")!;
        const matches = patternMatcher(root.pattern);
        assert.equal(matches(JSON.stringify({ userIdentity: { type: "Root" }, eventType: "AwsApiCall" })), true);
        assert.equal(matches(JSON.stringify({ userIdentity: { type: "Root", invokedBy: "support.amazonaws.com" }, eventType: "AwsApiCall" })), false);
        assert.equal(matches(JSON.stringify({ userIdentity: { type: "IAMUser" }, eventType: "AwsApiCall" })), false);
    });
});

describe("drill model: a flat program with plain MetricAlarm resources", function () {
    this.timeout(120_000);
    const models: Partial<Record<"update" | "create", DrillModel>> = {};
    before(async () => {
        const [update, create] = await Promise.all(
            (["update", "create"] as const).map((mode) => runPreview({ cwd: FIXTURE, stack: "dev", mode, policyPacks: [] })),
        );
        models.update = buildModel(update);
        models.create = buildModel(create);
    });

    it("names alarms by their name input, else as the provider autonames the logical name", () => {
        const m = models.update!;
        assert.equal(metricAlarm(m, "queue-age").alarmName, "orders-queue-age");
        assert.match(metricAlarm(m, "orders-errors").alarmName, /^orders-errors-[0-9a-f]{7}$/);
        const composite = m.alarms.find((a) => a.kind === "composite")!;
        assert.equal(composite.alarmName, "orders-down");
        assert.equal(
            composite.kind === "composite" && composite.alarmRule,
            `ALARM("${metricAlarm(m, "orders-errors").alarmName}") AND ALARM("${metricAlarm(m, "orders-error-rate").alarmName}")`,
        );
    });

    it("takes severity from a topic's tag or its name, and alarms' severity from their topics", () => {
        for (const m of [models.update!, models.create!]) {
            assert.deepEqual(Object.fromEntries(m.topics.map((t) => [t.resourceName, t.severity ?? null])), {
                critical: "critical",
                "ops-warning": "warning",
                "ops-escalation": "escalation",
                events: null,
            });
            assert.equal(alarmSeverity(m, metricAlarm(m, "orders-latency")), "warning");
            assert.equal(alarmSeverity(m, metricAlarm(m, "orders-latency-escalated")), "escalation");
        }
    });

    it("update mode: actions are the topics' ARNs; a dimension from a computed id is known", () => {
        const m = models.update!;
        const critical = m.topics.find((t) => t.resourceName === "critical")!;
        assert.match(critical.arn, /^arn:aws:sns:us-east-1:123456789012:critical-[0-9a-f]{7}$/);
        assert.deepEqual(metricAlarm(m, "orders-errors").alarmActions, [critical.arn]);
        assert.match((metricAlarm(m, "api-5xx").queries[0] as { metric: { dimensions: Record<string, string> } }).metric.dimensions.ApiId!, /^http-api-/);
    });

    it("create mode: unknown ARNs resolve through property dependencies, unknown dimension values become *", () => {
        const m = models.create!;
        for (const a of m.alarms) for (const action of a.alarmActions) assert.ok(topicOfAction(m, action), `${a.resourceName}: ${action}`);
        const critical = m.topics.find((t) => t.resourceName === "critical")!;
        assert.equal(critical.arn, `arn:aws:sns:*:*:${critical.topicName}`, "a stand-in with the unknown parts as *");
        assert.deepEqual(
            critical.subscriptions.map((s) => [s.protocol, s.pendingConfirmation]),
            [
                ["email", true],
                ["https", false],
            ],
            "subscriptions by the topic they depend on; the pager auto-confirms",
        );
        assert.deepEqual((metricAlarm(m, "api-5xx").queries[0] as { metric: { dimensions: Record<string, string> } }).metric.dimensions, {
            ApiId: "*",
            Stage: "$default",
        });
    });

    it("reads predefined deployment configs, rollback events, and log filters with and without a default value", () => {
        for (const m of [models.update!, models.create!]) {
            const groups = Object.fromEntries(m.releaseGroups.map((g) => [g.functionName, g]));
            assert.deepEqual(groups.orders!.traffic, { type: "TimeBasedCanary", percentage: 10, intervalMinutes: 5 });
            assert.equal(groups.orders!.rollsBackOnAlarm, true);
            assert.equal(groups.orders!.rollbackAlarmNames.length, 2);
            assert.deepEqual(groups.billing!.traffic, { type: "TimeBasedLinear", percentage: 10, intervalMinutes: 1 });
            assert.equal(groups.billing!.rollsBackOnAlarm, false, "no DEPLOYMENT_STOP_ON_ALARM");
            assert.equal(groups.orders!.bakeMinutes, undefined, "no bake hook in this program");
            assert.deepEqual(m.logMetricFilters.map((f) => [f.metric.metricName, f.defaultValue]).sort(), [
                ["AppErrors", 0],
                ["Timeouts", undefined],
            ]);
        }
    });
});

describe("drill model: hand-made records", () => {
    const record = (type: string, name: string, inputs: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}): ResourceRecord => ({
        ...customRecord(type, name, inputs),
        urn: `urn:pulumi:test::p::${type}::${name}`,
        dependencies: Object.values(propertyDependencies).flat(),
        propertyDependencies,
    });
    const report = (resources: ResourceRecord[]): PreviewReport => ({
        project: "p",
        stack: "test",
        mode: "create",
        resources,
        outputs: {},
        diagnostics: [],
        logs: [],
        policyPacks: [],
        timings: { programMs: 0, policyMs: 0, totalMs: 0 },
        summary: { resources: resources.length, mandatory: 0, advisory: 0 },
    });

    it("turns the SDK's unknown sentinel and the report's [unknown] into * in dimensions; defaults what is left out", () => {
        const topic = record("aws:sns/topic:Topic", "pager", { name: "pager" });
        const m = buildModel(
            report([
                topic,
                record(
                    "aws:cloudwatch/metricAlarm:MetricAlarm",
                    "a",
                    {
                        namespace: "AWS/SQS",
                        metricName: "ApproximateAgeOfOldestMessage",
                        dimensions: { QueueName: UNKNOWN_SENTINEL, Other: "[unknown]", Known: "q" },
                        statistic: "Maximum",
                        alarmActions: [UNKNOWN_SENTINEL],
                    },
                    { alarmActions: [topic.urn] },
                ),
            ]),
        );
        const a = m.alarms[0] as MetricAlarmModel;
        assert.deepEqual((a.queries[0] as { metric: { dimensions: Record<string, string> } }).metric.dimensions, { QueueName: "*", Other: "*", Known: "q" });
        assert.deepEqual(
            [a.alarmName, a.periodSeconds, a.evaluationPeriods, a.datapointsToAlarm, a.treatMissingData, a.actionsEnabled],
            ["a", 60, 1, 1, "missing", true],
        );
        assert.deepEqual(a.alarmActions, ["arn:aws:sns:*:*:pager"], "the unknown ARN is the topic the property depends on");
        assert.equal(topicOfAction(m, a.alarmActions[0]!)?.resourceName, "pager");
    });

    it("a topic encrypted with the AWS-managed alias/aws/sns key cannot receive alarm notifications", () => {
        const m = buildModel(
            report([
                record("aws:sns/topic:Topic", "managed", { name: "managed", kmsMasterKeyId: "alias/aws/sns" }),
                record("aws:sns/topic:Topic", "own", { name: "own", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" }),
            ]),
        );
        assert.deepEqual(
            m.topics.map((t) => [t.topicName, t.alarmsCannotPublish ?? null]),
            [
                ["managed", "encrypted with the AWS-managed key alias/aws/sns, which CloudWatch cannot use"],
                ["own", null],
            ],
        );
    });

    it("a deployment group's alarm configuration is off unless enabled; rollback needs DEPLOYMENT_STOP_ON_ALARM", () => {
        const m = buildModel(
            report([
                record("aws:codedeploy/deploymentGroup:DeploymentGroup", "g", {
                    deploymentGroupName: "fn",
                    deploymentConfigName: "my-own-config",
                    alarmConfiguration: { alarms: ["x"] },
                    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
                }),
            ]),
        );
        const g = m.releaseGroups[0]!;
        assert.deepEqual([g.functionName, g.alarmsEnabled, g.rollsBackOnAlarm, g.traffic], ["fn", false, false, undefined]);
    });

    it("knows the predefined CodeDeploy Lambda configs and severity words in topic names", () => {
        assert.deepEqual(predefinedTraffic("CodeDeployDefault.LambdaAllAtOnce"), { type: "AllAtOnce" });
        assert.deepEqual(predefinedTraffic("CodeDeployDefault.LambdaCanary10Percent30Minutes"), {
            type: "TimeBasedCanary",
            percentage: 10,
            intervalMinutes: 30,
        });
        assert.deepEqual(predefinedTraffic("CodeDeployDefault.LambdaLinear10PercentEvery1Minute"), {
            type: "TimeBasedLinear",
            percentage: 10,
            intervalMinutes: 1,
        });
        assert.equal(predefinedTraffic("CodeDeployDefault.OneAtATime"), undefined);
        assert.equal(topicSeverity("team-alerts-escalated", {}), "escalation");
        assert.equal(topicSeverity("ops-critical", { severity: "info" }), "info", "the tag wins");
        assert.equal(topicSeverity("criticality-report", {}), undefined, "whole words only");
    });
});
