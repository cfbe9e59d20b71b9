import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPreview, PreviewError } from "../../tools/preview";
import { tsconfigProblem, withoutSerializationChain } from "../../tools/preview/failures";
import { loadInvokeAnswer, parseInvokeFlags } from "../../tools/preview/invoke-answers";
import { mockInvoke, UnansweredInvokeError } from "../../tools/preview/mock-invokes";
import { loadProgram } from "../../tools/preview/project";
import { fixture, previewCli, REPO } from "./helpers";

const foreign = (name: string) => fixture("foreign", name);
/** The stacks with a file in the repository, as the preview lists them. */
const stackFiles = () =>
    fs
        .readdirSync(REPO)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
const STALLS = fixture("packs", "stalls");
const firstLine = (e: unknown) => (e as Error).message.split("\n")[0];

function tmpFile(name: string, text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fidelity-"));
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

/**
 * Programs nobody here wrote, in the shapes of public examples: the preview goes where `pulumi preview`
 * goes, and where it cannot, its first line says why and what to pass.
 */
describe("offline preview: programs written elsewhere", function () {
    this.timeout(120_000);

    describe("a stack with no Pulumi.<stack>.yaml", () => {
        it("is previewed with the project's defaults, and the report says so in one notice", async () => {
            const report = await runPreview({ cwd: foreign("no-stack-file"), stack: "prod", policyPacks: [] });
            assert.equal(report.stack, "prod");
            assert.deepEqual(
                report.resources.filter((r) => r.type === "aws:sqs/queue:Queue").map((r) => r.name),
                ["jobs-0", "jobs-1"],
                "queueCount's default of 2",
            );
            assert.equal(report.notices?.length, 1);
            assert.match(report.notices?.[0] ?? "", /^stack 'prod' has no Pulumi\.prod\.yaml in .*no-stack-file: previewing it with the project's defaults/);
        });

        it("of this platform still fails on the keys the project requires, naming the missing file and the stacks there are", () => {
            assert.throws(
                () => loadProgram(REPO, "qa", "update"),
                (e: Error) =>
                    e instanceof PreviewError &&
                    e.message.startsWith(
                        `configuration of stack 'qa' is invalid (stack 'qa' has no Pulumi.qa.yaml in ${REPO} (stacks here: ${stackFiles().join(", ")})):`,
                    ) &&
                    e.message.includes("missing configuration value 'platform:environment'") &&
                    e.message.includes("missing configuration value 'platform:emailDomain'"),
            );
        });

        it("with a file, no notice", () => {
            assert.deepEqual(loadProgram(fixture("programs", "flat"), "test", "create").notices, []);
        });
    });

    describe("a provider function the mocks do not answer", () => {
        it("fails with the token and the flag that answers it on the first line, the program's words after", async () => {
            const err = await runPreview({ cwd: foreign("get-ami"), stack: "test", policyPacks: [] }).then(
                () => assert.fail("the preview passed"),
                (e: unknown) => e,
            );
            assert.ok(err instanceof PreviewError);
            assert.equal(
                firstLine(err),
                "the program failed: the program called the provider function 'aws:ec2/getAmi:getAmi', which the offline preview cannot answer: " +
                    'pass --invoke aws:ec2/getAmi:getAmi=FILE, FILE holding its result as JSON (or a list of { "inputs", "result" } pairs matched on inputs), or pass the value in through config',
            );
            assert.match(
                err.detail ?? "",
                /^error serializing property "ami": the offline preview has no answer for the provider function 'aws:ec2\/getAmi:getAmi'/,
            );
            assert.doesNotMatch(err.detail ?? "", /\n\s+at /, "no SDK stack");
        });

        it("--invoke answers it from a file of { inputs, result } cases, so the program reaches a verdict", async () => {
            const report = await runPreview({
                cwd: foreign("get-ami"),
                stack: "test",
                mode: "update",
                policyPacks: [],
                invokes: { "aws:ec2/getAmi:getAmi": path.join(foreign("get-ami"), "ami.json") },
            });
            const web = report.resources.find((r) => r.name === "web");
            assert.equal(web?.inputs.ami, "ami-0123456789abcdef0");
            assert.equal(report.outputs.amiId, "ami-0123456789abcdef0");
        });

        it("matches a case when each input it names equals the call's; no case matching names the file and the inputs", () => {
            const region = () => "eu-west-1";
            const answers = {
                "aws:ec2/getAmi:getAmi": {
                    file: "ami.json",
                    cases: [
                        { inputs: { owners: ["self"] }, result: { id: "ami-self" } },
                        { inputs: { owners: ["amazon"], mostRecent: true }, result: { id: "ami-amazon" } },
                    ],
                },
            };
            assert.deepEqual(mockInvoke("aws:ec2/getAmi:getAmi", { owners: ["amazon"], mostRecent: true, filters: [] }, region, answers), { id: "ami-amazon" });
            assert.deepEqual(mockInvoke("aws:ec2/getAmi:getAmi", { owners: ["self"] }, region, answers), { id: "ami-self" });
            assert.throws(
                () => mockInvoke("aws:ec2/getAmi:getAmi", { owners: ["amazon"] }, region, answers),
                (e: Error) =>
                    e instanceof UnansweredInvokeError &&
                    e.kind === "no-case" &&
                    e.message.startsWith('no case of --invoke aws:ec2/getAmi:getAmi=ami.json matches the call\'s inputs {"owners":["amazon"]}'),
            );
            // A given answer wins over a built-in mock; one result object answers any inputs.
            const zones = { "aws:index/getAvailabilityZones:getAvailabilityZones": { file: "z.json", result: { names: ["x-1a"] } } };
            assert.deepEqual(mockInvoke("aws:index/getAvailabilityZones:getAvailabilityZones", {}, region, zones), { names: ["x-1a"] });
        });

        it("refuses bad --invoke flags and files, naming the flag and what is allowed", () => {
            for (const [value, message] of [
                ["aws:ec2/getAmi:getAmi", /has no '=': expected <function token>=<file>/],
                ["=ami.json", /has an empty function token/],
                ["aws:ec2/getAmi:getAmi=", /has an empty file/],
                ["getAmi=ami.json", /'getAmi' is not a function token; expected <package>:<module>:<function>/],
            ] as const) {
                assert.throws(() => parseInvokeFlags([value]), message, value);
            }
            assert.throws(() => parseInvokeFlags(["a:b:c=x.json", "a:b:c=y.json"]), /--invoke names 'a:b:c' twice/);
            assert.deepEqual(parseInvokeFlags(["aws:ec2/getAmi:getAmi=ami.json"], "/w"), { "aws:ec2/getAmi:getAmi": "/w/ami.json" });
            for (const [text, message] of [
                ["{not json", /the file is not JSON/],
                ["[]", /holds an empty list/],
                ["42", /holds 42; give a JSON object/],
                ['[{"inputs": {}}]', /entry 0 is \{"inputs":\{\}\}; each entry of the list is \{ "inputs": \{\.\.\.\}, "result": \{\.\.\.\} \}/],
                ['[{"inputs": {}, "result": {}, "output": 1}]', /\(unexpected: output\)/],
            ] as const) {
                assert.throws(() => loadInvokeAnswer("a:b:c", tmpFile("answer.json", text)), message, text);
            }
            assert.throws(() => loadInvokeAnswer("a:b:c", "/no/such/answer.json"), /--invoke a:b:c=\/no\/such\/answer\.json: cannot read the file/);
        });
    });

    describe("an ES module program with a type error", () => {
        it("runs transpile-only, as a CommonJS program does: the SDK's own ES module mode would type-check it", async () => {
            const report = await runPreview({ cwd: foreign("esm-type-error"), stack: "test", policyPacks: [] });
            assert.equal(report.outputs.retentionSeconds, 1209600);
        });

        it("is type-checked when PULUMI_NODEJS_TRANSPILE_ONLY=false, its compiler error the first line", async () => {
            const before = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
            process.env.PULUMI_NODEJS_TRANSPILE_ONLY = "false";
            try {
                const err = await runPreview({ cwd: foreign("esm-type-error"), stack: "test", policyPacks: [] }).then(
                    () => assert.fail("the preview passed"),
                    (e: unknown) => e,
                );
                // The hooks thread hands the error over as an object with no prototype, which String() cannot convert.
                assert.equal(firstLine(err), "the program failed: index.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.");
            } finally {
                if (before === undefined) delete process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
                else process.env.PULUMI_NODEJS_TRANSPILE_ONLY = before;
            }
        });
    });

    describe("a tsconfig.json the language host's compiler refuses", () => {
        it("fails with the option to set on the first line, then the compiler's own message, no ts-node stack", async () => {
            const err = await runPreview({ cwd: foreign("ts5110"), stack: "test", policyPacks: [] }).then(
                () => assert.fail("the preview passed"),
                (e: unknown) => e,
            );
            assert.ok(err instanceof PreviewError);
            assert.match(
                firstLine(err),
                /^the program failed: .*ts5110\/tsconfig\.json sets "module": "commonjs" without "moduleResolution", .* \(TS5110\): add "moduleResolution": "node" to its compilerOptions/,
            );
            assert.equal(err.detail, "error TS5110: Option 'module' must be set to 'NodeNext' when option 'moduleResolution' is set to 'NodeNext'.");
        });

        it("names the mismatched pair, and any other options error by its code", () => {
            const dir = path.dirname(tmpFile("tsconfig.json", '{ "compilerOptions": { "module": "CommonJS", "moduleResolution": "NodeNext", } }'));
            assert.match(
                tsconfigProblem({ programDir: dir, tsconfig: undefined }, "error TS5110: Option 'module' must be set to 'NodeNext'") ?? "",
                /sets "module": "CommonJS" with "moduleResolution": "NodeNext", which TypeScript refuses \(TS5110\): set "module" to "nodenext" too/,
            );
            assert.match(
                tsconfigProblem({ programDir: dir, tsconfig: undefined }, "error TS5023: Unknown compiler option 'modul'.") ?? "",
                /has compiler options TypeScript refuses \(TS5023: Unknown compiler option 'modul'\.\): fix its compilerOptions/,
            );
            assert.equal(tsconfigProblem({ programDir: dir, tsconfig: undefined }, "error TS2322: Type 'string' is not assignable"), undefined);
        });
    });

    it("a failure the SDK met in many properties is named by itself on the first line, not by the chain of properties", () => {
        assert.equal(
            withoutSerializationChain('error serializing property "dimensions": error serializing property "code": the bundle failed: "x" is missing'),
            'the bundle failed: "x" is missing',
        );
        assert.equal(withoutSerializationChain("sizing table has no entry for 'xl'"), "sizing table has no entry for 'xl'");
    });

    describe("failures report without waiting for a pack that is still starting", () => {
        // The pack never prints its port: before, a failing program was reported only once its pack had started.
        for (const [program, mode, message] of [
            [
                "throwing-apply",
                "update",
                /^the program failed: cannot parse arn:aws:sqs:us-east-1:123456789012:orders-[0-9a-f]{7}: the program failed on purpose inside an apply$/,
            ],
            ["missing-config", "create", /^the program failed: Missing required configuration variable 'missing-config:queueName'$/],
        ] as const) {
            it(`${program}: reported with its own message while the pack is still starting`, async function () {
                this.timeout(60_000);
                const err = await runPreview({ cwd: foreign(program), stack: "test", mode, policyPacks: [STALLS] }).then(
                    () => assert.fail("the preview passed"),
                    (e: unknown) => e,
                );
                assert.match(firstLine(err), message);
            });
        }
    });

    it("a resource whose input never resolves fails the preview (exit 2) naming it, instead of missing from the report", async () => {
        await assert.rejects(
            runPreview({ cwd: foreign("never-resolves"), stack: "test", policyPacks: [] }),
            (e: Error) =>
                e instanceof PreviewError &&
                e.message ===
                    "the program failed: the program ended with a resource whose registration never completed: aws:sqs/queue:Queue 'stuck'; " +
                        "an input or dependsOn of it never resolves (a promise nobody settles, an Output of one that never registers), so the engine would never receive it" &&
                e.detail === undefined,
        );
    });

    describe("an empty program directory", () => {
        it("--cwd '' is refused naming the flag, never taken for the repository", async () => {
            const r = await previewCli(["--cwd", "", "--stack", "dev"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^error: --cwd needs a value \(DIR\)/);
            assert.equal(r.stdout, "");
        });

        it("runPreview({ cwd: '' }) too", async () => {
            await assert.rejects(runPreview({ cwd: "", stack: "dev", policyPacks: [] }), /^PreviewError: --cwd is empty: name the program directory/);
        });
    });
});
