import { strict as assert } from "node:assert";
import type { RouteSpec } from "../../components/api";
import { ACCOUNT, MockRun, installMocks, list, statementsBySid, testContext } from "./harness";

const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/logs`;
const READ = ["orders/orders.read", "openid"];
const SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
const AUTHORIZATION = "method.request.header.Authorization";
const ROUTES: RouteSpec[] = [
    { method: "GET", path: "/health", publicReason: "Smoke tests probe health without credentials." },
    { method: "GET", path: "/orders", queryParameters: { limit: false, cursor: false }, scopes: READ },
    { method: "POST", path: "/orders", bodySchema: { type: "object", required: ["items"] } },
    { method: "GET", path: "/orders/{id}", cache: { ttlSeconds: 5, key: ["path.id"] } },
    { method: "POST", path: "/orders/{id}/cancel" },
    {
        method: "GET",
        path: "/orders/search",
        queryParameters: { q: true, limit: false },
        scopes: READ,
        cache: { ttlSeconds: 30, key: ["querystring.q", "querystring.limit"] },
    },
    {
        method: "GET",
        path: "/catalog/{sku}",
        publicReason: "The catalogue is the same for everyone.",
        cache: { ttlSeconds: 3600, key: ["path.sku", "header.Accept-Language"] },
    },
];

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
        new mod.Firewall("watched", {
            context: ctx,
            scope: "REGIONAL",
            rateLimit: 1000,
            logRetentionDays: 30,
            logsKeyArn: KEY,
            blockedAlarm: { routing, ratePercent: 20 },
        });
        apiArgs = () => ({
            context: ctx,
            routes: ROUTES,
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
        // The same routes where the stack's cache is off, and a cache-enabled API with no cached route.
        new mod.Api("nocache", { ...apiArgs(), cacheEnabled: false });
        new mod.Api("uncached", { ...apiArgs(), routes: apiArgs().routes.map(({ cache: _cache, ...r }) => r) });
        // Renamed in the program, still "legacy" to AWS.
        new mod.Api("renamed", { ...apiArgs(), physicalName: "legacy" });
        await run.settle();
    });

    describe("Firewall", function () {
        it("a regional web ACL with the managed common, bad-inputs and IP-reputation groups and a rate rule, metrics on", function () {
            const acl = run.one("aws:wafv2/webAcl:WebAcl", "fw-acl");
            assert.equal(acl.inputs.scope, "REGIONAL");
            const rules = acl.inputs.rules as {
                name: string;
                statement: Record<string, { name?: string; limit?: number }>;
                visibilityConfig: { cloudwatchMetricsEnabled: boolean };
            }[];
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

        it("warns, with an escalation twin, when more than ratePercent of the ACL's requests are blocked in 3 of 5 minutes; no alarm without blockedAlarm", function () {
            const alarm = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "watched-blocked-rate");
            assert.equal(alarm.inputs.tags.severity, "warning");
            assert.deepEqual(
                [alarm.inputs.threshold, alarm.inputs.comparisonOperator, alarm.inputs.evaluationPeriods, alarm.inputs.datapointsToAlarm],
                [20, "GreaterThanThreshold", 5, 3],
            );
            const queries = alarm.inputs.metricQueries as {
                id: string;
                expression?: string;
                metric?: { metricName: string; dimensions: Record<string, string>; stat: string };
            }[];
            // WAF publishes no datapoint for a minute without blocked requests: FILL, and no share judged below 100 requests.
            assert.equal(
                queries.find((q) => q.id === "signal")?.expression,
                "IF(FILL(allowed, 0) + FILL(blocked, 0) >= 100, 100 * FILL(blocked, 0) / (FILL(allowed, 0) + FILL(blocked, 0)), 0)",
            );
            for (const [id, metricName] of [
                ["allowed", "AllowedRequests"],
                ["blocked", "BlockedRequests"],
            ])
                assert.deepEqual(queries.find((q) => q.id === id)?.metric, {
                    namespace: "AWS/WAFV2",
                    metricName,
                    dimensions: { WebACL: "platform-dev-watched-acl", Rule: "ALL", Region: "eu-west-1" },
                    period: 60,
                    stat: "Sum",
                });
            assert.equal(run.one("aws:wafv2/webAcl:WebAcl", "watched-acl").inputs.visibilityConfig.metricName, "platform-dev-watched-acl");
            run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "watched-blocked-rate-escalated");
            assert.deepEqual(
                run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("fw-")),
                [],
            );
        });

        it("validates arguments", function () {
            const base = { context: testContext(), scope: "REGIONAL" as const, rateLimit: 1000, logRetentionDays: 30, logsKeyArn: KEY };
            assert.throws(() => new mod.Firewall("f1", { ...base, rateLimit: 10 }), /argument "rateLimit" is 10; allowed: a whole number from 100/);
            assert.throws(() => new mod.Firewall("f2", { ...base, scope: "GLOBAL" as never }), /argument "scope" is "GLOBAL"; allowed: REGIONAL, CLOUDFRONT/);
            const routing = { topicArns: {} as never, escalationTopicArn: undefined as never, escalationMinutes: 30 };
            assert.throws(
                () => new mod.Firewall("f3", { ...base, blockedAlarm: { routing, ratePercent: 0 } }),
                /argument "blockedAlarm.ratePercent" is 0; allowed: a whole number from 1 to 100/,
            );
        });
    });

    describe("Api", function () {
        it("physicalName keeps what AWS sees when the component is renamed: API, role, log groups and cache namespaces", function () {
            const prefix = testContext().namePrefix;
            assert.equal(run.one("aws:apigateway/restApi:RestApi", "renamed-api").inputs.name, `${prefix}-legacy`);
            assert.equal(run.one("aws:iam/role:Role", "renamed-cloudwatch-role").inputs.name, `${prefix}-legacy-cloudwatch`);
            assert.equal(run.one("aws:cloudwatch/logGroup:LogGroup", "renamed-access-logs").inputs.name, `/aws/apigateway/${prefix}-legacy-access`);
            const namespaces = (api: string) =>
                run
                    .ofType("aws:apigateway/integration:Integration")
                    .filter((i) => i.name.startsWith(`${api}-`) && i.inputs.cacheNamespace !== undefined)
                    .map((i) => i.inputs.cacheNamespace as string)
                    .sort();
            assert.ok(namespaces("renamed").length > 0);
            assert.deepEqual(
                namespaces("renamed"),
                namespaces("api").map((n) => n.replace(/^api-/, "legacy-")),
            );
        });

        it("every route but the declared public one uses the Cognito authorizer", function () {
            const authorizer = run.one("aws:apigateway/authorizer:Authorizer", "api-cognito");
            assert.equal(authorizer.inputs.type, "COGNITO_USER_POOLS");
            const methods = run.ofType("aws:apigateway/method:Method").filter((m) => m.name.startsWith("api-"));
            assert.equal(methods.length, 7);
            for (const m of methods) {
                if (m.name === "api-get-health" || m.name === "api-get-catalog-sku") {
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
            assert.equal(settings.inputs.settings.metricsEnabled, true);
            // Stage-wide caching would key every GET by its path alone: it stays off, routes opt in.
            assert.equal(settings.inputs.settings.cachingEnabled, false);
            for (const lg of ["api-access-logs", "api-execution-logs"]) {
                const g = run.one("aws:cloudwatch/logGroup:LogGroup", lg);
                assert.equal(g.inputs.kmsKeyId, KEY, lg);
                assert.equal(g.inputs.retentionInDays, 30, lg);
            }
            assert.equal(run.one("aws:cloudwatch/logGroup:LogGroup", "api-execution-logs").inputs.name, "API-Gateway-Execution-Logs_api-api-api-id/v1");
        });

        describe("caching and scopes", function () {
            const settingsOf = (api: string) => run.ofType(SETTINGS).filter((m) => m.name.startsWith(`${api}-`));
            const integration = (name: string) => run.one("aws:apigateway/integration:Integration", `${name}-integration`);
            const method = (name: string) => run.one("aws:apigateway/method:Method", name);

            it("gives each cached route, and only those, its own method settings: encrypted, TTL from the route, stage logging and throttling repeated", function () {
                const byPath = Object.fromEntries(settingsOf("api").map((m) => [m.inputs.methodPath, m]));
                assert.deepEqual(Object.keys(byPath).sort(), ["*/*", "catalog/{sku}/GET", "orders/search/GET", "orders/{id}/GET"]);
                for (const [path, ttl] of [
                    ["orders/search/GET", 30],
                    ["orders/{id}/GET", 5],
                    ["catalog/{sku}/GET", 3600],
                ] as const) {
                    assert.deepEqual(
                        byPath[path].inputs.settings,
                        {
                            loggingLevel: "ERROR",
                            dataTraceEnabled: false,
                            metricsEnabled: true,
                            throttlingRateLimit: 50,
                            throttlingBurstLimit: 100,
                            cachingEnabled: true,
                            cacheTtlInSeconds: ttl,
                            cacheDataEncrypted: true,
                            requireAuthorizationForCacheControl: true,
                            unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403",
                        },
                        path,
                    );
                    assert.deepEqual(byPath[path].propertyDependencies.stageName, [run.one("aws:apigateway/stage:Stage", "api-stage").urn], path);
                }
                // One stage update at a time: each override waits for the one before it, the first for */*.
                const chain = ["api-method-settings", "api-get-orders-id-cache", "api-get-orders-search-cache", "api-get-catalog-sku-cache"].map((n) =>
                    run.one(SETTINGS, n),
                );
                chain.slice(1).forEach((m, i) => assert.ok(m.dependencies.includes(chain[i].urn), `${m.name} after ${chain[i].name}`));
            });

            it("keys an authorized route's cache by the caller first, then every path and query parameter it reads", function () {
                assert.deepEqual(integration("api-get-orders-search").inputs.cacheKeyParameters, [
                    AUTHORIZATION,
                    "method.request.querystring.q",
                    "method.request.querystring.limit",
                ]);
                assert.deepEqual(integration("api-get-orders-id").inputs.cacheKeyParameters, [AUTHORIZATION, "method.request.path.id"]);
                // A public route has no caller to key by.
                assert.deepEqual(integration("api-get-catalog-sku").inputs.cacheKeyParameters, [
                    "method.request.path.sku",
                    "method.request.header.Accept-Language",
                ]);
                const namespaces = ["api-get-orders-search", "api-get-orders-id", "api-get-catalog-sku"].map((n) => integration(n).inputs.cacheNamespace);
                assert.deepEqual(namespaces, ["api-get-orders-search", "api-get-orders-id", "api-get-catalog-sku"]);
                for (const n of ["api-get-health", "api-get-orders", "api-post-orders", "api-post-orders-id-cancel"]) {
                    assert.equal(integration(n).inputs.cacheKeyParameters, undefined, n);
                }
            });

            it("declares every cache key and query parameter on the method; a required one brings the validator", function () {
                const validator = run.one("aws:apigateway/requestValidator:RequestValidator", "api-body-validator").urn;
                const search = method("api-get-orders-search");
                assert.deepEqual(search.inputs.requestParameters, {
                    "method.request.querystring.q": true,
                    "method.request.querystring.limit": false,
                    [AUTHORIZATION]: false,
                });
                assert.deepEqual(search.propertyDependencies.requestValidatorId, [validator]);
                const list = method("api-get-orders");
                assert.deepEqual(list.inputs.requestParameters, { "method.request.querystring.limit": false, "method.request.querystring.cursor": false });
                assert.equal(list.inputs.requestValidatorId, undefined);
                assert.deepEqual(method("api-get-orders-id").inputs.requestParameters, { "method.request.path.id": true, [AUTHORIZATION]: false });
                assert.deepEqual(method("api-get-catalog-sku").inputs.requestParameters, {
                    "method.request.path.sku": true,
                    "method.request.header.Accept-Language": false,
                });
                assert.deepEqual(method("api-get-health").inputs.requestParameters, {});
            });

            it("turns scopes into authorizationScopes, so access tokens are accepted; routes without scopes stay on ID tokens", function () {
                assert.deepEqual(method("api-get-orders").inputs.authorizationScopes, READ);
                assert.deepEqual(method("api-get-orders-search").inputs.authorizationScopes, READ);
                for (const n of ["api-post-orders", "api-get-orders-id", "api-post-orders-id-cancel", "api-get-health"]) {
                    assert.equal(method(n).inputs.authorizationScopes, undefined, n);
                }
            });

            it("where the stack's cache is off the same settings exist with caching off, and no cache cluster is paid for", function () {
                assert.equal(run.one("aws:apigateway/stage:Stage", "api-stage").inputs.cacheClusterEnabled, true);
                assert.equal(run.one("aws:apigateway/stage:Stage", "nocache-stage").inputs.cacheClusterEnabled, false);
                const off = settingsOf("nocache");
                assert.deepEqual(
                    off.map((m) => m.name.replace(/^nocache-/, "")).sort(),
                    settingsOf("api")
                        .map((m) => m.name.replace(/^api-/, ""))
                        .sort(),
                );
                assert.deepEqual(
                    off.map((m) => m.inputs.settings.cachingEnabled),
                    [false, false, false, false],
                );
                // Cache on, but no route cached: nothing to serve from a cluster.
                assert.equal(run.one("aws:apigateway/stage:Stage", "uncached-stage").inputs.cacheClusterEnabled, false);
                assert.deepEqual(
                    settingsOf("uncached").map((m) => m.inputs.methodPath),
                    ["*/*"],
                );
            });

            it("rejects caches and scopes that could serve one request's answer to another, naming the route and the parameter", function () {
                const a = apiArgs();
                const build = (n: string, route: RouteSpec) => () => new mod.Api(n, { ...a, routes: [route] });
                const cache = (key: string[], ttlSeconds = 30) => ({ ttlSeconds, key });
                const cases: [RouteSpec, RegExp][] = [
                    [
                        { method: "POST", path: "/orders", cache: cache([]) },
                        /argument "routes\[POST \/orders\]\.cache" is .*allowed only on GET routes: a POST is a write/,
                    ],
                    [{ method: "DELETE", path: "/orders/{id}", cache: cache(["path.id"]) }, /"routes\[DELETE \/orders\/\{id\}\]\.cache" .*a DELETE is a write/],
                    [
                        { method: "GET", path: "/health", publicReason: "Deploy checks read it.", cache: cache([]) },
                        /"routes\[GET \/health\]\.cache" .*a health route is never cached/,
                    ],
                    [{ method: "GET", path: "/v2/health", cache: cache([]) }, /"routes\[GET \/v2\/health\]\.cache" .*never cached/],
                    [
                        { method: "GET", path: "/orders/{id}", cache: cache([]) },
                        /"routes\[GET \/orders\/\{id\}\]\.cache\.key" is \[\]; misses path\.id: the route reads something the key does not cover/,
                    ],
                    [
                        { method: "GET", path: "/a/{x}/b/{y}", cache: cache(["path.y"]) },
                        /"routes\[GET \/a\/\{x\}\/b\/\{y\}\]\.cache\.key" is \["path\.y"\]; misses path\.x:/,
                    ],
                    [
                        { method: "GET", path: "/orders", queryParameters: { limit: false, cursor: false }, cache: cache(["querystring.limit"]) },
                        /"routes\[GET \/orders\]\.cache\.key" is \["querystring\.limit"\]; misses querystring\.cursor: the route reads something/,
                    ],
                    [
                        { method: "GET", path: "/orders", cache: cache(["querystring.q"]) },
                        /"routes\[GET \/orders\]\.cache\.key" is "querystring\.q"; names a query parameter the route does not declare/,
                    ],
                    // A name every object has on its prototype is no declaration.
                    [
                        { method: "GET", path: "/orders", cache: cache(["querystring.constructor"]) },
                        /is "querystring\.constructor"; names a query parameter the route does not declare/,
                    ],
                    [
                        { method: "GET", path: "/orders/{id}", cache: cache(["path.id", "path.customer"]) },
                        /"routes\[GET \/orders\/\{id\}\]\.cache\.key" is "path\.customer"; names a path parameter \/orders\/\{id\} does not have; its path parameters: id/,
                    ],
                    [
                        { method: "GET", path: "/orders", cache: cache(["body.id"]) },
                        /\.cache\.key" is "body\.id"; allowed: path\.<name>, querystring\.<name> or header\.<Name>/,
                    ],
                    [
                        { method: "GET", path: "/orders", cache: cache(["method.request.querystring.q"]) },
                        /is "method\.request\.querystring\.q"; allowed: path\.<name>/,
                    ],
                    [{ method: "GET", path: "/orders", cache: cache(["header."]) }, /is "header\."; allowed/],
                    [{ method: "GET", path: "/orders", cache: cache([42 as never]) }, /is 42; allowed/],
                    [
                        { method: "GET", path: "/orders", cache: { ttlSeconds: 30 } as never },
                        /"routes\[GET \/orders\]\.cache\.key" is undefined; allowed: a list/,
                    ],
                    [
                        { method: "GET", path: "/orders", cache: cache(["header.Authorization"]) },
                        /is "header\.Authorization"; leave the Authorization header out/,
                    ],
                    [
                        { method: "GET", path: "/orders", cache: cache(["header.authorization"]) },
                        /is "header\.authorization"; leave the Authorization header out/,
                    ],
                    [{ method: "GET", path: "/orders/{id}", cache: cache(["path.id", "path.id"]) }, /is "path\.id"; each parameter may appear once/],
                    [
                        { method: "GET", path: "/orders", cache: cache([], 0) },
                        /"routes\[GET \/orders\]\.cache\.ttlSeconds" is 0; allowed: a whole number from 1 to 3600/,
                    ],
                    [{ method: "GET", path: "/orders", cache: cache([], 3601) }, /\.ttlSeconds" is 3601; allowed: a whole number from 1 to 3600/],
                    [{ method: "GET", path: "/orders", cache: cache([], 1.5) }, /\.ttlSeconds" is 1\.5/],
                    [
                        { method: "GET", path: "/orders", queryParameters: { q: "yes" as never } },
                        /"routes\[GET \/orders\]\.queryParameters\.q" is "yes"; allowed: .*true \(required\) or false/,
                    ],
                    [
                        { method: "GET", path: "/orders", queryParameters: { "a b": true } },
                        /"routes\[GET \/orders\]\.queryParameters\.a b" is true; allowed: a query parameter name/,
                    ],
                    [
                        { method: "GET", path: "/health", publicReason: "Deploy checks read it.", scopes: ["openid"] },
                        /"routes\[GET \/health\]\.scopes" is \["openid"\]; allowed only on a route with the authorizer/,
                    ],
                    [{ method: "GET", path: "/orders", scopes: [] }, /"routes\[GET \/orders\]\.scopes" is \[\]; allowed: one or more non-empty scope names/],
                    [{ method: "GET", path: "/orders", scopes: ["openid", ""] }, /\.scopes" is \["openid",""\]; allowed: one or more/],
                    [
                        { method: "GET", path: "/orders", scopes: ["orders/orders.read openid"] },
                        /\.scopes" is \["orders\/orders\.read openid"\]; allowed: .*without spaces/,
                    ],
                ];
                cases.forEach(([route, message], i) => assert.throws(build(`bad-cache-${i}`, route), message, `${route.method} ${route.path}`));
            });
        });

        it("answers the gateway's own refusals (missing parameter, bad body, no token, throttled...) in the API's error shape, and redeploys when they change", function () {
            const responses = run.ofType("aws:apigateway/response:Response").filter((r) => r.name.startsWith("api-"));
            assert.deepEqual(responses.map((r) => r.inputs.responseType).sort(), [
                "ACCESS_DENIED",
                "BAD_REQUEST_BODY",
                "BAD_REQUEST_PARAMETERS",
                "DEFAULT_4XX",
                "DEFAULT_5XX",
                "THROTTLED",
                "UNAUTHORIZED",
            ]);
            for (const r of responses) {
                // What API Gateway renders: $context.error.messageString is a quoted string, the request id a plain one.
                const rendered = (r.inputs.responseTemplates["application/json"] as string)
                    .replace("$context.error.messageString", JSON.stringify("Missing required request parameters: [q]"))
                    .replace("$context.requestId", "c0ffee-1");
                const body = JSON.parse(rendered) as { error: { code: string; message: string; details: { requestId: string } } };
                assert.equal(body.error.code, mod.GATEWAY_ERROR_CODES[r.inputs.responseType as keyof typeof mod.GATEWAY_ERROR_CODES], r.name);
                assert.equal(body.error.message, "Missing required request parameters: [q]");
                assert.deepEqual(body.error.details, { requestId: "c0ffee-1" });
                assert.equal(r.inputs.responseParameters["gatewayresponse.header.Cache-Control"], "'no-store'");
                assert.deepEqual(r.propertyDependencies.restApiId, [run.one("aws:apigateway/restApi:RestApi", "api-api").urn]);
            }
            const deployment = run.one("aws:apigateway/deployment:Deployment", "api-deployment");
            for (const r of responses) assert.ok(deployment.dependencies.includes(r.urn), `the deployment waits for ${r.name}`);
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
            assert.throws(
                () =>
                    new mod.Api("a4", {
                        ...a,
                        routes: [
                            { method: "GET", path: "/x" },
                            { method: "GET", path: "/x" },
                        ],
                    }),
                /argument "routes" is "GET \/x"/,
            );
            assert.throws(() => new mod.Api("a5", { ...a, cacheSizeGb: "2" as never }), /argument "cacheSizeGb" is "2"/);
            assert.throws(() => new mod.Api("a6", { ...a, throttleBurstLimit: 0 }), /argument "throttleBurstLimit"/);
            assert.throws(
                () => new mod.Api("a6b", { ...a, throttleRateLimit: 200, throttleBurstLimit: 150 }),
                /argument "throttleBurstLimit" is 150; allowed: at least throttleRateLimit \(200\)/,
            );
        });
    });
});
