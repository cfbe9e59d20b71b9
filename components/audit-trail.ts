import * as aws from "@pulumi/aws";
// The cloudtrail module alone: the package index also loads awsx.classic and its AWS SDK clients.
import * as cloudtrailx from "@pulumi/awsx/cloudtrail";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, CreatedAlarm, Severity, createAlarm } from "./alarms";
import { PlatformContext } from "./context";
import { SecureBucket } from "./secure-bucket";
import { KeyInput, useKey } from "./grants";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";
import { createDrKey, drContext, drKeyPolicy, drProvider } from "./dr-keys";

/** One CloudTrail metric filter on the trail's log group and the alarm that watches its count. */
export interface SecurityFilter {
    /** Short id (lower-case, dashes): names the filter, its alarm and its dashboard line. */
    id: string;
    /** Metric the filter counts into, in the trail's security namespace. */
    metricName: string;
    /** CloudWatch Logs filter pattern over CloudTrail's JSON events. */
    pattern: string;
    /** Severity topic the alarm notifies. */
    severity: Severity;
    /** Matching events within 5 minutes that raise the alarm (at least 1). */
    threshold: number;
    /** What it means and what to do, shown in the notification. */
    description: string;
    /** The CIS AWS Foundations control it implements (CloudWatch section), for auditors. */
    control: string;
}

/**
 * The CIS AWS Foundations Benchmark CloudWatch controls this platform alarms on, with a severity each.
 * Critical: someone holds or hides the keys to everything (root, the audit trail, KMS keys) or probes
 * for them. Warning: identity changes a deploy does not explain. Info: network changes, which every
 * `pulumi up` touching a security group makes too, so the team sees them without being paged.
 */
export const SECURITY_FILTERS: readonly SecurityFilter[] = [
    {
        id: "root-account-usage",
        metricName: "RootAccountUsage",
        pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        severity: "critical",
        threshold: 1,
        description: "The root user made an API call or signed in. Nothing in this platform uses root: find out who, and rotate its credentials.",
        control: "CIS 4.3",
    },
    {
        id: "unauthorized-api-calls",
        metricName: "UnauthorizedApiCalls",
        pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        severity: "critical",
        // A few denials are normal (consoles probe what they may show); a burst is probing or a broken role.
        threshold: 10,
        description:
            "Ten or more API calls were denied in 5 minutes: a principal is probing, or a deploy broke a role. Check the trail's log group for the caller.",
        control: "CIS 4.1",
    },
    {
        id: "cloudtrail-changes",
        metricName: "CloudTrailChanges",
        pattern:
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
        severity: "critical",
        threshold: 1,
        description: "A trail was created, changed, stopped or deleted: the audit record itself was touched. Confirm it was a reviewed deploy.",
        control: "CIS 4.5",
    },
    {
        id: "kms-key-disable-or-deletion",
        metricName: "KmsKeyDisableOrDeletion",
        pattern: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
        severity: "critical",
        threshold: 1,
        description: "A KMS key was disabled or scheduled for deletion: data encrypted with it becomes unreadable. Cancel the deletion unless it was intended.",
        control: "CIS 4.7",
    },
    {
        id: "iam-policy-changes",
        metricName: "IamPolicyChanges",
        pattern:
            "{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || " +
            "($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || " +
            "($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || " +
            "($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) }",
        severity: "warning",
        threshold: 1,
        description: "An IAM policy changed. Expected during a deploy of this stack; otherwise find who changed what.",
        control: "CIS 4.4",
    },
    {
        id: "console-signin-without-mfa",
        metricName: "ConsoleSignInWithoutMfa",
        pattern:
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
        severity: "warning",
        threshold: 1,
        description: "An IAM user signed in to the console without MFA. Require MFA for that user.",
        control: "CIS 4.2",
    },
    {
        id: "security-group-changes",
        metricName: "SecurityGroupChanges",
        pattern:
            "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || " +
            "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
        severity: "info",
        threshold: 1,
        description: "A security group changed.",
        control: "CIS 4.10",
    },
    {
        id: "nacl-changes",
        metricName: "NetworkAclChanges",
        pattern:
            "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || " +
            "($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
        severity: "info",
        threshold: 1,
        description: "A network ACL changed.",
        control: "CIS 4.11",
    },
];

