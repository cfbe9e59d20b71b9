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
        type: "aws:shield/protection:Protection",
        name: /^edge-shield$/,
        reason: "Shield Advanced protection of the distribution exists only where `shieldAdvanced` is true: it needs a paid account-wide subscription (USD 3,000 a month) that a stack cannot create.",
    },
];
