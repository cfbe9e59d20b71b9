// Composition root: configuration -> components -> the exported output contract. Every stack builds
// the same components; stacks differ only in configuration values (see test/stacks/parity.spec.ts).
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { Severity } from "./components/alarms";
import { Alerting } from "./components/alerting";
import { Backup } from "./components/backup";
import { Api, RouteSpec } from "./components/api";
import { platformContext } from "./components/context";
import { DataStore } from "./components/data-store";
import { DataClass, Encryption } from "./components/encryption";
import { Firewall } from "./components/firewall";
import { Edge, distributionArnPattern } from "./components/edge";
import { Function } from "./components/function";
import { Identity } from "./components/identity";
import { Messaging, QueueOutputs } from "./components/messaging";
import { Release, ReleaseTarget } from "./components/release";
import { ApiMetric, FUNCTION_VERSION_DIMENSION } from "./functions/shared/metric-names";
import { DkimRecord, Email } from "./components/email";
import { Search } from "./components/search";
import { AuditTrail, trailArn } from "./components/trail";
import { DashboardKind, Dashboards } from "./components/dashboards";

const config = loadConfig();
const context = platformContext({ project: config.project, stack: config.stack, environment: config.environment });

// Key policies name the roles that use each key: every grant below, and every component given a key
// for its own use (a function's dead-letter queue, the backup vault, the release's notifications).
const encryption = new Encryption("encryption", {
    context,
    protect: config.deletionProtection,
    // The Edge distribution reads the KMS-encrypted site bucket through OAC (see distributionArnPattern).
    cloudFrontSourceArns: [distributionArnPattern(context)],
    // SES publishes bounces and complaints to the feedback topic, encrypted with the messaging key.
    sesEvents: true,
    // The audit trail (AuditTrail below) encrypts its log files with the logs key.
    cloudTrailArns: [trailArn(context)],
});

const alerting = new Alerting("alerting", {
    context,
    kmsKeyArn: encryption.messagingKeyArn,
    emails: config.alertEmails,
    escalationEmails: config.escalationEmails,
    pagerUrl: config.pagerUrl,
    hasPager: config.hasPager,
    escalationMinutes: config.escalationMinutes,
});
const routing = alerting.routing;

const data = new DataStore("orders", {
    context,
    kmsKey: encryption.dataKey,
    routing,
    deletionProtection: config.deletionProtection,
});

const messaging = new Messaging("messaging", {
    context,
    kmsKey: encryption.messagingKey,
    routing,
    maxReceiveCount: config.maxReceiveCount,
    maxAgeSeconds: config.queueMaxAgeSeconds,
    queues: {
        email: { filterPolicy: { type: ["order.created", "order.cancelled"] }, consumerTimeoutSeconds: config.workerFunctionTimeoutSeconds },
    },
});

// The hosted sign-in returns to the site CloudFront serves: the custom domain when config sets one,
// else the distribution's own name. Identity comes before Api (its authorizer trusts the pool) and
// Edge after Api (it routes /api/* to the stage), so the distribution's name is a deferred output,
// resolved once Edge exists: only the web client waits for it, and the distribution never waits for
// the client, so there is no cycle.
const [distributionDomain, resolveDistributionDomain] = pulumi.deferredOutput<string>();
const siteUrl = (path: string): pulumi.Input<string> =>
    config.edgeDomainName !== "" ? `https://${config.edgeDomainName}${path}` : pulumi.interpolate`https://${distributionDomain}${path}`;

const identity = new Identity("identity", {
    context,
    mfa: config.cognitoMfa,
    threatProtection: config.cognitoThreatProtection,
    deletionProtection: config.deletionProtection,
    callbackUrls: [siteUrl("/auth/callback")],
    logoutUrls: [siteUrl("/")],
});

const firewall = new Firewall("api-firewall", {
    context,
    scope: "REGIONAL",
    rateLimit: config.wafRateLimit,
    logRetentionDays: config.logRetentionDays,
    logsKeyArn: encryption.logsKeyArn,
});

const functionDefaults = {
    context,
    memoryMb: config.functionMemoryMb,
    reservedConcurrency: config.functionReservedConcurrency,
    logRetentionDays: config.logRetentionDays,
    logsKeyArn: encryption.logsKeyArn,
    environmentKeyArn: encryption.dataKeyArn,
    messagingKey: encryption.messagingKey,
    routing,
    errorRatePercent: config.functionErrorRatePercent,
    durationPercentOfTimeout: config.functionDurationPercentOfTimeout,
    // CodeDeploy (the Release component below) moves each `live` alias; Pulumi only publishes versions.
    releasedExternally: true,
};

