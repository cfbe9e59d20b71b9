import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, snsDeliveryFailureAlarm } from "./alarms";
import { PlatformContext, arn } from "./context";
import { Grant, denyInsecureTransport } from "./iam";
import { Grantee, KeyInput, grantKeyUse, keyArnOf, pascal } from "./grants";
import { QueueWithDlq } from "./queue-with-dlq";

/** One queue fed by the domain-event topic. */
export interface EventQueueSpec {
    /**
     * SNS filter policy on message attributes: only matching events reach the queue. Must not be
     * empty: a queue that wants every event says so with an explicit list.
     * @example { type: ["order.created", "order.cancelled"] }
     */
    filterPolicy: Record<string, string[]>;
    /** Timeout in seconds of the function that consumes the queue. */
    consumerTimeoutSeconds: number;
}

export interface MessagingArgs extends ComponentOptions<MessagingChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** The KMS key for the topic and the queues (the queues' consumers are named in its key policy). */
    kmsKey: KeyInput;
    /** Where the alarms go. */
    routing: AlarmRouting;
    /** Deliveries before a message moves to a queue's DLQ (at least 5). */
    maxReceiveCount: number;
    /** Age of the oldest message, in seconds, that raises a queue's backlog alarm. */
    maxAgeSeconds: number;
    /** The queues subscribed to the topic, by name (lower-case letters, digits, dashes). */
    queues: Record<string, EventQueueSpec>;
}

export interface QueueOutputs {
    url: string;
    arn: string;
    dlqUrl: string;
    dlqArn: string;
}

/** The kinds of child resources Messaging creates, and the arguments a `transform` of each may edit. */
export interface MessagingChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    topic: aws.sns.TopicArgs;
    topicPolicy: aws.sns.TopicPolicyArgs;
    topicSubscription: aws.sns.TopicSubscriptionArgs;
}
const MESSAGING_CHILD_KINDS = ["metricAlarm", "topic", "topicPolicy", "topicSubscription"] as const;

/**
 * The domain-event bus: an encrypted SNS topic that refuses non-TLS publishing, fanned out to
 * `QueueWithDlq` queues through filtered subscriptions whose failed deliveries land in the DLQ.
 */
export class Messaging extends Component<MessagingChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** ARN of the domain-event topic publishers send to. */
    public readonly topicArn: pulumi.Output<string>;
    /** Name of the domain-event topic. */
    public readonly topicName: pulumi.Output<string>;
    /** The queues, by name, for their consumers. */
    public readonly queues: Record<string, QueueWithDlq>;
    /** Each queue's URLs and ARNs, by name: what the DLQ redrive command reads. */
    public readonly queueOutputs: pulumi.Output<Record<string, QueueOutputs>>;
    private readonly kmsKey: KeyInput;
    private readonly context: PlatformContext;

    constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:messaging:Messaging", "Messaging", name, MESSAGING_CHILD_KINDS, args, opts);
        const names = Object.keys(args.queues);
        if (names.length === 0) {
            this.invalid("queues", args.queues, "allowed: at least one queue; a topic nobody consumes loses every event");
        }
        for (const q of names) {
            if (!/^[a-z][a-z0-9-]{0,39}$/.test(q)) {
                this.invalid(`queues.${q}`, q, "allowed: lower-case letters, digits and dashes, starting with a letter");
            }
            const filter = args.queues[q].filterPolicy;
            if (Object.keys(filter).length === 0 || Object.values(filter).some((v) => v.length === 0)) {
                this.invalid(`queues.${q}.filterPolicy`, filter, "allowed: at least one attribute, each with at least one value");
            }
        }
        const ctx = args.context;

        const topicName = `${ctx.namePrefix}-events`;
        // Built from the fixed name so policies that mention it are known on a first preview too.
        const knownTopicArn = arn(ctx, "sns", topicName);
        const topic = this.create(
            "topic",
            aws.sns.Topic,
            `events`,
            { name: topicName, displayName: `${ctx.namePrefix} domain events`, kmsMasterKeyId: keyArnOf(args.kmsKey), tags: ctx.tags },
            { parent: this },
        );
        this.create(
            "topicPolicy",
            aws.sns.TopicPolicy,
            `events-policy`,
            {
                arn: topic.arn,
                policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(["sns:Publish", "sns:Subscribe"], knownTopicArn)] }),
            },
            { parent: this },
        );

        const queues: Record<string, QueueWithDlq> = {};
        for (const q of names) {
            const spec = args.queues[q];
            const queue = new QueueWithDlq(
                `${name}-${q}`,
                {
                    context: ctx,
                    kmsKey: args.kmsKey,
                    consumerTimeoutSeconds: spec.consumerTimeoutSeconds,
                    maxReceiveCount: args.maxReceiveCount,
                    maxAgeSeconds: args.maxAgeSeconds,
                    routing: args.routing,
                    senderTopicArns: [knownTopicArn],
                },
                { parent: this },
            );
            queues[q] = queue;
            this.create(
                "topicSubscription",
                aws.sns.TopicSubscription,
                `${q}-subscription`,
                {
                    topic: topic.arn,
                    protocol: "sqs",
                    endpoint: queue.arn,
                    rawMessageDelivery: true,
                    filterPolicy: JSON.stringify(spec.filterPolicy),
                    filterPolicyScope: "MessageAttributes",
                    // Deliveries SNS gives up on go to the queue's DLQ instead of vanishing.
                    redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: queue.dlqArn }),
                },
                { parent: this },
            );
        }

        snsDeliveryFailureAlarm(
            `${name}-events-delivery-failures`,
            topic.name,
            `${ctx.namePrefix}-events: SNS failed to deliver domain events to a queue.`,
            "critical",
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );

        this.topicArn = topic.arn;
        this.topicName = topic.name;
        this.queues = queues;
        this.monitored = {
            queues: Object.values(queues).map((q) => ({ label: q.name, name: q.queue.name })),
            deadLetterQueues: Object.values(queues).map((q) => ({ label: `${q.name} DLQ`, name: q.deadLetterQueue.name })),
            topics: [{ label: "events", name: topic.name }],
        };
        this.queueOutputs = pulumi.output(
            Object.fromEntries(names.map((q) => [q, { url: queues[q].url, arn: queues[q].arn, dlqUrl: queues[q].dlqUrl, dlqArn: queues[q].dlqArn }])),
        );
        this.kmsKey = args.kmsKey;
        this.context = ctx;
        this.registerOutputs({ topicArn: this.topicArn, queues: this.queueOutputs });
    }

    /**
     * Lets the grantee publish domain events to the topic, and make the data key each message needs
     * through SNS (the topic is encrypted). Returns the topic statement.
     * @param options.sid Statement id. @default `Publish<Name>` (`PublishMessaging`)
     * @param options.keySid Statement id of the key statement. @default `Encrypt<Name>`
     */
    public grantPublish(grantee: Grantee, options: { sid?: string; keySid?: string } = {}): Grant {
        const grant: Grant = { sid: options.sid ?? `Publish${pascal(this.componentName)}`, actions: ["sns:Publish"], resources: [this.topicArn] };
        grantee.addGrant(grant);
        grantKeyUse(this.kmsKey, grantee, { via: "sns", sid: options.keySid ?? `Encrypt${pascal(this.componentName)}` }, this.context);
        return grant;
    }
}
