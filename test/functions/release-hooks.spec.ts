/**
 * The CodeDeploy lifecycle hooks against aws-sdk-client-mock: what they report for a good version, a
 * failing check, a check that never finishes, a deployment they cannot read, and an event without ids.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient, GetDeploymentCommand, GetDeploymentGroupCommand, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { bundleHandler } from "../../components/bundle";
import { lambdaNode } from "../../tools/bundle";
import { lambdaRevision } from "../../functions/release-hooks/appspec";
import { loadPostTrafficConfig, loadPreTrafficConfig } from "../../functions/release-hooks/config";
import { REPORT_RESERVE_MS, runLifecycleHook, type HookDeps } from "../../functions/release-hooks/hook";
import { postTrafficChecks, type PostTrafficDeps } from "../../functions/release-hooks/post-traffic";
import { preTrafficChecks } from "../../functions/release-hooks/pre-traffic";

const API = "platform-prod-api";
const WORKER = "platform-prod-email-worker";
const TARGETS = { [API]: "http-api", [WORKER]: "event-batch" } as const;
const EVENT = { DeploymentId: "d-ABCDEF123", LifecycleEventHookExecutionId: "eyJ-exec-id" };
const appSpec = (name: string, current = "6", target = "7") =>
    JSON.stringify({
        version: 0.0,
        Resources: [{ fn: { Type: "AWS::Lambda::Function", Properties: { Name: name, Alias: "live", CurrentVersion: current, TargetVersion: target } } }],
    });

const codedeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
const cloudwatch = mockClient(CloudWatchClient);
const cognito = mockClient(CognitoIdentityProviderClient);

const logs: Array<{ level: string; message: string; extra?: unknown }> = [];
const logger = {
    info: (message: string, extra?: unknown) => logs.push({ level: "info", message, extra }),
    error: (message: string, extra?: unknown) => logs.push({ level: "error", message, extra }),
} as HookDeps["logger"];
const deps = (remainingMs = 60_000): HookDeps => ({ codedeploy: new CodeDeployClient({ region: "eu-west-1" }), logger, remainingMs: () => remainingMs });

function deploymentOf(functionName: string, content = appSpec(functionName)) {
    codedeploy.on(GetDeploymentCommand, { deploymentId: EVENT.DeploymentId }).resolves({
        deploymentInfo: {
            applicationName: "platform-prod-functions",
            deploymentGroupName: functionName,
            revision: { revisionType: "AppSpecContent", appSpecContent: { content } },
        },
    });
}

/** The status the hook reported, or undefined when it reported none. */
function reported(): string | undefined {
    const calls = codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
    assert.ok(calls.length <= 1, "reports at most once");
    if (calls.length === 0) return undefined;
    const input = calls[0].args[0].input;
    assert.equal(input.deploymentId, EVENT.DeploymentId);
    assert.equal(input.lifecycleEventHookExecutionId, EVENT.LifecycleEventHookExecutionId);
    return input.status;
}

// The SDK hands back a Uint8Array with string helpers; the hooks only read its bytes.
const bytes = (text: string) => new TextEncoder().encode(text) as unknown as InvokeCommandOutput["Payload"];
const proxy = (statusCode: number, body: unknown) => ({ Payload: bytes(JSON.stringify({ statusCode, body: JSON.stringify(body) })) });
const payload = (value: unknown) => ({ Payload: bytes(JSON.stringify(value)) });

beforeEach(() => {
    for (const m of [codedeploy, lambda, cloudwatch, cognito]) m.reset();
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    logs.length = 0;
});

