// API Gateway rules (14-23, and the pack's own 59 and 60), REST (apigateway) and HTTP (apigatewayv2) APIs.

import type { Policies } from "../lib/policy-api";
import { grantsOf, narrowingKeys, principalsOf } from "../lib/access";
import { alarmsFor, alarmWatches, hasAlarmAction } from "../lib/alarms";
import { literalName, Node, refers, sameKnown, StackGraph } from "../lib/graph";
import { actionMatches, readStatements, Statement } from "../lib/iam";
import { resourceRule, RuleContext, stackRule, Subject } from "../lib/rule";
import { asArray, asNumber, asRecord, asString, get, isSet, isUnknown, show } from "../lib/values";

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
export const REST_RESOURCE = "aws:apigateway/resource:Resource";
export const INTEGRATION = "aws:apigateway/integration:Integration";
export const AUTHORIZER = "aws:apigateway/authorizer:Authorizer";
export const REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy";

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

// --- APIs defined by an OpenAPI `body`, and HTTP APIs made by quick create ------------------------

/** An OpenAPI document given as a RestApi's or HTTP Api's `body`. */
type OpenApi = { kind: "absent" } | { kind: "unknown" } | { kind: "unreadable"; why: string } | { kind: "ok"; doc: Record<string, unknown> };

// Several rules read the same body in one pass: the last one parsed is kept (rules only read it).
let lastBody: { body: string; parsed: OpenApi } | undefined;

/**
 * The body as a document. The provider takes JSON or YAML; the pack has no YAML parser among its
 * dependencies, so a body that is not JSON is `unreadable` and the rules reading it defer.
 */
function openApiOf(body: unknown): OpenApi {
    if (body === undefined || body === null || body === "") {
        return { kind: "absent" };
    }
    if (isUnknown(body)) {
        return { kind: "unknown" };
    }
    const rec = asRecord(body);
    if (rec) {
        return { kind: "ok", doc: rec };
    }
    if (typeof body !== "string") {
        return { kind: "unreadable", why: "not a string" };
    }
    if (lastBody?.body === body) {
        return lastBody.parsed;
    }
    let parsed: OpenApi;
    try {
        const doc = asRecord(JSON.parse(body));
        parsed = doc ? { kind: "ok", doc } : { kind: "unreadable", why: "not a JSON object" };
    } catch {
        parsed = { kind: "unreadable", why: "not JSON (a YAML body is not read by this pack)" };
    }
    lastBody = { body, parsed };
    return parsed;
}

/** The body's document, or undefined after deferring (unknown, or YAML) or when there is none. */
function bodyDocument(res: Subject, ctx: RuleContext<object>): Record<string, unknown> | undefined {
    const api = openApiOf(res.props.body);
    if (api.kind === "unknown") {
        ctx.defer("body");
    } else if (api.kind === "unreadable") {
        ctx.defer(`body (${api.why})`);
    }
    return api.kind === "ok" ? api.doc : undefined;
}

const OPENAPI_VERBS: Record<string, string> = {
    get: "GET",
    put: "PUT",
    post: "POST",
    delete: "DELETE",
    options: "OPTIONS",
    head: "HEAD",
    patch: "PATCH",
    trace: "TRACE",
    "x-amazon-apigateway-any-method": "ANY",
};

interface Operation {
    verb: string;
    /** The route key API Gateway gives it: `GET /orders`, or `$default` for HTTP APIs' catch-all. */
    routeKey: string;
    op: Record<string, unknown>;
    /** Where it is, for messages: `body.paths["/orders"].post`. */
    at: string;
}

function operationsOf(doc: Record<string, unknown>): Operation[] {
    const out: Operation[] = [];
    for (const [path, item] of Object.entries(asRecord(doc.paths) ?? {})) {
        for (const [key, op] of Object.entries(asRecord(item) ?? {})) {
            const verb = OPENAPI_VERBS[key.toLowerCase()];
            const rec = asRecord(op);
            if (verb && rec) {
                out.push({ verb, routeKey: path === "$default" ? "$default" : `${verb} ${path}`, op: rec, at: `body.paths[${JSON.stringify(path)}].${key}` });
            }
        }
    }
    return out;
}

/** Security schemes of OpenAPI 3 (`components.securitySchemes`) and Swagger 2 (`securityDefinitions`). */
function securitySchemes(doc: Record<string, unknown>): Record<string, unknown> {
    return { ...(asRecord(doc.securityDefinitions) ?? {}), ...(asRecord(get(doc, "components", "securitySchemes")) ?? {}) };
}

/** A scheme API Gateway turns into an authorizer or IAM auth; a plain API key scheme identifies a client, it authorizes no one. */
function authorizingScheme(scheme: unknown): boolean {
    const s = asRecord(scheme);
    return s !== undefined && (isSet(s["x-amazon-apigateway-authtype"]) || asRecord(s["x-amazon-apigateway-authorizer"]) !== undefined);
}

