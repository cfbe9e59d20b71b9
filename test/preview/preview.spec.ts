import { strict as assert } from "assert";
import { PolicyPackPool, RunnerPool, runPreview as runFresh, PreviewOptions, PreviewReport } from "../../tools/preview";
import { renderReport } from "../../tools/preview/render";
import { fixture, previewCli } from "./helpers";

const MINIMAL = fixture("packs", "minimal");
const SECOND = fixture("packs", "second");
const FLAT = fixture("programs", "flat");
const FLAT_URN = "urn:pulumi:test::flat::";

function only(report: PreviewReport, policy: string) {
    return report.diagnostics.filter((d) => d.policyName === policy);
}

describe("offline preview", function () {
    this.timeout(120_000);
    // In-process previews share started packs; the CLI cases start their own, as a user's run does.
    const pool = new PolicyPackPool();
    const runners = new RunnerPool();
    after(() => {
        runners.close();
        return pool.close();
    });
    const runPreview = (options: PreviewOptions) => runFresh({ ...options, pool, runners });

    describe("a flat program with a known violation (CLI)", () => {
        let code: number;
        let report: PreviewReport;
        let stderr: string;

        before(async () => {
            const r = await previewCli(["--cwd", FLAT, "--stack", "test", "--policy-pack", MINIMAL, "--json"]);
            code = r.code;
            stderr = r.stderr;
            report = JSON.parse(r.stdout) as PreviewReport;
        });

        it("exits 1 and prints nothing but the JSON report on stdout", () => {
            assert.equal(code, 1, stderr);
            assert.equal(report.project, "flat");
            assert.equal(report.stack, "test");
        });

        it("reports the mandatory violation with the policy, the pack and the resource's URN", () => {
            const [d, ...rest] = only(report, "no-public-lambda-permission");
            assert.equal(rest.length, 0);
            assert.equal(d.enforcementLevel, "mandatory");
            assert.equal(d.policyPackName, "minimal");
            assert.equal(d.urn, `${FLAT_URN}aws:lambda/permission:Permission::public-invoke`);
            assert.match(d.message, /principal '\*' lets anyone invoke/);
            assert.deepEqual(report.summary, { resources: 7, mandatory: 1, advisory: 0 });
        });

        it("records parents, dependencies and property dependencies as the engine would", () => {
            const logGroup = report.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
            assert.ok(logGroup);
            assert.equal(logGroup.parent, "urn:pulumi:test::flat::pulumi:pulumi:Stack::flat-test");
            assert.deepEqual(logGroup.propertyDependencies.name, [`${FLAT_URN}aws:lambda/function:Function::fn`]);
            assert.deepEqual(logGroup.propertyDependencies.kmsKeyId, [`${FLAT_URN}aws:kms/key:Key::logs`]);
            assert.ok(logGroup.dependencies.includes(`${FLAT_URN}aws:kms/key:Key::logs`));
            assert.equal(logGroup.custom, true);
        });

        it("leaves computed values unknown, fills autonames, keeps secrets secret", () => {
            const fn = report.resources.find((r) => r.type === "aws:lambda/function:Function");
            assert.ok(fn);
            assert.match(String(fn.inputs.name), /^fn-[0-9a-f]{7}$/);
            assert.deepEqual(fn.inputs.environment, { variables: { API_KEY: "[secret]" } });
            assert.equal(report.outputs.functionArn, "[unknown]");
            assert.equal(report.outputs.functionName, fn.inputs.name);
            assert.equal(report.outputs.region, "us-west-2", "aws:region from the stack file answers getRegion");
            assert.equal(fn.provider, "urn:pulumi:test::flat::pulumi:providers:aws::default_7_48_0::default");
        });

        it("applies schema defaults to policy properties the config file leaves out", () => {
            assert.equal(only(report, "log-retention").length, 0, "14 days meets the default minimum of 7");
        });

        it("renders a pulumi-preview-like tree, the violations and a summary line", () => {
            const text = renderReport(report);
            assert.match(text, /\+ pulumi:pulumi:Stack\s+flat-test\s+create/);
            assert.match(text, /├─ aws:lambda\/permission:Permission\s+public-invoke\s+create ✗/);
            assert.match(text, /Mandatory policy violations \(1\):/);
            assert.match(text, /Summary: 7 resources, 1 mandatory, 0 advisory violations/);
        });

        it("renders getPolicyDocument statements as the provider does", () => {
            const policy = report.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
            assert.deepEqual(JSON.parse(String(policy?.inputs.policy)), {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }],
            });
        });
    });

    it("in update mode gives existing resources plausible ids and ARNs", async () => {
        const report = await runPreview({ cwd: FLAT, stack: "test", policyPacks: [MINIMAL], mode: "update" });
        assert.match(String(report.outputs.functionArn), /^arn:aws:lambda:us-west-2:123456789012:function:fn-[0-9a-f]{7}$/);
        assert.equal(report.mode, "update");
        assert.equal(only(report, "no-public-lambda-permission").length, 1);
    });

    it("exits 2 with the program's own message and stack when the program throws", async () => {
        const r = await previewCli(["--cwd", fixture("programs", "throws"), "--stack", "test", "--policy-pack", MINIMAL]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /the program failed: sizing table has no entry for 'xl'/);
        assert.match(r.stderr, /at pickSize \(.*throws\/index\.ts:6/);
        assert.equal(r.stdout, "");
    });

    describe("grants that cannot be written into a policy (components' grant methods)", function () {
        const LATE = fixture("programs", "late-grants");
        for (const [stack, mode, message] of [
            // In update mode outputs are known, so an apply runs, after the policies were written.
            [
                "late",
                "update",
                /the program failed: the key policy of the data key was already written: make every grant in the program's top-level code, not in an apply/,
            ],
            [
                "no-writer",
                "create",
                /the program failed: Search "search": nobody writes the index, so it stays empty; allowed: at least one writer, search\.grantWrite\(fn\)/,
            ],
            [
                "unused-endpoint",
                "create",
                /the program failed: Search "search": argument "serviceEndpoints" names sns, but no function in the VPC is granted anything on sns/,
            ],
        ] as const) {
            it(`${stack}: exits 2 with one line naming what is wrong and what is allowed, no stack`, async () => {
                const r = await previewCli(["--cwd", LATE, "--stack", stack, "--mode", mode, "--policy-pack", MINIMAL]);
                assert.equal(r.code, 2, r.stderr);
                assert.match(r.stderr, message);
                assert.doesNotMatch(r.stderr, /\n\s+at /, "no JavaScript stack");
                assert.equal(r.stdout, "");
            });
        }
    });

    it("exits 2 naming each bad or missing config key, as the CLI checks them", async () => {
        const r = await previewCli(["--cwd", fixture("programs", "bad-config"), "--stack", "test", "--policy-pack", MINIMAL]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /'badconfig:memorySize' must be of type 'integer', got "lots"/);
        assert.match(r.stderr, /missing configuration value 'badconfig:owner'/);
    });

    it("runs an ES module program (type: module, top-level await) with several policy packs", async () => {
        const report = await runPreview({ cwd: fixture("programs", "esm"), stack: "test", policyPacks: [MINIMAL, SECOND] });
        assert.equal(report.outputs.deployedRegion, "eu-central-1");
        assert.deepEqual(
            report.resources.map((r) => r.name),
            ["esm-test", "orders-dlq", "orders"],
        );
        assert.equal(report.resources[2].inputs.name, "orders-events");
        assert.deepEqual(
            report.policyPacks.map((p) => `${p.name}@${p.version}`),
            ["minimal@1.0.0", "second@2.0.0"],
        );
        assert.deepEqual(
            report.diagnostics.map((d) => [d.policyPackName, d.policyName, d.enforcementLevel, d.urn]),
            [["second", "queue-encrypted", "advisory", "urn:pulumi:test::esm::aws:sqs/queue:Queue::orders-dlq"]],
        );
    });

    it("runs a plain JavaScript program whose package.json names main and whose function returns the outputs", async () => {
        const r = await previewCli(["--cwd", fixture("programs", "javascript"), "--stack", "test", "--policy-pack", MINIMAL, "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout) as PreviewReport;
        assert.deepEqual(report.outputs, { topicName: report.resources[1].inputs.name, account: "123456789012" });
        assert.match(String(report.outputs.topicName), /^alerts-[0-9a-f]{7}$/);
    });

    it("gives an awsx remote component its documented outputs in update mode", async () => {
        const report = await runPreview({ cwd: fixture("programs", "awsx-vpc"), stack: "test", policyPacks: [SECOND], mode: "update" });
        const vpc = report.resources.find((r) => r.type === "awsx:ec2:Vpc");
        assert.ok(vpc && vpc.remote && !vpc.custom, "registered as one remote component, as under the real engine");
        assert.match(String(report.outputs.vpcId), /^vpc-[0-9a-f]{17}$/);
        assert.equal(report.outputs.securityGroupVpc, report.outputs.vpcId);
        assert.equal((report.outputs.privateSubnetIds as string[]).length, 2, "one private subnet per requested AZ");
    });

    it("runs a program that serializes a function, with the SDK's code-path discovery working", async () => {
        const report = await runPreview({ cwd: fixture("programs", "closure"), stack: "test", policyPacks: [SECOND] });
        const fn = report.resources.find((r) => r.type === "aws:lambda/function:Function");
        assert.equal(fn?.inputs.code, "[archive]", "the callback became the function's code archive");
        assert.ok(Number(report.outputs.codePaths) > 0, `Arborist found the program's packages: ${String(report.outputs.codePaths)}`);
    });

    it("fails a function that cannot be serialized as the SDK does, naming the files its inspector session would", async () => {
        const err = await runPreview({ cwd: fixture("programs", "unserializable"), stack: "test", policyPacks: [] }).then(
            () => assert.fail("the program serializes a timer"),
            (e: Error) => e,
        );
        assert.match(err.message, /^the program failed: Error serializing 'async \(\) => \(\{ statusCode: 200, body \.\.\.': index\.ts\(\d+,\d+\)/);
        assert.match(err.message, /captured\n\s+variable 'timer' which indirectly referenced\n\s+function 'Timeout'/);
        // Node's timers were loaded before the language host opened its session, so the SDK never heard of
        // their script and names their functions with no file; the session the runner opens late must agree.
        const files = [...err.message.matchAll(/'[^']*': ([^\s(]+)\(\d+,\d+\)/g)].map((m) => m[1]);
        assert.deepEqual([...new Set(files)], ["index.ts"]);
    });

    it("keeps a stack policy mandatory when the values it relates are unknown", async () => {
        const report = await runPreview({ cwd: fixture("programs", "unknown-related"), stack: "test", policyPacks: [MINIMAL] });
        const logGroup = report.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
        assert.equal(logGroup?.inputs.name, "[unknown]", "the related value really is unknown");
        const diags = only(report, "log-group-per-function");
        assert.deepEqual(
            diags.map((d) => [d.enforcementLevel, d.urn]),
            [["mandatory", "urn:pulumi:test::related::aws:lambda/function:Function::unlogged"]],
        );
    });

    describe("policy config", () => {
        it("applies `all`, per-policy levels and properties from the config file", async () => {
            const report = await runPreview({
                cwd: FLAT,
                stack: "test",
                policyPacks: [MINIMAL],
                policyPackConfigs: [fixture("packs", "minimal", "config", "strict.json")],
            });
            const [d] = only(report, "log-retention");
            assert.equal(d.enforcementLevel, "mandatory", "`all: mandatory` raised the advisory policy");
            assert.match(d.message, /retentionInDays 14 is below 30/);
        });

        it("rejects a bad config naming the policy and the property, and exits 2", async () => {
            const r = await previewCli([
                "--cwd",
                FLAT,
                "--stack",
                "test",
                "--policy-pack",
                MINIMAL,
                "--policy-pack-config",
                fixture("packs", "minimal", "config", "bad.json"),
            ]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /log-retention\.minimumDays must be integer/);
            assert.match(r.stderr, /'no-such-policy' is not a policy of this pack/);
            // A misspelt property would otherwise leave the rule at its default silently: named, with the ones it has.
            assert.match(r.stderr, /log-retention: 'minimumDay' is not a property of this policy \(its properties: enforcementLevel, minimumDays\)/);
        });
    });

    it("refuses a directory that is not a Pulumi program", async () => {
        await assert.rejects(
            runPreview({ cwd: fixture("programs"), stack: "test", policyPacks: [MINIMAL] }),
            /no Pulumi\.yaml in .*programs: --cwd must name a Pulumi program directory/,
        );
    });

    describe("flags", () => {
        it("rejects an unknown mode, naming what is allowed", async () => {
            const r = await previewCli(["--mode", "destroy"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /--mode "destroy" is not one of create, update/);
        });

        it("rejects an unknown flag in one line naming it, what is allowed and where the usage is", async () => {
            const r = await previewCli(["--stacks", "dev"]);
            assert.equal(r.code, 2);
            assert.match(
                r.stderr,
                /^error: Unknown flag --stacks; allowed: --stack, --cwd, --policy-pack, .*--json, --help\. Run `npm run preview -- --help` for usage\.\n$/,
            );
        });

        it("names the stacks that exist when a stack with no stack file lacks the keys the project requires", async () => {
            const r = await previewCli(["--stack", "qa"]);
            assert.equal(r.code, 2);
            assert.match(
                r.stderr,
                /^error: configuration of stack 'qa' is invalid \(stack 'qa' has no Pulumi\.qa\.yaml .*\(stacks here: (.+, )?dev, prod(, .+)?, staging(, .+)?\)\):/,
            );
            assert.match(r.stderr, /missing configuration value 'platform:environment'/);
        });
    });
});