const powertools = () => ({ POWERTOOLS_METRICS_NAMESPACE: context.namePrefix, POWERTOOLS_LOG_LEVEL: "INFO" });

// The search collection, reached from the api and search-indexer functions inside its VPC. Its data
// access policy names the roles its grants give it (search.grantRead, search.grantWrite below).
const search = new Search("search", {
    context,
    kmsKeyArn: encryption.dataKeyArn,
    routing,
    standbyReplicas: config.searchStandbyReplicas,
    availabilityZones: config.availabilityZones,
    natGateways: config.natGateways,
    vpcCidr: config.vpcCidr,
    protect: config.deletionProtection,
    // DynamoDB through a gateway endpoint, SNS through an interface endpoint: no NAT on the API's path.
    // Each endpoint's policy allows what the VPC's functions are granted there (the api function's
    // table and topic grants; the search indexer calls neither: Lambda polls its stream outside the VPC).
    serviceEndpoints: ["dynamodb", "sns"],
});

const apiFunction = new Function("api", {
    ...functionDefaults,
    entry: "functions/api/index.ts",
    timeoutSeconds: config.apiFunctionTimeoutSeconds,
    environment: {
        ...powertools(),
        TABLE_NAME: data.tableName,
        // Idempotency records share the single table under their own key prefix, expiring by TTL.
        IDEMPOTENCY_TABLE_NAME: data.tableName,
        EVENT_TOPIC_ARN: messaging.topicArn,
        SEARCH_ENDPOINT: search.collectionEndpoint,
        SEARCH_INDEX: search.indexName,
    },
    vpc: search.functionVpc,
    // The handler counts every response and every 5xx per version (functions/shared/metric-names.ts):
    // a release rolls back on the new version's own 5xx rate, which Lambda's Errors never sees.
    versionFailureAlarm: {
        namespace: powertools().POWERTOOLS_METRICS_NAMESPACE,
        requestsMetric: ApiMetric.Responses,
        failuresMetric: ApiMetric.ServerErrors,
        versionDimension: FUNCTION_VERSION_DIMENSION,
        thresholdPercent: config.api5xxRatePercent,
    },
});
data.grantReadWrite(apiFunction, { sid: "Orders", keySid: "UseTableKey" });
data.grantQuery(apiFunction, { index: "gsi1", sid: "OrdersByCustomer" });
messaging.grantPublish(apiFunction, { sid: "PublishEvents", keySid: "EncryptEvents" });
search.grantRead(apiFunction);

// Records bounces and complaints and suppresses those addresses; the Email component subscribes it.
const sesFeedback = new Function("ses-feedback", {
    ...functionDefaults,
    entry: "functions/ses-feedback/index.ts",
    timeoutSeconds: config.workerFunctionTimeoutSeconds,
    environment: { ...powertools(), TABLE_NAME: data.tableName },
});
data.grantWrite(sesFeedback, { sid: "RecordFeedback", actions: ["PutItem", "UpdateItem"], keySid: "UseTableKey" });

const email = new Email("email", {
    context,
    domain: config.emailDomain,
    kmsKeyArn: encryption.messagingKeyArn,
    routing,
    feedbackHandler: { functionName: sesFeedback.functionName, aliasArn: sesFeedback.aliasArn },
});

const sesConfigurationSet = email.configurationSetName;
const emailWorker = new Function("email-worker", {
    ...functionDefaults,
    entry: "functions/email-worker/index.ts",
    timeoutSeconds: config.workerFunctionTimeoutSeconds,
    environment: {
        ...powertools(),
        TABLE_NAME: data.tableName,
        SES_CONFIGURATION_SET: sesConfigurationSet,
        SES_FROM_ADDRESS: `orders@${config.emailDomain}`,
    },
    queueSources: [messaging.queues.email],
    grants: [
        {
            sid: "SendEmail",
            actions: ["ses:SendEmail"],
            resources: [email.identityArn, email.configurationSetArn],
        },
    ],
    // The worker counts every send whose outcome it cannot know (at most once: it is never retried).
    metricsNamespace: powertools().POWERTOOLS_METRICS_NAMESPACE,
    metricAlarms: [
        {
            metricName: "EmailDeliveryUncertain",
            threshold: 0,
            severity: "warning",
            description:
                "An SES send timed out or was cut off after SES may have accepted it: a customer may or may not have received an order email, and it is not retried. " +
                "Find the event in the worker's logs, check SES and decide whether to resend: docs/runbooks/email-delivery.md#emaildeliveryuncertain",
        },
    ],
});
data.grantReadWrite(emailWorker, { sid: "DeliveryLedger", actions: ["GetItem", "PutItem", "UpdateItem"], keySid: "UseTableKey" });

