import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, MockRun, REGION, Recorded, installMocks, json, statementsBySid, testContext, valueOf } from "./harness";

// Which rule a finding reaches, by EventBridge's own matching rules (the drill's matcher).
import { eventMatches } from "../../tools/drill/event-pattern";

/** A metric query's metric, as the mocks record it. */
type MetricOf = { namespace: string; metricName: string; stat: string; period: number };

const guardDutyFinding = (severity: number) => ({
    source: "aws.guardduty",
    "detail-type": "GuardDuty Finding",
    detail: { severity, title: "Unusual API call", type: "Recon:IAMUser/MaliciousIPCaller", accountId: ACCOUNT, region: REGION, id: "f1" },
});

const securityHubFinding = (label: string, over: Record<string, unknown> = {}) => ({
    source: "aws.securityhub",
    "detail-type": "Security Hub Findings - Imported",
    detail: {
        findings: [
            {
                Title: "S3 general purpose buckets should block public access",
                Severity: { Label: label },
                Workflow: { Status: "NEW" },
                RecordState: "ACTIVE",
                ProductName: "Security Hub",
                AwsAccountId: ACCOUNT,
                Region: REGION,
                Resources: [{ Type: "AwsS3Bucket", Id: "arn:aws:s3:::bucket" }],
                ...over,
            },
        ],
    },
});