describe("release hooks: the AppSpec", () => {
    it("reads the function, alias and versions from JSON (release.sh) and YAML (the console)", () => {
        assert.deepEqual(lambdaRevision(appSpec(API)), { functionName: API, alias: "live", currentVersion: "6", targetVersion: "7" });
        const yaml = `version: 0.0\nResources:\n  - myFn:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: ${API}\n        Alias: live\n        CurrentVersion: 3\n        TargetVersion: 4\n`;
        assert.deepEqual(lambdaRevision(yaml), { functionName: API, alias: "live", currentVersion: "3", targetVersion: "4" });
    });

    it("refuses what it cannot judge, saying what is missing", () => {
        assert.throws(() => lambdaRevision("{ not json"), /neither JSON nor YAML/);
        assert.throws(() => lambdaRevision(JSON.stringify({ Resources: [] })), /exactly one entry under Resources/);
        assert.throws(
            () => lambdaRevision(JSON.stringify({ Resources: [{ a: { Type: "AWS::ECS::Service", Properties: {} } }] })),
            /Type "AWS::ECS::Service"; expected "AWS::Lambda::Function"/,
        );
        assert.throws(() => lambdaRevision(appSpec(API).replace(',"TargetVersion":"7"', "")), /has no Properties.TargetVersion/);
        assert.throws(() => lambdaRevision(appSpec(API, "6", "$LATEST")), /TargetVersion is "\$LATEST"; expected a published version number/);
        assert.throws(() => lambdaRevision("null"), /exactly one entry under Resources/);
    });
});

