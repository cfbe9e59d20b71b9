/**
 * The stack's limits for the capacity model: what each part of the platform allows, read from the preview
 * (reserved concurrency, the mappings' maximum concurrency, provisioned concurrency, the stage throttle, the
 * WAF rate rule, the search collection's redundancy) and the config (p99 durations, account quotas with their
 * AWS defaults), and what one request a second of the mix needs of each (access-patterns.ts).
 */
import { CAPACITY_FUNCTIONS } from "../../config";
import { AWS_QUOTA_DEFAULTS, SNS_PUBLISH_PER_SECOND, SNS_PUBLISH_PER_SECOND_ELSEWHERE, type QuotaDefault } from "../../components/defaults/capacity";
import { ACCESS_PATTERNS, ASSUMPTIONS, ROUTES, WORKER_ACCESS, type Route } from "./access-patterns";
import type { Limit } from "./model";
import { num, one, ofType, type StackView } from "./stack";

export type FunctionName = (typeof CAPACITY_FUNCTIONS)[number]["name"];
export const FUNCTION_NAMES: readonly FunctionName[] = CAPACITY_FUNCTIONS.map((f) => f.name);

/** Route -> share of requests; the shares sum to 1. */
export type Mix = Record<Route, number>;

export interface CapacityInputs {
    mix: Mix;
    /** Measured p99 durations in ms, over the config's. */
    durations?: Partial<Record<FunctionName, number>>;
    /** Distinct client IP addresses the rate comes from: judges WAF's per-IP rate rule. */
    clients?: number;
}

/** What one request a second of the mix makes, per second, downstream. */
export interface MixRates {
    readUnits: number;
    writeUnits: number;
    publishes: number;
    searchQueries: number;
    emails: number;
    feedback: number;
    indexWrites: number;
}

export function mixRates(mix: Mix): MixRates {
    const sum = (f: (r: Route) => number) => ROUTES.reduce((acc, r) => acc + (mix[r] ?? 0) * f(r), 0);
    const units = (calls: readonly { units: number }[]) => calls.reduce((a, c) => a + c.units, 0);
    const emails = sum((r) => ACCESS_PATTERNS[r].emails);
    const feedback = emails * ASSUMPTIONS.feedbackPerEmail;
    const worker = WORKER_ACCESS["email-worker"];
    const fb = WORKER_ACCESS["ses-feedback"];
    return {
        readUnits: sum((r) => units(ACCESS_PATTERNS[r].reads)) + emails * units(worker.reads) + feedback * units(fb.reads),
        writeUnits: sum((r) => units(ACCESS_PATTERNS[r].writes)) + emails * units(worker.writes) + feedback * units(fb.writes),
        publishes: sum((r) => ACCESS_PATTERNS[r].publishes),
        searchQueries: sum((r) => ACCESS_PATTERNS[r].searchQueries),
        emails,
        feedback,
        indexWrites: sum((r) => ACCESS_PATTERNS[r].indexedChanges),
    };
}

const round = (n: number, digits = 4) => Number(n.toPrecision(digits));

/** Where a quota comes from: the stack's own value, or AWS's default (and the page stating it). */
function quotaSource(project: string, key: string, value: number, aws: QuotaDefault, configured: boolean): string {
    return configured ? `config ${project}:${key} = ${value}` : `AWS default ${aws.value} ${aws.unit} (${aws.source}); config ${project}:${key} when raised`;
}

