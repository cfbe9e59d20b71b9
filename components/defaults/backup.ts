/**
 * The newest point DynamoDB point-in-time recovery can restore to is about five minutes old
 * (`LatestRestorableDateTime`), so no design built on PITR meets an RPO below this.
 */
export const PITR_RPO_MINUTES = 5;

/** AWS Backup runs a plan at most hourly; intervals a cron expression repeats evenly through a day. */
export const BACKUP_INTERVAL_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/** The shortest start window AWS Backup accepts: a job may start up to this late. */
export const BACKUP_START_WINDOW_MINUTES = 60;

/**
 * How the stack survives the loss of its region: `backup-restore` restores the table from the recovery
 * points AWS Backup copies to the DR region and deploys the platform there; `pilot-light` keeps a
 * DynamoDB global-table replica in the DR region, with the same platform deployed against it by a second
 * stack (Pulumi.prod-dr.yaml), so only the switch-over remains.
 */
export const DR_STRATEGIES = ["backup-restore", "pilot-light"] as const;
export type DrStrategy = (typeof DR_STRATEGIES)[number];

/**
 * The failures the recovery objectives are judged against (tools/dr/model.ts): a release that breaks,
 * bad data written to the table, the table deleted, an availability zone lost, the region lost, and the
 * account compromised (an attacker with administrator rights in it).
 */
export const FAILURE_MODES = ["bad-deploy", "bad-data", "table-deleted", "az-loss", "region-loss", "account-compromise"] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/**
 * The longest interval AWS Backup can run (BACKUP_INTERVAL_HOURS) such that a recovery point, started
 * up to `overheadMinutes` late or taking that long to reach its copy, is still no older than the RPO;
 * hourly when none is (the RPO is then met by point-in-time recovery in the region, or not at all).
 */
export function backupIntervalHours(rpoMinutes: number, overheadMinutes = 0): (typeof BACKUP_INTERVAL_HOURS)[number] {
    return [...BACKUP_INTERVAL_HOURS].reverse().find((h) => h * 60 + overheadMinutes <= rpoMinutes) ?? 1;
}

/**
 * Average replication latency (milliseconds) from the table to its global-table replica above which
 * the replica alarms: the minute the recovery model counts as the RPO of a region loss under pilot-light.
 */
export const REPLICATION_LATENCY_THRESHOLD_MS = 60_000;
