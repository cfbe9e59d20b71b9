import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import {
    ADDED_IN_V1,
    CONTRACT_VERSION,
    PlatformContractError,
    PlatformOutputRefs,
    checkContractVersion,
    checkOutput,
    platformOutputsV1Schema,
    validatePlatformOutputs,
} from "../outputs";
import { sampleOutputs } from "./contract/sample";
import { previewCli, REPO } from "./preview/helpers";
import { ensurePackages } from "../tools/pack";
import type { PreviewReport } from "../tools/preview";

const STACK = "acme/platform/dev";
const CONSUMER = path.join(REPO, "examples", "consumer");

// Typed values at compile time: each key of the reader is an Output of exactly the contract's type.
type Expect<T extends true> = T;
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type ReaderTypes = [
    Expect<Equal<PlatformOutputRefs["eventTopicArn"], pulumi.Output<string>>>,
    Expect<Equal<PlatformOutputRefs["alertTopicArns"], pulumi.Output<{ critical: string; warning: string; info: string }>>>,
    Expect<Equal<PlatformOutputRefs["emailDkimRecords"], pulumi.Output<{ name: string; type: "CNAME"; value: string }[]>>>,
    Expect<Equal<PlatformOutputRefs["edgeCertificateValidationRecords"], pulumi.Output<{ name: string; type: "CNAME"; value: string }[]>>>,
];

function contractError(fn: () => unknown): string {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof PlatformContractError, `expected a PlatformContractError, got ${String(err)}`);
        return err.message;
    }
    assert.fail("expected a PlatformContractError, but nothing was thrown");
}