export function buildLimits(view: StackView, inputs: CapacityInputs, project = "platform"): Limit[] {
    const { report, config } = view;
    const c = config as unknown as Record<string, number>;
    const rates = mixRates(inputs.mix);
    const fnRes = (fn: FunctionName) => one(report, "aws:lambda/function:Function", `${fn}-function`);
    const reserved = (fn: FunctionName) => num(fnRes(fn).inputs.reservedConcurrentExecutions) ?? 0;
    const p99 = (fn: FunctionName) => {
        const spec = CAPACITY_FUNCTIONS.find((f) => f.name === fn)!;
        const measured = inputs.durations?.[fn];
        return measured !== undefined
            ? { ms: measured, from: `measured p99 ${measured} ms (--duration)` }
            : { ms: c[`${spec.prefix}DurationP99Ms`]!, from: `p99 ${c[`${spec.prefix}DurationP99Ms`]} ms (config ${project}:${spec.prefix}DurationP99Ms)` };
    };
    const fromFn = (fn: FunctionName) => `preview: ${fn}-function reservedConcurrentExecutions`;
    const limits: Limit[] = [];
    const concurrency = (fn: FunctionName, perSecond: number, what: string): Limit => {
        const d = p99(fn);
        return {
            part: `Lambda concurrency: ${fn}`,
            unit: "concurrent executions",
            base: 0,
            perRps: round((perSecond * d.ms) / 1000, 6),
            allows: reserved(fn),
            kind: "hard",
            source: fromFn(fn),
            basis: `${what} x ${d.from}`,
        };
    };

    const api = concurrency("api", 1, "requests/s");
    limits.push(api);
    const target = ofType(report, "aws:appautoscaling/target:Target").find((t) => t.name === "api-scaling-target");
    if (target) {
        const schedules = ofType(report, "aws:appautoscaling/scheduledAction:ScheduledAction")
            .filter((s) => s.name.startsWith("api-schedule-"))
            .map((s) => num((s.inputs.scalableTargetAction as { maxCapacity?: unknown } | undefined)?.maxCapacity))
            .filter((n): n is number => n !== undefined);
        limits.push({
            ...api,
            part: "Provisioned concurrency: api (live alias)",
            unit: "provisioned environments",
            allows: num(target.inputs.maxCapacity) ?? 0,
            kind: "soft",
            source: `preview: api-scaling-target maxCapacity${schedules.length > 0 ? ` (scheduled maxima ${schedules.join(", ")})` : ""}`,
            basis: `${api.basis}; past it invocations spill over to on-demand environments (cold starts)`,
        });
    }

    const esm = one(report, "aws:lambda/eventSourceMapping:EventSourceMapping", "email-worker-messaging-email-source");
    const mappingMax = num((esm.inputs.scalingConfig as { maximumConcurrency?: unknown } | undefined)?.maximumConcurrency);
    const email = concurrency("email-worker", rates.emails, `${round(rates.emails)} emails per request (SQS, one message per invocation)`);
    limits.push({
        ...email,
        part: "SQS -> email-worker (mapping maximum concurrency)",
        allows: mappingMax ?? reserved("email-worker"),
        source: `preview: email-worker-messaging-email-source scalingConfig.maximumConcurrency (reserved ${reserved("email-worker")})`,
    });
    limits.push(
        concurrency(
            "search-indexer",
            rates.indexWrites / ASSUMPTIONS.indexerBatch,
            `${round(rates.indexWrites)} order changes per request / ${ASSUMPTIONS.indexerBatch} records per invocation (assumed)`,
        ),
    );
    limits.push(
        concurrency(
            "ses-feedback",
            rates.feedback,
            `${round(rates.emails)} emails x ${ASSUMPTIONS.feedbackPerEmail} bounces and complaints per email (assumed)`,
        ),
    );
    const accountPerRps = limits.filter((l) => l.part.startsWith("Lambda concurrency") || l.part.startsWith("SQS ->")).reduce((a, l) => a + l.perRps, 0);
    const configured = (key: string, aws: QuotaDefault) => c[key] !== aws.value;
    limits.push({
        part: "Lambda concurrency: account (region)",
        unit: "concurrent executions",
        base: 0,
        perRps: round(accountPerRps, 6),
        allows: c.accountConcurrencyQuota!,
        kind: "hard",
        source: quotaSource(
            project,
            "accountConcurrencyQuota",
            c.accountConcurrencyQuota!,
            AWS_QUOTA_DEFAULTS.lambdaConcurrentExecutions,
            configured("accountConcurrencyQuota", AWS_QUOTA_DEFAULTS.lambdaConcurrentExecutions),
        ),
        basis: "the functions' concurrency together",
    });

    const settings = one(report, "aws:apigateway/methodSettings:MethodSettings", "gateway-method-settings").inputs.settings as Record<string, unknown>;
    limits.push({
        part: "API stage throttle (rate)",
        unit: "requests/s",
        base: 0,
        perRps: 1,
        allows: num(settings.throttlingRateLimit) ?? 0,
        kind: "hard",
        source: "preview: gateway-method-settings throttlingRateLimit",
        basis: "every request",
    });
    limits.push({
        part: "API stage throttle (burst)",
        unit: "requests at once",
        base: 0,
        perRps: 1,
        allows: num(settings.throttlingBurstLimit) ?? 0,
        kind: "hard",
        source: "preview: gateway-method-settings throttlingBurstLimit",
        basis: "a second's requests arriving together",
    });
    limits.push({
        part: "API Gateway account quota",
        unit: "requests/s",
        base: 0,
        perRps: 1,
        allows: c.apiGatewayAccountRateQuota!,
        kind: "hard",
        source: quotaSource(
            project,
            "apiGatewayAccountRateQuota",
            c.apiGatewayAccountRateQuota!,
            AWS_QUOTA_DEFAULTS.apiGatewayAccountRate,
            configured("apiGatewayAccountRateQuota", AWS_QUOTA_DEFAULTS.apiGatewayAccountRate),
        ),
        basis: "every request (all the account's APIs share it)",
    });

    const acl = one(report, "aws:wafv2/webAcl:WebAcl", "api-firewall-acl");
    const rateRule = ((acl.inputs.rules as { statement?: { rateBasedStatement?: { limit?: unknown; evaluationWindowSec?: unknown } } }[] | undefined) ?? [])
        .map((r) => r.statement?.rateBasedStatement)
        .find((s) => s !== undefined);
    if (rateRule) {
        const window = num(rateRule.evaluationWindowSec) ?? 300;
        const perIp = (num(rateRule.limit) ?? 0) / window;
        limits.push({
            part: "WAF rate limit per client IP",
            unit: "requests/s from one IP",
            base: 0,
            perRps: inputs.clients ? round(1 / inputs.clients, 6) : 1,
            allows: round(perIp),
            kind: inputs.clients ? "hard" : "per-ip",
            source: `preview: api-firewall-acl rate-based rule, ${num(rateRule.limit)} requests per ${window} s per IP`,
            basis: inputs.clients
                ? `requests/s spread over ${inputs.clients} client IPs (--clients)`
                : "one client sending it all (give --clients N to judge it)",
        });
    }

    const round2 = (n: number) => round(n, 6);
    limits.push({
        part: "DynamoDB reads (on-demand table)",
        unit: "read request units/s",
        base: 0,
        perRps: round2(rates.readUnits),
        allows: c.dynamodbTableReadQuota!,
        kind: "hard",
        source: quotaSource(
            project,
            "dynamodbTableReadQuota",
            c.dynamodbTableReadQuota!,
            AWS_QUOTA_DEFAULTS.dynamodbTableReadUnits,
            configured("dynamodbTableReadQuota", AWS_QUOTA_DEFAULTS.dynamodbTableReadUnits),
        ),
        basis: "the routes' reads (tools/capacity/access-patterns.ts) and the email worker's",
    });
    limits.push({
        part: "DynamoDB writes (on-demand table)",
        unit: "write request units/s",
        base: 0,
        perRps: round2(rates.writeUnits),
        allows: c.dynamodbTableWriteQuota!,
        kind: "hard",
        source: quotaSource(
            project,
            "dynamodbTableWriteQuota",
            c.dynamodbTableWriteQuota!,
            AWS_QUOTA_DEFAULTS.dynamodbTableWriteUnits,
            configured("dynamodbTableWriteQuota", AWS_QUOTA_DEFAULTS.dynamodbTableWriteUnits),
        ),
        basis: "the routes' writes with gsi1 and idempotency records, the email worker's ledger, the feedback records",
    });
    const snsRegional = SNS_PUBLISH_PER_SECOND[view.region] ?? SNS_PUBLISH_PER_SECOND_ELSEWHERE;
    limits.push({
        part: "SNS publishes (domain events)",
        unit: "Publish calls/s",
        base: 0,
        perRps: round2(rates.publishes),
        allows: c.snsPublishQuotaPerSecond || snsRegional,
        kind: "hard",
        source: c.snsPublishQuotaPerSecond
            ? `config ${project}:snsPublishQuotaPerSecond = ${c.snsPublishQuotaPerSecond}`
            : `AWS default for ${view.region}: ${snsRegional} per second (${AWS_QUOTA_DEFAULTS.snsPublishPerSecond.source}); config ${project}:snsPublishQuotaPerSecond when raised`,
        basis: "one event per order created or cancelled",
    });
    limits.push({
        part: "SES send rate",
        unit: "emails/s",
        base: 0,
        perRps: round2(rates.emails),
        allows: c.sesSendingQuotaPerSecond!,
        kind: "hard",
        source: quotaSource(
            project,
            "sesSendingQuotaPerSecond",
            c.sesSendingQuotaPerSecond!,
            AWS_QUOTA_DEFAULTS.sesSendingPerSecond,
            configured("sesSendingQuotaPerSecond", AWS_QUOTA_DEFAULTS.sesSendingPerSecond),
        ),
        basis: "one email per order created or cancelled",
    });
    limits.push({
        part: "SES 24-hour quota",
        unit: "emails per 24 hours",
        base: 0,
        perRps: round2(rates.emails * 86400),
        allows: c.sesSendingQuotaPer24h!,
        kind: "hard",
        source: quotaSource(
            project,
            "sesSendingQuotaPer24h",
            c.sesSendingQuotaPer24h!,
            AWS_QUOTA_DEFAULTS.sesSendingPer24h,
            configured("sesSendingQuotaPer24h", AWS_QUOTA_DEFAULTS.sesSendingPer24h),
        ),
        basis: "the rate sustained for 24 hours",
    });
    const collection = one(report, "aws:opensearch/serverlessCollection:ServerlessCollection", "search-collection");
    const copies = collection.inputs.standbyReplicas === "ENABLED" ? 2 : 1;
    const ocu = (kind: "search" | "indexing", perSecond: number, perOcu: number, key: string, aws: QuotaDefault): Limit => ({
        part: `OpenSearch ${kind} OCUs`,
        unit: "OCUs",
        base: 0.5 * copies,
        perRps: round2((copies * perSecond) / perOcu),
        allows: c[key]!,
        kind: "hard",
        source: quotaSource(project, key, c[key]!, aws, configured(key, aws)),
        basis: `0.5 OCU floor${copies === 2 ? " x 2 (standby replicas)" : ""} + ${round(perSecond)} ${kind === "search" ? "queries" : "index writes"} per request / ${perOcu} per OCU (assumed)${copies === 2 ? " x 2" : ""}`,
    });
    limits.push(ocu("search", rates.searchQueries, ASSUMPTIONS.searchQueriesPerOcu, "searchMaxSearchOcus", AWS_QUOTA_DEFAULTS.searchMaxSearchOcus));
    limits.push(ocu("indexing", rates.indexWrites, ASSUMPTIONS.indexWritesPerOcu, "searchMaxIndexingOcus", AWS_QUOTA_DEFAULTS.searchMaxIndexingOcus));
    return limits;
}