describe("release hooks: BeforeAllowTraffic", () => {
    const checks = () =>
        preTrafficChecks({
            lambda: new LambdaClient({ region: "eu-west-1" }),
            targets: TARGETS,
            machineClientId: "machineclient1",
            machineScope: "orders/orders.read",
        });

    it("succeeds when the new version reports healthy and serves the machine client's read, invoking that version only", async () => {
        deploymentOf(API);
        lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
            const event = JSON.parse(new TextDecoder().decode(input.Payload)) as {
                path: string;
                requestContext: { authorizer?: { claims: Record<string, string> } };
            };
            return event.path === "/health" ? proxy(200, { status: "ok", version: "abc" }) : proxy(200, { orders: [] });
        });
        const result = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(result.status, "Succeeded", JSON.stringify(result.outcomes));
        assert.equal(reported(), "Succeeded");
        const calls = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            calls.map((c) => [c.FunctionName, c.Qualifier, c.InvocationType]),
            [
                [API, "7", "RequestResponse"],
                [API, "7", "RequestResponse"],
            ],
        );
        const read = JSON.parse(new TextDecoder().decode(calls[1].Payload as Uint8Array));
        assert.deepEqual(read.requestContext.authorizer.claims, {
            sub: "machineclient1",
            client_id: "machineclient1",
            token_use: "access",
            scope: "orders/orders.read",
        });
        assert.deepEqual(read.queryStringParameters, { limit: "1" });
    });

    it("fails, and so rolls back, when the new version answers 500 to the authenticated read", async () => {
        deploymentOf(API);
        lambda
            .on(InvokeCommand)
            .callsFake((input: { Payload: Uint8Array }) =>
                JSON.parse(new TextDecoder().decode(input.Payload)).path === "/health"
                    ? proxy(200, { status: "ok", version: "abc" })
                    : proxy(500, { error: { code: "internal_error" } }),
            );
        const result = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(reported(), "Failed");
        assert.match(result.outcomes[1].detail, /answered 500 instead of 200: \{"error":\{"code":"internal_error"\}\}/);
        assert.equal(logs.at(-1)?.level, "error");
    });

    it("fails on a version that cannot start (an init error is a FunctionError), naming the error", async () => {
        deploymentOf(API);
        lambda.on(InvokeCommand).resolves({
            FunctionError: "Unhandled",
            ...payload({ errorType: "Error", errorMessage: 'Invalid configuration for function "api": TABLE_NAME is required' }),
        });
        const result = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(reported(), "Failed");
        assert.match(result.outcomes[0].detail, /version 7 failed \(Unhandled\): Error: Invalid configuration for function "api": TABLE_NAME is required/);
    });

    it("hands a queue consumer an empty batch, and fails it if it reports failed items or does not answer JSON", async () => {
        deploymentOf(WORKER);
        lambda.on(InvokeCommand).resolves(payload({ batchItemFailures: [] }));
        assert.equal((await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks())).status, "Succeeded");
        assert.deepEqual(JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array)), { Records: [] });

        codedeploy.resetHistory();
        lambda.on(InvokeCommand).resolves(payload({ batchItemFailures: [{ itemIdentifier: "x" }] }));
        const failed = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(failed.status, "Failed");
        assert.match(failed.outcomes[0].detail, /reported 1 failed items for an empty batch/);

        codedeploy.resetHistory();
        lambda.on(InvokeCommand).resolves({ Payload: bytes("<html>") });
        assert.match((await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks())).outcomes[0].detail, /not JSON: <html>/);
    });

    it("reports Failed before its own timeout when a check never finishes", async () => {
        deploymentOf(API);
        lambda.on(InvokeCommand).callsFake(() => new Promise(() => undefined));
        const started = Date.now();
        const result = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(REPORT_RESERVE_MS + 300), checks());
        assert.ok(Date.now() - started < 3000, "gave up at its deadline");
        assert.equal(reported(), "Failed");
        assert.deepEqual(
            result.outcomes.map((o) => o.name),
            ["deadline"],
        );
        assert.match(result.outcomes[0].detail, /timed out: the checks did not finish/);
    });

    it("never approves a deployment it could not read, or a function it does not know", async () => {
        codedeploy
            .on(GetDeploymentCommand)
            .rejects(Object.assign(new Error("User is not authorized to perform: codedeploy:GetDeployment"), { name: "AccessDeniedException" }));
        const denied = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(reported(), "Failed");
        assert.match(denied.outcomes[0].detail, /not authorized to perform: codedeploy:GetDeployment/);

        codedeploy.reset();
        codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
        codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: "a", deploymentGroupName: "g", revision: { revisionType: "S3" } } });
        assert.match(
            (await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks())).outcomes[0].detail,
            /not started with an AppSpecContent revision \(revisionType S3\)/,
        );

        codedeploy.resetHistory();
        deploymentOf("someone-elses-function");
        const unknown = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(unknown.status, "Failed");
        assert.match(
            unknown.outcomes[0].detail,
            /someone-elses-function is not a function this hook validates \(it knows platform-prod-api, platform-prod-email-worker\)/,
        );
        assert.equal(lambda.commandCalls(InvokeCommand).length, 0, "nothing was invoked");
    });

    it("never holds back CodeDeploy's automatic rollback, whatever the old version or the alarms say", async () => {
        codedeploy.on(GetDeploymentCommand).resolves({
            deploymentInfo: {
                applicationName: "platform-prod-functions",
                deploymentGroupName: API,
                creator: "codeDeployRollback",
                rollbackInfo: { rollbackTriggeringDeploymentId: "d-BAD123" },
                revision: { revisionType: "AppSpecContent", appSpecContent: { content: appSpec(API, "7", "6") } },
            },
        });
        lambda.on(InvokeCommand).rejects(new Error("must not be called"));
        const result = await runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks());
        assert.equal(reported(), "Succeeded");
        assert.match(result.outcomes[0].detail, /automatic rollback of d-BAD123 to version 6/);
        assert.equal(lambda.commandCalls(InvokeCommand).length, 0);
    });

    it("throws without reporting when the event carries no deployment or execution id", async () => {
        for (const event of [
            {},
            { LifecycleEventHookExecutionId: "x" },
            { DeploymentId: "d-1" },
            { DeploymentId: "d-1; drop", LifecycleEventHookExecutionId: "x" },
            null as unknown as object,
        ]) {
            await assert.rejects(
                runLifecycleHook("BeforeAllowTraffic", event, deps(), checks()),
                /the event has no valid (DeploymentId|LifecycleEventHookExecutionId).*CodeDeploy fails the hook when it times out/,
            );
        }
        assert.equal(reported(), undefined);
        assert.equal(codedeploy.commandCalls(GetDeploymentCommand).length, 0);
    });

    it("throws when CodeDeploy does not take the status, so the invocation fails visibly instead of passing silently", async () => {
        deploymentOf(WORKER);
        lambda.on(InvokeCommand).resolves(payload(null));
        codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error("LifecycleEventAlreadyCompletedException"));
        await assert.rejects(runLifecycleHook("BeforeAllowTraffic", EVENT, deps(), checks()), /LifecycleEventAlreadyCompletedException/);
    });
});