/**
 * Why an operation takes no authorizer, or undefined when it does: `x-amazon-apigateway-auth` AWS_IAM,
 * or a security requirement (its own, else the document's) naming a scheme with
 * `x-amazon-apigateway-authtype` / `x-amazon-apigateway-authorizer`. API Gateway merges the listed
 * requirements into the method, so one authorizing scheme among them authorizes it. `security: []`
 * opens the operation explicitly.
 */
function openOperation(doc: Record<string, unknown>, schemes: Record<string, unknown>, o: Operation): { property: string; problem: string } | undefined {
    const auth = asString(get(o.op, "x-amazon-apigateway-auth", "type"));
    if (auth !== undefined && auth.toUpperCase() === "AWS_IAM") {
        return undefined;
    }
    const own = Array.isArray(o.op.security);
    const security = own ? o.op.security : doc.security;
    const property = own ? `${o.at}.security` : Array.isArray(doc.security) ? "body.security" : `${o.at}.security`;
    if (!Array.isArray(security)) {
        return { property, problem: "is not set, and the document sets no top-level security, so the operation takes no authorizer (NONE)" };
    }
    if (security.length === 0) {
        return {
            property,
            problem: own
                ? "is [], which explicitly opens the operation (no authorizer)"
                : "is [] and the operation sets no security of its own, so it takes no authorizer",
        };
    }
    const names = security.flatMap((r) => Object.keys(asRecord(r) ?? {}));
    if (names.some((n) => authorizingScheme(schemes[n]))) {
        return undefined;
    }
    const missing = names.filter((n) => !(n in schemes));
    const listed = names.map((n) => JSON.stringify(n)).join(", ");
    return {
        property,
        problem:
            names.length === 0
                ? "lists only empty requirements ({}), so the operation takes no authorizer"
                : missing.length > 0
                  ? `names ${listed}, and ${missing.map((n) => JSON.stringify(n)).join(", ")} is not defined in securitySchemes / securityDefinitions, so no authorizer applies`
                  : `names ${listed}, none of which has x-amazon-apigateway-authtype or x-amazon-apigateway-authorizer (an API key identifies a client, it authorizes no caller)`,
    };
}

/** An HTTP API made by quick create: API Gateway adds a route, an integration and an auto-deployed `$default` stage the program does not manage. */
function quickCreate(api: Subject): boolean {
    return api.type === HTTP_API && isSet(api.props.target) && api.props.protocolType !== "WEBSOCKET";
}

const QUICK_CREATE_FIX =
    'remove target and routeKey, and define the API\'s aws.apigatewayv2.Integration, Route and Stage resources (Stage { name: "$default", autoDeploy: true, accessLogSettings, defaultRouteSettings })';

// --- apigw-cache-key-isolation -------------------------------------------------------------------

/** The provider's (and API Gateway's) identity source when an authorizer names none; SigV4 signs in it too. */
const AUTHORIZATION_HEADER = "method.request.header.Authorization";

/**
 * Resource path that `node.<prop>` names, following Resource parentId/pathPart chains through
 * propertyDependencies: "" for the API's root (rootResourceId), undefined when the chain cannot be followed.
 */
function resourcePathOf(graph: StackGraph, node: Node, prop: string, seen = new Set<string>()): string | undefined {
    const targets = graph.targets(node, prop, REST_RESOURCE, REST_API);
    const resources = targets.filter((t) => t.type === REST_RESOURCE);
    if (resources.length === 0) {
        return targets.length > 0 ? "" : undefined;
    }
    const [res] = resources;
    if (resources.length > 1 || seen.has(res.urn)) {
        return undefined;
    }
    seen.add(res.urn);
    const part = asString(res.props.pathPart);
    const parent = resourcePathOf(graph, res, "parentId", seen);
    return part === undefined || parent === undefined ? undefined : `${parent}/${part}`;
}

/**
 * Both properties come from a common resource, or, where one is not taken from a resource, hold the same
 * known value. Values taken from different resources never match, and neither do unknown values.
 */
function sameSource(a: Node, ap: string, b: Node, bp: string): boolean {
    const da = a.propertyDependencies[ap] ?? [];
    const db = b.propertyDependencies[bp] ?? [];
    if (da.length > 0 && db.length > 0) {
        return da.some((u) => db.includes(u));
    }
    const va = asString(a.props[ap]);
    return va !== undefined && va === asString(b.props[bp]);
}

