import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, createAlarm, dlqDepthAlarm, snsDeliveryFailureAlarm } from "./alarms";
import { PlatformContext, arn, invalid } from "./context";
import { deadLetterQueue } from "./dead-letter-queue";
import { LIVE_ALIAS } from "./function";
import { denyInsecureTransport } from "./iam";

/** The function that records bounces and complaints (a `Function` satisfies it). */
export interface FeedbackHandler {
    /** Name of the function; SNS invokes its `live` alias. */
    functionName: pulumi.Input<string>;
    /** ARN of the `live` alias: the subscription's endpoint. */
    aliasArn: pulumi.Input<string>;
}

/** A warning and a critical threshold for one reputation metric, as fractions (0.05 = 5%). */
export interface RateThresholds {
    /** Rate that raises the warning alarm (escalates to critical if it persists). */
    warning: number;
    /** Rate that pages: above it SES reviews or pauses the account. */
    critical: number;
}

/** One DNS record an operator must publish for Easy DKIM. */
export interface DkimRecord {
    /** Record name, `<token>._domainkey.<domain>`. */
    name: string;
    type: "CNAME";
    /** Record value, `<token>.dkim.amazonses.com`. */
    value: string;
}

export interface EmailArgs extends ComponentOptions<EmailChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * Domain the platform sends from, verified with Easy DKIM (lower-case DNS name).
     * @example "orders.example.com"
     */
    domain: string;
    /** ARN of the KMS key for the feedback topic and its delivery DLQ (the messaging key; SES must be allowed to use it). */
    kmsKeyArn: pulumi.Input<string>;
    /** Where the reputation, delivery-failure and DLQ alarms go. */
    routing: AlarmRouting;
    /** The function that records bounces and complaints and suppresses those addresses. */
    feedbackHandler: FeedbackHandler;
    /**
     * Name of the configuration set every email is sent through (3 to 64 letters, digits, `-`, `_`).
     * @default `<namePrefix>-email`
     */
    configurationSetName?: string;
    /**
     * Account bounce rate (`AWS/SES` `Reputation.BounceRate`) alarm thresholds. AWS reviews an
     * account at 5% and may pause sending at 10%.
     * @default { warning: 0.02, critical: 0.05 }
     */
    bounceRate?: RateThresholds;
    /**
     * Account complaint rate (`AWS/SES` `Reputation.ComplaintRate`) alarm thresholds. AWS reviews an
     * account at 0.1% and may pause sending at 0.5%.
     * @default { warning: 0.0005, critical: 0.001 }
     */
    complaintRate?: RateThresholds;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CONFIGURATION_SET = /^[A-Za-z0-9_-]{3,64}$/;

/**
 * Events the configuration set publishes to the feedback topic. The feedback function acts on
 * bounces and complaints only, so DELIVERY (one event per email sent) and REJECT would only add
 * invocations it ignores.
 */
export const FEEDBACK_EVENT_TYPES = ["BOUNCE", "COMPLAINT"];

/** A fraction as a percentage for a message: 0.0005 -> "0.05%". */
function percent(fraction: number): string {
    return `${Number((fraction * 100).toPrecision(4))}%`;
}

function checkRates(argument: string, r: RateThresholds): void {
    for (const k of ["warning", "critical"] as const) {
        if (!Number.isFinite(r[k]) || r[k] <= 0 || r[k] >= 1) {
            invalid("Email", `${argument}.${k}`, r[k], "allowed: a fraction between 0 and 1 (0.05 = 5%)");
        }
    }
    if (r.warning >= r.critical) {
        invalid("Email", `${argument}.warning`, r.warning, `allowed: below ${argument}.critical (${r.critical})`);
    }
}

/** The kinds of child resources Email creates, and the arguments a `transform` of each may edit. */
export interface EmailChildren extends ChildKinds {
    configurationSet: aws.sesv2.ConfigurationSetArgs;
    configurationSetEventDestination: aws.sesv2.ConfigurationSetEventDestinationArgs;
    emailIdentity: aws.sesv2.EmailIdentityArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    permission: aws.lambda.PermissionArgs;
    queue: aws.sqs.QueueArgs;
    queuePolicy: aws.sqs.QueuePolicyArgs;
    topic: aws.sns.TopicArgs;
    topicPolicy: aws.sns.TopicPolicyArgs;
    topicSubscription: aws.sns.TopicSubscriptionArgs;
}
const EMAIL_CHILD_KINDS = [
    "configurationSet",
    "configurationSetEventDestination",
    "emailIdentity",
    "metricAlarm",
    "permission",
    "queue",
    "queuePolicy",
    "topic",
    "topicPolicy",
    "topicSubscription",
] as const;

