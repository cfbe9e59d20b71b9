// CloudWatch Logs (44, 45) and alarms (46, 47).
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const LOG = "aws:cloudwatch/logGroup:LogGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUB = "aws:sns/topicSubscription:TopicSubscription";

describe("policies: CloudWatch Logs", () => {
    describe("log-group-retention", () => {
        it("reports missing retention (mandatory everywhere)", () => {
            expect(summary(checkResource("log-group-retention", { type: LOG, name: "lg", props: {} }))).to.deep.equal(["lg:mandatory"]);
        });
        it("applies minimumRetentionDays from config", () => {
            const lg: Res = { type: LOG, name: "lg", props: { retentionInDays: 30 } };
            expect(checkResource("log-group-retention", lg)).to.deep.equal([]);
            expect(checkResource("log-group-retention", lg, { config: { minimumRetentionDays: 365 } })[0].message).to.contain(
                "retentionInDays is 30, expected >= 365",
            );
        });
        it("reports 0 (never expire) as it reports no retention", () =>
            expect(
                summary(
                    checkResource("log-group-retention", { type: LOG, name: "lg", props: { retentionInDays: 0 } }, { config: { minimumRetentionDays: 365 } }),
                ),
            ).to.deep.equal(["lg:mandatory"]));
    });
    it("log-group-kms reports a log group without a key and accepts an unknown key ARN", () => {
        expect(checkResource("log-group-kms", { type: LOG, name: "lg", props: {} })[0].message).to.contain("kmsKeyId is not set");
        expect(checkResource("log-group-kms", { type: LOG, name: "lg", props: { kmsKeyId: U } })).to.deep.equal([]);
    });
});

