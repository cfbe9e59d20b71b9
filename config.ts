import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Region } from "@pulumi/aws/types/enums";
import { API_CACHE_SIZES } from "./components/defaults/api-gateway";
import { DR_STRATEGIES, FAILURE_MODES, PITR_RPO_MINUTES, type FailureMode } from "./components/defaults/backup";
import { LOG_RETENTION_DAYS } from "./components/defaults/cloudwatch";
import { RELEASE_STRATEGIES } from "./components/defaults/codedeploy";
import { MFA_MODES, THREAT_PROTECTION_MODES } from "./components/defaults/cognito";
import { MIN_BAKE_MINUTES, ROLLBACK_ALARM_WINDOW, ROLLBACK_DETECTION_MINUTES } from "./components/defaults/rollback-window";
import { MESSAGE_RETENTION_SECONDS, MIN_MAX_RECEIVE_COUNT } from "./components/defaults/sqs";
import { NAT_GATEWAY_STRATEGIES, vpcCidrProblem } from "./components/defaults/vpc";
import { THREAT_DETECTION_MODES } from "./components/defaults/threat-detection";
import { NO_BUSINESS_HOURS, businessMinutesPerDay, parseBusinessHours, timeZoneProblem } from "./components/defaults/kpis";
import { AWS_QUOTA_DEFAULTS, MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY, SCHEDULE_FORMAT, parseScheduledCapacity } from "./components/defaults/capacity";

// The components' own allowed values: config is validated against exactly what they accept.
export { API_CACHE_SIZES, LOG_RETENTION_DAYS, MFA_MODES, NAT_GATEWAY_STRATEGIES, RELEASE_STRATEGIES, THREAT_DETECTION_MODES, THREAT_PROTECTION_MODES };
import { configSecretReader } from "./tools/preview/sdk-internals";
import { objectiveProblems, recoveryTable, type RecoveryInputs } from "./tools/dr/model";

/**
 * The platform's configuration: every key the program reads, in one table.
 *
 * This table is the source of truth. `Pulumi.yaml` declares the same keys with the same types,
 * defaults and descriptions (a spec compares them), so the CLI can check types before the program
 * runs, and this module still validates values the CLI cannot judge (allowed sets, ranges, formats).
 */

export const PROJECT = "platform";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

type ConfigType = "string" | "integer" | "boolean" | "array";

interface KeySpec<T> {
    type: ConfigType;
    description: string;
    /**
     * Absent means the key is required in every stack. `NoInfer`: the key's type comes from its schema
     * (a literal union for a set of allowed values), which the default must then belong to.
     */
    default?: NoInfer<T>;
    /** The key may hold a secret (a pager integration URL carries its routing key). */
    secret?: boolean;
    schema: z.ZodType<T>;
}

function key<T>(spec: KeySpec<T>): KeySpec<T> {
    return spec;
}

function oneOf<const T extends readonly (string | number)[]>(values: T) {
    const allowed = values.join(", ");
    return z.custom<T[number]>((v) => (values as readonly unknown[]).includes(v), {
        message: `is not one of ${allowed}`,
    });
}

/** A whole number in a closed range; `why` says what a value outside it would break. */
function intIn(min: number, max: number, why: { belowMin?: string; aboveMax?: string } = {}) {
    const reason = (r: string | undefined) => (r === undefined ? "" : `: ${r}`);
    return z
        .number()
        .int({ message: "is not a whole number" })
        .min(min, { message: `is below the minimum ${min}${reason(why.belowMin)} (allowed: ${min} to ${max})` })
        .max(max, { message: `is above the maximum ${max}${reason(why.aboveMax)} (allowed: ${min} to ${max})` });
}

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "is not an email address" });

/** Mailboxes, each once: a mailbox listed twice is subscribed twice and gets every alert twice. */
const mailboxes = z.array(email).superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((address, i) => {
        const first = seen.get(address.toLowerCase());
        if (first === undefined) {
            seen.set(address.toLowerCase(), i);
        } else {
            ctx.addIssue({ code: "custom", path: [i], message: `is listed twice (also at [${first}]); each mailbox is subscribed once` });
        }
    });
});
const domainName = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    message: "is not a lower-case DNS domain name such as example.com",
});
const httpsUrl = z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, { message: "is not an https:// URL" });
const cidr = z.string().superRefine((value, ctx) => {
    const problem = vpcCidrProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});
