// A stack another team owns, built on the platform's published outputs (the packed output contract
// reader, @serverless-platform/outputs) rather than on copied ARNs: its queue receives the platform's
// order events, is encrypted with the platform's messaging key, and its alarms page through the
// platform's severity topics.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { platformOutputs } from "@serverless-platform/outputs";

const config = new pulumi.Config();
const platformStack = config.require("platformStack");
if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(platformStack)) {
    throw new pulumi.RunError(
        `consumer:platformStack: ${JSON.stringify(platformStack)} is not a fully qualified stack name; expected <org>/<project>/<stack>, for example acme/platform/prod`,
    );
}

const platform = platformOutputs(new pulumi.StackReference("platform", { name: platformStack }));

/** SQS keeps a message at most 14 days; a message nobody handled in time is lost after that. */
const RETENTION_SECONDS = 14 * 24 * 3600;
/** Deliveries before a message is dead-lettered; fewer would dead-letter on a throttled consumer. */
const MAX_RECEIVE_COUNT = 5;
/** The consumer's handler may take up to 30 s; SQS needs 6 times that before it redelivers. */
const VISIBILITY_TIMEOUT_SECONDS = 180;
/** Age of the oldest waiting message, in seconds, that means the consumer has fallen behind. */
const MAX_AGE_SECONDS = 900;

const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
const tags = { project: pulumi.getProject(), stack: pulumi.getStack(), "platform-stack": platformStack };
const names = { queue: `${prefix}-order-events`, dlq: `${prefix}-order-events-dlq` };

// ARNs from the fixed names, known before the queues exist, so the queue policies are complete (and
// checked by the policy pack) on a first preview too.
const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;
const partition = aws.getPartitionOutput().partition;
const arnOf = (queueName: string) => pulumi.interpolate`arn:${partition}:sqs:${region}:${account}:${queueName}`;

const dlq = new aws.sqs.Queue("order-events-dlq", {
    name: names.dlq,
    messageRetentionSeconds: RETENTION_SECONDS,
    kmsMasterKeyId: platform.kmsKeyArns.messaging,
    tags: { ...tags, role: "dead-letter" },
});

const queue = new aws.sqs.Queue("order-events", {
    name: names.queue,
    messageRetentionSeconds: RETENTION_SECONDS,
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    receiveWaitTimeSeconds: 20,
    // SNS delivers into the queue through this key; the platform's key policy already lets SNS use it.
    kmsMasterKeyId: platform.kmsKeyArns.messaging,
    redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
    tags: { ...tags, role: "source" },
});

// Only this queue may dead-letter into the DLQ, and a redrive moves its messages back.
new aws.sqs.RedriveAllowPolicy("order-events-dlq-redrive-allow", {
    queueUrl: dlq.url,
    redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }),
});

// The event topic sends to the queue, and to the DLQ when a delivery fails for good (the subscription's
// redrive policy); nothing else may, and nobody may use either queue without TLS.
const queuePolicies = (["queue", "dlq"] as const).map((which) => {
    const target = which === "queue" ? queue : dlq;
    const arn = arnOf(names[which]);
    return new aws.sqs.QueuePolicy(`order-events-${which}-policy`, {
        queueUrl: target.url,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AllowPlatformEvents",
                    Effect: "Allow",
                    Principal: { Service: "sns.amazonaws.com" },
                    Action: "sqs:SendMessage",
                    Resource: arn,
                    Condition: { ArnEquals: { "aws:SourceArn": platform.eventTopicArn } },
                },
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    // A Deny for everyone narrows access; it never opens it.
                    Principal: "*",
                    Action: "sqs:*",
                    Resource: arn,
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        }),
    });
});

// The queue policy must exist before SNS confirms the subscription, or the first deliveries are refused.
const subscription = new aws.sns.TopicSubscription(
    "order-events",
    {
        topic: platform.eventTopicArn,
        protocol: "sqs",
        endpoint: queue.arn,
        rawMessageDelivery: true,
        // The platform puts the event name in the `type` message attribute.
        filterPolicy: JSON.stringify({ type: ["order.created", "order.cancelled"] }),
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn }),
    },
    { dependsOn: queuePolicies },
);

const warning = platform.alertTopicArns.warning;

// The first dead-lettered message is a lost business event until someone redrives it.
new aws.cloudwatch.MetricAlarm("order-events-dlq-depth", {
    alarmDescription: `${names.dlq}: messages are waiting in the dead-letter queue. Inspect, fix the consumer, then redrive.`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: dlq.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [warning],
    okActions: [warning],
    tags,
});

new aws.cloudwatch.MetricAlarm("order-events-oldest-message-age", {
    alarmDescription: `${names.queue}: the oldest message is older than ${MAX_AGE_SECONDS} s; the consumer is falling behind or failing.`,
    namespace: "AWS/SQS",
    metricName: "ApproximateAgeOfOldestMessage",
    dimensions: { QueueName: queue.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: MAX_AGE_SECONDS,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [warning],
    okActions: [warning],
    tags,
});

/** URL the consuming service polls. */
export const queueUrl = queue.url;
/** ARN of the queue, for the consuming service's IAM policy. */
export const queueArn = queue.arn;
/** The dead-letter queue, for redrives. */
export const dlqUrl = dlq.url;
/** ARN of the subscription to the platform's event topic. */
export const subscriptionArn = subscription.arn;
/** The platform's event topic this stack consumes, as read through the contract. */
export const eventTopicArn = platform.eventTopicArn;
