/**
 * Cold-start benchmark for the Lambda bundles: for each function, the bundle's size and its module
 * load time (median over fresh Node processes, measured inside the process around `require`), next
 * to the same handler loaded unbundled, with its dependencies resolved from node_modules.
 *
 *   npm run bench:cold-start [-- --runs 15] [-- --baseline DIR] [-- --json]
 *
 * `--baseline DIR` also loads the bundles in DIR (`npm run bundle -- --out-dir DIR` on another
 * revision) in the same interleaved runs, and prints the ratio of the current bundles to those: a
 * change's cost measured side by side, whatever else the machine is doing.
 *
 * Targets: each bundle at most 420 KB without its source map (400 KB before X-Ray tracing added the SDK), a median load of at most 40 ms, and
 * at most half the unbundled load time. Prints a table (`--json`: the numbers as JSON); exits 1 if a target is missed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { defineCommand, integer, runProcess } from "../tools/cli";
import { bundleAll, FUNCTION_NAMES, lambdaNode, REPO_ROOT, SAMPLE_FUNCTION_ENV, type BundleOptions, type BundleResult } from "../tools/bundle";

const MAX_KB = 420;
const MAX_MEDIAN_MS = 40;
const MAX_RATIO = 0.5;

const ENV = { PATH: process.env.PATH ?? "", ...SAMPLE_FUNCTION_ENV };

const PROBE =
    "const t=process.hrtime.bigint();const m=require(process.argv[1]);const ms=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=='function')process.exit(3);process.stdout.write(String(ms));";

export const COMMAND = defineCommand({
    name: "bench:cold-start",
    synopsis: "[--runs 11] [--baseline DIR] [--json]",
    summary:
        `Each Lambda bundle's size and module load time (median over fresh Node processes), next to the same handler unbundled. Targets: at most ${MAX_KB} KB, ` +
        `a median load of at most ${MAX_MEDIAN_MS} ms, at most ${MAX_RATIO} of the unbundled load time.`,
    flags: {
        runs: { type: "string", value: "N", description: "fresh processes per bundle, 1 to 201", default: "11", parse: integer(1, 201) },
        baseline: {
            type: "string",
            value: "DIR",
            description:
                "also load the bundles in DIR (`npm run bundle -- --out-dir DIR` on another revision) in the same interleaved runs, and print the ratio to them",
        },
        json: { type: "boolean", description: "print { node, runs, targets, functions: [...], missed } and nothing else on stdout" },
    },
    epilog: "Exit code: 0 every target met, 1 a target missed, 2 bad usage or the bench failed.",
});

export interface FunctionColdStart {
    name: string;
    bundleKb: number;
    bundledMs: number;
    unbundledMs: number;
    ratio: number;
    baseline?: { bundleKb: number; loadMs: number; ratio: number };
    /** The targets missed: `size>420KB`, `load>40ms`, `ratio>0.5`. */
    missed: string[];
}

export interface ColdStartBench {
    node: string;
    runs: number;
    loadAverage: number[];
    cores: number;
    targets: { maxKb: number; maxMedianMs: number; maxRatio: number };
    functions: FunctionColdStart[];
    /** How many functions missed a target. */
    missed: number;
}

export interface ColdStartIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** @default tools/bundle.ts's bundleAll */
    bundle?: (options: BundleOptions) => Promise<BundleResult[]>;
    /** One fresh process's load time of a bundle, in ms. @default the probe on the Lambda runtime's Node.js */
    loadMs?: (file: string) => number;
    /** @default the Lambda runtime's Node.js version */
    nodeVersion?: () => string;
}

