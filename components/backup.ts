import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { AlarmRouting, createAlarm } from "./alarms";
import { PlatformContext, invalid } from "./context";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";
import { KeyInput, keyArnOf, useKey } from "./grants";
import { createDrKey, drContext, drKeyPolicy, drProvider } from "./dr-keys";

import { BACKUP_INTERVAL_HOURS, BACKUP_START_WINDOW_MINUTES, PITR_RPO_MINUTES, backupIntervalHours } from "./defaults/backup";

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

/** The hour (UTC) of the daily recovery point; a frequent rule skips it, so no two rules start together. */
export const DAILY_BACKUP_HOUR = 3;

function everyHours(intervalHours: number): string {
    return intervalHours === 24 ? `cron(0 ${DAILY_BACKUP_HOUR} ? * * *)` : intervalHours === 1 ? "cron(0 * ? * * *)" : `cron(0 0/${intervalHours} ? * * *)`;
}

/**
 * The schedule for an RPO: the longest interval AWS Backup can run that is no longer than the RPO,
 * hourly (with PITR meeting the RPO) below an hour, daily at most. With `overheadMinutes` (a late
 * start and the copy to the DR region), the interval leaves room for them too, so a copied recovery
 * point is no older than the RPO where an interval allows it. Pure, so the specs check it for every
 * input. Throws, naming `rpoMinutes` (argument and config key), when nothing in this design meets the RPO.
 */
export function backupSchedule(rpoMinutes: number, overheadMinutes = 0): BackupSchedule {
    if (!Number.isInteger(rpoMinutes) || rpoMinutes < PITR_RPO_MINUTES) {
        invalid(
            "Backup",
            "rpoMinutes",
            rpoMinutes,
            `allowed: a whole number of minutes of at least ${PITR_RPO_MINUTES}: DynamoDB point-in-time recovery restores to about ${PITR_RPO_MINUTES} minutes ago at best, and AWS Backup runs at most hourly, so no lower RPO can be met`,
        );
    }
    const intervalHours = backupIntervalHours(rpoMinutes, overheadMinutes);
    return { intervalHours, expression: everyHours(intervalHours), rpoMetBy: rpoMinutes < 60 ? "pitr" : "backup" };
}

export interface BackupArgs extends ComponentOptions<BackupChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the DynamoDB table to back up (point-in-time recovery must be on: DataStore turns it on). */
    tableArn: pulumi.Input<string>;
    /** The KMS key the vault encrypts recovery points with (the data key, as the table's): the backup role is named in its key policy. */
    kmsKey: KeyInput;
    /**
     * The key the table itself is encrypted with, where it is not `kmsKey`: a standby's table is its
     * primary's replica, encrypted with the replica's key. The role reads the table through DynamoDB with it.
     * @default kmsKey
     */
    tableKeyArn?: pulumi.Input<string>;
    /** Where the failed-backup alarm goes. */
    routing: AlarmRouting;
    /** Days a daily recovery point is kept (1 to 36500). */
    retentionDays: number;
    /**
     * Days the recovery points the RPO takes more often than daily are kept (1 to `retentionDays`);
     * one point a day, at 03:00 UTC, is kept `retentionDays`. Every DynamoDB recovery point is a full
     * copy of the table, so 35 days of hourly points cost 24 times 35 days of daily ones, while
     * point-in-time recovery already restores any second of the last 35 days in the region: the
     * frequent points matter for the copies outside it, whose newest is what a region or account loss
     * restores. The vault lock's minimum retention is the shorter of the two.
     * @default retentionDays (one rule: every point kept as long)
     */
    frequentRetentionDays?: number;
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
    /**
     * Copies of the recovery points outside the stack's region (every one, or the daily ones: see
     * `copyEveryPoint`): AWS Backup copies each one, as it completes, to a vault in `dr.region` (encrypted with a key the component creates there, locked
     * like the primary vault, with its own retention), and, with `dr.crossAccountVaultArn`, to a vault
     * of another account too. Copy jobs that fail raise an alarm, as failed backup jobs do.
     * @default none (recovery points stay in the stack's region and account)
     */
    dr?: BackupDrArgs;
}

