/**
 * What the threat-detection component turns on: `full` is GuardDuty (with S3 and Lambda protection) and
 * Security Hub with the AWS Foundational Security Best Practices standard; `guardduty-only` leaves Security
 * Hub out (its control checks cost per check and per account, and a dev account's findings repeat what
 * staging and prod already report).
 */
export const THREAT_DETECTION_MODES = ["full", "guardduty-only"] as const;
export type ThreatDetectionMode = (typeof THREAT_DETECTION_MODES)[number];

/** The GuardDuty protection plans every detector has: S3 data events and Lambda network activity. */
export const GUARDDUTY_FEATURES = ["S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS"] as const;

/**
 * How soon GuardDuty publishes updates of a finding it already reported (new findings are published at
 * once, whatever this says): the shortest interval, so a finding that keeps happening is seen as such.
 */
export const GUARDDUTY_FINDING_PUBLISHING_FREQUENCY = "FIFTEEN_MINUTES";

/**
 * GuardDuty's severity bands (a number from 1.0 to 10.0): 7.0 and above is high (and critical, 9.0 and
 * above), 4.0 to 6.9 medium, below 4.0 low.
 */
export const GUARDDUTY_SEVERITY = { high: 7, medium: 4 } as const;

/** The standard Security Hub checks the account against, by its path in the standard's ARN. */
export const FSBP_STANDARD = "aws-foundational-security-best-practices/v/1.0.0";
