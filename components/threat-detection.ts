import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions, Transform } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, MetricRef, SEVERITIES, Severity, createAlarm, dlqDepthAlarm } from "./alarms";
import { PlatformContext, arn, invalid } from "./context";
import { deadLetterQueue } from "./dead-letter-queue";
import { denyInsecureTransport } from "./iam";
import { EVENT_TARGET_RETRY } from "./defaults/eventbridge";
import {
    FSBP_STANDARD,
    GUARDDUTY_FEATURES,
    GUARDDUTY_FINDING_PUBLISHING_FREQUENCY,
    GUARDDUTY_SEVERITY,
    THREAT_DETECTION_MODES,
    type ThreatDetectionMode,
} from "./defaults/threat-detection";

export { EVENT_TARGET_RETRY, FSBP_STANDARD, GUARDDUTY_FEATURES, GUARDDUTY_SEVERITY, THREAT_DETECTION_MODES, type ThreatDetectionMode };

/** Where a finding comes from: GuardDuty's own events, or Security Hub's imported findings. */
export type FindingSource = "guardduty" | "securityhub";

/** One EventBridge rule: the findings of one source and one severity band, routed to that severity's topic. */
export interface FindingRoute {
    source: FindingSource;
    severity: Severity;
    /** The rule's event pattern. */
    pattern: Record<string, unknown>;
    /** What the notification says: the variables read from the finding, and the text they fill in. */
    inputTransformer: { inputPaths: Record<string, string>; inputTemplate: string };
}

/** Security Hub's severity labels per topic; INFORMATIONAL (a passed control, for one) notifies no one. */
export const SECURITY_HUB_LABELS: Record<Severity, string[]> = { critical: ["CRITICAL", "HIGH"], warning: ["MEDIUM"], info: ["LOW"] };

/** GuardDuty's numeric severity per topic (EventBridge numeric matching): high and critical page. */
export const GUARDDUTY_BANDS: Record<Severity, (string | number)[]> = {
    critical: [">=", GUARDDUTY_SEVERITY.high],
    warning: [">=", GUARDDUTY_SEVERITY.medium, "<", GUARDDUTY_SEVERITY.high],
    info: ["<", GUARDDUTY_SEVERITY.medium],
};

/** The AWS console of a partition, for the link in each notification. */
function consoleHost(partition: string): string {
    const hosts: Record<string, string> = { "aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com" };
    return hosts[partition] ?? "console.aws.amazon.com";
}

/**
 * The rules a mode creates, in order: GuardDuty's three bands, then (in `full`) Security Hub's. Pure, so
 * the specs read the patterns without a deployment.
 *
 * Security Hub also imports GuardDuty's findings (its GuardDuty integration is on by default): its rules
 * leave them out, or every GuardDuty finding would notify twice. They take only findings nobody has
 * worked on yet (workflow NEW, record ACTIVE), so a finding someone set to NOTIFIED, SUPPRESSED or
 * RESOLVED stops notifying when Security Hub updates it.
 */
