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
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^(alerting|edge-alerts)-escalation-email-\d+$/,
        reason: "One email subscription on the escalation topic (the stack's, and the Edge component's in us-east-1) per mailbox of the escalated tier: `escalationEmails`, or `alertEmails` where a stack names no tier of its own (dev). How many people an escalation reaches is a value.",
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription",
        name: /^(alerting|edge-alerts)-escalation-pager$/,
        reason: "The escalation topics page the on-call pager too, so like the critical topics' pager subscriptions they exist only where the `pagerUrl` secret is set.",
    },
    {
        type: "aws:acm/certificate:Certificate",
        name: /^edge-certificate$/,
        reason: "The site's certificate exists only where the stack serves a custom domain (`edgeDomainName`) without an own certificate (`edgeCertificateArn`): staging and prod, where policy rule cf-viewer-tls refuses CloudFront's default certificate. dev answers on its cloudfront.net name, which no certificate of ours can cover; the pack's dev profile reports that as advisory.",
    },
    {
        type: "aws:acm/certificateValidation:CertificateValidation",
        name: /^edge-certificate-validation$/,
        reason: "The wait for ACM to issue the site's certificate (what the distribution takes the certificate's ARN from) exists exactly where the certificate does: a custom `edgeDomainName` without `edgeCertificateArn`.",
    },
    {
        type: "aws:route53/record:Record",
        name: /^edge-(certificate-validation-record|alias-a|alias-aaaa)$/,
        reason: "Route 53 records exist only where `edgeHostedZoneId` names the zone holding `edgeDomainName`: the certificate's validation record (when the stack requested the certificate) and the domain's alias A and AAAA records. Without a zone the operator publishes them in the domain's own DNS.",
    },
    {
        type: "aws:shield/protection:Protection",
        name: /^edge-shield$/,
        reason: "Shield Advanced protection of the distribution exists only where `shieldAdvanced` is true: it needs a paid account-wide subscription (USD 3,000 a month) that a stack cannot create.",
    },
    {
        type: "aws:securityhub/account:Account",
        name: /^threat-detection-security-hub$/,
        reason: "Security Hub is enabled only where `threatDetection` is `full` (staging, prod): dev runs `guardduty-only`, because Security Hub's control checks cost per check and per account and a dev account's findings repeat staging's. GuardDuty, its protections and its finding rules exist in every stack.",
    },
    {
        type: "aws:securityhub/standardsSubscription:StandardsSubscription",
        name: /^threat-detection-fsbp$/,
        reason: "The AWS Foundational Security Best Practices subscription belongs to the Security Hub account, so it exists exactly where `threatDetection` is `full`.",
    },
    {
        type: "aws:cloudwatch/eventRule:EventRule",
        name: /^threat-detection-securityhub-(critical|warning|info)$/,
        reason: "The rules that route Security Hub's findings to the severity topics exist only where Security Hub does (`threatDetection` `full`); GuardDuty's rules exist in every stack.",
    },
    {
        type: "aws:cloudwatch/eventTarget:EventTarget",
        name: /^threat-detection-securityhub-(critical|warning|info)-target$/,
        reason: "Each Security Hub finding rule's target (its severity topic, with the dead-letter queue and retry policy) exists with its rule, where `threatDetection` is `full`.",
    },
];
