import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, createAlarm } from "./alarms";
import { stageRequestRateAlarm, stageThrottledAlarm } from "./capacity-alarms";
import { API_CACHE_SIZES, ApiCacheSize, MAX_CACHE_TTL_SECONDS } from "./defaults/api-gateway";
import { PlatformContext, arn, checkInt, invalid } from "./context";
import { ROLLBACK_ALARM_WINDOW } from "./defaults/rollback-window";
import { LIVE_ALIAS } from "./function";
import { assumeRolePolicy, policyDocument } from "./iam";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** One route of the API. */
export interface RouteSpec {
    /** HTTP method. */
    method: (typeof HTTP_METHODS)[number];
    /** Resource path with `{param}` segments, e.g. `/orders/{id}`. */
    path: string;
    /**
     * Why this route is open without a token. Absent means the Cognito authorizer guards it; only a
     * route that states a reason is public.
     * @default undefined (authorized)
     */
    publicReason?: string;
    /**
     * JSON Schema (draft 4) the request body must match; API Gateway rejects anything else with a 400
     * before the function runs. Methods with a body are validated even without one (body present).
     * @default none
     */
    bodySchema?: Record<string, unknown>;
    /**
     * Query parameters the route reads, name -> required. Declared on the method as
     * `method.request.querystring.<name>`, so the request validator rejects a request that lacks a
     * required one before the function runs. A route must declare every query parameter it reads:
     * a cache key is checked against this list, and an undeclared parameter would be left out of it.
     * @default {} (the route reads no query parameter)
     */
    queryParameters?: Record<string, boolean>;
    /**
     * Serve this route from the stage cache. Only GET routes, never a `/health` route, and the key must
     * cover everything the answer depends on: every `{param}` of the path and every declared query
     * parameter. On a route with the authorizer the caller's `Authorization` header is put first in the
     * key, so one caller's answer is never served to another. Takes effect where the API's
     * `cacheEnabled` is on.
     * @default undefined (not cached)
     * @example { ttlSeconds: 30, key: ["querystring.q", "querystring.limit"] }
     */
    cache?: RouteCache;
    /**
     * OAuth scopes, any one of which an access token must carry (`authorizationScopes`). Without scopes
     * the Cognito authorizer accepts ID tokens only and rejects every access token, so a client-credentials
     * client (which only ever gets an access token) cannot call the route; with scopes it accepts access
     * tokens only, checked against these scopes (API Gateway developer guide, "Integrate a REST API with an
     * Amazon Cognito user pool"; AWS re:Post "need access token as header in cognito"). A route that needs
     * ID-token claims (the verified `email`, which access tokens lack) leaves this out.
     * @default undefined (ID tokens only)
     */
    scopes?: string[];
}

/** How a route is cached. */
export interface RouteCache {
    /** Seconds an answer is served from the cache: 1 to 3600 (API Gateway's maximum TTL). */
    ttlSeconds: number;
    /**
     * The request parameters the answer depends on, as `path.<name>`, `querystring.<name>` or
     * `header.<Name>`; each must be declared by the route (its path or `queryParameters`; a header is
     * declared by naming it here). The caller's `Authorization` header need not be listed: authorized
     * routes always lead their key with it.
     */
    key: string[];
}

/** The function behind the API: its `live` alias, which every route integrates with. */
export interface ApiHandler {
    /** Physical function name. */
    functionName: pulumi.Input<string>;
    /** API Gateway invoke ARN of the `live` alias. */
    aliasInvokeArn: pulumi.Input<string>;
}

export interface ApiArgs extends ComponentOptions<ApiChildren> {
    /**
     * The name in the API's physical names (`<project>-<stack>-<physicalName>`: the REST API, its log
     * groups and role), when it differs from the component's logical name.
     * @default the component's name
     */
    physicalName?: string;
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** The routes; each integrates with `handler` (Lambda proxy). */
    routes: RouteSpec[];
    /** The function that serves every route. */
    handler: ApiHandler;
    /** ARN of the Cognito user pool whose tokens the authorizer accepts. */
    userPoolArn: pulumi.Input<string>;
    /** ARN of the regional WAF web ACL associated with the stage. */
    webAclArn: pulumi.Input<string>;
    /**
     * Stage name: the first path segment of every URL.
     * @default "v1"
     */
    stageName?: string;
    /** Steady-state requests per second before throttling (1 to 10000). */
    throttleRateLimit: number;
    /** Burst of requests before throttling (1 to 5000). */
    throttleBurstLimit: number;
    /** Turn on the stage cache (always encrypted). */
    cacheEnabled: boolean;
    /** Cache cluster size in GB when the cache is on. */
    cacheSizeGb: ApiCacheSize;
    /** Days access and execution logs are kept. */
    logRetentionDays: number;
    /** ARN of the KMS key for the log groups. */
    logsKeyArn: pulumi.Input<string>;
    /** Where the alarms go. */
    routing: AlarmRouting;
    /** Share of requests answered 5xx (percent, per minute, 3 of 5 minutes) that raises the critical alarm (1 to 100). */
    fiveXxRatePercent: number;
    /** p99 latency in ms that raises the warning latency alarm (50 to 29000). */
    latencyP99Ms: number;
}

