import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../tools/cli";
import { COMMAND, gateJson, main, progressLine, renderGate } from "../../tools/gate/cli";
import { renderJUnit, xmlText } from "../../tools/gate/junit";
import { runGate, type GateOptions, type GateReport, type GateResult } from "../../tools/gate/run";
import { PreviewError, type Diagnostic, type PreviewOptions, type PreviewReport } from "../../tools/preview";
import { PolicyPackProcess } from "../../tools/preview/policy-pack";
import { fixture, REPO } from "../preview/helpers";

function diagnostic(policyName: string, enforcementLevel: Diagnostic["enforcementLevel"], urn: string, message = `${policyName} says no`): Diagnostic {
    return { policyPackName: "platform-policies", policyPackVersion: "0.1.0", policyName, enforcementLevel, message, description: "", urn };
}

function report(stack: string, mode: "create" | "update", diagnostics: Diagnostic[] = []): PreviewReport {
    const mandatory = diagnostics.filter((d) => d.enforcementLevel === "mandatory" || d.enforcementLevel === "remediate").length;
    return {
        project: "platform",
        stack,
        mode,
        resources: [],
        outputs: {},
        diagnostics,
        logs: [],
        policyPacks: [{ name: "platform-policies", version: "0.1.0", policies: 3 }],
        timings: { programMs: 1, policyMs: 1, totalMs: 2 },
        summary: { resources: 369, mandatory, advisory: diagnostics.length - mandatory },
    };
}

const POLICIES = ["lambda-dlq", "sqs-encrypted", "waf-attached"].map((name) => ({ name, description: name, enforcementLevel: "mandatory" as const }));

/** A gate report made by hand: dev passes with an advisory, staging fails a policy, prod's program fails. */
function sample(): GateReport {
    const previews: GateResult[] = [
        { stack: "dev", mode: "create", status: "passed", report: report("dev", "create", [diagnostic("sqs-encrypted", "advisory", "urn:q")]), ms: 2100 },
        {
            stack: "staging",
            mode: "update",
            status: "violations",
            report: report("staging", "update", [diagnostic("lambda-dlq", "mandatory", "urn:fn<&>", 'no DLQ for "api"')]),
            levels: { "platform-policies/waf-attached": "disabled" },
            ms: 2400,
        },
        { stack: "prod", mode: "create", status: "failed", error: { message: "the program failed: boom", detail: "at index.ts:3" }, ms: 900 },
    ];
    return {
        previews,
        policyPacks: [{ dir: "/p", name: "platform-policies", version: "0.1.0", policies: POLICIES }],
        summary: { previews: 3, passed: 1, violations: 1, failed: 1, mandatory: 1, advisory: 1 },
        exitCode: 2,
        totalMs: 5000,
    };
}