const businessHours = z.string().superRefine((value, ctx) => {
    const { problem } = parseBusinessHours(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});
const timeZone = z.string().superRefine((value, ctx) => {
    const problem = timeZoneProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/** The workload functions whose capacity config sizes one by one, by config-key prefix and function name. */
export const CAPACITY_FUNCTIONS = [
    { prefix: "api", name: "api", worker: false, p99: 300 },
    { prefix: "emailWorker", name: "email-worker", worker: true, p99: 800 },
    { prefix: "searchIndexer", name: "search-indexer", worker: true, p99: 500 },
    { prefix: "sesFeedback", name: "ses-feedback", worker: true, p99: 200 },
] as const;

/** 0, "take the stack-wide key", or a whole number in a range. */
function orStackWide(stackWide: string, min: number, max: number) {
    return z
        .number()
        .int({ message: "is not a whole number" })
        .refine((n) => n === 0 || (n >= min && n <= max), { message: `is outside ${min} to ${max} (allowed: 0 for ${stackWide}, or ${min} to ${max})` });
}

/**
 * Per function: memory, reserved concurrency and (workers) timeout over the stack-wide keys (0 keeps the
 * stack-wide value), and the p99 duration npm run capacity assumes for it.
 */
function functionCapacityKeys() {
    const keys: Record<string, KeySpec<number>> = {};
    for (const f of CAPACITY_FUNCTIONS) {
        keys[`${f.prefix}MemoryMb`] = key({
            type: "integer",
            description: `Memory of the ${f.name} function, in MB; 0: functionMemoryMb.`,
            default: 0,
            schema: orStackWide("functionMemoryMb", 128, 10240),
        });
        keys[`${f.prefix}ReservedConcurrency`] = key({
            type: "integer",
            description: `Reserved concurrency of the ${f.name} function; 0: functionReservedConcurrency.`,
            default: 0,
            schema: orStackWide("functionReservedConcurrency", 1, 1000),
        });
        if (f.worker) {
            keys[`${f.prefix}TimeoutSeconds`] = key({
                type: "integer",
                description: `Timeout of the ${f.name} function, in seconds; 0: workerFunctionTimeoutSeconds.`,
                default: 0,
                schema: orStackWide("workerFunctionTimeoutSeconds", 1, 900),
            });
        }
        keys[`${f.prefix}DurationP99Ms`] = key({
            type: "integer",
            description: `p99 duration of one ${f.name} invocation, in ms, that npm run capacity assumes (a measured figure passed with --duration overrides it); below the function's timeout.`,
            default: f.p99,
            schema: intIn(1, 900000),
        });
    }
    return keys as {
        [
            K in
                | `${(typeof CAPACITY_FUNCTIONS)[number]["prefix"]}${"MemoryMb" | "ReservedConcurrency" | "DurationP99Ms"}`
                | `${"emailWorker" | "searchIndexer" | "sesFeedback"}TimeoutSeconds`
        ]: KeySpec<number>;
    };
}

export const CONFIG_KEYS = {
    environment: key({
        type: "string",
        description: "Environment profile of this stack: dev, staging or prod. Used in names, tags and dashboards.",
        schema: oneOf(ENVIRONMENTS),
    }),
    logRetentionDays: key({
        type: "integer",
        description: "Days CloudWatch Logs keeps function, API and WAF logs. One of the periods CloudWatch accepts.",
        default: 30,
        schema: oneOf(LOG_RETENTION_DAYS),
    }),
    auditLogRetentionDays: key({
        type: "integer",
        description:
            "Days the CloudTrail log group keeps management events for the security metric filters and investigations (the S3 copy is kept until removed). One of the periods CloudWatch accepts.",
        default: 365,
        schema: oneOf(LOG_RETENTION_DAYS),
    }),
    alertEmails: key({
        type: "array",
        description: "Team mailboxes subscribed to every severity topic (critical, warning, info). At least one.",
        schema: mailboxes.min(1, { message: "needs at least one email address" }),
    }),
    escalationEmails: key({
        type: "array",
        description:
            "Mailboxes of the escalated tier (e.g. the on-call lead), subscribed to the escalation topic that a warning still breaching after escalationMinutes notifies; at least one not in alertEmails (or pagerUrl), or an escalation reaches no one new. Empty: the alertEmails mailboxes, so no escalation is lost. A prod stack needs this or pagerUrl.",
        default: [] as string[],
        schema: mailboxes,
    }),
    pagerUrl: key({
        type: "string",
        description:
            "HTTPS endpoint of the on-call pager (for example a PagerDuty or Opsgenie integration URL) subscribed to the critical and escalation topics. Empty for none; set it with --secret.",
        default: "",
        secret: true,
        schema: z.union([z.literal(""), httpsUrl]),
    }),
    escalationMinutes: key({
        type: "integer",
        description: "Minutes a warning alarm may stay in ALARM before it escalates to the escalation topic (escalationEmails and the pager).",
        default: 30,
        schema: intIn(5, 1440),
    }),
    apiFunctionTimeoutSeconds: key({
        type: "integer",
        description: "Timeout of functions behind the API. API Gateway gives up after 29 seconds.",
        default: 10,
        schema: intIn(1, 29),
    }),
    workerFunctionTimeoutSeconds: key({
        type: "integer",
        description: "Timeout of queue and stream workers. Their queues' visibility timeout is six times this.",
        default: 30,
        schema: intIn(1, 900),
    }),
    functionMemoryMb: key({
        type: "integer",
        description: "Memory of every function, in MB. CPU scales with it.",
        default: 512,
        schema: intIn(128, 10240),
    }),
    functionReservedConcurrency: key({
        type: "integer",
        description: "Reserved concurrency per function: caps its share of the account's concurrency and protects the others.",
        default: 10,
        schema: intIn(1, 1000),
    }),
    functionErrorRatePercent: key({
        type: "integer",
        description: "Error rate (errors / invocations, percent) over 5 minutes that raises a function's error alarm.",
        default: 5,
        schema: intIn(1, 100),
    }),
    functionDurationPercentOfTimeout: key({
        type: "integer",
        description: "p99 duration, as a percentage of the function's timeout, that raises its duration alarm.",
        default: 80,
        schema: intIn(10, 100),
    }),
    // --- Capacity (issue 14): per-function sizes over the stack-wide ones, provisioned concurrency on the
    // api function's live alias, the p99 durations capacity planning assumes, and the account's quotas.
    ...functionCapacityKeys(),
    apiProvisionedConcurrencyMin: key({
        type: "integer",
        description:
            "Fewest provisioned environments of the api function's live alias (target tracking scales in to it; also the allocation when created). 0 with apiProvisionedConcurrencyMax 0: no provisioned concurrency.",
        default: 0,
        schema: intIn(0, 1000),
    }),
    apiProvisionedConcurrencyMax: key({
        type: "integer",
        description:
            "Most provisioned environments of the api function's live alias (target tracking scales out to it), at most its reserved concurrency. 0: no provisioned concurrency, no scalable target.",
        default: 0,
        schema: intIn(0, 1000),
    }),
    apiProvisionedConcurrencyTargetPercent: key({
        type: "integer",
        description: "Utilization of the provisioned environments (LambdaProvisionedConcurrencyUtilization, percent) target tracking keeps.",
        default: 70,
        schema: intIn(10, 90),
    }),
    apiProvisionedConcurrencySchedule: key({
        type: "array",
        description: `Scheduled changes of the provisioned concurrency's bounds, in apiProvisionedConcurrencyTimeZone, each ${SCHEDULE_FORMAT.replace(/"/g, "'")}. Needs apiProvisionedConcurrencyMax.`,
        default: [] as string[],
        schema: z.array(
            z.string().superRefine((value, ctx) => {
                const { problem } = parseScheduledCapacity(value);
                if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
            }),
        ),
    }),
    apiProvisionedConcurrencyTimeZone: key({
        type: "string",
        description: "IANA time zone of apiProvisionedConcurrencySchedule's expressions, such as Europe/Paris; daylight saving time is followed.",
        default: "UTC",
        schema: timeZone,
    }),
    accountConcurrencyQuota: key({
        type: "integer",
        description: `The account's Lambda concurrent executions quota in the stack's region (AWS default ${AWS_QUOTA_DEFAULTS.lambdaConcurrentExecutions.value}, ${AWS_QUOTA_DEFAULTS.lambdaConcurrentExecutions.source}): the account-concurrency warning fires at 80 % of it, and every function's reserved concurrency together must leave ${AWS_QUOTA_DEFAULTS.lambdaUnreservedMinimum.value} unreserved.`,
        default: AWS_QUOTA_DEFAULTS.lambdaConcurrentExecutions.value,
        schema: intIn(100, 10000000),
    }),
    sesSendingQuotaPerSecond: key({
        type: "integer",
        description: `The account's SES maximum send rate, emails per second (AWS default in the sandbox ${AWS_QUOTA_DEFAULTS.sesSendingPerSecond.value}, ${AWS_QUOTA_DEFAULTS.sesSendingPerSecond.source}); the send-rate warning fires at 80 %.`,
        default: AWS_QUOTA_DEFAULTS.sesSendingPerSecond.value,
        schema: intIn(1, 100000),
    }),
    sesSendingQuotaPer24h: key({
        type: "integer",
        description: `The account's SES sending quota, emails per 24 hours (AWS default in the sandbox ${AWS_QUOTA_DEFAULTS.sesSendingPer24h.value}); the daily-quota warning fires at a pace that would use 80 % of it.`,
        default: AWS_QUOTA_DEFAULTS.sesSendingPer24h.value,
        schema: intIn(1, 1000000000),
    }),
    searchMaxIndexingOcus: key({
        type: "integer",
        description: `The account's OpenSearch Serverless maximum indexing capacity, OCUs (AWS default ${AWS_QUOTA_DEFAULTS.searchMaxIndexingOcus.value}, ${AWS_QUOTA_DEFAULTS.searchMaxIndexingOcus.source}); the warning fires at 80 %.`,
        default: AWS_QUOTA_DEFAULTS.searchMaxIndexingOcus.value,
        schema: intIn(1, 1700),
    }),
    searchMaxSearchOcus: key({
        type: "integer",
        description: `The account's OpenSearch Serverless maximum search capacity, OCUs (AWS default ${AWS_QUOTA_DEFAULTS.searchMaxSearchOcus.value}); the warning fires at 80 %.`,
        default: AWS_QUOTA_DEFAULTS.searchMaxSearchOcus.value,
        schema: intIn(1, 1700),
    }),
    dynamodbTableReadQuota: key({
        type: "integer",
        description: `Read request units per second one on-demand table may take (AWS default ${AWS_QUOTA_DEFAULTS.dynamodbTableReadUnits.value}, ${AWS_QUOTA_DEFAULTS.dynamodbTableReadUnits.source}); what npm run capacity compares the routes' reads with.`,
        default: AWS_QUOTA_DEFAULTS.dynamodbTableReadUnits.value,
        schema: intIn(1, 10000000),
    }),
    dynamodbTableWriteQuota: key({
        type: "integer",
        description: `Write request units per second one on-demand table may take (AWS default ${AWS_QUOTA_DEFAULTS.dynamodbTableWriteUnits.value}); what npm run capacity compares the routes' writes with.`,
        default: AWS_QUOTA_DEFAULTS.dynamodbTableWriteUnits.value,
        schema: intIn(1, 10000000),
    }),
    apiGatewayAccountRateQuota: key({
        type: "integer",
        description: `Requests per second API Gateway accepts for all the account's APIs in the region (AWS default ${AWS_QUOTA_DEFAULTS.apiGatewayAccountRate.value}, ${AWS_QUOTA_DEFAULTS.apiGatewayAccountRate.source}); the stage throttle must stay below it.`,
        default: AWS_QUOTA_DEFAULTS.apiGatewayAccountRate.value,
        schema: intIn(1, 1000000),
    }),
    snsPublishQuotaPerSecond: key({
        type: "integer",
        description: `SNS Publish calls per second the account may make in the region; 0: the region's AWS default (${AWS_QUOTA_DEFAULTS.snsPublishPerSecond.unit}, ${AWS_QUOTA_DEFAULTS.snsPublishPerSecond.source}).`,
        default: 0,
        schema: intIn(0, 1000000),
    }),
    // --- end of the capacity keys.
    apiThrottleRateLimit: key({
        type: "integer",
        description: "Steady-state requests per second the API stage accepts before throttling.",
        default: 50,
        schema: intIn(1, 10000),
    }),
    apiThrottleBurstLimit: key({
        type: "integer",
        description:
            "Burst of requests the API stage accepts before throttling; at least apiThrottleRateLimit, or a second's worth of traffic at the steady rate is refused.",
        default: 100,
        schema: intIn(1, 5000),
    }),
    apiCacheEnabled: key({
        type: "boolean",
        description: "Turn on the API stage cache (encrypted). Costs money by the hour.",
        default: false,
        schema: z.boolean(),
    }),
    apiCacheSizeGb: key({
        type: "string",
        description: "API cache cluster size in GB when the cache is on.",
        default: "0.5",
        schema: oneOf(API_CACHE_SIZES),
    }),
    apiLatencyP99Ms: key({
        type: "integer",
        description: "p99 API latency in milliseconds that raises the latency alarm.",
        default: 3000,
        schema: intIn(50, 29000),
    }),
    api5xxRatePercent: key({
        type: "integer",
        description: "Share of API requests answered with a 5xx (percent, over 5 minutes) that raises the 5xx alarm.",
        default: 1,
        schema: intIn(1, 100),
    }),
    wafRateLimit: key({
        type: "integer",
        description: "Requests per 5 minutes from one IP address before WAF blocks it.",
        default: 1000,
        schema: intIn(100, 2000000000),
    }),
    wafBlockedRatePercent: key({
        type: "integer",
        description:
            "Share of a web ACL's requests it blocks (percent, in 3 of 5 minutes, from 100 requests a minute) that raises the WAF blocking-spike warning, for the API's ACL and CloudFront's: an attack under way, or a managed rule blocking real customers.",
        default: 20,
        schema: intIn(1, 100),
    }),
    shieldAdvanced: key({
        type: "boolean",
        description: "Protect the CloudFront distribution with Shield Advanced. Needs an active Shield Advanced subscription (USD 3,000 a month).",
        default: false,
        schema: z.boolean(),
    }),
    edgeDomainName: key({
        type: "string",
        description:
            "Custom domain the CloudFront distribution answers on (an alias, e.g. www.example.com), served at TLSv1.2_2021 over SNI with edgeCertificateArn or, when that is empty, with an ACM certificate the stack requests in us-east-1 and validates by DNS: pulumi up waits until the domain's DNS publishes the CNAME in the edgeCertificateValidationRecords output (or edgeHostedZoneId holds it). Empty for none: the distribution then answers on its cloudfront.net name with CloudFront's default certificate, which allows TLSv1.",
        default: "",
        schema: z.union([z.literal(""), domainName]),
    }),
    edgeCertificateArn: key({
        type: "string",
        description:
            "ARN of an existing ACM certificate for edgeDomainName, in us-east-1 (CloudFront only uses certificates there). Empty: the stack requests and DNS-validates its own. Needs edgeDomainName.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/, {
                message: "is not an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from us-east-1)",
            }),
        ]),
    }),
    edgeHostedZoneId: key({
        type: "string",
        description:
            "Id of the Route 53 hosted zone holding edgeDomainName: the stack then writes the certificate's validation record and the domain's alias A and AAAA records (to the distribution) there. Empty: the operator publishes them in the domain's DNS. Needs edgeDomainName.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^Z[0-9A-Z]{1,31}$/, {
                message: "is not a Route 53 hosted zone id (Z and upper-case letters and digits, such as Z0123456789ABCDEFGHIJ)",
            }),
        ]),
    }),
    edge5xxRatePercent: key({
        type: "integer",
        description: "Share of CloudFront requests answered with a 5xx (percent, averaged over 5 minutes) that raises the edge 5xx alarm.",
        default: 5,
        schema: intIn(1, 100),
    }),
    cognitoMfa: key({
        type: "string",
        description: "Cognito MFA: OPTIONAL lets users enrol, ON requires every user to.",
        default: "OPTIONAL",
        schema: oneOf(MFA_MODES),
    }),
    cognitoThreatProtection: key({
        type: "string",
        description: "Cognito threat protection (Plus feature plan): off, audit (log only) or enforced (block risky sign-ins).",
        default: "off",
        schema: oneOf(THREAT_PROTECTION_MODES),
    }),
    deletionProtection: key({
        type: "boolean",
        description: "Deletion protection on the table, user pool and keys, and Pulumi `protect` on every stateful resource.",
        default: false,
        schema: z.boolean(),
    }),
    maxReceiveCount: key({
        type: "integer",
        description: "Deliveries of a message before SQS moves it to the dead-letter queue.",
        default: MIN_MAX_RECEIVE_COUNT,
        schema: intIn(MIN_MAX_RECEIVE_COUNT, 1000),
    }),
    queueMaxAgeSeconds: key({
        type: "integer",
        description:
            "Age of the oldest message in a queue, in seconds, that raises its backlog alarm. Below the queues' 14-day retention, after which SQS deletes the message.",
        default: 900,
        schema: intIn(60, MESSAGE_RETENTION_SECONDS - 1, {
            aboveMax: `SQS deletes a message after the queues' retention (${MESSAGE_RETENTION_SECONDS} s), so no message gets that old and the alarm could never fire`,
        }),
    }),
    releaseStrategy: key({
        type: "string",
        description:
            "How a new function version takes traffic: blue-green (all at once after checks), rolling (linear steps) or canary (one step, then the rest).",
        default: "canary",
        schema: oneOf(RELEASE_STRATEGIES),
    }),
    releaseStepPercent: key({
        type: "integer",
        description: "Share of traffic each rolling step or the canary moves, in percent.",
        default: 10,
        schema: intIn(1, 99),
    }),
    releaseIntervalMinutes: key({
        type: "integer",
        description: "Minutes between rolling steps, or that the canary bakes before the rest of the traffic moves.",
        default: 5,
        schema: intIn(1, 60),
    }),
    releaseBakeMinutes: key({
        type: "integer",
        description:
            "Minutes a release watches the rollback alarms after all traffic has moved (the AfterAllowTraffic hook), before it may succeed. At least the alarms' detection time and 2 minutes of margin (5), so a version failing from its first minute rolls back before the release completes; at most 12 (one Lambda invocation).",
        default: 5,
        schema: intIn(1, 12),
    }),
    backupRetentionDays: key({
        type: "integer",
        description: "Days AWS Backup keeps the table's daily recovery point (taken at 03:00 UTC).",
        default: 35,
        schema: intIn(1, 36500),
    }),
    backupFrequentRetentionDays: key({
        type: "integer",
        description:
            "Days AWS Backup keeps the recovery points the RPO takes more often than daily (hourly below a 2-hour RPO), at most backupRetentionDays. Each is a full copy of the table, so 35 days of hourly points cost 24 times 35 days of daily ones; point-in-time recovery already restores any second of the last 35 days in the region, and the newest copy outside it is what a region or account loss restores.",
        default: 2,
        schema: intIn(1, 36500),
    }),
    rpoMinutes: key({
        type: "integer",
        description: `Recovery point objective in minutes: the most data the business accepts to lose. At least ${PITR_RPO_MINUTES}, the best point-in-time recovery restores to.`,
        default: 60,
        schema: intIn(PITR_RPO_MINUTES, 10080, {
            belowMin: `DynamoDB point-in-time recovery restores to about ${PITR_RPO_MINUTES} minutes ago at best and AWS Backup runs at most hourly, so no lower RPO can be met`,
        }),
    }),
    rtoMinutes: key({
        type: "integer",
        description: "Recovery time objective in minutes: the longest the platform may be down after a disaster.",
        default: 240,
        schema: intIn(5, 10080),
    }),
    tableName: key({
        type: "string",
        description:
            "An existing orders table the stack adopts (Pulumi import) in place of the one it has: a table npm run restore restored and configured to match (docs/runbooks/restore-table.md). The table it had leaves the stack's state (kept in AWS where deletionProtection is on). Empty: the stack's own <project>-<stack>-orders.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { message: "is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' and '.')" }),
        ]),
    }),
    // --- disaster recovery beyond the region (tools/dr/model.ts judges rpoMinutes/rtoMinutes against these) ---
    drCopies: key({
        type: "boolean",
        description:
            "Keep copies outside the stack's region, in drRegion: AWS Backup copies every recovery point to a locked vault there (encrypted with a key of that region), and the audit trail's bucket replicates there. Off: a region loss loses the table (a dev stack may accept that).",
        default: false,
        schema: z.boolean(),
    }),
    drRegion: key({
        type: "string",
        description:
            "The AWS region copies, the replica and the standby stack live in (another region than aws:region, such as eu-central-1 for eu-west-1). Needed with drCopies. Empty: none.",
        default: "",
        schema: z
            .string()
            .refine((v) => v === "" || (Object.values(Region) as string[]).includes(v), { message: "is not an AWS region (such as eu-central-1)" }),
    }),
    drStrategy: key({
        type: "string",
        description:
            "How the stack survives a region loss: backup-restore (restore the copied recovery points in drRegion and deploy the platform there) or pilot-light (a DynamoDB global-table replica in drRegion, with the platform deployed there against it by a standby stack such as Pulumi.prod-dr.yaml). pilot-light needs drCopies.",
        default: "backup-restore",
        schema: oneOf(DR_STRATEGIES),
    }),
    drCopyRetentionDays: key({
        type: "integer",
        description: "Days the DR vault keeps each copied recovery point (also its vault lock's minimum retention).",
        default: 35,
        schema: intIn(1, 36500),
    }),
    drAccountId: key({
        type: "string",
        description:
            "Id of another account of the organization that also receives every recovery point (into drVaultArn), so an attacker with administrator rights in this account cannot delete every copy. Needs drVaultArn. Empty: none.",
        default: "",
        schema: z.union([z.literal(""), z.string().regex(/^\d{12}$/, { message: "is not a 12-digit AWS account id" })]),
    }),
    drVaultArn: key({
        type: "string",
        description:
            "ARN of the backup vault in drAccountId (in drRegion) that recovery points are copied to; its access policy must let this account copy in (backup:CopyIntoBackupVault). Needs drAccountId. Empty: none.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$/, {
                message: "is not an AWS Backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)",
            }),
        ]),
    }),
    drClaims: key({
        type: "array",
        description: `Failure modes whose rpoMinutes and rtoMinutes this stack promises to meet, checked against what its configuration achieves (npm run dr): ${FAILURE_MODES.join(", ")}.`,
        default: ["bad-deploy", "bad-data", "table-deleted", "az-loss"] as FailureMode[],
        schema: z.array(oneOf(FAILURE_MODES)).superRefine((list, ctx) => {
            list.forEach((mode, i) => {
                if (list.indexOf(mode) !== i) ctx.addIssue({ code: "custom", path: [i], message: "is listed twice" });
            });
        }),
    }),
    tableSizeGb: key({
        type: "integer",
        description:
            "Size of the orders table in GB (DescribeTable's TableSizeBytes, rounded up), from which restore and copy times are estimated (npm run dr shows the assumptions).",
        default: 1,
        schema: intIn(1, 100000),
    }),
    drMeasuredRestoreMinutes: key({
        type: "integer",
        description:
            "The restore time npm run restore measured on this stack (its data step's elapsed minutes), used instead of the estimate from tableSizeGb. 0: not measured yet.",
        default: 0,
        schema: intIn(0, 10080),
    }),
    drStandbyOf: key({
        type: "string",
        description:
            "The stack (of this project) whose pilot-light replica this stack runs against: the standby deployed in that stack's drRegion (Pulumi.prod-dr.yaml for prod). Its table is then the replica, not a table of its own. Needs drReplicaStreamArn and drReplicaKeyArn. Empty: the stack owns its table.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { message: "is not a stack name (lower-case letters, digits and dashes)" }),
        ]),
    }),
    drReplicaStreamArn: key({
        type: "string",
        description:
            "ARN of the replica's stream in this stack's region, from the primary stack's disasterRecovery output (replica.streamArn): the search indexer reads it. Needs drStandbyOf.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}\/stream\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/, {
                message: "is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>)",
            }),
        ]),
    }),
    drReplicaKeyArn: key({
        type: "string",
        description:
            "ARN of the KMS key the replica is encrypted with, in this stack's region, from the primary stack's disasterRecovery output (replica.kmsKeyArn). Needs drStandbyOf.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, {
                message: "is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)",
            }),
        ]),
    }),
    drPrimaryStack: key({
        type: "string",
        description:
            "The primary's stack as a StackReference names it (<organization>/<project>/<stack>; `organization` on a self-managed backend), whose disasterRecovery output gives a standby the replica's table, stream and key. drReplicaStreamArn and drReplicaKeyArn, when set, win: pin them where the backend holding the primary's state could be lost with its region. Needs drStandbyOf. Empty: the two keys give them.",
        default: "",
        schema: z.union([
            z.literal(""),
            z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: "is not a stack reference (<organization>/<project>/<stack>)" }),
        ]),
    }),
    emailDomain: key({
        type: "string",
        description: "Domain SES sends order emails from, verified with DKIM.",
        schema: domainName,
    }),
    searchStandbyReplicas: key({
        type: "boolean",
        description: "Keep standby replicas of the OpenSearch Serverless collection in another AZ (doubles the OCU floor).",
        default: false,
        schema: z.boolean(),
    }),
    availabilityZones: key({
        type: "integer",
        description: "Availability zones the VPC spans; two at least, so nothing hangs on one zone.",
        default: 3,
        schema: intIn(2, 3),
    }),
    natGateways: key({
        type: "string",
        description: "NAT gateways of the VPC: Single (cheaper, one zone) or OnePerAz (survives a zone outage).",
        default: "Single",
        schema: oneOf(NAT_GATEWAY_STRATEGIES),
    }),
    vpcCidr: key({
        type: "string",
        description: "IPv4 CIDR block of the VPC, /16 to /24: a public and a private subnet in each zone.",
        default: "10.0.0.0/16",
        schema: cidr,
    }),
    threatDetection: key({
        type: "string",
        description:
            "Threat detection in the stack's account: full (GuardDuty with S3 and Lambda protection, and Security Hub with the AWS Foundational Security Best Practices standard) or guardduty-only (no Security Hub, whose checks cost per check). Findings reach the severity topics by severity: high and critical page.",
        default: "full",
        schema: oneOf(THREAT_DETECTION_MODES),
    }),
    kpiNoOrderMinutes: key({
        type: "integer",
        description:
            "Minutes of business hours (kpiBusinessHours) without a single order created that raise the no-order warning; shorter than a business day.",
        default: 60,
        schema: intIn(5, 1439),
    }),
    kpiBusinessHours: key({
        type: "string",
        description:
            'When orders are expected, in kpiTimeZone: days and whole hours such as "Mon-Fri 08:00-20:00", or none (a stack without real customers, whose no-order alarm would fire every business day: it is then not armed). A prod stack needs business hours.',
        default: "Mon-Fri 08:00-20:00",
        schema: businessHours,
    }),
    kpiTimeZone: key({
        type: "string",
        description: "IANA time zone of kpiBusinessHours, such as Europe/Paris; daylight saving time is followed.",
        default: "UTC",
        schema: timeZone,
    }),
    kpiCancellationRatePercent: key({
        type: "integer",
        description: "Orders cancelled per order created in an hour, in percent, that raise the cancellation-rate warning.",
        default: 10,
        schema: intIn(1, 100),
    }),
    kpiCancellationMinOrders: key({
        type: "integer",
        description: "Orders created in an hour below which the cancellation rate is not judged (a handful of orders makes any rate).",
        default: 20,
        schema: intIn(1, 1000000),
    }),
} as const;

