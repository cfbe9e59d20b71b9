/** Severity topics every alarm routes to. */
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The topic a warning's escalation twin notifies: its own tier of targets. */
export const ESCALATION = "escalation";

/** The tag that marks an SNS topic as an alerting destination, and its values: what the policy pack accepts as one. */
export const SEVERITY_TAG_KEY = "severity";
export const SEVERITY_TAG_VALUES = [...SEVERITIES, ESCALATION] as const;

/** Periods CloudWatch Logs accepts for a log group's retention, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