const ACCESS_LOG_FORMAT = JSON.stringify({
    requestId: "$context.requestId",
    extendedRequestId: "$context.extendedRequestId",
    ip: "$context.identity.sourceIp",
    caller: "$context.authorizer.claims.sub",
    requestTime: "$context.requestTimeEpoch",
    httpMethod: "$context.httpMethod",
    resourcePath: "$context.resourcePath",
    status: "$context.status",
    protocol: "$context.protocol",
    responseLength: "$context.responseLength",
    latencyMs: "$context.responseLatency",
    integrationLatencyMs: "$context.integration.latency",
    integrationStatus: "$context.integration.status",
    wafStatus: "$context.waf.status",
    xrayTraceId: "$context.xrayTraceId",
    errorMessage: "$context.error.message",
});

const PATH = /^\/([A-Za-z0-9_.-]+|\{[A-Za-z0-9_]+\})(\/([A-Za-z0-9_.-]+|\{[A-Za-z0-9_]+\}))*$/;

/**
 * The code of API Gateway's own error answers, by gateway response type: a required parameter missing,
 * a body the model rejects, no or a bad token, a missing scope, throttling, anything else. Each answers
 * in the body every other error of the API has, `{ "error": { "code", "message", "details" } }`, so a
 * client handles one shape whether the gateway or the function refused the request.
 */
export const GATEWAY_ERROR_CODES = {
    BAD_REQUEST_PARAMETERS: "invalid_parameters",
    BAD_REQUEST_BODY: "validation_failed",
    UNAUTHORIZED: "unauthorized",
    ACCESS_DENIED: "forbidden",
    THROTTLED: "throttled",
    DEFAULT_4XX: "request_rejected",
    DEFAULT_5XX: "gateway_error",
} as const;

/**
 * The body of a gateway response. Gateway responses take `$context` variables only (no `$util`);
 * `$context.error.messageString` is the gateway's message already quoted as a JSON string.
 */
export function gatewayErrorTemplate(code: string): string {
    return `{"error":{"code":"${code}","message":$context.error.messageString,"details":{"requestId":"$context.requestId"}}}`;
}

const QUERY_NAME = /^[A-Za-z0-9_.~-]+$/;
const KEY_ENTRY = /^(path|querystring|header)\.([A-Za-z0-9_.~-]+)$/;
const AUTHORIZATION = "method.request.header.Authorization";

/** What a route declares on its method, and, when cached, what its integration keys the cache by. */
interface RouteShape {
    /** `method.request.*` -> required. */
    requestParameters: Record<string, boolean>;
    /** `method.request.*` in key order; undefined when the route is not cached. */
    cacheKey?: string[];
}

/** The route in logical names: `get-orders-id` for GET /orders/{id}. */
function slugOf(r: RouteSpec): string {
    return `${r.method.toLowerCase()}${r.path.replace(/[{}]/g, "").replace(/\//g, "-")}`;
}

