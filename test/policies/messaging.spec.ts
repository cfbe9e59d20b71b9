// SQS (39-42) and SNS (43, 48).
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const QUEUE = "aws:sqs/queue:Queue";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const queue = (name: string, props: Record<string, unknown> = { kmsMasterKeyId: U }, deps?: Record<string, string[]>): Res => ({
    type: QUEUE,
    name,
    props,
    deps,
});
const TLS_DENY = { Effect: "Deny", Principal: "*", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
const esm = (from: string): Res => ({
    type: "aws:lambda/eventSourceMapping:EventSourceMapping",
    name: `${from}-mapping`,
    props: { eventSourceArn: U, functionName: U },
    deps: { eventSourceArn: [from] },
});
const depthAlarm = (of: string, props: Record<string, unknown> = {}): Res => ({
    type: ALARM,
    name: `${of}-depth`,
    props: {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: U },
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        alarmActions: [U],
        ...props,
    },
    deps: { dimensions: [of] },
});
const ageAlarm = (of: string): Res => ({
    type: ALARM,
    name: `${of}-age`,
    props: { namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", dimensions: { QueueName: U }, alarmActions: [U] },
    deps: { dimensions: [of] },
});

describe("policies: SQS", () => {
    describe("sqs-encryption", () => {
        it("reports an unencrypted queue (mandatory) and, with requireCmk, SSE-SQS", () => {
            expect(summary(checkResource("sqs-encryption", queue("q", { sqsManagedSseEnabled: false })))).to.deep.equal(["q:mandatory"]);
            expect(checkResource("sqs-encryption", queue("q", { sqsManagedSseEnabled: true }), { config: { requireCmk: true } })[0].message).to.contain(
                "kmsMasterKeyId is not set",
            );
            expect(checkResource("sqs-encryption", queue("q", { kmsMasterKeyId: "alias/aws/sqs" }), { config: { requireCmk: true } })).to.have.length(1);
        });
        it("accepts SSE-SQS by default and a CMK (unknown ARN) with requireCmk", () => {
            expect(checkResource("sqs-encryption", queue("q", { sqsManagedSseEnabled: true }))).to.deep.equal([]);
            expect(checkResource("sqs-encryption", queue("q"), { config: { requireCmk: true } })).to.deep.equal([]);
        });
    });

    describe("sqs-policy-safe", () => {
        const qp = (statements: unknown[]): Res => ({
            type: "aws:sqs/queuePolicy:QueuePolicy",
            name: "qp",
            props: { queueUrl: U, policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) },
        });
        it("reports a public principal, sqs:* and a missing TLS deny", () => {
            const vs = checkResource("sqs-policy-safe", qp([{ Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: "*" }]));
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal([
                "policy.Statement[0].Principal",
                "policy.Statement[0].Action",
                "policy",
            ]);
        });
        it("accepts a conditioned service principal with named actions and a TLS deny; queues without a policy", () => {
            expect(
                checkResource(
                    "sqs-policy-safe",
                    qp([
                        {
                            Effect: "Allow",
                            Principal: { Service: "sns.amazonaws.com" },
                            Action: "sqs:SendMessage",
                            Resource: "*",
                            Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:us-east-1:1:t" } },
                        },
                        TLS_DENY,
                    ]),
                ),
            ).to.deep.equal([]);
            expect(checkResource("sqs-policy-safe", queue("q"))).to.deep.equal([]);
        });
    });

    describe("sqs-has-dlq (stack)", () => {
        it("reports a Lambda source queue without a DLQ at the rule's level (mandatory with unknown ARNs) and other queues as advisory", () => {
            const vs = check("sqs-has-dlq", [queue("jobs"), esm("jobs"), queue("other")], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["jobs:mandatory", "other:advisory"]);
        });
        it("accepts an inline redrive policy or an aws.sqs.RedrivePolicy, and does not ask a DLQ for one", () => {
            const inline = [queue("dlq"), queue("jobs", { kmsMasterKeyId: U, redrivePolicy: U }, { redrivePolicy: ["dlq"] }), esm("jobs")];
            expect(check("sqs-has-dlq", inline, { level: "mandatory" })).to.deep.equal([]);
            const separate: Res = {
                type: "aws:sqs/redrivePolicy:RedrivePolicy",
                name: "rp",
                props: { queueUrl: U, redrivePolicy: U },
                deps: { queueUrl: ["jobs"], redrivePolicy: ["dlq"] },
            };
            expect(check("sqs-has-dlq", [queue("dlq"), queue("jobs"), separate, esm("jobs")], { level: "mandatory" })).to.deep.equal([]);
        });
        it("flags maxReceiveCount under 5 as advisory", () => {
            const vs = check(
                "sqs-has-dlq",
                [
                    queue("dlq"),
                    queue(
                        "jobs",
                        { redrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:dlq", maxReceiveCount: 1 }) },
                        { redrivePolicy: ["dlq"] },
                    ),
                ],
                { level: "mandatory" },
            );
            expect(summary(vs)).to.deep.equal(["jobs:advisory"]);
        });
    });

    describe("sqs-dlq-depth-alarm (stack)", () => {
        const stack = [queue("dlq"), queue("jobs", { redrivePolicy: U }, { redrivePolicy: ["dlq"] })];
        it("reports a DLQ without a depth alarm at mandatory (queue names unknown); the source queue's age alarm is advisory", () => {
            expect(summary(check("sqs-dlq-depth-alarm", stack, { level: "mandatory" }))).to.deep.equal(["dlq:mandatory", "jobs:advisory"]);
        });
        it("reports a depth alarm that does not fire on the first message", () => {
            const vs = check("sqs-dlq-depth-alarm", [...stack, depthAlarm("dlq", { threshold: 10 }), ageAlarm("jobs")]);
            expect(vs[0].message).to.contain("do not fire on the first message");
        });
        it("accepts > 0 depth alarms with actions and age alarms", () => {
            expect(check("sqs-dlq-depth-alarm", [...stack, depthAlarm("dlq"), ageAlarm("jobs")], { level: "mandatory" })).to.deep.equal([]);
        });
    });
});

describe("policies: SNS", () => {
    const TOPIC = "aws:sns/topic:Topic";
    describe("sns-encryption-and-policy", () => {
        it("reports an unencrypted topic and a public topic policy without a TLS deny", () => {
            expect(summary(checkResource("sns-encryption-and-policy", { type: TOPIC, name: "t", props: {} }))).to.deep.equal(["t:mandatory"]);
            const tp: Res = {
                type: "aws:sns/topicPolicy:TopicPolicy",
                name: "tp",
                props: { arn: U, policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: "*" }] }) },
            };
            expect(checkResource("sns-encryption-and-policy", tp)).to.have.length(2);
        });
        it("accepts an encrypted topic and a conditioned policy with a TLS deny", () => {
            expect(checkResource("sns-encryption-and-policy", { type: TOPIC, name: "t", props: { kmsMasterKeyId: U } })).to.deep.equal([]);
            const tp: Res = {
                type: "aws:sns/topicPolicy:TopicPolicy",
                name: "tp",
                props: {
                    arn: U,
                    policy: JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "cloudwatch.amazonaws.com" },
                                Action: "sns:Publish",
                                Resource: "*",
                                Condition: { StringEquals: { "aws:SourceAccount": "1" } },
                            },
                            TLS_DENY,
                        ],
                    }),
                },
            };
            expect(checkResource("sns-encryption-and-policy", tp)).to.deep.equal([]);
        });
    });
    describe("sns-subscription-redrive (stack)", () => {
        const topic: Res = { type: TOPIC, name: "events", props: { kmsMasterKeyId: U } };
        const sub = (props: Record<string, unknown>): Res => ({
            type: "aws:sns/topicSubscription:TopicSubscription",
            name: "sub",
            props: { topic: U, protocol: "sqs", endpoint: U, ...props },
            deps: { topic: ["events"] },
        });
        const failed: Res = {
            type: ALARM,
            name: "failed",
            props: { namespace: "AWS/SNS", metricName: "NumberOfNotificationsFailed", dimensions: { TopicName: U }, alarmActions: [U] },
            deps: { dimensions: ["events"] },
        };
        it("reports an SQS subscription without redrive and a topic without a failed-notification alarm, mandatory with unknown ARNs", () => {
            expect(summary(check("sns-subscription-redrive", [topic, sub({})], { level: "mandatory" }))).to.deep.equal(["events:mandatory", "sub:mandatory"]);
        });
        it("accepts a redrive policy and the alarm", () => {
            expect(check("sns-subscription-redrive", [topic, sub({ redrivePolicy: U }), failed], { level: "mandatory" })).to.deep.equal([]);
        });
    });
});
