import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, MockRun, REGION, installMocks, list, statementsBySid, testContext, valueOf, functionTestArgs } from "./harness";

const KEY = (k: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${k}`;
const FN = (n: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n}`;

describe("Release component", function () {
    let run: MockRun;
    let rel: typeof import("../../components/release");
    let fnMod: typeof import("../../components/function");
    let canary: import("../../components/release").Release;
    /** Logical resource name -> ignoreChanges, read from the registrations. */
    const ignoreChanges: Record<string, string[]> = {};
    const target = (n: string) => ({
        functionName: `platform-dev-${n}`,
        functionArn: FN(`platform-dev-${n}`),
        aliasArn: `${FN(`platform-dev-${n}`)}:live`,
        latestVersion: "7",
        rollbackAlarmNames: [`${n}-error-rate`, `${n}-duration-p99`],
    });

    before(async function () {
        run = installMocks();
        // Also record ignoreChanges, which the shared harness does not keep.
        type Req = { getName(): string; getIgnorechangesList(): string[] };
        const monitor = (pulumi.runtime as unknown as { getMonitor(): { registerResource(req: Req, cb: unknown): void } }).getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: Req, cb: unknown) => {
            ignoreChanges[req.getName()] = req.getIgnorechangesList();
            register(req, cb);
        };
        rel = await import("../../components/release");
        fnMod = await import("../../components/function");
        const alertMod = await import("../../components/alerting");
        const ctx = testContext();
        const alerting = new alertMod.Alerting("alerts", { context: ctx, kmsKeyArn: KEY("messaging"), emails: ["a@example.com"], escalationMinutes: 15 });
        const fn = new fnMod.Function("api", functionTestArgs(ctx, alerting.routing, { releasedExternally: true }));
        canary = new rel.Release("release", { context: ctx, strategy: "canary", stepPercent: 10, intervalMinutes: 10, functions: { api: fn, worker: target("worker") } });
        new rel.Release("rolling", { context: testContext("staging"), strategy: "rolling", stepPercent: 25, intervalMinutes: 2, functions: { api: target("api") } });
        new rel.Release("bluegreen", { context: testContext("prod"), strategy: "blue-green", functions: { api: target("api") } });
        await run.settle();
    });

    describe("traffic routing per strategy", function () {
        it("blue-green moves everything at once; rolling is linear; canary is one step then the rest", function () {
            assert.deepEqual(rel.trafficRouting("blue-green", 10, 5), { type: "AllAtOnce" });
            assert.deepEqual(rel.trafficRouting("rolling", 25, 2), { type: "TimeBasedLinear", timeBasedLinear: { percentage: 25, interval: 2 } });
            assert.deepEqual(rel.trafficRouting("canary", 10, 10), { type: "TimeBasedCanary", timeBasedCanary: { percentage: 10, interval: 10 } });
        });

        it("builds a Lambda deployment config from the config values, named after its routing", function () {
            const canary = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig", "release-config");
            assert.equal(canary.inputs.computePlatform, "Lambda");
            assert.equal(canary.inputs.deploymentConfigName, "platform-dev-canary-10pct-10min");
            assert.deepEqual(canary.inputs.trafficRoutingConfig, { type: "TimeBasedCanary", timeBasedCanary: { percentage: 10, interval: 10 } });
            assert.equal(canary.inputs.minimumHealthyHosts, undefined, "Lambda configs take no minimum healthy hosts");
            const rolling = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig", "rolling-config");
            assert.equal(rolling.inputs.deploymentConfigName, "platform-staging-rolling-25pct-2min");
            assert.deepEqual(rolling.inputs.trafficRoutingConfig, { type: "TimeBasedLinear", timeBasedLinear: { percentage: 25, interval: 2 } });
            const bg = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig", "bluegreen-config");
            assert.equal(bg.inputs.deploymentConfigName, "platform-prod-all-at-once");
            assert.deepEqual(bg.inputs.trafficRoutingConfig, { type: "AllAtOnce" });
        });
    });

    describe("deployment groups", function () {
        it("one Lambda application per stack and one blue/green group with traffic control per function", function () {
            const app = run.one("aws:codedeploy/application:Application", "release-app");
            assert.equal(app.inputs.computePlatform, "Lambda");
            assert.equal(app.inputs.name, "platform-dev-functions");
            for (const key of ["api", "worker"]) {
                const g = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup", `release-${key}`);
                assert.equal(g.inputs.deploymentGroupName, `platform-dev-${key}`);
                assert.deepEqual(g.inputs.deploymentStyle, { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" });
                assert.deepEqual(g.propertyDependencies.appName, [app.urn]);
                assert.deepEqual(g.propertyDependencies.deploymentConfigName, [run.one("aws:codedeploy/deploymentConfig:DeploymentConfig", "release-config").urn]);
                assert.deepEqual(g.propertyDependencies.serviceRoleArn, [run.one("aws:iam/role:Role", "release-role").urn]);
                assert.equal(g.parentUrn.split("::").pop(), "release");
            }
        });

        it("rolls back automatically on a failed deployment and on an alarm, and never releases blind", function () {
            for (const g of run.ofType("aws:codedeploy/deploymentGroup:DeploymentGroup")) {
                assert.deepEqual(g.inputs.autoRollbackConfiguration, { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] }, g.name);
                assert.equal(g.inputs.alarmConfiguration.enabled, true, g.name);
                assert.equal(g.inputs.alarmConfiguration.ignorePollAlarmFailure, false, g.name);
            }
        });

        it("watches the function's own error-rate and p99 duration alarms", function () {
            const g = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup", "release-api");
            const errorRate = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "api-error-rate");
            const duration = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "api-duration-p99");
            assert.deepEqual(g.inputs.alarmConfiguration.alarms, [errorRate.inputs.name ?? "api-error-rate-abc123", duration.inputs.name ?? "api-duration-p99-abc123"]);
            assert.deepEqual([...g.propertyDependencies.alarmConfiguration].sort(), [errorRate.urn, duration.urn].sort());
            assert.match(errorRate.inputs.alarmDescription, /^\[critical\]/);
            const other = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup", "release-worker");
            assert.deepEqual(other.inputs.alarmConfiguration.alarms, ["worker-error-rate", "worker-duration-p99"]);
        });

        it("Pulumi leaves the live alias's version to the release once it exists", function () {
            assert.deepEqual(ignoreChanges["api-live"], ["functionVersion", "routingConfig"]);
        });

        it("exports what a release pipeline needs: application, group, function, alias, target version", async function () {
            const releases = await valueOf(canary.releases);
            assert.deepEqual(releases.worker, {
                application: "platform-dev-functions",
                deploymentGroup: "platform-dev-worker",
                functionName: "platform-dev-worker",
                alias: "live",
                targetVersion: "7",
            });
            assert.equal(releases.api.targetVersion, "1", "the version the Function published");
            assert.equal(releases.api.functionName, "platform-dev-api");
        });
    });

    describe("service role", function () {
        it("is trusted by CodeDeploy in this account only", function () {
            const role = run.one("aws:iam/role:Role", "release-role");
            assert.equal(role.inputs.name, "platform-dev-codedeploy");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
                { Effect: "Allow", Principal: { Service: "codedeploy.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
            ]);
            assert.equal(run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0, "no managed policy");
        });

        it("may shift only these aliases and read only these alarms: exact actions, no * resource", function () {
            const s = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "release-policy").inputs.policy);
            assert.deepEqual(Object.keys(s).sort(), ["ReadProvisionedConcurrency", "ReadRollbackAlarms", "ShiftLiveAliases"]);
            const api = FN("platform-dev-api");
            const worker = FN("platform-dev-worker");
            assert.deepEqual(list(s.ShiftLiveAliases.Action), ["lambda:GetAlias", "lambda:UpdateAlias"]);
            assert.deepEqual(list(s.ShiftLiveAliases.Resource), [api, `${api}:live`, worker, `${worker}:live`]);
            assert.deepEqual(list(s.ReadProvisionedConcurrency.Action), ["lambda:GetProvisionedConcurrencyConfig"]);
            assert.deepEqual(list(s.ReadProvisionedConcurrency.Resource), [`${api}:live`, `${worker}:live`]);
            assert.deepEqual(list(s.ReadRollbackAlarms.Action), ["cloudwatch:DescribeAlarms"]);
            const alarm = (n: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n}`;
            const names = list(s.ReadRollbackAlarms.Resource);
            assert.equal(names.length, 4);
            assert.deepEqual(names.slice(2), [alarm("worker-error-rate"), alarm("worker-duration-p99")]);
            for (const st of Object.values(s)) {
                assert.ok(!list(st.Resource).includes("*"), st.Sid);
                assert.ok(list(st.Action).every((a) => !a.includes("*")), st.Sid);
            }
        });
    });

    describe("argument validation", function () {
        const ctx = testContext();
        const ok = { context: ctx, strategy: "canary" as const, functions: { api: target("api") } };
        it("rejects an unknown strategy, naming the argument", function () {
            assert.throws(() => new rel.Release("bad1", { ...ok, strategy: "big-bang" as never }), /Release: argument "strategy" is "big-bang"; allowed: blue-green, rolling, canary/);
        });
        it("rejects step and interval values CodeDeploy or the config cannot take", function () {
            assert.throws(() => new rel.Release("bad2", { ...ok, stepPercent: 100 }), /Release: argument "stepPercent" is 100; allowed: a whole number from 1 to 99/);
            assert.throws(() => new rel.Release("bad3", { ...ok, stepPercent: 0 }), /argument "stepPercent" is 0/);
            assert.throws(() => new rel.Release("bad4", { ...ok, intervalMinutes: 61 }), /Release: argument "intervalMinutes" is 61; allowed: a whole number from 1 to 60/);
            assert.throws(() => new rel.Release("bad5", { ...ok, intervalMinutes: 1.5 }), /argument "intervalMinutes" is 1.5/);
        });
        it("rejects no functions, a bad function key, and a function without rollback alarms", function () {
            assert.throws(() => new rel.Release("bad6", { ...ok, functions: {} }), /Release: argument "functions" is \{\}; allowed: at least one function/);
            assert.throws(() => new rel.Release("bad7", { ...ok, functions: { Api: target("api") } }), /Release: argument "functions" is "Api"; allowed keys/);
            assert.throws(
                () => new rel.Release("bad8", { ...ok, functions: { api: { ...target("api"), rollbackAlarmNames: [] } } }),
                /Release: argument "functions.api.rollbackAlarmNames" is "0 alarms"; allowed: 1 to 10; a release without an alarm cannot roll back/,
            );
            const eleven = Array.from({ length: 11 }, (_, i) => `a${i}`);
            assert.throws(() => new rel.Release("bad9", { ...ok, functions: { api: { ...target("api"), rollbackAlarmNames: eleven } } }), /is "11 alarms"/);
        });
    });
});
