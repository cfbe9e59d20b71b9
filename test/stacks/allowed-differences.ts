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
];
