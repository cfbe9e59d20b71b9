import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions, createChild } from "./component";
import { PlatformContext, invalid } from "./context";

/** One AWS service allowed to act on the bucket's objects, for one exact source resource. */
export interface BucketGrant {
    /** Statement id, e.g. `AllowCloudFrontRead`. */
    sid: string;
    /** Service principal, e.g. `cloudfront.amazonaws.com`. */
    service: string;
    /** Exact object actions, e.g. `["s3:GetObject"]`. No wildcards. */
    actions: string[];
    /**
     * Key prefix the grant covers, e.g. `s3/site/`.
     * @default "" (every object)
     */
    keyPrefix?: string;
    /** ARN of the one resource the service acts for (`aws:SourceArn`), e.g. a distribution's ARN. */
    sourceArn: pulumi.Input<string>;
}

export interface SecureBucketArgs extends ComponentOptions<SecureBucketChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * Customer-managed KMS key for default encryption (`aws:kms`, S3 Bucket Keys on). Give this or
     * `sseS3Reason`.
     * @default none
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Why this bucket uses SSE-S3 (`AES256`) instead of a KMS key, e.g. because it receives S3 server
     * access logs, which S3 delivers only to SSE-S3 buckets. Loosens the default: say why.
     * @default none (a KMS key is required)
     */
    sseS3Reason?: string;
    /**
     * Object ownership. `BucketOwnerPreferred` keeps ACLs working, which only a log bucket for
     * CloudFront standard logs needs; it requires `aclReason`.
     * @default "BucketOwnerEnforced" (ACLs disabled)
     */
    objectOwnership?: "BucketOwnerEnforced" | "BucketOwnerPreferred";
    /**
     * Why ACLs stay enabled. Required with `objectOwnership: "BucketOwnerPreferred"`.
     * @default none
     */
    aclReason?: string;
    /**
     * Where server access logs go: the log bucket's name and a key prefix ending in `/`. Give this or
     * `accessLogsExemptReason`.
     * @default none
     */
    accessLogs?: { targetBucket: pulumi.Input<string>; targetPrefix: string };
    /**
     * Why the bucket has no server access logs (it is the log bucket itself).
     * @default none (access logs are required)
     */
    accessLogsExemptReason?: string;
    /**
     * Service grants in the bucket policy, next to the statement that denies requests without TLS.
     * @default []
     */
    grants?: BucketGrant[];
    /**
     * The grantee needs this bucket before it exists (a CloudFront distribution names the bucket as
     * its origin, and the bucket policy names the distribution): the caller then calls
     * `attachPolicy(grants)` once. Until then the bucket has no policy.
     * @default false (the policy is created with the bucket)
     */
    grantsLater?: boolean;
    /**
     * Days noncurrent object versions are kept.
     * @default 90
     */
    noncurrentVersionDays?: number;
    /**
     * Days after which current objects expire (for log buckets).
     * @default none (objects are kept)
     */
    expireAfterDays?: number;
    /**
     * Pulumi `protect` on the bucket.
     * @default false
     */
    protect?: boolean;
}

const C = "SecureBucket";
const ACTION = /^s3:[A-Za-z]+$/;

/** The kinds of child resources SecureBucket creates, and the arguments a `transform` of each may edit. */
export interface SecureBucketChildren extends ChildKinds {
    bucket: aws.s3.BucketArgs;
    bucketLifecycleConfiguration: aws.s3.BucketLifecycleConfigurationArgs;
    bucketLogging: aws.s3.BucketLoggingArgs;
    bucketOwnershipControls: aws.s3.BucketOwnershipControlsArgs;
    bucketPolicy: aws.s3.BucketPolicyArgs;
    bucketPublicAccessBlock: aws.s3.BucketPublicAccessBlockArgs;
    bucketServerSideEncryptionConfiguration: aws.s3.BucketServerSideEncryptionConfigurationArgs;
    bucketVersioning: aws.s3.BucketVersioningArgs;
}
const SECURE_BUCKET_CHILD_KINDS = [
    "bucket",
    "bucketLifecycleConfiguration",
    "bucketLogging",
    "bucketOwnershipControls",
    "bucketPolicy",
    "bucketPublicAccessBlock",
    "bucketServerSideEncryptionConfiguration",
    "bucketVersioning",
] as const;