const searchIndexer = new Function("search-indexer", {
    ...functionDefaults,
    entry: "functions/search-indexer/index.ts",
    timeoutSeconds: config.workerFunctionTimeoutSeconds,
    environment: { ...powertools(), SEARCH_ENDPOINT: search.collectionEndpoint, SEARCH_INDEX: search.indexName },
    vpc: search.functionVpc,
    streamSources: [
        {
            name: "orders-stream",
            tableArn: data.tableArn,
            streamArn: data.streamArn,
            kmsKey: encryption.dataKey,
        },
    ],
});
search.grantWrite(searchIndexer);

// Reads accept access tokens: the machine client's (client credentials, `orders/orders.read`) and the web
// client's (`openid` from the hosted UI, `aws.cognito.signin.user.admin` from SRP sign-in). Writes stay on ID
// tokens, whose verified `email` claim the order confirmation needs and access tokens lack.
const READ_SCOPES = ["orders/orders.read", "openid", "aws.cognito.signin.user.admin"];

// Only search is cached: its index already lags the table, so 30 s more staleness changes nothing a
// customer can see. The list and the order itself are not: a customer must read their own writes.
const routes: RouteSpec[] = [
    { method: "GET", path: "/health", publicReason: "Smoke tests and deploy checks probe health without credentials." },
    { method: "GET", path: "/orders", queryParameters: { limit: false, cursor: false }, scopes: READ_SCOPES },
    {
        method: "POST",
        path: "/orders",
        bodySchema: {
            type: "object",
            required: ["items", "currency"],
            properties: {
                items: { type: "array", minItems: 1, maxItems: 50, items: { type: "object" } },
                currency: { type: "string" },
                note: { type: "string", maxLength: 500 },
            },
        },
    },
    {
        method: "GET",
        path: "/orders/search",
        queryParameters: { q: true, limit: false },
        scopes: READ_SCOPES,
        cache: { ttlSeconds: 30, key: ["querystring.q", "querystring.limit"] },
    },
    { method: "GET", path: "/orders/{id}", scopes: READ_SCOPES },
    { method: "POST", path: "/orders/{id}/cancel" },
];

// "gateway", not "api", which names the function behind it. The physical names stay "api"; the alias
// moves the state (Pulumi aliases every child named "gateway-..." to its old "api-..." name).
const api = new Api(
    "gateway",
    {
        context,
        physicalName: "api",
        routes,
        handler: { functionName: apiFunction.functionName, aliasInvokeArn: apiFunction.aliasInvokeArn },
        userPoolArn: identity.userPoolArn,
        webAclArn: firewall.webAclArn,
        throttleRateLimit: config.apiThrottleRateLimit,
        throttleBurstLimit: config.apiThrottleBurstLimit,
        cacheEnabled: config.apiCacheEnabled,
        cacheSizeGb: config.apiCacheSizeGb,
        logRetentionDays: config.logRetentionDays,
        logsKeyArn: encryption.logsKeyArn,
        routing,
        fiveXxRatePercent: config.api5xxRatePercent,
        latencyP99Ms: config.apiLatencyP99Ms,
    },
    { aliases: [{ name: "api" }] },
);

const functions = { api: apiFunction, "email-worker": emailWorker, "search-indexer": searchIndexer, "ses-feedback": sesFeedback };

const releaseTarget = (fn: Function, check: ReleaseTarget["check"], callerAlarms: pulumi.Input<string>[] = []): ReleaseTarget => ({
    functionName: fn.functionName,
    functionArn: fn.functionArn,
    aliasArn: fn.aliasArn,
    latestVersion: fn.latestVersion,
    rollbackAlarmNames: [...fn.rollbackAlarmNames, ...callerAlarms],
    check,
});

// Releases: CodeDeploy shifts each function's `live` alias to the version `pulumi up` published, after
// a BeforeAllowTraffic hook has called the new version, and rolls back on what callers see, the
// version's own failures, a failed hook or an alarm during the bake (docs/runbooks/release-and-rollback.md).
const release = new Release("release", {
    context,
    functions: {
        // The API's release also watches what its callers see: the stage's 5xx rate and p99 latency.
        api: releaseTarget(apiFunction, "http-api", api.rollbackAlarmNames),
        "email-worker": releaseTarget(emailWorker, "event-batch"),
        "search-indexer": releaseTarget(searchIndexer, "event-batch"),
        "ses-feedback": releaseTarget(sesFeedback, "event-batch"),
    },
    strategy: config.releaseStrategy,
    stepPercent: config.releaseStepPercent,
    intervalMinutes: config.releaseIntervalMinutes,
    bakeMinutes: config.releaseBakeMinutes,
    smoke: {
        apiUrl: api.apiUrl,
        tokenUrl: pulumi.interpolate`${identity.hostedDomainUrl}/oauth2/token`,
        userPoolArn: identity.userPoolArn,
        userPoolId: identity.userPoolId,
        machineClientId: identity.userPoolClientIds.machine,
    },
    hookFunction: functionDefaults,
    notifications: { topicArn: routing.topicArns.warning, kmsKey: encryption.messagingKey },
});

