import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { PlatformContext, accountRoot, arn, invalid } from "./context";
import { Collected, Grantee, KeyUseOptions, KmsKey, keyUseGrant } from "./grants";
import { Grant } from "./iam";

export const DATA_CLASSES = ["data", "logs", "messaging"] as const;
/** What a key protects: table and function environments, log groups, or topics and queues. */
export type DataClass = (typeof DATA_CLASSES)[number];

/** KMS waits this long before deleting a scheduled key: the longest AWS allows, to undo a mistake. */
export const KEY_DELETION_WINDOW_DAYS = 30;

// Exact actions instead of `kms:*`: administration of the key, never its use.
export const ADMIN_ACTIONS = [
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:PutKeyPolicy",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:RevokeGrant",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

/** Actions a principal needs to encrypt and decrypt with the key (envelope encryption). */
export const KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
];

export interface EncryptionArgs extends ComponentOptions<EncryptionChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * IAM roles (exact ARNs) outside this program allowed to use each key. The program's own roles
     * need no list: every grant of a key (`dataKey.grantUse(fn, …)`, a table grant, a function's
     * dead-letter queue) names its role. Roles are listed in the key policy through an
     * `aws:PrincipalArn` condition, so a key can name a role that is created after it.
     * @default {} (only the AWS services that store data with the key, and the program's grantees)
     */
    keyUsers?: Partial<Record<DataClass, pulumi.Input<string>[]>>;
    /**
     * `aws:SourceArn` values (ARNs or `ArnLike` patterns) of CloudFront distributions that read
     * objects encrypted with the data key through Origin Access Control. CloudFront gets
     * `kms:Decrypt` on the data key only from these distributions of this account.
     * @default [] (CloudFront cannot use the key)
     */
    cloudFrontSourceArns?: pulumi.Input<string>[];
    /**
     * Pulumi `protect` on the keys: a deleted key makes its data unreadable for good.
     * @default false
     */
    protect?: boolean;
    /**
     * Let SES (this account's configuration sets only) use the messaging key, so it can publish
     * bounce and complaint events to a topic encrypted with it.
     * @default false
     */
    sesEvents?: boolean;
    /**
     * ARNs of CloudTrail trails (exact, `aws:SourceArn`) that encrypt their log files with the logs
     * key. A trail's ARN is known from its name before it exists, so the key can name it.
     * @default [] (CloudTrail cannot use the key)
     */
    cloudTrailArns?: pulumi.Input<string>[];
    /**
     * ARNs of EventBridge rules (exact, `aws:SourceArn`) whose targets are encrypted with the messaging
     * key: the topics they publish to and the dead-letter queues they send undelivered events to. A
     * rule's ARN is known from its name before it exists, so the key can name it.
     * @default [] (EventBridge cannot use the key)
     */
    eventRuleArns?: pulumi.Input<string>[];
    /**
     * Ids of recovery accounts (12 digits, another than the stack's) of the same organization that
     * receive AWS Backup copies of the data key's recovery points: a cross-account copy reads the
     * source recovery point with the source vault's key, so the data key lets those accounts decrypt
     * and describe it and create grants for AWS resources (the AWS Backup Developer Guide's
     * "Encryption for a backup copy to a different account"). They must also be in the pack's
     * cross-account-access `trustedAccounts`.
     * @default [] (no other account can use the key)
     */
    recoveryAccounts?: string[];
}

/** The kinds of child resources Encryption creates, and the arguments a `transform` of each may edit. */
export interface EncryptionChildren extends ChildKinds {
    alias: aws.kms.AliasArgs;
    key: aws.kms.KeyArgs;
}
const ENCRYPTION_CHILD_KINDS = ["alias", "key"] as const;

/**
 * Customer-managed KMS keys, one per data class, with yearly rotation, a 30-day deletion window and
 * key policies that grant exactly the AWS services and roles that use each key.
 */
export class Encryption extends Component<EncryptionChildren> {
    /** ARN of the key for the table, function environments and other stored data. */
    public readonly dataKeyArn: pulumi.Output<string>;
    /** ARN of the key for CloudWatch log groups. */
    public readonly logsKeyArn: pulumi.Output<string>;
    /** ARN of the key for SNS topics and SQS queues. */
    public readonly messagingKeyArn: pulumi.Output<string>;
    /** Every key's ARN by data class. */
    public readonly keyArns: pulumi.Output<Record<DataClass, string>>;
    /** The keys themselves, for components that need the resource (e.g. its id). */
    public readonly keys: Record<DataClass, aws.kms.Key>;
    /** The data key, for grants: `dataKey.grantUse(fn, { via: "dynamodb", sid })`. */
    public readonly dataKey: KmsKey;
    /** The logs key, for grants. */
    public readonly logsKey: KmsKey;
    /** The messaging key, for grants: `messagingKey.grantUse(fn, { via: "sns", sid })`. */
    public readonly messagingKey: KmsKey;

