// SNS rules (43, 48).

import type { Policies } from "../lib/policy-api";
import { alarmsFor, alarmWatches, hasAlarmAction, SNS_TOPIC } from "../lib/alarms";
import { literalName, refers, sameKnown } from "../lib/graph";
import { reportOpenGrants } from "../lib/access";
import { deniesInsecureTransport, readStatements } from "../lib/iam";
import { resourceRule, stackRule } from "../lib/rule";
import { asString, isSet } from "../lib/values";

export const TOPIC = SNS_TOPIC;
export const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
export const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

export function snsPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "sns-encryption-and-policy",
                no: 43,
                service: "SNS",
                kind: "R",
                checks: "Topic has `kmsMasterKeyId`; a topic policy is not public and denies non-TLS publishing.",
                why: "Notifications carry alert details and domain events; a public topic lets anyone publish fake events or subscribe to real ones.",
                anchors: "FSBP SNS.1, SNS.4, NAG SNS3, NAG-NIST SNSEncryptedKMS, CKV_AWS_26, CKV_AWS_169, TRV enable_topic_encryption",
                defaultLevel: "mandatory",
            },
            {
                types: [TOPIC, TOPIC_POLICY],
                validate: (r, ctx) => {
                    if (r.type === TOPIC && !isSet(r.props.kmsMasterKeyId)) {
                        ctx.report(r, {
                            property: "kmsMasterKeyId",
                            found: undefined,
                            expected: "a KMS key (a CMK whose policy lets CloudWatch and the publishers use it)",
                            fix: "set kmsMasterKeyId: key.arn",
                        });
                    }
                    const statements = readStatements(r, "policy", r.props.policy, ctx);
                    if (!statements) {
                        return;
                    }
                    reportOpenGrants(r, "policy", statements, ctx, {
                        lets: "publish to or subscribe to the topic",
                        fix: "name the service or account allowed to publish (a service principal with aws:SourceArn or aws:SourceAccount)",
                    });
                    if (!deniesInsecureTransport(statements)) {
                        ctx.report(r, {
                            property: "policy",
                            problem: 'has no Deny statement for sns:Publish with Condition Bool aws:SecureTransport = "false"',
                            fix: 'add { Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topic.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } }',
                        });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "sns-subscription-redrive",
                no: 48,
                service: "SNS",
                kind: "S",
                checks: "Subscriptions (Lambda and SQS in particular) have a `redrivePolicy`; each topic with subscriptions has a `NumberOfNotificationsFailed` alarm with an action.",
                why: "SNS gives up on an endpoint after its retries; without a redrive DLQ and an alarm the notification is silently dropped.",
                anchors: "NAG-SL SNSRedrivePolicy, FSBP SNS.2 (delivery-status logging)",
                defaultLevel: "advisory",
            },
            {
                primaryType: SUBSCRIPTION,
                subjectTypes: [SUBSCRIPTION, TOPIC],
                validate: (graph, ctx) => {
                    const subs = graph.ofType(SUBSCRIPTION);
                    for (const s of subs) {
                        const protocol = asString(s.props.protocol);
                        if (["lambda", "sqs", "http", "https", "firehose"].includes(protocol ?? "") && !isSet(s.props.redrivePolicy)) {
                            ctx.report(s, {
                                property: "redrivePolicy",
                                found: undefined,
                                expected: "a redrive policy to an SQS DLQ",
                                fix: "set redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn })",
                            });
                        }
                    }
                    const alarms = alarmsFor(graph, "AWS/SNS", ["NumberOfNotificationsFailed"]);
                    for (const t of graph.ofType(TOPIC)) {
                        const subscribed = subs.some((s) => refers(s, "topic", t, () => sameKnown(s.props.topic, literalName(t))));
                        if (subscribed && !alarms.some((a) => alarmWatches(graph, a, t, ["TopicName"], [literalName(t)]) && hasAlarmAction(a))) {
                            ctx.report(t, {
                                property: "(NumberOfNotificationsFailed alarm)",
                                problem: "has subscriptions but no AWS/SNS NumberOfNotificationsFailed alarm with an action whose TopicName comes from it",
                                fix: 'add MetricAlarm { namespace: "AWS/SNS", metricName: "NumberOfNotificationsFailed", dimensions: { TopicName: topic.name }, alarmActions: [otherTopic.arn] }',
                            });
                        }
                    }
                },
            },
        ),
    ];
}