export function findingRoutes(mode: ThreatDetectionMode, ctx: Pick<PlatformContext, "region" | "partition">): FindingRoute[] {
    const consoleUrl = `https://${ctx.region}.${consoleHost(ctx.partition)}`;
    const guardDuty = SEVERITIES.map((severity): FindingRoute => ({
        source: "guardduty",
        severity,
        pattern: {
            source: ["aws.guardduty"],
            "detail-type": ["GuardDuty Finding"],
            detail: { severity: [{ numeric: GUARDDUTY_BANDS[severity] }] },
        },
        inputTransformer: {
            inputPaths: {
                title: "$.detail.title",
                severity: "$.detail.severity",
                type: "$.detail.type",
                account: "$.detail.accountId",
                region: "$.detail.region",
                resource: "$.detail.resource.resourceType",
                id: "$.detail.id",
            },
            inputTemplate: [
                `[${severity}] GuardDuty finding: <title>`,
                "Severity: <severity> (GuardDuty, 1 to 10)",
                "Type: <type>",
                "Account: <account>, region: <region>",
                "Resource: <resource>",
                `Finding: ${consoleUrl}/guardduty/home?region=${ctx.region}#/findings?macros=current&fId=<id>`,
            ].join("\n"),
        },
    }));
    if (mode === "guardduty-only") {
        return guardDuty;
    }
    const securityHub = SEVERITIES.map((severity): FindingRoute => ({
        source: "securityhub",
        severity,
        pattern: {
            source: ["aws.securityhub"],
            "detail-type": ["Security Hub Findings - Imported"],
            detail: {
                findings: {
                    Severity: { Label: SECURITY_HUB_LABELS[severity] },
                    Workflow: { Status: ["NEW"] },
                    RecordState: ["ACTIVE"],
                    ProductName: [{ "anything-but": "GuardDuty" }],
                },
            },
        },
        inputTransformer: {
            // Security Hub sends one finding per "Findings - Imported" event.
            inputPaths: {
                title: "$.detail.findings[0].Title",
                severity: "$.detail.findings[0].Severity.Label",
                product: "$.detail.findings[0].ProductName",
                account: "$.detail.findings[0].AwsAccountId",
                region: "$.detail.findings[0].Region",
                resourceType: "$.detail.findings[0].Resources[0].Type",
                resource: "$.detail.findings[0].Resources[0].Id",
            },
            inputTemplate: [
                `[${severity}] Security Hub finding: <title>`,
                "Severity: <severity> (from <product>)",
                "Account: <account>, region: <region>",
                "Resource: <resourceType> <resource>",
                `Findings: ${consoleUrl}/securityhub/home?region=${ctx.region}#/findings`,
            ].join("\n"),
        },
    }));
    return [...guardDuty, ...securityHub];
}

/** Physical name of a finding rule: fixed, so topic and key policies can name it before it exists. */
export function findingRuleName(ctx: PlatformContext, name: string, route: Pick<FindingRoute, "source" | "severity">): string {
    return `${ctx.namePrefix}-${name}-${route.source}-${route.severity}`;
}

/**
 * ARNs of the finding rules a ThreatDetection named `name` creates, by the severity topic they publish
 * to, from their fixed names: the severity topics' policies (`findingsTopicPolicy`) and the messaging
 * key's policy (`Encryption`'s `eventRuleArns`) name them, and both exist before the rules.
 */
export function findingRuleArns(ctx: PlatformContext, name: string, mode: ThreatDetectionMode): Record<Severity, pulumi.Output<string>[]> {
    const out: Record<Severity, pulumi.Output<string>[]> = { critical: [], warning: [], info: [] };
    for (const route of findingRoutes(mode, ctx)) {
        out[route.severity].push(arn(ctx, "events", `rule/${findingRuleName(ctx, name, route)}`));
    }
    return out;
}

/**
 * The Alerting component's `transform.topicPolicy` that lets EventBridge publish the finding rules'
 * events to the severity topics: one statement per topic naming exactly the rules routed to it
 * (`aws:SourceArn`), on the topic the policy already names. The escalation topic gets none (a finding is
 * routed to critical, warning or info; escalation is for unresolved warning alarms).
 * @example new Alerting("alerting", { ..., transform: { topicPolicy: findingsTopicPolicy(context, "threat-detection", "full") } });
 */
