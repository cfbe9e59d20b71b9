// API Gateway rules (14-23), REST (apigateway) and HTTP (apigatewayv2) APIs.

import type { Policies } from "../lib/policy-api";
import { alarmsFor, alarmWatches, hasAlarmAction } from "../lib/alarms";
import { literalName, Node, refers, sameKnown, StackGraph } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asNumber, asString, get, isSet, isUnknown } from "../lib/values";

export const REST_API = "aws:apigateway/restApi:RestApi";
export const REST_STAGE = "aws:apigateway/stage:Stage";
export const HTTP_API = "aws:apigatewayv2/api:Api";
export const HTTP_STAGE = "aws:apigatewayv2/stage:Stage";
export const METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
export const METHOD = "aws:apigateway/method:Method";
export const ROUTE = "aws:apigatewayv2/route:Route";
export const REST_DOMAIN = "aws:apigateway/domainName:DomainName";
export const HTTP_DOMAIN = "aws:apigatewayv2/domainName:DomainName";
export const WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";

/** MethodSettings that apply to a REST stage: stageName depends on the stage, or same API and same literal stage name. */
function settingsForStage(graph: StackGraph, stage: Node): Node[] {
    const apis = graph.targets(stage, "restApi", REST_API);
    return graph.ofType(METHOD_SETTINGS).filter((m) => {
        if (refers(m, "stageName", stage)) {
            return true;
        }
        const sameApi = apis.some((a) => refers(m, "restApi", a)) || sameKnown(m.props.restApi, asString(stage.props.restApi));
        return sameApi && asString(m.props.stageName) !== undefined && m.props.stageName === stage.props.stageName;
    });
}

function isJsonFormat(format: string): boolean {
    try {
        const v: unknown = JSON.parse(format);
        return v !== null && typeof v === "object";
    } catch {
        return false;
    }
}