type Keys = typeof CONFIG_KEYS;
type ValueOf<K extends keyof Keys> = Keys[K] extends KeySpec<infer T> ? T : never;

/** The validated configuration, one typed object. `pagerUrl` stays a secret output. */
export type PlatformConfig = { [K in Exclude<keyof Keys, "pagerUrl">]: ValueOf<K> } & {
    pagerUrl: pulumi.Output<string>;
    /** True when `pagerUrl` is set, known without revealing the secret. */
    hasPager: boolean;
    project: string;
    stack: string;
};

/** Raw config as the CLI hands it to the program: strings keyed `<project>:<key>`. */
export type RawConfig = Record<string, string | undefined>;

/** Thrown when the configuration has problems; its message lists every one, one per line. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

function show(raw: string): string {
    return JSON.stringify(raw);
}

function decode(fullKey: string, spec: KeySpec<unknown>, raw: string): { value?: unknown; problem?: string } {
    switch (spec.type) {
        case "string":
            return { value: raw };
        case "integer": {
            const n = Number(raw.trim());
            if (raw.trim() === "" || !Number.isFinite(n)) {
                return { problem: `${fullKey}: ${show(raw)} is not a number` };
            }
            return { value: n };
        }
        case "boolean":
            if (raw === "true" || raw === "false") {
                return { value: raw === "true" };
            }
            return { problem: `${fullKey}: ${show(raw)} is not true or false` };
        case "array":
            try {
                const parsed: unknown = JSON.parse(raw);
                if (!Array.isArray(parsed)) {
                    return { problem: `${fullKey}: ${show(raw)} is not a list` };
                }
                return { value: parsed };
            } catch {
                return { problem: `${fullKey}: ${show(raw)} is not a list (expected a YAML list or JSON array)` };
            }
    }
}

function describe(value: unknown): string {
    return typeof value === "string" ? show(value) : JSON.stringify(value);
}

/**
 * Validates raw configuration and returns the typed values. Pure: the unit specs call it directly.
 * Every problem is collected, so an operator fixes a stack file in one pass.
 */