/** Where and how long the Backup component keeps copies of its recovery points. */
export interface BackupDrArgs {
    /** The DR region, e.g. `eu-central-1`: another than the stack's. */
    region: string;
    /** Days the DR vault keeps each copy (1 to 36500); also its vault lock's minimum retention. */
    retentionDays: number;
    /**
     * Minutes from a recovery point's start until its copy is in the DR vault (tools/dr/model.ts
     * estimates it from the table's size): the schedule leaves room for them and the start window
     * within the RPO.
     * @default 0
     */
    copyLagMinutes?: number;
    /**
     * ARN of a backup vault in another account of the organization (in `region`) that also receives
     * every recovery point. Its access policy must allow this account's `backup:CopyIntoBackupVault`,
     * and a lock on it must accept copies kept as short as the frequent points (`frequentRetentionDays`).
     * @default none
     */
    crossAccountVaultArn?: string;
    /**
     * `false` copies only the daily points to the DR region's vault, where the plan keeps frequent and
     * daily points apart (`frequentRetentionDays`): when a replica in the DR region covers the region's
     * loss, the copies are for bad data found after it, and a day of them is enough. The recovery
     * account's vault gets every point either way: its newest copy is what an account compromise restores.
     * @default true
     */
    copyEveryPoint?: boolean;
}

/** The frequent rule's schedule: every `intervalHours` from midnight, without the daily point's hour. */
export function frequentScheduleExpression(intervalHours: number): string {
    const hours = Array.from({ length: Math.ceil(24 / intervalHours) }, (_, i) => i * intervalHours);
    if (!hours.includes(DAILY_BACKUP_HOUR)) return everyHours(intervalHours);
    const rest = hours.filter((h) => h !== DAILY_BACKUP_HOUR);
    // Runs of consecutive hours as ranges: cron(0 0-2,4-23 ? * * *) rather than 23 numbers.
    const parts: string[] = [];
    for (let i = 0; i < rest.length;) {
        let j = i;
        while (j + 1 < rest.length && rest[j + 1] === rest[j]! + 1) j++;
        parts.push(j - i >= 2 ? `${rest[i]}-${rest[j]}` : rest.slice(i, j + 1).join(","));
        i = j + 1;
    }
    return `cron(0 ${parts.join(",")} ? * * *)`;
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
    alias: aws.kms.AliasArgs;
    key: aws.kms.KeyArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    plan: aws.backup.PlanArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
    selection: aws.backup.SelectionArgs;
    vault: aws.backup.VaultArgs;
    vaultLockConfiguration: aws.backup.VaultLockConfigurationArgs;
}
const BACKUP_CHILD_KINDS = ["alias", "key", "metricAlarm", "plan", "role", "rolePolicy", "selection", "vault", "vaultLockConfiguration"] as const;

