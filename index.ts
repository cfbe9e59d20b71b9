// Composition root: configuration -> components -> the exported output contract. Every stack builds
// the same components; stacks differ only in configuration values (see test/stacks/parity.spec.ts).
import * as pulumi from "@pulumi/pulumi";
import { functionCapacities, loadConfig } from "./config";
import { Alerting } from "./components/alerting";
import { Backup } from "./components/backup";
import { Api, RouteSpec } from "./components/api";
import { platformContext } from "./components/context";
import { DataStore } from "./components/data-store";
import { standbyReplica } from "./components/standby-replica";
import { Encryption } from "./components/encryption";
import { Firewall } from "./components/firewall";
import { Edge, distributionArnPattern } from "./components/edge";
import { Function } from "./components/function";
import { Identity } from "./components/identity";
import { Messaging } from "./components/messaging";
import { Release, ReleaseTarget } from "./components/release";
import { ApiMetric, FUNCTION_VERSION_DIMENSION } from "./functions/shared/metric-names";
import { Email } from "./components/email";
import { Search } from "./components/search";
import { AuditTrail, trailArn } from "./components/audit-trail";
import { Dashboards } from "./components/dashboards";
import { ThreatDetection, allFindingRuleArns, findingsTopicPolicy } from "./components/threat-detection";
import { BusinessKpis } from "./components/business-kpis";
import { CapacityAlarms } from "./components/capacity-alarms";
import { parseScheduledCapacity } from "./components/defaults/capacity";
import { CONTRACT_VERSION, ContractExports } from "./outputs";
import { copyLagMinutes } from "./tools/dr/model";

const config = loadConfig();
// Each workload function's memory, reserved concurrency and timeout: its own keys over the stack-wide ones.
const capacities = functionCapacities(config);
const capacity = Object.fromEntries(
    Object.entries(capacities).map(([fn, c]) => [fn, { memoryMb: c.memoryMb, reservedConcurrency: c.reservedConcurrency, timeoutSeconds: c.timeoutSeconds }]),
) as Record<keyof typeof capacities, { memoryMb: number; reservedConcurrency: number; timeoutSeconds: number }>;
const context = platformContext({ project: config.project, stack: config.stack, environment: config.environment });

// Threat detection (ThreatDetection below) routes findings through EventBridge rules whose names, and so
// ARNs, are fixed: the messaging key and the severity topics, created first, let exactly those rules in.
const THREAT_DETECTION = "threat-detection";

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
    // The finding rules publish to the encrypted severity topics and dead-letter into an encrypted queue.
    eventRuleArns: allFindingRuleArns(context, THREAT_DETECTION, config.threatDetection),
    // The recovery account's AWS Backup reads the copies it receives (drVaultArn) with the data key.
    ...(config.drCopies && config.drVaultArn !== "" ? { recoveryAccounts: [config.drAccountId] } : {}),
});

const alerting = new Alerting("alerting", {
    context,
    kmsKeyArn: encryption.messagingKeyArn,
    emails: config.alertEmails,
    escalationEmails: config.escalationEmails,
    pagerUrl: config.pagerUrl,
    hasPager: config.hasPager,
    escalationMinutes: config.escalationMinutes,
    // Each severity topic's policy also lets the finding rules routed to it publish (aws:SourceArn).
    transform: { topicPolicy: findingsTopicPolicy(context, THREAT_DETECTION, config.threatDetection) },
});
const routing = alerting.routing;

// The standby of a pilot-light primary (Pulumi.prod-dr.yaml) runs against the primary's replica in this
// region: from the primary's disasterRecovery output (drPrimaryStack), or the values pinned in config.
const standbyTable = config.drStandbyOf === "" ? undefined : standbyReplica({ ...config, region: context.region });
const data = new DataStore("orders", {
    context,
    // A standby (drStandbyOf) runs against its primary's replica here, encrypted with the replica's key.
    kmsKey: standbyTable !== undefined ? standbyTable.kmsKeyArn : encryption.dataKey,
    routing,
    deletionProtection: config.deletionProtection,
    // Disaster recovery (tools/dr/model.ts): pilot-light keeps a global-table replica in drRegion.
    ...(config.drStrategy === "pilot-light" ? { replica: { region: config.drRegion } } : {}),
    ...(standbyTable !== undefined ? { standby: { tableName: standbyTable.tableName, streamArn: standbyTable.streamArn } } : {}),
    // A restored table (npm run restore prints the `pulumi config set tableName` that adopts it).
    ...(config.tableName !== "" ? { adoptTableName: config.tableName } : {}),
});