/** The integrations of a method: they take httpMethod from it, or share its resource and verb. */
function integrationsOf(graph: StackGraph, m: Node): Node[] {
    const verb = asString(m.props.httpMethod);
    return graph.ofType(INTEGRATION).filter((i) => {
        if (refers(i, "httpMethod", m)) {
            return true;
        }
        const sameVerb = verb !== undefined && asString(i.props.httpMethod) === verb;
        const sameResource = refers(i, "resourceId", m) || sameSource(i, "resourceId", m, "resourceId");
        // A resource id taken from a Resource or RestApi node already pins the API.
        const sameApi = refers(i, "restApi", m) || sameSource(i, "restApi", m, "restApi") || (i.propertyDependencies.resourceId ?? []).length > 0;
        return sameVerb && sameResource && sameApi;
    });
}

/** REST stages of the method's API. */
function stagesOf(graph: StackGraph, m: Node): Node[] {
    return graph.ofType(REST_STAGE).filter((st) => sameSource(st, "restApi", m, "restApi"));
}

interface CacheDecision {
    /** The MethodSettings that decides, when the method is cached. */
    by?: Node;
    /** What is unknown, when the decision rests on an unknown value. */
    unknown?: string;
}

/** `orders/{id}/GET` -> ["orders/{id}", "GET"]; `~1orders~1{id}/GET` as the console and CLI spell it. */
function splitMethodPath(methodPath: string): [string, string] | undefined {
    const cut = methodPath.lastIndexOf("/");
    if (cut < 0) {
        return undefined;
    }
    const resource = methodPath.slice(0, cut);
    return [resource === "*" ? "*" : resource.replace(/~1/g, "/").replace(/^\/+|\/+$/g, ""), methodPath.slice(cut + 1)];
}

/** Caching is on in a MethodSettings: cachingEnabled true and a TTL other than 0 (0 turns it off). */
function enablesCaching(s: Node): boolean | undefined {
    const flag = get(s.props, "settings", "cachingEnabled");
    if (isUnknown(flag)) {
        return undefined;
    }
    const ttl = get(s.props, "settings", "cacheTtlInSeconds");
    return flag === true && ttl !== 0;
}

/**
 * Whether a stage caches a method: the most specific MethodSettings covering it wins (`<path>/<METHOD>`,
 * then `<path>/*` or `*\/<METHOD>`, then `*\/*`). A `*` method covers GET (and ANY) only: API Gateway
 * caches GET by default and other methods only through their own override. `path` is undefined when the
 * method's resource cannot be followed to its path; settings for named paths then cannot be placed.
 */