// Recovery: PITR on the table plus AWS Backup recovery points in a locked vault (docs/runbooks/restore-table.md).
const backup = new Backup("table-backup", {
    context,
    tableArn: data.tableArn,
    kmsKey: encryption.dataKey,
    routing,
    retentionDays: config.backupRetentionDays,
    rpoMinutes: config.rpoMinutes,
    rtoMinutes: config.rtoMinutes,
    deletionProtection: config.deletionProtection,
});

/** Base URL of the API stage. */
export const apiUrl: pulumi.Output<string> = api.apiUrl;
/** REST API id. */
export const apiId: pulumi.Output<string> = api.apiId;
/** Cognito user pool id. */
export const userPoolId: pulumi.Output<string> = identity.userPoolId;
/** Cognito app client ids: `web` and `machine`. */
export const userPoolClientIds: pulumi.Output<{ web: string; machine: string }> = identity.userPoolClientIds;
/** Hosted sign-in base URL. */
export const authDomainUrl: pulumi.Output<string> = identity.hostedDomainUrl;
/** ARN of the domain-event topic. */
export const eventTopicArn: pulumi.Output<string> = messaging.topicArn;
/** Name of the single table. */
export const tableName: pulumi.Output<string> = data.tableName;
/** ARN of the single table. */
export const tableArn: pulumi.Output<string> = data.tableArn;
/** ARN of each severity topic; consumer stacks route their alarms here. */
export const alertTopicArns: pulumi.Output<Record<Severity, string>> = alerting.topicArns;
/** ARN of each customer-managed KMS key by data class. */
export const kmsKeyArns: pulumi.Output<Record<DataClass, string>> = encryption.keyArns;
/** Every event queue and its DLQ, by name: what the DLQ redrive command reads. */
export const queues: pulumi.Output<Record<string, QueueOutputs>> = messaging.queueOutputs;
/** Each function's name, `live` alias ARN and dead-letter queue, by workload name. */
export const functionOutputs: pulumi.Output<Record<string, { name: string; aliasArn: string; dlqUrl: string; dlqArn: string }>> = pulumi.output(
    Object.fromEntries(
        Object.entries(functions).map(([k, f]) => [
            k,
            { name: f.functionName, aliasArn: f.aliasArn, dlqUrl: f.deadLetterQueueUrl, dlqArn: f.deadLetterQueueArn },
        ]),
    ),
);
/** ARN of the regional WAF web ACL in front of the API. */
export const apiWebAclArn: pulumi.Output<string> = firewall.webAclArn;
/** Easy DKIM CNAME records the sending domain's DNS must publish before SES signs and sends from it. */
export const emailDkimRecords: pulumi.Output<DkimRecord[]> = email.dkimRecords;
/** Easy DKIM tokens of the sending domain (one CNAME record each). */
export const emailDkimTokens: pulumi.Output<string[]> = email.dkimTokens;
/** SES configuration set every email is sent through. */
export const emailConfigurationSetName: pulumi.Output<string> = pulumi.output(email.configurationSetName);
/** HTTPS endpoint of the search collection, reachable only through its VPC endpoint. */
export const searchEndpoint: pulumi.Output<string> = search.collectionEndpoint;
/** Id of the VPC the search clients run in. */
export const vpcId: pulumi.Output<string> = search.vpcId;
/** Per function: the CodeDeploy application and deployment group that release it, and the version to release. */
export const releases: pulumi.Output<
    Record<string, { application: string; deploymentGroup: string; functionName: string; alias: string; targetVersion: string }>
> = release.releases;
/** Function names of the CodeDeploy lifecycle hooks a release's AppSpec names (since contract 1.2). */
export const releaseHooks: pulumi.Output<{ beforeAllowTraffic: string; afterAllowTraffic: string }> = release.hookFunctionNames;
/** ARN of the AWS Backup vault holding the table's recovery points. */
export const backupVaultArn: pulumi.Output<string> = backup.vaultArn;
/** Id of the AWS Backup plan of the table. */
export const backupPlanId: pulumi.Output<string> = backup.planId;