const messaging = new Messaging("messaging", {
    context,
    kmsKey: encryption.messagingKey,
    routing,
    maxReceiveCount: config.maxReceiveCount,
    maxAgeSeconds: config.queueMaxAgeSeconds,
    queues: {
        email: { filterPolicy: { type: ["order.created", "order.cancelled"] }, consumerTimeoutSeconds: capacity["email-worker"].timeoutSeconds },
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
    blockedAlarm: { routing, ratePercent: config.wafBlockedRatePercent },
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
    ...capacity.api,
    entry: "functions/api/index.ts",
    // Warm environments on the live alias where the stack configures them (prod), scaled by target tracking
    // and the schedule; the scalable target is the alias, so it follows every release CodeDeploy shifts.
    provisionedConcurrency:
        config.apiProvisionedConcurrencyMax > 0
            ? {
                  min: config.apiProvisionedConcurrencyMin,
                  max: config.apiProvisionedConcurrencyMax,
                  targetUtilization: config.apiProvisionedConcurrencyTargetPercent / 100,
                  schedule: config.apiProvisionedConcurrencySchedule.map((text) => parseScheduledCapacity(text).value!),
                  timeZone: config.apiProvisionedConcurrencyTimeZone,
              }
            : undefined,
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
    ...capacity["ses-feedback"],
    entry: "functions/ses-feedback/index.ts",
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
    ...capacity["email-worker"],
    entry: "functions/email-worker/index.ts",
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
    ...capacity["search-indexer"],
    entry: "functions/search-indexer/index.ts",
    environment: { ...powertools(), SEARCH_ENDPOINT: search.collectionEndpoint, SEARCH_INDEX: search.indexName },
    vpc: search.functionVpc,
    streamSources: [
        {
            name: "orders-stream",
            tableArn: data.tableArn,
            streamArn: data.streamArn,
            kmsKey: data.kmsKey,
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
    // A standby's table is prod's replica, encrypted with the replica's key.
    ...(standbyTable !== undefined ? { tableKeyArn: standbyTable.kmsKeyArn } : {}),
    routing,
    retentionDays: config.backupRetentionDays,
    frequentRetentionDays: Math.min(config.backupFrequentRetentionDays, config.backupRetentionDays),
    // Copies of the recovery points in drRegion (and the recovery account's vault), with room in the
    // schedule for the copy's lag (npm run dr shows the figures). Under pilot-light the replica covers
    // a region's loss, so drRegion gets the daily points only.
    ...(config.drCopies
        ? {
              dr: {
                  region: config.drRegion,
                  retentionDays: config.drCopyRetentionDays,
                  copyLagMinutes: copyLagMinutes(config.tableSizeGb),
                  copyEveryPoint: config.drStrategy !== "pilot-light",
                  ...(config.drVaultArn !== "" ? { crossAccountVaultArn: config.drVaultArn } : {}),
              },
          }
        : {}),
    rpoMinutes: config.rpoMinutes,
    rtoMinutes: config.rtoMinutes,
    deletionProtection: config.deletionProtection,
});

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
    wafBlockedRatePercent: config.wafBlockedRatePercent,
    logRetentionDays: config.logRetentionDays,
    fiveXxRatePercent: config.edge5xxRatePercent,
    shieldAdvanced: config.shieldAdvanced,
    // Without edgeCertificateArn, Edge requests the domain's certificate (edgeCertificateValidationRecords).
    domain:
        config.edgeDomainName === ""
            ? undefined
            : {
                  name: config.edgeDomainName,
                  certificateArn: config.edgeCertificateArn || undefined,
                  hostedZoneId: config.edgeHostedZoneId || undefined,
              },
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
    // The audit record survives a region loss: its log files replicate to drRegion.
    ...(config.drCopies ? { replication: { region: config.drRegion, sourceKey: encryption.logsKey } } : {}),
});
// GuardDuty and Security Hub (dev: GuardDuty only, by config), their findings routed by severity.
const threatDetection = new ThreatDetection(THREAT_DETECTION, {
    context,
    routing,
    kmsKeyArn: encryption.messagingKeyArn,
    mode: config.threatDetection,
    protect: config.deletionProtection,
});

// Alarms on the orders the platform takes: none created during business hours, too many cancelled.
new BusinessKpis("business-kpis", {
    context,
    routing,
    namespace: powertools().POWERTOOLS_METRICS_NAMESPACE,
    noOrderMinutes: config.kpiNoOrderMinutes,
    businessHours: config.kpiBusinessHours,
    timeZone: config.kpiTimeZone,
    cancellationRatePercent: config.kpiCancellationRatePercent,
    cancellationMinOrders: config.kpiCancellationMinOrders,
});

// Scaling triggers on the account's quotas (the per-resource ones live with the functions and the API).
new CapacityAlarms("capacity", {
    context,
    routing,
    accountConcurrencyQuota: config.accountConcurrencyQuota,
    sesSendingQuotaPerSecond: config.sesSendingQuotaPerSecond,
    sesSendingQuotaPer24h: config.sesSendingQuotaPer24h,
    searchMaxIndexingOcus: config.searchMaxIndexingOcus,
    searchMaxSearchOcus: config.searchMaxSearchOcus,
});

// The dashboards chart every component in the order given: the workload's functions, then the release
// hooks (a hook that fails or times out is a release that rolls back), then the rest.
const dashboards = new Dashboards("dashboards", {
    context,
    kpiNamespace: powertools().POWERTOOLS_METRICS_NAMESPACE,
    components: [messaging, ...Object.values(functions), release, email, alerting, data, api, edge, firewall, search, identity, audit, threatDetection],
});

// The published output contract (outputs.ts): every stack output, checked against it by tsc (a missing,
// extra or retyped output fails to compile). Consumer stacks check contractVersion before they read anything.
const outputs = {
    /** Version of the output contract these outputs follow. */
    contractVersion: CONTRACT_VERSION,
    /** Base URL of the API stage. */
    apiUrl: api.apiUrl,
    /** REST API id. */
    apiId: api.apiId,
    /** Cognito user pool id. */
    userPoolId: identity.userPoolId,
    /** Cognito app client ids: `web` and `machine`. */
    userPoolClientIds: identity.userPoolClientIds,
    /** Hosted sign-in base URL. */
    authDomainUrl: identity.hostedDomainUrl,
    /** ARN of the domain-event topic. */
    eventTopicArn: messaging.topicArn,
    /** Name of the single table. */
    tableName: data.tableName,
    /** ARN of the single table. */
    tableArn: data.tableArn,
    /** ARN of each severity topic; consumer stacks route their alarms here. */
    alertTopicArns: alerting.topicArns,
    /** ARN of each customer-managed KMS key by data class. */
    kmsKeyArns: encryption.keyArns,
    /** Every event queue and its DLQ, by name: what the DLQ redrive command reads. */
    queues: messaging.queueOutputs,
    /** Each function's name, `live` alias ARN and dead-letter queue, by workload name. */
    functionOutputs: pulumi.output(
        Object.fromEntries(
            Object.entries(functions).map(([k, f]) => [
                k,
                { name: f.functionName, aliasArn: f.aliasArn, dlqUrl: f.deadLetterQueueUrl, dlqArn: f.deadLetterQueueArn },
            ]),
        ),
    ),
    /** ARN of the regional WAF web ACL in front of the API. */
    apiWebAclArn: firewall.webAclArn,
    /** Easy DKIM CNAME records the sending domain's DNS must publish before SES signs and sends from it. */
    emailDkimRecords: email.dkimRecords,
    /** Easy DKIM tokens of the sending domain (one CNAME record each). */
    emailDkimTokens: email.dkimTokens,
    /** SES configuration set every email is sent through. */
    emailConfigurationSetName: pulumi.output(email.configurationSetName),
    /** HTTPS endpoint of the search collection, reachable only through its VPC endpoint. */
    searchEndpoint: search.collectionEndpoint,
    /** Id of the VPC the search clients run in. */
    vpcId: search.vpcId,
    /** Per function: the CodeDeploy application and deployment group that release it, and the version to release. */
    releases: release.releases,
    /** Function names of the CodeDeploy lifecycle hooks a release's AppSpec names (since contract 1.2). */
    releaseHooks: release.hookFunctionNames,
    /** ARN of the AWS Backup vault holding the table's recovery points. */
    backupVaultArn: backup.vaultArn,
    /** Id of the AWS Backup plan of the table. */
    backupPlanId: backup.planId,
    /** Domain name of the CloudFront distribution (`dxxxx.cloudfront.net`); custom domains point here. */
    distributionDomainName: edge.domainName,
    /** CNAME records the custom domain's DNS must publish (and keep) before ACM issues its certificate (since contract 1.3). */
    edgeCertificateValidationRecords: edge.certificateValidationRecords,
    /** Id of the CloudFront distribution (for cache invalidations). */
    distributionId: edge.distributionId,
    /** Name of the S3 bucket the site is uploaded to. */
    siteBucketName: edge.siteBucketName,
    /** The application, infrastructure, business and security dashboards in the CloudWatch console. */
    dashboardUrls: dashboards.consoleUrls,
    /** Where the copies and the table's replica live: a standby stack reads the replica from here (drPrimaryStack), or pins it (drReplicaStreamArn, drReplicaKeyArn) (since contract 1.4). */
    disasterRecovery: pulumi.output({
        region: config.drCopies ? config.drRegion : "",
        strategy: config.drStrategy,
        backupVaultArn: backup.drVaultArn ?? "",
        replica:
            data.replica === undefined
                ? null
                : {
                      tableName: data.replica.tableName,
                      tableArn: data.replica.tableArn,
                      streamArn: data.replica.streamArn.apply((a) => a ?? ""),
                      kmsKeyArn: data.replica.kmsKeyArn,
                  },
    }),
} satisfies ContractExports;

export = outputs;