describe("release hooks: AfterAllowTraffic", () => {
    const TOKEN = "https://platform-prod-123456789012.auth.eu-west-1.amazoncognito.com/oauth2/token";
    const URL_ = "https://abc.execute-api.eu-west-1.amazonaws.com/v1";
    const ALARMS = ["api-error-rate", "api-duration-p99", "api-version-failure-rate", "api-5xx-rate", "api-latency-p99"];

    /** A fake API and token endpoint: `broken` makes the authenticated read answer 500. */
    function api(opts: { broken?: boolean } = {}): { fetch: typeof fetch; calls: string[] } {
        const calls: string[] = [];
        const fake = (async (input: string | URL | Request, init?: RequestInit) => {
            const url = String(input);
            const method = init?.method ?? "GET";
            const auth = new Headers(init?.headers).get("authorization") ?? "";
            calls.push(`${method} ${url.replace(URL_, "")}`);
            const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
            if (url === TOKEN)
                return auth === `Basic ${btoa("machineclient1:s3cret")}`
                    ? json(200, { access_token: "tok", token_type: "Bearer" })
                    : json(400, { error: "invalid_client" });
            if (url === `${URL_}/health`) return json(200, { status: "ok", version: "v7" });
            if (!auth.startsWith("Bearer ")) return json(401, { message: "Unauthorized" });
            return opts.broken ? json(500, { error: { code: "internal_error" } }) : json(200, { orders: [] });
        }) as typeof fetch;
        return { fetch: fake, calls };
    }

    function postDeps(over: Partial<PostTrafficDeps> = {}): PostTrafficDeps & { clock: { t: number } } {
        // The hook measures its deadline on the real clock; the fake one starts there and only moves in sleeps.
        const clock = { t: Date.now() };
        return {
            codedeploy: new CodeDeployClient({ region: "eu-west-1" }),
            cloudwatch: new CloudWatchClient({ region: "eu-west-1" }),
            cognito: new CognitoIdentityProviderClient({ region: "eu-west-1" }),
            targets: TARGETS,
            bakeMinutes: 3,
            api: { url: URL_, tokenUrl: TOKEN, userPoolId: "eu-west-1_abc", machineClientId: "machineclient1", machineScope: "orders/orders.read" },
            pollMs: 20_000,
            now: () => clock.t,
            sleep: async (ms) => {
                clock.t += ms;
            },
            fetch: api().fetch,
            clock,
            ...over,
        };
    }

    beforeEach(() => {
        cognito
            .on(DescribeUserPoolClientCommand, { UserPoolId: "eu-west-1_abc", ClientId: "machineclient1" })
            .resolves({ UserPoolClient: { ClientId: "machineclient1", ClientSecret: "s3cret" } });
        codedeploy
            .on(GetDeploymentGroupCommand)
            .resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: true, alarms: ALARMS.map((name) => ({ name })) } } });
    });
    const alarms = (state: (name: string) => string) => ({
        MetricAlarms: ALARMS.map((AlarmName) => ({
            AlarmName,
            StateValue: state(AlarmName) as "OK",
            StateReason: "Threshold Crossed: 3 out of the last 5 datapoints",
        })),
    });

    it("smoke-tests the API as the machine client, then bakes on the group's own alarms for the whole window before it succeeds", async () => {
        deploymentOf(API);
        const fake = api();
        cloudwatch.on(DescribeAlarmsCommand).resolves(alarms(() => "OK"));
        const d = postDeps({ fetch: fake.fetch });
        const started = d.clock.t;
        const result = await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(d));
        assert.equal(result.status, "Succeeded", JSON.stringify(result.outcomes, null, 1));
        assert.equal(reported(), "Succeeded");
        assert.ok(fake.calls.includes(`POST ${TOKEN}`) && fake.calls.includes("GET /orders?limit=1"), fake.calls.join("\n"));
        assert.equal(d.clock.t - started, 3 * 60_000, "baked exactly the window");
        const looks = cloudwatch.commandCalls(DescribeAlarmsCommand);
        assert.equal(looks.length, 3 * 3 + 1, "every 20 s, and once more at the end");
        assert.deepEqual(looks[0].args[0].input.AlarmNames, ALARMS);
        assert.deepEqual(codedeploy.commandCalls(GetDeploymentGroupCommand)[0].args[0].input, {
            applicationName: "platform-prod-functions",
            deploymentGroupName: API,
        });
    });

    it("fails at the first rollback alarm in ALARM during the bake, naming it and why", async () => {
        deploymentOf(API);
        let look = 0;
        cloudwatch.on(DescribeAlarmsCommand).callsFake(() => alarms((n) => (++look > 10 && n === "api-version-failure-rate" ? "ALARM" : "OK")));
        const result = await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(postDeps()));
        assert.equal(reported(), "Failed");
        assert.match(result.outcomes.at(-1)?.detail ?? "", /^api-version-failure-rate is in ALARM \(Threshold Crossed: 3 out of the last 5 datapoints\)$/);
    });

    it("fails without baking when the API's authenticated read answers 500 (users would see it)", async () => {
        deploymentOf(API);
        const result = await runLifecycleHook(
            "AfterAllowTraffic",
            EVENT,
            deps(15 * 60_000),
            postTrafficChecks(postDeps({ fetch: api({ broken: true }).fetch })),
        );
        assert.equal(reported(), "Failed");
        assert.ok(
            result.outcomes.some((o) => !o.ok && /as the machine client/.test(o.name) && /500/.test(o.detail)),
            JSON.stringify(result.outcomes),
        );
        assert.equal(cloudwatch.commandCalls(DescribeAlarmsCommand).length, 0);
    });

    it("fails when the machine client's secret cannot be read or the token endpoint refuses it", async () => {
        deploymentOf(API);
        cognito.on(DescribeUserPoolClientCommand).rejects(new Error("ResourceNotFoundException: User pool client machineclient1 does not exist."));
        const missing = await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(postDeps()));
        assert.match(missing.outcomes[0].detail, /^DescribeUserPoolClient failed: ResourceNotFoundException/);

        codedeploy.resetHistory();
        cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: { ClientSecret: "wrong" } });
        const refused = await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(postDeps()));
        assert.equal(refused.status, "Failed");
        assert.ok(
            refused.outcomes.some((o) => /invalid_client/.test(o.detail)),
            JSON.stringify(refused.outcomes),
        );
    });

    it("bakes a queue consumer on its alarms without any smoke check", async () => {
        deploymentOf(WORKER);
        cloudwatch.on(DescribeAlarmsCommand).resolves(alarms(() => "INSUFFICIENT_DATA"));
        const d = postDeps({ fetch: (() => assert.fail("a worker release calls no URL")) as typeof fetch });
        const result = await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(d));
        assert.equal(result.status, "Succeeded");
        assert.deepEqual(
            result.outcomes.map((o) => o.name),
            ["bake: rollback alarms quiet for 3 min"],
        );
    });

    it("fails rather than watch nothing: no alarms on the group, an alarm that does not exist, or a bake that does not fit", async () => {
        deploymentOf(WORKER);
        codedeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: false, alarms: [] } } });
        assert.match(
            (await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(postDeps()))).outcomes[0].detail,
            /has no enabled rollback alarms/,
        );

        codedeploy
            .on(GetDeploymentGroupCommand)
            .resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: true, alarms: ALARMS.map((name) => ({ name })) } } });
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: "api-error-rate", StateValue: "OK" }] });
        assert.match(
            (await runLifecycleHook("AfterAllowTraffic", EVENT, deps(15 * 60_000), postTrafficChecks(postDeps()))).outcomes[0].detail,
            /rollback alarms not found: api-duration-p99, /,
        );

        const short = await runLifecycleHook("AfterAllowTraffic", EVENT, deps(60_000), postTrafficChecks(postDeps()));
        assert.equal(short.status, "Failed");
        assert.match(short.outcomes[0].detail, /the bake of 3 min does not fit in the \d+ s the hook has left/);
    });
});