    constructor(name: string, args: EncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:encryption:Encryption", "Encryption", name, ENCRYPTION_CHILD_KINDS, args, opts);
        const users = args.keyUsers ?? {};
        for (const k of Object.keys(users)) {
            if (!(DATA_CLASSES as readonly string[]).includes(k)) {
                invalid("Encryption", "keyUsers", k, `allowed keys: ${DATA_CLASSES.join(", ")}`);
            }
        }
        const ctx = args.context;
        const root = accountRoot(ctx);
        const recovery = args.recoveryAccounts ?? [];
        recovery.forEach((a, i) => {
            if (!/^\d{12}$/.test(a) || a === ctx.accountId) {
                invalid(
                    "Encryption",
                    `recoveryAccounts[${i}]`,
                    a,
                    `allowed: the 12-digit id of another account of the organization than this stack's (${ctx.accountId})`,
                );
            }
        });
        const recoveryRoots = recovery.map((a) => `arn:${ctx.partition}:iam::${a}:root`);

        const cloudFront = args.cloudFrontSourceArns ?? [];
        const trails = args.cloudTrailArns ?? [];
        const eventRules = args.eventRuleArns ?? [];
        const servicesFor: Record<DataClass, Record<string, unknown>[]> = {
            data: [
                ...(recoveryRoots.length === 0
                    ? []
                    : [
                          {
                              // AWS Backup in the recovery account reads each copied recovery point with this key.
                              Sid: "AllowRecoveryAccountCopies",
                              Effect: "Allow",
                              Principal: { AWS: recoveryRoots },
                              Action: ["kms:Decrypt", "kms:DescribeKey"],
                              Resource: "*",
                          },
                          {
                              Sid: "AllowRecoveryAccountGrants",
                              Effect: "Allow",
                              Principal: { AWS: recoveryRoots },
                              Action: ["kms:CreateGrant"],
                              Resource: "*",
                              Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                          },
                      ]),
                ...(cloudFront.length === 0
                    ? []
                    : [
                          {
                              // CloudFront reads SSE-KMS objects of a site bucket through OAC (S3 decrypts for it).
                              Sid: "AllowCloudFrontOac",
                              Effect: "Allow",
                              Principal: { Service: "cloudfront.amazonaws.com" },
                              Action: ["kms:Decrypt"],
                              Resource: "*",
                              Condition: {
                                  ArnLike: { "aws:SourceArn": cloudFront },
                                  StringEquals: { "aws:SourceAccount": ctx.accountId },
                              },
                          },
                      ]),
            ],
            logs: [
                {
                    Sid: "AllowCloudWatchLogs",
                    Effect: "Allow",
                    Principal: { Service: `logs.${ctx.region}.amazonaws.com` },
                    Action: KEY_USE_ACTIONS,
                    Resource: "*",
                    // Only log groups of this account and region may use the key.
                    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": arn(ctx, "logs", "log-group:*") } },
                },
                ...(trails.length === 0
                    ? []
                    : [
                          {
                              // CloudTrail encrypts the log files of exactly these trails (SSE-KMS); readers
                              // decrypt through their own IAM permissions and the root statement above.
                              Sid: "AllowCloudTrailEncrypt",
                              Effect: "Allow",
                              Principal: { Service: "cloudtrail.amazonaws.com" },
                              Action: ["kms:GenerateDataKey", "kms:DescribeKey"],
                              Resource: "*",
                              Condition: { StringEquals: { "aws:SourceArn": trails, "aws:SourceAccount": ctx.accountId } },
                          },
                      ]),
            ],
            messaging: [
                {
                    // Alarms publish to the encrypted severity topics.
                    Sid: "AllowCloudWatchAlarms",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                    Resource: "*",
                    Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
                },
                {
                    // SNS delivers domain events into the encrypted queues.
                    Sid: "AllowSnsDelivery",
                    Effect: "Allow",
                    Principal: { Service: "sns.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                    Resource: "*",
                    Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
                },
                ...(args.sesEvents
                    ? [
                          {
                              // SES publishes configuration-set events to the encrypted feedback topic.
                              Sid: "AllowSesEvents",
                              Effect: "Allow",
                              Principal: { Service: "ses.amazonaws.com" },
                              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                              Resource: "*",
                              Condition: {
                                  StringEquals: { "aws:SourceAccount": ctx.accountId },
                                  ArnLike: { "aws:SourceArn": arn(ctx, "ses", "configuration-set/*") },
                              },
                          },
                      ]
                    : []),
                ...(eventRules.length === 0
                    ? []
                    : [
                          {
                              // EventBridge publishes these rules' events to the encrypted severity topics, and
                              // sends what it cannot deliver to their encrypted dead-letter queue.
                              Sid: "AllowEventBridgeRules",
                              Effect: "Allow",
                              Principal: { Service: "events.amazonaws.com" },
                              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                              Resource: "*",
                              Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId }, ArnEquals: { "aws:SourceArn": eventRules } },
                          },
                      ]),
            ],
        };

