import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting, createAlarm } from "./alarms";
import { API_CACHE_SIZES } from "../config";
import { PlatformContext, arn, checkInt, invalid } from "./context";
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
}

/** The function behind the API: its `live` alias, which every route integrates with. */
export interface ApiHandler {
    /** Physical function name. */
    functionName: pulumi.Input<string>;
    /** API Gateway invoke ARN of the `live` alias. */
    aliasInvokeArn: pulumi.Input<string>;
}

export interface ApiArgs {
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
    cacheSizeGb: (typeof API_CACHE_SIZES)[number];
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
 * A REST API: a Cognito authorizer on every route that does not state why it is public, request
 * validation for bodies, Lambda proxy integrations with the handler's `live` alias, a stage with
 * JSON access logs, ERROR execution logs, X-Ray, throttling and an optional encrypted cache, the
 * regional WAF web ACL, and alarms on the 5xx rate and p99 latency.
 */
export class Api extends pulumi.ComponentResource {
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

    constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:api:Api", name, {}, opts);
        const C = "Api";
        if (args.routes.length === 0) {
            invalid(C, "routes", args.routes, "allowed: at least one route");
        }
        const seen = new Set<string>();
        for (const r of args.routes) {
            if (!(HTTP_METHODS as readonly string[]).includes(r.method)) {
                invalid(C, "routes[].method", r.method, `allowed: ${HTTP_METHODS.join(", ")}`);
            }
            if (!PATH.test(r.path)) {
                invalid(C, "routes[].path", r.path, "allowed: /segment/{param} paths without a trailing slash");
            }
            const key = `${r.method} ${r.path}`;
            if (seen.has(key)) {
                invalid(C, "routes", key, "each method and path may appear once");
            }
            seen.add(key);
            if (r.publicReason !== undefined && r.publicReason.trim().length < 10) {
                invalid(C, `routes[${key}].publicReason`, r.publicReason, "a public route needs a real reason (10 characters or more)");
            }
        }
        const stageName = args.stageName ?? "v1";
        if (!/^[A-Za-z0-9_]{1,64}$/.test(stageName)) {
            invalid(C, "stageName", stageName, "allowed: letters, digits and underscores");
        }
        checkInt(C, "throttleRateLimit", args.throttleRateLimit, 1, 10000);
        checkInt(C, "throttleBurstLimit", args.throttleBurstLimit, 1, 5000);
        checkInt(C, "logRetentionDays", args.logRetentionDays, 1, 3653);
        checkInt(C, "fiveXxRatePercent", args.fiveXxRatePercent, 1, 100);
        checkInt(C, "latencyP99Ms", args.latencyP99Ms, 50, 29000);
        if (!(API_CACHE_SIZES as readonly string[]).includes(args.cacheSizeGb)) {
            invalid(C, "cacheSizeGb", args.cacheSizeGb, `allowed: ${API_CACHE_SIZES.join(", ")}`);
        }
        const ctx = args.context;
        const physical = `${ctx.namePrefix}-${name}`;