export function parseConfig(
    raw: RawConfig,
    project = PROJECT,
    opts: {
        secretKeys?: ReadonlySet<string>;
        skipSecretFormat?: boolean;
        /** Leave the RPO/RTO check to the caller (`npm run dr` prints the table of a stack that fails it). */
        skipRecoveryObjectives?: boolean;
    } = {},
): Omit<PlatformConfig, "pagerUrl" | "hasPager" | "project" | "stack"> & { pagerUrl: string } {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    const known = new Set(Object.keys(CONFIG_KEYS).map((k) => `${project}:${k}`));

    for (const [name, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec<unknown>][]) {
        const fullKey = `${project}:${name}`;
        const rawValue = raw[fullKey];
        if (rawValue === undefined) {
            if (spec.default === undefined) {
                problems.push(`${fullKey} is required: ${spec.description} Set it with \`pulumi config set ${name} <value>\`.`);
            } else {
                values[name] = spec.default;
            }
            continue;
        }
        // A secret the offline preview could not decrypt is checked at `pulumi up`, where its value is known.
        if (spec.secret && opts.skipSecretFormat && opts.secretKeys?.has(fullKey)) {
            values[name] = rawValue;
            continue;
        }
        const decoded = decode(fullKey, spec, rawValue);
        if (decoded.problem) {
            problems.push(decoded.problem);
            continue;
        }
        const result = spec.schema.safeParse(decoded.value);
        if (result.success) {
            values[name] = result.data;
            continue;
        }
        for (const issue of result.error.issues) {
            const path = issue.path.length > 0 ? `[${issue.path.join(".")}]` : "";
            const at = issue.path.length > 0 ? getAt(decoded.value, issue.path) : decoded.value;
            const shown = spec.secret && opts.secretKeys?.has(fullKey) ? "[secret]" : describe(at);
            problems.push(`${fullKey}${path}: ${shown} ${issue.message}`);
        }
    }

    for (const k of Object.keys(raw)) {
        if (k.startsWith(`${project}:`) && !known.has(k)) {
            const allowed = Object.keys(CONFIG_KEYS).join(", ");
            problems.push(`${k} is not a configuration key of this project (known keys: ${allowed})`);
        }
    }

    // A custom domain takes an own certificate or gets one requested; a certificate or a zone without a
    // domain would go unused. (An unparseable domain is reported above and decides nothing here.)
    if ("edgeDomainName" in values && values.edgeDomainName === "") {
        for (const k of ["edgeCertificateArn", "edgeHostedZoneId"] as const) {
            if (typeof values[k] === "string" && values[k] !== "") {
                problems.push(
                    `${project}:${k} is set but ${project}:edgeDomainName is empty: it belongs to a custom domain; set ${project}:edgeDomainName too, or remove ${project}:${k}`,
                );
            }
        }
    }

    // Escalation exists to reach someone beyond the first line; in prod that tier must be configured,
    // not fall back to alertEmails. A secret pagerUrl the preview cannot read is non-empty, so it counts.
    if (values.environment === "prod" && Array.isArray(values.escalationEmails) && values.escalationEmails.length === 0 && values.pagerUrl === "") {
        problems.push(
            `${project}:environment is prod, but the escalated tier has no target beyond the alertEmails mailboxes: set ${project}:escalationEmails ` +
                `(\`pulumi config set --path 'escalationEmails[0]' oncall-lead@example.com\`) or ${project}:pagerUrl (\`pulumi config set --secret pagerUrl https://...\`)`,
        );
    }

    // An escalation that reaches only mailboxes the warning already reached tells no one new: the
    // escalated tier must add a mailbox of its own, or the pager (which a warning never pages).
    const alert = Array.isArray(values.alertEmails) ? new Set((values.alertEmails as string[]).map((e) => e.toLowerCase())) : undefined;
    const escalation = Array.isArray(values.escalationEmails) ? (values.escalationEmails as string[]) : undefined;
    if (alert && escalation && escalation.length > 0 && values.pagerUrl === "" && escalation.every((e) => alert.has(e.toLowerCase()))) {
        problems.push(
            `${project}:escalationEmails: ${JSON.stringify(escalation)} are all alertEmails mailboxes, so an escalation reaches no one who has not had the warning: ` +
                `name the escalated tier's own mailbox (\`pulumi config set --path 'escalationEmails[0]' oncall-lead@example.com\`), or set ${project}:pagerUrl`,
        );
    }

    problems.push(...releaseTimingProblems(values, project));
    problems.push(...kpiProblems(values, project));

    // The default (2) stays within any retention; a value given explicitly must.
    const { backupFrequentRetentionDays: frequent, backupRetentionDays: daily } = values;
    if (raw[`${project}:backupFrequentRetentionDays`] !== undefined && typeof frequent === "number" && typeof daily === "number" && frequent > daily) {
        problems.push(
            `${project}:backupFrequentRetentionDays: ${frequent} is above ${project}:backupRetentionDays ${daily}: the frequent recovery points are kept at most as long as the daily one; set it to ${daily} or less, or raise backupRetentionDays`,
        );
    }

    // A token bucket smaller than a second's refill throttles a steady load at the rate itself.
    const { apiThrottleRateLimit: rate, apiThrottleBurstLimit: burst } = values;
    if (typeof rate === "number" && typeof burst === "number" && burst < rate) {
        problems.push(
            `${project}:apiThrottleBurstLimit: ${burst} is below ${project}:apiThrottleRateLimit ${rate}: API Gateway's token bucket holds at most the burst, so a steady ${rate} requests a second would be throttled; set the burst to ${rate} or more, or lower the rate`,
        );
    }

    problems.push(...capacityProblems(values, project));
    problems.push(...regionProblems(raw));
    problems.push(...recoveryProblems(values, raw, project, opts.skipRecoveryObjectives === true));

    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return values as ReturnType<typeof parseConfig>;
}

