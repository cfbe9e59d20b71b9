// CloudWatch alarm rules (46, 47).

import { SEVERITY_TAG_KEY, SEVERITY_TAG_VALUES } from "../../components/defaults/cloudwatch";
import type { Policies } from "../lib/policy-api";
import { actionTopics, COMPOSITE_ALARM, hasAlarmAction, METRIC_ALARM, routesToReferencedSeverityTopic, severityOf, SNS_TOPIC } from "../lib/alarms";
import { literalName, Node, refers, sameKnown, StackGraph } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asString, isSet, isUnknown, show } from "../lib/values";

const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

/** `alias/aws/sns`, or its ARN: the AWS managed key for SNS, whose key policy CloudWatch cannot use. */
const AWS_MANAGED_SNS_KEY = /^(arn:aws[a-z-]*:kms:[^:]*:\d{12}:)?alias\/aws\/sns$/;

/** SNS topics any of the alarm's actions (alarm, OK, insufficient data) depend on. */
function allActionTopics(graph: StackGraph, alarm: Node): Node[] {
    return ["alarmActions", "okActions", "insufficientDataActions"].flatMap((p) => graph.targets(alarm, p, SNS_TOPIC));
}

export function cloudwatchPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "alarm-has-action",
                no: 46,
                service: "CloudWatch",
                kind: "R",
                checks: "Every metric and composite alarm has at least one `alarmActions` entry and `actionsEnabled` is not false.",
                why: "An alarm without an action changes colour on a dashboard nobody is looking at.",
                anchors: "NAG-NIST CloudWatchAlarmAction, CKV_AWS_319 (enabled flag only), CT.CLOUDWATCH.PR.1, PR.4",
                defaultLevel: "mandatory",
            },
            {
                types: [METRIC_ALARM, COMPOSITE_ALARM],
                validate: (a, ctx) => {
                    const actions = a.props.alarmActions;
                    if (!isUnknown(actions) && !asArray(actions).some(isSet)) {
                        ctx.report(a, {
                            property: "alarmActions",
                            found: actions,
                            expected: "at least one action (a severity topic ARN)",
                            fix: "set alarmActions: [severityTopic.arn]",
                        });
                    }
                    if (a.props.actionsEnabled === false) {
                        ctx.report(a, { property: "actionsEnabled", found: false, expected: "true (the default)", fix: "remove actionsEnabled: false" });
                    }
                },
            },
        ),
        stackRule<{ severityTagKey: string; severityValues: string[]; requiredSeverities: string[] }>(
            {
                id: "alarm-routes-to-severity-topic",
                no: 47,
                service: "CloudWatch / SNS",
                kind: "S",
                checks: "Every alarm's actions resolve (via `propertyDependencies`) to an SNS topic tagged with a configured severity, or come from a StackReference as topic ARNs named `...-<severity>` (another stack's severity topics, checked in that stack); each severity topic is encrypted and has at least one subscription; no severity topic and no topic an alarm action points to is encrypted with the AWS managed key `alias/aws/sns` (CloudWatch cannot publish to it).",
                why: "Routing by severity decides who is woken up; an alarm sent to an untagged, unsubscribed or unencrypted topic reaches nobody, or leaks.",
                anchors: "ours",
                defaultLevel: "advisory",
                config: {
                    severityTagKey: { type: "string", default: SEVERITY_TAG_KEY, description: "Tag key that marks an SNS topic as a severity topic." },
                    // `escalation` tags the topic of the escalated tier that unresolved warnings notify (its own subscribers).
                    severityValues: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        minItems: 1,
                        default: [...SEVERITY_TAG_VALUES],
                        description: "Allowed severity tag values (the severity topics, and the escalation topic that escalated warnings notify).",
                    },
                    requiredSeverities: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: "Severity topics that must exist in the stack when it has alarms (unless every alarm routes to another stack's topics).",
                    },
                },
            },
            {
                subjectTypes: [METRIC_ALARM, COMPOSITE_ALARM, SNS_TOPIC],
                validate: (graph, ctx) => {
                    const { severityTagKey: key, severityValues: values } = ctx.config;
                    const alarms = graph.ofType(METRIC_ALARM, COMPOSITE_ALARM);
                    for (const a of alarms) {
                        if (!hasAlarmAction(a)) {
                            continue; // alarm-has-action reports it
                        }
                        const topics = actionTopics(graph, a);
                        const good = topics.filter((t) => values.includes(severityOf(t, key) ?? ""));
                        if (good.length === 0 && !routesToReferencedSeverityTopic(graph, a, values)) {
                            ctx.report(a, {
                                property: "alarmActions",
                                found: topics.length ? topics.map((t) => t.name) : a.props.alarmActions,
                                problem: topics.length
                                    ? `goes to topic(s) ${topics.map((t) => `"${t.name}"`).join(", ")}, none tagged ${key}=${values.join("|")}`
                                    : `does not resolve to any SNS topic of this stack (found ${asArray(a.props.alarmActions).length} action(s) with no propertyDependencies on a topic)`,
                                fix: `pass the arn of a topic tagged { ${key}: "${values[0]}" } created in this stack`,
                            });
                        }
                    }
                    const severityTopics = graph.ofType(SNS_TOPIC).filter((t) => severityOf(t, key) !== undefined);
                    // Topics on the AWS managed key: CloudWatch's publish is refused (its key policy admits no cloudwatch.amazonaws.com).
                    const managedKeyTopics = new Map<string, { topic: Node; why: string }>();
                    for (const a of alarms) {
                        for (const t of allActionTopics(graph, a)) {
                            if (!managedKeyTopics.has(t.urn) && AWS_MANAGED_SNS_KEY.test(asString(t.props.kmsMasterKeyId) ?? "")) {
                                managedKeyTopics.set(t.urn, { topic: t, why: `the action topic of alarm "${a.name}"` });
                            }
                        }
                    }
                    for (const t of severityTopics) {
                        const sev = severityOf(t, key) ?? "";
                        if (!values.includes(sev)) {
                            ctx.report(t, {
                                property: `tags.${key}`,
                                found: sev,
                                expected: values.join(" | "),
                                fix: `use one of the configured severities (${values.join(", ")})`,
                            });
                        }
                        if (!isSet(t.props.kmsMasterKeyId)) {
                            ctx.report(t, {
                                property: "kmsMasterKeyId",
                                found: undefined,
                                expected: "a KMS key",
                                fix: "set kmsMasterKeyId: key.arn (key policy must allow cloudwatch.amazonaws.com)",
                            });
                        }
                        if (AWS_MANAGED_SNS_KEY.test(asString(t.props.kmsMasterKeyId) ?? "")) {
                            managedKeyTopics.set(t.urn, { topic: t, why: `the ${sev} severity topic` });
                        }
                        if (!graph.ofType(SUBSCRIPTION).some((s) => refers(s, "topic", t, () => sameKnown(s.props.topic, literalName(t))))) {
                            ctx.report(t, {
                                property: "(TopicSubscription)",
                                problem: `is the ${sev} severity topic but has no aws.sns.TopicSubscription`,
                                fix: "subscribe the on-call endpoint (email, https, chatbot) with an aws.sns.TopicSubscription { topic: topic.arn }",
                            });
                        }
                    }
                    for (const { topic, why } of managedKeyTopics.values()) {
                        ctx.report(topic, {
                            property: "kmsMasterKeyId",
                            found: topic.props.kmsMasterKeyId,
                            problem: `is ${show(topic.props.kmsMasterKeyId)}, the AWS managed key for SNS, whose key policy does not let CloudWatch use it: as ${why}, it never receives CloudWatch's alarm notifications`,
                            fix: "encrypt the topic with a customer managed key (kmsMasterKeyId: key.arn) whose key policy allows cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*",
                        });
                    }
                    // A stack that routes every alarm to another stack's severity topics creates none to require.
                    const ownRouting = alarms.some((a) => !routesToReferencedSeverityTopic(graph, a, values));
                    if (ownRouting) {
                        for (const sev of ctx.config.requiredSeverities) {
                            if (!severityTopics.some((t) => severityOf(t, key) === sev)) {
                                ctx.report(alarms[0], {
                                    property: `(topic tagged ${key}=${sev})`,
                                    problem: `has no ${sev} severity topic in the stack to route to`,
                                    fix: `create an aws.sns.Topic tagged { ${key}: "${sev}" }`,
                                });
                            }
                        }
                    }
                },
            },
        ),
    ];
}
