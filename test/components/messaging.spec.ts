import { strict as assert } from "node:assert";
import { ACCOUNT, MockRun, installMocks, json, statementsBySid, testContext } from "./harness";

const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/messaging`;

describe("Messaging and QueueWithDlq components", function () {
    let run: MockRun;
    let mod: typeof import("../../components/messaging") & typeof import("../../components/queue-with-dlq");
    let routing: import("../../components/alarms").AlarmRouting;

    before(async function () {
        run = installMocks();
        const alerting = await import("../../components/alerting");
        mod = { ...(await import("../../components/messaging")), ...(await import("../../components/queue-with-dlq")) };
        const ctx = testContext();
        routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: KEY, emails: ["a@example.com"], escalationMinutes: 30 }).routing;
        new mod.Messaging("bus", {
            context: ctx,
            kmsKey: KEY,
            routing,
            maxReceiveCount: 7,
            maxAgeSeconds: 900,
            queues: { email: { filterPolicy: { type: ["order.created", "order.cancelled"] }, consumerTimeoutSeconds: 30 } },
        });
        await run.settle();
    });

    it("the event topic is KMS-encrypted and its policy denies non-TLS publishing", function () {
        const topic = run.one("aws:sns/topic:Topic", "bus-events");
        assert.equal(topic.inputs.kmsMasterKeyId, KEY);
        const s = statementsBySid(run.one("aws:sns/topicPolicy:TopicPolicy", "bus-events-policy").inputs.policy);
        assert.equal(s.DenyInsecureTransport.Effect, "Deny");
        assert.deepEqual(s.DenyInsecureTransport.Condition, { Bool: { "aws:SecureTransport": "false" } });
    });

    it("fans out to the queue through a filtered subscription whose failures land in the DLQ", function () {
        const sub = run.one("aws:sns/topicSubscription:TopicSubscription", "bus-email-subscription");
        assert.equal(sub.inputs.protocol, "sqs");
        assert.deepEqual(JSON.parse(sub.inputs.filterPolicy), { type: ["order.created", "order.cancelled"] });
        assert.deepEqual(sub.propertyDependencies.endpoint, [run.one("aws:sqs/queue:Queue", "bus-email-queue").urn]);
        assert.deepEqual(sub.propertyDependencies.redrivePolicy, [run.one("aws:sqs/queue:Queue", "bus-email-dlq").urn]);
    });

    it("QueueWithDlq: KMS, 14-day retention, redrive with maxReceiveCount, visibility 6 x the consumer timeout", function () {
        const q = run.one("aws:sqs/queue:Queue", "bus-email-queue");
        const dlq = run.one("aws:sqs/queue:Queue", "bus-email-dlq");
        for (const r of [q, dlq]) {
            assert.equal(r.inputs.kmsMasterKeyId, KEY);
            assert.equal(r.inputs.messageRetentionSeconds, 1209600);
        }
        assert.equal(q.inputs.visibilityTimeoutSeconds, 180);
        assert.deepEqual(json(q.inputs.redrivePolicy), {
            deadLetterTargetArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:platform-dev-bus-email-dlq`,
            maxReceiveCount: 7,
        });
        assert.deepEqual(q.propertyDependencies.redrivePolicy, [dlq.urn]);
        const allow = json(run.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "bus-email-dlq-redrive-allow").inputs.redriveAllowPolicy);
        assert.deepEqual(allow, { redrivePermission: "byQueue", sourceQueueArns: [`arn:aws:sqs:eu-west-1:${ACCOUNT}:platform-dev-bus-email`] });
    });

    it("queue policies deny non-TLS and let only the event topic send", function () {
        for (const name of ["bus-email-queue-policy", "bus-email-dlq-policy"]) {
            const s = statementsBySid(run.one("aws:sqs/queuePolicy:QueuePolicy", name).inputs.policy);
            assert.equal(s.DenyInsecureTransport.Effect, "Deny");
            assert.deepEqual(s.AllowTopicDelivery.Principal, { Service: "sns.amazonaws.com" });
            assert.deepEqual(s.AllowTopicDelivery.Condition, { ArnEquals: { "aws:SourceArn": [`arn:aws:sns:eu-west-1:${ACCOUNT}:platform-dev-events`] } });
        }
    });

    it("alarms on DLQ depth and the oldest message's age, routed to warning with escalation", function () {
        const warning = run.one("aws:sns/topic:Topic", "alerts-warning").urn;
        const depth = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "bus-email-dlq-depth");
        assert.equal(depth.inputs.metricName, "ApproximateNumberOfMessagesVisible");
        assert.equal(depth.inputs.threshold, 0);
        assert.deepEqual(depth.propertyDependencies.dimensions, [run.one("aws:sqs/queue:Queue", "bus-email-dlq").urn]);
        assert.deepEqual(depth.propertyDependencies.alarmActions, [warning]);
        const age = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "bus-email-oldest-message-age");
        assert.equal(age.inputs.metricName, "ApproximateAgeOfOldestMessage");
        assert.equal(age.inputs.threshold, 900);
        assert.deepEqual(age.propertyDependencies.dimensions, [run.one("aws:sqs/queue:Queue", "bus-email-queue").urn]);
        run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "bus-email-oldest-message-age-escalated");
        const failures = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "bus-events-delivery-failures");
        assert.deepEqual(failures.propertyDependencies.alarmActions, [run.one("aws:sns/topic:Topic", "alerts-critical").urn]);
    });

    it("validates arguments, naming them", function () {
        const base = { context: testContext(), kmsKey: KEY, consumerTimeoutSeconds: 30, maxReceiveCount: 5, maxAgeSeconds: 600, routing };
        assert.throws(
            () => new mod.QueueWithDlq("q1", { ...base, maxReceiveCount: 3 }),
            /argument "maxReceiveCount" is 3; allowed: a whole number from 5 to 1000/,
        );
        assert.throws(
            () => new mod.QueueWithDlq("q-age", { ...base, maxAgeSeconds: 14 * 24 * 3600 }),
            /argument "maxAgeSeconds" is 1209600; allowed: a whole number from 60 to 1209599/,
        );
        assert.throws(
            () => new mod.QueueWithDlq("q2", { ...base, visibilityTimeoutSeconds: 60 }),
            /argument "visibilityTimeoutSeconds" is 60; allowed: 180 \(6 x consumerTimeoutSeconds\)/,
        );
        const mbase = { context: testContext(), kmsKey: KEY, routing, maxReceiveCount: 5, maxAgeSeconds: 600 };
        assert.throws(() => new mod.Messaging("m1", { ...mbase, queues: {} }), /argument "queues" .*at least one queue/);
        assert.throws(
            () => new mod.Messaging("m2", { ...mbase, queues: { email: { filterPolicy: {}, consumerTimeoutSeconds: 30 } } }),
            /argument "queues.email.filterPolicy"/,
        );
    });
});