/** The capacity one function gets: its own key where set, else the stack-wide one. */
export interface FunctionCapacity {
    memoryMb: number;
    reservedConcurrency: number;
    timeoutSeconds: number;
    durationP99Ms: number;
}

/** Each workload function's capacity from the validated config: the per-function keys over the stack-wide ones. */
export function functionCapacities(
    c: Pick<PlatformConfig, "functionMemoryMb" | "functionReservedConcurrency" | "apiFunctionTimeoutSeconds" | "workerFunctionTimeoutSeconds"> &
        Partial<Record<string, unknown>>,
): Record<(typeof CAPACITY_FUNCTIONS)[number]["name"], FunctionCapacity> {
    const of = (k: string) => (typeof c[k] === "number" ? (c[k] as number) : 0);
    const out = {} as Record<(typeof CAPACITY_FUNCTIONS)[number]["name"], FunctionCapacity>;
    for (const f of CAPACITY_FUNCTIONS) {
        out[f.name] = {
            memoryMb: of(`${f.prefix}MemoryMb`) || c.functionMemoryMb,
            reservedConcurrency: of(`${f.prefix}ReservedConcurrency`) || c.functionReservedConcurrency,
            timeoutSeconds: f.worker ? of(`${f.prefix}TimeoutSeconds`) || c.workerFunctionTimeoutSeconds : c.apiFunctionTimeoutSeconds,
            durationP99Ms: of(`${f.prefix}DurationP99Ms`) || f.p99,
        };
    }
    return out;
}