/**
 * Sending email through SES v2 as the platform does it: a domain identity with Easy DKIM (2048-bit
 * keys), a configuration set that requires TLS, tracks reputation and suppresses bounced and
 * complaining addresses, bounce and complaint events published to an encrypted SNS topic that
 * invokes the feedback function (failed deliveries land in a DLQ), and reputation alarms.
 */
export class Email extends Component<EmailChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** ARN of the domain identity (built from its name, so policies naming it are known on a first preview). */
    public readonly identityArn: pulumi.Output<string>;
    /** ARN of the configuration set (built from its name, likewise). */
    public readonly configurationSetArn: pulumi.Output<string>;
    /** Name of the configuration set senders must use. */
    public readonly configurationSetName: string;
    /** The sending domain. */
    public readonly domain: string;
    /** Easy DKIM tokens: each is a CNAME record the domain's DNS must publish. */
    public readonly dkimTokens: pulumi.Output<string[]>;
    /** The DKIM CNAME records, ready for a DNS zone. */
    public readonly dkimRecords: pulumi.Output<DkimRecord[]>;
    /** ARN of the feedback topic. */
    public readonly feedbackTopicArn: pulumi.Output<string>;
    /** ARN of the queue that keeps feedback SNS could not deliver to the function. */
    public readonly feedbackDlqArn: pulumi.Output<string>;

    constructor(name: string, args: EmailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:email:Email", "Email", name, EMAIL_CHILD_KINDS, args, opts);
        if (!DOMAIN.test(args.domain)) {
            this.invalid("domain", args.domain, "allowed: a lower-case DNS domain name such as orders.example.com");
        }
        const ctx = args.context;
        const setName = args.configurationSetName ?? `${ctx.namePrefix}-email`;
        if (!CONFIGURATION_SET.test(setName)) {
            this.invalid("configurationSetName", setName, "allowed: 3 to 64 letters, digits, dashes and underscores");
        }
        const bounceRate = args.bounceRate ?? { warning: 0.02, critical: 0.05 };
        const complaintRate = args.complaintRate ?? { warning: 0.0005, critical: 0.001 };
        checkRates("bounceRate", bounceRate);
        checkRates("complaintRate", complaintRate);
        const tags = ctx.tags;
        const knownSetArn = arn(ctx, "ses", `configuration-set/${setName}`);

        const configurationSet = this.create(
            "configurationSet",
            aws.sesv2.ConfigurationSet,
            `configuration-set`,
            {
                configurationSetName: setName,
                // SES refuses to deliver to a receiving server that cannot do TLS instead of falling back to plain text.
                deliveryOptions: { tlsPolicy: "REQUIRE" },
                reputationOptions: { reputationMetricsEnabled: true },
                sendingOptions: { sendingEnabled: true },
                suppressionOptions: { suppressedReasons: ["BOUNCE", "COMPLAINT"] },
                tags,
            },
            { parent: this },
        );

        const identity = this.create(
            "emailIdentity",
            aws.sesv2.EmailIdentity,
            `identity`,
            {
                emailIdentity: args.domain,
                // Mail sent from the identity without naming a configuration set still gets its rules.
                configurationSetName: configurationSet.configurationSetName,
                dkimSigningAttributes: { nextSigningKeyLength: "RSA_2048_BIT" },
                tags,
            },
            { parent: this },
        );

        const topicName = `${ctx.namePrefix}-email-feedback`;
        // Built from the fixed name so the policies naming it are known, and checked, on a first preview.
        const knownTopicArn = arn(ctx, "sns", topicName);
        const topic = this.create(
            "topic",
            aws.sns.Topic,
            `feedback`,
            { name: topicName, displayName: `${ctx.namePrefix} SES bounces and complaints`, kmsMasterKeyId: args.kmsKeyArn, tags },
            { parent: this },
        );
        this.create(
            "topicPolicy",
            aws.sns.TopicPolicy,
            `feedback-policy`,
            {
                arn: topic.arn,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "AllowSesEvents",
                            Effect: "Allow",
                            Principal: { Service: "ses.amazonaws.com" },
                            Action: "sns:Publish",
                            Resource: knownTopicArn,
                            Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId }, ArnEquals: { "aws:SourceArn": knownSetArn } },
                        },
                        denyInsecureTransport(["sns:Publish", "sns:Subscribe"], knownTopicArn),
                    ],
                }),
            },
            { parent: this },
        );

        const destination = this.create(
            "configurationSetEventDestination",
            aws.sesv2.ConfigurationSetEventDestination,
            `feedback-events`,
            {
                configurationSetName: configurationSet.configurationSetName,
                eventDestinationName: "feedback",
                eventDestination: {
                    enabled: true,
                    matchingEventTypes: FEEDBACK_EVENT_TYPES,
                    snsDestination: { topicArn: topic.arn },
                },
            },
            { parent: this },
        );

        // Feedback SNS could not deliver to the function (throttled, permission missing) waits here.
        const dlqName = `${ctx.namePrefix}-email-feedback-dlq`;
        const knownDlqArn = arn(ctx, "sqs", dlqName);
        const dlq = deadLetterQueue(
            `${name}-feedback-dlq`,
            { queueName: dlqName, kmsKeyArn: args.kmsKeyArn, tags },
            { parent: this },
            this.childHooks("queue"),
        );
        this.create(
            "queuePolicy",
            aws.sqs.QueuePolicy,
            `feedback-dlq-policy`,
            {
                queueUrl: dlq.url,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "AllowTopicDeadLetters",
                            Effect: "Allow",
                            Principal: { Service: "sns.amazonaws.com" },
                            Action: "sqs:SendMessage",
                            Resource: knownDlqArn,
                            Condition: { ArnEquals: { "aws:SourceArn": [knownTopicArn] } },
                        },
                        denyInsecureTransport("sqs:SendMessage", knownDlqArn),
                    ],
                }),
            },
            { parent: this },
        );

        const permission = this.create(
            "permission",
            aws.lambda.Permission,
            `feedback-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: args.feedbackHandler.functionName,
                qualifier: LIVE_ALIAS,
                principal: "sns.amazonaws.com",
                sourceArn: topic.arn,
            },
            { parent: this },
        );
        this.create(
            "topicSubscription",
            aws.sns.TopicSubscription,
            `feedback-subscription`,
            {
                topic: topic.arn,
                protocol: "lambda",
                endpoint: args.feedbackHandler.aliasArn,
                redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn }),
            },
            { parent: this, dependsOn: [permission] },
        );

        snsDeliveryFailureAlarm(
            `${name}-feedback-delivery-failures`,
            topic.name,
            `${topicName}: SNS failed to deliver bounce or complaint events to the feedback function; they wait in ${dlqName}.`,
            "critical",
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags },
        );
        dlqDepthAlarm(
            `${name}-feedback-dlq-depth`,
            dlq.name,
            `${dlqName}: bounce or complaint events are waiting in the dead-letter queue; those addresses are not suppressed yet. Inspect, fix, then redrive.`,
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags },
        );

        // SES publishes the account's reputation rates (no dimensions) every few minutes while it sends.
        const reputation = (metricName: string, label: string, t: RateThresholds, consequence: string) => {
            const signal = { kind: "metric" as const, metric: { namespace: "AWS/SES", metricName, dimensions: {}, stat: "Maximum" } };
            const base = { signal, comparisonOperator: "GreaterThanOrEqualToThreshold" as const, periodSeconds: 900, evaluationPeriods: 1 };
            const slug = label.toLowerCase().replace(/ /g, "-");
            createAlarm(
                `${name}-${slug}-warning`,
                {
                    ...base,
                    description: `SES ${label} is at least ${percent(t.warning)}: find the source (list quality, a bad import) before AWS acts.`,
                    severity: "warning",
                    threshold: t.warning,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags },
            );
            createAlarm(
                `${name}-${slug}-critical`,
                {
                    ...base,
                    description: `SES ${label} is at least ${percent(t.critical)}: ${consequence} Stop bulk sends and clean the list now.`,
                    severity: "critical",
                    threshold: t.critical,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags },
            );
        };
        reputation("Reputation.BounceRate", "bounce rate", bounceRate, "AWS reviews accounts at 5% and may pause sending at 10%.");
        reputation("Reputation.ComplaintRate", "complaint rate", complaintRate, "AWS reviews accounts at 0.1% and may pause sending at 0.5%.");

        this.domain = args.domain;
        this.configurationSetName = setName;
        this.identityArn = arn(ctx, "ses", `identity/${args.domain}`);
        this.configurationSetArn = knownSetArn;
        this.dkimTokens = identity.dkimSigningAttributes.apply((a) => a?.tokens ?? []);
        this.dkimRecords = this.dkimTokens.apply((tokens) =>
            tokens.map((t) => ({ name: `${t}._domainkey.${args.domain}`, type: "CNAME" as const, value: `${t}.dkim.amazonses.com` })),
        );
        this.feedbackTopicArn = topic.arn;
        this.feedbackDlqArn = dlq.arn;
        this.monitored = { deadLetterQueues: [{ label: "email feedback DLQ", name: dlq.name }], topics: [{ label: "email feedback", name: topic.name }] };
        this.registerOutputs({
            identityArn: this.identityArn,
            configurationSetName: this.configurationSetName,
            dkimTokens: this.dkimTokens,
            feedbackTopicArn: this.feedbackTopicArn,
            eventDestination: destination.id,
        });
    }
}
