import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { PlatformContext } from "./context";
import { GLOBAL_REGION } from "./edge";
import { Monitorable, Monitored, Named, WebAclScope } from "./monitorable";

// --- Dashboard body model: what CloudWatch's dashboard JSON accepts, typed -------------------------

/** Metric dimensions; values may be Outputs of the resources the metric belongs to. */
export type Dimensions = Record<string, pulumi.Input<string>>;

/** One metric on a chart. */
export interface MetricLine {
    kind: "metric";
    namespace: string;
    metricName: string;
    dimensions: Dimensions;
    /** `Sum`, `Average`, `Maximum`, `SampleCount` or a percentile such as `p99`. */
    stat: string;
    label?: string;
    /** Id for use in an expression; lower-case first letter, as CloudWatch requires. */
    id?: string;
    /** Fetched for an expression only, not drawn. @default true */
    visible?: boolean;
}

/** A metric-math or SEARCH expression on a chart. */
export interface ExpressionLine {
    kind: "expression";
    expression: string;
    label: string;
    id: string;
}

export type Line = MetricLine | ExpressionLine;

/** A chart of metrics. */
export interface MetricWidget {
    type: "metric";
    title: string;
    lines: Line[];
    /** Region the metrics live in (CloudFront and its WAF ACL publish in us-east-1). */
    region: string;
    /** Seconds per datapoint. */
    period: number;
}

/** Markdown, e.g. links to consoles the dashboard does not chart. */
export interface TextWidget {
    type: "text";
    markdown: string;
}

/** The current state of a set of alarms. */
export interface AlarmWidget {
    type: "alarm";
    title: string;
    alarmArns: pulumi.Input<string>[];
}

export type Widget = MetricWidget | TextWidget | AlarmWidget;

/** A metric line. */
export function metric(
    namespace: string,
    metricName: string,
    dimensions: Dimensions,
    stat: string,
    extra: Partial<Pick<MetricLine, "label" | "id" | "visible">> = {},
): MetricLine {
    return { kind: "metric", namespace, metricName, dimensions, stat, ...extra };
}

/** An expression line. */
export function expression(id: string, label: string, expr: string): ExpressionLine {
    return { kind: "expression", id, label, expression: expr };
}

/** A chart. */
export function chart(title: string, region: string, lines: Line[], period = 300): MetricWidget {
    return { type: "metric", title, region, lines, period };
}

/** Serializes a line the way CloudWatch reads it: `[namespace, metric, dim, value, ..., options]`. */
function lineJson(line: Line): unknown[] {
    if (line.kind === "expression") {
        return [{ expression: line.expression, label: line.label, id: line.id }];
    }
    const dims = Object.entries(line.dimensions).flatMap(([k, v]) => [k, v]);
    const options: Record<string, unknown> = { stat: line.stat };
    if (line.label !== undefined) options.label = line.label;
    if (line.id !== undefined) options.id = line.id;
    if (line.visible === false) options.visible = false;
    return [line.namespace, line.metricName, ...dims, options];
}

const FULL_WIDTH = 24;

/**
 * Places widgets on CloudWatch's 24-column grid: text across the whole width, charts two per row,
 * in the order given, so a dashboard reads top to bottom like the list that built it.
 */
export function dashboardBody(widgets: Widget[]): pulumi.Output<string> {
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    const placed = widgets.map((w) => {
        const width = w.type === "text" ? FULL_WIDTH : 12;
        const height = w.type === "text" ? 2 : 6;
        if (x + width > FULL_WIDTH) {
            x = 0;
            y += rowHeight;
            rowHeight = 0;
        }
        const position = { x, y, width, height };
        x += width;
        rowHeight = Math.max(rowHeight, height);
        switch (w.type) {
            case "text":
                return { type: "text", ...position, properties: { markdown: w.markdown } };
            case "alarm":
                return { type: "alarm", ...position, properties: { title: w.title, alarms: w.alarmArns } };
            case "metric":
                return {
                    type: "metric",
                    ...position,
                    properties: { title: w.title, region: w.region, view: "timeSeries", stacked: false, period: w.period, metrics: w.lines.map(lineJson) },
                };
        }
    });
    return pulumi.jsonStringify({ widgets: placed });
}

// --- What the dashboards chart --------------------------------------------------------------------

