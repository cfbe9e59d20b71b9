import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONTRACT_VERSION, validatePlatformOutputs } from "../../outputs";
import { ensurePackages } from "../../tools/pack";
import type { PreviewReport } from "../../tools/preview";
import { fixture, previewCli, REPO } from "./helpers";

const CONSUMER = path.join(REPO, "examples", "consumer");
const PLATFORM = "acme/platform/dev";

function resource(report: PreviewReport, type: string, name: string) {
    const found = report.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `${type} ${name} is in the report`);
    return found;
}

/**
 * StackReference under the offline preview: the platform's dev stack is previewed, its JSON report is the
 * referenced stack's state, and the consumer example reads the platform's outputs from it.
 */
describe("offline preview: StackReference", function () {
    this.timeout(180_000);
    let dir: string;
    let platformReport: string;
    let platform: PreviewReport;

    before(async () => {
        // The consumer reads the contract from the packed reader it installs (examples/consumer/package.json).
        await ensurePackages();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-reference-spec-"));
        const r = await previewCli(["--stack", "dev", "--mode", "update", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        platformReport = path.join(dir, "platform-dev.json");
        fs.writeFileSync(platformReport, r.stdout);
        platform = JSON.parse(r.stdout) as PreviewReport;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, content: unknown) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
        return file;
    };

    it("the platform's own outputs, with update-mode values, satisfy the output contract", () => {
        const outputs = validatePlatformOutputs(PLATFORM, platform.outputs);
        assert.equal(outputs.contractVersion, CONTRACT_VERSION);
        assert.match(
            outputs.dashboardUrls.security,
            /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#dashboards\/dashboard\/platform-dev-security$/,
        );
    });

    describe("the consumer example against the platform's dev report (update mode)", () => {
        let code: number;
        let stderr: string;
        let report: PreviewReport;

        before(async () => {
            const r = await previewCli([
                "--cwd",
                CONSUMER,
                "--stack",
                "dev",
                "--mode",
                "update",
                "--stack-reference",
                `${PLATFORM}=${platformReport}`,
                "--json",
            ]);
            code = r.code;
            stderr = r.stderr;
            report = JSON.parse(r.stdout) as PreviewReport;
        });

        it("passes the policy pack with no mandatory violation", () => {
            assert.equal(code, 0, stderr);
            assert.equal(report.project, "consumer");
            const mandatory = report.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => `${d.policyName} ${d.urn}`);
            assert.deepEqual(mandatory, []);
            assert.equal(report.summary.mandatory, 0);
            assert.equal(report.policyPacks[0]?.name, "platform-policies");
        });

        it("passes at prod's levels too: its alarms route to the platform's severity topics", async () => {
            const prodConfig = path.join(REPO, "policies", "config", "prod.json");
            const r = await previewCli([
                "--cwd",
                CONSUMER,
                "--stack",
                "dev",
                "--mode",
                "update",
                "--policy-pack-config",
                prodConfig,
                "--stack-reference",
                `${PLATFORM}=${platformReport}`,
                "--json",
            ]);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(
                (JSON.parse(r.stdout) as PreviewReport).diagnostics.map((d) => `${d.enforcementLevel} ${d.policyName}`),
                [],
            );
        });

        it("wires the platform's real values into the consumer's resources", () => {
            const outputs = platform.outputs as { eventTopicArn: string; kmsKeyArns: { messaging: string }; alertTopicArns: { warning: string } };
            assert.match(outputs.eventTopicArn, /^arn:aws:sns:eu-west-1:123456789012:/, "the platform report has a real topic ARN");
            assert.equal(resource(report, "aws:sns/topicSubscription:TopicSubscription", "order-events").inputs.topic, outputs.eventTopicArn);
            assert.equal(resource(report, "aws:sqs/queue:Queue", "order-events").inputs.kmsMasterKeyId, outputs.kmsKeyArns.messaging);
            assert.equal(resource(report, "aws:sqs/queue:Queue", "order-events-dlq").inputs.kmsMasterKeyId, outputs.kmsKeyArns.messaging);
            assert.deepEqual(resource(report, "aws:cloudwatch/metricAlarm:MetricAlarm", "order-events-dlq-depth").inputs.alarmActions, [
                outputs.alertTopicArns.warning,
            ]);
            const policy = JSON.parse(String(resource(report, "aws:sqs/queuePolicy:QueuePolicy", "order-events-queue-policy").inputs.policy)) as {
                Statement: { Condition?: { ArnEquals?: Record<string, string> } }[];
            };
            assert.equal(policy.Statement[0].Condition?.ArnEquals?.["aws:SourceArn"], outputs.eventTopicArn);
            assert.equal(report.outputs.eventTopicArn, outputs.eventTopicArn);
        });

        it("records the read as the engine does: a custom, external resource whose id is the stack name", () => {
            const ref = resource(report, "pulumi:pulumi:StackReference", "platform");
            assert.equal(ref.urn, "urn:pulumi:dev::consumer::pulumi:pulumi:StackReference::platform");
            assert.equal(ref.parent, "urn:pulumi:dev::consumer::pulumi:pulumi:Stack::consumer-dev");
            assert.equal(ref.custom, true);
            assert.equal(ref.external, true);
            assert.equal(ref.id, PLATFORM);
            assert.deepEqual(ref.inputs, { name: PLATFORM });
            assert.ok(report.resources.filter((r) => r !== ref).every((r) => !r.external && r.id === undefined));
        });
    });

    it("keeps a create-mode report's unknown outputs unknown to the consumer", async () => {
        const create = await previewCli(["--stack", "dev", "--json"]);
        assert.equal(create.code, 0, create.stderr);
        assert.equal((JSON.parse(create.stdout) as PreviewReport).outputs.eventTopicArn, "[unknown]");
        const r = await previewCli(["--cwd", CONSUMER, "--stack", "dev", "--stack-reference", `${PLATFORM}=${write("create.json", create.stdout)}`, "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout) as PreviewReport;
        assert.equal(resource(report, "aws:sns/topicSubscription:TopicSubscription", "order-events").inputs.topic, "[unknown]");
    });

    it("fails with exit 2 naming the stack reference and the flag to pass when no file is given for it", async () => {
        const r = await previewCli(["--cwd", CONSUMER, "--stack", "dev"]);
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            /StackReference 'platform' reads stack 'acme\/platform\/dev', whose outputs the offline preview does not have: pass --stack-reference acme\/platform\/dev=<file>/,
        );
        assert.equal(r.stdout, "");
    });

    it("names the stacks that were given when the program references another one", async () => {
        const r = await previewCli([
            "--cwd",
            CONSUMER,
            "--stack",
            "dev",
            "--stack-reference",
            `acme/platform/prod=${write("prod.json", { contractVersion: "1.0" })}`,
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /reads stack 'acme\/platform\/dev'.*\(stacks given: acme\/platform\/prod\)/);
    });

    describe("bad --stack-reference values", () => {
        const cases: [string, () => string[], RegExp][] = [
            ["no '='", () => ["acme/platform/dev"], /--stack-reference "acme\/platform\/dev" has no '=': expected <stack name>=<file>/],
            ["an empty file", () => ["acme/platform/dev="], /has an empty file: expected <stack name>=<file>/],
            [
                "a bad stack name",
                () => ["acme/plat form/dev=x.json"],
                /'acme\/plat form\/dev' is not a stack name; use <stack>, <project>\/<stack> or <org>\/<project>\/<stack>/,
            ],
            ["the same stack twice", () => ["a/b/c=x.json", "a/b/c=y.json"], /--stack-reference names stack 'a\/b\/c' twice/],
            [
                "an unreadable file",
                () => [`${PLATFORM}=${path.join(dir, "missing.json")}`],
                /--stack-reference acme\/platform\/dev=.*missing\.json: cannot read the file: ENOENT/,
            ],
            ["a file that is not JSON", () => [`${PLATFORM}=${write("bad.json", "{ outputs: ")}`], /bad\.json: the file is not JSON/],
            ["a file that is not an object", () => [`${PLATFORM}=${write("array.json", [1])}`], /array\.json: the file holds an array, not a JSON object/],
            ["an empty object", () => [`${PLATFORM}=${write("empty.json", {})}`], /empty\.json: the file holds no outputs/],
            [
                "a report without outputs",
                () => [`${PLATFORM}=${write("no-outputs.json", { project: "platform", stack: "dev", resources: [], outputs: {} })}`],
                /no-outputs\.json: the file is a preview report of platform\/dev without outputs/,
            ],
            [
                "another stack's report",
                () => [`${PLATFORM}=${write("staging.json", { project: "platform", stack: "staging", resources: [], outputs: { a: 1 } })}`],
                /staging\.json: the file is the report of platform\/staging, not of acme\/platform\/dev/,
            ],
        ];
        for (const [what, flags, message] of cases) {
            it(`rejects ${what} with exit 2`, async () => {
                const r = await previewCli([
                    "--cwd",
                    CONSUMER,
                    "--stack",
                    "dev",
                    "--policy-pack",
                    fixture("packs", "minimal"),
                    ...flags().flatMap((f) => ["--stack-reference", f]),
                ]);
                assert.equal(r.code, 2, r.stderr);
                assert.match(r.stderr, message);
            });
        }
    });
});