export function findingsTopicPolicy(ctx: PlatformContext, name: string, mode: ThreatDetectionMode): Transform<object> {
    const rules = findingRuleArns(ctx, name, mode);
    // Typed on `object`: `Transforms` keeps ChildKinds' index signature, whose `Transform<object>` a
    // transform taking TopicPolicyArgs (required `arn`, `policy`) is not assignable to.
    return (untyped, _opts, childName) => {
        const args = untyped as aws.sns.TopicPolicyArgs;
        const tier = SEVERITIES.find((s) => childName.endsWith(`-${s}-policy`));
        if (tier === undefined || rules[tier].length === 0) {
            return;
        }
        args.policy = pulumi.all([pulumi.output(args.policy), ...rules[tier]]).apply(([policy, ...ruleArns]) => {
            const doc = (typeof policy === "string" ? JSON.parse(policy) : JSON.parse(JSON.stringify(policy))) as { Statement: Record<string, unknown>[] };
            // The topic the policy is about: the resource its own statements name.
            const topic = doc.Statement.find((s) => s.Sid === "DenyInsecureTransport")?.Resource ?? doc.Statement[0]?.Resource;
            if (typeof topic !== "string") {
                invalid(
                    "ThreatDetection",
                    "findingsTopicPolicy",
                    childName,
                    "allowed: a topic policy whose statements name the topic (the Alerting component's)",
                );
            }
            const allow = {
                Sid: "AllowEventBridgeFindings",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish",
                Resource: topic,
                Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
            };
            const deny = doc.Statement.findIndex((s) => s.Effect === "Deny");
            doc.Statement.splice(deny < 0 ? doc.Statement.length : deny, 0, allow);
            return JSON.stringify(doc);
        });
    };
}

export interface ThreatDetectionArgs extends ComponentOptions<ThreatDetectionChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * The severity topics findings are routed to (`routing.topicArns`), and where the component's own
     * alarms go. The topics' policies must let the rules publish (`findingsTopicPolicy`), and their key
     * must let EventBridge use it (`Encryption`'s `eventRuleArns: allFindingRuleArns(...)`).
     */
    routing: AlarmRouting;
    /** ARN of the KMS key the findings' dead-letter queue is encrypted with (the messaging key). */
    kmsKeyArn: pulumi.Input<string>;
    /**
     * `full`: GuardDuty (with S3 and Lambda protection) and Security Hub with the AWS Foundational Security
     * Best Practices standard; its controls are AWS Config rules, so `full` needs a Config recorder in the
     * account and region, which this component leaves to the account's owner (there can be only one, and
     * landing zones own it: the README's prerequisites). `guardduty-only`: GuardDuty alone, for an account
     * where Security Hub's per-check cost buys nothing (dev).
     * @default "full"
     */
    mode?: ThreatDetectionMode;
    /**
     * Pulumi `protect` on the detector and the Security Hub account: removing either deletes their findings.
     * @default false
     */
    protect?: boolean;
}

/** The kinds of child resources ThreatDetection creates, and the arguments a `transform` of each may edit. */
export interface ThreatDetectionChildren extends ChildKinds {
    detector: aws.guardduty.DetectorArgs;
    detectorFeature: aws.guardduty.DetectorFeatureArgs;
    securityHubAccount: aws.securityhub.AccountArgs;
    standardsSubscription: aws.securityhub.StandardsSubscriptionArgs;
    eventRule: aws.cloudwatch.EventRuleArgs;
    eventTarget: aws.cloudwatch.EventTargetArgs;
    queue: aws.sqs.QueueArgs;
    queuePolicy: aws.sqs.QueuePolicyArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
}
const THREAT_DETECTION_CHILD_KINDS = [
    "detector",
    "detectorFeature",
    "securityHubAccount",
    "standardsSubscription",
    "eventRule",
    "eventTarget",
    "queue",
    "queuePolicy",
    "metricAlarm",
] as const;

/**
 * Threat detection and response: a GuardDuty detector with S3 and Lambda protection and, in `full`,
 * Security Hub checking the account against the AWS Foundational Security Best Practices standard.
 * Their findings reach people through EventBridge: one rule per source and severity band publishes to
 * that severity's topic (high and critical findings to `critical`, which pages; medium to `warning`;
 * low to `info`), with a message naming the finding, its severity, account, region and resource. What
 * EventBridge cannot deliver within an hour goes to an encrypted dead-letter queue; its depth, failed
 * deliveries and events lost even to the queue are alarmed, so a lost finding is noticed.
 *
 * GuardDuty detectors and Security Hub are one per account and region: a stack owns them in its account
 * (each stack has its own account). An account that already has them needs `pulumi import` first.
 * Security Hub evaluates most of the standard's controls with AWS Config rules, so the account needs an
 * AWS Config recorder (this component does not create one; Security Hub reports control Config.1 until
 * there is).
 */
