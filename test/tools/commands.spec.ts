/**
 * Every command as a process, as `npm run <script>` runs it: `--help` prints its usage (every flag with its
 * default) on stdout and exits 0 without doing its work; an unknown flag or a bad value is one line on
 * stderr, nothing on stdout, exit 2, no stack trace. And the machine-readable `--json` of the benches,
 * the bundle list and the site build.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { COMMAND as bundleCommand, FUNCTION_NAMES, type BundleOptions, type BundleResult } from "../../tools/bundle";
import { UsageError, type Command, type FlagSet } from "../../tools/cli";
import { COMMAND as coldStartCommand, main as coldStart, type ColdStartBench } from "../../bench/cold-start";
import { COMMAND as policyBenchCommand, main as policyBench, type PolicyBench } from "../../bench/policy";
import { COMMAND as drillBenchCommand } from "../../bench/drill";
import { COMMAND as capacityBenchCommand } from "../../bench/capacity";
import { COMMAND as capacityCommand } from "../../tools/capacity/cli";
import { COMMAND as costCommand } from "../../tools/cost/cli";
import { COMMAND as drillCommand } from "../../tools/drill/cli";
import { COMMAND as drCommand } from "../../tools/dr/cli";
import { COMMAND as branchProtectionCommand } from "../../tools/branch-protection/cli";
import { COMMAND as restoreCommand } from "../../tools/recovery/restore";
import { COMMAND as reindexCommand } from "../../tools/recovery/reindex";
import { COMMAND as exportUsersCommand } from "../../tools/recovery/export-users";
import { COMMAND as previewBenchCommand, main as previewBench, timed, type PreviewBench } from "../../bench/preview";
import { COMMAND as redriveCommand, main as redrive } from "../../tools/redrive";
import { COMMAND as previewCommand } from "../../tools/preview/command-spec";
import { COMMAND as gateCommand } from "../../tools/gate/cli";
import * as smoke from "../../tools/smoke";
import * as devServer from "../../tools/dev-server";
import * as architecture from "../../tools/architecture";
import * as genReadme from "../../policies/scripts/gen-readme";
import * as site from "../../tools/site";
import * as publishSite from "../../tools/ops/publish-site";
import * as pack from "../../tools/pack";

const REPO = path.resolve(__dirname, "..", "..");
const scripts = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

interface Ran {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** At most this many commands run at once: each is a Node.js process starting ts-node. */
const PARALLEL = 4;
let running = 0;
const waiting: Array<() => void> = [];

/** Runs `file` (a source, or `tools/preview/launch.js <command>` as its npm script names it) with `args`. */
async function cli(file: string, args: string[]): Promise<Ran> {
    const [source, ...command] = file.split(" ");
    if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
        return await new Promise<Ran>((resolve) => {
            execFile(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", path.join(REPO, source!), ...command, ...args],
                // One compile cache for the spec's processes: they load the same ts-node, TypeScript and zod.
                {
                    cwd: REPO,
                    encoding: "utf8",
                    timeout: 30_000,
                    env: { ...process.env, FORCE_COLOR: "0", NODE_COMPILE_CACHE: path.join(out, "compile-cache") },
                },
                (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
            );
        });
    } finally {
        running -= 1;
        waiting.shift()?.();
    }
}