function cacheDecision(settings: Node[], path: string | undefined, verb: string): CacheDecision {
    const readLike = verb === "GET" || verb === "ANY";
    const tiers: Node[][] = [[], [], []];
    // Settings that may cover the method, but where: an unknown methodPath, or a named path when the method's is not known.
    const unplaced: Node[] = [];
    for (const s of settings) {
        if (isUnknown(s.props.methodPath)) {
            unplaced.push(s);
            continue;
        }
        const split = splitMethodPath(asString(s.props.methodPath) ?? "");
        if (!split || (split[1] !== verb && !(split[1] === "*" && readLike))) {
            continue;
        }
        const [res, v] = split;
        if (res === "*") {
            tiers[v === "*" ? 2 : 1].push(s);
        } else if (path === undefined) {
            unplaced.push(s);
        } else if (res === path.replace(/^\//, "")) {
            tiers[v === "*" ? 1 : 0].push(s);
        }
    }
    const level = tiers.findIndex((t) => t.length > 0);
    const tier = level < 0 ? [] : tiers[level];
    const flags = tier.map(enablesCaching);
    if (flags.includes(undefined)) {
        return { unknown: `${tier[flags.indexOf(undefined)].name}.settings.cachingEnabled` };
    }
    const by = tier[flags.indexOf(true)];
    // A setting that could be more specific than the deciding one, and says otherwise, leaves it open.
    const open = level === 0 ? undefined : unplaced.find((s) => enablesCaching(s) !== (by !== undefined));
    if (open) {
        return { unknown: `${open.name}: which method it applies to` };
    }
    return by ? { by } : {};
}

/** The request parameters that identify the caller, or undefined when they are unknown in this preview. */
function identityKeys(graph: StackGraph, m: Node): string[] | undefined {
    const auth = asString(m.props.authorization);
    if (auth === "AWS_IAM") {
        return [AUTHORIZATION_HEADER];
    }
    if (auth !== "COGNITO_USER_POOLS" && auth !== "CUSTOM") {
        return [];
    }
    const [authorizer] = graph.targets(m, "authorizerId", AUTHORIZER);
    const source = authorizer?.props.identitySource;
    if (isUnknown(source)) {
        return undefined;
    }
    const list = (asString(source) ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "");
    if (list.length === 0) {
        return [AUTHORIZATION_HEADER];
    }
    // context.* and stageVariables.* are not request parameters; only these can key a cache.
    return list.filter((x) => /^method\.request\.(header|querystring)\.[^.\s]+$/.test(x));
}

/** Header names are case-insensitive; paths and query strings are not. */
function normalKey(k: string): string {
    return k.startsWith("method.request.header.") ? k.toLowerCase() : k;
}

// --- apigw-private-endpoint-policy ---------------------------------------------------------------

const INVOKE = "execute-api:Invoke";

/** The statement's actions include execute-api:Invoke (Action patterns, or a NotAction that does not exclude it). */
function coversInvoke(s: Statement): boolean {
    const patterns = (list: unknown[]) => list.filter((a): a is string => typeof a === "string" && !isUnknown(a));
    if (s.notActions.length > 0) {
        return !patterns(s.notActions).some((a) => actionMatches(a, INVOKE));
    }
    return s.actions.some(isUnknown) || patterns(s.actions).some((a) => actionMatches(a, INVOKE));
}

/** `*`, `execute-api:/*`, `execute-api:/*\/*\/*` or `arn:...:execute-api:<region>:<account>:<api>/*...`: every stage, method and path. */
function wholeApi(resource: unknown): boolean {
    if (isUnknown(resource)) {
        return true; // computed from the API's own executionArn
    }
    const r = asString(resource);
    if (r === undefined) {
        return false;
    }
    const rest = r.startsWith("execute-api:/")
        ? r.slice("execute-api:/".length)
        : /^arn:aws[\w-]*:execute-api:[^:]*:[^:]*:[^/]*\//.test(r)
          ? r.replace(/^[^/]*\//, "")
          : r;
    return /^[*/]*$/.test(rest) && rest.includes("*");
}

/** Deny statements that turn away every caller not coming through named VPC endpoints or VPCs. */
function vpceDenies(statements: Statement[]): Statement[] {
    return statements.filter((s) => {
        if (s.effect !== "Deny" || !principalsOf(s.principal).anyone || s.notResources.length > 0 || !coversInvoke(s)) {
            return false;
        }
        // Each condition must be a negated string match on aws:SourceVpce / aws:SourceVpc: the Deny then applies to every other caller.
        const positive: Record<string, unknown> = {};
        const keys: string[] = [];
        for (const [op, block] of Object.entries(s.condition ?? {})) {
            const m = /^String(Not)(Equals|EqualsIgnoreCase|Like)(IfExists)?$/i.exec(op);
            const entries = Object.entries(asRecord(block) ?? {});
            if (!m || entries.length === 0 || entries.some(([k]) => !["aws:sourcevpce", "aws:sourcevpc"].includes(k.toLowerCase()))) {
                return false;
            }
            positive[`String${m[2]}`] = { ...(asRecord(positive[`String${m[2]}`]) ?? {}), ...Object.fromEntries(entries) };
            keys.push(...entries.map(([k]) => k.toLowerCase()));
        }
        // ...with values that name endpoints (no wildcard): the shared evaluator judges them as it would in an Allow.
        const narrowing = narrowingKeys({ ...s, effect: "Allow", condition: positive });
        return keys.length > 0 && keys.every((k) => narrowing.includes(k));
    });
}

/** The Deny covers every resource the Allow grants. */
function denyCovers(deny: Statement, allow: Statement): boolean {
    if (deny.resources.some(wholeApi)) {
        return true;
    }
    if (allow.notResources.length > 0 || allow.resources.length === 0) {
        return false;
    }
    const patterns = deny.resources.filter((r): r is string => typeof r === "string" && !isUnknown(r));
    return allow.resources.every((r) => typeof r === "string" && !isUnknown(r) && patterns.some((p) => actionMatches(p, r)));
}

/** The resource policies that apply to a REST API: its `policy` (else its body's x-amazon-apigateway-policy), and RestApiPolicy resources for it. */
function restApiPolicies(graph: StackGraph, api: Node): { subject: Node; property: string; value: unknown }[] | "unknown" {
    const out: { subject: Node; property: string; value: unknown }[] = [];
    if (isSet(api.props.policy)) {
        out.push({ subject: api, property: "policy", value: api.props.policy });
    } else {
        const body = openApiOf(api.props.body);
        if (body.kind === "unknown" || body.kind === "unreadable") {
            return "unknown";
        }
        if (body.kind === "ok" && isSet(body.doc["x-amazon-apigateway-policy"])) {
            out.push({ subject: api, property: "body.x-amazon-apigateway-policy", value: body.doc["x-amazon-apigateway-policy"] });
        }
    }
    for (const p of graph.ofType(REST_API_POLICY)) {
        if (refers(p, "restApiId", api)) {
            out.push({ subject: p, property: "policy", value: p.props.policy });
        }
    }
    return out;
}

export function apigatewayPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "apigw-access-logging",
                no: 14,
                service: "API GW REST+HTTP",
                kind: "R",
                checks: "Stage has `accessLogSettings.destinationArn` and a JSON `format`; an HTTP API made by quick create (`target`) is reported, since its auto-deployed `$default` stage has no access logs.",
                why: "Access logs are the only record of who called what; JSON makes them queryable with Logs Insights.",
                anchors:
                    "NAG APIG1, FSBP APIGateway.9, CKV_AWS_76, NAG-SL APIGWAccessLogging, APIGWStructuredLogging, PCP apigatewayv2/Stage/enableAccessLogging",
                defaultLevel: "advisory",
            },
            {
                types: [REST_STAGE, HTTP_STAGE, HTTP_API],
                validate: (stage, ctx) => {
                    if (stage.type === HTTP_API) {
                        if (quickCreate(stage)) {
                            ctx.report(stage, {
                                property: "target",
                                problem:
                                    'is set (quick create), so API Gateway serves the API on an auto-deployed "$default" stage that writes no access logs and that the program cannot configure',
                                fix: QUICK_CREATE_FIX,
                            });
                        }
                        return;
                    }
                    const dest = get(stage.props, "accessLogSettings", "destinationArn");
                    const format = get(stage.props, "accessLogSettings", "format");
                    if (!isSet(dest)) {
                        ctx.report(stage, {
                            property: "accessLogSettings.destinationArn",
                            found: dest,
                            expected: "a CloudWatch log group ARN",
                            fix: "set accessLogSettings: { destinationArn: logGroup.arn, format: JSON.stringify({...}) }",
                        });
                    } else if (!isUnknown(format) && (typeof format !== "string" || !isJsonFormat(format))) {
                        ctx.report(stage, {
                            property: "accessLogSettings.format",
                            found: format,
                            expected: "a JSON log format",
                            fix: 'set accessLogSettings.format to JSON.stringify({ requestId: "$context.requestId", ... })',
                        });
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
                checks: "REST stage has MethodSettings for `*/*` with `loggingLevel` ERROR or INFO and `dataTraceEnabled` false.",
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
                                problem: 'has no aws.apigateway.MethodSettings with methodPath "*/*" whose stageName comes from this stage',
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
                                ctx.report(m, {
                                    property: "settings.loggingLevel",
                                    found: level,
                                    expected: '"ERROR" or "INFO"',
                                    fix: 'set settings.loggingLevel: "ERROR"',
                                });
                            }
                            if (trace === true) {
                                ctx.report(m, {
                                    property: "settings.dataTraceEnabled",
                                    found: trace,
                                    expected: "false",
                                    fix: "set settings.dataTraceEnabled: false",
                                });
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
                checks: "Methods and routes use an authorizer (Cognito, JWT, IAM or custom); `NONE` only for allow-listed public routes. So do the operations of an OpenAPI `body` (REST or HTTP API: `security`, its own or the top-level one, names a scheme with `x-amazon-apigateway-authtype` or `x-amazon-apigateway-authorizer`, or `x-amazon-apigateway-auth` is AWS_IAM; `security: []` opens an operation) and the route an HTTP API's quick create (`target`) makes.",
                why: "An unauthenticated route is open to the internet; every public route should be a deliberate, reviewed choice.",
                anchors: "NAG APIG4, COG4, FSBP APIGateway.8, CKV_AWS_59, CKV_AWS_309, CKV2_AWS_70",
                defaultLevel: "mandatory",
                config: {
                    publicRoutes: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        // The platform's health check, as in config/dev.json: a bare run is the dev profile.
                        default: ["gateway-get-health"],
                        description:
                            'Routes allowed without authorization: a route key ("GET /health", also an OpenAPI body operation\'s verb and path, or a quick-create routeKey) or the logical name of a REST Method/Route resource (or of a quick-create HTTP Api).',
                    },
                    allowCorsPreflight: { type: "boolean", default: true, description: "Allow OPTIONS methods (CORS preflight) without authorization." },
                },
            },
            {
                types: [METHOD, ROUTE, REST_API, HTTP_API],
                validate: (res, ctx) => {
                    const isPublic = (routeKey: string, name?: string) =>
                        (ctx.config.allowCorsPreflight && routeKey.startsWith("OPTIONS ")) ||
                        ctx.config.publicRoutes.some((r) => r === routeKey || (name !== undefined && r === name));
                    if (res.type === REST_API || res.type === HTTP_API) {
                        if (quickCreate(res)) {
                            const routeKey = res.props.routeKey ?? "$default";
                            if (isUnknown(routeKey)) {
                                ctx.defer("routeKey");
                            } else if (!isPublic(String(routeKey), res.name)) {
                                ctx.report(res, {
                                    property: "target",
                                    problem: `is set (quick create), so API Gateway creates the route ${JSON.stringify(routeKey)} with no authorizer, open to anyone who can reach the API`,
                                    fix: `remove target and routeKey, and define the API's aws.apigatewayv2.Integration, Route { routeKey, authorizationType: "JWT", authorizerId } and Stage resources, or list ${JSON.stringify(routeKey)} in publicRoutes in policies/config/<env>.json`,
                                });
                            }
                        }
                        const doc = bodyDocument(res, ctx);
                        if (doc) {
                            const schemes = securitySchemes(doc);
                            for (const o of operationsOf(doc)) {
                                const open = isPublic(o.routeKey) ? undefined : openOperation(doc, schemes, o);
                                if (open) {
                                    ctx.report(res, {
                                        property: open.property,
                                        problem: `${open.problem}: ${o.routeKey} is open to anyone who can reach the API`,
                                        fix: `give ${o.at} a security requirement naming a scheme with x-amazon-apigateway-authorizer (Cognito, JWT or Lambda) or x-amazon-apigateway-authtype "awsSigv4" (IAM), or a top-level security the operation inherits, or list "${o.routeKey}" in publicRoutes in policies/config/<env>.json`,
                                    });
                                }
                            }
                        }
                        return;
                    }
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
                checks: "REST methods that take a body (POST, PUT, PATCH, ANY) have a request validator; so do such operations of a REST API's OpenAPI `body` (`x-amazon-apigateway-request-validator`, their own or the top-level one, names a validator of `x-amazon-apigateway-request-validators` with `validateRequestBody: true`).",
                why: "Rejecting malformed bodies at the gateway costs nothing and keeps bad input away from the function.",
                anchors: "NAG APIG2, CKV2_AWS_53",
                defaultLevel: "advisory",
            },
            {
                types: [METHOD, REST_API],
                validate: (m, ctx) => {
                    if (m.type === REST_API) {
                        const doc = bodyDocument(m, ctx);
                        if (!doc) {
                            return;
                        }
                        const validators = asRecord(doc["x-amazon-apigateway-request-validators"]) ?? {};
                        const fallback = doc["x-amazon-apigateway-request-validator"];
                        const fix =
                            'define x-amazon-apigateway-request-validators: { body: { validateRequestBody: true, validateRequestParameters: true } } and set "x-amazon-apigateway-request-validator": "body" on the operation or at the top level (with a requestBody schema)';
                        for (const o of operationsOf(doc).filter((x) => ["POST", "PUT", "PATCH", "ANY"].includes(x.verb))) {
                            const own = "x-amazon-apigateway-request-validator" in o.op;
                            const name = own ? o.op["x-amazon-apigateway-request-validator"] : fallback;
                            const property =
                                own || fallback === undefined ? `${o.at}.x-amazon-apigateway-request-validator` : "body.x-amazon-apigateway-request-validator";
                            const validator = typeof name === "string" ? asRecord(validators[name]) : undefined;
                            if (typeof name !== "string" || name === "") {
                                ctx.report(m, { property, found: name, expected: "the name of a request validator", fix });
                            } else if (!validator) {
                                ctx.report(m, {
                                    property,
                                    problem: `names ${JSON.stringify(name)}, which x-amazon-apigateway-request-validators does not define, so ${o.routeKey} is not validated`,
                                    fix,
                                });
                            } else if (validator.validateRequestBody !== true) {
                                ctx.report(m, {
                                    property,
                                    problem: `names ${JSON.stringify(name)}, whose validateRequestBody is ${show(validator.validateRequestBody)}, so the body of ${o.routeKey} is not validated`,
                                    fix: `set validateRequestBody: true on x-amazon-apigateway-request-validators.${name}, or name a validator that validates the body`,
                                });
                            }
                        }
                        return;
                    }
                    const verb = asString(m.props.httpMethod);
                    if (verb && ["POST", "PUT", "PATCH", "ANY"].includes(verb) && !isSet(m.props.requestValidatorId)) {
                        ctx.report(m, {
                            property: "requestValidatorId",
                            found: undefined,
                            expected: "a RequestValidator id",
                            fix: "create an aws.apigateway.RequestValidator { validateRequestBody: true } and set requestValidatorId (and requestModels)",
                        });
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
                            ctx.report(stage, {
                                property: "(WebAclAssociation)",
                                problem: "has no aws.wafv2.WebAclAssociation whose resourceArn comes from this stage",
                                fix: "add WebAclAssociation { resourceArn: stage.arn, webAclArn: regionalAcl.arn }",
                            });
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
                checks: "Stage-wide throttling is set: REST `*/*` MethodSettings or HTTP `defaultRouteSettings` with burst and rate limits; an HTTP API made by quick create (`target`) is reported, since its auto-deployed `$default` stage has none.",
                why: "The account-level defaults (10,000 rps) are shared by every API; a runaway client should hit the API's own limit first.",
                anchors: "NAG-SL APIGWDefaultThrottling",
                defaultLevel: "advisory",
            },
            {
                types: [METHOD_SETTINGS, HTTP_STAGE, HTTP_API],
                validate: (res, ctx) => {
                    let base: string;
                    if (res.type === HTTP_API) {
                        if (quickCreate(res)) {
                            ctx.report(res, {
                                property: "target",
                                problem:
                                    'is set (quick create), so API Gateway serves the API on an auto-deployed "$default" stage with no throttling of its own (only the account\'s limits)',
                                fix: QUICK_CREATE_FIX,
                            });
                        }
                        return;
                    }
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
                            ctx.report(res, {
                                property: `${base}.${key}`,
                                found: v,
                                expected: "a limit >= 0",
                                fix: `set ${base}.${key} to the API's expected peak`,
                            });
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
                            ctx.report(m, {
                                property: "settings.cacheDataEncrypted",
                                found: encrypted,
                                expected: "true (settings.cachingEnabled is true)",
                                fix: "set settings.cacheDataEncrypted: true",
                            });
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
                            ctx.report(stage, {
                                property: "(Latency alarm)",
                                problem: "has no AWS/ApiGateway Latency alarm with an action",
                                fix: "add a p99 Latency MetricAlarm for the stage",
                                advisoryOnly: true,
                            });
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
        stackRule(
            {
                id: "apigw-cache-key-isolation",
                no: 59,
                service: "API GW REST",
                kind: "S",
                checks: "A REST method a stage caches (`*/*` caching covers GETs; `<path>/*`, `*/<METHOD>` and `<path>/<METHOD>` override it) lists in its integration's `cacheKeyParameters` its authorizer's identity source (authorized methods), each `{param}` of its path and each querystring parameter it declares.",
                why: "API Gateway keys a cached answer by the resource path and the listed parameters only: an authenticated method without the caller in its key serves one customer's answer to the next caller, and one without a parameter serves one question's answer to another.",
                anchors: "AWS API Gateway Developer Guide, 'Cache keys' / 'Override stage-level caching'; no anchor pack has it",
                defaultLevel: "mandatory",
            },
            {
                primaryType: METHOD_SETTINGS,
                subjectTypes: [METHOD],
                validate: (graph, ctx) => {
                    const stages = graph.ofType(REST_STAGE).map((st) => ({ stage: st, settings: settingsForStage(graph, st) }));
                    for (const m of graph.ofType(METHOD)) {
                        const verb = asString(m.props.httpMethod);
                        const path = resourcePathOf(graph, m, "resourceId");
                        const own = stagesOf(graph, m);
                        for (const { stage, settings } of stages.filter((x) => own.includes(x.stage))) {
                            if (verb === undefined) {
                                // Only an unknown verb leaves the question open; a missing one is the provider's to refuse.
                                if (isUnknown(m.props.httpMethod) && settings.some((s) => enablesCaching(s) !== false)) {
                                    ctx.defer(`${m.name}.httpMethod`);
                                }
                                continue;
                            }
                            const decision = cacheDecision(settings, path, verb);
                            if (!decision.by && !decision.unknown) {
                                continue;
                            }
                            // Cached, or perhaps cached: a method keyed correctly needs no answer to "perhaps".
                            const verdict = (finding: () => void) => (decision.by ? finding() : ctx.defer(decision.unknown ?? m.name));
                            const shown = `${verb} ${path === undefined ? "(resource path not traceable)" : path || "/"}`;
                            const stageName = literalName(stage, "stageName") ?? stage.name;
                            const cause = decision.by
                                ? `cached on stage "${stageName}" by MethodSettings "${decision.by.name}" (methodPath ${show(decision.by.props.methodPath)})`
                                : "";
                            const identity = identityKeys(graph, m);
                            const declared = asRecord(m.props.requestParameters);
                            if (identity === undefined || isUnknown(m.props.requestParameters) || isUnknown(m.props.authorization)) {
                                ctx.defer(`${m.name}: the caller identity or requestParameters of ${shown}`);
                                continue;
                            }
                            if (identity.length === 0 && ["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"].includes(asString(m.props.authorization) ?? "")) {
                                verdict(() =>
                                    ctx.report(m, {
                                        property: "authorizerId",
                                        problem: `is ${cause}, but its authorizer's identitySource has no method.request header or querystring the cache could be keyed by, so any caller may get another's cached answer`,
                                        fix: `turn caching off for ${shown} (MethodSettings methodPath "${(path ?? "").replace(/^\//, "")}/${verb}" with cachingEnabled: false)`,
                                    }),
                                );
                                continue;
                            }
                            const pathParams = [...(path ?? "").matchAll(/\{([^}+]+)\+?\}/g)].map((x) => `method.request.path.${x[1]}`);
                            const declaredKeys = Object.keys(declared ?? {}).filter((k) => /^method\.request\.(path|querystring)\./.test(k));
                            const required = [...new Set([...identity, ...pathParams, ...declaredKeys])];
                            const integrations = integrationsOf(graph, m);
                            if (integrations.length === 0) {
                                ctx.defer(`the integration of ${shown} (${m.name})`);
                                continue;
                            }
                            for (const integration of integrations) {
                                const listed = integration.props.cacheKeyParameters;
                                if (isUnknown(listed) || (Array.isArray(listed) && listed.some(isUnknown))) {
                                    ctx.defer(`${integration.name}.cacheKeyParameters`);
                                    continue;
                                }
                                const have = new Set(asArray(listed).map((k) => normalKey(String(k))));
                                const missing = required.filter((k) => !have.has(normalKey(k)));
                                if (missing.length === 0) {
                                    continue;
                                }
                                const callerMissing = missing.some((k) => identity.includes(k));
                                verdict(() =>
                                    ctx.report(m, {
                                        property: `(Integration "${integration.name}").cacheKeyParameters`,
                                        problem: `misses ${missing.join(", ")}: ${shown} is ${cause}, so API Gateway serves ${callerMissing ? "one caller's cached answer to another caller" : "one request's cached answer to a request with other parameters"}`,
                                        fix: `add ${missing.map((k) => `"${k}"`).join(", ")} to the integration's cacheKeyParameters (each declared in the method's requestParameters), or turn caching off for this method`,
                                    }),
                                );
                            }
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "apigw-private-endpoint-policy",
                no: 60,
                service: "API GW REST",
                kind: "S",
                checks: "A private REST API (`endpointConfiguration.types` PRIVATE) has a resource policy (`policy`, its body's `x-amazon-apigateway-policy`, or an `aws.apigateway.RestApiPolicy`) whose statements allowing execute-api:Invoke to `*` are narrowed to named VPC endpoints or VPCs (a condition on aws:SourceVpce / aws:SourceVpc or another key that narrows who), or are paired with a Deny for requests not from them (StringNotEquals aws:SourceVpce); a private API with no resource policy is reported advisory (nothing can invoke it).",
                why: "A private API is reachable through any execute-api VPC endpoint, in any account: a resource policy that allows `*` without naming the endpoints lets every VPC in AWS call it.",
                anchors:
                    "AWS API Gateway Developer Guide, 'Private REST APIs in API Gateway' / 'Example: Allow private API traffic based on source VPC or VPC endpoint'; no anchor pack has it",
                defaultLevel: "mandatory",
            },
            {
                primaryType: REST_API,
                subjectTypes: [REST_API, REST_API_POLICY],
                validate: (graph, ctx) => {
                    for (const api of graph.ofType(REST_API)) {
                        const types = get(api.props, "endpointConfiguration", "types");
                        if (isUnknown(types) || asArray(types).some(isUnknown)) {
                            ctx.defer(`${api.name}.endpointConfiguration.types`);
                            continue;
                        }
                        if (!asArray(types).some((t) => typeof t === "string" && t.toUpperCase() === "PRIVATE")) {
                            continue;
                        }
                        const docs = restApiPolicies(graph, api);
                        if (docs === "unknown") {
                            ctx.defer(`${api.name}.body (its x-amazon-apigateway-policy)`);
                            continue;
                        }
                        if (docs.length === 0) {
                            ctx.report(api, {
                                property: "policy",
                                problem:
                                    "is not set, its body has no x-amazon-apigateway-policy and no aws.apigateway.RestApiPolicy applies to it: API Gateway denies every call to a private API without a resource policy",
                                fix: 'add an aws.apigateway.RestApiPolicy { restApiId: api.id, policy } allowing "execute-api:Invoke" on "execute-api:/*" with Condition { StringEquals: { "aws:SourceVpce": vpce.id } }',
                                advisoryOnly: true,
                            });
                            continue;
                        }
                        for (const { subject, property, value } of docs) {
                            const statements = readStatements(subject, property, value, ctx, `${subject.name}.${property}`);
                            if (!statements) {
                                continue;
                            }
                            const denies = vpceDenies(statements);
                            for (const g of grantsOf(statements)) {
                                if (!g.open || !coversInvoke(g.statement) || denies.some((d) => denyCovers(d, g.statement))) {
                                    continue;
                                }
                                ctx.report(subject, {
                                    property: `${property}.${g.label}`,
                                    problem: `allows execute-api:Invoke on private API "${api.name}" to ${show(g.statement.principal ?? { NotPrincipal: g.statement.notPrincipal })} with no condition naming the VPC endpoints or VPCs it may come from, and no Deny turns the others away: any execute-api VPC endpoint, in any account, can call it`,
                                    fix: 'add Condition: { StringEquals: { "aws:SourceVpce": vpce.id } } to the statement, or a statement { Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", Condition: { StringNotEquals: { "aws:SourceVpce": vpce.id } } }',
                                });
                            }
                        }
                    }
                },
            },
        ),
    ];
}