/**
 * The business KPIs the handlers emit through Powertools Metrics (`functions/shared/observability.ts`,
 * `Kpi`), by the service (`POWERTOOLS_SERVICE_NAME`, the function's logical name) that emits them.
 * Only metrics the code emits: test/components/observability.spec.ts checks each against the handlers.
 */
export const BUSINESS_KPIS: readonly { title: string; service: string; metrics: readonly string[] }[] = [
    { title: "Orders created and cancelled", service: "api", metrics: ["OrdersCreated", "OrdersCancelled"] },
    {
        title: "Order emails",
        service: "email-worker",
        metrics: ["EmailsSent", "EmailsSuppressed", "EmailSendFailures", "EmailDeliveryUncertain", "DuplicateEventsSkipped"],
    },
    { title: "Search index updates", service: "search-indexer", metrics: ["SearchDocumentsUpserted", "SearchDocumentsDeleted"] },
    { title: "Bounces and complaints", service: "ses-feedback", metrics: ["BouncesRecorded", "ComplaintsRecorded", "AddressesSuppressed"] },
];

/** The per-currency order value metric (`OrderValue`, dimensions service and currency). */
export const ORDER_VALUE = { service: "api", metricName: "OrderValue", dimension: "currency" } as const;

export interface DashboardsArgs extends ComponentOptions<DashboardsChildren> {
    /** Account, region and naming facts; dashboards are named `<namePrefix>-<kind>`. */
    context: PlatformContext;
    /**
     * The components to chart. Their functions, queues and topics appear on each chart in the order the
     * components are given. Between them they give one REST API, table, distribution, search collection
     * and user pool, one web ACL of each scope and the CloudTrail security events, and at least one
     * function, queue, dead-letter queue and topic; the functions include every service that emits the
     * business KPIs ({@link BUSINESS_KPIS}).
     */
    components: Monitorable[];
    /** Namespace the handlers publish business metrics to (`POWERTOOLS_METRICS_NAMESPACE`). */
    kpiNamespace: string;
}

/** What the charts name: the components' {@link Monitored} gathered, one of each single resource. */
interface Charted {
    api: NonNullable<Monitored["restApi"]>;
    functions: Named[];
    kpiNamespace: string;
    tableName: pulumi.Input<string>;
    queues: Named[];
    deadLetterQueues: Named[];
    topics: Named[];
    edge: { distributionId: pulumi.Input<string>; webAclMetricName: string };
    apiWebAclMetricName: string;
    search: { collectionName: pulumi.Input<string>; collectionId: pulumi.Input<string> };
    identity: { userPoolId: pulumi.Input<string>; signInClientId: pulumi.Input<string> };
    security: NonNullable<Monitored["securityEvents"]>;
}

export const DASHBOARD_KINDS = ["application", "infrastructure", "business", "security"] as const;
export type DashboardKind = (typeof DASHBOARD_KINDS)[number];

/** The kinds of child resources Dashboards creates, and the arguments a `transform` of each may edit. */
export interface DashboardsChildren extends ChildKinds {
    dashboard: aws.cloudwatch.DashboardArgs;
}
const DASHBOARDS_CHILD_KINDS = ["dashboard"] as const;

/**
 * The four CloudWatch dashboards of a stack: application (API and functions), infrastructure (table,
 * queues, topics, CDN, search), business (the KPIs the handlers emit) and security (WAF, CloudTrail
 * metric filters, Cognito sign-ins). Every chart names a resource of the stack.
 */
export class Dashboards extends Component<DashboardsChildren> {
    /** Name of each dashboard. */
    public readonly dashboardNames: Record<DashboardKind, string>;
    /** Each dashboard's JSON body. */
    public readonly bodies: Record<DashboardKind, pulumi.Output<string>>;
    /** Each dashboard in the CloudWatch console, for runbooks and alert messages. */
    public readonly consoleUrls: Record<DashboardKind, string>;

    constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Dashboards", "Dashboards", name, DASHBOARDS_CHILD_KINDS, args, opts);
        if (!/^[^\s'"]+$/.test(args.kpiNamespace)) {
            this.invalid("kpiNamespace", args.kpiNamespace, "allowed: a CloudWatch namespace without spaces or quotes");
        }
        const charted = this.gather(args);
        const ctx = args.context;
        const bodies: Record<DashboardKind, pulumi.Output<string>> = {
            application: dashboardBody(applicationWidgets(ctx, charted)),
            infrastructure: dashboardBody(infrastructureWidgets(ctx, charted)),
            business: dashboardBody(businessWidgets(ctx, charted)),
            security: dashboardBody(securityWidgets(ctx, charted)),
        };
        const names = {} as Record<DashboardKind, string>;
        for (const kind of DASHBOARD_KINDS) {
            names[kind] = `${ctx.namePrefix}-${kind}`;
            this.create("dashboard", aws.cloudwatch.Dashboard, `${kind}`, { dashboardName: names[kind], dashboardBody: bodies[kind] }, { parent: this });
        }
        this.dashboardNames = names;
        this.bodies = bodies;
        this.consoleUrls = Object.fromEntries(
            DASHBOARD_KINDS.map((kind) => [kind, `${consoleBase(ctx)}/cloudwatch/home?region=${ctx.region}#dashboards/dashboard/${names[kind]}`]),
        ) as Record<DashboardKind, string>;
        this.registerOutputs({ dashboardNames: names, consoleUrls: this.consoleUrls });
    }

    /** The components' charted resources, checked so that no chart is empty and none is ambiguous. */
    private gather(args: DashboardsArgs): Charted {
        const given = args.components.map((c, i) => `${i}: ${c.constructor.name}`);
        const list = <K extends "functions" | "queues" | "deadLetterQueues" | "topics">(key: K, what: string): Named[] => {
            const all = args.components.flatMap((c) => c.monitored[key] ?? []);
            if (all.length === 0) {
                this.invalid("components", given, `allowed: components that give at least one ${what}; an empty chart hides that nothing is watched`);
            }
            const labels = all.map((n) => n.label);
            const twice = labels.filter((l, i) => labels.indexOf(l) !== i);
            if (twice.length > 0) {
                this.invalid("components", labels, `allowed: one ${what} per label on a chart; ${JSON.stringify(twice[0])} is given twice`);
            }
            return all;
        };
        const one = <T>(what: string, pick: (m: Monitored) => T | undefined): T => {
            const found = args.components.flatMap((c, i) => {
                const v = pick(c.monitored);
                return v === undefined ? [] : [{ v, at: given[i] }];
            });
            if (found.length !== 1) {
                const which = found.length === 0 ? "none gives one" : `${found.map((f) => f.at).join(", ")} each give one`;
                this.invalid("components", given, `allowed: components that give exactly one ${what} between them (the dashboards chart one); ${which}`);
            }
            return found[0].v;
        };
        const webAcl = (scope: WebAclScope) => one(`${scope} web ACL`, (m) => m.webAcls?.find((w) => w.scope === scope)?.metricName);
        const functions = list("functions", "function");
        const labels = functions.map((f) => f.label);
        for (const kpi of [...BUSINESS_KPIS, ORDER_VALUE]) {
            if (!labels.includes(kpi.service)) {
                this.invalid("components", labels, `their functions must include "${kpi.service}", the service that emits the business KPIs charted`);
            }
        }
        const security = one("set of CloudTrail security events", (m) => m.securityEvents);
        if (security.metrics.length === 0) {
            this.invalid("components", given, "allowed: security events with at least one CloudTrail metric filter");
        }
        const search = one("search collection", (m) => m.searchCollection);
        const pool = one("user pool", (m) => m.userPool);
        return {
            api: one("REST API", (m) => m.restApi),
            functions,
            kpiNamespace: args.kpiNamespace,
            tableName: one("table", (m) => m.table).name,
            queues: list("queues", "queue with a consumer"),
            deadLetterQueues: list("deadLetterQueues", "dead-letter queue"),
            topics: list("topics", "topic"),
            edge: { distributionId: one("distribution", (m) => m.distribution).id, webAclMetricName: webAcl("CLOUDFRONT") },
            apiWebAclMetricName: webAcl("REGIONAL"),
            search: { collectionName: search.name, collectionId: search.id },
            identity: { userPoolId: pool.id, signInClientId: pool.signInClientId },
            security,
        };
    }
}

/** The AWS console of the stack's partition and region. */
function consoleBase(ctx: PlatformContext): string {
    const hosts: Record<string, string> = { "aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com" };
    const host = hosts[ctx.partition] ?? "console.aws.amazon.com";
    return `https://${ctx.region}.${host}`;
}