        const keys = {} as Record<DataClass, aws.kms.Key>;
        const handles = {} as Record<DataClass, KmsKey>;
        for (const cls of DATA_CLASSES) {
            // Sorted and unique: a role granted the key twice, or in another order, is the same policy.
            const policy = (roleArns: readonly pulumi.Input<string>[]) =>
                pulumi.all([...roleArns]).apply((arns: string[]) => keyPolicy(statements, [...new Set(arns)].sort()));
            const roles = new Collected<pulumi.Input<string>>(`the key policy of the ${cls} key`, policy);
            (users[cls] ?? []).forEach((r) => roles.add(r));
            // In a key policy, Resource "*" means "this key": nothing narrower exists there.
            const statements: Record<string, unknown>[] = [
                {
                    Sid: "KeyAdministration",
                    Effect: "Allow",
                    Principal: { AWS: root },
                    Action: ADMIN_ACTIONS,
                    Resource: "*",
                },
                {
                    // Lets AWS services (DynamoDB, Lambda, SQS) hold grants on behalf of the deployer.
                    Sid: "AllowGrantsForAwsResources",
                    Effect: "Allow",
                    Principal: { AWS: root },
                    Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    Resource: "*",
                    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                },
                ...servicesFor[cls],
            ];
            keys[cls] = this.create(
                "key",
                aws.kms.Key,
                `${cls}-key`,
                {
                    description: `${ctx.namePrefix} ${cls} key`,
                    enableKeyRotation: true,
                    rotationPeriodInDays: 365,
                    deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
                    policy: roles.output as pulumi.Output<string>,
                    tags: { ...ctx.tags, "data-class": cls },
                },
                { parent: this, protect: args.protect ?? false },
            );
            this.create("alias", aws.kms.Alias, `${cls}-key-alias`, { name: `alias/${ctx.namePrefix}-${cls}`, targetKeyId: keys[cls].keyId }, { parent: this });
            handles[cls] = new ManagedKey(keys[cls].arn, roles, ctx.region);
        }

        this.keys = keys;
        this.dataKey = handles.data;
        this.logsKey = handles.logs;
        this.messagingKey = handles.messaging;
        this.dataKeyArn = keys.data.arn;
        this.logsKeyArn = keys.logs.arn;
        this.messagingKeyArn = keys.messaging.arn;
        this.keyArns = pulumi.output({ data: keys.data.arn, logs: keys.logs.arn, messaging: keys.messaging.arn });
        this.registerOutputs({ dataKeyArn: this.dataKeyArn, logsKeyArn: this.logsKeyArn, messagingKeyArn: this.messagingKeyArn });
    }
}

/** A key of this component: its grants name their roles in its key policy. */
class ManagedKey implements KmsKey {
    constructor(
        public readonly arn: pulumi.Output<string>,
        private readonly roles: Collected<pulumi.Input<string>>,
        private readonly region: string,
    ) {}

    allowRole(roleArn: pulumi.Input<string>): void {
        this.roles.add(roleArn);
    }

    grantUse(grantee: Grantee, options: KeyUseOptions): Grant {
        const grant = keyUseGrant(this.arn, this.region, options);
        grantee.addGrant(grant);
        this.allowRole(grantee.principalArn);
        return grant;
    }
}

/** The key policy: the fixed statements, then the platform's roles when any uses the key. */
function keyPolicy(statements: readonly Record<string, unknown>[], roleArns: string[]): pulumi.Output<string> {
    const root = statements[0].Principal;
    const platformRoles =
        roleArns.length === 0
            ? []
            : [
                  {
                      Sid: "AllowPlatformRoles",
                      Effect: "Allow",
                      Principal: root,
                      Action: [...KEY_USE_ACTIONS, "kms:CreateGrant"],
                      Resource: "*",
                      Condition: { ArnEquals: { "aws:PrincipalArn": roleArns } },
                  },
              ];
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: [...statements, ...platformRoles] });
}