function loadMs(file: string): number {
    return Number(execFileSync(lambdaNode(), ["-e", PROBE, file], { env: ENV, cwd: path.dirname(file), stdio: ["ignore", "pipe", "ignore"] }).toString());
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export async function main(argv: readonly string[], io: ColdStartIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const err = io.err ?? ((line: string) => console.error(line));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    try {
        return await measure(parsed.values.runs, parsed.values.baseline, parsed.values.json, io, out);
    } catch (error) {
        // A failure of the bench itself (a bundle, a probe, a missing baseline): no numbers.
        err(error instanceof Error ? error.message : String(error));
        return 2;
    }
}

async function measure(runs: number, baselineFlag: string | undefined, json: boolean, io: ColdStartIo, out: (line: string) => void): Promise<number> {
    const load = io.loadMs ?? loadMs;
    const bundle = io.bundle ?? bundleAll;
    const baselineDir = baselineFlag !== undefined ? path.resolve(baselineFlag) : undefined;
    const baselineFile = (name: string): string | undefined => (baselineDir ? path.join(baselineDir, name, "index.js") : undefined);
    for (const name of FUNCTION_NAMES) {
        const file = baselineFile(name);
        if (file && !existsSync(file)) throw new Error(`--baseline: ${file} does not exist; build it with npm run bundle -- --out-dir DIR`);
    }

    const bundledDir = mkdtempSync(path.join(tmpdir(), "bench-bundled-"));
    // Inside the repository, so the unbundled build resolves its packages from node_modules as a plain deploy would.
    const unbundledDir = path.join(REPO_ROOT, "dist", `bench-unbundled-${process.pid}`);
    try {
        const bundled = await bundle({ outDir: bundledDir });
        const unbundled = await bundle({ outDir: unbundledDir, packages: "external" });
        const result: ColdStartBench = {
            node: (io.nodeVersion ?? (() => execFileSync(lambdaNode(), ["--version"]).toString().trim()))(),
            runs,
            loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
            cores: cpus().length,
            targets: { maxKb: MAX_KB, maxMedianMs: MAX_MEDIAN_MS, maxRatio: MAX_RATIO },
            functions: [],
            missed: 0,
        };
        if (!json) {
            // Load time is mostly V8 compiling the bundle, so it tracks CPU contention: print the load beside it.
            out(
                `cold start, ${runs} fresh processes each, node ${result.node}, load average ${result.loadAverage.map((l) => l.toFixed(1)).join(" ")} on ${result.cores} cores\n`,
            );
            out(`function          bundle KB   bundled ms   unbundled ms   ratio${baselineDir ? "   baseline KB  baseline ms  vs baseline" : ""}   targets`);
        }
        for (const name of FUNCTION_NAMES) {
            const b = bundled.find((r) => r.name === name)!;
            const u = unbundled.find((r) => r.name === name)!;
            const bundledTimes: number[] = [];
            const unbundledTimes: number[] = [];
            const baselineTimes: number[] = [];
            const baseline = baselineFile(name);
            // Interleaved, so background load on the machine hits all sides alike.
            for (let i = 0; i < runs; i += 1) {
                bundledTimes.push(load(b.file));
                unbundledTimes.push(load(u.file));
                if (baseline) baselineTimes.push(load(baseline));
            }
            const kb = b.bytes / 1024;
            const bMs = median(bundledTimes);
            const uMs = median(unbundledTimes);
            const ratio = bMs / uMs;
            const missed = [
                kb > MAX_KB ? `size>${MAX_KB}KB` : "",
                bMs > MAX_MEDIAN_MS ? `load>${MAX_MEDIAN_MS}ms` : "",
                ratio > MAX_RATIO ? `ratio>${MAX_RATIO}` : "",
            ].filter(Boolean);
            if (missed.length > 0) result.missed += 1;
            const row: FunctionColdStart = {
                name,
                bundleKb: Number(kb.toFixed(1)),
                bundledMs: Number(bMs.toFixed(2)),
                unbundledMs: Number(uMs.toFixed(2)),
                ratio: Number(ratio.toFixed(3)),
                ...(baseline
                    ? {
                          baseline: {
                              bundleKb: Number((statSync(baseline).size / 1024).toFixed(1)),
                              loadMs: Number(median(baselineTimes).toFixed(2)),
                              ratio: Number((bMs / median(baselineTimes)).toFixed(3)),
                          },
                      }
                    : {}),
                missed,
            };
            result.functions.push(row);
            if (json) continue;
            const vsBaseline = row.baseline
                ? `${row.baseline.bundleKb.toFixed(1).padStart(14)} ${median(baselineTimes).toFixed(1).padStart(12)} ${(bMs / median(baselineTimes)).toFixed(2).padStart(12)}`
                : "";
            out(
                `${name.padEnd(16)} ${kb.toFixed(1).padStart(10)} ${bMs.toFixed(1).padStart(12)} ${uMs.toFixed(1).padStart(14)} ${ratio.toFixed(2).padStart(7)}${vsBaseline}   ${missed.length ? missed.join(", ") : "met"}`,
            );
        }
        if (json) out(JSON.stringify(result, null, 2));
        return result.missed > 0 ? 1 : 0;
    } finally {
        rmSync(bundledDir, { recursive: true, force: true });
        rmSync(unbundledDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    runProcess("bench:cold-start", () => main(process.argv.slice(2)));
}
