/**
 * The only structural differences allowed between the dev, staging and prod stacks. Every other
 * resource exists in every stack under the same type and logical name; stacks differ in values.
 * Each entry says why the difference exists; test/stacks/parity.spec.ts enforces the list.
 */
export interface AllowedDifference {
    /** Resource type token. */
    type: string;
    /** Logical names the difference may cover. */
    name: RegExp;
    /** Why stacks may differ here. */
    reason: string;
}

export const ALLOWED_DIFFERENCES: readonly AllowedDifference[] = [
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^alerting-(critical|warning|info)-email-\d+$/,
        reason: "One email subscription per severity topic for each mailbox in `alertEmails`; how many people a stack alerts is a value (prod alerts on-call and the team).",
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^alerting-critical-pager$/,
        reason: "The pager subscription exists only where `pagerUrl` (a secret holding the integration's routing key) is set; a stack without a pager cannot subscribe one.",
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^edge-alerts-(critical|warning|info)-email-\d+$/,
        reason: "The Edge component's us-east-1 severity topics (CloudFront alarms can only notify topics in us-east-1) subscribe the same `alertEmails` mailboxes, one subscription per mailbox: a value, as for the stack's own topics.",
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^edge-alerts-critical-pager$/,
        reason: "The Edge component's us-east-1 critical topic pages the same on-call pager, so it exists only where the `pagerUrl` secret is set, like the stack's own pager subscription.",
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^(alerting|edge-alerts)-escalation-email-\d+$/,
        reason: "One email subscription on the escalation topic (the stack's, and the Edge component's in us-east-1) per mailbox of the escalated tier: `escalationEmails`, or `alertEmails` where a stack names no tier of its own (dev). How many people an escalation reaches is a value.",
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^(alerting|edge-alerts)-escalation-pager$/,
        reason: "The escalation topics page the on-call pager too, so like the critical topics' pager subscriptions they exist only where the `pagerUrl` secret is set.",
    },
    {
        type: "aws:acm/certificate:Certificate",
        name: /^edge-certificate$/,
        reason: "The site's certificate exists only where the stack serves a custom domain (`edgeDomainName`) without an own certificate (`edgeCertificateArn`): staging and prod, where policy rule cf-viewer-tls refuses CloudFront's default certificate. dev answers on its cloudfront.net name, which no certificate of ours can cover; the pack's dev profile reports that as advisory.",
    },
    {
        type: "aws:acm/certificateValidation:CertificateValidation",
        name: /^edge-certificate-validation$/,
        reason: "The wait for ACM to issue the site's certificate (what the distribution takes the certificate's ARN from) exists exactly where the certificate does: a custom `edgeDomainName` without `edgeCertificateArn`.",
    },
    {
        type: "aws:route53/record:Record",
        name: /^edge-(certificate-validation-record|alias-a|alias-aaaa)$/,
        reason: "Route 53 records exist only where `edgeHostedZoneId` names the zone holding `edgeDomainName`: the certificate's validation record (when the stack requested the certificate) and the domain's alias A and AAAA records. Without a zone the operator publishes them in the domain's own DNS.",
    },
    {
        type: "aws:shield/protection:Protection",
        name: /^edge-shield$/,
        reason: "Shield Advanced protection of the distribution exists only where `shieldAdvanced` is true: it needs a paid account-wide subscription (USD 3,000 a month) that a stack cannot create.",
    },
    {
        type: "aws:securityhub/account:Account",
        name: /^threat-detection-security-hub$/,
        reason: "Security Hub is enabled only where `threatDetection` is `full` (staging, prod): dev runs `guardduty-only`, because Security Hub's control checks cost per check and per account and a dev account's findings repeat staging's. GuardDuty, its protections and its finding rules exist in every stack.",
    },
    {
        type: "aws:securityhub/standardsSubscription:StandardsSubscription",
        name: /^threat-detection-fsbp$/,
        reason: "The AWS Foundational Security Best Practices subscription belongs to the Security Hub account, so it exists exactly where `threatDetection` is `full`.",
    },
    {
        type: "aws:cloudwatch/eventRule:EventRule",
        name: /^threat-detection-securityhub-(critical|warning|info)$/,
        reason: "The rules that route Security Hub's findings to the severity topics exist only where Security Hub does (`threatDetection` `full`); GuardDuty's rules exist in every stack.",
    },
    {
        type: "aws:cloudwatch/eventTarget:EventTarget",
        name: /^threat-detection-securityhub-(critical|warning|info)-target$/,
        reason: "Each Security Hub finding rule's target (its severity topic, with the dead-letter queue and retry policy) exists with its rule, where `threatDetection` is `full`.",
    },
    // Provisioned concurrency is a named exception, not zero capacity in every stack: Lambda refuses a
    // provisioned concurrency config of 0 environments, a scalable target held at 0 would register target
    // tracking that can never act (its AWS-managed alarms billed, forever in INSUFFICIENT_DATA), and a
    // spillover alarm on an alias without provisioned environments could never fire.
    {
        type: "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
        name: /^api-provisioned$/,
        reason: "The api function's live alias gets provisioned environments only where `apiProvisionedConcurrencyMax` is above 0 (staging rehearses 1 to 5, prod runs 2 to 50); dev starts every environment on demand.",
    },
    {
        type: "aws:appautoscaling/target:Target",
        name: /^api-scaling-target$/,
        reason: "Application Auto Scaling's target (`function:<name>:live`) exists with the provisioned concurrency it scales, where `apiProvisionedConcurrencyMax` is above 0.",
    },
    {
        type: "aws:appautoscaling/policy:Policy",
        name: /^api-scaling-policy$/,
        reason: "The target-tracking policy on LambdaProvisionedConcurrencyUtilization exists with its scalable target, where `apiProvisionedConcurrencyMax` is above 0.",
    },
    {
        type: "aws:appautoscaling/scheduledAction:ScheduledAction",
        name: /^api-schedule-\d+$/,
        reason: "One scheduled action per entry of `apiProvisionedConcurrencySchedule`: prod raises the floor for the shop's hours; staging and dev have no schedule. How many entries a stack has is a value.",
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: /^api-provisioned-spillover(-escalated)?$/,
        reason: "The spillover warning (and its escalation twin) watches invocations the alias's provisioned environments could not take: it exists where they do (`apiProvisionedConcurrencyMax` above 0).",
    },
    // Disaster recovery beyond the region (tools/dr/model.ts): copies where `drCopies` is on (staging, prod),
    // a global-table replica where `drStrategy` is pilot-light (prod). dev keeps everything in its region.
    {
        type: "pulumi:providers:aws",
        name: /^(table-backup|audit|orders)-dr$/,
        reason: "A provider for `drRegion`, a child of each component that keeps something there (the backup copies, the trail's replica bucket, the table's replica): it exists where that component has something in the DR region (`drCopies`, and for the table `drStrategy` pilot-light).",
    },
    {
        type: "aws:kms/key:Key",
        name: /^(table-backup-dr|audit-replica|orders-replica)-key$/,
        reason: "KMS keys are regional: each copy in `drRegion` (the DR vault's recovery points, the trail's replicated log files, the table's replica) is encrypted with a key there, which exists where the copy does.",
    },
    {
        type: "aws:kms/alias:Alias",
        name: /^(table-backup-dr|audit-replica|orders-replica)-key-alias$/,
        reason: "Each DR key's alias (`alias/<prefix>-<use>`) exists with its key.",
    },
    {
        type: "aws:backup/vault:Vault",
        name: /^table-backup-dr-vault$/,
        reason: "The vault in `drRegion` that every recovery point is copied to exists where `drCopies` is on (staging, prod); dev (drCopies false) accepts losing its data with its region.",
    },
    {
        type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        name: /^table-backup-dr-vault-lock$/,
        reason: "The DR vault's lock (governance mode, the copies' retention) exists with the DR vault.",
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: /^table-backup-copy-jobs-failed(-escalated)?$/,
        reason: "The copy-job failure warning (and its escalation twin) watches the copies to the DR vault: it exists where they are made (`drCopies`).",
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: /^orders-replication-latency(-escalated)?$/,
        reason: "The replication-latency warning (and its escalation twin) watches the global-table replica: it exists where there is one (`drStrategy` pilot-light, prod).",
    },
    {
        type: "aws:iam/role:Role",
        name: /^audit-replication-role$/,
        reason: "The role S3 replicates the trail's log files to `drRegion` with exists where the trail replicates (`drCopies`).",
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        name: /^audit-replication-policy$/,
        reason: "The replication role's policy exists with the role.",
    },
    {
        type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        name: /^audit-replication$/,
        reason: "The trail bucket's replication rule (KMS-encrypted log files to the replica bucket in `drRegion`, deletions not replicated) exists where `drCopies` is on.",
    },
    {
        type: "platform:storage:SecureBucket",
        name: /^audit-replica(-logs)?$/,
        reason: "The trail's replica bucket in `drRegion` and the bucket its server access logs go to (they must be in its region) exist where `drCopies` is on.",
    },
    ...(
        [
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketLogging:BucketLogging",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketPolicy:BucketPolicy",
        ] as const
    ).map((type) => ({
        type,
        name: /^audit-replica(-logs)?(-(ownership|public-access|versioning|encryption|access-logs|lifecycle|policy))?$/,
        reason: "A setting of the trail's replica bucket or its access-log bucket in `drRegion` (SecureBucket keeps each in its own resource): they exist where the buckets do (`drCopies`).",
    })),
];

/**
 * How a standby (`drStandbyOf`, Pulumi.prod-dr.yaml) differs from its primary (prod) beyond the values:
 * test/stacks/prod-dr.ts compares the two previews with exactly these, and ALLOWED_DIFFERENCES.
 */
export const STANDBY_DIFFERENCES: readonly AllowedDifference[] = [
    {
        type: "aws:dynamodb/table:Table",
        name: /^orders-table$/,
        reason: "A standby runs against its primary's global-table replica in its region (drPrimaryStack's disasterRecovery output, or drReplicaStreamArn and drReplicaKeyArn): the primary owns the table and its replicas, so the standby creates no table of its own. Its grants, alarms and outputs name the replica.",
    },
    {
        type: "pulumi:pulumi:StackReference",
        name: /^organization\/platform\/prod$/,
        reason: "The standby reads the replica's table, stream and key from its primary's disasterRecovery output (drPrimaryStack); no stack reads another otherwise.",
    },
];
