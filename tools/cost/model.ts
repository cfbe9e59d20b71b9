/**
 * What a stack costs, from its offline preview, its config and the dated price table: the idle monthly cost
 * per resource (what is billed with no traffic at all) and the cost of a million API requests of the mix, per
 * service. List prices, no free tier. Not priced: GuardDuty and Security Hub (billed by events analysed and
 * checks run), Cognito users, S3 storage of the site and logs buckets, data transfer other than CloudFront's,
 * KMS requests (the services cache data keys): each is small for this workload or depends on use alone.
 */
import { CAPACITY_FUNCTIONS } from "../../config";
import { ACCESS_PATTERNS, ASSUMPTIONS, ROUTES } from "../capacity/access-patterns";
import { mixRates, type FunctionName, type Mix } from "../capacity/limits";
import { num, ofType, one, regionOf, type StackView } from "../capacity/stack";
import type { ResourceRecord } from "../preview/types";
import { firingsPerDay, weeklyAverage } from "./cron";
import { PRICED_REGIONS, priceOf, type PriceTable } from "./price-table";

export interface CostItem {
    service: string;
    /** The resource (logical name) or group of resources billed. */
    resource: string;
    monthly: number;
    /** How the figure is computed. */
    basis: string;
    /** The price table entries it uses. */
    prices: string[];
}

export interface RequestCost {
    service: string;
    what: string;
    perMillion: number;
    basis: string;
    prices: string[];
}

/** What the logs of one request weigh, ingested (bytes): a Powertools JSON line and its EMF metrics, the access log line, a WAF log record. */
export const LOG_BYTES = { apiFunction: 1500, accessLog: 800, wafRecord: 1500, emailWorker: 2000 } as const;
/** Share of requests X-Ray records past its reservoir (the default sampling rule: 1 a second and 5 %). */
export const XRAY_SAMPLED = 0.05;
/** Bytes CloudFront returns per API answer, on average. */
export const RESPONSE_BYTES = 2000;
/** Management events CloudTrail delivers to its log group a month, in GB, in an account this size. */
export const TRAIL_LOG_GB_MONTH = 0.2;
/** Table size when the config states none (`tableSizeGb`). */
export const DEFAULT_TABLE_GB = 1;

const GB = 1e9;

const priced = (region: string) => (PRICED_REGIONS as readonly string[]).includes(region);

/**
 * The region whose prices stand in for one the table lacks: `priceAs` where given (a stack deployed in
 * such a region, the standby prod-dr), else the stack's own. A stack in an unpriced region without
 * `priceAs` is refused by priceOf, naming the regions there are prices for.
 */
function standIn(stackRegion: string, priceAs?: string): string {
    return priceAs ?? stackRegion;
}

