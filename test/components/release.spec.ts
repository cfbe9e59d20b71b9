import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
    ACCOUNT,
    MockRun,
    REGION,
    RecordingKey,
    installMocks,
    list,
    recordingKey,
    rolesOf,
    statementsBySid,
    testContext,
    valueOf,
    functionTestArgs,
    testKeyArn,
} from "./harness";

const FN = (n: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n}`;
const GROUP = (app: string, g: string) => `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:${app}/${g}`;
const ALARM = (n: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n}`;
const WARNING_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:platform-dev-alerts-warning`;
const POOL = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_abcdef`;

describe("Release component", function () {
    let run: MockRun;
    let rel: typeof import("../../components/release");
    let canary: import("../../components/release").Release;
    /** Logical resource name -> ignoreChanges, read from the registrations. */
    const ignoreChanges: Record<string, string[]> = {};
    const target = (n: string, check: "http-api" | "event-batch" = "event-batch") => ({
        functionName: `platform-dev-${n}`,
        functionArn: FN(`platform-dev-${n}`),
        aliasArn: `${FN(`platform-dev-${n}`)}:live`,
        latestVersion: "7",
        rollbackAlarmNames: [`${n}-error-rate`, `${n}-duration-p99`],
        check,
    });
    let common: Omit<import("../../components/release").ReleaseArgs, "context" | "functions" | "strategy">;
    let messagingKey: RecordingKey;

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
        const fnMod = await import("../../components/function");
        const alertMod = await import("../../components/alerting");
        const ctx = testContext();
        const alerting = new alertMod.Alerting("alerts", {
            context: ctx,
            kmsKeyArn: testKeyArn("messaging"),
            emails: ["a@example.com"],
            escalationMinutes: 15,
        });
        const stackDefaults = { ...functionTestArgs(ctx, alerting.routing), releasedExternally: true };
        common = {
            bakeMinutes: 5,
            smoke: {
                apiUrl: `https://api-id.execute-api.${REGION}.amazonaws.com/v1`,
                tokenUrl: `https://platform-dev-${ACCOUNT}.auth.${REGION}.amazoncognito.com/oauth2/token`,
                userPoolArn: POOL,
                userPoolId: `${REGION}_abcdef`,
                machineClientId: "machineclient1",
            },
            // The stack's defaults for workload functions, which are released externally: the hooks must not be.
            hookFunction: stackDefaults,
            notifications: { topicArn: WARNING_TOPIC, kmsKey: testKeyArn("messaging") },
        };
        const fn = new fnMod.Function("api", functionTestArgs(ctx, alerting.routing, { releasedExternally: true }));
        canary = new rel.Release("release", {
            ...common,
            context: ctx,
            strategy: "canary",
            stepPercent: 10,
            intervalMinutes: 10,
            functions: {
                api: {
                    ...target("api", "http-api"),
                    functionName: fn.functionName,
                    functionArn: fn.functionArn,
                    aliasArn: fn.aliasArn,
                    latestVersion: fn.latestVersion,
                    rollbackAlarmNames: fn.rollbackAlarmNames,
                },
                worker: target("worker"),
            },
        });
        new rel.Release("rolling", {
            ...common,
            context: testContext("staging"),
            strategy: "rolling",
            stepPercent: 25,
            intervalMinutes: 3,
            functions: { api: target("api") },
        });
        new rel.Release("bluegreen", { ...common, bakeMinutes: 12, context: testContext("prod"), strategy: "blue-green", functions: { api: target("api") } });
        // With a key of the program's own: the release names the roles that use it.
        messagingKey = recordingKey("qa-messaging");
        new rel.Release("keyed", {
            ...common,
            context: testContext("qa"),
            strategy: "blue-green",
            functions: { api: target("api") },
            hookFunction: { ...stackDefaults, messagingKey },
            notifications: { topicArn: WARNING_TOPIC, kmsKey: messagingKey },
        });
        await run.settle();
    });

    describe("traffic routing per strategy", function () {
        it("blue-green moves everything at once; rolling is linear; canary is one step then the rest", function () {
            assert.deepEqual(rel.trafficRouting("blue-green", 10, 5), { type: "AllAtOnce" });
            assert.deepEqual(rel.trafficRouting("rolling", 25, 3), { type: "TimeBasedLinear", timeBasedLinear: { percentage: 25, interval: 3 } });
            assert.deepEqual(rel.trafficRouting("canary", 10, 10), { type: "TimeBasedCanary", timeBasedCanary: { percentage: 10, interval: 10 } });
        });

        it("builds a Lambda deployment config from the config values, named after its routing", function () {
            const canaryConfig = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig", "release-config");
            assert.equal(canaryConfig.inputs.computePlatform, "Lambda");
            assert.equal(canaryConfig.inputs.deploymentConfigName, "platform-dev-canary-10pct-10min");
            assert.deepEqual(canaryConfig.inputs.trafficRoutingConfig, { type: "TimeBasedCanary", timeBasedCanary: { percentage: 10, interval: 10 } });
            assert.equal(canaryConfig.inputs.minimumHealthyHosts, undefined, "Lambda configs take no minimum healthy hosts");
            const rolling = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig", "rolling-config");
            assert.equal(rolling.inputs.deploymentConfigName, "platform-staging-rolling-25pct-3min");
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

        it("tells the warning topic of every failed, stopped or rolled-back deployment as it happens", function () {
            for (const g of run.ofType("aws:codedeploy/deploymentGroup:DeploymentGroup")) {
                assert.deepEqual(
                    g.inputs.triggerConfigurations,
                    [
                        {
                            triggerName: `${g.inputs.deploymentGroupName}-release`,
                            triggerTargetArn: WARNING_TOPIC,
                            triggerEvents: ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"],
                        },
                    ],
                    g.name,
                );
            }
        });

        it("watches the alarms it is given: the function's own error-rate and p99 duration alarms", function () {
            const g = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup", "release-api");
            const errorRate = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "api-error-rate");
            const duration = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "api-duration-p99");
            assert.deepEqual(g.inputs.alarmConfiguration.alarms, [errorRate.outputs.name, duration.outputs.name]);
            assert.deepEqual([...g.propertyDependencies.alarmConfiguration].sort(), [errorRate.urn, duration.urn].sort());
            assert.deepEqual(run.one("aws:codedeploy/deploymentGroup:DeploymentGroup", "release-worker").inputs.alarmConfiguration.alarms, [
                "worker-error-rate",
                "worker-duration-p99",
            ]);
        });

        it("Pulumi leaves the live alias's version to the release once it exists", function () {
            assert.deepEqual(ignoreChanges["api-live"], ["functionVersion", "routingConfig"]);
        });

        it("exports what a release pipeline needs: application, group, function, alias, target version, and the hooks", async function () {
            const releases = await valueOf(canary.releases);
            assert.deepEqual(releases.worker, {
                application: "platform-dev-functions",
                deploymentGroup: "platform-dev-worker",
                functionName: "platform-dev-worker",
                alias: "live",
                targetVersion: "7",
            });
            assert.equal(releases.api.targetVersion, "1", "the version the Function published");
            assert.deepEqual(await valueOf(canary.hookFunctionNames), {
                beforeAllowTraffic: "platform-dev-release-pre-traffic",
                afterAllowTraffic: "platform-dev-release-post-traffic",
            });
        });
    });

    describe("lifecycle hooks", function () {
        const hookFn = (n: string) => run.one("aws:lambda/function:Function", `release-${n}-function`);
        it("are platform functions of their own, children of the release, that the release never shifts", function () {
            for (const n of ["pre-traffic", "post-traffic"]) {
                const f = hookFn(n);
                assert.equal(f.inputs.name, `platform-dev-release-${n}`);
                assert.equal(f.inputs.tracingConfig.mode, "Active");
                assert.ok(run.one("aws:cloudwatch/metricAlarm:MetricAlarm", `release-${n}-error-rate`), "alarms like every function");
                assert.equal(ignoreChanges[`release-${n}-live`].length, 0, "Pulumi moves the hook's alias itself");
                assert.equal(run.one("platform:compute:Function", `release-${n}`).parentUrn.split("::").pop(), "release");
            }
            assert.equal(run.ofType("aws:codedeploy/deploymentGroup:DeploymentGroup").filter((g) => /traffic/.test(g.name)).length, 0);
        });

        it("the pre-traffic hook knows each target's check and the machine client; the post-traffic hook also the API and the bake", function () {
            const pre = hookFn("pre-traffic").inputs.environment.variables;
            assert.deepEqual(JSON.parse(pre.RELEASE_TARGETS), { "platform-dev-api": "http-api", "platform-dev-worker": "event-batch" });
            assert.equal(pre.MACHINE_CLIENT_ID, "machineclient1");
            assert.equal(pre.MACHINE_SCOPE, "orders/orders.read");
            const post = hookFn("post-traffic").inputs.environment.variables;
            assert.equal(post.BAKE_MINUTES, "5");
            assert.equal(post.API_URL, common.smoke.apiUrl);
            assert.equal(post.TOKEN_URL, common.smoke.tokenUrl);
            assert.equal(post.USER_POOL_ID, `${REGION}_abcdef`);
        });

        it("the post-traffic hook's timeout holds the bake and the smoke checks, within Lambda's 15 minutes", function () {
            assert.equal(hookFn("post-traffic").inputs.timeout, 5 * 60 + 120);
            const longest = run.ofType("aws:lambda/function:Function").find((f) => f.name === "bluegreen-post-traffic-function");
            assert.equal(longest?.inputs.timeout, 12 * 60 + 120);
            assert.ok((longest?.inputs.timeout ?? 0) <= 900);
        });

        it("each hook may do exactly what it does: read its deployments, report their status, and call the new versions or read the alarms", function () {
            const groups = [GROUP("platform-dev-functions", "platform-dev-api"), GROUP("platform-dev-functions", "platform-dev-worker")];
            const pre = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "release-pre-traffic-policy").inputs.policy);
            assert.deepEqual(list(pre.ReadDeployments.Action), ["codedeploy:GetDeployment"]);
            assert.deepEqual(list(pre.ReadDeployments.Resource), groups);
            assert.deepEqual(list(pre.ReportHookStatus.Action), ["codedeploy:PutLifecycleEventHookExecutionStatus"]);
            assert.deepEqual(list(pre.ReportHookStatus.Resource), groups);
            assert.deepEqual(list(pre.InvokeNewVersions.Action), ["lambda:InvokeFunction"]);
            // Versions (and aliases) only: the unqualified ARN, $LATEST, is not among them.
            assert.deepEqual(list(pre.InvokeNewVersions.Resource), [`${FN("platform-dev-api")}:*`, `${FN("platform-dev-worker")}:*`]);
            assert.equal(pre.ReadRollbackAlarms, undefined);

            const post = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "release-post-traffic-policy").inputs.policy);
            assert.deepEqual(list(post.ReadDeployments.Action), ["codedeploy:GetDeployment", "codedeploy:GetDeploymentGroup"]);
            assert.deepEqual(list(post.ReportHookStatus.Resource), groups);
            assert.deepEqual(list(post.ReadMachineClient.Action), ["cognito-idp:DescribeUserPoolClient"]);
            assert.deepEqual(list(post.ReadMachineClient.Resource), [POOL]);
            const alarms = list(post.ReadRollbackAlarms.Resource);
            assert.equal(alarms.length, 4);
            assert.deepEqual(alarms.slice(2), [ALARM("worker-error-rate"), ALARM("worker-duration-p99")]);
            assert.equal(post.InvokeNewVersions, undefined, "the post hook calls the API, not the function");
        });
    });

    describe("service role", function () {
        it("is trusted by CodeDeploy in this account only", function () {
            const role = run.one("aws:iam/role:Role", "release-role");
            assert.equal(role.inputs.name, "platform-dev-codedeploy");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
                {
                    Effect: "Allow",
                    Principal: { Service: "codedeploy.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                },
            ]);
            assert.equal(run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0, "no managed policy");
        });

        it("may shift only these aliases, read only these alarms, invoke only its hooks and notify only the warning topic", function () {
            const s = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "release-policy").inputs.policy);
            assert.deepEqual(Object.keys(s).sort(), [
                "EncryptReleaseEvents",
                "InvokeLifecycleHooks",
                "PublishReleaseEvents",
                "ReadProvisionedConcurrency",
                "ReadRollbackAlarms",
                "ShiftLiveAliases",
            ]);
            const api = FN("platform-dev-api");
            const worker = FN("platform-dev-worker");
            assert.deepEqual(list(s.ShiftLiveAliases.Action), ["lambda:GetAlias", "lambda:UpdateAlias"]);
            assert.deepEqual(list(s.ShiftLiveAliases.Resource), [api, `${api}:live`, worker, `${worker}:live`]);
            assert.deepEqual(list(s.ReadProvisionedConcurrency.Resource), [`${api}:live`, `${worker}:live`]);
            const names = list(s.ReadRollbackAlarms.Resource);
            assert.equal(names.length, 4);
            assert.deepEqual(names.slice(2), [ALARM("worker-error-rate"), ALARM("worker-duration-p99")]);
            assert.deepEqual(list(s.InvokeLifecycleHooks.Resource), [FN("platform-dev-release-pre-traffic"), FN("platform-dev-release-post-traffic")]);
            assert.deepEqual(list(s.PublishReleaseEvents.Action), ["sns:Publish"]);
            assert.deepEqual(list(s.PublishReleaseEvents.Resource), [WARNING_TOPIC]);
            assert.deepEqual(list(s.EncryptReleaseEvents.Resource), [testKeyArn("messaging")]);
            assert.deepEqual(s.EncryptReleaseEvents.Condition, { StringEquals: { "kms:ViaService": `sns.${REGION}.amazonaws.com` } });
            for (const st of Object.values(s)) {
                assert.ok(!list(st.Resource).includes("*"), st.Sid);
                assert.ok(
                    list(st.Action).every((a) => !a.includes("*")),
                    st.Sid,
                );
            }
        });

        it("names every role that uses the messaging key in its key policy, by the role's fixed name", async function () {
            const arns = (await rolesOf(messagingKey)).sort();
            // The CodeDeploy role publishes to the encrypted topic; each hook sends to its encrypted DLQ.
            assert.deepEqual(arns, [
                `arn:aws:iam::${ACCOUNT}:role/platform-qa-codedeploy`,
                `arn:aws:iam::${ACCOUNT}:role/platform-qa-keyed-post-traffic`,
                `arn:aws:iam::${ACCOUNT}:role/platform-qa-keyed-pre-traffic`,
            ]);
            const roles = run.ofType("aws:iam/role:Role").map((r) => `arn:aws:iam::${ACCOUNT}:role/${r.inputs.name}`);
            for (const a of arns) assert.ok(roles.includes(a), `${a} is a role the release creates`);
            const s = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "keyed-policy").inputs.policy);
            assert.deepEqual(list(s.EncryptReleaseEvents.Resource), [testKeyArn("qa-messaging")]);
        });
    });

    describe("argument validation", function () {
        let ok: import("../../components/release").ReleaseArgs;
        before(() => {
            ok = { ...common, context: testContext(), strategy: "canary" as const, functions: { api: target("api") } };
        });
        it("rejects an unknown strategy, naming the argument", function () {
            assert.throws(
                () => new rel.Release("bad1", { ...ok, strategy: "big-bang" as never }),
                /Release: argument "strategy" is "big-bang"; allowed: blue-green, rolling, canary/,
            );
        });
        it("rejects step and interval values CodeDeploy or the config cannot take", function () {
            assert.throws(
                () => new rel.Release("bad2", { ...ok, stepPercent: 100 }),
                /Release: argument "stepPercent" is 100; allowed: a whole number from 1 to 99/,
            );
            assert.throws(() => new rel.Release("bad3", { ...ok, stepPercent: 0 }), /argument "stepPercent" is 0/);
            assert.throws(
                () => new rel.Release("bad4", { ...ok, intervalMinutes: 61 }),
                /Release: argument "intervalMinutes" is 61; allowed: a whole number from 1 to 60/,
            );
            assert.throws(() => new rel.Release("bad5", { ...ok, intervalMinutes: 1.5 }), /argument "intervalMinutes" is 1.5/);
        });
        it("rejects a step or canary bake shorter than the rollback alarms need to fire, except for blue-green", function () {
            assert.throws(
                () => new rel.Release("bad10", { ...ok, strategy: "rolling", intervalMinutes: 2 }),
                /Release: argument "intervalMinutes" is 2; allowed: at least 3, the minutes a rollback alarm needs to fire; a shorter step/,
            );
            assert.throws(
                () => new rel.Release("bad11", { ...ok, intervalMinutes: 1 }),
                /argument "intervalMinutes" is 1; allowed: at least 3, .*a shorter canary bake/,
            );
            assert.doesNotThrow(() => new rel.Release("ok-bg", { ...ok, strategy: "blue-green", intervalMinutes: 1 }));
        });
        it("rejects a bake that cannot detect a bad version with a margin, or does not fit one hook invocation", function () {
            assert.throws(
                () => new rel.Release("bad12", { ...ok, bakeMinutes: 2 }),
                /Release: argument "bakeMinutes" is 2; allowed: 5 to 12, the 3 minutes a rollback alarm needs to fire and 2 of margin; a shorter bake lets a release failing from its first minute succeed/,
            );
            // The bare detection time is no margin: the alarm fires as the release completes (drills/bad-release-blue-green.json).
            assert.throws(() => new rel.Release("bad12b", { ...ok, bakeMinutes: 4 }), /argument "bakeMinutes" is 4; allowed: 5 to 12/);
            assert.doesNotThrow(() => new rel.Release("ok-bake5", { ...ok, bakeMinutes: 5 }));
            assert.throws(() => new rel.Release("bad13", { ...ok, bakeMinutes: 13 }), /argument "bakeMinutes" is 13; allowed: a whole number from 1 to 12/);
        });
        it("rejects no functions, a bad function key, a function without rollback alarms, and an unknown check", function () {
            assert.throws(() => new rel.Release("bad6", { ...ok, functions: {} }), /Release: argument "functions" is \{\}; allowed: at least one function/);
            assert.throws(() => new rel.Release("bad7", { ...ok, functions: { Api: target("api") } }), /Release: argument "functions" is "Api"; allowed keys/);
            assert.throws(
                () => new rel.Release("bad8", { ...ok, functions: { api: { ...target("api"), rollbackAlarmNames: [] } } }),
                /Release: argument "functions.api.rollbackAlarmNames" is "0 alarms"; allowed: 1 to 10; a release without an alarm cannot roll back/,
            );
            const eleven = Array.from({ length: 11 }, (_, i) => `a${i}`);
            assert.throws(() => new rel.Release("bad9", { ...ok, functions: { api: { ...target("api"), rollbackAlarmNames: eleven } } }), /is "11 alarms"/);
            assert.throws(
                () => new rel.Release("bad14", { ...ok, functions: { api: { ...target("api"), check: "ping" as never } } }),
                /argument "functions.api.check" is "ping"; allowed: http-api, event-batch/,
            );
        });
    });
});
