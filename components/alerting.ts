import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting, SEVERITIES, Severity, snsDeliveryFailureAlarm } from "./alarms";
import { PlatformContext, arn, checkInt, invalid } from "./context";
import { denyInsecureTransport } from "./iam";

export interface AlertingArgs {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the KMS key the topics are encrypted with (the messaging key). */
    kmsKeyArn: pulumi.Input<string>;
    /** Mailboxes subscribed to every severity topic. At least one, so every topic reaches someone. */
    emails: string[];
    /**
     * HTTPS endpoint of the on-call pager, subscribed to `critical` only. A secret: it carries the
     * integration's routing key.
     * @default none
     */
    pagerUrl?: pulumi.Input<string>;
    /**
     * Whether `pagerUrl` holds an endpoint. Passed separately so the secret is never unwrapped to
     * decide what to create.
     * @default false
     */
    hasPager?: boolean;
    /** Minutes a warning alarm may stay in ALARM before it escalates to `critical` (5 to 1440). */
    escalationMinutes: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The three severity topics every alarm routes to, their subscriptions, and the escalation rule.
 * `critical` pages (email + pager), `warning` and `info` go to the team mailboxes.
 */
export class Alerting extends pulumi.ComponentResource {
    /** ARN of each severity topic. */
    public readonly topicArns: pulumi.Output<Record<Severity, string>>;
    /** Routing handed to every component that creates alarms. */
    public readonly routing: AlarmRouting;
    /** The topics, for components that subscribe or publish to them. */
    public readonly topics: Record<Severity, aws.sns.Topic>;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:alerting:Alerting", name, {}, opts);
        if (args.emails.length === 0) {
            invalid("Alerting", "emails", args.emails, "allowed: at least one email address, so every topic reaches someone");
        }
        for (const e of args.emails) {
            if (!EMAIL.test(e)) {
                invalid("Alerting", "emails", e, "allowed: email addresses such as team@example.com");
            }
        }
        checkInt("Alerting", "escalationMinutes", args.escalationMinutes, 5, 1440);
        if (args.hasPager && args.pagerUrl === undefined) {
            invalid("Alerting", "pagerUrl", undefined, "required when hasPager is true");
        }
        const ctx = args.context;

        const topics = {} as Record<Severity, aws.sns.Topic>;
        for (const severity of SEVERITIES) {
            const topicName = `${ctx.namePrefix}-alerts-${severity}`;
            // Built from the fixed name so the policy is known, and checked, on a first preview too.
            const topicArn = arn(ctx, "sns", topicName);
            const topic = new aws.sns.Topic(
                `${name}-${severity}`,
                {
                    name: topicName,
                    displayName: `${ctx.namePrefix} ${severity}`,
                    kmsMasterKeyId: args.kmsKeyArn,
                    tags: { ...ctx.tags, severity },
                },
                { parent: this },
            );
            topics[severity] = topic;
            new aws.sns.TopicPolicy(
                `${name}-${severity}-policy`,
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
            args.emails.forEach((email, i) => {
                new aws.sns.TopicSubscription(`${name}-${severity}-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: this });
            });
        }
        if (args.hasPager && args.pagerUrl !== undefined) {
            new aws.sns.TopicSubscription(
                `${name}-critical-pager`,
                { topic: topics.critical.arn, protocol: "https", endpoint: args.pagerUrl, endpointAutoConfirms: true },
                { parent: this },
            );
        }

        this.topics = topics;
        this.topicArns = pulumi.output({ critical: topics.critical.arn, warning: topics.warning.arn, info: topics.info.arn });
        this.routing = {
            topicArns: { critical: topics.critical.arn, warning: topics.warning.arn, info: topics.info.arn },
            escalationMinutes: args.escalationMinutes,
        };

        // A topic that cannot deliver silences every alarm behind it, so its failures go to another topic.
        const failureRoute: Record<Severity, Severity> = { critical: "warning", warning: "critical", info: "warning" };
        for (const severity of SEVERITIES) {
            snsDeliveryFailureAlarm(
                `${name}-${severity}-delivery-failures`,
                topics[severity].name,
                `Notifications on the ${severity} topic failed to deliver: check its subscriptions.`,
                failureRoute[severity],
                this.routing,
                { parent: this, tags: ctx.tags },
            );
        }
        this.registerOutputs({ topicArns: this.topicArns });
    }
}
