import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { AlarmRouting, createAlarm, dlqDepthAlarm } from "./alarms";
import { PlatformContext, arn } from "./context";
import { Grant, denyInsecureTransport } from "./iam";
import { Grantee, KeyInput, keyArnOf, pascal, useKey } from "./grants";
import { deadLetterQueue, MESSAGE_RETENTION_SECONDS } from "./dead-letter-queue";
import { CONSUME_ACTIONS, MIN_MAX_RECEIVE_COUNT } from "./defaults/sqs";
import { QueueSource, VISIBILITY_TIMEOUT_FACTOR } from "./function";

export interface QueueWithDlqArgs extends ComponentOptions<QueueWithDlqChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** The KMS key both queues are encrypted with (the messaging key); consumers are named in its key policy. */
    kmsKey: KeyInput;
    /** Timeout in seconds of the function that consumes the queue; sizes the visibility timeout. */
    consumerTimeoutSeconds: number;
    /**
     * Visibility timeout in seconds. At least 6 x `consumerTimeoutSeconds`, at most 12 hours.
     * @default 6 x consumerTimeoutSeconds
     */
    visibilityTimeoutSeconds?: number;
    /** Deliveries before a message moves to the DLQ (5 to 1000). */
    maxReceiveCount: number;
    /** Age of the oldest message, in seconds, that raises the backlog alarm (60 to 1209600). */
    maxAgeSeconds: number;
    /** Where the queue's alarms go. */
    routing: AlarmRouting;
    /**
     * SNS topics allowed to send to the queue (and to its DLQ, for failed SNS deliveries).
     * @default []
     */
    senderTopicArns?: pulumi.Input<string>[];
}

/** The kinds of child resources QueueWithDlq creates, and the arguments a `transform` of each may edit. */
export interface QueueWithDlqChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    queue: aws.sqs.QueueArgs;
    queuePolicy: aws.sqs.QueuePolicyArgs;
    redriveAllowPolicy: aws.sqs.RedriveAllowPolicyArgs;
}
const QUEUE_WITH_DLQ_CHILD_KINDS = ["metricAlarm", "queue", "queuePolicy", "redriveAllowPolicy"] as const;

/**
 * An SQS queue with its dead-letter queue: KMS encryption, 14-day retention on both, a redrive
 * policy with `maxReceiveCount`, a DLQ that only this queue may use and that can be redriven back,
 * a TLS-only queue policy, and alarms on DLQ depth and on the age of the oldest message.
 */
export class QueueWithDlq extends Component<QueueWithDlqChildren> implements QueueSource {
    /** Logical name of the queue. */
    public readonly name: string;
    /** Queue ARN. */
    public readonly arn: pulumi.Output<string>;
    /** Queue URL. */
    public readonly url: pulumi.Output<string>;
    /** Dead-letter queue ARN. */
    public readonly dlqArn: pulumi.Output<string>;
    /** Dead-letter queue URL. */
    public readonly dlqUrl: pulumi.Output<string>;
    /** The queue's visibility timeout, checked against its consumer's timeout. */
    public readonly visibilityTimeoutSeconds: number;
    /** The key both queues are encrypted with. */
    public readonly kmsKey: KeyInput;
    /** The source queue, for subscriptions. */
    public readonly queue: aws.sqs.Queue;
    /** The dead-letter queue. */
    public readonly deadLetterQueue: aws.sqs.Queue;

