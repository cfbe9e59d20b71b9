/**
 * `npm run drill` and `npm run bench:drill` as commands: --help, bad flags and bad values as the command
 * conventions say (test/tools/commands.spec.ts), exit 0 / 1 / 2, --json, scenarios found by name, by file or
 * all of drills/, bad scenarios refused before any preview where the stack is not needed; and the
 * repository's own drills/api-5xx-burst.json on the dev stack (the whole catalogue on every stack is test/drill/catalogue.ts, run by test/stack-views.spec.ts).
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { UsageError } from "../../tools/cli";
import { COMMAND as BENCH, main as bench, type DrillBench } from "../../bench/drill";
import { COMMAND, main as drill } from "../../tools/drill/cli";
import { ScenarioError } from "../../tools/drill/scenario";
import type { ScenarioResult } from "../../tools/drill/run";
import { runPreview, type PreviewOptions, type PreviewReport } from "../../tools/preview";
import { stackPreview } from "../shared/stack-previews";

const REPO = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(REPO, "test", "fixtures", "drill", "plain-alarms");
const dir = mkdtempSync(path.join(tmpdir(), "drill-cli-spec-"));

interface Ran {
    code: number | null;
    stdout: string;
    stderr: string;
}

function cli(file: string, args: string[]): Promise<Ran> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(REPO, file), ...args],
            { cwd: REPO, encoding: "utf8", timeout: 90_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: "0" } },
            (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
        );
    });
}

/** A refusal: exit 2, one line on stderr naming what is wrong, nothing on stdout, no stack trace. */
function assertRefused(r: Ran, message: RegExp, what: string): void {
    assert.equal(r.code, 2, `${what}: exit code\n${r.stderr}`);
    assert.equal(r.stdout, "", `${what}: nothing on stdout`);
    assert.match(r.stderr, /^[^\n]+\n$/, `${what}: one line on stderr, got:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.match(r.stderr, message, what);
}

function file(name: string, content: unknown): string {
    const f = path.join(dir, name);
    writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
    return f;
}

describe("npm run drill and npm run bench:drill as processes", function () {
    this.timeout(120_000);
    const runs = new Map<string, Promise<Ran>>();
    const cases: Record<string, [string, string[]]> = {
        help: ["tools/drill/cli.ts", ["--help"]],
        unknown: ["tools/drill/cli.ts", ["--definitely-not-a-flag"]],
        mode: ["tools/drill/cli.ts", ["--mode", "destroy"]],
        exclusive: ["tools/drill/cli.ts", ["--scenario", "x", "--all"]],
        missing: ["tools/drill/cli.ts", ["--scenario", "no-such-drill"]],
        notJson: ["tools/drill/cli.ts", ["--scenario-file", path.join(dir, "not-json.json")]],
        all: ["tools/drill/cli.ts", ["--cwd", FIXTURE, "--all", "--json"]],
        benchHelp: ["bench/drill.ts", ["--help"]],
        benchUnknown: ["bench/drill.ts", ["--definitely-not-a-flag"]],
        benchRuns: ["bench/drill.ts", ["--runs", "51"]],
    };
    before(() => {
        file("not-json.json", '{ "name": "x",');
        for (const [key, [f, args]] of Object.entries(cases)) runs.set(key, cli(f, args));
    });
    const ran = (key: string) => runs.get(key)!;

    it("--help prints the usage and every flag with its default, exits 0", async () => {
        for (const [key, command] of [
            ["help", COMMAND],
            ["benchHelp", BENCH],
        ] as const) {
            const r = await ran(key);
            assert.deepEqual([r.code, r.stderr, r.stdout], [0, "", `${command.help}\n`]);
            assert.match(r.stdout, new RegExp(`^usage: npm run ${command.name} -- `));
            const entries = r.stdout.split(/\n(?= {2}-)|\n(?=\n)/).filter((e) => /^ {2}-/.test(e) && !/--help\b/.test(e));
            assert.ok(entries.length >= 3);
            for (const entry of entries) assert.match(entry.replace(/\s+/g, " "), /\((repeatable, )?default: .+\)$/, entry);
        }
        assert.match(
            (await ran("help")).stdout.replace(/\s+/g, " "),
            /^usage: npm run drill -- \[--stack dev\] \[--cwd DIR\] \[--mode update\] \[--scenario NAME \| --scenario-file FILE \| --all\] \[--stack-reference NAME=FILE\]\.\.\. \[--json\] /,
        );
    });

    it("an unknown flag, a bad value, exclusive flags, an unknown scenario: one line, exit 2", async () => {
        assertRefused(
            await ran("unknown"),
            /^Unknown flag --definitely-not-a-flag; allowed: --stack, --cwd, --mode, --scenario, --scenario-file, --all, --stack-reference, --json, --help\./,
            "unknown",
        );
        assertRefused(await ran("mode"), /^--mode "destroy" is not one of create, update$/m, "--mode");
        assertRefused(await ran("exclusive"), /^--scenario and --all are exclusive: give one\. Run `npm run drill -- --help` for usage\.$/m, "exclusive");
        assertRefused(await ran("missing"), /^--scenario "no-such-drill" is not in drills; allowed: [a-z0-9-]+(, [a-z0-9-]+)*, api-5xx-burst, /, "missing");
        assertRefused(await ran("benchUnknown"), /^Unknown flag --definitely-not-a-flag; allowed: --stack, --runs, --json, --help\./, "bench unknown");
        assertRefused(await ran("benchRuns"), /^--runs "51" is invalid: expected an integer from 1 to 50\.$/m, "bench --runs");
    });

    it("a scenario file that is not JSON: exit 2 naming the file, before any preview", async () => {
        const r = await ran("notJson");
        assertRefused(r, /not-json\.json: \(the whole file\): is not JSON at line 1, column 15 .*; allowed: a JSON object/, "not JSON");
    });

    it("--all --json on the fixture program: every scenario as JSON and nothing else, exit 1 as one fails", async () => {
        const r = await ran("all");
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stderr, "");
        const report = JSON.parse(r.stdout) as { stack: string; scenarios: ScenarioResult[] };
        assert.equal(report.stack, "dev");
        assert.deepEqual(
            report.scenarios.map((s) => [s.name, s.pass]),
            [
                ["app-log-errors", true],
                ["billing-release-stops", false],
                ["finding-high-pages", false],
                ["orders-bad-release", true],
                ["orders-latency-escalates", true],
                ["quiet-baseline", true],
            ],
        );
        assert.equal(report.scenarios[3]!.file, path.join("test", "fixtures", "drill", "plain-alarms", "drills", "orders-bad-release.json"));
    });
});

describe("npm run drill in-process", function () {
    this.timeout(120_000);
    let dev: PreviewReport;
    let fixture: PreviewReport;
    const calls: PreviewOptions[] = [];
    const preview = async (options: PreviewOptions): Promise<PreviewReport> => {
        calls.push(options);
        return options.cwd === FIXTURE ? fixture : dev;
    };
    const io = (lines: string[]) => ({ out: (t: string) => lines.push(t), preview });
    before(async () => {
        [dev, fixture] = await Promise.all([stackPreview("dev"), runPreview({ cwd: FIXTURE, stack: "dev", mode: "update", policyPacks: [] })]);
    });
    beforeEach(() => (calls.length = 0));

    it("previews the stack offline in update mode with no policy pack; --scenario NAME reads <cwd>/drills/NAME.json; exit 0 when all pass", async () => {
        const lines: string[] = [];
        assert.equal(await drill(["--cwd", FIXTURE, "--scenario", "orders-bad-release"], io(lines)), 0);
        assert.deepEqual(calls, [{ cwd: FIXTURE, stack: "dev", mode: "update", policyPacks: [] }]);
        assert.match(lines.join("\n"), /^PASS orders-bad-release \(stack dev, /);
        assert.match(lines.join("\n"), /t\+5m {2}CodeDeploy orders: stop and roll back \(orders-errors in ALARM\)/);
        await drill(["--cwd", FIXTURE, "--scenario=quiet-baseline.json", "--mode", "create", "--stack", "dev"], io([]));
        assert.equal(calls[1]!.mode, "create");
    });

    it("--scenario-file runs any file; bad input throws for exit 2 and names the file, before the preview when it can", async () => {
        const unwatched = file("unwatched.json", {
            name: "u",
            minutes: 5,
            metrics: [{ namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "billing" }, points: [[0, 1]] }],
            expect: { alarms: ["nope-*"] },
        });
        await assert.rejects(
            drill(["--cwd", FIXTURE, "--scenario-file", unwatched], io([])),
            (e: Error) =>
                e instanceof ScenarioError &&
                e.message.split("\n").length === 2 &&
                /unwatched\.json: metrics\[0\]: AWS\/Lambda Errors \{FunctionName=billing\} is watched by no alarm of stack dev; allowed: a metric an alarm watches; in AWS\/Lambda: .*Errors \{FunctionName\}/.test(
                    e.message,
                ) &&
                /unwatched\.json: expect\.alarms\[0\]: "nope-\*" matches no alarm of stack dev; allowed: a glob matching one of its \d+ alarms, such as /.test(
                    e.message,
                ),
        );
        assert.equal(calls.length, 1, "the stack was needed");
        calls.length = 0;
        await assert.rejects(
            drill(["--scenario-file", file("bad.json", { name: "b", minutes: 5, metrics: [], expect: { quiet: true } })], io([])),
            /bad\.json: metrics: the scenario has no data/,
        );
        assert.equal(calls.length, 0, "refused before the preview");
        await assert.rejects(
            drill(["--scenario-file", path.join(dir, "absent.json")], io([])),
            (e: Error) => e instanceof UsageError && /^--scenario-file .*absent\.json: no such file\.$/.test(e.message),
        );
        await assert.rejects(
            drill(["--cwd", dir], io([])),
            (e: Error) => e instanceof UsageError && /no Pulumi program there \(no Pulumi\.yaml\)/.test(e.message),
        );
        await assert.rejects(
            drill(["--cwd", path.join(REPO, "test", "fixtures", "policy", "iam")], io([])),
            (e: Error) =>
                e instanceof UsageError &&
                /drills has no scenario \(\*\.json\): write one \(docs\/drills\.md\), or give --scenario-file FILE\./.test(e.message),
        );
    });

    it("the repository's drills/api-5xx-burst.json on dev: the release rolls back and the escalation reaches dev's escalated tier (exit 0)", async () => {
        const lines: string[] = [];
        assert.equal(await drill(["--scenario", "api-5xx-burst", "--json"], io(lines)), 0);
        assert.equal(lines.length, 1, "one JSON document");
        const report = JSON.parse(lines[0]!) as { stack: string; scenarios: ScenarioResult[] };
        const r = report.scenarios[0]!;
        assert.equal(report.stack, "dev");
        assert.deepEqual([r.detectedAtMinute, r.notifiedAtMinute, r.rolledBackAtMinute, r.escalatedAtMinute], [7, 7, 7, 34]);
        assert.deepEqual(r.failures, []);
        // Until dev had escalationEmails of its own, this escalation reached only platform-dev-alerts@example.com, who already had the alert.
        assert.deepEqual(
            r.timeline.flatMap((e) => (e.kind === "escalate" ? e.endpoints.map((x) => x.endpoint) : [])),
            ["platform-dev-escalation@example.com"],
        );
        // dev's 5-minute bake: the release would complete at t+9m, two minutes after the rollback.
        assert.equal(r.release?.endsAtMinute, 9);
        assert.deepEqual(
            r.timeline.filter((e) => e.kind === "rollback"),
            [
                {
                    minute: 7,
                    kind: "rollback",
                    function: "api",
                    group: "platform-dev-api",
                    alarm: r.timeline.find((e) => e.kind === "rollback" && "alarm" in e)!.alarm,
                },
            ],
        );
    });

    it("npm run bench:drill -- --json: the preview and the drill side by side, the drill's own work against the 10 % target", async () => {
        let clock = 0;
        const timed = async (options: PreviewOptions) => {
            clock += 1000;
            return preview(options);
        };
        const lines: string[] = [];
        assert.equal(await bench(["--runs", "1", "--stack", "dev", "--json"], { out: (l) => lines.push(l), preview: timed, now: () => clock }), 0);
        assert.equal(lines.length, 1);
        const result = JSON.parse(lines[0]!) as DrillBench;
        const catalogue = readdirSync(path.join(REPO, "drills")).filter((f) => f.endsWith(".json")).length;
        assert.deepEqual(
            [result.stack, result.runs, result.scenarios, result.previewMs, result.drillMs, result.target],
            ["dev", 1, catalogue, 1000, 1000, 0.1],
        );
        assert.equal(result.ratio, 1);
        assert.equal(typeof result.workRatio, "number");
        assert.deepEqual(
            calls.map((c) => [c.stack, c.mode, c.policyPacks]),
            Array(3).fill(["dev", "update", []]),
            "a warm-up, then a preview and a drill",
        );
        const text: string[] = [];
        await bench(["--runs", "1", "--stack", "dev"], { out: (l) => text.push(l), preview: timed, now: () => clock });
        assert.match(text[0]!, new RegExp(`^drill of dev \\(${catalogue} scenarios\\) vs one offline preview \\(update mode, no policy pack\\), median of 1$`));
        assert.match(text[2]!, /^drill +1000 ms = 100\.0 % of the preview \(target <= 110 %\)$/);
        const err: string[] = [];
        assert.equal(
            await bench(["--runs", "1"], {
                out: () => {},
                err: (l) => err.push(l),
                preview: async () => {
                    throw new Error("no Pulumi.qa.yaml");
                },
            }),
            1,
        );
        assert.deepEqual(err, ["bench:drill failed: no Pulumi.qa.yaml"]);
    });
});