export interface AuditTrailArgs extends ComponentOptions<AuditTrailChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the customer KMS key the log files and the log group are encrypted with (the logs key). */
    logsKeyArn: pulumi.Input<string>;
    /** Where the security alarms go. */
    routing: AlarmRouting;
    /** Days the trail's CloudWatch log group keeps events (the S3 copy is kept until removed). */
    logRetentionDays: number;
    /**
     * Metric filters on the trail's log group, each with an alarm.
     * @default SECURITY_FILTERS (the CIS CloudWatch controls above)
     */
    filters?: readonly SecurityFilter[];
    /**
     * Pulumi `protect` on the trail and its bucket: the audit record should outlive a mistaken destroy.
     * @default false
     */
    protect?: boolean;
    /**
     * Replicate the trail's log files to a bucket in another region (S3 replication of the
     * KMS-encrypted objects, re-encrypted with a key the component creates there), so the audit record
     * outlives a region loss. Deletions are not replicated: a log file deleted here stays there.
     * `sourceKey` is the logs key again, as a key handle where this program manages it, so its policy
     * names the replication role.
     * @default none (the log files stay in the stack's region)
     */
    replication?: { region: string; sourceKey: KeyInput };
}

/** Physical name of the platform's trail. */
export function trailName(ctx: PlatformContext): string {
    return `${ctx.namePrefix}-trail`;
}

/**
 * ARN of the trail, from its fixed name, so the logs key policy (created first) can name it. A
 * multi-region trail keeps the ARN of its home region.
 */
export function trailArn(ctx: PlatformContext): pulumi.Output<string> {
    return pulumi.interpolate`arn:${ctx.partition}:cloudtrail:${ctx.region}:${ctx.accountId}:trail/${trailName(ctx)}`;
}

/** A security metric the trail publishes, and its alarm: what the security dashboard charts. */
export interface SecurityMetric {
    id: string;
    metricName: string;
    severity: Severity;
    alarmArn: pulumi.Output<string>;
}

const FILTER_ID = /^[a-z][a-z0-9-]{0,39}$/;
const METRIC = /^[A-Za-z][A-Za-z0-9]{0,99}$/;

/** The kinds of child resources AuditTrail creates, and the arguments a `transform` of each may edit. */
export interface AuditTrailChildren extends ChildKinds {
    alias: aws.kms.AliasArgs;
    bucketLifecycleConfiguration: aws.s3.BucketLifecycleConfigurationArgs;
    bucketReplicationConfig: aws.s3.BucketReplicationConfigArgs;
    bucketLogging: aws.s3.BucketLoggingArgs;
    bucketOwnershipControls: aws.s3.BucketOwnershipControlsArgs;
    bucketPublicAccessBlock: aws.s3.BucketPublicAccessBlockArgs;
    bucketServerSideEncryptionConfiguration: aws.s3.BucketServerSideEncryptionConfigurationArgs;
    bucketVersioning: aws.s3.BucketVersioningArgs;
    key: aws.kms.KeyArgs;
    logMetricFilter: aws.cloudwatch.LogMetricFilterArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
}
const AUDIT_TRAIL_CHILD_KINDS = [
    "alias",
    "bucketLifecycleConfiguration",
    "bucketReplicationConfig",
    "bucketLogging",
    "bucketOwnershipControls",
    "bucketPublicAccessBlock",
    "bucketServerSideEncryptionConfiguration",
    "bucketVersioning",
    "key",
    "logMetricFilter",
    "metricAlarm",
    "role",
    "rolePolicy",
] as const;

/** Physical name of the role S3 replicates the trail's log files with: fixed, so the logs key's policy can name it first. */
export function trailReplicationRoleName(ctx: PlatformContext, name: string): string {
    return `${ctx.namePrefix}-${name}-replication`;
}

/**
 * A multi-region CloudTrail trail (`awsx.cloudtrail.Trail`) with log file validation, log files
 * encrypted with the logs key, delivered to S3 and to a KMS-encrypted CloudWatch log group with
 * retention, and CIS metric filters on that log group whose alarms go to the severity topics.
 *
 * The S3 bucket is the one awsx creates, not a `SecureBucket`: awsx accepts an existing bucket, but
 * then still writes its own bucket policy onto it, replacing the SecureBucket's TLS-only policy while
 * the policy pack keeps judging the replaced one. So awsx owns the bucket and its policy (CloudTrail's
 * ACL check and write), and this component adds every other setting a SecureBucket has as separate
 * resources: public access block, ACLs disabled, SSE-KMS with Bucket Keys, versioning, a lifecycle and
 * server access logs. What stays weaker than a SecureBucket: the policy has no TLS-only deny and no
 * `aws:SourceArn` pin, because awsx offers no way to extend it.
 *
 * With `replication`, S3 replicates every log file to a SecureBucket in the DR region (with access
 * logs of its own there), re-encrypted with a key of that region, so the record of who did what
 * survives the loss of the stack's region.
 */