describe("the output contract (outputs.ts)", () => {
    it("publishes a MAJOR.MINOR version, and every output of contract 1 has a schema and a since-version", () => {
        assert.match(CONTRACT_VERSION, /^1\.\d+$/);
        assert.deepEqual(Object.keys(platformOutputsV1Schema.shape).sort(), Object.keys(ADDED_IN_V1).sort());
    });

    describe("contractVersion", () => {
        it("accepts any 1.x and returns its minor", () => {
            assert.equal(checkContractVersion(STACK, "1.0"), 0);
            assert.equal(checkContractVersion(STACK, "1.7"), 7);
        });

        it("rejects another major, naming the stack, the version found and the versions supported", () => {
            const msg = contractError(() => checkContractVersion(STACK, "2.0"));
            assert.match(
                msg,
                /Platform stack 'acme\/platform\/dev' publishes output contract 2\.0, which this reader does not support \(supported: 1\.x; this reader implements 1\.4\)/,
            );
            assert.match(msg, /Use the reader for contract 2\.x/);
            assert.match(
                contractError(() => checkContractVersion(STACK, "0.9")),
                /publishes output contract 0\.9.*supported: 1\.x/,
            );
        });

        it("rejects a missing or malformed version", () => {
            assert.match(
                contractError(() => checkContractVersion(STACK, undefined)),
                /has no 'contractVersion' output, so it predates the versioned output contract \(supported: 1\.x/,
            );
            assert.match(
                contractError(() => checkContractVersion(STACK, 1)),
                /output 'contractVersion': 1 is not a "MAJOR\.MINOR" version string/,
            );
            assert.match(
                contractError(() => checkContractVersion(STACK, "v1")),
                /"v1" is not a "MAJOR\.MINOR" version string/,
            );
        });
    });

    describe("output values", () => {
        it("accepts a complete set of valid outputs and returns them typed", () => {
            const outputs = validatePlatformOutputs(STACK, { ...sampleOutputs(), addedByALaterMinor: "ignored" });
            assert.equal(outputs.alertTopicArns.warning, "arn:aws:sns:eu-west-1:123456789012:platform-dev-alerts-warning");
            assert.equal(outputs.queues.email.dlqUrl, "https://sqs.eu-west-1.amazonaws.com/123456789012/platform-dev-messaging-email-dlq");
        });

        it("names both versions when a stack on an older minor lacks an output added since", () => {
            const { dashboardUrls: _added, ...onePointZero } = { ...sampleOutputs(), contractVersion: "1.0" };
            assert.match(
                contractError(() => validatePlatformOutputs(STACK, onePointZero)),
                /Platform stack 'acme\/platform\/dev' has no output 'dashboardUrls': it was added in contract 1\.1 and the stack publishes 1\.0\. Deploy a newer platform to that stack\./,
            );
            const { releaseHooks: _hooks, ...onePointOne } = { ...sampleOutputs(), contractVersion: "1.1" };
            assert.match(
                contractError(() => validatePlatformOutputs(STACK, onePointOne)),
                /has no output 'releaseHooks': it was added in contract 1\.2 and the stack publishes 1\.1\./,
            );
            const { edgeCertificateValidationRecords: _records, disasterRecovery: _dr, ...onePointTwo } = { ...sampleOutputs(), contractVersion: "1.2" };
            assert.match(
                contractError(() => validatePlatformOutputs(STACK, onePointTwo)),
                /has no output 'edgeCertificateValidationRecords': it was added in contract 1\.3 and the stack publishes 1\.2\./,
            );
            const { disasterRecovery: _recovery, ...onePointThree } = { ...sampleOutputs(), contractVersion: "1.3" };
            assert.match(
                contractError(() => validatePlatformOutputs(STACK, onePointThree)),
                /has no output 'disasterRecovery': it was added in contract 1\.4 and the stack publishes 1\.3\./,
            );
        });

        it("names the output key and what is wrong with a value", () => {
            const queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/platform-dev-events";
            assert.match(
                contractError(() => checkOutput(STACK, "eventTopicArn", queueUrl, 0)),
                /Platform stack 'acme\/platform\/dev' output 'eventTopicArn': "https:\/\/sqs[^"]+" must be an SNS topic ARN \(arn:aws:sns:<region>:<account>:<name>\)/,
            );
            assert.match(
                contractError(() => checkOutput(STACK, "tableName", 42, 0)),
                /output 'tableName': 42 is invalid: expected string, received number/,
            );
        });

        it("names the path inside an object output", () => {
            const queues = { email: { ...sampleOutputs().queues.email, dlqArn: "platform-dev-messaging-email-dlq" } };
            assert.match(
                contractError(() => checkOutput(STACK, "queues", queues, 0)),
                /output 'queues\.email\.dlqArn': "platform-dev-messaging-email-dlq" must be an SQS queue ARN/,
            );
            const records = [{ name: "a._domainkey.example.com", type: "TXT", value: "x" }];
            assert.match(
                contractError(() => checkOutput(STACK, "emailDkimRecords", records, 0)),
                /output 'emailDkimRecords\[0\]\.type': "TXT" is invalid: expected "CNAME"/,
            );
            const validation = [{ name: "_a1b2.shop.example.com", type: "CNAME", value: "" }];
            assert.match(
                contractError(() => checkOutput(STACK, "edgeCertificateValidationRecords", validation, 3)),
                /output 'edgeCertificateValidationRecords\[0\]\.value': "" must be a non-empty string/,
            );
            const { warning: _dropped, ...alerts } = sampleOutputs().alertTopicArns;
            assert.match(
                contractError(() => checkOutput(STACK, "alertTopicArns", alerts, 0)),
                /output 'alertTopicArns\.warning': undefined is invalid: expected string, received undefined/,
            );
        });

        it("reports a missing output as required by the stack's contract version", () => {
            const { vpcId: _dropped, ...rest } = sampleOutputs();
            assert.match(
                contractError(() => validatePlatformOutputs(STACK, rest)),
                /Platform stack 'acme\/platform\/dev' has no output 'vpcId', which contract 1\.4 requires/,
            );
        });

        it("checks the version before any value", () => {
            assert.match(
                contractError(() => validatePlatformOutputs(STACK, { ...sampleOutputs(), contractVersion: "2.0", apiUrl: 1 })),
                /publishes output contract 2\.0/,
            );
        });
    });

    // The reader runs inside a Pulumi program: the consumer example under the offline preview, its
    // StackReference answered from a file of outputs, the reader installed from its packed tarball.
    describe("platformOutputs(ref) in a program", function () {
        this.timeout(120_000);
        let dir: string;
        before(async () => {
            await ensurePackages();
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "outputs-spec-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const previewWith = async (outputs: Record<string, unknown>) => {
            const file = path.join(dir, `outputs-${Math.random().toString(36).slice(2)}.json`);
            fs.writeFileSync(file, JSON.stringify(outputs));
            return previewCli(["--cwd", CONSUMER, "--stack", "dev", "--mode", "update", "--stack-reference", `${STACK}=${file}`, "--json"]);
        };

        it("gives the program the referenced stack's values, typed as the contract says", async () => {
            const sample = sampleOutputs();
            const r = await previewWith({ ...sample });
            assert.equal(r.code, 0, r.stderr);
            const report = JSON.parse(r.stdout) as PreviewReport;
            const one = (type: string, name: string) => {
                const found = report.resources.find((x) => x.type === type && x.name === name);
                assert.ok(found, `${type} ${name} is in the report`);
                return found;
            };
            assert.equal(one("aws:sns/topicSubscription:TopicSubscription", "order-events").inputs.topic, sample.eventTopicArn);
            assert.equal(one("aws:sqs/queue:Queue", "order-events").inputs.kmsMasterKeyId, sample.kmsKeyArns.messaging);
            assert.deepEqual(one("aws:cloudwatch/metricAlarm:MetricAlarm", "order-events-dlq-depth").inputs.alarmActions, [sample.alertTopicArns.warning]);
            assert.equal(report.outputs.eventTopicArn, sample.eventTopicArn);
        });

        it("requires only the outputs the program reads", async () => {
            const s = sampleOutputs();
            const r = await previewWith({ contractVersion: "1.3", eventTopicArn: s.eventTopicArn, kmsKeyArns: s.kmsKeyArns, alertTopicArns: s.alertTopicArns });
            assert.equal(r.code, 0, r.stderr);
        });

        it("fails the program on another major version, naming the version found and those supported", async () => {
            const r = await previewWith({ ...sampleOutputs(), contractVersion: "2.0" });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /Platform stack 'acme\/platform\/dev' publishes output contract 2\.0, which this reader does not support \(supported: 1\.x/);
        });

        it("fails the program on a wrong value, naming the output key", async () => {
            const s = sampleOutputs();
            const r = await previewWith({ ...s, kmsKeyArns: { ...s.kmsKeyArns, messaging: "alias/platform-messaging" } });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /output 'kmsKeyArns\.messaging': "alias\/platform-messaging" must be a KMS key ARN/);
        });
    });
});