describe("policies: CloudWatch alarms", () => {
    describe("alarm-has-action", () => {
        it("reports no actions and disabled actions on metric and composite alarms", () => {
            expect(summary(checkResource("alarm-has-action", { type: ALARM, name: "a", props: { alarmActions: [] } }))).to.deep.equal(["a:mandatory"]);
            expect(
                checkResource("alarm-has-action", {
                    type: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
                    name: "c",
                    props: { alarmActions: [U], actionsEnabled: false },
                })[0].message,
            ).to.contain("actionsEnabled is false");
        });
        it("accepts an unknown topic ARN as an action", () =>
            expect(checkResource("alarm-has-action", { type: ALARM, name: "a", props: { alarmActions: [U] } })).to.deep.equal([]));
    });

    describe("alarm-routes-to-severity-topic (stack)", () => {
        const topic = (name: string, tags: Record<string, string>, props: Record<string, unknown> = { kmsMasterKeyId: U }): Res => ({
            type: TOPIC,
            name,
            props: { ...props, tags },
        });
        const sub = (of: string): Res => ({
            type: SUB,
            name: `${of}-sub`,
            props: { topic: U, protocol: "email", endpoint: "x@example.com" },
            deps: { topic: [of] },
        });
        const alarm = (to: string): Res => ({ type: ALARM, name: `alarm-to-${to}`, props: { alarmActions: [U] }, deps: { alarmActions: [to] } });
        it("reports an alarm routed to an untagged topic, at mandatory with unknown ARNs", () => {
            const vs = check("alarm-routes-to-severity-topic", [topic("plain", {}), sub("plain"), alarm("plain")], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["alarm-to-plain:mandatory"]);
            expect(vs[0].message).to.contain('goes to topic(s) "plain", none tagged severity=critical|warning|info');
        });
        it("reports an alarm whose action is a literal ARN from outside the stack", () => {
            const a: Res = { type: ALARM, name: "ext", props: { alarmActions: ["arn:aws:sns:us-east-1:1:ops"] } };
            expect(check("alarm-routes-to-severity-topic", [a])[0].message).to.contain("does not resolve to any SNS topic of this stack");
        });
        describe("in a consumer stack, with topics read through a StackReference", () => {
            const ref: Res = { type: "pulumi:pulumi:StackReference", name: "platform", props: { name: "acme/platform/dev", outputs: U } };
            const routed = (action: unknown): Res => ({
                type: ALARM,
                name: "consumer-dlq",
                props: { alarmActions: [action] },
                deps: { alarmActions: ["platform"] },
            });
            it("accepts a topic ARN named for a configured severity, or one not known yet", () => {
                expect(check("alarm-routes-to-severity-topic", [ref, routed("arn:aws:sns:eu-west-1:123456789012:platform-dev-alerts-warning")])).to.deep.equal(
                    [],
                );
                expect(check("alarm-routes-to-severity-topic", [ref, routed(U)])).to.deep.equal([]);
            });
            it("does not require severity topics of its own when every alarm routes to referenced ones", () => {
                const required = { config: { requiredSeverities: ["critical", "warning"] } };
                const toWarning = routed("arn:aws:sns:eu-west-1:123456789012:platform-dev-alerts-warning");
                expect(check("alarm-routes-to-severity-topic", [ref, toWarning], required)).to.deep.equal([]);
                const own = { type: ALARM, name: "own", props: { alarmActions: [U] }, deps: { alarmActions: ["critical"] } };
                const mixed = [
                    ref,
                    toWarning,
                    { type: TOPIC, name: "critical", props: { kmsMasterKeyId: U, tags: { severity: "critical" } } },
                    sub("critical"),
                    own,
                ];
                const vs = check("alarm-routes-to-severity-topic", mixed, required);
                expect(vs.length).to.equal(1);
                expect(vs[0].message).to.contain("has no warning severity topic");
            });
            it("reports a referenced topic that is not a severity topic", () => {
                const vs = check("alarm-routes-to-severity-topic", [ref, routed("arn:aws:sns:eu-west-1:123456789012:platform-dev-events")], {
                    level: "mandatory",
                });
                expect(summary(vs)).to.deep.equal(["consumer-dlq:mandatory"]);
            });
        });
        it("reports a severity topic that is unencrypted, unsubscribed or has an unknown severity", () => {
            const vs = check("alarm-routes-to-severity-topic", [
                topic("critical", { severity: "critical" }, {}),
                topic("odd", { severity: "urgent" }),
                sub("odd"),
            ]);
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal(["kmsMasterKeyId", "(TopicSubscription)", "tags.severity"]);
        });
        it("accepts alarms to encrypted, subscribed severity topics; config sets the tag key, values and required severities", () => {
            const ok = [topic("critical", { severity: "critical" }), sub("critical"), alarm("critical")];
            expect(check("alarm-routes-to-severity-topic", ok)).to.deep.equal([]);
            expect(check("alarm-routes-to-severity-topic", ok, { config: { requiredSeverities: ["critical", "warning"] } })[0].message).to.contain(
                "has no warning severity topic",
            );
            const custom = [topic("p1", { tier: "p1" }), sub("p1"), alarm("p1")];
            expect(check("alarm-routes-to-severity-topic", custom, { config: { severityTagKey: "tier", severityValues: ["p1"] } })).to.deep.equal([]);
        });
        it("accepts an escalation twin routed to the escalation topic, which it holds to the same encryption and subscription checks", () => {
            const escalation = (props?: Record<string, unknown>) => topic("alerts-escalation", { severity: "escalation" }, props);
            const ok = [escalation(), sub("alerts-escalation"), alarm("alerts-escalation")];
            expect(check("alarm-routes-to-severity-topic", ok, { level: "mandatory" })).to.deep.equal([]);
            const unsubscribed = check("alarm-routes-to-severity-topic", [escalation({}), alarm("alerts-escalation")], { level: "mandatory" });
            expect(summary(unsubscribed)).to.deep.equal(["alerts-escalation:mandatory", "alerts-escalation:mandatory"]);
            expect(unsubscribed.map((v) => v.message).join("\n")).to.contain("is the escalation severity topic but has no aws.sns.TopicSubscription");
        });
    });
});
