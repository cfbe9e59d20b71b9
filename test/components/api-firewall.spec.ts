import { strict as assert } from "node:assert";
import { ACCOUNT, MockRun, installMocks, list, statementsBySid, testContext } from "./harness";

const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/logs`;

describe("Api and Firewall components", function () {
    let run: MockRun;
    let mod: typeof import("../../components/api") & typeof import("../../components/firewall");
    let apiArgs: () => import("../../components/api").ApiArgs;

    before(async function () {
        run = installMocks();
        const alerting = await import("../../components/alerting");
        mod = { ...(await import("../../components/api")), ...(await import("../../components/firewall")) };
        const ctx = testContext();
        const routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: KEY, emails: ["a@example.com"], escalationMinutes: 30 }).routing;
        const fw = new mod.Firewall("fw", { context: ctx, scope: "REGIONAL", rateLimit: 1000, logRetentionDays: 30, logsKeyArn: KEY });
        apiArgs = () => ({
            context: ctx,
            routes: [
                { method: "GET", path: "/health", publicReason: "Smoke tests probe health without credentials." },
                { method: "GET", path: "/orders" },
                { method: "POST", path: "/orders", bodySchema: { type: "object", required: ["items"] } },
                { method: "GET", path: "/orders/{id}" },
                { method: "POST", path: "/orders/{id}/cancel" },
            ],
            handler: {
                functionName: "platform-dev-api",
                aliasInvokeArn: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:${ACCOUNT}:function:platform-dev-api:live/invocations`,
            },
            userPoolArn: `arn:aws:cognito-idp:eu-west-1:${ACCOUNT}:userpool/eu-west-1_abc`,
            webAclArn: fw.webAclArn,
            throttleRateLimit: 50,
            throttleBurstLimit: 100,
            cacheEnabled: true,
            cacheSizeGb: "0.5",
            logRetentionDays: 30,
            logsKeyArn: KEY,
            routing,
            fiveXxRatePercent: 1,
            latencyP99Ms: 3000,
        });
        new mod.Api("api", apiArgs());
        await run.settle();
    });

    describe("Firewall", function () {
        it("a regional web ACL with the managed common, bad-inputs and IP-reputation groups and a rate rule, metrics on", function () {
            const acl = run.one("aws:wafv2/webAcl:WebAcl", "fw-acl");
            assert.equal(acl.inputs.scope, "REGIONAL");
            const rules = acl.inputs.rules as { name: string; statement: Record<string, { name?: string; limit?: number }>; visibilityConfig: { cloudwatchMetricsEnabled: boolean } }[];
            assert.deepEqual(
                rules.filter((r) => r.statement.managedRuleGroupStatement).map((r) => r.statement.managedRuleGroupStatement.name),
                ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"],
            );
            assert.equal(rules.find((r) => r.statement.rateBasedStatement)?.statement.rateBasedStatement.limit, 1000);
            assert.ok(rules.every((r) => r.visibilityConfig.cloudwatchMetricsEnabled));
            assert.equal(acl.inputs.visibilityConfig.cloudwatchMetricsEnabled, true);
        });

        it("logs to an encrypted aws-waf-logs- group with retention, redacting credentials", function () {
            const lg = run.one("aws:cloudwatch/logGroup:LogGroup", "fw-logs");
            assert.match(lg.inputs.name, /^aws-waf-logs-/);
            assert.equal(lg.inputs.kmsKeyId, KEY);
            assert.equal(lg.inputs.retentionInDays, 30);
            const logging = run.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "fw-logging");
            assert.deepEqual(logging.propertyDependencies.logDestinationConfigs, [lg.urn]);
        });

        it("validates arguments", function () {
            const base = { context: testContext(), scope: "REGIONAL" as const, rateLimit: 1000, logRetentionDays: 30, logsKeyArn: KEY };
            assert.throws(() => new mod.Firewall("f1", { ...base, rateLimit: 10 }), /argument "rateLimit" is 10; allowed: a whole number from 100/);
            assert.throws(() => new mod.Firewall("f2", { ...base, scope: "GLOBAL" as never }), /argument "scope" is "GLOBAL"; allowed: REGIONAL, CLOUDFRONT/);
        });
    });

    describe("Api", function () {
        it("every route but the declared public one uses the Cognito authorizer", function () {
            const authorizer = run.one("aws:apigateway/authorizer:Authorizer", "api-cognito");
            assert.equal(authorizer.inputs.type, "COGNITO_USER_POOLS");
            const methods = run.ofType("aws:apigateway/method:Method");
            assert.equal(methods.length, 5);
            for (const m of methods) {
                if (m.name === "api-get-health") {
                    assert.equal(m.inputs.authorization, "NONE");
                } else {
                    assert.equal(m.inputs.authorization, "COGNITO_USER_POOLS", m.name);
                    assert.deepEqual(m.propertyDependencies.authorizerId, [authorizer.urn], m.name);
                }
            }
        });

        it("validates bodies: POST methods carry the request validator, with the model where given", function () {
            const validator = run.one("aws:apigateway/requestValidator:RequestValidator", "api-body-validator");
            assert.equal(validator.inputs.validateRequestBody, true);
            for (const name of ["api-post-orders", "api-post-orders-id-cancel"]) {
                assert.deepEqual(run.one("aws:apigateway/method:Method", name).propertyDependencies.requestValidatorId, [validator.urn], name);
            }
            const model = run.one("aws:apigateway/model:Model", "api-post-orders-model");
            assert.deepEqual(run.one("aws:apigateway/method:Method", "api-post-orders").propertyDependencies.requestModels, [model.urn]);
            assert.equal(JSON.parse(model.inputs.schema).$schema, "http://json-schema.org/draft-04/schema#");
        });

        it("integrates every route with the handler's live alias; only API Gateway from this API may invoke it", function () {
            for (const i of run.ofType("aws:apigateway/integration:Integration")) {
                assert.equal(i.inputs.type, "AWS_PROXY");
                assert.match(i.inputs.uri, /:function:platform-dev-api:live\/invocations$/);
            }
            const p = run.one("aws:lambda/permission:Permission", "api-invoke");
            assert.equal(p.inputs.principal, "apigateway.amazonaws.com");
            assert.equal(p.inputs.qualifier, "live");
            assert.equal(p.inputs.sourceArn, `arn:aws:execute-api:eu-west-1:${ACCOUNT}:api-api-api-id/*/*`);
        });

        it("stage: JSON access logs, X-Ray, encrypted cache; method settings: ERROR logs, no data trace, throttling", function () {
            const stage = run.one("aws:apigateway/stage:Stage", "api-stage");
            assert.equal(stage.inputs.xrayTracingEnabled, true);
            assert.equal(stage.inputs.cacheClusterEnabled, true);
            assert.deepEqual(stage.propertyDependencies.accessLogSettings, [run.one("aws:cloudwatch/logGroup:LogGroup", "api-access-logs").urn]);
            assert.equal(JSON.parse(stage.inputs.accessLogSettings.format).requestId, "$context.requestId");
            const settings = run.one("aws:apigateway/methodSettings:MethodSettings", "api-method-settings");
            assert.equal(settings.inputs.methodPath, "*/*");
            assert.equal(settings.inputs.settings.loggingLevel, "ERROR");
            assert.equal(settings.inputs.settings.dataTraceEnabled, false);
            assert.equal(settings.inputs.settings.throttlingRateLimit, 50);
            assert.equal(settings.inputs.settings.throttlingBurstLimit, 100);
            assert.equal(settings.inputs.settings.cachingEnabled, true);
            assert.equal(settings.inputs.settings.cacheDataEncrypted, true);
            for (const lg of ["api-access-logs", "api-execution-logs"]) {
                const g = run.one("aws:cloudwatch/logGroup:LogGroup", lg);
                assert.equal(g.inputs.kmsKeyId, KEY, lg);
                assert.equal(g.inputs.retentionInDays, 30, lg);
            }
            assert.equal(run.one("aws:cloudwatch/logGroup:LogGroup", "api-execution-logs").inputs.name, "API-Gateway-Execution-Logs_api-api-api-id/v1");
        });

        it("associates the stage with the web ACL", function () {
            const assoc = run.one("aws:wafv2/webAclAssociation:WebAclAssociation", "api-waf");
            assert.deepEqual(assoc.propertyDependencies.resourceArn, [run.one("aws:apigateway/stage:Stage", "api-stage").urn]);
            assert.deepEqual(assoc.propertyDependencies.webAclArn, [run.one("aws:wafv2/webAcl:WebAcl", "fw-acl").urn]);
        });

        it("the logging role writes only API Gateway log groups", function () {
            const s = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "api-cloudwatch-policy").inputs.policy);
            assert.deepEqual(Object.keys(s), ["WriteApiLogs"]);
            assert.deepEqual(list(s.WriteApiLogs.Resource), [
                `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:API-Gateway-Execution-Logs_*`,
                `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:API-Gateway-Execution-Logs_*:*`,
                `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/apigateway/platform-dev-api-*`,
                `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/apigateway/platform-dev-api-*:*`,
            ]);
        });

        it("alarms on the 5xx rate (critical) and p99 latency (warning) of the stage", function () {
            const stage = run.one("aws:apigateway/stage:Stage", "api-stage").urn;
            const fiveXx = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "api-5xx-rate");
            assert.equal(fiveXx.inputs.metricName, "5XXError");
            assert.equal(fiveXx.inputs.threshold, 0.01);
            assert.ok(fiveXx.propertyDependencies.dimensions.includes(stage));
            assert.deepEqual(fiveXx.propertyDependencies.alarmActions, [run.one("aws:sns/topic:Topic", "alerts-critical").urn]);
            const latency = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "api-latency-p99");
            assert.equal(latency.inputs.extendedStatistic, "p99");
            assert.equal(latency.inputs.threshold, 3000);
            assert.deepEqual(latency.propertyDependencies.alarmActions, [run.one("aws:sns/topic:Topic", "alerts-warning").urn]);
        });

        it("validates arguments, naming them", function () {
            const a = apiArgs();
            assert.throws(() => new mod.Api("a1", { ...a, routes: [] }), /argument "routes" .*at least one route/);
            assert.throws(() => new mod.Api("a2", { ...a, routes: [{ method: "GET", path: "orders" }] }), /argument "routes\[\]\.path" is "orders"/);
            assert.throws(
                () => new mod.Api("a3", { ...a, routes: [{ method: "GET", path: "/x", publicReason: "why" }] }),
                /argument "routes\[GET \/x\]\.publicReason" is "why"; a public route needs a real reason/,
            );
            assert.throws(() => new mod.Api("a4", { ...a, routes: [{ method: "GET", path: "/x" }, { method: "GET", path: "/x" }] }), /argument "routes" is "GET \/x"/);
            assert.throws(() => new mod.Api("a5", { ...a, cacheSizeGb: "2" as never }), /argument "cacheSizeGb" is "2"/);
            assert.throws(() => new mod.Api("a6", { ...a, throttleBurstLimit: 0 }), /argument "throttleBurstLimit"/);
        });
    });
});