describe("release hooks: configuration", () => {
    const pre = {
        POWERTOOLS_SERVICE_NAME: "release-pre-traffic",
        RELEASE_TARGETS: JSON.stringify(TARGETS),
        MACHINE_CLIENT_ID: "abc123",
        MACHINE_SCOPE: "orders/orders.read",
    };
    it("reads the targets and the machine client", () => {
        assert.deepEqual(loadPreTrafficConfig(pre).RELEASE_TARGETS, TARGETS);
        const post = loadPostTrafficConfig({
            ...pre,
            API_URL: "https://a.execute-api.eu-west-1.amazonaws.com/v1",
            TOKEN_URL: "https://x.auth.eu-west-1.amazoncognito.com/oauth2/token",
            USER_POOL_ID: "eu-west-1_AbC1",
            BAKE_MINUTES: "10",
        });
        assert.equal(post.BAKE_MINUTES, 10);
    });
    it("fails the cold start naming each bad variable", () => {
        assert.throws(
            () => loadPreTrafficConfig({ ...pre, RELEASE_TARGETS: '{"a":"smoke"}' }),
            /RELEASE_TARGETS=.* is invalid: expected a JSON object of function name to http-api or event-batch/,
        );
        assert.throws(() => loadPreTrafficConfig({ ...pre, RELEASE_TARGETS: "{}" }), /RELEASE_TARGETS="\{\}" is invalid/);
        assert.throws(() => loadPreTrafficConfig({ ...pre, RELEASE_TARGETS: "[1]" }), /RELEASE_TARGETS="\[1\]" is invalid/);
        assert.throws(
            () => loadPostTrafficConfig({ ...pre, API_URL: "http://plain", TOKEN_URL: "https://x/oauth2/token", USER_POOL_ID: "pool", BAKE_MINUTES: "ten" }),
            (e: Error) =>
                ['API_URL="http://plain" is invalid', 'USER_POOL_ID="pool" is invalid', 'BAKE_MINUTES="ten" is invalid'].every((s) => e.message.includes(s)),
        );
    });
});