/** Validates a route's query parameters, cache and scopes, and derives what its method declares. */
function routeShape(C: string, route: string, r: RouteSpec): RouteShape {
    const pathParams = [...r.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
    const query = r.queryParameters ?? {};
    for (const [q, required] of Object.entries(query)) {
        if (!QUERY_NAME.test(q) || typeof required !== "boolean") {
            invalid(
                C,
                `routes[${route}].queryParameters.${q}`,
                required,
                "allowed: a query parameter name (letters, digits, _ . ~ -) mapped to true (required) or false (optional)",
            );
        }
    }
    const requestParameters: Record<string, boolean> = {
        ...Object.fromEntries(pathParams.map((p) => [`method.request.path.${p}`, true])),
        ...Object.fromEntries(Object.entries(query).map(([q, required]) => [`method.request.querystring.${q}`, required])),
    };
    const authorized = r.publicReason === undefined;
    if (r.scopes !== undefined) {
        if (!authorized) {
            invalid(C, `routes[${route}].scopes`, r.scopes, "allowed only on a route with the authorizer; a public route takes no token");
        }
        if (!Array.isArray(r.scopes) || r.scopes.length === 0 || r.scopes.some((s) => typeof s !== "string" || !/^\S+$/.test(s))) {
            invalid(
                C,
                `routes[${route}].scopes`,
                r.scopes,
                "allowed: one or more non-empty scope names without spaces, e.g. orders/orders.read; leave scopes out to accept ID tokens",
            );
        }
    }
    if (r.cache === undefined) {
        return { requestParameters };
    }
    const at = `routes[${route}].cache`;
    if (r.method !== "GET") {
        invalid(C, at, r.cache, `allowed only on GET routes: a ${r.method} is a write, and a write is never cached`);
    }
    if (r.path.endsWith("/health")) {
        invalid(C, at, r.cache, "a health route is never cached: deploy checks and smoke tests must read the live answer");
    }
    checkInt(C, `${at}.ttlSeconds`, r.cache.ttlSeconds, 1, MAX_CACHE_TTL_SECONDS);
    if (!Array.isArray(r.cache.key)) {
        invalid(C, `${at}.key`, r.cache.key, "allowed: a list of path.<name>, querystring.<name> or header.<Name>");
    }
    const key: string[] = [];
    for (const entry of r.cache.key) {
        const m = typeof entry === "string" ? KEY_ENTRY.exec(entry) : null;
        if (!m) {
            invalid(C, `${at}.key`, entry, "allowed: path.<name>, querystring.<name> or header.<Name>");
        }
        const [, where, param] = m;
        if (where === "path" && !pathParams.includes(param)) {
            invalid(C, `${at}.key`, entry, `names a path parameter ${r.path} does not have; its path parameters: ${pathParams.join(", ") || "none"}`);
        }
        if (where === "querystring" && !Object.keys(query).includes(param)) {
            invalid(
                C,
                `${at}.key`,
                entry,
                `names a query parameter the route does not declare; declare it in queryParameters (declared: ${Object.keys(query).join(", ") || "none"})`,
            );
        }
        const full = `method.request.${entry}`;
        if (key.includes(full) || (authorized && full.toLowerCase() === AUTHORIZATION.toLowerCase())) {
            const why = key.includes(full)
                ? "each parameter may appear once"
                : "leave the Authorization header out: an authorized route always leads its key with it";
            invalid(C, `${at}.key`, entry, why);
        }
        key.push(full);
    }
    const missing = [...pathParams.map((p) => `path.${p}`), ...Object.keys(query).map((q) => `querystring.${q}`)].filter(
        (k) => !key.includes(`method.request.${k}`),
    );
    if (missing.length > 0) {
        invalid(
            C,
            `${at}.key`,
            r.cache.key,
            `misses ${missing.join(", ")}: the route reads something the key does not cover, so one request's answer would be served to another`,
        );
    }
    for (const k of key.filter((k) => k.startsWith("method.request.header."))) {
        // Optional: a header the caller leaves out is a key of its own, not a 400.
        requestParameters[k] = false;
    }
    if (authorized) {
        // Declared so it can key the cache; not required here, because the authorizer already answers 401 without it.
        requestParameters[AUTHORIZATION] = false;
    }
    return { requestParameters, cacheKey: authorized ? [AUTHORIZATION, ...key] : key };
}

/** The kinds of child resources Api creates, and the arguments a `transform` of each may edit. */
export interface ApiChildren extends ChildKinds {
    account: aws.apigateway.AccountArgs;
    authorizer: aws.apigateway.AuthorizerArgs;
    deployment: aws.apigateway.DeploymentArgs;
    integration: aws.apigateway.IntegrationArgs;
    logGroup: aws.cloudwatch.LogGroupArgs;
    logMetricFilter: aws.cloudwatch.LogMetricFilterArgs;
    method: aws.apigateway.MethodArgs;
    methodSettings: aws.apigateway.MethodSettingsArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    model: aws.apigateway.ModelArgs;
    permission: aws.lambda.PermissionArgs;
    requestValidator: aws.apigateway.RequestValidatorArgs;
    resource: aws.apigateway.ResourceArgs;
    response: aws.apigateway.ResponseArgs;
    restApi: aws.apigateway.RestApiArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
    stage: aws.apigateway.StageArgs;
    webAclAssociation: aws.wafv2.WebAclAssociationArgs;
}
const API_CHILD_KINDS = [
    "account",
    "authorizer",
    "deployment",
    "integration",
    "logGroup",
    "logMetricFilter",
    "method",
    "methodSettings",
    "metricAlarm",
    "model",
    "permission",
    "requestValidator",
    "resource",
    "response",
    "restApi",
    "role",
    "rolePolicy",
    "stage",
    "webAclAssociation",
] as const;

/**
 * A REST API: a Cognito authorizer on every route that does not state why it is public, request
 * validation for bodies, Lambda proxy integrations with the handler's `live` alias, a stage with
 * JSON access logs, ERROR execution logs, X-Ray, throttling and an optional encrypted cache, the
 * regional WAF web ACL, and alarms on the 5xx rate and p99 latency.
 */
export class Api extends Component<ApiChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** REST API id. */
    public readonly apiId: pulumi.Output<string>;
    /** REST API name: the `ApiName` dimension of its CloudWatch metrics. */
    public readonly apiName: pulumi.Output<string>;
    /** Base URL of the stage, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/v1. */
    public readonly apiUrl: pulumi.Output<string>;
    /** Stage name. */
    public readonly stageName: pulumi.Output<string>;
    /** Execution ARN of the API (for invoke permissions). */
    public readonly executionArn: pulumi.Output<string>;
    /** Name of the access log group. */
    public readonly accessLogGroupName: pulumi.Output<string>;
    /**
     * Names of the stage's 5xx-rate and p99 latency alarms: what callers see, so a release of the
     * function behind the API rolls back on them.
     */
    public readonly rollbackAlarmNames: pulumi.Output<string>[];

    constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:api:Api", "Api", name, API_CHILD_KINDS, args, opts);
        if (args.routes.length === 0) {
            this.invalid("routes", args.routes, "allowed: at least one route");
        }
        const seen = new Set<string>();
        const shapes = new Map<RouteSpec, RouteShape>();
        for (const r of args.routes) {
            if (!(HTTP_METHODS as readonly string[]).includes(r.method)) {
                this.invalid("routes[].method", r.method, `allowed: ${HTTP_METHODS.join(", ")}`);
            }
            if (!PATH.test(r.path)) {
                this.invalid("routes[].path", r.path, "allowed: /segment/{param} paths without a trailing slash");
            }
            const key = `${r.method} ${r.path}`;
            if (seen.has(key)) {
                this.invalid("routes", key, "each method and path may appear once");
            }
            seen.add(key);
            if (r.publicReason !== undefined && r.publicReason.trim().length < 10) {
                this.invalid(`routes[${key}].publicReason`, r.publicReason, "a public route needs a real reason (10 characters or more)");
            }
            shapes.set(r, routeShape(this.className, key, r));
        }
        const stageName = args.stageName ?? "v1";
        if (!/^[A-Za-z0-9_]{1,64}$/.test(stageName)) {
            this.invalid("stageName", stageName, "allowed: letters, digits and underscores");
        }
        this.checkInt("throttleRateLimit", args.throttleRateLimit, 1, 10000);
        this.checkInt("throttleBurstLimit", args.throttleBurstLimit, 1, 5000);
        if (args.throttleBurstLimit < args.throttleRateLimit) {
            this.invalid(
                "throttleBurstLimit",
                args.throttleBurstLimit,
                `allowed: at least throttleRateLimit (${args.throttleRateLimit}); a smaller token bucket throttles a steady load at the rate itself`,
            );
        }
        this.checkInt("logRetentionDays", args.logRetentionDays, 1, 3653);
        this.checkInt("fiveXxRatePercent", args.fiveXxRatePercent, 1, 100);
        this.checkInt("latencyP99Ms", args.latencyP99Ms, 50, 29000);
        if (!(API_CACHE_SIZES as readonly string[]).includes(args.cacheSizeGb)) {
            this.invalid("cacheSizeGb", args.cacheSizeGb, `allowed: ${API_CACHE_SIZES.join(", ")}`);
        }
        const ctx = args.context;
        const physical = `${ctx.namePrefix}-${args.physicalName ?? name}`;

        const api = this.create(
            "restApi",
            aws.apigateway.RestApi,
            `api`,
            { name: physical, description: `${physical} REST API`, endpointConfiguration: { types: "REGIONAL" }, tags: ctx.tags },
            { parent: this },
        );
        const authorizer = this.create(
            "authorizer",
            aws.apigateway.Authorizer,
            `cognito`,
            {
                restApi: api.id,
                name: "cognito",
                type: "COGNITO_USER_POOLS",
                providerArns: [args.userPoolArn],
                identitySource: "method.request.header.Authorization",
            },
            { parent: this },
        );
        const validator = this.create(
            "requestValidator",
            aws.apigateway.RequestValidator,
            `body-validator`,
            { restApi: api.id, name: "body-and-parameters", validateRequestBody: true, validateRequestParameters: true },
            { parent: this },
        );

        // One API Gateway resource per distinct path prefix, parents before children.
        const resources = new Map<string, pulumi.Input<string>>([["", api.rootResourceId]]);
        const resourceFor = (path: string): pulumi.Input<string> => {
            const existing = resources.get(path);
            if (existing !== undefined) {
                return existing;
            }
            const cut = path.lastIndexOf("/");
            const parentId = resourceFor(path.slice(0, cut));
            const segment = path.slice(cut + 1);
            const res = this.create(
                "resource",
                aws.apigateway.Resource,
                `res${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
                { restApi: api.id, parentId, pathPart: segment },
                { parent: this },
            );
            resources.set(path, res.id);
            return res.id;
        };

        const routeResources: pulumi.Resource[] = [];
        for (const r of args.routes) {
            const slug = slugOf(r);
            const resourceId = resourceFor(r.path);
            const hasBody = r.method !== "GET" && r.method !== "DELETE";
            let model: aws.apigateway.Model | undefined;
            if (r.bodySchema) {
                model = this.create(
                    "model",
                    aws.apigateway.Model,
                    `${slug}-model`,
                    {
                        restApi: api.id,
                        name: slug.replace(/[^A-Za-z0-9]/g, ""),
                        contentType: "application/json",
                        schema: JSON.stringify({ $schema: "http://json-schema.org/draft-04/schema#", ...r.bodySchema }),
                    },
                    { parent: this },
                );
            }
            const shape = shapes.get(r) as RouteShape;
            const method = this.create(
                "method",
                aws.apigateway.Method,
                `${slug}`,
                {
                    restApi: api.id,
                    resourceId,
                    httpMethod: r.method,
                    ...(r.publicReason === undefined
                        ? { authorization: "COGNITO_USER_POOLS", authorizerId: authorizer.id, ...(r.scopes ? { authorizationScopes: r.scopes } : {}) }
                        : { authorization: "NONE" }),
                    requestParameters: shape.requestParameters,
                    ...(hasBody || Object.values(shape.requestParameters).some((required) => required) ? { requestValidatorId: validator.id } : {}),
                    ...(model ? { requestModels: { "application/json": model.name } } : {}),
                },
                { parent: this },
            );
            const integration = this.create(
                "integration",
                aws.apigateway.Integration,
                `${slug}-integration`,
                {
                    restApi: api.id,
                    resourceId,
                    httpMethod: method.httpMethod,
                    type: "AWS_PROXY",
                    integrationHttpMethod: "POST",
                    uri: args.handler.aliasInvokeArn,
                    timeoutMilliseconds: 29000,
                    // A proxy integration cannot map parameters; the key names the method's declared ones.
                    ...(shape.cacheKey ? { cacheKeyParameters: shape.cacheKey, cacheNamespace: `${args.physicalName ?? name}-${slug}` } : {}),
                },
                { parent: this },
            );
            routeResources.push(method, integration);
        }
        const cachedRoutes = args.routes.filter((r) => r.cache !== undefined);
        for (const [responseType, code] of Object.entries(GATEWAY_ERROR_CODES)) {
            routeResources.push(
                this.create(
                    "response",
                    aws.apigateway.Response,
                    `${responseType.toLowerCase().replace(/_/g, "-")}-response`,
                    {
                        restApiId: api.id,
                        responseType,
                        responseTemplates: { "application/json": gatewayErrorTemplate(code) },
                        // The function's answers carry these too (functions/api/http.ts).
                        responseParameters: {
                            "gatewayresponse.header.Cache-Control": "'no-store'",
                            "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
                        },
                    },
                    { parent: this },
                ),
            );
        }

        // Only API Gateway, only from this API, only the live alias.
        this.create(
            "permission",
            aws.lambda.Permission,
            `invoke`,
            {
                action: "lambda:InvokeFunction",
                function: args.handler.functionName,
                qualifier: LIVE_ALIAS,
                principal: "apigateway.amazonaws.com",
                sourceArn: pulumi.interpolate`${api.executionArn}/*/*`,
            },
            { parent: this },
        );

        // API Gateway writes execution and access logs with one role per account and region.
        const logsRole = this.create(
            "role",
            aws.iam.Role,
            `cloudwatch-role`,
            {
                name: `${physical}-cloudwatch`,
                assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        const logGroups = arn(ctx, "logs", "log-group:API-Gateway-Execution-Logs_*");
        const accessLogArn = arn(ctx, "logs", `log-group:/aws/apigateway/${physical}-*`);
        const logsPolicy = this.create(
            "rolePolicy",
            aws.iam.RolePolicy,
            `cloudwatch-policy`,
            {
                role: logsRole.name,
                policy: policyDocument([
                    {
                        sid: "WriteApiLogs",
                        actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        resources: [logGroups, pulumi.interpolate`${logGroups}:*`, accessLogArn, pulumi.interpolate`${accessLogArn}:*`],
                    },
                ]),
            },
            { parent: this },
        );
        // This setting is per account and region; every stack sets its own role, each sufficient.
        const account = this.create(
            "account",
            aws.apigateway.Account,
            `account`,
            { cloudwatchRoleArn: logsRole.arn },
            { parent: this, dependsOn: [logsPolicy] },
        );

        const accessLogs = this.create(
            "logGroup",
            aws.cloudwatch.LogGroup,
            `access-logs`,
            { name: `/aws/apigateway/${physical}-access`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn, tags: ctx.tags },
            { parent: this },
        );
        // Created ahead of API Gateway so it has retention and encryption from the first log line.
        const executionLogs = this.create(
            "logGroup",
            aws.cloudwatch.LogGroup,
            `execution-logs`,
            {
                name: pulumi.interpolate`API-Gateway-Execution-Logs_${api.id}/${stageName}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.logsKeyArn,
                tags: ctx.tags,
            },
            { parent: this },
        );

        // Gateway responses, like routes, only take effect in a new deployment.
        const routeHash = createHash("sha256")
            .update(JSON.stringify(args.routes))
            .update(JSON.stringify(Object.entries(GATEWAY_ERROR_CODES).map(([type, code]) => [type, gatewayErrorTemplate(code)])))
            .digest("hex");
        const deployment = this.create(
            "deployment",
            aws.apigateway.Deployment,
            `deployment`,
            {
                restApi: api.id,
                description: `routes ${routeHash.slice(0, 12)}`,
                // A new deployment whenever the routes change; the stage then points at it.
                triggers: { routes: routeHash },
            },
            { parent: this, dependsOn: routeResources },
        );
        const stage = this.create(
            "stage",
            aws.apigateway.Stage,
            `stage`,
            {
                restApi: api.id,
                deployment: deployment.id,
                stageName,
                xrayTracingEnabled: true,
                accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
                // A cache cluster is billed by the hour; none without a route to serve from it.
                cacheClusterEnabled: args.cacheEnabled && cachedRoutes.length > 0,
                cacheClusterSize: args.cacheSizeGb,
                tags: ctx.tags,
            },
            { parent: this, dependsOn: [account, executionLogs] },
        );
        const stageWide = {
            loggingLevel: "ERROR",
            // Full request/response bodies in logs would leak tokens and personal data.
            dataTraceEnabled: false,
            metricsEnabled: true,
            throttlingRateLimit: args.throttleRateLimit,
            throttlingBurstLimit: args.throttleBurstLimit,
        };
        const cacheControl = { cacheDataEncrypted: true, requireAuthorizationForCacheControl: true, unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403" };
        // Stage-wide caching would cache every GET keyed by its path alone, so one caller's orders would
        // be served to the next: caching is off here and opted into per route below.
        let previous: pulumi.Resource = this.create(
            "methodSettings",
            aws.apigateway.MethodSettings,
            `method-settings`,
            { restApi: api.id, stageName: stage.stageName, methodPath: "*/*", settings: { ...stageWide, cachingEnabled: false, ...cacheControl } },
            { parent: this },
        );
        for (const r of cachedRoutes) {
            const slug = slugOf(r);
            previous = this.create(
                "methodSettings",
                aws.apigateway.MethodSettings,
                `${slug}-cache`,
                {
                    restApi: api.id,
                    stageName: stage.stageName,
                    methodPath: `${r.path.slice(1)}/${r.method}`,
                    settings: {
                        // The provider sends an omitted throttling limit as its default -1, "throttling disabled"
                        // (@pulumi/aws MethodSettingsSettings, aws_api_gateway_method_settings), so an override
                        // without them would lift the stage's throttle from this route. Logging and metrics are
                        // repeated too, so the override does not rest on what API Gateway copies from `*/*`.
                        ...stageWide,
                        // Off where the stack's cache is off: the resource exists in every stack, only the value differs.
                        cachingEnabled: args.cacheEnabled,
                        cacheTtlInSeconds: (r.cache as RouteCache).ttlSeconds,
                        ...cacheControl,
                    },
                },
                // Each MethodSettings patches the same stage; API Gateway refuses concurrent updates to it.
                { parent: this, dependsOn: [previous] },
            );
        }
        this.create("webAclAssociation", aws.wafv2.WebAclAssociation, `waf`, { resourceArn: stage.arn, webAclArn: args.webAclArn }, { parent: this });

        const dims = { ApiName: api.name, Stage: stage.stageName };
        const fiveXx = createAlarm(
            `${name}-5xx-rate`,
            {
                description: `${physical}: more than ${args.fiveXxRatePercent}% of requests answered 5xx in 3 of 5 minutes.`,
                severity: "critical",
                // Averaged, 5XXError is the share of requests that failed (0 to 1).
                signal: { kind: "metric", metric: { namespace: "AWS/ApiGateway", metricName: "5XXError", dimensions: dims, stat: "Average" } },
                threshold: args.fiveXxRatePercent / 100,
                comparisonOperator: "GreaterThanThreshold",
                ...ROLLBACK_ALARM_WINDOW,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );
        const latency = createAlarm(
            `${name}-latency-p99`,
            {
                description: `${physical}: p99 latency above ${args.latencyP99Ms} ms in 3 of 5 minutes.`,
                severity: "warning",
                signal: { kind: "metric", metric: { namespace: "AWS/ApiGateway", metricName: "Latency", dimensions: dims, stat: "p99" } },
                threshold: args.latencyP99Ms,
                comparisonOperator: "GreaterThanThreshold",
                ...ROLLBACK_ALARM_WINDOW,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );

        // Scaling triggers: a rate nearing the throttle, and requests already refused by it. REST APIs publish
        // no 429 metric (throttled requests are in 4XXError with every other 4xx): the access log says which.
        stageRequestRateAlarm(`${name}-request-rate`, dims, physical, args.throttleRateLimit, args.routing, {
            parent: this,
            hooks: this.childHooks("metricAlarm"),
            tags: ctx.tags,
        });
        const throttledMetric = { namespace: physical, metricName: "ThrottledRequests" };
        this.create(
            "logMetricFilter",
            aws.cloudwatch.LogMetricFilter,
            `throttled-filter`,
            {
                name: `${physical}-throttled`,
                logGroupName: accessLogs.name,
                // The access log writes the status as a string ("$context.status").
                pattern: '{ $.status = "429" }',
                metricTransformation: { name: throttledMetric.metricName, namespace: throttledMetric.namespace, value: "1", defaultValue: "0", unit: "Count" },
            },
            { parent: this },
        );
        stageThrottledAlarm(`${name}-throttled`, throttledMetric, physical, args.routing, {
            parent: this,
            hooks: this.childHooks("metricAlarm"),
            tags: ctx.tags,
        });

        this.apiId = api.id;
        this.apiName = api.name;
        this.apiUrl = stage.invokeUrl;
        this.stageName = stage.stageName;
        this.monitored = { restApi: { name: this.apiName, stage: stage.stageName, cacheEnabled: args.cacheEnabled } };
        this.executionArn = api.executionArn;
        this.accessLogGroupName = accessLogs.name;
        this.rollbackAlarmNames = [fiveXx.alarm.name, latency.alarm.name];
        this.registerOutputs({ apiId: this.apiId, apiUrl: this.apiUrl, stageName: this.stageName });
    }
}