/** The release's two hook functions reserve this much each (components/release.ts: one per released function, at least 2). */
const HOOK_RESERVED_CONCURRENCY = CAPACITY_FUNCTIONS.length;

/**
 * Capacity that cannot work: an email worker too small for its queue's mapping, provisioned concurrency
 * beyond the api function's reservation or a schedule without it, a p99 at or over a timeout, reservations
 * that take the account's unreserved minimum, a stage throttle over the account's API Gateway quota.
 */
function capacityProblems(values: Record<string, unknown>, project: string): string[] {
    const needed = ["functionMemoryMb", "functionReservedConcurrency", "apiFunctionTimeoutSeconds", "workerFunctionTimeoutSeconds"];
    if (!needed.every((k) => typeof values[k] === "number")) return [];
    const problems: string[] = [];
    const caps = functionCapacities(values as Parameters<typeof functionCapacities>[0]);
    const k = (name: string) => `${project}:${name}`;
    const email = caps["email-worker"];
    if (email.reservedConcurrency < MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY) {
        const from = values.emailWorkerReservedConcurrency ? "emailWorkerReservedConcurrency" : "functionReservedConcurrency";
        problems.push(
            `${k(from)}: the email worker's reserved concurrency ${email.reservedConcurrency} is below ${MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY}: its queue's event source mapping polls at least 2 batches at once (the AWS minimum) and must stay below the reservation; set ${k("emailWorkerReservedConcurrency")} to ${MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY} or more`,
        );
    }
    for (const f of CAPACITY_FUNCTIONS) {
        const cap = caps[f.name];
        if (cap.durationP99Ms >= cap.timeoutSeconds * 1000) {
            problems.push(
                `${k(`${f.prefix}DurationP99Ms`)}: ${cap.durationP99Ms} ms is not below the ${f.name} function's timeout of ${cap.timeoutSeconds} s: a p99 at the timeout means invocations time out; set a p99 below ${cap.timeoutSeconds * 1000}`,
            );
        }
    }
    const { apiProvisionedConcurrencyMin: min, apiProvisionedConcurrencyMax: max, apiProvisionedConcurrencySchedule: schedule } = values;
    if (typeof min === "number" && typeof max === "number") {
        const apiReserved = caps.api.reservedConcurrency;
        if (max === 0 && min > 0) {
            problems.push(
                `${k("apiProvisionedConcurrencyMin")}: ${min} needs ${k("apiProvisionedConcurrencyMax")} (0: no provisioned concurrency); set the maximum to ${min} or more`,
            );
        }
        if (max > 0 && min < 1) {
            problems.push(
                `${k("apiProvisionedConcurrencyMin")}: 0 with ${k("apiProvisionedConcurrencyMax")} ${max}: allowed: 1 to ${max} (the allocation the alias gets when created)`,
            );
        }
        if (max > 0 && min > max) {
            problems.push(`${k("apiProvisionedConcurrencyMin")}: ${min} is above ${k("apiProvisionedConcurrencyMax")} ${max}`);
        }
        if (max > apiReserved) {
            problems.push(
                `${k("apiProvisionedConcurrencyMax")}: ${max} is above the api function's reserved concurrency ${apiReserved}: Lambda provisions at most the reservation; lower it or raise ${k("apiReservedConcurrency")}`,
            );
        }
        if (Array.isArray(schedule)) {
            if (max === 0 && schedule.length > 0) {
                problems.push(
                    `${k("apiProvisionedConcurrencySchedule")}: a schedule without provisioned concurrency (${k("apiProvisionedConcurrencyMax")} 0) scales nothing; set the maximum, or remove the schedule`,
                );
            }
            (schedule as string[]).forEach((text, i) => {
                const { value } = parseScheduledCapacity(text);
                if (value && value.max > apiReserved) {
                    problems.push(
                        `${k("apiProvisionedConcurrencySchedule")}[${i}]: max=${value.max} is above the api function's reserved concurrency ${apiReserved}`,
                    );
                }
                if (value && value.min < 1) {
                    problems.push(
                        `${k("apiProvisionedConcurrencySchedule")}[${i}]: min=0; allowed: min=1 or more (the alias keeps at least one provisioned environment while it has any)`,
                    );
                }
            });
        }
    }
    const quota = values.accountConcurrencyQuota;
    if (typeof quota === "number") {
        const reserved = Object.values(caps).reduce((sum, c) => sum + c.reservedConcurrency, 0) + 2 * HOOK_RESERVED_CONCURRENCY;
        const unreserved = AWS_QUOTA_DEFAULTS.lambdaUnreservedMinimum.value;
        if (reserved > quota - unreserved) {
            problems.push(
                `${k("accountConcurrencyQuota")}: ${quota} leaves ${quota - reserved} unreserved after the stack's functions reserve ${reserved} (the four workload functions and the two release hooks); Lambda keeps ${unreserved} unreserved, so the reservations fail: lower them or raise the quota (and this key)`,
            );
        }
    }
    const { sesSendingQuotaPerSecond: perSecond, sesSendingQuotaPer24h: perDay, apiGatewayAccountRateQuota: apiQuota, apiThrottleRateLimit: rate } = values;
    if (typeof perSecond === "number" && typeof perDay === "number" && perDay < perSecond) {
        problems.push(
            `${k("sesSendingQuotaPer24h")}: ${perDay} is below ${k("sesSendingQuotaPerSecond")} ${perSecond}: a day's quota below one second's rate is not an SES account`,
        );
    }
    if (typeof apiQuota === "number" && typeof rate === "number" && rate > apiQuota) {
        problems.push(
            `${k("apiThrottleRateLimit")}: ${rate} is above ${k("apiGatewayAccountRateQuota")} ${apiQuota}: the account throttles first; lower the stage's rate or raise the quota`,
        );
    }
    return problems;
}