export class AuditTrail extends Component<AuditTrailChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Name of the trail. */
    public readonly trailName: string;
    /** ARN of the trail. */
    public readonly trailArn: pulumi.Output<string>;
    /** Name of the bucket CloudTrail delivers log files to. */
    public readonly bucketName: pulumi.Output<string>;
    /** Name of the CloudWatch log group CloudTrail delivers events to. */
    public readonly logGroupName: string;
    /** CloudWatch namespace of the security metrics. */
    public readonly metricNamespace: string;
    /** Each metric filter's metric and its alarm. */
    public readonly securityMetrics: SecurityMetric[];
    /** The alarms, by filter id. */
    public readonly alarms: Record<string, CreatedAlarm>;
    /** Name of the bucket in the DR region the log files replicate to (undefined without `replication`). */
    public readonly replicaBucketName?: pulumi.Output<string>;

    constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:AuditTrail", "AuditTrail", name, AUDIT_TRAIL_CHILD_KINDS, args, opts);
        const ctx = args.context;
        this.checkInt("logRetentionDays", args.logRetentionDays, 1, 3653);
        const filters = args.filters ?? SECURITY_FILTERS;
        if (filters.length === 0) {
            this.invalid("filters", filters, "allowed: at least one metric filter; a trail nobody watches only helps after the fact");
        }
        const ids = new Set<string>();
        for (const f of filters) {
            if (!FILTER_ID.test(f.id) || ids.has(f.id)) {
                this.invalid("filters.id", f.id, "allowed: unique ids of lower-case letters, digits and dashes, starting with a letter");
            }
            ids.add(f.id);
            if (!METRIC.test(f.metricName)) {
                this.invalid("filters.metricName", f.metricName, "allowed: letters and digits, starting with a letter");
            }
            if (!/^\{.*\}$/s.test(f.pattern.trim())) {
                this.invalid("filters.pattern", f.pattern, "allowed: a JSON filter pattern in braces, such as { $.eventName = StopLogging }");
            }
            this.checkInt(`filters[${f.id}].threshold`, f.threshold, 1, 100000);
        }
        // S3 names are global: the account id keeps two accounts' stacks apart. 63 characters at most.
        if (!/^[a-z0-9][a-z0-9-]{2,38}$/.test(ctx.namePrefix)) {
            this.invalid(
                "context.namePrefix",
                ctx.namePrefix,
                "allowed: 3 to 39 lower-case letters, digits and dashes (the trail bucket name adds 24 characters)",
            );
        }
        const tags = ctx.tags;
        const protect = args.protect ?? false;
        const name_ = trailName(ctx);
        const bucketName = pulumi.interpolate`${ctx.namePrefix}-cloudtrail-${ctx.accountId}`;
        const logGroupName = `/aws/cloudtrail/${ctx.namePrefix}`;
        const namespace = `${ctx.namePrefix}/Security`;

        const trail = new cloudtrailx.Trail(
            name,
            {
                name: name_,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
                kmsKeyId: args.logsKeyArn,
                s3KeyPrefix: "cloudtrail",
                // awsx defaults forceDestroy to true: a destroy would then delete the audit record.
                s3Bucket: { args: { bucket: bucketName, forceDestroy: false, tags } },
                // awsx creates the role CloudTrail writes to the log group with only for a log group it creates itself.
                cloudWatchLogsGroup: { enable: true, args: { name: logGroupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn, tags } },
                tags,
            },
            { parent: this, protect },
        );

        // The awsx bucket's settings. They name the bucket, so they wait for the trail's children.
        const afterTrail = { parent: this, dependsOn: [trail] };
        const accessLogs = new SecureBucket(
            `${name}-access-logs`,
            {
                context: ctx,
                sseS3Reason: "S3 server access logs are delivered only to buckets encrypted with SSE-S3.",
                accessLogsExemptReason: "This is the log bucket of the trail bucket: logging its own access would log forever.",
                grantsLater: true,
                expireAfterDays: Math.max(args.logRetentionDays, 90),
                noncurrentVersionDays: 7,
                protect,
            },
            { parent: this },
        );
        accessLogs.attachPolicy([
            {
                sid: "AllowS3AccessLogs",
                service: "logging.s3.amazonaws.com",
                actions: ["s3:PutObject"],
                keyPrefix: "s3/cloudtrail/",
                sourceArn: pulumi.interpolate`arn:${ctx.partition}:s3:::${bucketName}`,
            },
        ]);
        this.create(
            "bucketPublicAccessBlock",
            aws.s3.BucketPublicAccessBlock,
            `public-access`,
            { bucket: bucketName, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            afterTrail,
        );
        this.create(
            "bucketOwnershipControls",
            aws.s3.BucketOwnershipControls,
            `ownership`,
            { bucket: bucketName, rule: { objectOwnership: "BucketOwnerEnforced" } },
            afterTrail,
        );
        this.create(
            "bucketServerSideEncryptionConfiguration",
            aws.s3.BucketServerSideEncryptionConfiguration,
            `encryption`,
            {
                bucket: bucketName,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.logsKeyArn }, bucketKeyEnabled: true }],
            },
            afterTrail,
        );
        const versioning = this.create(
            "bucketVersioning",
            aws.s3.BucketVersioning,
            `versioning`,
            { bucket: bucketName, versioningConfiguration: { status: "Enabled" } },
            afterTrail,
        );
        this.create(
            "bucketLifecycleConfiguration",
            aws.s3.BucketLifecycleConfiguration,
            `lifecycle`,
            {
                bucket: bucketName,
                rules: [
                    {
                        id: "abort-incomplete-uploads-and-old-versions",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                        noncurrentVersionExpiration: { noncurrentDays: 90 },
                    },
                ],
            },
            { parent: this, dependsOn: [trail, versioning] },
        );
        this.create(
            "bucketLogging",
            aws.s3.BucketLogging,
            `access-logging`,
            { bucket: bucketName, targetBucket: accessLogs.bucketName, targetPrefix: "s3/cloudtrail/" },
            afterTrail,
        );
        if (args.replication !== undefined) {
            this.replicaBucketName = this.replicate(name, args, bucketName, versioning, protect);
        }

        const alarms: Record<string, CreatedAlarm> = {};
        const securityMetrics: SecurityMetric[] = [];
        for (const f of filters) {
            this.create(
                "logMetricFilter",
                aws.cloudwatch.LogMetricFilter,
                `${f.id}`,
                {
                    name: `${ctx.namePrefix}-${f.id}`,
                    logGroupName,
                    pattern: f.pattern,
                    // A zero for every batch without a match keeps the metric, its alarm and its chart continuous.
                    metricTransformation: { name: f.metricName, namespace, value: "1", defaultValue: "0" },
                },
                afterTrail,
            );
            const created = createAlarm(
                `${name}-${f.id}`,
                {
                    description: `${f.control} ${f.description}`,
                    severity: f.severity,
                    signal: { kind: "metric", metric: { namespace, metricName: f.metricName, dimensions: {}, stat: "Sum" } },
                    threshold: f.threshold,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    periodSeconds: 300,
                    evaluationPeriods: 1,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags },
            );
            alarms[f.id] = created;
            securityMetrics.push({ id: f.id, metricName: f.metricName, severity: f.severity, alarmArn: created.alarm.arn });
        }

        this.trailName = name_;
        this.trailArn = trailArn(ctx);
        this.bucketName = bucketName;
        this.logGroupName = logGroupName;
        this.metricNamespace = namespace;
        this.securityMetrics = securityMetrics;
        this.monitored = { securityEvents: { namespace: this.metricNamespace, metrics: securityMetrics } };
        this.alarms = alarms;
        this.registerOutputs({
            trailArn: this.trailArn,
            bucketName: this.bucketName,
            logGroupName: this.logGroupName,
            replicaBucketName: this.replicaBucketName,
        });
    }

    /**
     * The DR region's copy of the audit record: a key and a SecureBucket there (with an access-log
     * bucket of its own: server access logs go to a bucket of the same region), a role S3 replicates
     * with, and the replication rule. Returns the replica bucket's name.
     */
    private replicate(
        name: string,
        args: AuditTrailArgs,
        bucketName: pulumi.Output<string>,
        versioning: aws.s3.BucketVersioning,
        protect: boolean,
    ): pulumi.Output<string> {
        const { region, sourceKey } = args.replication!;
        if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region) || region === args.context.region) {
            this.invalid("replication.region", region, `allowed: an AWS region other than the stack's own (${args.context.region}), such as eu-central-1`);
        }
        const ctx = args.context;
        const drCtx = drContext(ctx, region);
        const provider = drProvider(this, name, region);
        const inDr = { parent: this, providers: [provider] };
        const roleName = trailReplicationRoleName(ctx, name);
        const roleArn = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${roleName}`;
        const key = createDrKey(
            this,
            `${name}-replica`,
            {
                ctx: drCtx,
                use: `${name}-replica`,
                description: `${ctx.namePrefix} audit trail log files replicated to ${region}`,
                policy: drKeyPolicy(drCtx, [roleArn]),
                dataClass: "logs",
                protect,
                provider,
            },
            { key: this.childHooks("key"), alias: this.childHooks("alias") },
        );
        const replicaLogs = new SecureBucket(
            `${name}-replica-logs`,
            {
                context: drCtx,
                sseS3Reason: "S3 server access logs are delivered only to buckets encrypted with SSE-S3.",
                accessLogsExemptReason: "This is the log bucket of the trail's replica bucket: logging its own access would log forever.",
                grantsLater: true,
                expireAfterDays: Math.max(args.logRetentionDays, 90),
                noncurrentVersionDays: 7,
                protect,
            },
            inDr,
        );
        const replica = new SecureBucket(
            `${name}-replica`,
            {
                context: drCtx,
                kmsKeyArn: key.arn,
                accessLogs: { targetBucket: replicaLogs.bucketName, targetPrefix: "s3/cloudtrail-replica/" },
                protect,
            },
            inDr,
        );
        replicaLogs.attachPolicy([
            {
                sid: "AllowS3AccessLogs",
                service: "logging.s3.amazonaws.com",
                actions: ["s3:PutObject"],
                keyPrefix: "s3/cloudtrail-replica/",
                sourceArn: replica.bucketArn,
            },
        ]);

        const source = pulumi.interpolate`arn:${ctx.partition}:s3:::${bucketName}`;
        useKey(sourceKey, roleArn);
        // The statements of S3's replication role (S3 User Guide, "Setting up permissions for live replication"),
        // without s3:ReplicateDelete: delete markers are not replicated. The keys are pinned by ARN and service;
        // no encryption-context condition: with S3 Bucket Keys the context is the bucket's ARN, not the object's.
        const grants: Grant[] = [
            { sid: "ReadReplicationConfiguration", actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"], resources: [source] },
            {
                sid: "ReadSourceVersions",
                actions: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                resources: [pulumi.interpolate`${source}/*`],
            },
            { sid: "WriteReplicas", actions: ["s3:ReplicateObject", "s3:ReplicateTags"], resources: [pulumi.interpolate`${replica.bucketArn}/*`] },
            {
                sid: "DecryptSourceObjects",
                actions: ["kms:Decrypt"],
                resources: [args.logsKeyArn],
                condition: {
                    StringEquals: { "kms:ViaService": `s3.${ctx.region}.amazonaws.com` },
                },
            },
            {
                sid: "EncryptReplicas",
                actions: ["kms:Encrypt", "kms:GenerateDataKey"],
                resources: [key.arn],
                condition: {
                    StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
                },
            },
        ];
        checkGrants(this.className, "replication", grants);
        const role = this.create(
            "role",
            aws.iam.Role,
            "replication-role",
            {
                name: roleName,
                description: `S3 replication of ${ctx.namePrefix}'s trail log files to ${region}`,
                assumeRolePolicy: assumeRolePolicy("s3.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        const policy = this.create(
            "rolePolicy",
            aws.iam.RolePolicy,
            "replication-policy",
            { role: role.name, policy: policyDocument(grants) },
            { parent: this },
        );
        this.create(
            "bucketReplicationConfig",
            aws.s3.BucketReplicationConfig,
            "replication",
            {
                bucket: bucketName,
                role: role.arn,
                rules: [
                    {
                        id: "audit-record-to-dr-region",
                        status: "Enabled",
                        priority: 1,
                        filter: {},
                        deleteMarkerReplication: { status: "Disabled" },
                        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                        destination: { bucket: replica.bucketArn, encryptionConfiguration: { replicaKmsKeyId: key.arn } },
                    },
                ],
            },
            // Replication needs versioning on both buckets first, and the role's permissions.
            { parent: this, dependsOn: [versioning, replica, policy] },
        );
        return replica.bucketName;
    }
}