export class ThreatDetection extends Component<ThreatDetectionChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Id of the GuardDuty detector. */
    public readonly detectorId: pulumi.Output<string>;
    /** The finding rules' names, in `findingRoutes` order. */
    public readonly ruleNames: pulumi.Output<string>[];
    /** ARN of the dead-letter queue holding findings EventBridge could not deliver. */
    public readonly deadLetterQueueArn: pulumi.Output<string>;
    /** The mode the component was built in. */
    public readonly mode: ThreatDetectionMode;

    constructor(name: string, args: ThreatDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:ThreatDetection", "ThreatDetection", name, THREAT_DETECTION_CHILD_KINDS, args, opts);
        const mode = args.mode ?? "full";
        if (!(THREAT_DETECTION_MODES as readonly string[]).includes(mode)) {
            this.invalid("mode", mode, `allowed: ${THREAT_DETECTION_MODES.join(", ")}`);
        }
        if (!/^[a-z][a-z0-9-]{0,23}$/.test(name)) {
            this.invalid(
                "name",
                name,
                "allowed: lower-case letters, digits and dashes, starting with a letter, at most 24 characters (it is part of the rules' names)",
            );
        }
        const ctx = args.context;
        const protect = args.protect ?? false;
        const tags = ctx.tags;

        // --- Detection --------------------------------------------------------------------------------
        const detector = this.create(
            "detector",
            aws.guardduty.Detector,
            `detector`,
            { enable: true, findingPublishingFrequency: GUARDDUTY_FINDING_PUBLISHING_FREQUENCY, tags },
            { parent: this, protect },
        );
        // Provider v7 configures protection plans as features (the detector's `datasources` is deprecated).
        const featureSuffix: Record<(typeof GUARDDUTY_FEATURES)[number], string> = {
            S3_DATA_EVENTS: "s3-protection",
            LAMBDA_NETWORK_LOGS: "lambda-protection",
        };
        for (const feature of GUARDDUTY_FEATURES) {
            this.create(
                "detectorFeature",
                aws.guardduty.DetectorFeature,
                featureSuffix[feature],
                { detectorId: detector.id, name: feature, status: "ENABLED" },
                { parent: this },
            );
        }
        if (mode === "full") {
            // The standard is subscribed explicitly: the default standards (FSBP and CIS 1.2) would be
            // enabled outside Pulumi's view and could not be changed or removed through it.
            const account = this.create(
                "securityHubAccount",
                aws.securityhub.Account,
                `security-hub`,
                { enableDefaultStandards: false, autoEnableControls: true, controlFindingGenerator: "SECURITY_CONTROL" },
                { parent: this, protect },
            );
            this.create(
                "standardsSubscription",
                aws.securityhub.StandardsSubscription,
                `fsbp`,
                { standardsArn: `arn:${ctx.partition}:securityhub:${ctx.region}::standards/${FSBP_STANDARD}` },
                { parent: this, dependsOn: [account] },
            );
        }

        // --- Response: findings to the severity topics ----------------------------------------------------
        const routes = findingRoutes(mode, ctx);
        const ruleNames = routes.map((r) => findingRuleName(ctx, name, r));
        const ruleArns = routes.map((r) => arn(ctx, "events", `rule/${findingRuleName(ctx, name, r)}`));
        const dlqName = `${ctx.namePrefix}-${name}-dlq`;
        const dlq = deadLetterQueue(`${name}-dlq`, { queueName: dlqName, kmsKeyArn: args.kmsKeyArn, tags }, { parent: this }, this.childHooks("queue"));
        // From the fixed names, so the policy is known, and checked, on a first preview too.
        const dlqArn = arn(ctx, "sqs", dlqName);
        this.create(
            "queuePolicy",
            aws.sqs.QueuePolicy,
            `dlq-policy`,
            {
                queueUrl: dlq.url,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "AllowFindingRules",
                            Effect: "Allow",
                            Principal: { Service: "events.amazonaws.com" },
                            Action: "sqs:SendMessage",
                            Resource: dlqArn,
                            Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
                        },
                        denyInsecureTransport("sqs:SendMessage", dlqArn),
                    ],
                }),
            },
            { parent: this },
        );
        const rules = routes.map((route, i) => {
            const suffix = `${route.source}-${route.severity}`;
            const label = route.source === "guardduty" ? "GuardDuty" : "Security Hub";
            const rule = this.create(
                "eventRule",
                aws.cloudwatch.EventRule,
                suffix,
                {
                    name: ruleNames[i],
                    description: `${label} findings of ${route.severity} severity to the ${route.severity} topic (${ctx.namePrefix})`,
                    eventPattern: JSON.stringify(route.pattern),
                    state: "ENABLED",
                    tags: { ...tags, severity: route.severity },
                },
                { parent: this },
            );
            this.create(
                "eventTarget",
                aws.cloudwatch.EventTarget,
                `${suffix}-target`,
                {
                    rule: rule.name,
                    targetId: `${route.severity}-topic`,
                    arn: args.routing.topicArns[route.severity],
                    inputTransformer: route.inputTransformer,
                    retryPolicy: { ...EVENT_TARGET_RETRY },
                    deadLetterConfig: { arn: dlq.arn },
                },
                { parent: this },
            );
            return rule;
        });

        // --- A lost finding is noticed ------------------------------------------------------------------
        const hooks = { parent: this, hooks: this.childHooks("metricAlarm"), tags };
        const perRule = (metricName: string): Record<string, MetricRef> =>
            Object.fromEntries(rules.map((r, i) => [`r${i}`, { namespace: "AWS/Events", metricName, dimensions: { RuleName: r.name }, stat: "Sum" }]));
        dlqDepthAlarm(
            `${name}-dlq-depth`,
            dlq.name,
            `${dlqName}: security findings EventBridge could not deliver to their severity topic are waiting in the dead-letter queue. ` +
                "Read them (each names its rule and the error), fix the topic or key policy, then act on the findings in GuardDuty or Security Hub.",
            args.routing,
            hooks,
        );
        createAlarm(
            `${name}-failed-deliveries`,
            {
                description:
                    `${ctx.namePrefix}: EventBridge failed to deliver a security finding to its severity topic (it went to ${dlqName}): ` +
                    "nobody was told of it. Check the topics' and the messaging key's policies, then read the finding in the queue.",
                severity: "critical",
                signal: { kind: "math", expression: "SUM(METRICS())", label: "failed finding deliveries", metrics: perRule("FailedInvocations") },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                periodSeconds: 300,
                evaluationPeriods: 1,
            },
            args.routing,
            hooks,
        );
        createAlarm(
            `${name}-findings-lost`,
            {
                description:
                    `${ctx.namePrefix}: EventBridge could deliver a security finding neither to its topic nor to ${dlqName}: the finding is lost ` +
                    "to alerting. Review GuardDuty and Security Hub findings of the last hour by hand and fix the queue's policy or key.",
                severity: "critical",
                signal: { kind: "math", expression: "SUM(METRICS())", label: "findings lost", metrics: perRule("InvocationsFailedToBeSentToDlq") },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                periodSeconds: 300,
                evaluationPeriods: 1,
            },
            args.routing,
            hooks,
        );

        this.mode = mode;
        this.detectorId = detector.id;
        this.ruleNames = rules.map((r) => r.name);
        this.deadLetterQueueArn = dlq.arn;
        this.monitored = { deadLetterQueues: [{ label: "threat findings", name: dlq.name }] };
        this.registerOutputs({ detectorId: this.detectorId, ruleNames: this.ruleNames, deadLetterQueueArn: this.deadLetterQueueArn });
    }
}

/** Every finding rule's ARN, for `Encryption`'s `eventRuleArns`. */
export function allFindingRuleArns(ctx: PlatformContext, name: string, mode: ThreatDetectionMode): pulumi.Output<string>[] {
    return Object.values(findingRuleArns(ctx, name, mode)).flat();
}
