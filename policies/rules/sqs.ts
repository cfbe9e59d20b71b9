// SQS rules (39-42).

import type { Policies } from "../lib/policy-api";
import { alarmMetrics, alarmsFor, alarmWatches, hasAlarmAction } from "../lib/alarms";
import { literalName, Node, refers, sameKnown, StackGraph } from "../lib/graph";
import { reportOpenGrants, statementLabel } from "../lib/access";
import { deniesInsecureTransport, readStatements, strings } from "../lib/iam";
import { resourceRule, RuleContext, stackRule, Subject } from "../lib/rule";
import { asNumber, asRecord, asString, isSet, isUnknown } from "../lib/values";

export const QUEUE = "aws:sqs/queue:Queue";
export const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
export const REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy";
export const REDRIVE_ALLOW_POLICY = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy";
const ESM = "aws:lambda/eventSourceMapping:EventSourceMapping";
const FUNCTION = "aws:lambda/function:Function";
const EIC = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";

function parseRedrive(v: unknown): Record<string, unknown> | undefined {
    if (typeof v === "string" && !isUnknown(v)) {
        try {
            return asRecord(JSON.parse(v));
        } catch {
            return undefined;
        }
    }
    return asRecord(v);
}

/** Queues that are dead-letter queues or failure destinations of something in the stack. */
export function deadLetterQueues(graph: StackGraph): Set<string> {
    const out = new Set<string>();
    const queues = graph.ofType(QUEUE);
    const mark = (from: Node, property: string, value?: unknown) => {
        for (const q of queues) {
            if (refers(from, property, q) || (value !== undefined && sameKnown(value, literalName(q), q.props.arn))) {
                out.add(q.urn);
            }
        }
    };
    for (const q of queues) {
        if (isSet(q.props.redrivePolicy)) {
            mark(q, "redrivePolicy", parseRedrive(q.props.redrivePolicy)?.deadLetterTargetArn);
        }
        if (isSet(q.props.redriveAllowPolicy)) {
            out.add(q.urn);
        }
    }
    for (const r of graph.ofType(REDRIVE_POLICY)) {
        mark(r, "redrivePolicy", parseRedrive(r.props.redrivePolicy)?.deadLetterTargetArn);
    }
    for (const r of graph.ofType(REDRIVE_ALLOW_POLICY)) {
        mark(r, "queueUrl", r.props.queueUrl);
    }
    for (const e of graph.ofType(ESM)) {
        mark(e, "destinationConfig");
    }
    for (const f of graph.ofType(FUNCTION)) {
        mark(f, "deadLetterConfig");
    }
    for (const e of graph.ofType(EIC)) {
        mark(e, "destinationConfig");
    }
    for (const s of graph.ofType(SUBSCRIPTION)) {
        mark(s, "redrivePolicy");
    }
    for (const t of graph.ofType(EVENT_TARGET)) {
        mark(t, "deadLetterConfig");
    }
    return out;
}

function checkQueuePolicy(subject: Subject, value: unknown, ctx: RuleContext<object>): void {
    const statements = readStatements(subject, "policy", value, ctx);
    if (!statements) {
        return;
    }
    reportOpenGrants(subject, "policy", statements, ctx, {
        lets: "send to or read the queue",
        fix: "name the principal (a service principal with aws:SourceArn of the topic or bucket)",
    });
    statements.forEach((s, i) => {
        if (s.effect !== "Allow") {
            return;
        }
        const wild = strings(s.actions).filter((a) => a === "*" || a.toLowerCase() === "sqs:*");
        if (wild.length > 0) {
            ctx.report(subject, {
                property: `policy.${statementLabel(s, i)}.Action`,
                found: wild,
                expected: "named sqs actions (e.g. sqs:SendMessage)",
                fix: "list only the actions the principal needs",
            });
        }
    });
    if (!deniesInsecureTransport(statements)) {
        ctx.report(subject, {
            property: "policy",
            problem: 'has no Deny statement with Condition Bool aws:SecureTransport = "false"',
            fix: 'add { Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queue.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } }',
        });
    }
}