/**
 * An S3 bucket with every setting resource the AWS provider v7 keeps separately: public access
 * blocked (all four flags), default encryption with a KMS key and Bucket Keys, ACLs disabled,
 * versioning, a lifecycle that aborts incomplete multipart uploads and expires old versions, server
 * access logging, and a bucket policy that denies every request without TLS.
 */
export class SecureBucket extends Component<SecureBucketChildren> {
    /** Bucket name (its id). */
    public readonly bucketName: pulumi.Output<string>;
    /** Bucket ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** `<bucket>.s3.<region>.amazonaws.com`: the origin domain for CloudFront. */
    public readonly regionalDomainName: pulumi.Output<string>;
    /** `<bucket>.s3.amazonaws.com`: what CloudFront standard logging names as its bucket. */
    public readonly domainName: pulumi.Output<string>;

    private readonly bucket: aws.s3.Bucket;
    private policyPending: boolean;
    private readonly settings: pulumi.Resource[];
    private readonly accountId: pulumi.Input<string>;

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:SecureBucket", "SecureBucket", name, SECURE_BUCKET_CHILD_KINDS, args, opts);
        if ((args.kmsKeyArn === undefined) === (args.sseS3Reason === undefined)) {
            this.invalid("kmsKeyArn", args.kmsKeyArn, "give exactly one of kmsKeyArn and sseS3Reason");
        }
        if (args.sseS3Reason !== undefined && args.sseS3Reason.trim().length < 10) {
            this.invalid("sseS3Reason", args.sseS3Reason, "allowed: a sentence saying why a KMS key cannot be used");
        }
        const ownership = args.objectOwnership ?? "BucketOwnerEnforced";
        if (ownership !== "BucketOwnerEnforced" && ownership !== "BucketOwnerPreferred") {
            this.invalid("objectOwnership", ownership, "allowed: BucketOwnerEnforced, BucketOwnerPreferred");
        }
        if (ownership === "BucketOwnerPreferred" && (args.aclReason ?? "").trim().length < 10) {
            this.invalid("aclReason", args.aclReason, "required with objectOwnership BucketOwnerPreferred: a sentence saying why ACLs stay enabled");
        }
        if ((args.accessLogs === undefined) === (args.accessLogsExemptReason === undefined)) {
            this.invalid("accessLogs", args.accessLogs === undefined ? undefined : "{...}", "give exactly one of accessLogs and accessLogsExemptReason");
        }
        if (args.accessLogs !== undefined && !/^[A-Za-z0-9!_.*'()/-]+\/$/.test(args.accessLogs.targetPrefix)) {
            this.invalid("accessLogs.targetPrefix", args.accessLogs.targetPrefix, "allowed: a key prefix ending in /, such as s3/site/");
        }
        checkGrants(args.grants ?? []);
        if (args.grantsLater && args.grants !== undefined) {
            this.invalid("grants", "[...]", "give grants to attachPolicy() when grantsLater is true");
        }
        const noncurrentDays = this.checkInt("noncurrentVersionDays", args.noncurrentVersionDays ?? 90, 1, 3650);
        if (args.expireAfterDays !== undefined) {
            this.checkInt("expireAfterDays", args.expireAfterDays, 1, 3650);
        }
        const ctx = args.context;
        const parent = { parent: this };

        // The bucket keeps the component's own name (it predates the `<component>-<suffix>` convention).
        const bucket = createChild(aws.s3.Bucket, name, { tags: ctx.tags }, { parent: this, protect: args.protect ?? false }, this.childHooks("bucket"));
        const id = bucket.id;
        const pab = this.create(
            "bucketPublicAccessBlock",
            aws.s3.BucketPublicAccessBlock,
            `public-access`,
            { bucket: id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        const owner = this.create(
            "bucketOwnershipControls",
            aws.s3.BucketOwnershipControls,
            `ownership`,
            { bucket: id, rule: { objectOwnership: ownership } },
            parent,
        );
        const sse = this.create(
            "bucketServerSideEncryptionConfiguration",
            aws.s3.BucketServerSideEncryptionConfiguration,
            `encryption`,
            {
                bucket: id,
                rules: [
                    args.kmsKeyArn !== undefined
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            parent,
        );
        const versioning = this.create(
            "bucketVersioning",
            aws.s3.BucketVersioning,
            `versioning`,
            { bucket: id, versioningConfiguration: { status: "Enabled" } },
            parent,
        );
        const lifecycle = this.create(
            "bucketLifecycleConfiguration",
            aws.s3.BucketLifecycleConfiguration,
            `lifecycle`,
            {
                bucket: id,
                rules: [
                    {
                        id: "abort-incomplete-uploads-and-old-versions",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                        noncurrentVersionExpiration: { noncurrentDays },
                        ...(args.expireAfterDays !== undefined ? { expiration: { days: args.expireAfterDays } } : {}),
                    },
                ],
            },
            // Lifecycle rules on a versioned bucket must follow the versioning setting.
            { parent: this, dependsOn: [versioning] },
        );
        const settings: pulumi.Resource[] = [pab, owner, sse, versioning, lifecycle];
        if (args.accessLogs !== undefined) {
            settings.push(
                this.create(
                    "bucketLogging",
                    aws.s3.BucketLogging,
                    `access-logs`,
                    { bucket: id, targetBucket: args.accessLogs.targetBucket, targetPrefix: args.accessLogs.targetPrefix },
                    parent,
                ),
            );
        }

        this.bucket = bucket;
        this.settings = settings;
        this.accountId = ctx.accountId;
        this.policyPending = args.grantsLater === true;
        this.bucketName = bucket.id;
        this.bucketArn = bucket.arn;
        this.regionalDomainName = bucket.bucketRegionalDomainName;
        this.domainName = bucket.bucketDomainName;
        if (!this.policyPending) {
            this.createPolicy(args.grants ?? []);
        }
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, regionalDomainName: this.regionalDomainName });
    }

    /**
     * Creates the bucket policy of a bucket built with `grantsLater: true`, once the grantee exists.
     * Call it exactly once.
     */
    public attachPolicy(grants: BucketGrant[]): aws.s3.BucketPolicy {
        if (!this.policyPending) {
            this.invalid("grantsLater", false, "attachPolicy() is only for a bucket built with grantsLater: true, and only once");
        }
        checkGrants(grants);
        this.policyPending = false;
        return this.createPolicy(grants);
    }

    private createPolicy(grants: BucketGrant[]): aws.s3.BucketPolicy {
        const arn = this.bucket.arn;
        const objects = (prefix = "") => pulumi.interpolate`${arn}/${prefix}*`;
        // An object, not a JSON string, so the TLS deny stays visible to the policy pack on a first
        // preview even while a grant's source ARN is still unknown.
        const policy: aws.iam.PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    // A Deny for everyone narrows access; it never opens it.
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [arn, objects()],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
                ...grants.map((g) => ({
                    Sid: g.sid,
                    Effect: "Allow" as const,
                    Principal: { Service: g.service },
                    Action: g.actions,
                    Resource: objects(g.keyPrefix),
                    Condition: {
                        ArnEquals: { "aws:SourceArn": g.sourceArn },
                        StringEquals: { "aws:SourceAccount": this.accountId },
                    },
                })),
            ],
        };
        // The public access block must be in place first, or S3 may judge the policy before it applies.
        return this.create("bucketPolicy", aws.s3.BucketPolicy, "policy", { bucket: this.bucket.id, policy }, { dependsOn: this.settings });
    }
}

function checkGrants(grants: readonly BucketGrant[]): void {
    const sids = new Set<string>();
    for (const g of grants) {
        if (!/^[A-Za-z0-9]+$/.test(g.sid) || sids.has(g.sid) || g.sid === "DenyInsecureTransport") {
            invalid(C, "grants.sid", g.sid, "allowed: unique alphanumeric statement ids other than DenyInsecureTransport");
        }
        sids.add(g.sid);
        if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(g.service)) {
            invalid(C, "grants.service", g.service, "allowed: an AWS service principal such as cloudfront.amazonaws.com");
        }
        if (g.actions.length === 0 || g.actions.some((a) => !ACTION.test(a))) {
            invalid(C, "grants.actions", g.actions, "allowed: exact s3: actions such as s3:GetObject, no wildcards");
        }
    }
}