/**
 * A release watches its rollback alarms only while it runs: a rolling step or canary bake shorter
 * than the alarms' detection time shifts more traffic to a bad version before any alarm can fire,
 * and a bake after the shift without a margin over it lets a bad release succeed (MIN_BAKE_MINUTES).
 */
function releaseTimingProblems(values: Record<string, unknown>, project: string): string[] {
    const { releaseStrategy: strategy, releaseIntervalMinutes: interval, releaseBakeMinutes: bake } = values;
    const need = ROLLBACK_DETECTION_MINUTES;
    const why = `the ${need} minutes the rollback alarms need to detect a bad version (${ROLLBACK_ALARM_WINDOW.datapointsToAlarm} breaching datapoints of ${ROLLBACK_ALARM_WINDOW.periodSeconds / 60} minute)`;
    const problems: string[] = [];
    if ((strategy === "rolling" || strategy === "canary") && typeof interval === "number" && interval < need) {
        const what = strategy === "rolling" ? "each rolling step lasts" : "the canary bakes";
        problems.push(
            `${project}:releaseIntervalMinutes: ${interval} minutes (how long ${what}) is shorter than ${why}; set ${project}:releaseIntervalMinutes to ${need} or more, or use ${project}:releaseStrategy blue-green`,
        );
    }
    if (typeof bake === "number" && bake < MIN_BAKE_MINUTES) {
        problems.push(
            `${project}:releaseBakeMinutes: ${bake} minutes leaves no margin over ${why}: a release failing from its first minute could complete as its alarm fires; ` +
                `set ${project}:releaseBakeMinutes to ${MIN_BAKE_MINUTES} or more (the detection time and 2 minutes of margin; at most 12)`,
        );
    }
    return problems;
}

/**
 * The no-order alarm must be able to fire: armed in prod, and over fewer minutes than a business day
 * has (the heartbeat stops at closing, so no longer order-free stretch exists).
 */
function kpiProblems(values: Record<string, unknown>, project: string): string[] {
    const { environment, kpiBusinessHours: text, kpiNoOrderMinutes: minutes } = values;
    if (typeof text !== "string") return [];
    const problems: string[] = [];
    // A standby (drStandbyOf) takes no orders until a failover: its no-order alarm would fire every business day.
    if (environment === "prod" && text === NO_BUSINESS_HOURS && values.drStandbyOf === "") {
        problems.push(
            `${project}:environment is prod, but ${project}:kpiBusinessHours is ${NO_BUSINESS_HOURS}: the no-order alarm would never be armed; ` +
                `set the hours orders are expected (\`pulumi config set kpiBusinessHours "Mon-Fri 08:00-20:00"\`) and ${project}:kpiTimeZone`,
        );
    }
    const { hours } = parseBusinessHours(text);
    if (hours !== undefined && typeof minutes === "number" && minutes >= businessMinutesPerDay(hours)) {
        problems.push(
            `${project}:kpiNoOrderMinutes: ${minutes} is not shorter than a business day of ${project}:kpiBusinessHours "${text}" (${businessMinutesPerDay(hours)} minutes): ` +
                `no order-free stretch that long fits in business hours, so the alarm could never fire; set ${project}:kpiNoOrderMinutes below ${businessMinutesPerDay(hours)}`,
        );
    }
    return problems;
}

const RECOVERY_KEYS = [
    "environment",
    "rpoMinutes",
    "rtoMinutes",
    "drCopies",
    "drRegion",
    "drStrategy",
    "drAccountId",
    "drVaultArn",
    "drClaims",
    "drStandbyOf",
    "tableSizeGb",
    "backupRetentionDays",
    "backupFrequentRetentionDays",
    "drMeasuredRestoreMinutes",
    "releaseStrategy",
    "releaseStepPercent",
    "releaseIntervalMinutes",
    "releaseBakeMinutes",
    "availabilityZones",
    "natGateways",
    "searchStandbyReplicas",
] as const satisfies readonly (keyof RecoveryInputs)[];

/**
 * Disaster recovery beyond the region: the DR keys fit together, and every failure mode the stack
 * claims (drClaims) meets rpoMinutes and rtoMinutes as tools/dr/model.ts computes them, one line per
 * mode that does not, naming the targets, what the configuration achieves and what to change.
 */