export function idleCosts(view: StackView, prices: PriceTable, priceAs?: string): CostItem[] {
    const { report, region: stackRegion } = view;
    const config = view.config as unknown as Record<string, unknown>;
    const hours = prices.hoursPerMonth;
    // A resource in a region the table has no prices for (a DR region) is priced as the stand-in, and says so.
    const fallback = standIn(stackRegion, priceAs);
    priceOf(prices, "kms.key", priced(stackRegion) ? stackRegion : fallback);
    const at = (r: ResourceRecord) => regionOf(report, r, stackRegion);
    const p = (key: string, r: ResourceRecord | string, size?: string) => {
        const region = typeof r === "string" ? r : at(r);
        return priceOf(prices, key, priced(region) ? region : fallback, size);
    };
    const items: CostItem[] = [];
    const add = (item: CostItem, r?: ResourceRecord) => {
        const region = r === undefined ? stackRegion : at(r);
        const elsewhere = !priced(region) ? ` (in ${region}, priced as ${fallback}: the table has no ${region} prices)` : "";
        items.push({ ...item, basis: item.basis + elsewhere, monthly: Math.round(item.monthly * 100) / 100 });
    };

    for (const key of ofType(report, "aws:kms/key:Key")) {
        add({ service: "KMS", resource: key.name, monthly: p("kms.key", key), basis: `1 customer managed key in ${at(key)}`, prices: ["kms.key"] }, key);
    }

    for (const vpc of ofType(report, "awsx:ec2:Vpc")) {
        const strategy = (vpc.inputs.natGateways as { strategy?: string } | undefined)?.strategy ?? "OnePerAz";
        const azs = num(vpc.inputs.numberOfAvailabilityZones) ?? 3;
        const nats = strategy === "None" ? 0 : strategy === "Single" ? 1 : azs;
        if (nats > 0)
            add(
                {
                    service: "VPC",
                    resource: `${vpc.name} NAT gateways`,
                    monthly: nats * hours * (p("vpc.natGatewayHour", vpc) + p("vpc.publicIpv4Hour", vpc)),
                    basis: `${nats} NAT gateway${nats > 1 ? "s" : ""} (${strategy}, ${azs} zones) and their public IPv4 addresses, ${hours} h`,
                    prices: ["vpc.natGatewayHour", "vpc.publicIpv4Hour"],
                },
                vpc,
            );
    }
    const interfaces = [
        ...ofType(report, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface"),
        ...ofType(report, "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint"),
    ];
    for (const e of interfaces) {
        const zones = Array.isArray(e.inputs.subnetIds) ? e.inputs.subnetIds.length : 1;
        add(
            {
                service: "VPC",
                resource: e.name,
                monthly: zones * hours * p("vpc.interfaceEndpointAzHour", e),
                basis: `interface endpoint in ${zones} zone${zones > 1 ? "s" : ""}, ${hours} h${e.type.includes("opensearch") ? " (the collection's endpoint is billed as PrivateLink)" : ""}`,
                prices: ["vpc.interfaceEndpointAzHour"],
            },
            e,
        );
    }

    const tableGb = typeof config.tableSizeGb === "number" && config.tableSizeGb > 0 ? config.tableSizeGb : DEFAULT_TABLE_GB;
    const sizeBasis = typeof config.tableSizeGb === "number" ? `tableSizeGb ${tableGb}` : `${tableGb} GB assumed (no tableSizeGb in config)`;
    for (const c of ofType(report, "aws:opensearch/serverlessCollection:ServerlessCollection")) {
        const standby = c.inputs.standbyReplicas === "ENABLED";
        const ocus = standby ? 2 : 1;
        add(
            {
                service: "OpenSearch Serverless",
                resource: c.name,
                monthly: ocus * hours * p("aoss.ocuHour", c) + tableGb * p("aoss.storageGbMonth", c),
                basis: `${ocus} OCU floor (0.5 indexing + 0.5 search${standby ? ", each x 2 with standby replicas" : ", no standby replicas"}) x ${hours} h, and an index the size of the table (${sizeBasis})`,
                prices: ["aoss.ocuHour", "aoss.storageGbMonth"],
            },
            c,
        );
    }

    for (const acl of ofType(report, "aws:wafv2/webAcl:WebAcl")) {
        const rules = Array.isArray(acl.inputs.rules) ? acl.inputs.rules.length : 0;
        add(
            {
                service: "WAF",
                resource: acl.name,
                monthly: p("waf.webAclMonth", acl) + rules * p("waf.ruleMonth", acl),
                basis: `1 web ACL and ${rules} rules (a managed rule group is one rule)`,
                prices: ["waf.webAclMonth", "waf.ruleMonth"],
            },
            acl,
        );
    }

    for (const stage of ofType(report, "aws:apigateway/stage:Stage")) {
        if (stage.inputs.cacheClusterEnabled !== true) continue;
        const size = String(stage.inputs.cacheClusterSize ?? "0.5");
        add(
            {
                service: "API Gateway",
                resource: `${stage.name} cache`,
                monthly: hours * p("apigateway.cacheHour", stage, size),
                basis: `${size} GB cache cluster, ${hours} h`,
                prices: ["apigateway.cacheHour"],
            },
            stage,
        );
    }

    const targets = ofType(report, "aws:appautoscaling/target:Target").filter((t) => t.inputs.serviceNamespace === "lambda");
    for (const t of targets) {
        const resourceId = String(t.inputs.resourceId ?? "");
        const fnName = resourceId.split(":")[1];
        const fn = ofType(report, "aws:lambda/function:Function").find((f) => f.inputs.name === fnName);
        const memoryGb = (num(fn?.inputs.memorySize) ?? 128) / 1024;
        const schedules = ofType(report, "aws:appautoscaling/scheduledAction:ScheduledAction").filter((s) => s.inputs.resourceId === resourceId);
        const min = num(t.inputs.minCapacity) ?? 0;
        const average = weeklyAverage(
            min,
            schedules.map((s) => ({
                schedule: String(s.inputs.schedule),
                value: num((s.inputs.scalableTargetAction as { minCapacity?: unknown }).minCapacity) ?? min,
            })),
        );
        add(
            {
                service: "Lambda",
                resource: `${t.name} (provisioned concurrency)`,
                monthly: average * memoryGb * hours * 3600 * p("lambda.armProvisionedGbSecond", t),
                basis: `at idle target tracking holds the minimum: ${Number(average.toFixed(2))} environments on average over the week${schedules.length > 0 ? ` (${schedules.length} scheduled changes)` : ""} x ${memoryGb} GB x ${hours} h`,
                prices: ["lambda.armProvisionedGbSecond"],
            },
            t,
        );
    }

    const alarms = ofType(report, "aws:cloudwatch/metricAlarm:MetricAlarm");
    for (const region of [...new Set(alarms.map(at))].sort()) {
        const here = alarms.filter((a) => at(a) === region);
        const metrics = here.reduce(
            (n, a) => n + (Array.isArray(a.inputs.metricQueries) ? a.inputs.metricQueries.filter((q: { metric?: unknown }) => q.metric).length : 1),
            0,
        );
        add({
            service: "CloudWatch",
            resource: `alarms in ${region}`,
            monthly: metrics * p("cloudwatch.alarmMetricMonth", region),
            basis: `${here.length} alarms reading ${metrics} metrics (escalation twins included)`,
            prices: ["cloudwatch.alarmMetricMonth"],
        });
    }
    const dashboards = ofType(report, "aws:cloudwatch/dashboard:Dashboard");
    if (dashboards.length > 0)
        add({
            service: "CloudWatch",
            resource: "dashboards",
            monthly: dashboards.length * p("cloudwatch.dashboardMonth", stackRegion),
            basis: `${dashboards.length} dashboards`,
            prices: ["cloudwatch.dashboardMonth"],
        });

    for (const trail of ofType(report, "awsx:cloudtrail:Trail")) {
        const logs = (trail.inputs.cloudWatchLogsGroup as { args?: { retentionInDays?: unknown } } | undefined)?.args;
        const retentionMonths = (num(logs?.retentionInDays) ?? 0) / 30.4;
        add({
            service: "CloudTrail",
            resource: trail.name,
            monthly:
                p("cloudtrail.managementTrail", stackRegion) +
                (logs
                    ? TRAIL_LOG_GB_MONTH * (p("cloudwatch.logsIngestGb", stackRegion) + retentionMonths * p("cloudwatch.logsStorageGbMonth", stackRegion))
                    : 0),
            basis: `first copy of management events free; ${TRAIL_LOG_GB_MONTH} GB of events a month (assumed) into its log group, kept ${Math.round(retentionMonths)} months`,
            prices: ["cloudtrail.managementTrail", "cloudwatch.logsIngestGb", "cloudwatch.logsStorageGbMonth"],
        });
    }

    for (const table of ofType(report, "aws:dynamodb/table:Table")) {
        const pitr = (table.inputs.pointInTimeRecovery as { enabled?: boolean } | undefined)?.enabled === true;
        // A global table's replicas each store (and, with PITR, back up) the whole table again.
        const replicas = Array.isArray(table.inputs.replicas) ? table.inputs.replicas.length : 0;
        add(
            {
                service: "DynamoDB",
                resource: table.name,
                monthly: (1 + replicas) * tableGb * (p("dynamodb.storageGbMonth", table) + (pitr ? p("dynamodb.pitrGbMonth", table) : 0)),
                basis: `${sizeBasis}: storage${pitr ? " and point-in-time recovery" : ""}${replicas > 0 ? ` in the table and its ${replicas} replica${replicas > 1 ? "s" : ""} (priced as ${at(table)})` : ""} (on-demand: no traffic, no request charge)`,
                prices: ["dynamodb.storageGbMonth", ...(pitr ? ["dynamodb.pitrGbMonth"] : [])],
            },
            table,
        );
    }
    for (const plan of ofType(report, "aws:backup/plan:Plan")) {
        type Lifecycle = { deleteAfter?: unknown };
        const rules = (plan.inputs.rules as { schedule?: string; lifecycle?: Lifecycle; copyActions?: { lifecycle?: Lifecycle }[] }[] | undefined) ?? [];
        let points = 0;
        let copies = 0;
        let copiedPerMonth = 0;
        for (const rule of rules) {
            const perDay = rule.schedule ? firingsPerDay(rule.schedule) : 1;
            const days = num(rule.lifecycle?.deleteAfter) ?? 35;
            points += days * perDay;
            // Each copy is kept by its own lifecycle (the DR vault's), else by the rule's.
            for (const c of Array.isArray(rule.copyActions) ? rule.copyActions : []) {
                copies += (num(c.lifecycle?.deleteAfter) ?? days) * perDay;
                copiedPerMonth += (perDay * hours) / 24;
            }
        }
        add(
            {
                service: "AWS Backup",
                resource: plan.name,
                monthly: (points + copies) * tableGb * p("backup.dynamodbWarmGbMonth", plan) + copiedPerMonth * tableGb * p("backup.crossRegionCopyGb", plan),
                basis:
                    `${Math.round(points)} recovery points kept${copies > 0 ? ` and ${Math.round(copies)} copies in another region (priced as ${at(plan)})` : ""}, each a full copy of the table (DynamoDB backups are not incremental) of ${sizeBasis}` +
                    (copiedPerMonth > 0 ? `; ${Math.round(copiedPerMonth)} copies a month cross regions, each the whole table` : ""),
                prices: ["backup.dynamodbWarmGbMonth", ...(copiedPerMonth > 0 ? ["backup.crossRegionCopyGb"] : [])],
            },
            plan,
        );
    }

    for (const shield of ofType(report, "aws:shield/protection:Protection")) {
        add(
            {
                service: "Shield Advanced",
                resource: shield.name,
                monthly: p("shield.advancedMonth", shield),
                basis: "the Shield Advanced subscription the protection needs (per organization: shared if another stack has it)",
                prices: ["shield.advancedMonth"],
            },
            shield,
        );
    }
    return items.sort((a, b) => b.monthly - a.monthly || a.resource.localeCompare(b.resource));
}

/** Cost of a million API requests of the mix, service by service. */
export function perMillionCosts(
    view: StackView,
    prices: PriceTable,
    mix: Mix,
    durations: Partial<Record<FunctionName, number>> = {},
    priceAs?: string,
): RequestCost[] {
    const { report, region } = view;
    const config = view.config as unknown as Record<string, number>;
    const p = (key: string) => priceOf(prices, key, priced(region) ? region : standIn(region, priceAs));
    const m = 1e6;
    const rates = mixRates(mix);
    // Every write to a global table is replicated to each replica (a replicated write unit each).
    const replicas = ofType(report, "aws:dynamodb/table:Table").reduce((n, t) => n + (Array.isArray(t.inputs.replicas) ? t.inputs.replicas.length : 0), 0);
    const fn = (name: FunctionName) => one(report, "aws:lambda/function:Function", `${name}-function`);
    const p99 = (name: FunctionName) => durations[name] ?? config[`${CAPACITY_FUNCTIONS.find((f) => f.name === name)!.prefix}DurationP99Ms`]!;
    const lambda = (name: FunctionName, invocations: number, what: string): RequestCost => {
        const gb = (num(fn(name).inputs.memorySize) ?? 128) / 1024;
        const seconds = p99(name) / 1000;
        return {
            service: "Lambda",
            what: `${name}: ${what}`,
            perMillion: invocations * m * (p("lambda.millionRequests") / m + seconds * gb * p("lambda.armGbSecond")),
            basis: `${Number(invocations.toFixed(4))} invocations per request x (request + ${p99(name)} ms p99 x ${gb} GB arm64; p99 as the mean overstates)`,
            prices: ["lambda.millionRequests", "lambda.armGbSecond"],
        };
    };
    const wafLogged = ofType(report, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").length;
    const acls = ofType(report, "aws:wafv2/webAcl:WebAcl").length;
    const retentionMonths = (config.logRetentionDays ?? 30) / 30.4;
    const logGb = (LOG_BYTES.apiFunction + LOG_BYTES.accessLog + wafLogged * LOG_BYTES.wafRecord + rates.emails * LOG_BYTES.emailWorker) * (m / GB);
    const costs: RequestCost[] = [
        {
            service: "API Gateway",
            what: "REST requests",
            perMillion: p("apigateway.restMillionRequests"),
            basis: "every request",
            prices: ["apigateway.restMillionRequests"],
        },
        {
            service: "CloudFront",
            what: "/api/* through the distribution",
            perMillion: p("cloudfront.millionHttpsRequests") + (RESPONSE_BYTES * m * p("cloudfront.transferGb")) / GB,
            basis: `HTTPS requests and ${RESPONSE_BYTES} bytes out per answer`,
            prices: ["cloudfront.millionHttpsRequests", "cloudfront.transferGb"],
        },
        {
            service: "WAF",
            what: "requests inspected",
            perMillion: acls * p("waf.millionRequests"),
            basis: `${acls} web ACLs each inspect it (edge and API)`,
            prices: ["waf.millionRequests"],
        },
        lambda("api", 1, "one invocation per request"),
        lambda("email-worker", rates.emails, "one per email"),
        lambda("search-indexer", rates.indexWrites / ASSUMPTIONS.indexerBatch, `a batch of ${ASSUMPTIONS.indexerBatch} order changes (assumed)`),
        lambda("ses-feedback", rates.feedback, "one per bounce or complaint (assumed rate)"),
        {
            service: "DynamoDB",
            what: "on-demand reads and writes",
            perMillion: rates.readUnits * p("dynamodb.millionReadUnits") + (1 + replicas) * rates.writeUnits * p("dynamodb.millionWriteUnits"),
            basis: `${Number(rates.readUnits.toFixed(3))} RRU and ${Number(rates.writeUnits.toFixed(3))} WRU per request (tools/capacity/access-patterns.ts)${replicas > 0 ? `, writes replicated to ${replicas} replica${replicas > 1 ? "s" : ""}` : ""}`,
            prices: ["dynamodb.millionReadUnits", "dynamodb.millionWriteUnits"],
        },
        {
            service: "SNS and SQS",
            what: "domain events to the email queue",
            perMillion: rates.publishes * p("sns.millionPublishes") + rates.emails * 2 * p("sqs.millionRequests"),
            basis: `${Number(rates.publishes.toFixed(3))} publishes per request; a receive and a delete per email message`,
            prices: ["sns.millionPublishes", "sqs.millionRequests"],
        },
        {
            service: "SES",
            what: "order emails",
            perMillion: (rates.emails * m * p("ses.thousandEmails")) / 1000,
            basis: `${Number(rates.emails.toFixed(3))} emails per request`,
            prices: ["ses.thousandEmails"],
        },
        {
            service: "CloudWatch",
            what: "log ingestion and storage",
            perMillion: logGb * (p("cloudwatch.logsIngestGb") + retentionMonths * p("cloudwatch.logsStorageGbMonth")),
            basis: `${Number(logGb.toFixed(2))} GB per million requests (function, access and ${wafLogged} WAF log lines, email worker), kept ${config.logRetentionDays} days`,
            prices: ["cloudwatch.logsIngestGb", "cloudwatch.logsStorageGbMonth"],
        },
        {
            service: "X-Ray",
            what: "traces recorded",
            perMillion: XRAY_SAMPLED * p("xray.millionTracesRecorded"),
            basis: `${XRAY_SAMPLED * 100} % of requests sampled (default rule)`,
            prices: ["xray.millionTracesRecorded"],
        },
    ];
    return costs.map((c) => ({ ...c, perMillion: Math.round(c.perMillion * 1000) / 1000 }));
}

/** The issue's goals: idle monthly cost at most this, Shield Advanced aside. */
export const IDLE_GOALS: Readonly<Record<string, number>> = { dev: 50, prod: 400 };

export interface GoalVerdict {
    goal: number;
    /** Idle cost without Shield Advanced. */
    idle: number;
    met: boolean;
    over: number;
    /** The largest resources whose cost alone puts the stack over its goal (removing them would meet it). */
    preventedBy: { resource: string; service: string; monthly: number }[];
}

export function judgeGoal(environment: string, items: CostItem[]): GoalVerdict | undefined {
    const goal = IDLE_GOALS[environment];
    if (goal === undefined) return undefined;
    const counted = items.filter((i) => i.service !== "Shield Advanced");
    const idle = counted.reduce((a, i) => a + i.monthly, 0);
    const over = Math.max(0, idle - goal);
    const preventedBy: GoalVerdict["preventedBy"] = [];
    let left = idle;
    for (const i of [...counted].sort((a, b) => b.monthly - a.monthly)) {
        if (left <= goal) break;
        preventedBy.push({ resource: i.resource, service: i.service, monthly: i.monthly });
        left -= i.monthly;
    }
    return { goal, idle: Math.round(idle * 100) / 100, met: over === 0, over: Math.round(over * 100) / 100, preventedBy };
}

/** Routes of the mix for the report's header. */
export function mixText(mix: Mix): string {
    return ROUTES.filter((r) => mix[r] > 0)
        .map((r) => `${r} ${Math.round(mix[r] * 1000) / 10} %`)
        .join(", ");
}

export { ACCESS_PATTERNS };
