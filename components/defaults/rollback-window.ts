/**
 * The evaluation window of every alarm a release rolls back on: 1-minute datapoints, alarming when 3
 * of the last 5 breach. One window for all of them, so the time a release needs to notice a bad
 * version is one number that config validation and the Release component both check against.
 * Kept free of imports so config.ts can read it without loading the AWS provider.
 */
export const ROLLBACK_ALARM_WINDOW = { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 } as const;

/**
 * Minutes of breaching datapoints a rollback alarm needs before it fires (datapoints × period). A
 * rolling step, a canary's bake or the post-release bake shorter than this lets a bad version take
 * more traffic, or the release succeed, before any alarm can stop it.
 */
export const ROLLBACK_DETECTION_MINUTES = (ROLLBACK_ALARM_WINDOW.datapointsToAlarm * ROLLBACK_ALARM_WINDOW.periodSeconds) / 60;

/**
 * The shortest bake after the last traffic shift: the detection time plus two minutes of margin, so a
 * release answering errors from its first minute is always rolled back before it completes. One minute
 * because a release starts anywhere within a minute (its first whole minute of errors may be the next
 * one); one because CloudWatch evaluates a minute's datapoint only after it arrives, while the hook
 * reports success the moment its bake ends (an alarm firing in the bake's last minute races the report).
 * With the bare detection time, an all-at-once release whose errors start in its second minute completes
 * exactly when its alarm fires (drills/bad-release-blue-green.json).
 */
export const MIN_BAKE_MINUTES = ROLLBACK_DETECTION_MINUTES + 2;