function recoveryProblems(values: Record<string, unknown>, raw: RawConfig, project: string, skipObjectives: boolean): string[] {
    const k = (key: string) => `${project}:${key}`;
    const problems: string[] = [];
    const region = raw["aws:region"];
    const { drCopies, drRegion, drStrategy, drAccountId, drVaultArn, drStandbyOf, drReplicaStreamArn, drReplicaKeyArn, drPrimaryStack } = values;
    if (drCopies === true && drRegion === "") {
        problems.push(
            `${k("drCopies")} is true but ${k("drRegion")} is empty: name the region copies go to (\`pulumi config set drRegion eu-central-1\`), another than aws:region`,
        );
    }
    if (typeof drRegion === "string" && drRegion !== "" && drRegion === region) {
        problems.push(`${k("drRegion")}: ${show(drRegion)} is the stack's own aws:region: a copy there is lost with the region; name another region`);
    }
    if (drStrategy === "pilot-light" && drCopies === false) {
        problems.push(
            `${k("drStrategy")} is pilot-light but ${k("drCopies")} is false: the replica lives in drRegion; set ${k("drCopies")} true and ${k("drRegion")}, or use backup-restore`,
        );
    }
    if (typeof drAccountId === "string" && typeof drVaultArn === "string") {
        if ((drAccountId === "") !== (drVaultArn === "")) {
            const [set, unset] = drAccountId === "" ? ["drVaultArn", "drAccountId"] : ["drAccountId", "drVaultArn"];
            problems.push(`${k(set)} is set but ${k(unset)} is empty: a cross-account copy needs both the recovery account's id and its vault's ARN`);
        } else if (drVaultArn !== "") {
            const [, , , vaultRegion, vaultAccount] = drVaultArn.split(":");
            if (vaultAccount !== drAccountId) {
                problems.push(
                    `${k("drVaultArn")}: ${show(drVaultArn)} is a vault of account ${vaultAccount}, not of ${k("drAccountId")} ${drAccountId}: name the recovery account's vault`,
                );
            }
            if (typeof drRegion === "string" && drRegion !== "" && vaultRegion !== drRegion) {
                problems.push(
                    `${k("drVaultArn")}: ${show(drVaultArn)} is in ${vaultRegion}, not in ${k("drRegion")} ${drRegion}: the copy is made there; name a vault in ${drRegion}`,
                );
            }
            if (drCopies === false) {
                problems.push(
                    `${k("drVaultArn")} is set but ${k("drCopies")} is false: the cross-account copy is one of the copies; set ${k("drCopies")} true`,
                );
            }
        }
    }
    if (
        typeof drStandbyOf === "string" &&
        typeof drReplicaStreamArn === "string" &&
        typeof drReplicaKeyArn === "string" &&
        typeof drPrimaryStack === "string"
    ) {
        // The primary's stack reference, when given, must name the primary: its stack part is drStandbyOf.
        const referenced = drPrimaryStack.split("/");
        if (drStandbyOf !== "" && drPrimaryStack !== "" && (referenced[2] !== drStandbyOf || referenced[1] !== project)) {
            problems.push(
                `${k("drPrimaryStack")}: ${show(drPrimaryStack)} is not stack ${drStandbyOf} of project ${project}: name the primary this stack is the standby of (<organization>/${project}/${drStandbyOf})`,
            );
        }
        // Pinned values are both given or neither: one of them alone is a half-updated failover.
        const pinned = drReplicaStreamArn !== "" || drReplicaKeyArn !== "";
        if (drStandbyOf === "") {
            for (const [key, v] of [
                ["drReplicaStreamArn", drReplicaStreamArn],
                ["drReplicaKeyArn", drReplicaKeyArn],
                ["drPrimaryStack", drPrimaryStack],
            ] as const) {
                if (v !== "")
                    problems.push(
                        `${k(key)} is set but ${k("drStandbyOf")} is empty: it names the replica of the stack this one is the standby of; set ${k("drStandbyOf")} too, or remove ${k(key)}`,
                    );
            }
        } else {
            if (drPrimaryStack === "" && !pinned) {
                problems.push(
                    `${k("drStandbyOf")} is ${show(drStandbyOf)} but neither ${k("drPrimaryStack")} nor drReplicaStreamArn and drReplicaKeyArn are set: name the primary's stack (\`pulumi config set drPrimaryStack <organization>/${project}/${drStandbyOf}\`), or pin the replica's stream and key from its disasterRecovery output (\`pulumi stack output --stack ${drStandbyOf} disasterRecovery\`: replica)`,
                );
            }
            for (const [key, v] of [
                ["drReplicaStreamArn", drReplicaStreamArn],
                ["drReplicaKeyArn", drReplicaKeyArn],
            ] as const) {
                if (v === "" && pinned) {
                    problems.push(
                        `${k(key)} is empty but the other of drReplicaStreamArn and drReplicaKeyArn is set: pin both from ${drStandbyOf}'s disasterRecovery output (replica), or neither and let ${k("drPrimaryStack")} give them`,
                    );
                } else if (v === "") {
                    continue;
                } else if (v.split(":")[3] !== region) {
                    problems.push(
                        `${k(key)}: ${show(v)} is in ${v.split(":")[3]}, not in this stack's aws:region ${region}: a standby runs in its primary's drRegion, against the replica there`,
                    );
                }
            }
            const table = /:table\/([^/]+)\//.exec(drReplicaStreamArn)?.[1];
            if (table !== undefined && !table.startsWith(`${project}-${drStandbyOf}-`)) {
                problems.push(
                    `${k("drReplicaStreamArn")}: ${show(drReplicaStreamArn)} is the stream of table ${table}, not of stack ${drStandbyOf}'s (${project}-${drStandbyOf}-...)`,
                );
            }
            const [streamAccount, keyAccount] = [drReplicaStreamArn.split(":")[4], drReplicaKeyArn.split(":")[4]];
            if (drReplicaStreamArn !== "" && drReplicaKeyArn !== "" && streamAccount !== keyAccount) {
                problems.push(
                    `${k("drReplicaKeyArn")}: ${show(drReplicaKeyArn)} is a key of account ${keyAccount}, the replica's stream of account ${streamAccount}: both come from the same disasterRecovery output`,
                );
            }
            if (drStrategy === "pilot-light") {
                problems.push(
                    `${k("drStrategy")} is pilot-light but ${k("drStandbyOf")} is set: a standby's table is its primary's replica, which it cannot replicate again; use backup-restore`,
                );
            }
        }
    }
    if (problems.length > 0 || skipObjectives || !RECOVERY_KEYS.every((key) => values[key] !== undefined)) {
        return problems;
    }
    return objectiveProblems(recoveryTable(recoveryInputs(values as PlatformValues)), project);
}

type PlatformValues = Omit<PlatformConfig, "pagerUrl" | "hasPager" | "project" | "stack">;

/** What tools/dr/model.ts needs of a validated configuration. */
export function recoveryInputs(config: PlatformValues): RecoveryInputs {
    return Object.fromEntries(RECOVERY_KEYS.map((key) => [key, config[key]])) as unknown as RecoveryInputs;
}

/** The regions the AWS provider knows (its `Region` enum), which every name and ARN the components build assumes. */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

/** `aws:region`, which every component reads, is set and names a real AWS region. */
function regionProblems(raw: RawConfig): string[] {
    const region = raw["aws:region"];
    if (region === undefined) {
        return ["aws:region is required: the AWS region the stack deploys to. Set it with `pulumi config set aws:region eu-west-1`."];
    }
    if (!AWS_REGIONS.includes(region)) {
        const near = AWS_REGIONS.filter((r) => r.split("-")[0] === region.split("-")[0]);
        return [
            `aws:region: ${show(region)} is not an AWS region (${near.length > 0 ? `regions of ${region.split("-")[0]}: ${near.join(", ")}` : `allowed: ${AWS_REGIONS.join(", ")}`})`,
        ];
    }
    return [];
}

function getAt(value: unknown, path: PropertyKey[]): unknown {
    let cur: unknown = value;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

// The SDK's @internal isConfigSecret is the only reader of PULUMI_CONFIG_SECRET_KEYS that also sees
// config set through the runtime's store (mocks, Automation API); sdk-internals.ts checks it.
const isConfigSecret = configSecretReader(pulumi.runtime);

/**
 * Reads this stack's configuration once and validates it. A bad value stops the program with a
 * message that names each key, its value and what is allowed.
 */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const all = pulumi.runtime.allConfig();
    const secretKeys = new Set(Object.keys(all).filter((k) => isConfigSecret(k)));
    let parsed: ReturnType<typeof parseConfig>;
    try {
        parsed = parseConfig(all, project, { secretKeys, skipSecretFormat: pulumi.runtime.isDryRun() });
    } catch (err) {
        if (err instanceof ConfigError) {
            // RunError prints without a stack trace: the message is the whole story.
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
    const { pagerUrl, ...rest } = parsed;
    return {
        ...rest,
        pagerUrl: pulumi.secret(pagerUrl),
        hasPager: pagerUrl !== "",
        project,
        stack: pulumi.getStack(),
    };
}