/** A refusal: exit 2, one line on stderr naming what is wrong, nothing on stdout, no stack trace. */
function assertRefused(r: Ran, message: RegExp, what: string): void {
    assert.equal(r.code, 2, `${what}: exit code\n${r.stderr}`);
    assert.equal(r.stdout, "", `${what}: nothing on stdout`);
    assert.match(r.stderr, /^[^\n]+\n$/, `${what}: one line on stderr, got:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.match(r.stderr, message, what);
}

const out = mkdtempSync(path.join(tmpdir(), "commands-spec-"));
const unbundledDirs = () => (existsSync(path.join(REPO, "dist")) ? readdirSync(path.join(REPO, "dist")).filter((d) => d.startsWith("bench-unbundled-")) : []);
const mtime = (file: string) => statSync(file).mtimeMs;

interface CommandCase {
    script: string;
    file: string;
    /** The exact help text, from the command's own declaration. */
    help: () => string;
    /**
     * The command's declaration, where it has one: an unknown flag is then checked in-process (the
     * declaration's parser refuses it; the bad value below proves the process turns a refusal into exit 2).
     */
    command?: () => Pick<Command<FlagSet>, "parse" | "seeHelp">;
    /** Flags given with --help and with the bad flag, to show no work was done (an output directory). */
    with?: string[];
    /** What the command's work would leave behind; asserted absent or unchanged afterwards. */
    untouched?: () => unknown;
    /** A bad value: its arguments and the one line it gives. */
    bad?: [string[], RegExp];
}

const dir = (name: string) => path.join(out, name);
const COMMANDS: CommandCase[] = [
    {
        script: "preview",
        file: "tools/preview/launch.js preview",
        help: () => previewCommand.help,
        command: () => previewCommand,
        bad: [["--policy-pack"], /^error: --policy-pack needs a value \(DIR\)\. Run `npm run preview -- --help` for usage\.$/m],
    },
    {
        script: "gate",
        file: "tools/preview/launch.js gate",
        help: () => gateCommand.help,
        command: () => gateCommand,
        bad: [["--mode", "destroy"], /^error: --mode "destroy" is invalid: "destroy" not allowed; expected a comma-separated list of create, update\.$/m],
    },
    {
        script: "smoke",
        file: "tools/smoke.ts",
        help: () => smoke.USAGE,
        command: () => smoke.COMMAND,
        bad: [["--url", "https://x/", "--timeout-ms", "99"], /^--timeout-ms "99" is invalid: expected milliseconds, 100 to 999999\.$/m],
    },
    {
        script: "redrive",
        file: "tools/redrive.ts",
        help: () => redriveCommand.help,
        command: () => redriveCommand,
        bad: [
            ["--dlq-arn", "arn:aws:sqs:us-east-1:123456789012:q", "--rate", "501"],
            /^--rate "501" is invalid: expected an integer from 1 to 500 messages per second\.$/m,
        ],
    },
    {
        script: "bundle",
        file: "tools/bundle.ts",
        help: () => bundleCommand.help,
        command: () => bundleCommand,
        with: ["--out-dir", dir("bundle")],
        untouched: () => existsSync(dir("bundle")),
        bad: [
            ["--only", "api,nope"],
            /^--only "api,nope" is invalid: "nope" not allowed; expected a comma-separated list of api, email-worker, search-indexer, ses-feedback\.$/m,
        ],
    },
    {
        script: "pack",
        file: "tools/pack.ts",
        help: () => pack.COMMAND.help,
        command: () => pack.COMMAND,
        with: ["--out-dir", dir("pack")],
        untouched: () => existsSync(dir("pack")),
        bad: [
            ["--only", "outputs,docs"],
            /^--only "outputs,docs" is invalid: "docs" not allowed; expected a comma-separated list of components, outputs, policies\.$/m,
        ],
    },
    {
        script: "dev",
        file: "tools/dev-server.ts",
        help: () => devServer.COMMAND.help,
        command: () => devServer.COMMAND,
        bad: [["--port", "65536"], /^--port "65536" is invalid: expected an integer from 1 to 65535 \(a TCP port\)\.$/m],
    },
    {
        script: "docs",
        file: "tools/architecture.ts",
        help: () => architecture.COMMAND.help,
        command: () => architecture.COMMAND,
        untouched: () => mtime(path.join(REPO, "docs", "architecture.md")),
        bad: [["docs/architecture.md"], /^Unexpected argument "docs\/architecture\.md": docs takes flags only\./m],
    },
    {
        script: "policy-docs",
        file: "policies/scripts/gen-readme.ts",
        help: () => genReadme.USAGE,
        untouched: () => mtime(path.join(REPO, "policies", "README.md")),
        bad: [["--check=yes"], /^--check takes no value\.$/m],
    },
    {
        script: "site:build",
        file: "tools/site.ts",
        help: () => site.COMMAND.help,
        command: () => site.COMMAND,
        with: ["--out-dir", dir("site")],
        untouched: () => existsSync(dir("site")),
        bad: [["--out-dir"], /^--out-dir needs a value \(DIR\)\./m],
    },
    {
        script: "site:publish",
        file: "tools/ops/publish-site.ts",
        help: () => publishSite.USAGE,
        command: () => publishSite.COMMAND,
        bad: [["--stack", "dev", "--dry-run", "--dry-run"], /^--dry-run is given more than once\.$/m],
    },
    {
        script: "bench",
        file: "bench/preview.ts",
        help: () => previewBenchCommand.help,
        command: () => previewBenchCommand,
        bad: [["--runs=0"], /^--runs "0" is invalid: expected an integer from 1 to 100\.$/m],
    },
    {
        script: "bench:policy",
        file: "bench/policy.ts",
        help: () => policyBenchCommand.help,
        command: () => policyBenchCommand,
        bad: [["--runs", "3", "--runs", "4"], /^--runs is given more than once; it takes one value\.$/m],
    },
    {
        script: "bench:cold-start",
        file: "bench/cold-start.ts",
        help: () => coldStartCommand.help,
        command: () => coldStartCommand,
        untouched: () => unbundledDirs(),
        bad: [["--runs", "202"], /^--runs "202" is invalid: expected an integer from 1 to 201\.$/m],
    },
    {
        script: "drill",
        file: "tools/drill/cli.ts",
        help: () => drillCommand.help,
        command: () => drillCommand,
        bad: [["--mode", "destroy"], /^--mode "destroy" is not one of create, update$/m],
    },
    {
        script: "restore",
        file: "tools/recovery/restore.ts",
        help: () => restoreCommand.help,
        command: () => restoreCommand,
        bad: [["--stack", "prod", "--to", "2026-02-30T10:00:00Z"], /^--to "2026-02-30T10:00:00Z" is invalid: expected an ISO 8601 time with its zone/m],
    },
    {
        script: "reindex",
        file: "tools/recovery/reindex.ts",
        help: () => reindexCommand.help,
        command: () => reindexCommand,
        bad: [["--stack", "prod", "--via", "lambda"], /^--via "lambda" is not one of direct, indexer$/m],
    },
    {
        script: "export-users",
        file: "tools/recovery/export-users.ts",
        help: () => exportUsersCommand.help,
        command: () => exportUsersCommand,
        bad: [["--stack", "prod", "--to", "s3://b/"], /^--to "s3:\/\/b\/" is invalid: expected s3:\/\/<bucket>\/<key>/m],
    },
    {
        script: "bench:drill",
        file: "bench/drill.ts",
        help: () => drillBenchCommand.help,
        command: () => drillBenchCommand,
        bad: [["--runs", "51"], /^--runs "51" is invalid: expected an integer from 1 to 50\.$/m],
    },
    {
        script: "capacity",
        file: "tools/capacity/cli.ts",
        help: () => capacityCommand.help,
        command: () => capacityCommand,
        bad: [["--growth", "ten"], /^--growth "ten" is invalid: expected a monthly growth rate such as "10%\/month"/m],
    },
    {
        script: "cost",
        file: "tools/cost/cli.ts",
        help: () => costCommand.help,
        command: () => costCommand,
        bad: [["--rps", "0"], /^--rps "0" is invalid: expected a number of requests per second above 0/m],
    },
    {
        script: "dr",
        file: "tools/dr/cli.ts",
        help: () => drCommand.help,
        command: () => drCommand,
        bad: [["--stack", "nope"], /^--stack nope: no Pulumi\.nope\.yaml; allowed: dev, prod-dr, prod, staging\.$/m],
    },
    {
        script: "branch-protection",
        file: "tools/branch-protection/cli.ts",
        help: () => branchProtectionCommand.help,
        command: () => branchProtectionCommand,
        bad: [["--workspace", "w", "--repo", "r", "--approvals", "11"], /^--approvals "11" is invalid/m],
    },
    {
        script: "bench:capacity",
        file: "bench/capacity.ts",
        help: () => capacityBenchCommand.help,
        command: () => capacityBenchCommand,
        bad: [["--runs", "51"], /^--runs "51" is invalid: expected an integer from 1 to 50\.$/m],
    },
];

describe("every command: --help, bad flags and bad values, as a process", function () {
    this.timeout(60_000);
    const results = new Map<string, Promise<{ before: unknown; help: Ran; unknown?: Ran; bad?: Ran; after: unknown }>>();

    before(() => {
        for (const c of COMMANDS) {
            const before = c.untouched?.();
            const run = Promise.all([
                cli(c.file, [...(c.with ?? []), "--help"]),
                c.command ? Promise.resolve(undefined) : cli(c.file, [...(c.with ?? []), "--definitely-not-a-flag"]),
                c.bad ? cli(c.file, c.bad[0]) : Promise.resolve(undefined),
            ]).then(([help, unknown, bad]) => ({ before, help, ...(unknown ? { unknown } : {}), ...(bad ? { bad } : {}), after: c.untouched?.() }));
            results.set(c.script, run);
            // The specs below await each result; an unhandled rejection would otherwise end the worker first.
            run.catch(() => {});
        }
    });

    it("covers every npm script that runs a command of tools/, bench/ or policies/scripts/", () => {
        const commands = Object.entries(scripts)
            .filter(([, line]) => /^(ts-node --transpile-only|node) (tools|bench|policies\/scripts)\//.test(line))
            .map(([name, line]) => [name, line.replace(/^(ts-node --transpile-only|node) /, "")]);
        assert.deepEqual(commands.sort(), COMMANDS.map((c) => [c.script, c.file]).sort());
    });

    for (const c of COMMANDS) {
        describe(`npm run ${c.script}`, () => {
            it("--help prints its usage and every flag with its default on stdout, exits 0, and does nothing else", async () => {
                const { help, before, after } = (await results.get(c.script))!;
                assert.equal(help.code, 0, help.stderr);
                assert.equal(help.stderr, "");
                assert.equal(help.stdout, `${c.help()}\n`);
                assert.match(help.stdout, new RegExp(`^usage: npm run ${c.script}\\b`));
                // Each flag's entry (its line and the indented lines under it) ends with its default.
                const entries = help.stdout.split(/\n(?= {2}-)|\n(?=\n)/).filter((e) => /^ {2}-/.test(e) && !/--help\b/.test(e));
                assert.ok(entries.length > 0 || c.script === "docs", "lists its flags");
                for (const entry of entries) assert.match(entry.replace(/\s+/g, " "), /\((repeatable, )?default: .+\)$/, entry);
                assert.deepEqual(after, before, "the command's work left nothing behind");
            });

            it("--definitely-not-a-flag: one line on stderr naming it and what is allowed, nothing on stdout, exit 2", async () => {
                const { unknown, before, after } = (await results.get(c.script))!;
                const message = /Unknown flag --definitely-not-a-flag; allowed: .*--help\b/;
                if (unknown !== undefined) {
                    assertRefused(unknown, message, "--definitely-not-a-flag");
                } else {
                    const command = c.command!();
                    assert.throws(
                        () => command.parse([...(c.with ?? []), "--definitely-not-a-flag"]),
                        (e: Error) => e instanceof UsageError && /^[^\n]+$/.test(e.message) && message.test(e.message) && e.message.endsWith(command.seeHelp),
                    );
                }
                assert.deepEqual(after, before, "the command's work left nothing behind");
            });

            if (c.bad)
                it(`a bad value (${c.bad[0].join(" ")}): one line naming the flag and what is allowed, exit 2`, async () => {
                    assertRefused((await results.get(c.script))!.bad!, c.bad![1], c.bad![0].join(" "));
                });
        });
    }
});

describe("--json where a machine reads the output", function () {
    this.timeout(60_000);

    it("npm run bundle -- --json prints the bundle list and nothing else", async () => {
        const r = await cli("tools/bundle.ts", ["--only", "ses-feedback", "--out-dir", dir("bundle-json"), "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const list = JSON.parse(r.stdout) as BundleResult[];
        assert.deepEqual(
            list.map((b) => [b.name, b.file]),
            [["ses-feedback", path.join(dir("bundle-json"), "ses-feedback", "index.js")]],
        );
        assert.ok(list[0]!.bytes === statSync(list[0]!.file).size && /^[0-9a-f]{64}$/.test(list[0]!.sha256));
    });

    it("npm run pack -- --json prints the tarballs and nothing else; --examples refuses --only with exit 2", async () => {
        const r = await cli("tools/pack.ts", ["--only", "outputs", "--out-dir", dir("pack-json"), "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const list = JSON.parse(r.stdout) as pack.PackedPackage[];
        assert.deepEqual(
            list.map((p) => [p.kind, p.name, p.tarball]),
            [["outputs", "@serverless-platform/outputs", path.join(dir("pack-json"), `serverless-platform-outputs-${list[0]!.version}.tgz`)]],
        );
        assert.ok(statSync(list[0]!.tarball).size > 0 && list[0]!.files.includes("outputs.d.ts"));
        assertRefused(
            await cli("tools/pack.ts", ["--examples", "--only", "outputs"]),
            /^--examples installs what examples\/consumer names.*takes no --out-dir or --only\./,
            "--examples --only",
        );
    });

    it("npm run site:build -- --json prints the built files and nothing else", async () => {
        const r = await cli("tools/site.ts", ["--out-dir", dir("site-json"), "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const site = JSON.parse(r.stdout) as { outDir: string; files: Array<{ key: string; bytes: number; sha256: string }> };
        assert.equal(site.outDir, dir("site-json"));
        assert.ok(site.files.some((f) => f.key === "index.html"));
        for (const f of site.files) assert.equal(statSync(path.join(site.outDir, f.key)).size, f.bytes);
    });

    /** A preview stand-in: the n-th call's numbers, so medians and the cold run are known. */
    function fakePreview(resources: number, totals: number[]) {
        const calls: Array<{ stack: string; mode?: string; policyPackConfigs?: readonly (string | undefined)[] }> = [];
        let i = 0;
        const preview = async (options: { stack: string; mode?: string; policyPackConfigs?: readonly (string | undefined)[] }) => {
            calls.push(options);
            const totalMs = totals[i++ % totals.length]!;
            return { summary: { resources }, diagnostics: [1, 2], timings: { programMs: totalMs - 100, policyMs: 100, totalMs } };
        };
        return { calls, preview };
    }

    it("npm run bench -- --json: each stack's cold run and the medians of the runs after it, as one JSON object", async () => {
        const { calls, preview } = fakePreview(340, [4000, 2500, 2600, 2400]);
        const lines: string[] = [];
        let cleared = 0;
        const code = await previewBench(["--runs", "3", "--stacks=dev,prod", "--mode", "update", "--json"], {
            out: (l) => lines.push(l),
            preview,
            clearCodeCache: () => (cleared += 1),
        });
        assert.equal(code, 0);
        assert.equal(lines.length, 1, "one JSON document, nothing else");
        const bench = JSON.parse(lines[0]!) as PreviewBench;
        assert.deepEqual(bench, {
            mode: "update",
            runs: 3,
            stacks: ["dev", "prod"].map((stack) => ({
                stack,
                resources: 340,
                coldMs: 4000,
                programMs: 2400,
                policyMs: 100,
                totalMs: 2500,
                resourcesPerSecond: 136,
            })),
        });
        assert.equal(cleared, 2, "a cold run per stack");
        assert.deepEqual(
            calls.map((c) => [c.stack, c.mode, path.basename(c.policyPackConfigs![0]!)]),
            [...Array(4).fill(["dev", "update", "dev.json"]), ...Array(4).fill(["prod", "update", "prod.json"])],
        );

        const text: string[] = [];
        assert.equal(
            await previewBench(["--runs", "1", "--stacks", "dev"], { out: (l) => text.push(l), ...fakePreview(10, [900, 1000]), clearCodeCache: () => {} }),
            0,
        );
        assert.deepEqual(text.slice(0, 2), [
            "offline preview, create mode, median of 1 runs after a cold one",
            "stack      resources  cold ms  program ms  policy ms  total ms  resources/s",
        ]);
        assert.match(text[2]!, /^dev +10 +900 +900 +100 +1000 +10$/);
    });

    it("npm run bench's CPU bound counts a process's whole tree: a child and the grandchild it waited for", async function () {
        if (process.platform !== "linux") this.skip();
        // Each burns 400 ms of CPU (not of wall time, which a busy machine stretches).
        const burn = "const s = process.cpuUsage(); while (process.cpuUsage(s).user < 400000);";
        const script = `require("child_process").spawnSync(process.execPath, ["-e", ${JSON.stringify(burn)}]); ${burn}`;
        const t = await timed(process.execPath, ["-e", script]);
        assert.ok(t.cpuMs !== undefined && t.cpuMs >= 780 && t.cpuMs < 5000, `cpu ${t.cpuMs} ms`);
    });

    it("npm run bench refuses bad --runs, --mode and --stacks before any preview", async () => {
        const { calls, preview } = fakePreview(1, [1]);
        const cases: Array<[string[], RegExp]> = [
            [["--runs", "101"], /^--runs "101" is invalid: expected an integer from 1 to 100\.$/],
            [["--runs", "2.5"], /^--runs "2\.5" is invalid/],
            [["--mode", "destroy"], /^--mode "destroy" is not one of create, update$/],
            [["--stacks", "dev,,prod"], /^--stacks "dev,,prod" is invalid: "" is not a stack name/],
            [["--stacks", "dev;rm"], /^--stacks "dev;rm" is invalid: "dev;rm" is not a stack name/],
            [["--stacks", "dev,dev"], /^--stacks "dev,dev" is invalid: dev is given twice\.$/],
            [["--json=true"], /^--json takes no value\.$/],
        ];
        for (const [argv, message] of cases)
            await assert.rejects(
                previewBench(argv, { preview, clearCodeCache: () => assert.fail("no work") }),
                (e: Error) => e instanceof UsageError && message.test(e.message),
            );
        assert.deepEqual(calls, []);
    });

    it("npm run bench reports a failed preview on stderr and exits 1", async () => {
        const err: string[] = [];
        const code = await previewBench(["--stacks", "qa"], {
            out: () => {},
            err: (l) => err.push(l),
            preview: async () => {
                throw new Error("stack 'qa' has no Pulumi.qa.yaml");
            },
            clearCodeCache: () => {},
        });
        assert.deepEqual([code, err], [1, ["bench failed: stack 'qa' has no Pulumi.qa.yaml"]]);
    });

    it("npm run bench:policy -- --json: the pack's start-up and each mode's medians and ratio, as one JSON object", async () => {
        const { calls, preview } = fakePreview(340, [2100, 2200, 2000]);
        const lines: string[] = [];
        const code = await policyBench(["--runs=3", "--json"], { out: (l) => lines.push(l), preview, packStartMs: async () => 800 });
        assert.equal(code, 0);
        assert.equal(lines.length, 1);
        const bench = JSON.parse(lines[0]!) as PolicyBench;
        const mode = (m: string) => ({ mode: m, resources: 340, diagnostics: 2, programMs: 2000, policyMs: 100, ratio: 0.05 });
        assert.deepEqual(bench, { packStartMs: 800, runs: 3, target: 0.25, modes: [mode("create"), mode("update")], withinTarget: true });
        assert.deepEqual(
            calls.map((c) => [c.stack, c.mode]),
            [...Array(3).fill(["prod", "create"]), ...Array(3).fill(["prod", "update"])],
        );
        await assert.rejects(
            policyBench(["--runs", "51"], { preview, packStartMs: async () => assert.fail("no work") }),
            /^UsageError: --runs "51" is invalid: expected an integer from 1 to 50\.$/,
        );
    });

    describe("npm run bench:cold-start", () => {
        const fakeBundle = async (options: BundleOptions): Promise<BundleResult[]> =>
            FUNCTION_NAMES.map((name, i) => ({
                name,
                file: path.join(options.outDir!, name, "index.js"),
                bytes: (100 + i * 100) * 1024,
                mapBytes: 1,
                sha256: "0".repeat(64),
            }));
        // Bundled 10/12/14 ms, unbundled 40 ms; the last function loads in 45 ms and misses the load and ratio targets.
        const loadMs = (file: string) => {
            const unbundled = file.includes("bench-unbundled-");
            const name = path.basename(path.dirname(file));
            if (unbundled) return 40;
            return name === "ses-feedback" ? 45 : 10 + (FUNCTION_NAMES.indexOf(name as never) % 3) * 2;
        };

        it("--json: each function's size, medians, ratio and missed targets as one JSON object; exit 1 when a target is missed", async () => {
            const lines: string[] = [];
            const code = await coldStart(["--runs", "3", "--json"], { out: (l) => lines.push(l), bundle: fakeBundle, loadMs, nodeVersion: () => "v24.0.0" });
            assert.equal(code, 1, "ses-feedback misses targets");
            assert.equal(lines.length, 1);
            const bench = JSON.parse(lines[0]!) as ColdStartBench;
            assert.equal(bench.node, "v24.0.0");
            assert.equal(bench.runs, 3);
            assert.deepEqual(bench.targets, { maxKb: 420, maxMedianMs: 40, maxRatio: 0.5 });
            assert.deepEqual(
                bench.functions.map((f) => [f.name, f.bundleKb, f.bundledMs, f.unbundledMs, f.ratio, f.missed]),
                [
                    ["api", 100, 10, 40, 0.25, []],
                    ["email-worker", 200, 12, 40, 0.3, []],
                    ["search-indexer", 300, 14, 40, 0.35, []],
                    ["ses-feedback", 400, 45, 40, 1.125, ["load>40ms", "ratio>0.5"]],
                ],
            );
            assert.equal(bench.missed, 1);
        });

        it("refuses a bad --runs before bundling, and reports a missing --baseline on stderr with exit 2", async () => {
            const bundle = async () => assert.fail("no work");
            for (const runs of ["0", "202", "ten"])
                await assert.rejects(
                    coldStart(["--runs", runs], { bundle }),
                    (e: Error) => e instanceof UsageError && e.message.startsWith(`--runs "${runs}" is invalid`),
                );
            const err: string[] = [];
            const code = await coldStart(["--baseline", path.join(out, "no-such-baseline")], { out: () => {}, err: (l) => err.push(l), bundle });
            assert.equal(code, 2);
            assert.match(err.join("\n"), /^--baseline: .*no-such-baseline\/api\/index\.js does not exist; build it with npm run bundle -- --out-dir DIR$/);
        });
    });

    it("npm run redrive -- --help answers in-process too, before any stack lookup", async () => {
        const lines: string[] = [];
        const code = await redrive(
            ["--help"],
            async () => assert.fail("no lookup"),
            (l) => lines.push(l),
        );
        assert.equal(code, 0);
        assert.match(lines.join("\n"), /^usage: npm run redrive -- --stack <stack> --queue <name>/);
    });
});
