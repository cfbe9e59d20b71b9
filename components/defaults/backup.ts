/**
 * The newest point DynamoDB point-in-time recovery can restore to is about five minutes old
 * (`LatestRestorableDateTime`), so no design built on PITR meets an RPO below this.
 */
export const PITR_RPO_MINUTES = 5;

/** AWS Backup runs a plan at most hourly; intervals a cron expression repeats evenly through a day. */
export const BACKUP_INTERVAL_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/** The shortest start window AWS Backup accepts: a job may start up to this late. */
export const BACKUP_START_WINDOW_MINUTES = 60;