describe("npm run gate", function () {
    this.timeout(120_000);

    describe("runGate (a stand-in preview)", () => {
        const options = (preview: GateOptions["preview"], extra: Partial<GateOptions> = {}): GateOptions => ({
            stacks: ["dev", "staging", "prod"],
            modes: ["create", "update"],
            concurrency: 2,
            preview,
            ...extra,
        });

        it("runs every stack x mode, at most `concurrency` at once, with one pool and each stack's pack config; results in stack, mode order", async () => {
            let inFlight = 0;
            let most = 0;
            const calls: PreviewOptions[] = [];
            const gate = await runGate(
                options(async (o) => {
                    calls.push(o);
                    inFlight++;
                    most = Math.max(most, inFlight);
                    await new Promise((r) => setTimeout(r, o.stack === "dev" ? 30 : 5));
                    inFlight--;
                    return report(o.stack, o.mode ?? "create");
                }),
            );
            assert.equal(most, 2);
            assert.deepEqual(
                gate.previews.map((r) => `${r.stack}/${r.mode}/${r.status}`),
                ["dev/create/passed", "dev/update/passed", "staging/create/passed", "staging/update/passed", "prod/create/passed", "prod/update/passed"],
            );
            assert.equal(new Set(calls.map((c) => c.pool)).size, 1, "one pack pool for every preview");
            assert.deepEqual(
                calls.map((c) => [c.cwd, c.policyPacks, c.policyPackConfigs]),
                calls.map((c) => [REPO, [path.join(REPO, "policies")], [path.join(REPO, "policies", "config", `${c.stack}.json`)]]),
            );
            assert.equal(gate.exitCode, 0);
            assert.deepEqual(gate.summary, { previews: 6, passed: 6, violations: 0, failed: 0, mandatory: 0, advisory: 0 });
        });

        it("exits 1 on a mandatory violation, 2 when a preview fails (with its message), and keeps the other verdicts", async () => {
            const violating = await runGate(
                options(async (o) => report(o.stack, o.mode ?? "create", o.stack === "prod" ? [diagnostic("lambda-dlq", "mandatory", "urn:x")] : [])),
            );
            assert.equal(violating.exitCode, 1);
            assert.deepEqual(
                violating.previews.filter((r) => r.status === "violations").map((r) => `${r.stack}/${r.mode}`),
                ["prod/create", "prod/update"],
            );
            const failing = await runGate(
                options(async (o) => {
                    if (o.stack === "staging" && o.mode === "update") throw new PreviewError("the program failed: boom", "at index.ts:1");
                    return report(o.stack, o.mode ?? "create", o.stack === "prod" ? [diagnostic("lambda-dlq", "mandatory", "urn:x")] : []);
                }),
            );
            assert.equal(failing.exitCode, 2, "a preview with no verdict outweighs violations");
            const failed = failing.previews.find((r) => r.status === "failed");
            assert.deepEqual(
                [failed?.stack, failed?.mode, failed?.error],
                ["staging", "update", { message: "the program failed: boom", detail: "at index.ts:1" }],
            );
            assert.deepEqual(failing.summary, { previews: 6, passed: 3, violations: 2, failed: 1, mandatory: 2, advisory: 0 });
        });
    });

    it("starts each pack once for all its previews, and judges a real program in both modes", async () => {
        const started: string[] = [];
        const start = PolicyPackProcess.start.bind(PolicyPackProcess);
        PolicyPackProcess.start = (dir: string, signal?: AbortSignal) => {
            started.push(dir);
            return start(dir, signal);
        };
        try {
            // A CommonJS program: its second preview runs in the first one's runner.
            const gate = await runGate({
                cwd: fixture("programs", "flat"),
                stacks: ["test"],
                modes: ["create", "update"],
                policyPacks: [fixture("packs", "second")],
            });
            assert.deepEqual(started, [fixture("packs", "second")], "one start");
            assert.deepEqual(
                gate.previews.map((r) => [r.mode, r.status, r.report?.summary.resources, r.report?.policyPacks.map((p) => p.name)]),
                [
                    ["create", "passed", 7, ["second"]],
                    ["update", "passed", 7, ["second"]],
                ],
            );
            assert.match(String(gate.previews[1].report?.outputs.functionArn), /^arn:aws:lambda:/, "the update preview has update mode's values");
            assert.deepEqual(
                gate.policyPacks.map((p) => [p.name, p.policies.map((x) => x.name)]),
                [["second", ["queue-encrypted"]]],
            );
        } finally {
            PolicyPackProcess.start = start;
        }
    });

    describe("the table, --json and --junit", () => {
        it("prints one row per stack and mode, the violations and failures under it, and the verdict", () => {
            const text = renderGate(sample());
            const [head, dev, staging, prod] = text.split("\n");
            assert.match(head, /^stack\s+mode\s+resources\s+mandatory\s+advisory\s+time\s+verdict$/);
            assert.match(dev, /^dev\s+create\s+369\s+0\s+1\s+2\.1 s\s+passed/);
            assert.match(staging, /^staging\s+update\s+369\s+1\s+0\s+2\.4 s\s+FAILED/);
            assert.match(prod, /^prod\s+create\s+-\s+-\s+-\s+0\.9 s\s+ERROR$/);
            assert.match(text, /staging \(update\):\nMandatory policy violations \(1\):\n\s+\[mandatory\]\s+lambda-dlq/);
            assert.match(text, /dev \(create\):\nAdvisory policy violations \(1\): sqs-encrypted\n/, "advisory ones counted by policy");
            assert.match(text, /prod \(create\): the preview failed: the program failed: boom\nat index\.ts:3/);
            assert.match(
                text,
                /\ngate ERROR: 1 of 3 previews failed, so they have no policy verdict \(3 previews, 1 mandatory, 1 advisory violations, 5\.0 s\)$/,
            );
            assert.equal(progressLine(sample().previews[1]), "gate: staging (update) FAILED: 369 resources, 1 mandatory, 0 advisory, 2.4 s");
        });

        it("JUnit: a suite per stack and mode, a case per policy; mandatory fails, advisory is output, disabled is skipped, a failed preview errors", () => {
            const xml = renderJUnit(sample());
            assert.match(
                xml,
                /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="policy gate" tests="7" failures="1" errors="1" skipped="1" time="5\.000">/,
            );
            const suites = xml.split("<testsuite ").slice(1);
            assert.deepEqual(
                suites.map((s) => /name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(s)?.slice(1)),
                [
                    ["policy gate dev (create)", "3", "0", "0", "0"],
                    ["policy gate staging (update)", "3", "1", "0", "1"],
                    ["policy gate prod (create)", "1", "0", "1", "0"],
                ],
            );
            assert.match(
                suites[0],
                /<testcase classname="platform-policies\.dev\.create" name="sqs-encrypted" time="0">\n\s+<system-out>\[advisory\] urn:q\nsqs-encrypted says no<\/system-out>/,
            );
            assert.match(
                suites[1],
                /name="lambda-dlq" time="0">\n\s+<failure message="1 mandatory violation of lambda-dlq" type="mandatory">\[mandatory\] urn:fn&lt;&amp;&gt;\nno DLQ for &quot;api&quot;<\/failure>/,
            );
            assert.match(suites[1], /name="waf-attached" time="0">\n\s+<skipped message="disabled"\/>/);
            assert.match(
                suites[2],
                /name="preview" time="0\.900">\n\s+<error message="the program failed: boom">the program failed: boom\nat index\.ts:3<\/error>/,
            );
            // Balanced: every opened element is closed.
            for (const tag of ["testsuites", "testsuite", "testcase"]) {
                const opened = (xml.match(new RegExp(`<${tag}[ >]`, "g")) ?? []).length;
                const closed = (xml.match(new RegExp(`</${tag}>`, "g")) ?? []).length + (xml.match(new RegExp(`<${tag} [^>]*/>`, "g")) ?? []).length;
                assert.equal(closed, opened, tag);
            }
            assert.equal(xmlText("a\u0000b\u001b<c>"), "ab&lt;c&gt;", "characters XML cannot carry are dropped");
        });

        it("--json prints the reports of all previews and nothing else; --junit writes the file; the exit code is the gate's", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-cli-"));
            const out: string[] = [];
            const err: string[] = [];
            let given: GateOptions | undefined;
            const junit = path.join(dir, "results", "junit.xml");
            const code = await main(["--stack", "dev,prod", "--mode", "update", "--json", "--junit", junit], {
                out: (t) => out.push(t),
                err: (t) => err.push(t),
                gate: async (o) => {
                    given = o;
                    o.onResult?.(sample().previews[0]);
                    return sample();
                },
            });
            assert.equal(code, 2);
            assert.deepEqual([given?.stacks, given?.modes], [["dev", "prod"], ["update"]]);
            assert.equal(out.length, 1);
            const doc = JSON.parse(out[0]) as ReturnType<typeof gateJson> & { previews: { stack: string; status: string; report?: PreviewReport }[] };
            assert.deepEqual(
                doc.previews.map((p) => [p.stack, p.status, p.report?.summary.resources]),
                [
                    ["dev", "passed", 369],
                    ["staging", "violations", 369],
                    ["prod", "failed", undefined],
                ],
            );
            assert.match(err.join("\n"), /^gate: dev \(create\) passed: 369 resources/);
            assert.match(err.join("\n"), /\nstack\s+mode\s+resources/, "the table goes to stderr with --json");
            assert.match(fs.readFileSync(junit, "utf8"), /<testsuites name="policy gate"/);
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("refuses bad flags in one line naming the flag and what is allowed, before any preview", async () => {
            const gate = async () => assert.fail("no preview");
            for (const [argv, message] of [
                [["--stack", "dev,dev"], /^--stack "dev,dev" is invalid: dev is given twice\.$/],
                [["--stack", "dev;rm"], /^--stack "dev;rm" is invalid: "dev;rm" is not a stack name/],
                [
                    ["--mode", "create,destroy"],
                    /^--mode "create,destroy" is invalid: "destroy" not allowed; expected a comma-separated list of create, update\.$/,
                ],
                [["--json=yes"], /^--json takes no value\.$/],
                [["--junit"], /^--junit needs a value \(FILE\)/],
                [["--junit", os.tmpdir()], /^--junit .* is a directory; give the file to write/],
                [["--stacks", "dev"], /^Unknown flag --stacks; allowed: --stack, --mode, --json, --junit, --help\./],
            ] as const) {
                await assert.rejects(
                    main(argv, { gate, out: () => undefined, err: () => undefined }),
                    (e: Error) => e instanceof UsageError && message.test(e.message),
                    argv.join(" "),
                );
            }
        });

        it("--help prints the interface the CI wrappers rely on", async () => {
            const out: string[] = [];
            assert.equal(await main(["--help"], { out: (t) => out.push(t) }), 0);
            assert.equal(out[0], COMMAND.help);
            assert.match(out[0], /^usage: npm run gate -- \[--stack dev,staging,prod\] \[--mode create,update\] \[--json\] \[--junit FILE\]/);
        });
    });
});
