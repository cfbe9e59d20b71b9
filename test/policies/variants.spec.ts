// Variants of existing rules that looked compliant to them (issue 12): a log group that never expires,
// CloudFront's default certificate, alarm topics on the AWS managed SNS key, SQS mappings that send a
// whole batch back on one failure.
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const LOG = "aws:cloudwatch/logGroup:LogGroup";
const DIST = "aws:cloudfront/distribution:Distribution";
const TOPIC = "aws:sns/topic:Topic";
const SUB = "aws:sns/topicSubscription:TopicSubscription";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ESM = "aws:lambda/eventSourceMapping:EventSourceMapping";
const QUEUE = "aws:sqs/queue:Queue";

const finding = (vs: { message: string }[]) => vs.map((v) => v.message.split("\n").pop() ?? "");

describe("policies: variants of existing rules", () => {
    describe("log-group-retention: retentionInDays 0", () => {
        const lg = (retentionInDays: unknown): Res => ({ type: LOG, name: "lg", props: { retentionInDays } });
        it("reports an explicit 0 (never expire) like an unset retention, naming the value and the minimum", () => {
            const vs = checkResource("log-group-retention", lg(0), { config: { minimumRetentionDays: 30 } });
            expect(summary(vs)).to.deep.equal(["lg:mandatory"]);
            expect(finding(vs)[0])
                .to.contain("retentionInDays is 0, which keeps the logs forever (never expire), expected >= 30")
                .and.contain("Fix: set retentionInDays to at least 30");
            expect(summary(checkResource("log-group-retention", lg("0")))).to.deep.equal(["lg:mandatory"]);
        });
        it("accepts 1 day where the minimum is 1, and still defers an unknown value", () => {
            expect(checkResource("log-group-retention", lg(1), { config: { minimumRetentionDays: 1 } })).to.deep.equal([]);
            expect(checkResource("log-group-retention", lg(U)).map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal(["advisory true"]);
        });
    });

    describe("cf-viewer-tls: CloudFront's default certificate", () => {
        const dist = (viewerCertificate: Record<string, unknown>, aliases: string[] = []): Res => ({
            type: DIST,
            name: "cdn",
            props: { enabled: true, aliases, viewerCertificate },
        });
        it("reports the default certificate whatever minimumProtocolVersion says: mandatory with allowDefaultCertificate false (staging, prod)", () => {
            const vs = checkResource("cf-viewer-tls", dist({ cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1.2_2021" }), {
                config: { allowDefaultCertificate: false },
            });
            expect(summary(vs)).to.deep.equal(["cdn:mandatory"]);
            expect(finding(vs)[0]).to.contain(
                'viewerCertificate.cloudfrontDefaultCertificate is true: on CloudFront\'s default *.cloudfront.net certificate viewers can connect with TLSv1 (minimumProtocolVersion "TLSv1.2_2021" does not apply to it)',
            );
        });
        it("is advisory only where allowDefaultCertificate (dev, and the built-in default)", () => {
            expect(summary(checkResource("cf-viewer-tls", dist({ cloudfrontDefaultCertificate: true })))).to.deep.equal(["cdn:advisory"]);
            expect(
                summary(
                    checkResource("cf-viewer-tls", dist({ cloudfrontDefaultCertificate: true }), {
                        config: { allowDefaultCertificate: true },
                        level: "mandatory",
                    }),
                ),
            ).to.deep.equal(["cdn:advisory"]);
        });
        it("still reports aliases on the default certificate as mandatory, allowDefaultCertificate or not", () => {
            expect(summary(checkResource("cf-viewer-tls", dist({ cloudfrontDefaultCertificate: true }, ["www.example.com"])))).to.deep.equal(["cdn:mandatory"]);
        });
        it("defers a viewerCertificate unknown in this preview rather than taking it for the default certificate", () => {
            for (const vc of [U, { cloudfrontDefaultCertificate: U }]) {
                const vs = checkResource(
                    "cf-viewer-tls",
                    { type: DIST, name: "cdn", props: { enabled: true, viewerCertificate: vc } },
                    { config: { allowDefaultCertificate: false } },
                );
                expect(vs.map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal(["advisory true"]);
            }
        });
        it("accepts an ACM certificate at TLSv1.2_2021", () => {
            expect(
                checkResource(
                    "cf-viewer-tls",
                    dist({ acmCertificateArn: U, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }, ["www.example.com"]),
                    {
                        config: { allowDefaultCertificate: false },
                    },
                ),
            ).to.deep.equal([]);
        });
    });

    describe("alarm-routes-to-severity-topic: topics on the AWS managed key alias/aws/sns", () => {
        const topic = (name: string, kmsMasterKeyId: unknown, tags: Record<string, string> = {}): Res => ({
            type: TOPIC,
            name,
            props: { kmsMasterKeyId, tags },
        });
        const sub = (of: string): Res => ({
            type: SUB,
            name: `${of}-sub`,
            props: { topic: U, protocol: "email", endpoint: "oncall@example.com" },
            deps: { topic: [of] },
        });
        const alarm = (name: string, deps: Record<string, string[]>): Res => ({
            type: ALARM,
            name,
            props: { namespace: "AWS/Lambda", metricName: "Errors", alarmActions: [U], okActions: deps.okActions ? [U] : undefined },
            deps,
        });
        const run = (rs: Res[]) => check("alarm-routes-to-severity-topic", rs, { level: "mandatory" });

        it("reports a severity topic on alias/aws/sns, in alias and ARN form", () => {
            for (const key of ["alias/aws/sns", "arn:aws:kms:us-east-1:123456789012:alias/aws/sns"]) {
                const vs = run([topic("critical", key, { severity: "critical" }), sub("critical"), alarm("errors", { alarmActions: ["critical"] })]);
                expect(summary(vs)).to.deep.equal(["critical:mandatory"]);
                expect(finding(vs)[0])
                    .to.contain(`kmsMasterKeyId is ${JSON.stringify(key)}, the AWS managed key for SNS, whose key policy does not let CloudWatch use it`)
                    .and.contain("as the critical severity topic");
            }
        });
        it("reports any topic an alarm action (alarm or OK) points to on that key, once, beside a CMK topic that is fine", () => {
            const vs = run([
                topic("critical", U, { severity: "critical" }),
                sub("critical"),
                topic("team", "alias/aws/sns"),
                alarm("errors", { alarmActions: ["critical", "team"] }),
                alarm("latency", { alarmActions: ["critical"], okActions: ["team"] }),
            ]);
            expect(summary(vs)).to.deep.equal(["team:mandatory"]);
            expect(finding(vs)[0]).to.contain('as the action topic of alarm "errors"');
        });
        it("accepts a customer managed key (known or not) and ignores a topic no alarm uses", () => {
            const ok = [
                topic("critical", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", { severity: "critical" }),
                sub("critical"),
                topic("events", "alias/aws/sns"),
                alarm("errors", { alarmActions: ["critical"] }),
            ];
            expect(run(ok)).to.deep.equal([]);
            expect(
                run([topic("critical", "alias/platform-alerts", { severity: "critical" }), sub("critical"), alarm("errors", { alarmActions: ["critical"] })]),
            ).to.deep.equal([]);
        });
    });

    describe("lambda-esm-failure-handling: SQS mappings without ReportBatchItemFailures", () => {
        const esm = (props: Record<string, unknown>, deps?: Record<string, string[]>): Res => ({
            type: ESM,
            name: "m",
            props: { functionName: U, ...props },
            deps,
        });
        const queue: Res = { type: QUEUE, name: "jobs", props: { name: "jobs" } };
        it("reports an SQS mapping by its queue ARN: advisory by default (dev), mandatory where the rule is", () => {
            const m = esm({ eventSourceArn: "arn:aws:sqs:us-east-1:123456789012:jobs", batchSize: 10 });
            expect(summary(checkResource("lambda-esm-failure-handling", m))).to.deep.equal(["m:advisory"]);
            const vs = checkResource("lambda-esm-failure-handling", m, { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["m:mandatory"]);
            expect(finding(vs)[0]).to.contain('functionResponseTypes is not set, expected ["ReportBatchItemFailures"] on an SQS mapping');
        });
        it("reports a mapping whose unknown eventSourceArn comes from an aws.sqs.Queue (stack part), once", () => {
            const vs = check("lambda-esm-failure-handling", [queue, esm({ eventSourceArn: U, functionResponseTypes: [] }, { eventSourceArn: ["jobs"] })], {
                level: "mandatory",
            });
            expect(summary(vs)).to.deep.equal(["m:mandatory"]);
        });
        it("accepts ReportBatchItemFailures, and leaves an unknown source that is no queue of the stack alone", () => {
            expect(
                check("lambda-esm-failure-handling", [
                    queue,
                    esm({ eventSourceArn: U, functionResponseTypes: ["ReportBatchItemFailures"] }, { eventSourceArn: ["jobs"] }),
                ]),
            ).to.deep.equal([]);
            expect(check("lambda-esm-failure-handling", [esm({ eventSourceArn: U })])).to.deep.equal([]);
            expect(
                checkResource("lambda-esm-failure-handling", esm({ eventSourceArn: "arn:aws:mq:us-east-1:123456789012:broker:b:b-1", queues: ["q"] })),
            ).to.deep.equal([]);
        });
        it("defers unknown functionResponseTypes on an SQS mapping", () => {
            const vs = checkResource(
                "lambda-esm-failure-handling",
                esm({ eventSourceArn: "arn:aws:sqs:us-east-1:123456789012:jobs", functionResponseTypes: U }),
            );
            expect(vs.map((v) => `${v.level} ${v.message.includes("can't run")}`)).to.deep.equal(["advisory true"]);
        });
    });
});