export function sqsPolicies(): Policies {
    return [
        resourceRule<{ requireCmk: boolean }>(
            {
                id: "sqs-encryption",
                no: 39,
                service: "SQS",
                kind: "R",
                checks: "Queue is encrypted: `sqsManagedSseEnabled` or `kmsMasterKeyId` (a customer key when `requireCmk`, prod).",
                why: "Messages carry business data (orders, emails); they must be encrypted at rest like the table they came from.",
                anchors: "NAG SQS2, FSBP SQS.1, CKV_AWS_27, CKV2_AWS_73, TRV enable_queue_encryption",
                defaultLevel: "mandatory",
                config: { requireCmk: { type: "boolean", default: false, description: "Require kmsMasterKeyId (a customer-managed key)." } },
            },
            {
                types: [QUEUE],
                validate: (q, ctx) => {
                    const kms = q.props.kmsMasterKeyId;
                    const kmsIsCmk = isSet(kms) && kms !== "alias/aws/sqs";
                    if (ctx.config.requireCmk) {
                        if (!kmsIsCmk) {
                            ctx.report(q, {
                                property: "kmsMasterKeyId",
                                found: kms,
                                expected: "a customer-managed KMS key (requireCmk)",
                                fix: "set kmsMasterKeyId: key.arn (and grant the producers kms:GenerateDataKey)",
                            });
                        }
                    } else if (!isSet(kms) && q.props.sqsManagedSseEnabled !== true && !isUnknown(q.props.sqsManagedSseEnabled)) {
                        ctx.report(q, {
                            property: "sqsManagedSseEnabled",
                            found: q.props.sqsManagedSseEnabled,
                            expected: "true, or kmsMasterKeyId set",
                            fix: "set kmsMasterKeyId: key.arn (or sqsManagedSseEnabled: true)",
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "sqs-policy-safe",
                no: 40,
                service: "SQS",
                kind: "R",
                checks: "Queue policy has no public principal without a condition, no `sqs:*`, and denies non-TLS access.",
                why: "A public or wildcard queue policy lets anyone inject or steal messages.",
                anchors: "NAG SQS4, FSBP SQS.3, CKV_AWS_168, CKV_AWS_387, CKV_AWS_72",
                defaultLevel: "mandatory",
            },
            {
                types: [QUEUE, QUEUE_POLICY],
                validate: (r, ctx) => checkQueuePolicy(r, r.props.policy, ctx),
            },
        ),
        stackRule(
            {
                id: "sqs-has-dlq",
                no: 41,
                service: "SQS",
                kind: "S",
                checks: "Every queue that is not itself a DLQ has a redrive policy (inline or `aws.sqs.RedrivePolicy`); at the rule's level for Lambda sources, advisory for others.",
                why: "Without a DLQ a poison message is retried until it expires and is then lost, blocking the consumer meanwhile.",
                anchors: "NAG SQS3, NAG-SL SQSRedrivePolicy",
                defaultLevel: "advisory",
            },
            {
                primaryType: QUEUE,
                subjectTypes: [QUEUE],
                validate: (graph, ctx) => {
                    const dlqs = deadLetterQueues(graph);
                    const redrives = graph.ofType(REDRIVE_POLICY);
                    for (const q of graph.ofType(QUEUE)) {
                        if (dlqs.has(q.urn)) {
                            continue;
                        }
                        const lambdaSource = graph
                            .ofType(ESM)
                            .some((e) => refers(e, "eventSourceArn", q, () => sameKnown(e.props.eventSourceArn, literalName(q))));
                        const separate = redrives.filter((r) => refers(r, "queueUrl", q, () => sameKnown(r.props.queueUrl, literalName(q))));
                        if (!isSet(q.props.redrivePolicy) && separate.length === 0) {
                            ctx.report(q, {
                                property: "redrivePolicy",
                                found: undefined,
                                problem: `is not set and no aws.sqs.RedrivePolicy targets this queue${lambdaSource ? " (it feeds a Lambda function)" : ""}`,
                                fix: "set redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 })",
                                advisoryOnly: !lambdaSource,
                            });
                            continue;
                        }
                        const policy = parseRedrive(q.props.redrivePolicy) ?? parseRedrive(separate[0]?.props.redrivePolicy);
                        const count = asNumber(policy?.maxReceiveCount);
                        if (count !== undefined && count < 5) {
                            ctx.report(q, {
                                property: "redrivePolicy.maxReceiveCount",
                                found: count,
                                expected: ">= 5",
                                fix: "set maxReceiveCount to at least 5 so throttled deliveries are not dead-lettered",
                                advisoryOnly: true,
                            });
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "sqs-dlq-depth-alarm",
                no: 42,
                service: "SQS / CloudWatch",
                kind: "S",
                checks: "Every DLQ has an `ApproximateNumberOfMessagesVisible > 0` alarm with an action; source queues have an `ApproximateAgeOfOldestMessage` alarm (advisory).",
                why: "A message in a DLQ is a failed business event; someone must be told the moment the first one lands.",
                anchors: "ours",
                defaultLevel: "advisory",
            },
            {
                primaryType: QUEUE,
                subjectTypes: [QUEUE],
                validate: (graph, ctx) => {
                    const dlqs = deadLetterQueues(graph);
                    const depth = alarmsFor(graph, "AWS/SQS", ["ApproximateNumberOfMessagesVisible"]);
                    const age = alarmsFor(graph, "AWS/SQS", ["ApproximateAgeOfOldestMessage"]);
                    for (const q of graph.ofType(QUEUE)) {
                        const watches = (a: Node) => alarmWatches(graph, a, q, ["QueueName"], [literalName(q)]);
                        if (dlqs.has(q.urn)) {
                            const mine = depth.filter(watches);
                            const good = mine.filter((a) => hasAlarmAction(a) && firesOnFirstMessage(a));
                            if (good.length === 0) {
                                ctx.report(q, {
                                    property: "(ApproximateNumberOfMessagesVisible alarm)",
                                    problem: mine.length
                                        ? `is a DLQ whose depth alarm(s) ${mine.map((a) => `"${a.name}"`).join(", ")} lack an action or do not fire on the first message`
                                        : "is a DLQ with no AWS/SQS ApproximateNumberOfMessagesVisible alarm whose QueueName comes from it",
                                    fix: 'add MetricAlarm { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: dlq.name }, statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: 0, alarmActions: [topic.arn] }',
                                });
                            }
                        } else if (!age.some((a) => watches(a) && hasAlarmAction(a))) {
                            ctx.report(q, {
                                property: "(ApproximateAgeOfOldestMessage alarm)",
                                problem: "has no AWS/SQS ApproximateAgeOfOldestMessage alarm with an action",
                                fix: "add an age-of-oldest-message alarm so a stuck consumer is noticed",
                                advisoryOnly: true,
                            });
                        }
                    }
                },
            },
        ),
    ];
}

function firesOnFirstMessage(a: Node): boolean {
    if (alarmMetrics(a).length === 0 || isSet(a.props.metricQueries)) {
        return true; // metric math: trust the expression
    }
    const op = asString(a.props.comparisonOperator);
    const threshold = asNumber(a.props.threshold);
    if (op === undefined || threshold === undefined) {
        return true; // unknown: judged when known
    }
    return (op === "GreaterThanThreshold" && threshold < 1) || (op === "GreaterThanOrEqualToThreshold" && threshold <= 1);
}
