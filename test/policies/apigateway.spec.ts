import { check, checkResource, expect, Res, summary, U } from "./helpers";

const STAGE = "aws:apigateway/stage:Stage";
const HTTP_STAGE = "aws:apigatewayv2/stage:Stage";
const API = "aws:apigateway/restApi:RestApi";
const SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const JSON_FORMAT = JSON.stringify({ requestId: "$context.requestId" });
const stage = (props: Record<string, unknown> = {}): Res => ({ type: STAGE, name: "prod", props: { restApi: U, deployment: U, stageName: "prod", ...props }, deps: { restApi: ["api"] } });
const api: Res = { type: API, name: "api", props: { name: "orders" } };
const settings = (s: Record<string, unknown>, methodPath = "*/*"): Res => ({ type: SETTINGS, name: "all", props: { restApi: U, stageName: U, methodPath, settings: s }, deps: { stageName: ["prod"], restApi: ["api"] } });

describe("policies: API Gateway", () => {
    describe("apigw-access-logging", () => {
        it("reports a stage without access logs, and a non-JSON format", () => {
            expect(checkResource("apigw-access-logging", stage())[0].message).to.contain("accessLogSettings.destinationArn is not set");
            const v = checkResource("apigw-access-logging", { type: HTTP_STAGE, name: "h", props: { accessLogSettings: { destinationArn: U, format: "$context.requestId" } } });
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
            expect(vs.map((v) => v.message.split("\n").pop()?.split(": ")[1].split(",")[0])).to.deep.equal(['settings.loggingLevel is "OFF"', "settings.dataTraceEnabled is true"]);
        });
        it("accepts ERROR logging without data tracing", () => {
            expect(check("apigw-execution-logging", [api, stage(), settings({ loggingLevel: "ERROR", dataTraceEnabled: false })])).to.deep.equal([]);
        });
    });

    describe("apigw-xray", () => {
        it("reports a stage without X-Ray", () => expect(checkResource("apigw-xray", stage())[0].message).to.contain("xrayTracingEnabled is not set, expected true"));
        it("accepts X-Ray on", () => expect(checkResource("apigw-xray", stage({ xrayTracingEnabled: true }))).to.deep.equal([]));
    });

    describe("apigw-authorization", () => {
        const method = (authorization: string, httpMethod = "GET"): Res => ({ type: "aws:apigateway/method:Method", name: `m-${httpMethod}`, props: { restApi: U, resourceId: U, httpMethod, authorization } });
        const route = (routeKey: string, authorizationType?: string): Res => ({ type: "aws:apigatewayv2/route:Route", name: "r", props: { apiId: U, routeKey, authorizationType } });
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
        const m = (httpMethod: string, requestValidatorId?: string): Res => ({ type: "aws:apigateway/method:Method", name: "m", props: { httpMethod, authorization: "AWS_IAM", requestValidatorId } });
        it("reports a POST without a validator", () => expect(checkResource("apigw-request-validation", m("POST"))[0].message).to.contain("requestValidatorId is not set"));
        it("accepts a validator, and GET without one", () => {
            expect(checkResource("apigw-request-validation", m("POST", U))).to.deep.equal([]);
            expect(checkResource("apigw-request-validation", m("GET"))).to.deep.equal([]);
        });
    });

    describe("apigw-waf (stack)", () => {
        const assoc: Res = { type: "aws:wafv2/webAclAssociation:WebAclAssociation", name: "waf", props: { resourceArn: U, webAclArn: U }, deps: { resourceArn: ["prod"] } };
        it("reports a stage with no web ACL association, mandatory with unknown ARNs", () => {
            expect(summary(check("apigw-waf", [api, stage()], { level: "mandatory" }))).to.deep.equal(["prod:mandatory"]);
        });
        it("accepts an association whose resourceArn comes from the stage", () => expect(check("apigw-waf", [api, stage(), assoc])).to.deep.equal([]));
    });

    describe("apigw-throttling", () => {
        it("reports */* method settings and HTTP stages without limits", () => {
            expect(checkResource("apigw-throttling", settings({ loggingLevel: "ERROR" }))).to.have.length(2);
            expect(checkResource("apigw-throttling", { type: HTTP_STAGE, name: "h", props: { defaultRouteSettings: { throttlingBurstLimit: -1, throttlingRateLimit: 100 } } })[0].message).to.contain("defaultRouteSettings.throttlingBurstLimit is -1");
        });
        it("accepts limits, and ignores per-method settings", () => {
            expect(checkResource("apigw-throttling", settings({ throttlingBurstLimit: 50, throttlingRateLimit: 100 }))).to.deep.equal([]);
            expect(checkResource("apigw-throttling", settings({ cachingEnabled: false }, "orders/GET"))).to.deep.equal([]);
        });
    });

    describe("apigw-cache-encrypted", () => {
        it("reports caching without encryption", () => expect(summary(checkResource("apigw-cache-encrypted", settings({ cachingEnabled: true }))) ).to.deep.equal(["all:mandatory"]));
        it("accepts encrypted caching, and no caching", () => {
            expect(checkResource("apigw-cache-encrypted", settings({ cachingEnabled: true, cacheDataEncrypted: true }))).to.deep.equal([]);
            expect(checkResource("apigw-cache-encrypted", settings({}))).to.deep.equal([]);
        });
    });

    describe("apigw-domain-tls12", () => {
        it("reports a REST domain left on the TLS 1.0 default", () => {
            expect(checkResource("apigw-domain-tls12", { type: "aws:apigateway/domainName:DomainName", name: "d", props: { domainName: "api.example.com" } })[0].message).to.contain('securityPolicy is not set, expected "TLS_1_2"');
        });
        it("accepts TLS_1_2 on REST and HTTP domains", () => {
            expect(checkResource("apigw-domain-tls12", { type: "aws:apigateway/domainName:DomainName", name: "d", props: { securityPolicy: "TLS_1_2" } })).to.deep.equal([]);
            expect(checkResource("apigw-domain-tls12", { type: "aws:apigatewayv2/domainName:DomainName", name: "d", props: { domainNameConfiguration: { securityPolicy: "TLS_1_2" } } })).to.deep.equal([]);
        });
    });

    describe("apigw-5xx-latency-alarm (stack)", () => {
        const alarm = (metricName: string, dims: string[]): Res => ({ type: ALARM, name: metricName, props: { namespace: "AWS/ApiGateway", metricName, dimensions: { ApiName: U, Stage: U }, alarmActions: [U] }, deps: { dimensions: dims } });
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
});
