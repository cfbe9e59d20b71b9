import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { AlarmRouting, createAlarm } from "./alarms";
import { PlatformContext, invalid } from "./context";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";
import { KeyInput, keyArnOf, useKey } from "./grants";

import { BACKUP_INTERVAL_HOURS, BACKUP_START_WINDOW_MINUTES, PITR_RPO_MINUTES } from "./defaults/backup";

export { BACKUP_INTERVAL_HOURS, BACKUP_START_WINDOW_MINUTES, PITR_RPO_MINUTES };

/** How often the plan backs the table up, and what meets the RPO. */
export interface BackupSchedule {
    /** Hours between scheduled backups. */
    intervalHours: (typeof BACKUP_INTERVAL_HOURS)[number];
    /** AWS Backup schedule expression (UTC). */
    expression: string;
    /**
     * `backup`: scheduled recovery points alone are frequent enough; `pitr`: the RPO is under an hour,
     * AWS Backup's shortest interval, so point-in-time recovery on the table meets it and the vault
     * adds hourly copies that survive the table.
     */
    rpoMetBy: "backup" | "pitr";
}

/**
 * The schedule for an RPO: the longest interval AWS Backup can run that is no longer than the RPO,
 * hourly (with PITR meeting the RPO) below an hour, daily at most. Pure, so the specs check it for
 * every input. Throws, naming `rpoMinutes` (argument and config key), when nothing in this design meets the RPO.
 */
export function backupSchedule(rpoMinutes: number): BackupSchedule {
    if (!Number.isInteger(rpoMinutes) || rpoMinutes < PITR_RPO_MINUTES) {
        invalid(
            "Backup",
            "rpoMinutes",
            rpoMinutes,
            `allowed: a whole number of minutes of at least ${PITR_RPO_MINUTES}: DynamoDB point-in-time recovery restores to about ${PITR_RPO_MINUTES} minutes ago at best, and AWS Backup runs at most hourly, so no lower RPO can be met`,
        );
    }
    const intervalHours = [...BACKUP_INTERVAL_HOURS].reverse().find((h) => h * 60 <= rpoMinutes) ?? 1;
    const expression = intervalHours === 24 ? "cron(0 3 ? * * *)" : intervalHours === 1 ? "cron(0 * ? * * *)" : `cron(0 0/${intervalHours} ? * * *)`;
    return { intervalHours, expression, rpoMetBy: rpoMinutes < 60 ? "pitr" : "backup" };
}

export interface BackupArgs extends ComponentOptions<BackupChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the DynamoDB table to back up (point-in-time recovery must be on: DataStore turns it on). */
    tableArn: pulumi.Input<string>;
    /** The KMS key the vault encrypts recovery points with (the data key, as the table's): the backup role is named in its key policy. */
    kmsKey: KeyInput;
    /** Where the failed-backup alarm goes. */
    routing: AlarmRouting;
    /** Days a recovery point is kept (1 to 36500); also the vault lock's minimum retention. */
    retentionDays: number;
    /** Recovery point objective in minutes: the most data the business accepts to lose (at least 5). */
    rpoMinutes: number;
    /**
     * Recovery time objective in minutes (5 to 10080). Recorded on the vault and plan and in the
     * runbook; restores are an operator procedure (docs/runbooks/restore-table.md).
     */
    rtoMinutes: number;
    /**
     * Pulumi `protect` on the vault and plan, and no `forceDestroy`: a deploy can never delete
     * recovery points. Without it a stack can be torn down with its vault.
     * @default false
     */
    deletionProtection?: boolean;
}

/** Physical name of the vault, plan and role: fixed, so key policies can name the role before it exists. */
export function backupResourceName(ctx: PlatformContext, name: string): string {
    return `${ctx.namePrefix}-${name}`;
}