const AUTHORIZED_REST = ["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];
const AUTHORIZED_HTTP = ["AWS_IAM", "CUSTOM", "JWT"];

export function apigatewayPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "apigw-access-logging",
                no: 14,
                service: "API GW REST+HTTP",
                kind: "R",
                checks: "Stage has `accessLogSettings.destinationArn` and a JSON `format`.",
                why: "Access logs are the only record of who called what; JSON makes them queryable with Logs Insights.",
                anchors: "NAG APIG1, FSBP APIGateway.9, CKV_AWS_76, NAG-SL APIGWAccessLogging, APIGWStructuredLogging, PCP apigatewayv2/Stage/enableAccessLogging",
                defaultLevel: "advisory",
            },
            {
                types: [REST_STAGE, HTTP_STAGE],
                validate: (stage, ctx) => {
                    const dest = get(stage.props, "accessLogSettings", "destinationArn");
                    const format = get(stage.props, "accessLogSettings", "format");
                    if (!isSet(dest)) {
                        ctx.report(stage, { property: "accessLogSettings.destinationArn", found: dest, expected: "a CloudWatch log group ARN", fix: "set accessLogSettings: { destinationArn: logGroup.arn, format: JSON.stringify({...}) }" });
                    } else if (!isUnknown(format) && (typeof format !== "string" || !isJsonFormat(format))) {
                        ctx.report(stage, { property: "accessLogSettings.format", found: format, expected: "a JSON log format", fix: 'set accessLogSettings.format to JSON.stringify({ requestId: "$context.requestId", ... })' });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "apigw-execution-logging",
                no: 15,
                service: "API GW REST",
                kind: "S",
                checks: 'REST stage has MethodSettings for `*/*` with `loggingLevel` ERROR or INFO and `dataTraceEnabled` false.',
                why: "Execution logs explain integration failures; full request/response tracing would write payloads (personal data, tokens) to the logs.",
                anchors: "NAG APIG6, FSBP APIGateway.1, CKV2_AWS_4, CKV_AWS_276",
                defaultLevel: "advisory",
            },
            {
                primaryType: REST_STAGE,
                subjectTypes: [REST_STAGE],
                validate: (graph, ctx) => {
                    for (const stage of graph.ofType(REST_STAGE)) {
                        const all = settingsForStage(graph, stage).filter((m) => m.props.methodPath === "*/*");
                        if (all.length === 0) {
                            ctx.report(stage, {
                                property: "(MethodSettings */*)",
                                problem: "has no aws.apigateway.MethodSettings with methodPath \"*/*\" whose stageName comes from this stage",
                                fix: 'add MethodSettings { restApi, stageName: stage.stageName, methodPath: "*/*", settings: { loggingLevel: "ERROR", dataTraceEnabled: false, metricsEnabled: true } }',
                            });
                            continue;
                        }
                        for (const m of all) {
                            const level = get(m.props, "settings", "loggingLevel");
                            const trace = get(m.props, "settings", "dataTraceEnabled");
                            if (isUnknown(level)) {
                                ctx.defer(`${m.name}.settings.loggingLevel`);
                            } else if (level !== "ERROR" && level !== "INFO") {
                                ctx.report(m, { property: "settings.loggingLevel", found: level, expected: '"ERROR" or "INFO"', fix: 'set settings.loggingLevel: "ERROR"' });
                            }
                            if (trace === true) {
                                ctx.report(m, { property: "settings.dataTraceEnabled", found: trace, expected: "false", fix: "set settings.dataTraceEnabled: false" });
                            }
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "apigw-xray",
                no: 16,
                service: "API GW REST / X-Ray",
                kind: "R",
                checks: "REST stage has `xrayTracingEnabled`.",
                why: "The API Gateway segment is the start of every trace; without it latency cannot be split between gateway and function.",
                anchors: "FSBP APIGateway.3, CKV_AWS_73, NAG-SL APIGWXrayEnabled",
                defaultLevel: "advisory",
            },
            {
                types: [REST_STAGE],
                validate: (stage, ctx) => {
                    const v = stage.props.xrayTracingEnabled;
                    if (isUnknown(v)) {
                        ctx.defer("xrayTracingEnabled");
                    } else if (v !== true) {
                        ctx.report(stage, { property: "xrayTracingEnabled", found: v, expected: "true", fix: "set xrayTracingEnabled: true" });
                    }
                },
            },
        ),
        resourceRule<{ publicRoutes: string[]; allowCorsPreflight: boolean }>(
            {
                id: "apigw-authorization",
                no: 17,
                service: "API GW REST+HTTP",
                kind: "R",
                checks: "Methods and routes use an authorizer (Cognito, JWT, IAM or custom); `NONE` only for allow-listed public routes.",
                why: "An unauthenticated route is open to the internet; every public route should be a deliberate, reviewed choice.",
                anchors: "NAG APIG4, COG4, FSBP APIGateway.8, CKV_AWS_59, CKV_AWS_309, CKV2_AWS_70",
                defaultLevel: "mandatory",
                config: {
                    publicRoutes: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: 'Routes allowed without authorization: an HTTP API routeKey ("GET /health") or the logical name of a REST Method/Route resource.',
                    },
                    allowCorsPreflight: { type: "boolean", default: true, description: "Allow OPTIONS methods (CORS preflight) without authorization." },
                },
            },
            {
                types: [METHOD, ROUTE],
                validate: (res, ctx) => {
                    const rest = res.type === METHOD;
                    const property = rest ? "authorization" : "authorizationType";
                    const value = res.props[property];
                    if (isUnknown(value)) {
                        ctx.defer(property);
                        return;
                    }
                    const accepted = rest ? AUTHORIZED_REST : AUTHORIZED_HTTP;
                    if (typeof value === "string" && accepted.includes(value)) {
                        return;
                    }
                    const routeKey = asString(res.props.routeKey);
                    const method = rest ? asString(res.props.httpMethod) : routeKey?.split(" ")[0];
                    if (ctx.config.allowCorsPreflight && method === "OPTIONS") {
                        return;
                    }
                    if (ctx.config.publicRoutes.some((r) => r === res.name || (routeKey !== undefined && r === routeKey))) {
                        return;
                    }
                    ctx.report(res, {
                        property,
                        found: value ?? "NONE",
                        expected: `one of ${accepted.join(", ")}`,
                        fix: `attach an authorizer (${rest ? 'authorization: "COGNITO_USER_POOLS", authorizerId' : 'authorizationType: "JWT", authorizerId'}), or list the route in publicRoutes in policies/config/<env>.json`,
                    });
                },
            },
        ),
        resourceRule(
            {
                id: "apigw-request-validation",
                no: 18,
                service: "API GW REST",
                kind: "R",
                checks: "REST methods that take a body (POST, PUT, PATCH, ANY) have a request validator.",
                why: "Rejecting malformed bodies at the gateway costs nothing and keeps bad input away from the function.",
                anchors: "NAG APIG2, CKV2_AWS_53",
                defaultLevel: "advisory",
            },
            {
                types: [METHOD],
                validate: (m, ctx) => {
                    const verb = asString(m.props.httpMethod);
                    if (verb && ["POST", "PUT", "PATCH", "ANY"].includes(verb) && !isSet(m.props.requestValidatorId)) {
                        ctx.report(m, { property: "requestValidatorId", found: undefined, expected: "a RequestValidator id", fix: "create an aws.apigateway.RequestValidator { validateRequestBody: true } and set requestValidatorId (and requestModels)" });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "apigw-waf",
                no: 19,
                service: "API GW REST",
                kind: "S",
                checks: "REST stage is associated with a WAFv2 web ACL (`wafv2.WebAclAssociation`).",
                why: "WAF filters common exploits and floods before they reach (and are billed by) the API.",
                anchors: "NAG APIG3, FSBP APIGateway.4, CKV2_AWS_29",
                defaultLevel: "advisory",
            },
            {
                primaryType: REST_STAGE,
                subjectTypes: [REST_STAGE],
                validate: (graph, ctx) => {
                    const assoc = graph.ofType(WAF_ASSOCIATION);
                    for (const stage of graph.ofType(REST_STAGE)) {
                        if (!assoc.some((a) => refers(a, "resourceArn", stage, () => sameKnown(a.props.resourceArn, stage.props.arn)))) {
                            ctx.report(stage, { property: "(WebAclAssociation)", problem: "has no aws.wafv2.WebAclAssociation whose resourceArn comes from this stage", fix: "add WebAclAssociation { resourceArn: stage.arn, webAclArn: regionalAcl.arn }" });
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "apigw-throttling",
                no: 20,
                service: "API GW REST+HTTP",
                kind: "R",
                checks: "Stage-wide throttling is set: REST `*/*` MethodSettings or HTTP `defaultRouteSettings` with burst and rate limits.",
                why: "The account-level defaults (10,000 rps) are shared by every API; a runaway client should hit the API's own limit first.",
                anchors: "NAG-SL APIGWDefaultThrottling",
                defaultLevel: "advisory",
            },
            {
                types: [METHOD_SETTINGS, HTTP_STAGE],
                validate: (res, ctx) => {
                    let base: string;
                    if (res.type === METHOD_SETTINGS) {
                        if (res.props.methodPath !== "*/*") {
                            return;
                        }
                        base = "settings";
                    } else {
                        base = "defaultRouteSettings";
                    }
                    for (const key of ["throttlingBurstLimit", "throttlingRateLimit"]) {
                        const v = get(res.props, base, key);
                        const n = asNumber(v);
                        if (!isUnknown(v) && (n === undefined || n < 0)) {
                            ctx.report(res, { property: `${base}.${key}`, found: v, expected: "a limit >= 0", fix: `set ${base}.${key} to the API's expected peak` });
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "apigw-cache-encrypted",
                no: 21,
                service: "API GW REST",
                kind: "R",
                checks: "Where caching is on, `cacheDataEncrypted` is true (caching itself is not required).",
                why: "Cached responses hold the same data as the backend; they must be encrypted at rest like it.",
                anchors: "FSBP APIGateway.5, AG apigateway-method-cached-and-encrypted (stricter), CKV_AWS_308",
                defaultLevel: "mandatory",
            },
            {
                types: [METHOD_SETTINGS],
                validate: (m, ctx) => {
                    const caching = get(m.props, "settings", "cachingEnabled");
                    const encrypted = get(m.props, "settings", "cacheDataEncrypted");
                    if (caching === true && encrypted !== true) {
                        if (isUnknown(encrypted)) {
                            ctx.defer("settings.cacheDataEncrypted");
                        } else {
                            ctx.report(m, { property: "settings.cacheDataEncrypted", found: encrypted, expected: "true (settings.cachingEnabled is true)", fix: "set settings.cacheDataEncrypted: true" });
                        }
                    } else if (isUnknown(caching)) {
                        ctx.defer("settings.cachingEnabled");
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "apigw-domain-tls12",
                no: 22,
                service: "API GW",
                kind: "R",
                checks: "Custom domain names use `securityPolicy` TLS_1_2 (or a newer TLS 1.2/1.3 policy).",
                why: "REST custom domains default to TLS 1.0, which has known weaknesses and fails most compliance baselines.",
                anchors: "CKV_AWS_206, TRV use_secure_tls_policy, PCP apigateway/DomainName/configureSecurityPolicy",
                defaultLevel: "mandatory",
            },
            {
                types: [REST_DOMAIN, HTTP_DOMAIN],
                validate: (d, ctx) => {
                    const property = d.type === REST_DOMAIN ? "securityPolicy" : "domainNameConfiguration.securityPolicy";
                    const v = d.type === REST_DOMAIN ? d.props.securityPolicy : get(d.props, "domainNameConfiguration", "securityPolicy");
                    if (isUnknown(v)) {
                        ctx.defer(property);
                    } else if (!(v === "TLS_1_2" || (typeof v === "string" && /^SecurityPolicy_TLS1[23]/.test(v)))) {
                        ctx.report(d, { property, found: v, expected: '"TLS_1_2"', fix: `set ${property}: "TLS_1_2"` });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "apigw-5xx-latency-alarm",
                no: 23,
                service: "API GW / CloudWatch",
                kind: "S",
                checks: "Each stage has a 5XX alarm (REST `5XXError`, HTTP `5xx`) with an action; a latency alarm is advisory.",
                why: "5XX responses are the API's own failures; an alarm on them is the minimum for an on-call to hear about an outage.",
                anchors: "ours",
                defaultLevel: "advisory",
            },
            {
                subjectTypes: [REST_STAGE, HTTP_STAGE],
                validate: (graph, ctx) => {
                    const check = (stage: Node, apiType: string, apiProp: string, errorMetric: string) => {
                        const apis = graph.targets(stage, apiProp, apiType);
                        const names = [literalName(stage, "stageName"), ...apis.map((a) => literalName(a))];
                        // An alarm on the API alone covers all its stages; one whose Stage dimension comes from another stage does not.
                        const otherStage = (a: Node) => graph.targets(a, "dimensions", REST_STAGE, HTTP_STAGE).some((x) => x.urn !== stage.urn);
                        const watches = (a: Node) =>
                            alarmWatches(graph, a, stage, ["Stage", "ApiId", "ApiName"], names.slice(0, 1)) ||
                            (!otherStage(a) && apis.some((api) => alarmWatches(graph, a, api, ["ApiName", "ApiId"], [literalName(api)])));
                        if (!alarmsFor(graph, "AWS/ApiGateway", [errorMetric]).some((a) => watches(a) && hasAlarmAction(a))) {
                            ctx.report(stage, {
                                property: `(${errorMetric} alarm)`,
                                problem: `has no AWS/ApiGateway ${errorMetric} alarm with an action whose dimensions come from this stage or its API`,
                                fix: `add MetricAlarm { namespace: "AWS/ApiGateway", metricName: "${errorMetric}", dimensions: { ${apiType === REST_API ? "ApiName: api.name, Stage: stage.stageName" : "ApiId: api.id, Stage: stage.name"} }, alarmActions: [topic.arn] }`,
                            });
                        }
                        if (!alarmsFor(graph, "AWS/ApiGateway", ["Latency", "IntegrationLatency"]).some((a) => watches(a) && hasAlarmAction(a))) {
                            ctx.report(stage, { property: "(Latency alarm)", problem: "has no AWS/ApiGateway Latency alarm with an action", fix: "add a p99 Latency MetricAlarm for the stage", advisoryOnly: true });
                        }
                    };
                    for (const s of graph.ofType(REST_STAGE)) {
                        check(s, REST_API, "restApi", "5XXError");
                    }
                    for (const s of graph.ofType(HTTP_STAGE)) {
                        check(s, HTTP_API, "apiId", "5xx");
                    }
                },
            },
        ),
    ];
}