function perFunction(args: Charted, metricName: string, stat: string): MetricLine[] {
    return args.functions.map((f) => metric("AWS/Lambda", metricName, { FunctionName: f.name }, stat, { label: f.label }));
}

function applicationWidgets(ctx: PlatformContext, args: Charted): Widget[] {
    const api = { ApiName: args.api.name, Stage: args.api.stage };
    const apiMetric = (metricName: string, stat: string, label: string) => metric("AWS/ApiGateway", metricName, api, stat, { label });
    const xray = `https://${ctx.region}.console.aws.amazon.com/cloudwatch/home?region=${ctx.region}`;
    const widgets: Widget[] = [
        // X-Ray is linked, not charted: its trace map already is the per-request view.
        { type: "text", markdown: `## Application\nTraces: [X-Ray trace map](${xray}#xray:service-map/map) · [traces](${xray}#xray:traces/query)` },
        chart("API latency (ms)", ctx.region, [apiMetric("Latency", "p50", "p50"), apiMetric("Latency", "p90", "p90"), apiMetric("Latency", "p99", "p99")], 60),
        chart(
            "API requests and errors",
            ctx.region,
            [apiMetric("Count", "Sum", "requests"), apiMetric("4XXError", "Sum", "4xx"), apiMetric("5XXError", "Sum", "5xx")],
            60,
        ),
    ];
    if (args.api.cacheEnabled) {
        widgets.push(chart("API cache", ctx.region, [apiMetric("CacheHitCount", "Sum", "hits"), apiMetric("CacheMissCount", "Sum", "misses")], 60));
    }
    widgets.push(
        chart("Function invocations", ctx.region, perFunction(args, "Invocations", "Sum"), 60),
        chart("Function errors", ctx.region, perFunction(args, "Errors", "Sum"), 60),
        chart("Function duration p99 (ms)", ctx.region, perFunction(args, "Duration", "p99"), 60),
        chart("Function throttles", ctx.region, perFunction(args, "Throttles", "Sum"), 60),
        chart("Function concurrent executions", ctx.region, perFunction(args, "ConcurrentExecutions", "Maximum"), 60),
    );
    return widgets;
}

/** The table operations the workload performs (the `Operation` dimension of request latency). */
export const TABLE_OPERATIONS = ["GetItem", "PutItem", "UpdateItem", "Query"] as const;

function infrastructureWidgets(ctx: PlatformContext, args: Charted): Widget[] {
    const table = { TableName: args.tableName };
    const cdn = { DistributionId: args.edge.distributionId, Region: "Global" };
    const aoss = { ClientId: ctx.accountId, CollectionId: args.search.collectionId, CollectionName: args.search.collectionName };
    return [
        chart("DynamoDB consumed capacity", ctx.region, [
            metric("AWS/DynamoDB", "ConsumedReadCapacityUnits", table, "Sum", { label: "read" }),
            metric("AWS/DynamoDB", "ConsumedWriteCapacityUnits", table, "Sum", { label: "write" }),
        ]),
        chart("DynamoDB throttled requests", ctx.region, [
            metric("AWS/DynamoDB", "ReadThrottleEvents", table, "Sum", { label: "read" }),
            metric("AWS/DynamoDB", "WriteThrottleEvents", table, "Sum", { label: "write" }),
        ]),
        chart(
            "DynamoDB latency (ms)",
            ctx.region,
            TABLE_OPERATIONS.map((op) => metric("AWS/DynamoDB", "SuccessfulRequestLatency", { ...table, Operation: op }, "Average", { label: op })),
        ),
        chart(
            "SQS age of oldest message (s)",
            ctx.region,
            args.queues.map((q) => metric("AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: q.name }, "Maximum", { label: q.label })),
        ),
        chart(
            "DLQ depth",
            ctx.region,
            args.deadLetterQueues.map((q) => metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: q.name }, "Maximum", { label: q.label })),
        ),
        chart(
            "SNS delivery failures",
            ctx.region,
            args.topics.map((t) => metric("AWS/SNS", "NumberOfNotificationsFailed", { TopicName: t.name }, "Sum", { label: t.label })),
        ),
        chart("CloudFront requests", GLOBAL_REGION, [metric("AWS/CloudFront", "Requests", cdn, "Sum", { label: "requests" })]),
        chart("CloudFront error rates (%)", GLOBAL_REGION, [
            metric("AWS/CloudFront", "4xxErrorRate", cdn, "Average", { label: "4xx" }),
            metric("AWS/CloudFront", "5xxErrorRate", cdn, "Average", { label: "5xx" }),
            metric("AWS/CloudFront", "TotalErrorRate", cdn, "Average", { label: "total" }),
        ]),
        chart("Search latency (ms) and errors", ctx.region, [
            metric("AWS/AOSS", "SearchRequestLatency", aoss, "Average", { label: "search latency" }),
            metric("AWS/AOSS", "SearchRequestErrors", aoss, "Sum", { label: "search errors" }),
            metric("AWS/AOSS", "IngestionRequestErrors", aoss, "Sum", { label: "ingestion errors" }),
        ]),
        chart("Search capacity (OCU)", ctx.region, [
            metric("AWS/AOSS", "SearchOCU", { ClientId: ctx.accountId }, "Maximum", { label: "search" }),
            metric("AWS/AOSS", "IndexingOCU", { ClientId: ctx.accountId }, "Maximum", { label: "indexing" }),
        ]),
    ];
}