/**
 * AWS Backup for the DynamoDB table: a vault encrypted with the data key and locked (governance mode)
 * against early deletion of recovery points, a plan whose schedule follows the RPO and whose lifecycle
 * follows the retention (frequent points kept `frequentRetentionDays`, one a day `retentionDays`), a selection of the table with its own least-privilege role, and an alarm on
 * failed backup jobs.
 *
 * What meets the RPO: point-in-time recovery on the table (restores to any second of the last 35 days
 * up to about 5 minutes ago) covers everything under an hour; AWS Backup's recovery points (at most
 * hourly) are the copies that outlive the table and PITR's window, isolated in a locked vault.
 * Restores are run by an operator: docs/runbooks/restore-table.md.
 *
 * With `dr`, the recovery points are also copied to a locked vault in the DR region, encrypted with a
 * key of that region (through a provider for it, a child of this component), so a region loss keeps
 * the table's recovery points; with `dr.crossAccountVaultArn`, to another account's vault as well.
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
    /** ARN of the vault in the DR region holding the copies (undefined without `dr`). */
    public readonly drVaultArn?: pulumi.Output<string>;
    /** ARN of the DR vault's key in the DR region (undefined without `dr`). */
    public readonly drKeyArn?: pulumi.Output<string>;
    private readonly ctx: PlatformContext;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backup:Backup", "Backup", name, BACKUP_CHILD_KINDS, args, opts);
        if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
            this.invalid("name", name, "allowed: lower-case letters, digits and dashes, starting with a letter, at most 40 characters");
        }
        const retentionDays = this.checkInt("retentionDays", args.retentionDays, 1, 36500);
        const frequentDays = this.checkInt("frequentRetentionDays", args.frequentRetentionDays ?? retentionDays, 1, retentionDays);
        this.checkInt("rtoMinutes", args.rtoMinutes, 5, 10080);
        const ctx = args.context;
        this.ctx = ctx;
        const dr = args.dr;
        if (dr !== undefined) {
            if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(dr.region) || dr.region === ctx.region) {
                this.invalid("dr.region", dr.region, `allowed: an AWS region other than the stack's own (${ctx.region}), such as eu-central-1`);
            }
            this.checkInt("dr.retentionDays", dr.retentionDays, 1, 36500);
            this.checkInt("dr.copyLagMinutes", dr.copyLagMinutes ?? 0, 0, 10080);
            const vault = dr.crossAccountVaultArn;
            if (vault !== undefined && !new RegExp(`^arn:${ctx.partition}:backup:${dr.region}:\\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$`).test(vault)) {
                this.invalid(
                    "dr.crossAccountVaultArn",
                    vault,
                    `allowed: the ARN of a backup vault in ${dr.region} (arn:${ctx.partition}:backup:${dr.region}:<account>:backup-vault:<name>)`,
                );
            }
        }
        const schedule = backupSchedule(args.rpoMinutes, dr === undefined ? 0 : BACKUP_START_WINDOW_MINUTES + (dr.copyLagMinutes ?? 0));
        // Frequent points kept shorter than a daily one: two rules, the daily one at DAILY_BACKUP_HOUR.
        const tiered = schedule.intervalHours < 24 && frequentDays < retentionDays;
        // Frequent copies are kept no longer than the frequent points; the DR vault's lock allows them.
        const frequentCopyDays = dr === undefined ? 0 : tiered ? Math.min(frequentDays, dr.retentionDays) : dr.retentionDays;
        const frequentToDr = dr?.copyEveryPoint !== false || !tiered;
        const protect = args.deletionProtection ?? false;
        const physicalName = backupResourceName(ctx, name);
        const objectives = { "rpo-minutes": String(args.rpoMinutes), "rto-minutes": String(args.rtoMinutes) };

        // --- the DR region: a key and a locked vault there, through a provider for that region -------
        const drParts =
            dr === undefined ? undefined : this.drVault(name, physicalName, dr, frequentToDr ? frequentCopyDays : dr.retentionDays, objectives, protect);

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
            // The lock keeps every point for its own lifecycle; its minimum only refuses shorter ones.
            { backupVaultName: vault.name, minRetentionDays: tiered ? frequentDays : retentionDays },
            // One lock per vault, and every argument replaces it: a new lock made before the old one is
            // deleted would be deleted with it, leaving the vault unlocked.
            { parent: this, protect, deleteBeforeReplace: true },
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
            ...(drParts === undefined
                ? []
                : [
                      {
                          // The copy jobs run as this role: they write into the DR vault (and another account's, whose
                          // access policy must let this account in) and encrypt the copies with the DR key.
                          sid: "CopyToDrVaults",
                          actions: ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"],
                          resources: [drParts.vault.arn, ...(dr?.crossAccountVaultArn === undefined ? [] : [dr.crossAccountVaultArn])],
                      },
                      { sid: "UseDrKey", actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], resources: [drParts.key.arn] },
                      {
                          sid: "GrantDrKeyToAws",
                          actions: ["kms:CreateGrant"],
                          resources: [drParts.key.arn],
                          condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                      },
                  ]),
            { sid: "UseDataKey", actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], resources: [keyArnOf(args.kmsKey)] },
            ...(args.tableKeyArn === undefined
                ? []
                : [
                      {
                          sid: "UseTableKey",
                          actions: ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
                          resources: [args.tableKeyArn],
                          condition: { StringEquals: { "kms:ViaService": `dynamodb.${ctx.region}.amazonaws.com` } },
                      },
                  ]),
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
            ...(dr === undefined
                ? []
                : [
                      {
                          // After a region loss the copies are restored in the DR region, to a table named after this one.
                          sid: "RestoreTableInDrRegion",
                          actions: [
                              "dynamodb:RestoreTableFromAwsBackup",
                              "dynamodb:DescribeTable",
                              "dynamodb:PutItem",
                              "dynamodb:BatchWriteItem",
                              "dynamodb:Scan",
                          ],
                          resources: [pulumi.output(table).apply((t) => `${t.replace(`:dynamodb:${ctx.region}:`, `:dynamodb:${dr.region}:`)}*`)],
                      },
                  ]),
        ];
        checkGrants(this.className, "grants", grants);
        const policy = this.create("rolePolicy", aws.iam.RolePolicy, `policy`, { role: role.name, policy: policyDocument(grants) }, { parent: this });

        const completionWindowMinutes = Math.max(2 * BACKUP_START_WINDOW_MINUTES, schedule.intervalHours * 60);
        type Destination = "dr" | "account";
        const copyActions = (to: Destination[], days: number): Pick<aws.types.input.backup.PlanRule, "copyActions"> => {
            const actions = to.flatMap((d): aws.types.input.backup.PlanRuleCopyAction[] =>
                d === "dr" && drParts !== undefined
                    ? [{ destinationVaultArn: drParts.vault.arn, lifecycle: { deleteAfter: days } }]
                    : d === "account" && dr?.crossAccountVaultArn !== undefined
                      ? [{ destinationVaultArn: dr.crossAccountVaultArn, lifecycle: { deleteAfter: days } }]
                      : [],
            );
            return actions.length === 0 ? {} : { copyActions: actions };
        };
        const rule = (ruleName: string, expression: string, deleteAfter: number, to: Destination[], copyDays: number): aws.types.input.backup.PlanRule => ({
            ruleName,
            targetVaultName: vault.name,
            schedule: expression,
            scheduleExpressionTimezone: "Etc/UTC",
            startWindow: BACKUP_START_WINDOW_MINUTES,
            completionWindow: completionWindowMinutes,
            lifecycle: { deleteAfter },
            recoveryPointTags: { ...ctx.tags, ...objectives },
            // Each completed recovery point is copied; the copies keep their own retention.
            ...copyActions(to, copyDays),
        });
        const rules = tiered
            ? [
                  rule(
                      `every-${schedule.intervalHours}h-keep-${frequentDays}d`,
                      frequentScheduleExpression(schedule.intervalHours),
                      frequentDays,
                      frequentToDr ? ["dr", "account"] : ["account"],
                      frequentCopyDays,
                  ),
                  rule(`daily-keep-${retentionDays}d`, everyHours(24), retentionDays, ["dr", "account"], dr?.retentionDays ?? 0),
              ]
            : [rule(`every-${schedule.intervalHours}h-keep-${retentionDays}d`, schedule.expression, retentionDays, ["dr", "account"], dr?.retentionDays ?? 0)];
        const plan = this.create(
            "plan",
            aws.backup.Plan,
            `plan`,
            { name: physicalName, rules, tags: { ...ctx.tags, ...objectives, "rpo-met-by": schedule.rpoMetBy } },
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

        if (drParts !== undefined && dr !== undefined) {
            // Copy jobs are created, run and reported by AWS Backup in the source region, under the source
            // vault (ListCopyJobs there lists them with their SourceBackupVaultArn): the alarm lives here.
            createAlarm(
                `${name}-copy-jobs-failed`,
                {
                    description: `${physicalName}: a copy of the table's recovery point to ${dr.region}${dr.crossAccountVaultArn === undefined ? "" : " or the recovery account"} failed (AWS Backup had retried it); until a copy succeeds, a region loss loses more than the ${args.rpoMinutes}-minute RPO. See docs/runbooks/business-continuity.md.`,
                    severity: "warning",
                    signal: {
                        kind: "metric",
                        metric: { namespace: "AWS/Backup", metricName: "NumberOfCopyJobsFailed", dimensions: { BackupVaultName: vault.name }, stat: "Sum" },
                    },
                    threshold: 0,
                    comparisonOperator: "GreaterThanThreshold",
                    periodSeconds: 300,
                    evaluationPeriods: 1,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
            );
            this.drVaultArn = drParts.vault.arn;
            this.drKeyArn = drParts.key.arn;
        }

        this.vaultArn = vault.arn;
        this.vaultName = vault.name;
        this.planId = plan.id;
        this.roleArn = role.arn;
        this.schedule = schedule;
        this.registerOutputs({ vaultArn: this.vaultArn, vaultName: this.vaultName, planId: this.planId, roleArn: this.roleArn, drVaultArn: this.drVaultArn });
    }

    /**
     * The DR region's half: a provider for it, a key there whose policy lets the backup role use it,
     * and a vault encrypted with that key, locked (governance mode) for the copies' retention.
     */
    private drVault(
        name: string,
        physicalName: string,
        dr: BackupDrArgs,
        minRetentionDays: number,
        objectives: Record<string, string>,
        protect: boolean,
    ): { key: aws.kms.Key; vault: aws.backup.Vault } {
        const ctx = drContext(this.ctx, dr.region);
        const provider = drProvider(this, name, dr.region);
        const key = createDrKey(
            this,
            `${name}-dr`,
            {
                ctx,
                use: `${name}-dr`,
                description: `${physicalName} copies of the table's recovery points in ${dr.region}`,
                policy: drKeyPolicy(ctx, [backupRoleArn(this.ctx, name)]),
                dataClass: "data",
                protect,
                provider,
            },
            { key: this.childHooks("key"), alias: this.childHooks("alias") },
        );
        const vault = this.create(
            "vault",
            aws.backup.Vault,
            "dr-vault",
            {
                name: physicalName,
                kmsKeyArn: key.arn,
                forceDestroy: !protect,
                tags: { ...ctx.tags, ...objectives, "data-class": "data", "dr-copy": "true" },
            },
            { parent: this, provider, protect },
        );
        this.create(
            "vaultLockConfiguration",
            aws.backup.VaultLockConfiguration,
            "dr-vault-lock",
            { backupVaultName: vault.name, minRetentionDays },
            { parent: this, provider, protect, deleteBeforeReplace: true },
        );
        return { key, vault };
    }
}