        const api = new aws.apigateway.RestApi(
            `${name}-api`,
            { name: physical, description: `${physical} REST API`, endpointConfiguration: { types: "REGIONAL" }, tags: ctx.tags },
            { parent: this },
        );
        const authorizer = new aws.apigateway.Authorizer(
            `${name}-cognito`,
            {
                restApi: api.id,
                name: "cognito",
                type: "COGNITO_USER_POOLS",
                providerArns: [args.userPoolArn],
                identitySource: "method.request.header.Authorization",
            },
            { parent: this },
        );
        const validator = new aws.apigateway.RequestValidator(
            `${name}-body-validator`,
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
            const res = new aws.apigateway.Resource(
                `${name}-res${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
                { restApi: api.id, parentId, pathPart: segment },
                { parent: this },
            );
            resources.set(path, res.id);
            return res.id;
        };

        const routeResources: pulumi.Resource[] = [];
        for (const r of args.routes) {
            const slug = `${r.method.toLowerCase()}${r.path.replace(/[{}]/g, "").replace(/\//g, "-")}`;
            const resourceId = resourceFor(r.path);
            const hasBody = r.method !== "GET" && r.method !== "DELETE";
            let model: aws.apigateway.Model | undefined;
            if (r.bodySchema) {
                model = new aws.apigateway.Model(
                    `${name}-${slug}-model`,
                    {
                        restApi: api.id,
                        name: slug.replace(/[^A-Za-z0-9]/g, ""),
                        contentType: "application/json",
                        schema: JSON.stringify({ $schema: "http://json-schema.org/draft-04/schema#", ...r.bodySchema }),
                    },
                    { parent: this },
                );
            }
            const pathParams = [...r.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
            const method = new aws.apigateway.Method(
                `${name}-${slug}`,
                {
                    restApi: api.id,
                    resourceId,
                    httpMethod: r.method,
                    ...(r.publicReason === undefined
                        ? { authorization: "COGNITO_USER_POOLS", authorizerId: authorizer.id }
                        : { authorization: "NONE" }),
                    requestParameters: Object.fromEntries(pathParams.map((p) => [`method.request.path.${p}`, true])),
                    ...(hasBody || pathParams.length > 0 ? { requestValidatorId: validator.id } : {}),
                    ...(model ? { requestModels: { "application/json": model.name } } : {}),
                },
                { parent: this },
            );
            const integration = new aws.apigateway.Integration(
                `${name}-${slug}-integration`,
                {
                    restApi: api.id,
                    resourceId,
                    httpMethod: method.httpMethod,
                    type: "AWS_PROXY",
                    integrationHttpMethod: "POST",
                    uri: args.handler.aliasInvokeArn,
                    timeoutMilliseconds: 29000,
                },
                { parent: this },
            );
            routeResources.push(method, integration);
        }

        // Only API Gateway, only from this API, only the live alias.
        new aws.lambda.Permission(
            `${name}-invoke`,
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
        const logsRole = new aws.iam.Role(
            `${name}-cloudwatch-role`,
            {
                name: `${physical}-cloudwatch`,
                assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        const logGroups = arn(ctx, "logs", "log-group:API-Gateway-Execution-Logs_*");
        const accessLogArn = arn(ctx, "logs", `log-group:/aws/apigateway/${physical}-*`);
        const logsPolicy = new aws.iam.RolePolicy(
            `${name}-cloudwatch-policy`,
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
        const account = new aws.apigateway.Account(`${name}-account`, { cloudwatchRoleArn: logsRole.arn }, { parent: this, dependsOn: [logsPolicy] });

        const accessLogs = new aws.cloudwatch.LogGroup(
            `${name}-access-logs`,
            { name: `/aws/apigateway/${physical}-access`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn, tags: ctx.tags },
            { parent: this },
        );
        // Created ahead of API Gateway so it has retention and encryption from the first log line.
        const executionLogs = new aws.cloudwatch.LogGroup(
            `${name}-execution-logs`,
            {
                name: pulumi.interpolate`API-Gateway-Execution-Logs_${api.id}/${stageName}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.logsKeyArn,
                tags: ctx.tags,
            },
            { parent: this },
        );

        const routeHash = createHash("sha256")
            .update(JSON.stringify(args.routes))
            .digest("hex");
        const deployment = new aws.apigateway.Deployment(
            `${name}-deployment`,
            {
                restApi: api.id,
                description: `routes ${routeHash.slice(0, 12)}`,
                // A new deployment whenever the routes change; the stage then points at it.
                triggers: { routes: routeHash },
            },
            { parent: this, dependsOn: routeResources },
        );
        const stage = new aws.apigateway.Stage(
            `${name}-stage`,
            {
                restApi: api.id,
                deployment: deployment.id,
                stageName,
                xrayTracingEnabled: true,
                accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
                cacheClusterEnabled: args.cacheEnabled,
                cacheClusterSize: args.cacheSizeGb,
                tags: ctx.tags,
            },
            { parent: this, dependsOn: [account, executionLogs] },
        );
        new aws.apigateway.MethodSettings(
            `${name}-method-settings`,
            {
                restApi: api.id,
                stageName: stage.stageName,
                methodPath: "*/*",
                settings: {
                    loggingLevel: "ERROR",
                    // Full request/response bodies in logs would leak tokens and personal data.
                    dataTraceEnabled: false,
                    metricsEnabled: true,
                    throttlingRateLimit: args.throttleRateLimit,
                    throttlingBurstLimit: args.throttleBurstLimit,
                    cachingEnabled: args.cacheEnabled,
                    cacheDataEncrypted: true,
                    cacheTtlInSeconds: 60,
                    requireAuthorizationForCacheControl: true,
                    unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403",
                },
            },
            { parent: this },
        );
        new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: stage.arn, webAclArn: args.webAclArn }, { parent: this });

        const dims = { ApiName: api.name, Stage: stage.stageName };
        createAlarm(
            `${name}-5xx-rate`,
            {
                description: `${physical}: more than ${args.fiveXxRatePercent}% of requests answered 5xx in 3 of 5 minutes.`,
                severity: "critical",
                // Averaged, 5XXError is the share of requests that failed (0 to 1).
                signal: { kind: "metric", metric: { namespace: "AWS/ApiGateway", metricName: "5XXError", dimensions: dims, stat: "Average" } },
                threshold: args.fiveXxRatePercent / 100,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            args.routing,
            { parent: this, tags: ctx.tags },
        );
        createAlarm(
            `${name}-latency-p99`,
            {
                description: `${physical}: p99 latency above ${args.latencyP99Ms} ms in 3 of 5 minutes.`,
                severity: "warning",
                signal: { kind: "metric", metric: { namespace: "AWS/ApiGateway", metricName: "Latency", dimensions: dims, stat: "p99" } },
                threshold: args.latencyP99Ms,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            args.routing,
            { parent: this, tags: ctx.tags },
        );

        this.apiId = api.id;
        this.apiName = api.name;
        this.apiUrl = stage.invokeUrl;
        this.stageName = stage.stageName;
        this.executionArn = api.executionArn;
        this.accessLogGroupName = accessLogs.name;
        this.registerOutputs({ apiId: this.apiId, apiUrl: this.apiUrl, stageName: this.stageName });
    }
}
