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
        new comps.Encryption("recovery", { context: ctx, recoveryAccounts: ["210987654321"] });
        // A stack whose escalated tier has mailboxes of its own, and no pager.
        new comps.Alerting("tiered", {
            context: testContext("prod"),
            kmsKeyArn: enc.messagingKeyArn,
            emails: ["a@example.com", "b@example.com"],
            escalationEmails: ["lead@example.com"],
            escalationMinutes: 15,
        });
        await run.settle();
    });

    describe("Encryption", function () {
        it("creates one rotating key per data class with a 30-day deletion window, protected on request", function () {
            const keys = run.ofType("aws:kms/key:Key").filter((k) => k.name.startsWith("enc-"));
            assert.deepEqual(keys.map((k) => k.name).sort(), ["enc-data-key", "enc-logs-key", "enc-messaging-key"]);
            for (const k of keys) {
                assert.equal(k.inputs.enableKeyRotation, true, k.name);
                assert.equal(k.inputs.deletionWindowInDays, 30, k.name);
                assert.equal(k.protect, true, k.name);
                assert.equal(k.parentUrn.split("::").pop(), "enc");
            }
            assert.equal(run.ofType("aws:kms/alias:Alias").filter((a) => a.name.startsWith("enc-")).length, 3);
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
            assert.deepEqual(Object.keys(policy("messaging")).sort(), [
                "AllowCloudWatchAlarms",
                "AllowGrantsForAwsResources",
                "AllowSnsDelivery",
                "KeyAdministration",
            ]);
            assert.ok(!("AllowPlatformRoles" in policy("logs")), "no role uses the logs key");
        });

        it("lets a recovery account read its copies with the data key, and no other key, only through grants for AWS resources", function () {
            const policy = (name: string) => statementsBySid(run.one("aws:kms/key:Key", name).inputs.policy);
            const data = policy("recovery-data-key");
            assert.deepEqual(data.AllowRecoveryAccountCopies, {
                Sid: "AllowRecoveryAccountCopies",
                Effect: "Allow",
                Principal: { AWS: ["arn:aws:iam::210987654321:root"] },
                Action: ["kms:Decrypt", "kms:DescribeKey"],
                Resource: "*",
            });
            assert.deepEqual(data.AllowRecoveryAccountGrants.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
            assert.deepEqual(list(data.AllowRecoveryAccountGrants.Action), ["kms:CreateGrant"]);
            for (const cls of ["logs", "messaging"]) {
                assert.ok(!JSON.stringify(run.one("aws:kms/key:Key", `recovery-${cls}-key`).inputs.policy).includes("210987654321"), cls);
            }
            assert.ok(!("AllowRecoveryAccountCopies" in policy("enc-data-key")), "only where a recovery account is named");
        });

        it("refuses a recovery account that is not another 12-digit account, naming the argument", function () {
            for (const bad of ["21098765432", ACCOUNT]) {
                assert.throws(
                    () => new comps.Encryption(`bad-${bad}`, { context: testContext(), recoveryAccounts: [bad] }),
                    new RegExp(`Encryption: argument "recoveryAccounts\\[0\\]" is "${bad}"; allowed: the 12-digit id of another account`),
                );
            }
        });

        it("rejects an unknown data class in keyUsers, naming the argument", function () {
            assert.throws(
                () => new comps.Encryption("bad", { context: testContext(), keyUsers: { secrets: [] } as never }),
                /Encryption: argument "keyUsers" is "secrets"; allowed keys: data, logs, messaging/,
            );
        });
    });

    describe("Alerting", function () {
        it("creates critical, warning, info and escalation topics, KMS-encrypted and tagged with their tier", function () {
            for (const sev of ["critical", "warning", "info", "escalation"]) {
                const t = run.one("aws:sns/topic:Topic", `alerts-${sev}`);
                assert.equal(t.inputs.name, `platform-dev-alerts-${sev}`);
                assert.equal(t.inputs.tags.severity, sev);
                assert.deepEqual(t.propertyDependencies.kmsMasterKeyId, [run.one("aws:kms/key:Key", "enc-messaging-key").urn]);
            }
        });

        /** Who each topic of one Alerting reaches: topic name suffix -> sorted endpoints. */
        const subscribers = (alerting: string) => {
            const byTopic: Record<string, string[]> = {};
            for (const s of run.ofType("aws:sns/topicSubscription:TopicSubscription").filter((x) => x.name.startsWith(`${alerting}-`))) {
                const topic = run.resources.find((r) => r.urn === s.propertyDependencies.topic[0]);
                const tier = String(topic?.inputs.tags.severity);
                (byTopic[tier] ??= []).push(`${s.inputs.protocol}:${s.inputs.protocol === "https" ? "pager" : s.inputs.endpoint}`);
            }
            return Object.fromEntries(Object.entries(byTopic).map(([k, v]) => [k, v.sort()]));
        };

        it("subscribes the mailboxes to every severity topic; the pager to critical and escalation; escalation falls back to the mailboxes", function () {
            const team = ["email:a@example.com", "email:b@example.com"];
            assert.deepEqual(subscribers("alerts"), {
                critical: [...team, "https:pager"],
                warning: team,
                info: team,
                // No escalationEmails: the first line's mailboxes, so an escalation is never sent to nobody.
                escalation: [...team, "https:pager"],
            });
            assert.ok(
                run
                    .ofType("aws:sns/topicSubscription:TopicSubscription")
                    .filter((s) => s.inputs.protocol === "https")
                    .every((s) => s.inputs.endpointAutoConfirms === true),
            );
        });

        it("with escalationEmails, the escalation topic reaches that tier only, and the first line's topics do not", function () {
            const team = ["email:a@example.com", "email:b@example.com"];
            assert.deepEqual(subscribers("tiered"), { critical: team, warning: team, info: team, escalation: ["email:lead@example.com"] });
            assert.equal(run.one("aws:sns/topic:Topic", "tiered-escalation").inputs.name, "platform-prod-alerts-escalation");
        });

        it("topic policies deny non-TLS publishing and let only CloudWatch in this account publish", function () {
            for (const sev of ["critical", "warning", "info", "escalation"]) {
                const s = statementsBySid(run.one("aws:sns/topicPolicy:TopicPolicy", `alerts-${sev}-policy`).inputs.policy);
                assert.equal(s.DenyInsecureTransport.Effect, "Deny");
                assert.deepEqual(s.DenyInsecureTransport.Condition, { Bool: { "aws:SecureTransport": "false" } });
                assert.deepEqual(s.AllowCloudWatchAlarms.Principal, { Service: "cloudwatch.amazonaws.com" });
                assert.deepEqual(s.AllowCloudWatchAlarms.Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT } });
            }
        });

        it("watches each topic's delivery failures on another topic, and escalates warnings to the escalation topic only", function () {
            const topicUrn = (sev: string) => run.one("aws:sns/topic:Topic", `alerts-${sev}`).urn;
            const routes = (name: string) => run.one("aws:cloudwatch/metricAlarm:MetricAlarm", name).propertyDependencies.alarmActions;
            assert.deepEqual(routes("alerts-critical-delivery-failures"), [topicUrn("warning")]);
            assert.deepEqual(routes("alerts-warning-delivery-failures"), [topicUrn("critical")]);
            assert.deepEqual(routes("alerts-info-delivery-failures"), [topicUrn("warning")]);
            // The escalated tier's topic failing to deliver is critical: the first line must fix its subscriptions.
            assert.deepEqual(routes("alerts-escalation-delivery-failures"), [topicUrn("critical")]);
            // Warning alarms have a twin that notifies the escalation topic (not critical: its mailboxes had the warning).
            const twin = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alerts-critical-delivery-failures-escalated");
            assert.deepEqual(twin.propertyDependencies.alarmActions, [topicUrn("escalation")]);
            assert.deepEqual(twin.propertyDependencies.okActions, [topicUrn("escalation")]);
            assert.equal(twin.inputs.tags.severity, "escalation");
            assert.match(twin.inputs.alarmDescription, /^\[escalation\] Warning unresolved: breaching for 30 minutes\. /);
            assert.equal(twin.inputs.evaluationPeriods * twin.inputs.period, 30 * 60);
            assert.equal(twin.inputs.datapointsToAlarm, twin.inputs.evaluationPeriods);
            const own = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("alerts-"));
            assert.equal(own.length, 6);
            // Only twins notify the escalation topic; every twin notifies it and nothing else.
            const toEscalation = run
                .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                .filter((a) =>
                    (a.propertyDependencies.alarmActions ?? []).some(
                        (u) => u.endsWith("$aws:sns/topic:Topic::alerts-escalation") || u.endsWith("$aws:sns/topic:Topic::tiered-escalation"),
                    ),
                );
            const twins = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.endsWith("-escalated"));
            assert.deepEqual(twins.map((a) => a.name).sort(), [
                "alerts-critical-delivery-failures-escalated",
                "alerts-info-delivery-failures-escalated",
                "tiered-critical-delivery-failures-escalated",
                "tiered-info-delivery-failures-escalated",
            ]);
            assert.deepEqual(toEscalation.map((a) => a.name).sort(), twins.map((a) => a.name).sort());
            for (const a of run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
                assert.equal(a.inputs.actionsEnabled, true);
                assert.deepEqual(a.inputs.okActions, a.inputs.alarmActions, `${a.name} sends OK where it sends ALARM`);
            }
        });

        it("validates its arguments, naming the argument", function () {
            const base = { context: testContext(), kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", emails: ["a@example.com"], escalationMinutes: 30 };
            assert.throws(() => new comps.Alerting("x1", { ...base, emails: [] }), /argument "emails" .*at least one email/);
            assert.throws(() => new comps.Alerting("x2", { ...base, emails: ["nope"] }), /argument "emails" is "nope"/);
            assert.throws(
                () => new comps.Alerting("x3", { ...base, escalationMinutes: 2 }),
                /argument "escalationMinutes" is 2; allowed: a whole number from 5 to 1440/,
            );
            assert.throws(() => new comps.Alerting("x4", { ...base, hasPager: true }), /argument "pagerUrl"/);
            assert.throws(
                () => new comps.Alerting("x5", { ...base, escalationEmails: ["lead@example.com", "on call"] }),
                /Alerting: argument "escalationEmails" is "on call"; allowed: email addresses/,
            );
        });
    });
});