function businessWidgets(ctx: PlatformContext, args: Charted): Widget[] {
    const ns = args.kpiNamespace;
    const kpi = (service: string, metricName: string, extra: Partial<Pick<MetricLine, "label" | "id" | "visible">> = {}) =>
        metric(ns, metricName, { service }, "Sum", { label: metricName, ...extra });
    // Currencies are data, not resources: SEARCH finds every currency the API has seen.
    const orderValue = `SEARCH('{"${ns}",${ORDER_VALUE.dimension},service} MetricName="${ORDER_VALUE.metricName}" service="${ORDER_VALUE.service}"', 'Sum', 3600)`;
    return [
        chart("Orders per hour", ctx.region, [kpi("api", "OrdersCreated", { id: "created" }), kpi("api", "OrdersCancelled", { id: "cancelled" })], 3600),
        chart(
            "Cancellation rate (%)",
            ctx.region,
            [
                kpi("api", "OrdersCreated", { id: "c", visible: false }),
                kpi("api", "OrdersCancelled", { id: "x", visible: false }),
                expression("rate", "cancelled per created (%)", "IF(c > 0, 100 * x / c, 0)"),
            ],
            3600,
        ),
        chart("Order value per hour, by currency", ctx.region, [expression("value", "order value", orderValue)], 3600),
        ...BUSINESS_KPIS.filter((k) => k.service !== "api").map((k) =>
            chart(
                k.title,
                ctx.region,
                k.metrics.map((m) => kpi(k.service, m)),
                3600,
            ),
        ),
    ];
}

function securityWidgets(ctx: PlatformContext, args: Charted): Widget[] {
    const waf = (metricName: string, dims: Dimensions, label: string) => metric("AWS/WAFV2", metricName, { ...dims, Rule: "ALL" }, "Sum", { label });
    const regional = { WebACL: args.apiWebAclMetricName, Region: ctx.region };
    // CloudFront ACLs publish in us-east-1 without a Region dimension.
    const global = { WebACL: args.edge.webAclMetricName };
    const signIn = { UserPool: args.identity.userPoolId, UserPoolClient: args.identity.signInClientId };
    return [
        { type: "alarm", title: "Security alarms (CloudTrail)", alarmArns: args.security.metrics.map((m) => m.alarmArn) },
        chart(
            "CloudTrail security events",
            ctx.region,
            args.security.metrics.map((m) => metric(args.security.namespace, m.metricName, {}, "Sum", { label: `${m.id} (${m.severity})` })),
        ),
        chart("API WAF: allowed and blocked", ctx.region, [waf("AllowedRequests", regional, "allowed"), waf("BlockedRequests", regional, "blocked")]),
        chart("CloudFront WAF: allowed and blocked", GLOBAL_REGION, [waf("AllowedRequests", global, "allowed"), waf("BlockedRequests", global, "blocked")]),
        chart("Cognito sign-ins", ctx.region, [
            // SignInSuccesses counts attempts as SampleCount and successes as Sum.
            metric("AWS/Cognito", "SignInSuccesses", signIn, "SampleCount", { id: "attempts", label: "attempts" }),
            metric("AWS/Cognito", "SignInSuccesses", signIn, "Sum", { id: "successes", label: "successes" }),
            expression("failures", "failures", "attempts - successes"),
        ]),
    ];
}