// The content-delivery front: site bucket through OAC, /api/* to the API stage; its WAF, alarm
// topics and Shield live in us-east-1 (through its own provider), as CloudFront requires.
const edge = new Edge("edge", {
    context,
    api: { restApiId: api.apiId, stageName: api.stageName },
    dataKeyArn: encryption.dataKeyArn,
    alerts: {
        emails: config.alertEmails,
        escalationEmails: config.escalationEmails,
        pagerUrl: config.pagerUrl,
        hasPager: config.hasPager,
        escalationMinutes: config.escalationMinutes,
    },
    wafRateLimit: config.wafRateLimit,
    logRetentionDays: config.logRetentionDays,
    fiveXxRatePercent: config.edge5xxRatePercent,
    shieldAdvanced: config.shieldAdvanced,
    domain: config.edgeDomainName === "" ? undefined : { name: config.edgeDomainName, certificateArn: config.edgeCertificateArn },
    protect: config.deletionProtection,
});
resolveDistributionDomain(edge.domainName);

// Monitoring: the multi-region audit trail with CIS metric-filter alarms, and the four dashboards.
const audit = new AuditTrail("audit", {
    context,
    logsKeyArn: encryption.logsKeyArn,
    routing,
    logRetentionDays: config.auditLogRetentionDays,
    protect: config.deletionProtection,
});
const nameOf = (arn: pulumi.Input<string>) => pulumi.output(arn).apply((a) => a.split(/[:/]/).pop() ?? a);
// The release hooks are charted with the workload: a hook that fails or times out is a release that rolls back.
const charted: Record<string, Function> = {
    ...functions,
    "release-pre-traffic": release.hooks.beforeAllowTraffic,
    "release-post-traffic": release.hooks.afterAllowTraffic,
};
const dashboards = new Dashboards("dashboards", {
    context,
    api: { name: api.apiName, stage: api.stageName, cacheEnabled: config.apiCacheEnabled },
    functions: Object.fromEntries(Object.entries(charted).map(([k, f]) => [k, { functionName: f.functionName }])),
    kpiNamespace: powertools().POWERTOOLS_METRICS_NAMESPACE,
    tableName: data.tableName,
    queues: Object.values(messaging.queues).map((q) => ({ label: q.name, name: q.queue.name })),
    deadLetterQueues: [
        ...Object.values(messaging.queues).map((q) => ({ label: `${q.name} DLQ`, name: q.deadLetterQueue.name })),
        ...Object.entries(charted).map(([k, f]) => ({ label: `${k} DLQ`, name: nameOf(f.deadLetterQueueArn) })),
        { label: "email feedback DLQ", name: nameOf(email.feedbackDlqArn) },
    ],
    topics: [
        { label: "events", name: messaging.topicName },
        { label: "email feedback", name: nameOf(email.feedbackTopicArn) },
        ...Object.entries(alerting.topics).map(([severity, t]) => ({ label: `alerts ${severity}`, name: t.name })),
        { label: "alerts escalation", name: alerting.escalationTopic.name },
    ],
    edge: { distributionId: edge.distributionId, webAclMetricName: edge.webAclMetricName },
    apiWebAclMetricName: firewall.webAclMetricName,
    search: { collectionName: search.collectionName, collectionId: nameOf(search.collectionArn) },
    identity: { userPoolId: identity.userPoolId, signInClientId: identity.userPoolClientIds.web },
    security: { namespace: audit.metricNamespace, metrics: audit.securityMetrics },
});
/** Domain name of the CloudFront distribution (`dxxxx.cloudfront.net`); custom domains point here. */
export const distributionDomainName: pulumi.Output<string> = edge.domainName;
/** Id of the CloudFront distribution (for cache invalidations). */
export const distributionId: pulumi.Output<string> = edge.distributionId;
/** Name of the S3 bucket the site is uploaded to. */
export const siteBucketName: pulumi.Output<string> = edge.siteBucketName;
/** The application, infrastructure, business and security dashboards in the CloudWatch console. */
export const dashboardUrls: Record<DashboardKind, string> = dashboards.consoleUrls;

// The published output contract (outputs.ts): consumer stacks check this version before they read anything.
export { CONTRACT_VERSION as contractVersion } from "./outputs";
/** tsc fails here when the exports above drift from the contract: an output removed, retyped, or added without it. */
export type OutputContractCheck = import("./outputs").Assert<import("./outputs").ContractConformance<typeof import("./index")>>;
