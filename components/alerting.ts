import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, ESCALATION, SEVERITIES, Severity, snsDeliveryFailureAlarm } from "./alarms";
import { PlatformContext, arn, checkInt, invalid } from "./context";
import { denyInsecureTransport } from "./iam";

export interface AlertingArgs extends ComponentOptions<AlertingChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the KMS key the topics are encrypted with (the messaging key). */
    kmsKeyArn: pulumi.Input<string>;
    /** Mailboxes subscribed to every severity topic. At least one, so every topic reaches someone. */
    emails: string[];
    /**
     * Mailboxes of the escalated tier (an on-call lead, a duty manager), subscribed to the escalation
     * topic only: a warning that stays unresolved for `escalationMinutes` reaches them.
     * @default [] : the escalation topic then subscribes `emails`, so no escalation is lost (a dev
     * stack has no second tier); a prod stack's config must name a tier of its own (config.ts).
     */
    escalationEmails?: string[];
    /**
     * HTTPS endpoint of the on-call pager, subscribed to `critical` and to the escalation topic. A
     * secret: it carries the integration's routing key.
     * @default none
     */
    pagerUrl?: pulumi.Input<string>;
    /**
     * Whether `pagerUrl` holds an endpoint. Passed separately so the secret is never unwrapped to
     * decide what to create.
     * @default false
     */
    hasPager?: boolean;
    /** Minutes a warning alarm may stay in ALARM before it escalates to the escalation topic (5 to 1440). */
    escalationMinutes: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The kinds of child resources Alerting creates, and the arguments a `transform` of each may edit. */
export interface AlertingChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    topic: aws.sns.TopicArgs;
    topicPolicy: aws.sns.TopicPolicyArgs;
    topicSubscription: aws.sns.TopicSubscriptionArgs;
}
const ALERTING_CHILD_KINDS = ["metricAlarm", "topic", "topicPolicy", "topicSubscription"] as const;

/**
 * The three severity topics every alarm routes to, the escalation topic, their subscriptions, and
 * the escalation rule. `critical` pages (team mailboxes + pager) at once; `warning` and `info` go to
 * the team mailboxes; a warning still breaching after `escalationMinutes` notifies the escalation
 * topic (`escalationEmails` + pager), so the escalated tier hears of it from its own targets.
 */
export class Alerting extends Component<AlertingChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** ARN of each severity topic. */
    public readonly topicArns: pulumi.Output<Record<Severity, string>>;
    /** Routing handed to every component that creates alarms. */
    public readonly routing: AlarmRouting;
    /** The topics, for components that subscribe or publish to them. */
    public readonly topics: Record<Severity, aws.sns.Topic>;
    /** The escalation topic every escalation twin notifies (not part of `topicArns`, the stack's output contract). */
    public readonly escalationTopic: aws.sns.Topic;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:alerting:Alerting", "Alerting", name, ALERTING_CHILD_KINDS, args, opts);
        if (args.emails.length === 0) {
            invalid("Alerting", "emails", args.emails, "allowed: at least one email address, so every topic reaches someone");
        }
        for (const [argument, list] of [
            ["emails", args.emails],
            ["escalationEmails", args.escalationEmails ?? []],
        ] as const) {
            for (const e of list) {
                if (!EMAIL.test(e)) {
                    invalid("Alerting", argument, e, "allowed: email addresses such as team@example.com");
                }
            }
        }
        checkInt("Alerting", "escalationMinutes", args.escalationMinutes, 5, 1440);
        if (args.hasPager && args.pagerUrl === undefined) {
            invalid("Alerting", "pagerUrl", undefined, "required when hasPager is true");
        }
        const ctx = args.context;

        // The escalated tier's own mailboxes; without any (dev), the first line's, so no escalation is lost.
        const escalationEmails = (args.escalationEmails ?? []).length > 0 ? (args.escalationEmails as string[]) : args.emails;
        type Tier = Severity | typeof ESCALATION;
        const tiers: { tier: Tier; emails: string[]; pager: boolean }[] = [
            ...SEVERITIES.map((severity) => ({ tier: severity, emails: args.emails, pager: severity === "critical" })),
            { tier: ESCALATION, emails: escalationEmails, pager: true },
        ];
        const created = {} as Record<Tier, aws.sns.Topic>;
        for (const { tier, emails, pager } of tiers) {
            const topicName = `${ctx.namePrefix}-alerts-${tier}`;
            // Built from the fixed name so the policy is known, and checked, on a first preview too.
            const topicArn = arn(ctx, "sns", topicName);
            const topic = this.create(
                "topic",
                aws.sns.Topic,
                `${tier}`,
                {
                    name: topicName,
                    displayName: `${ctx.namePrefix} ${tier}`,
                    kmsMasterKeyId: args.kmsKeyArn,
                    tags: { ...ctx.tags, severity: tier },
                },
                { parent: this },
            );
            created[tier] = topic;
            this.create(
                "topicPolicy",
                aws.sns.TopicPolicy,
                `${tier}-policy`,
                {
                    arn: topic.arn,
                    policy: pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "AllowCloudWatchAlarms",
                                Effect: "Allow",
                                Principal: { Service: "cloudwatch.amazonaws.com" },
                                Action: "sns:Publish",
                                Resource: topicArn,
                                Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
                            },
                            denyInsecureTransport("sns:Publish", topicArn),
                        ],
                    }),
                },
                { parent: this },
            );
            emails.forEach((email, i) => {
                this.create(
                    "topicSubscription",
                    aws.sns.TopicSubscription,
                    `${tier}-email-${i}`,
                    { topic: topic.arn, protocol: "email", endpoint: email },
                    { parent: this },
                );
            });
            // Critical pages at once; the escalation topic pages too, so an unresolved warning wakes someone.
            if (pager && args.hasPager && args.pagerUrl !== undefined) {
                this.create(
                    "topicSubscription",
                    aws.sns.TopicSubscription,
                    `${tier}-pager`,
                    { topic: topic.arn, protocol: "https", endpoint: args.pagerUrl, endpointAutoConfirms: true },
                    { parent: this },
                );
            }
        }
        const topics: Record<Severity, aws.sns.Topic> = { critical: created.critical, warning: created.warning, info: created.info };

        this.topics = topics;
        this.escalationTopic = created[ESCALATION];
        this.monitored = {
            topics: [
                ...Object.entries(topics).map(([severity, t]) => ({ label: `alerts ${severity}`, name: t.name })),
                { label: "alerts escalation", name: created[ESCALATION].name },
            ],
        };
        this.topicArns = pulumi.output({ critical: topics.critical.arn, warning: topics.warning.arn, info: topics.info.arn });
        this.routing = {
            topicArns: { critical: topics.critical.arn, warning: topics.warning.arn, info: topics.info.arn },
            escalationTopicArn: this.escalationTopic.arn,
            escalationMinutes: args.escalationMinutes,
        };

        // A topic that cannot deliver silences every alarm behind it, so its failures go to another topic.
        const failureRoute: Record<Tier, Severity> = { critical: "warning", warning: "critical", info: "warning", [ESCALATION]: "critical" };
        for (const { tier } of tiers) {
            snsDeliveryFailureAlarm(
                `${name}-${tier}-delivery-failures`,
                created[tier].name,
                `Notifications on the ${tier} topic failed to deliver: check its subscriptions.`,
                failureRoute[tier],
                this.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
            );
        }
        this.registerOutputs({ topicArns: this.topicArns, escalationTopicArn: this.escalationTopic.arn });
    }
}
