/**
 * How long EventBridge keeps retrying an event its target refuses, and how often, before the event goes
 * to the target's dead-letter queue: an hour (not the default 24) so a finding that cannot reach its
 * topic is in the DLQ, and alarmed on, while it is still news; errors EventBridge cannot retry (a
 * denied publish, a disabled key) go to the DLQ at once.
 */
export const EVENT_TARGET_RETRY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 30 } as const;
