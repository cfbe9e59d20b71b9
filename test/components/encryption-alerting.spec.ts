import { strict as assert } from "node:assert";
import { ACCOUNT, MockRun, installMocks, list, statementsBySid, testContext } from "./harness";

describe("Encryption and Alerting components", function () {
    let run: MockRun;
    let comps: typeof import("../../components/encryption") & typeof import("../../components/alerting");

    before(async function () {
        run = installMocks();
        comps = { ...(await import("../../components/encryption")), ...(await import("../../components/alerting")) };
        const ctx = testContext();
        const enc = new comps.Encryption("enc", {
            context: ctx,
            protect: true,
            keyUsers: { data: [`arn:aws:iam::${ACCOUNT}:role/platform-dev-api`] },
        });
        new comps.Alerting("alerts", {
            context: ctx,
            kmsKeyArn: enc.messagingKeyArn,
            emails: ["a@example.com", "b@example.com"],
            pagerUrl: "https://events.pager.example.com/integration/abc",
            hasPager: true,
            escalationMinutes: 30,
        });
        await run.settle();
    });

    describe("Encryption", function () {
        it("creates one rotating key per data class with a 30-day deletion window, protected on request", function () {
            const keys = run.ofType("aws:kms/key:Key");
            assert.deepEqual(keys.map((k) => k.name).sort(), ["enc-data-key", "enc-logs-key", "enc-messaging-key"]);
            for (const k of keys) {
                assert.equal(k.inputs.enableKeyRotation, true, k.name);
                assert.equal(k.inputs.deletionWindowInDays, 30, k.name);
                assert.equal(k.protect, true, k.name);
                assert.equal(k.parentUrn.split("::").pop(), "enc");
            }
            assert.equal(run.ofType("aws:kms/alias:Alias").length, 3);
        });

        it("key policies: no * principal, no kms:*, services only on their class, roles only where listed", function () {
            const policy = (cls: string) => statementsBySid(run.one("aws:kms/key:Key", `enc-${cls}-key`).inputs.policy);
            for (const cls of ["data", "logs", "messaging"]) {
                for (const s of Object.values(policy(cls))) {
                    assert.notEqual(s.Principal, "*");
                    assert.ok(!list(s.Action).includes("kms:*"), `${cls}: kms:* found`);
                }
            }
            assert.deepEqual(Object.keys(policy("data")).sort(), ["AllowGrantsForAwsResources", "AllowPlatformRoles", "KeyAdministration"]);
            assert.deepEqual(policy("data").AllowPlatformRoles.Condition, {
                ArnEquals: { "aws:PrincipalArn": [`arn:aws:iam::${ACCOUNT}:role/platform-dev-api`] },
            });
            const logs = policy("logs").AllowCloudWatchLogs;
            assert.deepEqual(logs.Principal, { Service: "logs.eu-west-1.amazonaws.com" });
            assert.deepEqual(logs.Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*` } });
            assert.deepEqual(Object.keys(policy("messaging")).sort(), ["AllowCloudWatchAlarms", "AllowGrantsForAwsResources", "AllowSnsDelivery", "KeyAdministration"]);
            assert.ok(!("AllowPlatformRoles" in policy("logs")), "no role uses the logs key");
        });

        it("rejects an unknown data class in keyUsers, naming the argument", function () {
            assert.throws(
                () => new comps.Encryption("bad", { context: testContext(), keyUsers: { secrets: [] } as never }),
                /Encryption: argument "keyUsers" is "secrets"; allowed keys: data, logs, messaging/,
            );
        });
    });

    describe("Alerting", function () {
        it("creates critical, warning and info topics, KMS-encrypted and tagged with their severity", function () {
            for (const sev of ["critical", "warning", "info"]) {
                const t = run.one("aws:sns/topic:Topic", `alerts-${sev}`);
                assert.equal(t.inputs.tags.severity, sev);
                assert.deepEqual(t.propertyDependencies.kmsMasterKeyId, [run.one("aws:kms/key:Key", "enc-messaging-key").urn]);
            }
        });

        it("subscribes every mailbox to every topic and the pager to critical only", function () {
            const subs = run.ofType("aws:sns/topicSubscription:TopicSubscription");
            assert.equal(subs.filter((s) => s.inputs.protocol === "email").length, 6);
            const pager = subs.filter((s) => s.inputs.protocol === "https");
            assert.deepEqual(pager.map((s) => s.name), ["alerts-critical-pager"]);
            assert.deepEqual(pager[0].propertyDependencies.topic, [run.one("aws:sns/topic:Topic", "alerts-critical").urn]);
        });

        it("topic policies deny non-TLS publishing and let only CloudWatch in this account publish", function () {
            for (const sev of ["critical", "warning", "info"]) {
                const s = statementsBySid(run.one("aws:sns/topicPolicy:TopicPolicy", `alerts-${sev}-policy`).inputs.policy);
                assert.equal(s.DenyInsecureTransport.Effect, "Deny");
                assert.deepEqual(s.DenyInsecureTransport.Condition, { Bool: { "aws:SecureTransport": "false" } });
                assert.deepEqual(s.AllowCloudWatchAlarms.Principal, { Service: "cloudwatch.amazonaws.com" });
                assert.deepEqual(s.AllowCloudWatchAlarms.Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT } });
            }
        });

        it("watches each topic's delivery failures on another topic, and escalates warnings to critical", function () {
            const topicUrn = (sev: string) => run.one("aws:sns/topic:Topic", `alerts-${sev}`).urn;
            const routes = (name: string) => run.one("aws:cloudwatch/metricAlarm:MetricAlarm", name).propertyDependencies.alarmActions;
            assert.deepEqual(routes("alerts-critical-delivery-failures"), [topicUrn("warning")]);
            assert.deepEqual(routes("alerts-warning-delivery-failures"), [topicUrn("critical")]);
            assert.deepEqual(routes("alerts-info-delivery-failures"), [topicUrn("warning")]);
            // Warning alarms have a twin that pages critical after escalationMinutes of breaching.
            const twin = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alerts-critical-delivery-failures-escalated");
            assert.deepEqual(twin.propertyDependencies.alarmActions, [topicUrn("critical")]);
            assert.deepEqual(twin.propertyDependencies.okActions, [topicUrn("critical")]);
            assert.equal(twin.inputs.evaluationPeriods * twin.inputs.period, 30 * 60);
            assert.equal(twin.inputs.datapointsToAlarm, twin.inputs.evaluationPeriods);
            assert.equal(run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 5);
            for (const a of run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
                assert.equal(a.inputs.actionsEnabled, true);
                assert.deepEqual(a.inputs.okActions, a.inputs.alarmActions, `${a.name} sends OK where it sends ALARM`);
            }
        });

        it("validates its arguments, naming the argument", function () {
            const base = { context: testContext(), kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", emails: ["a@example.com"], escalationMinutes: 30 };
            assert.throws(() => new comps.Alerting("x1", { ...base, emails: [] }), /argument "emails" .*at least one email/);
            assert.throws(() => new comps.Alerting("x2", { ...base, emails: ["nope"] }), /argument "emails" is "nope"/);
            assert.throws(() => new comps.Alerting("x3", { ...base, escalationMinutes: 2 }), /argument "escalationMinutes" is 2; allowed: a whole number from 5 to 1440/);
            assert.throws(() => new comps.Alerting("x4", { ...base, hasPager: true }), /argument "pagerUrl"/);
        });
    });
});