/** ARN of the backup role, from its fixed name (for the data key's policy, created before the role). */
export function backupRoleArn(ctx: PlatformContext, name: string): pulumi.Output<string> {
    return pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${backupResourceName(ctx, name)}`;
}

/** The kinds of child resources Backup creates, and the arguments a `transform` of each may edit. */
export interface BackupChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    plan: aws.backup.PlanArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
    selection: aws.backup.SelectionArgs;
    vault: aws.backup.VaultArgs;
    vaultLockConfiguration: aws.backup.VaultLockConfigurationArgs;
}
const BACKUP_CHILD_KINDS = ["metricAlarm", "plan", "role", "rolePolicy", "selection", "vault", "vaultLockConfiguration"] as const;

/**
 * AWS Backup for the DynamoDB table: a vault encrypted with the data key and locked (governance mode)
 * against early deletion of recovery points, a plan whose schedule follows the RPO and whose lifecycle
 * follows the retention, a selection of the table with its own least-privilege role, and an alarm on
 * failed backup jobs.
 *
 * What meets the RPO: point-in-time recovery on the table (restores to any second of the last 35 days
 * up to about 5 minutes ago) covers everything under an hour; AWS Backup's recovery points (at most
 * hourly) are the copies that outlive the table and PITR's window, isolated in a locked vault.
 * Restores are run by an operator: docs/runbooks/restore-table.md.
 */
export class Backup extends Component<BackupChildren> {
    /** ARN of the backup vault. */
    public readonly vaultArn: pulumi.Output<string>;
    /** Name of the backup vault. */
    public readonly vaultName: pulumi.Output<string>;
    /** Id of the backup plan. */
    public readonly planId: pulumi.Output<string>;
    /** ARN of the role AWS Backup uses for backup and restore jobs of the table. */
    public readonly roleArn: pulumi.Output<string>;
    /** The schedule derived from the RPO. */
    public readonly schedule: BackupSchedule;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backup:Backup", "Backup", name, BACKUP_CHILD_KINDS, args, opts);
        if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
            this.invalid("name", name, "allowed: lower-case letters, digits and dashes, starting with a letter, at most 40 characters");
        }
        const retentionDays = this.checkInt("retentionDays", args.retentionDays, 1, 36500);
        this.checkInt("rtoMinutes", args.rtoMinutes, 5, 10080);
        const schedule = backupSchedule(args.rpoMinutes);
        const protect = args.deletionProtection ?? false;
        const ctx = args.context;
        const physicalName = backupResourceName(ctx, name);
        const objectives = { "rpo-minutes": String(args.rpoMinutes), "rto-minutes": String(args.rtoMinutes) };

        const vault = this.create(
            "vault",
            aws.backup.Vault,
            `vault`,
            {
                name: physicalName,
                kmsKeyArn: keyArnOf(args.kmsKey),
                // Deleting the vault deletes its recovery points only where the stack may be torn down.
                forceDestroy: !protect,
                tags: { ...ctx.tags, ...objectives, "data-class": "data" },
            },
            { parent: this, protect },
        );

        // Governance mode (no changeableForDays): nobody deletes a recovery point before its retention
        // ends or stores one kept shorter, unless they hold backup:DeleteBackupVaultLockConfiguration
        // and remove the lock first (which `pulumi destroy` of an unprotected stack does). Compliance
        // mode is irreversible after its grace time and is an operator decision, not a default.
        this.create(
            "vaultLockConfiguration",
            aws.backup.VaultLockConfiguration,
            `vault-lock`,
            { backupVaultName: vault.name, minRetentionDays: retentionDays },
            { parent: this, protect },
        );

        const role = this.create(
            "role",
            aws.iam.Role,
            `role`,
            {
                name: physicalName,
                description: `AWS Backup role: backs up and restores ${physicalName}'s table`,
                assumeRolePolicy: assumeRolePolicy("backup.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        useKey(args.kmsKey, backupRoleArn(ctx, name));
        // The DynamoDB, vault and KMS statements of AWSBackupServiceRolePolicyForBackup and
        // ...ForRestores, on this table, its vault and its key instead of every table and "*".
        const table = args.tableArn;
        const grants: Grant[] = [
            { sid: "BackupTable", actions: ["dynamodb:DescribeTable", "dynamodb:CreateBackup"], resources: [table] },
            { sid: "ManageTableBackups", actions: ["dynamodb:DescribeBackup", "dynamodb:DeleteBackup"], resources: [pulumi.interpolate`${table}/backup/*`] },
            // AWS Backup's own DynamoDB backups (vault encryption, lock, lifecycle) start through this action.
            { sid: "AdvancedTableBackup", actions: ["dynamodb:StartAwsBackupJob", "dynamodb:ListTagsOfResource"], resources: [table] },
            { sid: "WriteVault", actions: ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"], resources: [vault.arn] },
            { sid: "UseDataKey", actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], resources: [keyArnOf(args.kmsKey)] },
            {
                sid: "GrantDataKeyToAws",
                actions: ["kms:CreateGrant"],
                resources: [keyArnOf(args.kmsKey)],
                condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                // Restores create a table named after this one (the runbook restores to `<table>-restored-<time>`,
                // or to the table's own name once it is gone): the prefix is the narrowest resource known before.
                sid: "RestoreTable",
                actions: [
                    "dynamodb:RestoreTableFromAwsBackup",
                    "dynamodb:DescribeTable",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                ],
                resources: [pulumi.interpolate`${table}*`],
            },
            { sid: "RestoreFromTableBackup", actions: ["dynamodb:RestoreTableFromBackup"], resources: [pulumi.interpolate`${table}*/backup/*`] },
        ];
        checkGrants(this.className, "grants", grants);
        const policy = this.create("rolePolicy", aws.iam.RolePolicy, `policy`, { role: role.name, policy: policyDocument(grants) }, { parent: this });

        const completionWindowMinutes = Math.max(2 * BACKUP_START_WINDOW_MINUTES, schedule.intervalHours * 60);
        const plan = this.create(
            "plan",
            aws.backup.Plan,
            `plan`,
            {
                name: physicalName,
                rules: [
                    {
                        ruleName: `every-${schedule.intervalHours}h-keep-${retentionDays}d`,
                        targetVaultName: vault.name,
                        schedule: schedule.expression,
                        scheduleExpressionTimezone: "Etc/UTC",
                        startWindow: BACKUP_START_WINDOW_MINUTES,
                        completionWindow: completionWindowMinutes,
                        lifecycle: { deleteAfter: retentionDays },
                        recoveryPointTags: { ...ctx.tags, ...objectives },
                    },
                ],
                tags: { ...ctx.tags, ...objectives, "rpo-met-by": schedule.rpoMetBy },
            },
            { parent: this, protect },
        );

        this.create(
            "selection",
            aws.backup.Selection,
            `selection`,
            { name: `${physicalName}-table`, planId: plan.id, iamRoleArn: role.arn, resources: [table] },
            { parent: this, dependsOn: [policy] },
        );

        createAlarm(
            `${name}-jobs-failed`,
            {
                description: `${physicalName}: an AWS Backup job of the table failed; the next scheduled recovery point may miss the ${args.rpoMinutes}-minute RPO. See docs/runbooks/restore-table.md.`,
                severity: "warning",
                signal: {
                    kind: "metric",
                    metric: { namespace: "AWS/Backup", metricName: "NumberOfBackupJobsFailed", dimensions: { BackupVaultName: vault.name }, stat: "Sum" },
                },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                periodSeconds: 300,
                evaluationPeriods: 1,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );

        this.vaultArn = vault.arn;
        this.vaultName = vault.name;
        this.planId = plan.id;
        this.roleArn = role.arn;
        this.schedule = schedule;
        this.registerOutputs({ vaultArn: this.vaultArn, vaultName: this.vaultName, planId: this.planId, roleArn: this.roleArn });
    }
}
