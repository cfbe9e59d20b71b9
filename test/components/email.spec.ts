import { strict as assert } from "node:assert";
import { ACCOUNT, MockRun, Recorded, installMocks, json, statementsBySid, testContext, valueOf } from "./harness";

const R = "eu-west-1";
const KEY = `arn:aws:kms:${R}:${ACCOUNT}:key/messaging`;
const DOMAIN = "dev.orders.example.com";
const FN = "platform-dev-ses-feedback";
const ALIAS = `arn:aws:lambda:${R}:${ACCOUNT}:function:${FN}:live`;
const TOPIC_ARN = `arn:aws:sns:${R}:${ACCOUNT}:platform-dev-email-feedback`;
const SET_ARN = `arn:aws:ses:${R}:${ACCOUNT}:configuration-set/platform-dev-email`;
const DLQ_ARN = `arn:aws:sqs:${R}:${ACCOUNT}:platform-dev-email-feedback-dlq`;

describe("Email component", function () {
    let run: MockRun;
    let mod: typeof import("../../components/email");
    let enc: typeof import("../../components/encryption");
    let email: import("../../components/email").Email;
    let base: import("../../components/email").EmailArgs;

    const one = (type: string, name: string): Recorded => run.one(type, name);
    const alarm = (name: string) => one("aws:cloudwatch/metricAlarm:MetricAlarm", name);
    const topicUrn = (sev: string) => one("aws:sns/topic:Topic", `alerts-${sev}`).urn;

    before(async function () {
        run = installMocks();
        const alerting = await import("../../components/alerting");
        mod = await import("../../components/email");
        enc = await import("../../components/encryption");
        const ctx = testContext();
        const routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: KEY, emails: ["a@example.com"], escalationMinutes: 30 }).routing;
        base = { context: ctx, domain: DOMAIN, kmsKeyArn: KEY, routing, feedbackHandler: { functionName: FN, aliasArn: ALIAS } };
        email = new mod.Email("email", base);
        new enc.Encryption("enc", { context: ctx, sesEvents: true });
        await run.settle();
    });

    it("registers as platform:email:Email with every child parented to it", function () {
        const component = one("platform:email:Email", "email");
        const children = run.resources.filter((r) => r.parentUrn === component.urn);
        assert.ok(children.length >= 10, `children: ${children.map((c) => c.name).join(", ")}`);
        for (const t of [
            "aws:sesv2/emailIdentity:EmailIdentity",
            "aws:sesv2/configurationSet:ConfigurationSet",
            "aws:sns/topic:Topic",
            "aws:sqs/queue:Queue",
        ]) {
            assert.ok(
                children.some((c) => c.type === t),
                t,
            );
        }
    });

    it("the domain identity uses Easy DKIM with 2048-bit keys and the configuration set", function () {
        const id = one("aws:sesv2/emailIdentity:EmailIdentity", "email-identity");
        assert.equal(id.inputs.emailIdentity, DOMAIN);
        assert.deepEqual(id.inputs.dkimSigningAttributes, { nextSigningKeyLength: "RSA_2048_BIT" });
        assert.equal(id.inputs.configurationSetName, "platform-dev-email");
        assert.deepEqual(id.propertyDependencies.configurationSetName, [one("aws:sesv2/configurationSet:ConfigurationSet", "email-configuration-set").urn]);
    });

    it("the configuration set requires TLS, tracks reputation and suppresses bounces and complaints", function () {
        const set = one("aws:sesv2/configurationSet:ConfigurationSet", "email-configuration-set");
        assert.equal(set.inputs.configurationSetName, "platform-dev-email");
        assert.deepEqual(set.inputs.deliveryOptions, { tlsPolicy: "REQUIRE" });
        assert.deepEqual(set.inputs.reputationOptions, { reputationMetricsEnabled: true });
        assert.deepEqual(set.inputs.suppressionOptions, { suppressedReasons: ["BOUNCE", "COMPLAINT"] });
        assert.deepEqual(set.inputs.sendingOptions, { sendingEnabled: true });
    });

    it("publishes bounces and complaints to the encrypted feedback topic, which only SES of this set may publish to", function () {
        const dest = one("aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination", "email-feedback-events");
        const topic = one("aws:sns/topic:Topic", "email-feedback");
        assert.deepEqual(dest.inputs.eventDestination.matchingEventTypes, ["BOUNCE", "COMPLAINT"]);
        assert.equal(dest.inputs.eventDestination.enabled, true);
        assert.deepEqual(dest.propertyDependencies.eventDestination, [topic.urn]);
        assert.deepEqual(dest.propertyDependencies.configurationSetName, [one("aws:sesv2/configurationSet:ConfigurationSet", "email-configuration-set").urn]);
        assert.equal(topic.inputs.kmsMasterKeyId, KEY);
        assert.equal(topic.inputs.name, "platform-dev-email-feedback");
        const s = statementsBySid(one("aws:sns/topicPolicy:TopicPolicy", "email-feedback-policy").inputs.policy);
        assert.deepEqual(Object.keys(s).sort(), ["AllowSesEvents", "DenyInsecureTransport"]);
        assert.deepEqual(s.AllowSesEvents.Principal, { Service: "ses.amazonaws.com" });
        assert.equal(s.AllowSesEvents.Action, "sns:Publish");
        assert.equal(s.AllowSesEvents.Resource, TOPIC_ARN);
        assert.deepEqual(s.AllowSesEvents.Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnEquals: { "aws:SourceArn": SET_ARN } });
        assert.deepEqual(s.DenyInsecureTransport.Condition, { Bool: { "aws:SecureTransport": "false" } });
    });

    it("the feedback function's live alias is subscribed, with a redrive policy to an encrypted DLQ only the topic can use", function () {
        const sub = one("aws:sns/topicSubscription:TopicSubscription", "email-feedback-subscription");
        const dlq = one("aws:sqs/queue:Queue", "email-feedback-dlq");
        assert.equal(sub.inputs.protocol, "lambda");
        assert.equal(sub.inputs.endpoint, ALIAS);
        assert.deepEqual(sub.propertyDependencies.topic, [one("aws:sns/topic:Topic", "email-feedback").urn]);
        assert.deepEqual(json(sub.inputs.redrivePolicy), { deadLetterTargetArn: DLQ_ARN });
        assert.deepEqual(sub.propertyDependencies.redrivePolicy, [dlq.urn]);
        assert.equal(dlq.inputs.kmsMasterKeyId, KEY);
        assert.equal(dlq.inputs.messageRetentionSeconds, 1209600);
        const s = statementsBySid(one("aws:sqs/queuePolicy:QueuePolicy", "email-feedback-dlq-policy").inputs.policy);
        assert.deepEqual(s.AllowTopicDeadLetters.Principal, { Service: "sns.amazonaws.com" });
        assert.deepEqual(s.AllowTopicDeadLetters.Condition, { ArnEquals: { "aws:SourceArn": [TOPIC_ARN] } });
        assert.equal(s.AllowTopicDeadLetters.Resource, DLQ_ARN);
        assert.equal(s.DenyInsecureTransport.Effect, "Deny");
    });

    it("lets only the feedback topic invoke the live alias", function () {
        const p = one("aws:lambda/permission:Permission", "email-feedback-invoke");
        assert.equal(p.inputs.principal, "sns.amazonaws.com");
        assert.equal(p.inputs.function, FN);
        assert.equal(p.inputs.qualifier, "live");
        assert.equal(p.inputs.action, "lambda:InvokeFunction");
        assert.deepEqual(p.propertyDependencies.sourceArn, [one("aws:sns/topic:Topic", "email-feedback").urn]);
    });

    it("alarms on bounce and complaint rates (warning with escalation, then critical)", function () {
        const cases: [string, string, number, number][] = [
            ["bounce-rate", "Reputation.BounceRate", 0.02, 0.05],
            ["complaint-rate", "Reputation.ComplaintRate", 0.0005, 0.001],
        ];
        for (const [slug, metric, warn, crit] of cases) {
            const w = alarm(`email-${slug}-warning`);
            const c = alarm(`email-${slug}-critical`);
            for (const [a, threshold, sev] of [
                [w, warn, "warning"],
                [c, crit, "critical"],
            ] as const) {
                assert.equal(a.inputs.namespace, "AWS/SES");
                assert.equal(a.inputs.metricName, metric);
                assert.equal(a.inputs.threshold, threshold);
                assert.equal(a.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
                assert.equal(a.inputs.actionsEnabled, true);
                assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn(sev)]);
            }
            assert.deepEqual(alarm(`email-${slug}-warning-escalated`).propertyDependencies.alarmActions, [topicUrn("escalation")]);
        }
    });

    it("alarms on failed deliveries to the function and on feedback in the DLQ", function () {
        const failures = alarm("email-feedback-delivery-failures");
        assert.equal(failures.inputs.metricName, "NumberOfNotificationsFailed");
        assert.deepEqual(failures.propertyDependencies.dimensions, [one("aws:sns/topic:Topic", "email-feedback").urn]);
        assert.deepEqual(failures.propertyDependencies.alarmActions, [topicUrn("critical")]);
        const depth = alarm("email-feedback-dlq-depth");
        assert.equal(depth.inputs.metricName, "ApproximateNumberOfMessagesVisible");
        assert.equal(depth.inputs.threshold, 0);
        assert.deepEqual(depth.propertyDependencies.dimensions, [one("aws:sqs/queue:Queue", "email-feedback-dlq").urn]);
        assert.deepEqual(depth.propertyDependencies.alarmActions, [topicUrn("warning")]);
    });

    it("outputs the DKIM records, the configuration set and the ARNs the sender's grant names", async function () {
        assert.equal(email.configurationSetName, "platform-dev-email");
        assert.equal(await valueOf(email.identityArn), `arn:aws:ses:${R}:${ACCOUNT}:identity/${DOMAIN}`);
        assert.equal(await valueOf(email.configurationSetArn), SET_ARN);
        assert.deepEqual(await valueOf(email.dkimTokens), ["tok1", "tok2", "tok3"]);
        assert.deepEqual((await valueOf(email.dkimRecords))[0], { name: `tok1._domainkey.${DOMAIN}`, type: "CNAME", value: "tok1.dkim.amazonses.com" });
    });

    it("Encryption sesEvents lets SES of this account's configuration sets use the messaging key", function () {
        const s = statementsBySid(one("aws:kms/key:Key", "enc-messaging-key").inputs.policy);
        assert.deepEqual(s.AllowSesEvents.Principal, { Service: "ses.amazonaws.com" });
        assert.deepEqual(s.AllowSesEvents.Action, ["kms:Decrypt", "kms:GenerateDataKey"]);
        assert.deepEqual(s.AllowSesEvents.Condition, {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:ses:${R}:${ACCOUNT}:configuration-set/*` },
        });
        assert.ok(!("AllowSesEvents" in statementsBySid(one("aws:kms/key:Key", "enc-data-key").inputs.policy)));
    });

    it("rejects bad arguments, naming them", function () {
        assert.throws(
            () => new mod.Email("x1", { ...base, domain: "Not A Domain" }),
            /Email: argument "domain" is "Not A Domain"; allowed: a lower-case DNS domain/,
        );
        assert.throws(() => new mod.Email("x2", { ...base, configurationSetName: "a b" }), /Email: argument "configurationSetName" is "a b"/);
        assert.throws(
            () => new mod.Email("x3", { ...base, bounceRate: { warning: 0.1, critical: 0.05 } }),
            /Email: argument "bounceRate.warning" is 0.1; allowed: below bounceRate.critical/,
        );
        assert.throws(
            () => new mod.Email("x4", { ...base, complaintRate: { warning: 0.001, critical: 5 } }),
            /Email: argument "complaintRate.critical" is 5; allowed: a fraction between 0 and 1/,
        );
    });
});