describe("ThreatDetection component", function () {
    let run: MockRun;
    let mod: typeof import("../../components/threat-detection");
    let threats: import("../../components/threat-detection").ThreatDetection;
    const ctx = testContext();
    const ruleArn = (source: string, severity: string, name = "threats") =>
        `arn:aws:events:${REGION}:${ACCOUNT}:rule/platform-dev-${name}-${source}-${severity}`;
    const ALL = ["guardduty", "securityhub"].flatMap((source) => ["critical", "warning", "info"].map((severity) => ruleArn(source, severity)));

    before(async function () {
        run = installMocks();
        mod = await import("../../components/threat-detection");
        const { Encryption } = await import("../../components/encryption");
        const { Alerting } = await import("../../components/alerting");
        const enc = new Encryption("enc", { context: ctx, eventRuleArns: mod.allFindingRuleArns(ctx, "threats", "full") });
        const alerting = new Alerting("alerts", {
            context: ctx,
            kmsKeyArn: enc.messagingKeyArn,
            emails: ["team@example.com"],
            escalationMinutes: 30,
            transform: { topicPolicy: mod.findingsTopicPolicy(ctx, "threats", "full") },
        });
        threats = new mod.ThreatDetection("threats", { context: ctx, routing: alerting.routing, kmsKeyArn: enc.messagingKeyArn, protect: true });
        // A dev account's scope: GuardDuty alone.
        new mod.ThreatDetection("gd", { context: ctx, routing: alerting.routing, kmsKeyArn: enc.messagingKeyArn, mode: "guardduty-only" });
        await run.settle();
    });

    const mine = (r: Recorded, component: string) => r.parentUrn.endsWith(`::${component}`);
    const topicUrn = (severity: string) => run.one("aws:sns/topic:Topic", `alerts-${severity}`).urn;

    describe("detection", function () {
        it("enables a GuardDuty detector, publishing updates every 15 minutes, protected on request", function () {
            const d = run.one("aws:guardduty/detector:Detector", "threats-detector");
            assert.equal(d.inputs.enable, true);
            assert.equal(d.inputs.findingPublishingFrequency, "FIFTEEN_MINUTES");
            assert.equal(d.protect, true);
            assert.equal(d.inputs.datasources, undefined, "protection plans are DetectorFeatures (datasources is deprecated in provider v7)");
            assert.equal(run.one("aws:guardduty/detector:Detector", "gd-detector").protect, false);
        });

        it("turns on S3 and Lambda protection as detector features of that detector", function () {
            const d = run.one("aws:guardduty/detector:Detector", "threats-detector");
            const features = run.ofType("aws:guardduty/detectorFeature:DetectorFeature").filter((f) => mine(f, "threats"));
            assert.deepEqual(
                features.map((f) => [f.name, f.inputs.name, f.inputs.status]),
                [
                    ["threats-s3-protection", "S3_DATA_EVENTS", "ENABLED"],
                    ["threats-lambda-protection", "LAMBDA_NETWORK_LOGS", "ENABLED"],
                ],
            );
            for (const f of features) assert.deepEqual(f.propertyDependencies.detectorId, [d.urn]);
            // guardduty-only keeps the protections: only Security Hub is scoped out.
            assert.equal(run.ofType("aws:guardduty/detectorFeature:DetectorFeature").filter((f) => mine(f, "gd")).length, 2);
        });

        it("enables Security Hub without its default standards and subscribes the FSBP v1.0.0 standard explicitly", function () {
            const account = run.one("aws:securityhub/account:Account", "threats-security-hub");
            assert.deepEqual(
                [account.inputs.enableDefaultStandards, account.inputs.autoEnableControls, account.inputs.controlFindingGenerator, account.protect],
                [false, true, "SECURITY_CONTROL", true],
            );
            const fsbp = run.one("aws:securityhub/standardsSubscription:StandardsSubscription", "threats-fsbp");
            assert.equal(fsbp.inputs.standardsArn, `arn:aws:securityhub:${REGION}::standards/aws-foundational-security-best-practices/v/1.0.0`);
            assert.ok(fsbp.dependencies.includes(account.urn), "subscribes after Security Hub is enabled");
        });

        it("guardduty-only creates no Security Hub resources and no Security Hub rules", function () {
            assert.deepEqual(
                run.resources.filter((r) => mine(r, "gd") && r.type.startsWith("aws:securityhub")),
                [],
            );
            assert.deepEqual(
                run
                    .ofType("aws:cloudwatch/eventRule:EventRule")
                    .filter((r) => mine(r, "gd"))
                    .map((r) => r.name),
                ["gd-guardduty-critical", "gd-guardduty-warning", "gd-guardduty-info"],
            );
        });
    });

    describe("response: findings routed by severity", function () {
        const rule = (source: string, severity: string) => run.one("aws:cloudwatch/eventRule:EventRule", `threats-${source}-${severity}`);
        const reached = (event: Record<string, unknown>) =>
            run
                .ofType("aws:cloudwatch/eventRule:EventRule")
                .filter((r) => mine(r, "threats") && eventMatches(JSON.parse(r.inputs.eventPattern as string) as Record<string, unknown>, event))
                .map((r) => r.name);

        it("names each rule from its source and severity, so the policies naming it before it exists are right", function () {
            for (const source of ["guardduty", "securityhub"]) {
                for (const severity of ["critical", "warning", "info"]) {
                    const r = rule(source, severity);
                    assert.equal(`arn:aws:events:${REGION}:${ACCOUNT}:rule/${r.inputs.name}`, ruleArn(source, severity));
                    assert.equal(r.inputs.state, "ENABLED");
                    assert.equal(r.inputs.eventBusName, undefined, "the default bus, where AWS services publish");
                }
            }
        });

        it("GuardDuty: severity 7 and above pages (critical), 4 to 6.9 is a warning, below 4 is info; each finding reaches one rule", function () {
            assert.deepEqual(JSON.parse(rule("guardduty", "critical").inputs.eventPattern), {
                source: ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                detail: { severity: [{ numeric: [">=", 7] }] },
            });
            const cases: [number, string][] = [
                [10, "critical"],
                [9.5, "critical"],
                [8, "critical"],
                [7, "critical"],
                [6.9, "warning"],
                [5, "warning"],
                [4, "warning"],
                [3.9, "info"],
                [1, "info"],
            ];
            for (const [severity, topic] of cases) {
                assert.deepEqual(reached(guardDutyFinding(severity)), [`threats-guardduty-${topic}`], `severity ${severity}`);
            }
        });

        it("Security Hub: CRITICAL and HIGH page, MEDIUM warns, LOW informs; INFORMATIONAL, worked-on and GuardDuty's own findings notify no one", function () {
            assert.deepEqual(JSON.parse(rule("securityhub", "critical").inputs.eventPattern), {
                source: ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"],
                detail: {
                    findings: {
                        Severity: { Label: ["CRITICAL", "HIGH"] },
                        Workflow: { Status: ["NEW"] },
                        RecordState: ["ACTIVE"],
                        ProductName: [{ "anything-but": "GuardDuty" }],
                    },
                },
            });
            const cases: [string, string][] = [
                ["CRITICAL", "critical"],
                ["HIGH", "critical"],
                ["MEDIUM", "warning"],
                ["LOW", "info"],
            ];
            for (const [label, topic] of cases) {
                assert.deepEqual(reached(securityHubFinding(label)), [`threats-securityhub-${topic}`], label);
            }
            assert.deepEqual(reached(securityHubFinding("INFORMATIONAL")), []);
            assert.deepEqual(reached(securityHubFinding("HIGH", { Workflow: { Status: "SUPPRESSED" } })), []);
            assert.deepEqual(reached(securityHubFinding("HIGH", { RecordState: "ARCHIVED" })), []);
            // GuardDuty's findings imported into Security Hub: already routed by the GuardDuty rules.
            assert.deepEqual(reached(securityHubFinding("HIGH", { ProductName: "GuardDuty" })), []);
        });

        it("each rule's one target is its severity's topic, with a retry policy and the dead-letter queue", function () {
            const dlq = run.one("aws:sqs/queue:Queue", "threats-dlq");
            const targets = run.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => mine(t, "threats"));
            assert.equal(targets.length, 6);
            for (const source of ["guardduty", "securityhub"]) {
                for (const severity of ["critical", "warning", "info"]) {
                    const t = run.one("aws:cloudwatch/eventTarget:EventTarget", `threats-${source}-${severity}-target`);
                    assert.deepEqual(t.propertyDependencies.rule, [rule(source, severity).urn]);
                    assert.deepEqual(t.propertyDependencies.arn, [topicUrn(severity)], `${source} ${severity} goes to the ${severity} topic`);
                    assert.deepEqual(t.propertyDependencies.deadLetterConfig, [dlq.urn]);
                    assert.deepEqual(t.inputs.retryPolicy, { ...mod.EVENT_TARGET_RETRY });
                    assert.equal(t.inputs.roleArn, undefined, "SNS targets are authorized by the topic policy, not a role");
                }
            }
        });

        it("the notification says what was found: title, severity, account, region and resource, from paths the template uses", function () {
            for (const t of run.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((x) => mine(x, "threats"))) {
                const { inputPaths, inputTemplate } = t.inputs.inputTransformer as { inputPaths: Record<string, string>; inputTemplate: string };
                for (const v of ["title", "severity", "account", "region", "resource"]) {
                    assert.ok(inputPaths[v]?.startsWith("$.detail."), `${t.name}: ${v}`);
                    assert.ok(inputTemplate.includes(`<${v}>`), `${t.name}: <${v}> in the template`);
                }
                const used = [...inputTemplate.matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1]);
                assert.deepEqual(
                    used.filter((u) => !(u in inputPaths)),
                    [],
                    `${t.name}: every placeholder has a path`,
                );
                const severity = t.name.split("-")[2];
                assert.ok(inputTemplate.startsWith(`[${severity}] `), t.name);
            }
            const gd = run.one("aws:cloudwatch/eventTarget:EventTarget", "threats-guardduty-critical-target").inputs.inputTransformer;
            assert.equal(gd.inputPaths.severity, "$.detail.severity");
            const sh = run.one("aws:cloudwatch/eventTarget:EventTarget", "threats-securityhub-critical-target").inputs.inputTransformer;
            assert.equal(sh.inputPaths.severity, "$.detail.findings[0].Severity.Label");
        });
    });

    describe("exact permissions", function () {
        it("each severity topic lets EventBridge publish only from the rules routed to it; the escalation topic not at all", function () {
            const expected: Record<string, string[]> = {
                critical: [ruleArn("guardduty", "critical"), ruleArn("securityhub", "critical")],
                warning: [ruleArn("guardduty", "warning"), ruleArn("securityhub", "warning")],
                info: [ruleArn("guardduty", "info"), ruleArn("securityhub", "info")],
            };
            for (const [severity, rules] of Object.entries(expected)) {
                const s = statementsBySid(run.one("aws:sns/topicPolicy:TopicPolicy", `alerts-${severity}-policy`).inputs.policy);
                assert.deepEqual(Object.keys(s), ["AllowCloudWatchAlarms", "AllowEventBridgeFindings", "DenyInsecureTransport"]);
                assert.deepEqual(s.AllowEventBridgeFindings, {
                    Sid: "AllowEventBridgeFindings",
                    Effect: "Allow",
                    Principal: { Service: "events.amazonaws.com" },
                    Action: "sns:Publish",
                    Resource: `arn:aws:sns:${REGION}:${ACCOUNT}:platform-dev-alerts-${severity}`,
                    Condition: { ArnEquals: { "aws:SourceArn": rules } },
                });
            }
            const escalation = statementsBySid(run.one("aws:sns/topicPolicy:TopicPolicy", "alerts-escalation-policy").inputs.policy);
            assert.deepEqual(Object.keys(escalation), ["AllowCloudWatchAlarms", "DenyInsecureTransport"]);
        });

        it("the messaging key lets EventBridge encrypt for exactly the finding rules of this account", function () {
            const s = statementsBySid(run.one("aws:kms/key:Key", "enc-messaging-key").inputs.policy).AllowEventBridgeRules;
            assert.deepEqual(s.Principal, { Service: "events.amazonaws.com" });
            assert.deepEqual(s.Action, ["kms:Decrypt", "kms:GenerateDataKey"]);
            assert.deepEqual(s.Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnEquals: { "aws:SourceArn": [...ALL].sort(byRoute) } });
            // Keys no rule uses keep no such statement.
            for (const cls of ["data", "logs"]) {
                assert.ok(!("AllowEventBridgeRules" in statementsBySid(run.one("aws:kms/key:Key", `enc-${cls}-key`).inputs.policy)), cls);
            }
        });

        it("the dead-letter queue: encrypted with the messaging key, kept 14 days, writable by the finding rules only, TLS only", function () {
            const dlq = run.one("aws:sqs/queue:Queue", "threats-dlq");
            assert.equal(dlq.inputs.name, "platform-dev-threats-dlq");
            assert.deepEqual(dlq.propertyDependencies.kmsMasterKeyId, [run.one("aws:kms/key:Key", "enc-messaging-key").urn]);
            assert.equal(dlq.inputs.messageRetentionSeconds, 14 * 24 * 3600);
            assert.equal(dlq.inputs.tags.role, "dead-letter");
            const policy = run.one("aws:sqs/queuePolicy:QueuePolicy", "threats-dlq-policy");
            assert.deepEqual(policy.propertyDependencies.queueUrl, [dlq.urn]);
            const dlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:platform-dev-threats-dlq`;
            assert.deepEqual(json(policy.inputs.policy).Statement, [
                {
                    Sid: "AllowFindingRules",
                    Effect: "Allow",
                    Principal: { Service: "events.amazonaws.com" },
                    Action: "sqs:SendMessage",
                    Resource: dlqArn,
                    Condition: { ArnEquals: { "aws:SourceArn": ALL } },
                },
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "sqs:SendMessage",
                    Resource: dlqArn,
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ]);
            const gd = json(run.one("aws:sqs/queuePolicy:QueuePolicy", "gd-dlq-policy").inputs.policy).Statement[0];
            assert.deepEqual(
                gd.Condition.ArnEquals["aws:SourceArn"],
                ["critical", "warning", "info"].map((s) => ruleArn("guardduty", s, "gd")),
            );
        });

        it("the helpers name the same rules the component creates, for either mode", function () {
            const arns = mod.findingRuleArns(ctx, "gd", "guardduty-only");
            assert.deepEqual(Object.fromEntries(Object.entries(arns).map(([k, v]) => [k, v.length])), { critical: 1, warning: 1, info: 1 });
            assert.equal(mod.allFindingRuleArns(ctx, "threats", "full").length, 6);
            assert.deepEqual(
                mod.findingRoutes("full", ctx).map((r) => mod.findingRuleName(ctx, "threats", r)),
                run
                    .ofType("aws:cloudwatch/eventRule:EventRule")
                    .filter((r) => mine(r, "threats"))
                    .map((r) => r.inputs.name),
            );
        });
    });

    describe("a lost finding is noticed", function () {
        const alarm = (name: string) => run.one("aws:cloudwatch/metricAlarm:MetricAlarm", name);

        it("any message in the dead-letter queue raises a warning that escalates", function () {
            const a = alarm("threats-dlq-depth");
            assert.deepEqual([a.inputs.namespace, a.inputs.metricName, a.inputs.statistic], ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum"]);
            assert.deepEqual(a.propertyDependencies.dimensions, [run.one("aws:sqs/queue:Queue", "threats-dlq").urn]);
            assert.deepEqual([a.inputs.comparisonOperator, a.inputs.threshold], ["GreaterThanThreshold", 0]);
            assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn("warning")]);
            assert.deepEqual(alarm("threats-dlq-depth-escalated").propertyDependencies.alarmActions, [run.one("aws:sns/topic:Topic", "alerts-escalation").urn]);
        });

        it("a failed delivery of any rule's finding pages, summed over every rule's FailedInvocations", function () {
            const a = alarm("threats-failed-deliveries");
            const queries = a.inputs.metricQueries as { id: string; expression?: string; metric?: MetricOf }[];
            assert.equal(queries[0].expression, "SUM(METRICS())");
            const metrics = queries.slice(1).map((q) => q.metric!);
            assert.equal(metrics.length, 6);
            for (const m of metrics) assert.deepEqual([m.namespace, m.metricName, m.stat, m.period], ["AWS/Events", "FailedInvocations", "Sum", 300]);
            const ruleUrns = run
                .ofType("aws:cloudwatch/eventRule:EventRule")
                .filter((r) => mine(r, "threats"))
                .map((r) => r.urn)
                .sort();
            assert.deepEqual([...(a.propertyDependencies.metricQueries ?? [])].filter((u) => u.includes("eventRule")).sort(), ruleUrns);
            assert.deepEqual([a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.tags.severity], ["GreaterThanThreshold", 0, "critical"]);
            assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn("critical")]);
        });

        it("a finding lost even to the dead-letter queue pages", function () {
            const a = alarm("threats-findings-lost");
            const metrics = (a.inputs.metricQueries as { metric?: MetricOf }[]).flatMap((q) => (q.metric ? [q.metric.metricName] : []));
            assert.deepEqual([...new Set(metrics)], ["InvocationsFailedToBeSentToDlq"]);
            assert.equal(metrics.length, 6);
            assert.equal(a.inputs.tags.severity, "critical");
        });

        it("gives the dashboards its dead-letter queue, so the DLQ depth chart shows it", async function () {
            const [dlq] = threats.monitored.deadLetterQueues ?? [];
            assert.equal(dlq.label, "threat findings");
            assert.equal(await valueOf(pulumi.output(dlq.name)), "platform-dev-threats-dlq");
            assert.equal(threats.mode, "full");
        });
    });

    it("validates its arguments, naming the argument", function () {
        const routing = {
            topicArns: { critical: "c", warning: "w", info: "i" } as never,
            escalationTopicArn: "e" as never,
            escalationMinutes: 30,
        };
        assert.throws(
            () => new mod.ThreatDetection("bad-mode", { context: ctx, routing, kmsKeyArn: "k", mode: "everything" as never }),
            /ThreatDetection: argument "mode" is "everything"; allowed: full, guardduty-only/,
        );
        assert.throws(
            () => new mod.ThreatDetection("Threats_Detection", { context: ctx, routing, kmsKeyArn: "k" }),
            /ThreatDetection: argument "name" is "Threats_Detection"; allowed: lower-case letters/,
        );
    });
});

/** The order `allFindingRuleArns` lists rules in: by severity topic, GuardDuty first. */
function byRoute(a: string, b: string): number {
    const rank = (s: string) => ["critical", "warning", "info"].indexOf(s.split("-").pop()!) * 2 + (s.includes("-securityhub-") ? 1 : 0);
    return rank(a) - rank(b);
}
