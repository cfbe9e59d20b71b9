import * as aws from "@pulumi/aws";
// The cloudtrail module alone: the package index also loads awsx.classic and its AWS SDK clients.
import * as cloudtrailx from "@pulumi/awsx/cloudtrail";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, CreatedAlarm, Severity, createAlarm } from "./alarms";
import { PlatformContext } from "./context";
import { SecureBucket } from "./secure-bucket";

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
    bucketLifecycleConfiguration: aws.s3.BucketLifecycleConfigurationArgs;
    bucketLogging: aws.s3.BucketLoggingArgs;
    bucketOwnershipControls: aws.s3.BucketOwnershipControlsArgs;
    bucketPublicAccessBlock: aws.s3.BucketPublicAccessBlockArgs;
    bucketServerSideEncryptionConfiguration: aws.s3.BucketServerSideEncryptionConfigurationArgs;
    bucketVersioning: aws.s3.BucketVersioningArgs;
    logMetricFilter: aws.cloudwatch.LogMetricFilterArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
}
const AUDIT_TRAIL_CHILD_KINDS = [
    "bucketLifecycleConfiguration",
    "bucketLogging",
    "bucketOwnershipControls",
    "bucketPublicAccessBlock",
    "bucketServerSideEncryptionConfiguration",
    "bucketVersioning",
    "logMetricFilter",
    "metricAlarm",
] as const;

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
        this.registerOutputs({ trailArn: this.trailArn, bucketName: this.bucketName, logGroupName: this.logGroupName });
    }
}
