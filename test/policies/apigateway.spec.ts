import { check, checkResource, expect, Res, summary, U } from "./helpers";

const STAGE = "aws:apigateway/stage:Stage";
const HTTP_STAGE = "aws:apigatewayv2/stage:Stage";
const API = "aws:apigateway/restApi:RestApi";
const SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const JSON_FORMAT = JSON.stringify({ requestId: "$context.requestId" });
const stage = (props: Record<string, unknown> = {}): Res => ({
    type: STAGE,
    name: "prod",
    props: { restApi: U, deployment: U, stageName: "prod", ...props },
    deps: { restApi: ["api"] },
});
const api: Res = { type: API, name: "api", props: { name: "orders" } };
const settings = (s: Record<string, unknown>, methodPath = "*/*"): Res => ({
    type: SETTINGS,
    name: "all",
    props: { restApi: U, stageName: U, methodPath, settings: s },
    deps: { stageName: ["prod"], restApi: ["api"] },
});

describe("policies: API Gateway", () => {
    describe("apigw-access-logging", () => {
        it("reports a stage without access logs, and a non-JSON format", () => {
            expect(checkResource("apigw-access-logging", stage())[0].message).to.contain("accessLogSettings.destinationArn is not set");
            const v = checkResource("apigw-access-logging", {
                type: HTTP_STAGE,
                name: "h",
                props: { accessLogSettings: { destinationArn: U, format: "$context.requestId" } },
            });
            expect(v[0].message).to.contain('accessLogSettings.format is "$context.requestId", expected a JSON log format');
        });
        it("accepts a destination (unknown ARN) with a JSON format", () => {
            expect(checkResource("apigw-access-logging", stage({ accessLogSettings: { destinationArn: U, format: JSON_FORMAT } }))).to.deep.equal([]);
        });
    });

    describe("apigw-execution-logging (stack)", () => {
        it("reports a stage with no */* method settings at mandatory, related only through unknown values", () => {
            expect(summary(check("apigw-execution-logging", [api, stage()], { level: "mandatory" }))).to.deep.equal(["prod:mandatory"]);
        });
        it("reports OFF logging and data tracing on the method settings", () => {
            const vs = check("apigw-execution-logging", [api, stage(), settings({ loggingLevel: "OFF", dataTraceEnabled: true })]);
            expect(vs.map((v) => v.message.split("\n").pop()?.split(": ")[1].split(",")[0])).to.deep.equal([
                'settings.loggingLevel is "OFF"',
                "settings.dataTraceEnabled is true",
            ]);
        });
        it("accepts ERROR logging without data tracing", () => {
            expect(check("apigw-execution-logging", [api, stage(), settings({ loggingLevel: "ERROR", dataTraceEnabled: false })])).to.deep.equal([]);
        });
    });

    describe("apigw-xray", () => {
        it("reports a stage without X-Ray", () =>
            expect(checkResource("apigw-xray", stage())[0].message).to.contain("xrayTracingEnabled is not set, expected true"));
        it("accepts X-Ray on", () => expect(checkResource("apigw-xray", stage({ xrayTracingEnabled: true }))).to.deep.equal([]));
    });

    describe("apigw-authorization", () => {
        const method = (authorization: string, httpMethod = "GET"): Res => ({
            type: "aws:apigateway/method:Method",
            name: `m-${httpMethod}`,
            props: { restApi: U, resourceId: U, httpMethod, authorization },
        });
        const route = (routeKey: string, authorizationType?: string): Res => ({
            type: "aws:apigatewayv2/route:Route",
            name: "r",
            props: { apiId: U, routeKey, authorizationType },
        });
        it("reports NONE on methods and routes, mandatory by default", () => {
            expect(summary(checkResource("apigw-authorization", method("NONE")))).to.deep.equal(["m-GET:mandatory"]);
            expect(checkResource("apigw-authorization", route("GET /orders"))[0].message).to.contain('authorizationType is "NONE"');
        });
        it("accepts authorizers, CORS preflight, and allow-listed public routes (publicRoutes)", () => {
            expect(checkResource("apigw-authorization", method("COGNITO_USER_POOLS"))).to.deep.equal([]);
            expect(checkResource("apigw-authorization", route("GET /orders", "JWT"))).to.deep.equal([]);
            expect(checkResource("apigw-authorization", method("NONE", "OPTIONS"))).to.deep.equal([]);
            expect(checkResource("apigw-authorization", route("GET /health", "NONE"), { config: { publicRoutes: ["GET /health"] } })).to.deep.equal([]);
            expect(checkResource("apigw-authorization", method("NONE"), { config: { publicRoutes: ["m-GET"] } })).to.deep.equal([]);
        });
        it("reports OPTIONS when allowCorsPreflight is false", () => {
            expect(checkResource("apigw-authorization", method("NONE", "OPTIONS"), { config: { allowCorsPreflight: false } })).to.have.length(1);
        });
    });

    describe("apigw-request-validation", () => {
        const m = (httpMethod: string, requestValidatorId?: string): Res => ({
            type: "aws:apigateway/method:Method",
            name: "m",
            props: { httpMethod, authorization: "AWS_IAM", requestValidatorId },
        });
        it("reports a POST without a validator", () =>
            expect(checkResource("apigw-request-validation", m("POST"))[0].message).to.contain("requestValidatorId is not set"));
        it("accepts a validator, and GET without one", () => {
            expect(checkResource("apigw-request-validation", m("POST", U))).to.deep.equal([]);
            expect(checkResource("apigw-request-validation", m("GET"))).to.deep.equal([]);
        });
    });

    describe("apigw-waf (stack)", () => {
        const assoc: Res = {
            type: "aws:wafv2/webAclAssociation:WebAclAssociation",
            name: "waf",
            props: { resourceArn: U, webAclArn: U },
            deps: { resourceArn: ["prod"] },
        };
        it("reports a stage with no web ACL association, mandatory with unknown ARNs", () => {
            expect(summary(check("apigw-waf", [api, stage()], { level: "mandatory" }))).to.deep.equal(["prod:mandatory"]);
        });
        it("accepts an association whose resourceArn comes from the stage", () => expect(check("apigw-waf", [api, stage(), assoc])).to.deep.equal([]));
    });

    describe("apigw-throttling", () => {
        it("reports */* method settings and HTTP stages without limits", () => {
            expect(checkResource("apigw-throttling", settings({ loggingLevel: "ERROR" }))).to.have.length(2);
            expect(
                checkResource("apigw-throttling", {
                    type: HTTP_STAGE,
                    name: "h",
                    props: { defaultRouteSettings: { throttlingBurstLimit: -1, throttlingRateLimit: 100 } },
                })[0].message,
            ).to.contain("defaultRouteSettings.throttlingBurstLimit is -1");
        });
        it("accepts limits, and ignores per-method settings", () => {
            expect(checkResource("apigw-throttling", settings({ throttlingBurstLimit: 50, throttlingRateLimit: 100 }))).to.deep.equal([]);
            expect(checkResource("apigw-throttling", settings({ cachingEnabled: false }, "orders/GET"))).to.deep.equal([]);
        });
    });

    describe("apigw-cache-encrypted", () => {
        it("reports caching without encryption", () =>
            expect(summary(checkResource("apigw-cache-encrypted", settings({ cachingEnabled: true })))).to.deep.equal(["all:mandatory"]));
        it("accepts encrypted caching, and no caching", () => {
            expect(checkResource("apigw-cache-encrypted", settings({ cachingEnabled: true, cacheDataEncrypted: true }))).to.deep.equal([]);
            expect(checkResource("apigw-cache-encrypted", settings({}))).to.deep.equal([]);
        });
    });

    describe("apigw-domain-tls12", () => {
        it("reports a REST domain left on the TLS 1.0 default", () => {
            expect(
                checkResource("apigw-domain-tls12", { type: "aws:apigateway/domainName:DomainName", name: "d", props: { domainName: "api.example.com" } })[0]
                    .message,
            ).to.contain('securityPolicy is not set, expected "TLS_1_2"');
        });
        it("accepts TLS_1_2 on REST and HTTP domains", () => {
            expect(
                checkResource("apigw-domain-tls12", { type: "aws:apigateway/domainName:DomainName", name: "d", props: { securityPolicy: "TLS_1_2" } }),
            ).to.deep.equal([]);
            expect(
                checkResource("apigw-domain-tls12", {
                    type: "aws:apigatewayv2/domainName:DomainName",
                    name: "d",
                    props: { domainNameConfiguration: { securityPolicy: "TLS_1_2" } },
                }),
            ).to.deep.equal([]);
        });
    });

    describe("apigw-5xx-latency-alarm (stack)", () => {
        const alarm = (metricName: string, dims: string[]): Res => ({
            type: ALARM,
            name: metricName,
            props: { namespace: "AWS/ApiGateway", metricName, dimensions: { ApiName: U, Stage: U }, alarmActions: [U] },
            deps: { dimensions: dims },
        });
        it("reports a stage without a 5XX alarm at mandatory and a missing latency alarm as advisory only", () => {
            const vs = check("apigw-5xx-latency-alarm", [api, stage()], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["prod:advisory", "prod:mandatory"]);
        });
        it("accepts alarms whose dimensions come from the API and the stage", () => {
            expect(check("apigw-5xx-latency-alarm", [api, stage(), alarm("5XXError", ["api", "prod"]), alarm("Latency", ["api"])])).to.deep.equal([]);
        });
        it("uses the HTTP API metric name 5xx", () => {
            const http: Res = { type: HTTP_STAGE, name: "h", props: { apiId: U, name: "$default" }, deps: { apiId: ["hapi"] } };
            const hapi: Res = { type: "aws:apigatewayv2/api:Api", name: "hapi", props: { protocolType: "HTTP" } };
            const wrong = alarm("5XXError", ["hapi"]);
            expect(summary(check("apigw-5xx-latency-alarm", [hapi, http, wrong, alarm("Latency", ["hapi"])]))).to.deep.equal(["h:advisory"]);
            expect(check("apigw-5xx-latency-alarm", [hapi, http, alarm("5xx", ["hapi"]), alarm("Latency", ["hapi"])])).to.deep.equal([]);
        });
    });
    describe("apigw-cache-key-isolation (stack): flat programs as a first preview sees them, every id unknown", () => {
        const CK = "apigw-cache-key-isolation";
        const RESOURCE = "aws:apigateway/resource:Resource";
        const METHOD = "aws:apigateway/method:Method";
        const INTEGRATION = "aws:apigateway/integration:Integration";
        const AUTH = "aws:apigateway/authorizer:Authorizer";
        const AUTHZ = "method.request.header.Authorization";
        const restApi: Res = { type: API, name: "api", props: { name: "orders", rootResourceId: U } };
        const v1: Res = { type: STAGE, name: "v1", props: { restApi: U, deployment: U, stageName: "v1" }, deps: { restApi: ["api"] } };
        const resource = (name: string, pathPart: string, parent = "api"): Res => ({
            type: RESOURCE,
            name,
            props: { restApi: U, parentId: U, pathPart },
            deps: { restApi: ["api"], parentId: [parent] },
        });
        // /orders, /orders/{id}, /orders/search
        const tree = [resource("r-orders", "orders"), resource("r-id", "{id}", "r-orders"), resource("r-search", "search", "r-orders")];
        const authorizer = (name: string, type: string, identitySource?: string): Res => ({
            type: AUTH,
            name,
            props: { restApi: U, name, type, authorizerUri: U, identitySource },
            deps: { restApi: ["api"] },
        });
        const cognito = authorizer("cognito", "COGNITO_USER_POOLS", "method.request.header.Authorization");
        interface MethodSpec {
            verb?: string;
            authorization?: string;
            authorizer?: string;
            requestParameters?: Record<string, boolean>;
        }
        const method = (name: string, res: string, m: MethodSpec = {}): Res => ({
            type: METHOD,
            name,
            props: {
                restApi: U,
                resourceId: U,
                httpMethod: m.verb ?? "GET",
                authorization: m.authorization ?? "COGNITO_USER_POOLS",
                ...(m.authorizer !== undefined || (m.authorization ?? "COGNITO_USER_POOLS") === "COGNITO_USER_POOLS" ? { authorizerId: U } : {}),
                requestParameters: m.requestParameters ?? {},
            },
            deps: {
                restApi: ["api"],
                resourceId: [res],
                ...((m.authorization ?? "COGNITO_USER_POOLS") === "COGNITO_USER_POOLS" || m.authorizer ? { authorizerId: [m.authorizer ?? "cognito"] } : {}),
            },
        });
        // Takes httpMethod from the method, as `httpMethod: method.httpMethod` does.
        const integration = (name: string, of: string, res: string, cacheKeyParameters?: unknown): Res => ({
            type: INTEGRATION,
            name,
            props: { restApi: U, resourceId: U, httpMethod: U, type: "AWS_PROXY", uri: U, ...(cacheKeyParameters !== undefined ? { cacheKeyParameters } : {}) },
            deps: { restApi: ["api"], resourceId: [res], httpMethod: [of] },
        });
        const cacheOn = { cachingEnabled: true, cacheDataEncrypted: true, cacheTtlInSeconds: 60 };
        const ms = (name: string, methodPath: string, s: Record<string, unknown> = cacheOn, stageRes = "v1"): Res => ({
            type: SETTINGS,
            name,
            props: { restApi: U, stageName: U, methodPath, settings: s },
            deps: { restApi: ["api"], stageName: [stageRes] },
        });
        const base = [restApi, v1, ...tree, cognito];
        const getOrder = (keys?: unknown, m: MethodSpec = {}) => [
            method("get-order", "r-id", { requestParameters: { "method.request.path.id": true }, ...m }),
            integration("get-order-int", "get-order", "r-id", keys),
        ];
        const run = (resources: Res[]) => check(CK, resources);
        const lastLine = (message: string) => message.split("\n").pop() ?? "";

        describe("violations", () => {
            it("GET /orders/{id} cached by the stage's */* caching, authenticated, keyed by nothing: mandatory, naming the method, stage, missing keys and fix", () => {
                const vs = run([...base, ms("all", "*/*"), ...getOrder()]);
                expect(summary(vs)).to.deep.equal(["get-order:mandatory"]);
                expect(lastLine(vs[0].message))
                    .to.contain(
                        'aws.apigateway.Method "get-order": (Integration "get-order-int").cacheKeyParameters misses method.request.header.Authorization, method.request.path.id',
                    )
                    .and.contain('GET /orders/{id} is cached on stage "v1" by MethodSettings "all" (methodPath "*/*")')
                    .and.contain("one caller's cached answer to another caller")
                    .and.contain('Fix: add "method.request.header.Authorization", "method.request.path.id" to the integration\'s cacheKeyParameters');
            });
            it("cached by a per-method setting while the stage-wide setting keeps caching off", () => {
                const vs = run([...base, ms("all", "*/*", { cachingEnabled: false }), ms("one", "orders/{id}/GET"), ...getOrder([])]);
                expect(summary(vs)).to.deep.equal(["get-order:mandatory"]);
                expect(vs[0].message).to.contain('by MethodSettings "one" (methodPath "orders/{id}/GET")');
            });
            it("keyed by the path but not by the caller", () => {
                const vs = run([...base, ms("all", "*/*"), ...getOrder(["method.request.path.id"])]);
                expect(lastLine(vs[0].message)).to.contain("cacheKeyParameters misses method.request.header.Authorization: GET /orders/{id}");
            });
            it("keyed by the caller but not by a {param} of the path: another order's answer", () => {
                const vs = run([...base, ms("all", "*/*"), ...getOrder([AUTHZ])]);
                expect(lastLine(vs[0].message))
                    .to.contain("misses method.request.path.id: GET /orders/{id}")
                    .and.contain("one request's cached answer to a request with other parameters");
            });
            it("a {param} the method does not declare in requestParameters still counts: it comes from the resource path", () => {
                const vs = run([...base, ms("all", "*/*"), method("get-order", "r-id"), integration("get-order-int", "get-order", "r-id", [AUTHZ])]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.path.id");
            });
            it("a querystring parameter the method declares, left out of the key", () => {
                const search = method("search", "r-search", {
                    requestParameters: { "method.request.querystring.q": true, "method.request.querystring.limit": false },
                });
                const vs = run([...base, ms("all", "*/*"), search, integration("search-int", "search", "r-search", [AUTHZ, "method.request.querystring.q"])]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.querystring.limit: GET /orders/search");
            });
            it("a custom (token) authorizer keys the caller by its own identity header, not Authorization", () => {
                const custom = authorizer("lambda-auth", "TOKEN", "method.request.header.X-Api-Token");
                const m = { authorization: "CUSTOM", authorizer: "lambda-auth" };
                const vs = run([...base, custom, ms("all", "*/*"), ...getOrder([AUTHZ, "method.request.path.id"], m)]);
                expect(summary(vs)).to.deep.equal(["get-order:mandatory"]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.header.X-Api-Token:");
            });
            it("a request authorizer with several identity sources needs each request parameter among them (context values cannot key a cache)", () => {
                const req = authorizer("req-auth", "REQUEST", "method.request.header.X-Tenant, method.request.querystring.token, context.requestId");
                const vs = run([
                    ...base,
                    req,
                    ms("all", "*/*"),
                    ...getOrder(["method.request.header.x-tenant", "method.request.path.id"], { authorization: "CUSTOM", authorizer: "req-auth" }),
                ]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.querystring.token:");
            });
            it("an IAM-authorized method is keyed by its signed Authorization header", () => {
                const vs = run([...base, ms("all", "*/*"), ...getOrder(["method.request.path.id"], { authorization: "AWS_IAM" })]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.header.Authorization:");
            });
            it("a public cached method still needs its path parameters in the key", () => {
                const vs = run([...base, ms("all", "*/*"), ...getOrder([], { authorization: "NONE" })]);
                expect(summary(vs)).to.deep.equal(["get-order:mandatory"]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.path.id:");
            });
            it("an explicit per-method setting caches a POST too", () => {
                const post = method("post-orders", "r-orders", { verb: "POST" });
                const vs = run([...base, ms("post", "orders/POST"), post, integration("post-int", "post-orders", "r-orders")]);
                expect(lastLine(vs[0].message)).to.contain("misses method.request.header.Authorization: POST /orders");
            });
            it("reports each stage that caches the method, and only those", () => {
                const v2: Res = { ...v1, name: "v2", props: { ...v1.props, stageName: "v2" } };
                const vs = run([...base, v2, ms("v1-all", "*/*", { cachingEnabled: false }), ms("v2-all", "*/*", cacheOn, "v2"), ...getOrder()]);
                expect(vs.map((v) => /stage "(v\d)"/.exec(v.message)?.[1])).to.deep.equal(["v2"]);
            });
        });

        describe("what a naive rule misses: each with a compliant twin", () => {
            it("caching switched on for a path by `<path>/*`, GETs only", () => {
                expect(summary(run([...base, ms("ids", "orders/{id}/*"), ...getOrder([AUTHZ])]))).to.deep.equal(["get-order:mandatory"]);
                expect(run([...base, ms("ids", "orders/{id}/*"), ...getOrder([AUTHZ, "method.request.path.id"])])).to.deep.equal([]);
                const post = method("post-orders", "r-orders", { verb: "POST" });
                expect(run([...base, ms("orders", "orders/*"), post, integration("post-int", "post-orders", "r-orders")])).to.deep.equal([]);
            });
            it("caching switched on for every GET by `*/GET`", () => {
                expect(summary(run([...base, ms("gets", "*/GET"), ...getOrder([])]))).to.deep.equal(["get-order:mandatory"]);
                expect(run([...base, ms("gets", "*/GET"), ...getOrder([AUTHZ, "method.request.path.id"])])).to.deep.equal([]);
            });
            it("a method path spelled the way the CLI escapes it (~1orders~1{id}/GET)", () => {
                expect(summary(run([...base, ms("escaped", "~1orders~1{id}/GET"), ...getOrder([])]))).to.deep.equal(["get-order:mandatory"]);
                expect(run([...base, ms("escaped", "~1orders~1{id}/GET"), ...getOrder([AUTHZ, "method.request.path.id"])])).to.deep.equal([]);
            });
            it("an ANY method serves GETs, so stage-wide caching covers it", () => {
                expect(summary(run([...base, ms("all", "*/*"), ...getOrder([], { verb: "ANY" })]))).to.deep.equal(["get-order:mandatory"]);
                expect(run([...base, ms("all", "*/*"), ...getOrder([AUTHZ, "method.request.path.id"], { verb: "ANY" })])).to.deep.equal([]);
            });
            it("a nested {id} under {customer}: both path parameters, from the parentId chain", () => {
                const nested = [
                    resource("r-customers", "customers"),
                    resource("r-customer", "{customer}", "r-customers"),
                    resource("r-corders", "orders", "r-customer"),
                    resource("r-cid", "{id}", "r-corders"),
                ];
                const m = method("get-customer-order", "r-cid", { requestParameters: { "method.request.path.id": true } });
                const bad = run([
                    ...base,
                    ...nested,
                    ms("all", "*/*"),
                    m,
                    integration("gco-int", "get-customer-order", "r-cid", [AUTHZ, "method.request.path.id"]),
                ]);
                expect(lastLine(bad[0].message)).to.contain("misses method.request.path.customer: GET /customers/{customer}/orders/{id}");
                expect(
                    run([
                        ...base,
                        ...nested,
                        ms("all", "*/*"),
                        m,
                        integration("gco-int", "get-customer-order", "r-cid", [AUTHZ, "method.request.path.customer", "method.request.path.id"]),
                    ]),
                ).to.deep.equal([]);
            });
            it("a greedy {proxy+} path parameter is keyed as method.request.path.proxy", () => {
                const proxy = resource("r-proxy", "{proxy+}");
                const m = method("proxy", "r-proxy", { verb: "ANY" });
                expect(lastLine(run([...base, proxy, ms("all", "*/*"), m, integration("proxy-int", "proxy", "r-proxy", [AUTHZ])])[0].message)).to.contain(
                    "misses method.request.path.proxy: ANY /{proxy+}",
                );
                expect(
                    run([...base, proxy, ms("all", "*/*"), m, integration("proxy-int", "proxy", "r-proxy", [AUTHZ, "method.request.path.proxy"])]),
                ).to.deep.equal([]);
            });
            it("an integration related to its method only by equal literal values (restApi, resourceId, httpMethod)", () => {
                const lit = { restApi: "a1b2c3d4e5", resourceId: "res123" };
                const m: Res = {
                    type: METHOD,
                    name: "literal",
                    props: { ...lit, httpMethod: "GET", authorization: "AWS_IAM", requestParameters: { "method.request.path.id": true } },
                };
                const stageLit: Res = { type: STAGE, name: "lit-stage", props: { restApi: "a1b2c3d4e5", deployment: "dep1", stageName: "live" } };
                const settingsLit: Res = {
                    type: SETTINGS,
                    name: "lit-all",
                    props: { restApi: "a1b2c3d4e5", stageName: "live", methodPath: "*/*", settings: cacheOn },
                };
                const integ = (keys: string[]): Res => ({
                    type: INTEGRATION,
                    name: "literal-int",
                    props: { ...lit, httpMethod: "GET", type: "AWS_PROXY", cacheKeyParameters: keys },
                });
                // Another resource's integration with the same verb must not stand in for it.
                const other: Res = {
                    type: INTEGRATION,
                    name: "other-int",
                    props: { ...lit, resourceId: "res999", httpMethod: "GET", type: "AWS_PROXY", cacheKeyParameters: [AUTHZ, "method.request.path.id"] },
                };
                const vs = run([stageLit, settingsLit, m, integ(["method.request.path.id"]), other]);
                expect(summary(vs)).to.deep.equal(["literal:mandatory"]);
                expect(lastLine(vs[0].message)).to.contain(
                    '(Integration "literal-int").cacheKeyParameters misses method.request.header.Authorization: GET (resource path not traceable) is cached on stage "live"',
                );
                expect(run([stageLit, settingsLit, m, integ([AUTHZ, "method.request.path.id"]), other])).to.deep.equal([]);
            });
            it("an integration that takes resourceId from the method and a literal verb", () => {
                const m = method("get-order", "r-id");
                const integ = (keys: string[]): Res => ({
                    type: INTEGRATION,
                    name: "int",
                    props: { restApi: U, resourceId: U, httpMethod: "GET", cacheKeyParameters: keys },
                    deps: { restApi: ["api"], resourceId: ["get-order"] },
                });
                expect(summary(run([...base, ms("all", "*/*"), m, integ([AUTHZ])]))).to.deep.equal(["get-order:mandatory"]);
                expect(run([...base, ms("all", "*/*"), m, integ([AUTHZ, "method.request.path.id"])])).to.deep.equal([]);
            });
        });

        describe("compliant", () => {
            it("keyed by the caller, every path parameter and every declared query parameter (header names in any case)", () => {
                const search = method("search", "r-search", { requestParameters: { "method.request.querystring.q": true } });
                expect(
                    run([
                        ...base,
                        ms("all", "*/*"),
                        ...getOrder(["method.request.header.authorization", "method.request.path.id"]),
                        search,
                        integration("search-int", "search", "r-search", [AUTHZ, "method.request.querystring.q"]),
                    ]),
                ).to.deep.equal([]);
            });
            it("nothing cached: no method settings, or */* with caching off, or only a POST under */*", () => {
                expect(run([...base, ...getOrder()])).to.deep.equal([]);
                expect(run([...base, ms("all", "*/*", { cachingEnabled: false, loggingLevel: "ERROR" }), ...getOrder()])).to.deep.equal([]);
                const post = method("post-orders", "r-orders", { verb: "POST" });
                expect(run([...base, ms("all", "*/*"), post, integration("post-int", "post-orders", "r-orders")])).to.deep.equal([]);
            });
            it("a public method with no parameters is the same answer for everyone", () => {
                const health = resource("r-health", "health");
                expect(
                    run([
                        ...base,
                        health,
                        ms("all", "*/*"),
                        method("health", "r-health", { authorization: "NONE" }),
                        integration("health-int", "health", "r-health"),
                    ]),
                ).to.deep.equal([]);
            });
            it("caching turned off for one method by its own setting (or a TTL of 0) while */* caches the rest", () => {
                expect(run([...base, ms("all", "*/*"), ms("off", "orders/{id}/GET", { cachingEnabled: false }), ...getOrder()])).to.deep.equal([]);
                expect(
                    run([...base, ms("all", "*/*"), ms("zero", "orders/{id}/GET", { cachingEnabled: true, cacheTtlInSeconds: 0 }), ...getOrder()]),
                ).to.deep.equal([]);
                expect(run([...base, ms("all", "*/*"), ms("path-off", "orders/{id}/*", { cachingEnabled: false }), ...getOrder()])).to.deep.equal([]);
            });
            it("another resource's integration never stands in for the method's own, even with the same known values", () => {
                const [m, own] = getOrder([AUTHZ, "method.request.path.id"]);
                const known = (r: Res, resourceId: string): Res => ({ ...r, props: { ...r.props, resourceId, httpMethod: "GET" } });
                const search = integration("search-int", "search", "r-search", []);
                // In an update preview both ids may be known; they come from different resources all the same.
                expect(
                    run([
                        ...base,
                        ms("all", "*/*"),
                        known(m, "res-1"),
                        known(own, "res-1"),
                        { ...known(search, "res-1"), deps: { restApi: ["api"], resourceId: ["r-search"] } },
                    ]),
                ).to.deep.equal([]);
            });
            it("another API's or another stage's caching does not cover the method", () => {
                const other: Res = { type: API, name: "other", props: { name: "other" } };
                const otherStage: Res = { type: STAGE, name: "o1", props: { restApi: U, deployment: U, stageName: "v1" }, deps: { restApi: ["other"] } };
                const otherAll: Res = {
                    type: SETTINGS,
                    name: "o-all",
                    props: { restApi: U, stageName: U, methodPath: "*/*", settings: cacheOn },
                    deps: { restApi: ["other"], stageName: ["o1"] },
                };
                expect(run([...base, other, otherStage, otherAll, ...getOrder()])).to.deep.equal([]);
            });
        });

        describe("unknown values", () => {
            it("every id and ARN unknown, relations only through propertyDependencies: the violation is mandatory, with no can't-run line", () => {
                const vs = run([...base, ms("all", "*/*"), ...getOrder()]);
                expect(vs.map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal(["mandatory false"]);
            });
            it("an unknown caching flag or unknown cache keys are deferred (one advisory can't-run line), never passed or failed", () => {
                const flag = run([...base, ms("all", "*/*", { cachingEnabled: U }), ...getOrder()]);
                expect(summary(flag)).to.deep.equal(["(stack):advisory"]);
                expect(flag[0].message).to.contain("can't run policy 'apigw-cache-key-isolation'").and.contain("all.settings.cachingEnabled");
                const keys = run([...base, ms("all", "*/*"), ...getOrder(U)]);
                expect(keys[0].message).to.contain("get-order-int.cacheKeyParameters");
            });
            it("a proven violation stays mandatory beside a deferred one", () => {
                const search = method("search", "r-search");
                const vs = run([...base, ms("all", "*/*"), ...getOrder([]), search, integration("search-int", "search", "r-search", U)]);
                expect(summary(vs)).to.deep.equal(["(stack):advisory", "get-order:mandatory"]);
            });
            it("an unknown method path may cover the method: deferred where it would change the answer", () => {
                const vs = run([...base, ms("all", "*/*", { cachingEnabled: false }), ms("maybe", U), ...getOrder([])]);
                expect(summary(vs)).to.deep.equal(["(stack):advisory"]);
                // Keyed correctly, the answer is the same either way.
                expect(
                    run([...base, ms("all", "*/*", { cachingEnabled: false }), ms("maybe", U), ...getOrder([AUTHZ, "method.request.path.id"])]),
                ).to.deep.equal([]);
            });
        });
    });

    describe("APIs defined by an OpenAPI body (apigw-authorization, apigw-request-validation)", () => {
        const REST = "aws:apigateway/restApi:RestApi";
        const HTTP = "aws:apigatewayv2/api:Api";
        const cognito = {
            type: "apiKey",
            name: "Authorization",
            in: "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": { type: "cognito_user_pools", providerARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"] },
        };
        const sigv4 = { type: "apiKey", name: "Authorization", in: "header", "x-amazon-apigateway-authtype": "awsSigv4" };
        const apiKey = { type: "apiKey", name: "x-api-key", in: "header" };
        const mock = { "x-amazon-apigateway-integration": { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' } } };
        const validators = {
            "x-amazon-apigateway-request-validators": {
                all: { validateRequestBody: true, validateRequestParameters: true },
                "params-only": { validateRequestBody: false, validateRequestParameters: true },
            },
        };
        const rest = (doc: Record<string, unknown> | string, name = "api"): Res => ({
            type: REST,
            name,
            props: { name: "orders", body: typeof doc === "string" ? doc : JSON.stringify(doc) },
        });
        const oas3 = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
            openapi: "3.0.1",
            info: { title: "orders", version: "1" },
            components: { securitySchemes: { cognito, sigv4, api_key: apiKey } },
            paths,
            ...extra,
        });
        const messages = (vs: { message: string }[]) => vs.map((v) => v.message.split("\n").pop()?.split(": ").slice(1).join(": ").split(". Fix")[0]);

        it("reports operations with no security, with security: [] and with an API key only, naming each operation", () => {
            const doc = oas3({
                "/orders": { get: { ...mock }, post: { security: [{ api_key: [] }], ...mock } },
                "/orders/{id}": { delete: { security: [], ...mock } },
            });
            const vs = checkResource("apigw-authorization", rest(doc));
            expect(summary(vs)).to.deep.equal(["api:mandatory", "api:mandatory", "api:mandatory"]);
            expect(messages(vs)).to.deep.equal([
                'body.paths["/orders"].get.security is not set, and the document sets no top-level security, so the operation takes no authorizer (NONE): GET /orders is open to anyone who can reach the API',
                'body.paths["/orders"].post.security names "api_key", none of which has x-amazon-apigateway-authtype or x-amazon-apigateway-authorizer (an API key identifies a client, it authorizes no caller): POST /orders is open to anyone who can reach the API',
                'body.paths["/orders/{id}"].delete.security is [], which explicitly opens the operation (no authorizer): DELETE /orders/{id} is open to anyone who can reach the API',
            ]);
        });
        it("accepts a top-level default every operation inherits, IAM by x-amazon-apigateway-auth, an API key beside an authorizer, and a Swagger 2 document", () => {
            const doc = oas3(
                {
                    "/orders": { get: { ...mock }, post: { security: [{ api_key: [] }, { cognito: [] }], ...mock } },
                    "/admin": { put: { security: [{ sigv4: [] }], ...mock } },
                    "/internal": { get: { security: [], "x-amazon-apigateway-auth": { type: "aws_iam" }, ...mock } },
                },
                { security: [{ cognito: [] }] },
            );
            expect(checkResource("apigw-authorization", rest(doc))).to.deep.equal([]);
            const swagger = {
                swagger: "2.0",
                info: { title: "t", version: "1" },
                securityDefinitions: { cognito },
                security: [{ cognito: [] }],
                paths: { "/x": { get: mock } },
            };
            expect(checkResource("apigw-authorization", rest(swagger))).to.deep.equal([]);
        });
        it("an operation's own security: [] overrides the top-level default and opens it; an undefined scheme authorizes nothing", () => {
            const doc = oas3(
                { "/open": { get: { security: [], ...mock } }, "/typo": { get: { security: [{ cognitoo: [] }], ...mock } } },
                { security: [{ cognito: [] }] },
            );
            expect(messages(checkResource("apigw-authorization", rest(doc)))).to.deep.equal([
                'body.paths["/open"].get.security is [], which explicitly opens the operation (no authorizer): GET /open is open to anyone who can reach the API',
                'body.paths["/typo"].get.security names "cognitoo", and "cognitoo" is not defined in securitySchemes / securityDefinitions, so no authorizer applies: GET /typo is open to anyone who can reach the API',
            ]);
        });
        it("honours publicRoutes (verb and path) and CORS preflight OPTIONS as for Method resources", () => {
            const doc = oas3({ "/health": { get: { ...mock } }, "/orders": { options: { ...mock } } });
            expect(checkResource("apigw-authorization", rest(doc), { config: { publicRoutes: ["GET /health"] } })).to.deep.equal([]);
            expect(
                summary(checkResource("apigw-authorization", rest(doc), { config: { publicRoutes: ["GET /health"], allowCorsPreflight: false } })),
            ).to.deep.equal(["api:mandatory"]);
        });
        it("judges an HTTP API body the same way (JWT authorizer), including its $default route", () => {
            const jwt = {
                type: "oauth2",
                "x-amazon-apigateway-authorizer": {
                    type: "jwt",
                    identitySource: "$request.header.Authorization",
                    jwtConfiguration: { audience: ["a"], issuer: "https://issuer" },
                },
            };
            const doc = {
                openapi: "3.0.1",
                info: { title: "h", version: "1" },
                components: { securitySchemes: { jwt } },
                paths: { "/orders": { get: { security: [{ jwt: [] }] } }, $default: { "x-amazon-apigateway-any-method": {} } },
            };
            const vs = checkResource("apigw-authorization", { type: HTTP, name: "http", props: { protocolType: "HTTP", body: JSON.stringify(doc) } });
            expect(messages(vs)).to.deep.equal([
                'body.paths["$default"].x-amazon-apigateway-any-method.security is not set, and the document sets no top-level security, so the operation takes no authorizer (NONE): $default is open to anyone who can reach the API',
            ]);
        });
        it("defers an unknown body and a YAML body (one can't-run line), and ignores an API without a body", () => {
            const unknown = checkResource("apigw-authorization", { type: REST, name: "api", props: { body: U } });
            expect(unknown.map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal(["advisory true"]);
            const yaml = checkResource("apigw-authorization", rest("openapi: 3.0.1\npaths:\n  /orders:\n    get: {}\n"));
            expect(yaml.map((v) => `${v.level} ${v.message.includes("not JSON")}`)).to.deep.equal(["advisory true"]);
            expect(checkResource("apigw-authorization", { type: REST, name: "api", props: { name: "orders" } })).to.deep.equal([]);
        });
        it("apigw-request-validation: reports body operations without a validator, with an undefined one, or one that does not validate the body", () => {
            const doc = oas3(
                {
                    "/a": { post: { security: [{ cognito: [] }] } },
                    "/b": { put: { "x-amazon-apigateway-request-validator": "params-only" } },
                    "/c": { patch: { "x-amazon-apigateway-request-validator": "strict" } },
                    "/d": { get: {} },
                },
                validators,
            );
            expect(messages(checkResource("apigw-request-validation", rest(doc)))).to.deep.equal([
                'body.paths["/a"].post.x-amazon-apigateway-request-validator is not set, expected the name of a request validator',
                'body.paths["/b"].put.x-amazon-apigateway-request-validator names "params-only", whose validateRequestBody is false, so the body of PUT /b is not validated',
                'body.paths["/c"].patch.x-amazon-apigateway-request-validator names "strict", which x-amazon-apigateway-request-validators does not define, so PATCH /c is not validated',
            ]);
        });
        it("apigw-request-validation: accepts a top-level default validator and operation overrides that validate the body", () => {
            const doc = oas3(
                {
                    "/a": { post: {} },
                    "/b": { "x-amazon-apigateway-any-method": { "x-amazon-apigateway-request-validator": "all" } },
                    "/c": { get: { "x-amazon-apigateway-request-validator": "params-only" } },
                },
                { ...validators, "x-amazon-apigateway-request-validator": "all" },
            );
            expect(checkResource("apigw-request-validation", rest(doc))).to.deep.equal([]);
        });
    });

    describe("HTTP APIs made by quick create (target)", () => {
        const quick = (props: Record<string, unknown> = {}): Res => ({
            type: "aws:apigatewayv2/api:Api",
            name: "quick",
            props: { protocolType: "HTTP", target: U, ...props },
        });
        it("reports the open route, the missing access logs and the missing throttling, on the Api", () => {
            for (const rule of ["apigw-authorization", "apigw-access-logging", "apigw-throttling"]) {
                const vs = checkResource(rule, quick(), { level: "mandatory" });
                expect(`${rule} ${summary(vs).join(",")}`).to.equal(`${rule} quick:mandatory`);
                expect(vs[0].message).to.contain('aws.apigatewayv2.Api "quick": target is set (quick create)').and.contain("Fix: remove target and routeKey");
            }
            expect(checkResource("apigw-authorization", quick({ routeKey: "POST /orders" }))[0].message).to.contain(
                'creates the route "POST /orders" with no authorizer',
            );
        });
        it("allows a listed quick-create route, by route key or by the Api's name, and ignores an Api with no target or a WebSocket API", () => {
            expect(checkResource("apigw-authorization", quick({ routeKey: "GET /health" }), { config: { publicRoutes: ["GET /health"] } })).to.deep.equal([]);
            expect(checkResource("apigw-authorization", quick(), { config: { publicRoutes: ["quick"] } })).to.deep.equal([]);
            for (const rule of ["apigw-authorization", "apigw-access-logging", "apigw-throttling"]) {
                expect(checkResource(rule, quick({ target: undefined }))).to.deep.equal([]);
                expect(checkResource(rule, quick({ protocolType: "WEBSOCKET", routeSelectionExpression: "$request.body.action" }))).to.deep.equal([]);
            }
        });
    });

    describe("apigw-private-endpoint-policy (stack)", () => {
        const REST = "aws:apigateway/restApi:RestApi";
        const POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy";
        const privateApi = (props: Record<string, unknown> = {}): Res => ({
            type: REST,
            name: "private",
            props: { name: "internal", endpointConfiguration: { types: "PRIVATE" }, ...props },
        });
        const doc = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement });
        const allowAll = { Sid: "AllowInvoke", Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" };
        const denyOthers = (cond: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
            Effect: "Deny",
            Principal: "*",
            Action: "execute-api:Invoke",
            Resource: "execute-api:/*",
            Condition: cond,
            ...extra,
        });
        const policyRes = (policy: unknown): Res => ({
            type: POLICY,
            name: "private-policy",
            props: { restApiId: U, policy },
            deps: { restApiId: ["private"] },
        });
        const run = (resources: Res[]) => check("apigw-private-endpoint-policy", resources);

        it("reports an Allow * without a VPC endpoint condition, on the RestApiPolicy, mandatory with the API's id unknown", () => {
            const vs = run([privateApi(), policyRes(doc(allowAll))]);
            expect(summary(vs)).to.deep.equal(["private-policy:mandatory"]);
            expect(vs[0].message).to.contain(
                'aws.apigateway.RestApiPolicy "private-policy": policy.Statement[0] (Sid "AllowInvoke") allows execute-api:Invoke on private API "private" to "*"',
            );
        });
        it("reports the API's own policy and its body's x-amazon-apigateway-policy", () => {
            expect(summary(run([privateApi({ policy: doc(allowAll) })]))).to.deep.equal(["private:mandatory"]);
            const body = JSON.stringify({
                openapi: "3.0.1",
                info: { title: "t", version: "1" },
                paths: {},
                "x-amazon-apigateway-policy": { Version: "2012-10-17", Statement: [allowAll] },
            });
            expect(run([privateApi({ body })])[0].message).to.contain("body.x-amazon-apigateway-policy.Statement[0]");
        });
        it("accepts an Allow narrowed to a VPC endpoint or VPC, or to named principals", () => {
            expect(
                run([privateApi(), policyRes(doc({ ...allowAll, Condition: { StringEquals: { "aws:SourceVpce": "vpce-0123456789abcdef0" } } }))]),
            ).to.deep.equal([]);
            expect(run([privateApi(), policyRes(doc({ ...allowAll, Condition: { StringEquals: { "aws:sourceVpc": U } } }))])).to.deep.equal([]);
            expect(run([privateApi(), policyRes(doc({ ...allowAll, Principal: { AWS: "arn:aws:iam::123456789012:role/caller" } }))])).to.deep.equal([]);
        });
        it("accepts Allow * paired with a Deny for requests not from a named endpoint (the documented way), StringNotEquals or ...IfExists", () => {
            expect(run([privateApi(), policyRes(doc(allowAll, denyOthers({ StringNotEquals: { "aws:SourceVpce": ["vpce-1", "vpce-2"] } })))])).to.deep.equal(
                [],
            );
            expect(run([privateApi(), policyRes(doc(allowAll, denyOthers({ StringNotEqualsIfExists: { "aws:SourceVpc": "vpc-1" } })))])).to.deep.equal([]);
            const arns = doc(
                { ...allowAll, Resource: "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/*" },
                denyOthers({ StringNotEquals: { "aws:SourceVpce": "vpce-1" } }, { Resource: "arn:aws:execute-api:us-east-1:123456789012:abc123/*/*/*" }),
            );
            expect(run([privateApi(), policyRes(arns)])).to.deep.equal([]);
        });
        it("a Deny that looks like a restriction but is not leaves the Allow open", () => {
            const cases = [
                denyOthers({ StringNotLike: { "aws:SourceVpce": "vpce-*" } }), // any endpoint
                denyOthers({ StringNotEquals: { "aws:SourceVpce": "vpce-1" }, Bool: { "aws:SecureTransport": "false" } }), // only insecure requests
                denyOthers({ StringEquals: { "aws:SourceVpce": "vpce-1" } }), // denies the named endpoint
                denyOthers({ StringNotEquals: { "aws:SourceVpce": "vpce-1" } }, { Resource: "execute-api:/*/POST/*" }), // only POSTs
                denyOthers({ StringNotEquals: { "aws:SourceVpce": "vpce-1" } }, { Principal: { AWS: "arn:aws:iam::123456789012:root" } }), // one account
                denyOthers({ StringNotEquals: { "aws:SourceVpce": "vpce-1" } }, { Action: "execute-api:ManageConnections" }),
            ];
            for (const d of cases) {
                expect(`${JSON.stringify(d.Condition)} ${summary(run([privateApi(), policyRes(doc(allowAll, d))])).join(",")}`).to.equal(
                    `${JSON.stringify(d.Condition)} private-policy:mandatory`,
                );
            }
            // A condition that narrows nothing on the Allow itself.
            expect(summary(run([privateApi(), policyRes(doc({ ...allowAll, Condition: { Bool: { "aws:SecureTransport": "true" } } }))]))).to.deep.equal([
                "private-policy:mandatory",
            ]);
        });
        it("reports a private API with no resource policy as advisory (it cannot be invoked), and ignores regional APIs", () => {
            const vs = run([privateApi()]);
            expect(summary(vs)).to.deep.equal(["private:advisory"]);
            expect(vs[0].message).to.contain("API Gateway denies every call to a private API without a resource policy");
            expect(run([privateApi({ endpointConfiguration: { types: "REGIONAL" }, policy: doc(allowAll) })])).to.deep.equal([]);
            expect(run([{ type: REST, name: "edge", props: { name: "e" } }])).to.deep.equal([]);
        });
        it("defers an unknown policy document or endpoint type", () => {
            expect(run([privateApi(), policyRes(U)]).map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal(["advisory true"]);
            expect(run([privateApi({ endpointConfiguration: { types: U } })]).map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal([
                "advisory true",
            ]);
        });
    });
});