    constructor(name: string, args: QueueWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:messaging:QueueWithDlq", "QueueWithDlq", name, QUEUE_WITH_DLQ_CHILD_KINDS, args, opts);
        this.checkInt("consumerTimeoutSeconds", args.consumerTimeoutSeconds, 1, 900);
        this.checkInt("maxReceiveCount", args.maxReceiveCount, MIN_MAX_RECEIVE_COUNT, 1000);
        // A message is deleted at the retention: an age alarm at or above it could never fire.
        this.checkInt("maxAgeSeconds", args.maxAgeSeconds, 60, MESSAGE_RETENTION_SECONDS - 1);
        const minVisibility = VISIBILITY_TIMEOUT_FACTOR * args.consumerTimeoutSeconds;
        const visibility = args.visibilityTimeoutSeconds ?? minVisibility;
        if (!Number.isInteger(visibility) || visibility < minVisibility || visibility > 43200) {
            this.invalid("visibilityTimeoutSeconds", visibility, `allowed: ${minVisibility} (6 x consumerTimeoutSeconds) to 43200`);
        }
        const ctx = args.context;
        const physical = `${ctx.namePrefix}-${name}`;
        const senders = args.senderTopicArns ?? [];

        const dlq = deadLetterQueue(
            `${name}-dlq`,
            { queueName: `${physical}-dlq`, kmsKeyArn: keyArnOf(args.kmsKey), tags: ctx.tags },
            { parent: this },
            this.childHooks("queue"),
        );
        const queue = this.create(
            "queue",
            aws.sqs.Queue,
            `queue`,
            {
                name: physical,
                messageRetentionSeconds: MESSAGE_RETENTION_SECONDS,
                visibilityTimeoutSeconds: visibility,
                receiveWaitTimeSeconds: 20,
                kmsMasterKeyId: keyArnOf(args.kmsKey),
                redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: args.maxReceiveCount }),
                tags: { ...ctx.tags, role: "source" },
            },
            { parent: this },
        );
        // Only this queue may dead-letter into the DLQ; a redrive moves messages back to it.
        this.create(
            "redriveAllowPolicy",
            aws.sqs.RedriveAllowPolicy,
            `dlq-redrive-allow`,
            { queueUrl: dlq.url, redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }) },
            { parent: this },
        );
        // ARNs from the fixed names keep the policies known, and checked, on a first preview too.
        const knownArns = { queue: arn(ctx, "sqs", physical), dlq: arn(ctx, "sqs", `${physical}-dlq`) };
        for (const [suffix, q] of [
            ["queue", queue],
            ["dlq", dlq],
        ] as const) {
            const statements: unknown[] = [denyInsecureTransport("sqs:SendMessage", knownArns[suffix])];
            if (senders.length > 0) {
                statements.unshift({
                    Sid: "AllowTopicDelivery",
                    Effect: "Allow",
                    Principal: { Service: "sns.amazonaws.com" },
                    Action: "sqs:SendMessage",
                    Resource: knownArns[suffix],
                    Condition: { ArnEquals: { "aws:SourceArn": senders } },
                });
            }
            this.create(
                "queuePolicy",
                aws.sqs.QueuePolicy,
                `${suffix}-policy`,
                { queueUrl: q.url, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
                { parent: this },
            );
        }

        dlqDepthAlarm(
            `${name}-dlq-depth`,
            dlq.name,
            `${physical}: messages are waiting in the dead-letter queue ${physical}-dlq. Inspect, fix, then redrive.`,
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );
        createAlarm(
            `${name}-oldest-message-age`,
            {
                description: `${physical}: the oldest message is older than ${args.maxAgeSeconds} s; the consumer is falling behind or failing.`,
                severity: "warning",
                signal: {
                    kind: "metric",
                    metric: { namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", dimensions: { QueueName: queue.name }, stat: "Maximum" },
                },
                threshold: args.maxAgeSeconds,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );

        this.name = name;
        this.queue = queue;
        this.deadLetterQueue = dlq;
        this.arn = queue.arn;
        this.url = queue.url;
        this.dlqArn = dlq.arn;
        this.dlqUrl = dlq.url;
        this.visibilityTimeoutSeconds = visibility;
        this.kmsKey = args.kmsKey;
        this.registerOutputs({ arn: this.arn, url: this.url, dlqArn: this.dlqArn, dlqUrl: this.dlqUrl });
    }

    /**
     * Lets the grantee consume the queue without an event source mapping (a `Function`'s
     * `queueSources` grants its own): receive and delete, and decrypt with the queue's key, whose
     * key policy then names the grantee's role. Returns the statements.
     * @param options.sid Statement id of the queue statement; the key statement adds `Key`. @default `Consume<QueueName>`
     */
    public grantConsume(grantee: Grantee, options: { sid?: string } = {}): Grant[] {
        const sid = options.sid ?? `Consume${pascal(this.name)}`;
        const grants: Grant[] = [
            { sid, actions: CONSUME_ACTIONS, resources: [this.arn] },
            { sid: `${sid}Key`, actions: ["kms:Decrypt"], resources: [keyArnOf(this.kmsKey)] },
        ];
        grants.forEach((g) => grantee.addGrant(g));
        useKey(this.kmsKey, grantee.principalArn);
        return grants;
    }
}