describe("release hooks: the deployed bundles", function () {
    this.timeout(60_000);
    const env = {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "sample",
        AWS_SECRET_ACCESS_KEY: "sample",
        POWERTOOLS_SERVICE_NAME: "release-hook",
        RELEASE_TARGETS: JSON.stringify(TARGETS),
        MACHINE_CLIENT_ID: "abc123",
        MACHINE_SCOPE: "orders/orders.read",
        API_URL: "https://a.execute-api.eu-west-1.amazonaws.com/v1",
        TOKEN_URL: "https://x.auth.eu-west-1.amazoncognito.com/oauth2/token",
        USER_POOL_ID: "eu-west-1_AbC1",
        BAKE_MINUTES: "3",
    };
    for (const entry of ["before-allow-traffic", "after-allow-traffic"]) {
        it(`${entry}: builds with the functions' esbuild settings, starts, and refuses an event without ids`, async () => {
            const bundle = await bundleHandler(`functions/release-hooks/${entry}.ts`);
            const file = path.join(mkdtempSync(path.join(tmpdir(), "hook-")), "index.js");
            writeFileSync(file, bundle.code);
            const script = `require(${JSON.stringify(file)}).handler({}, { getRemainingTimeInMillis: () => 60000 }).then(() => console.log("resolved"), (e) => console.log("rejected: " + e.message))`;
            const out = execFileSync(lambdaNode(), ["-e", script], { env, cwd: tmpdir() }).toString();
            assert.match(out, /rejected: the event has no valid DeploymentId/);
            assert.throws(
                () => execFileSync(lambdaNode(), ["-e", `require(${JSON.stringify(file)})`], { env: { PATH: env.PATH }, stdio: "pipe" }),
                (e: { stderr: Buffer }) =>
                    /Invalid configuration for function "release-(pre|post)-traffic": .*RELEASE_TARGETS is required/.test(e.stderr.toString()),
            );
        });
    }
});
