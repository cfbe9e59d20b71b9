/**
 * Cold-start benchmark for the Lambda bundles: for each function, the bundle's size and its module
 * load time (median over fresh Node processes, measured inside the process around `require`), next
 * to the same handler loaded unbundled, with its dependencies resolved from node_modules.
 *
 *   npm run bench:cold-start [-- --runs 15] [-- --baseline DIR]
 *
 * `--baseline DIR` also loads the bundles in DIR (`npm run bundle -- --out-dir DIR` on another
 * revision) in the same interleaved runs, and prints the ratio of the current bundles to those: a
 * change's cost measured side by side, whatever else the machine is doing.
 *
 * Targets: each bundle at most 420 KB without its source map (400 KB before X-Ray tracing added the SDK), a median load of at most 40 ms, and
 * at most half the unbundled load time. Prints a table; exits 1 if a target is missed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { bundleAll, FUNCTION_NAMES, lambdaNode, REPO_ROOT, SAMPLE_FUNCTION_ENV } from "../tools/bundle";

const MAX_KB = 420;
const MAX_MEDIAN_MS = 40;

const ENV = { PATH: process.env.PATH ?? "", ...SAMPLE_FUNCTION_ENV };

const PROBE =
    "const t=process.hrtime.bigint();const m=require(process.argv[1]);const ms=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=='function')process.exit(3);process.stdout.write(String(ms));";

function loadMs(file: string): number {
    return Number(execFileSync(lambdaNode(), ["-e", PROBE, file], { env: ENV, cwd: path.dirname(file), stdio: ["ignore", "pipe", "ignore"] }).toString());
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
    const runsFlag = process.argv.indexOf("--runs");
    const runs = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 11;
    if (!Number.isInteger(runs) || runs < 1 || runs > 201) throw new Error("--runs must be an integer from 1 to 201");
    const baselineFlag = process.argv.indexOf("--baseline");
    const baselineDir = baselineFlag >= 0 ? path.resolve(process.argv[baselineFlag + 1] ?? "") : undefined;
    const baselineFile = (name: string): string | undefined => (baselineDir ? path.join(baselineDir, name, "index.js") : undefined);
    for (const name of FUNCTION_NAMES) {
        const file = baselineFile(name);
        if (file && !existsSync(file)) throw new Error(`--baseline: ${file} does not exist; build it with npm run bundle -- --out-dir DIR`);
    }

    const bundledDir = mkdtempSync(path.join(tmpdir(), "bench-bundled-"));
    // Inside the repository, so the unbundled build resolves its packages from node_modules as a plain deploy would.
    const unbundledDir = path.join(REPO_ROOT, "dist", `bench-unbundled-${process.pid}`);
    try {
        const bundled = await bundleAll({ outDir: bundledDir });
        const unbundled = await bundleAll({ outDir: unbundledDir, packages: "external" });
        // Load time is mostly V8 compiling the bundle, so it tracks CPU contention: print the load beside it.
        console.log(
            `cold start, ${runs} fresh processes each, node ${execFileSync(lambdaNode(), ["--version"]).toString().trim()}, load average ${loadavg()
                .map((l) => l.toFixed(1))
                .join(" ")} on ${cpus().length} cores\n`,
        );
        console.log(
            `function          bundle KB   bundled ms   unbundled ms   ratio${baselineDir ? "   baseline KB  baseline ms  vs baseline" : ""}   targets`,
        );
        let missed = 0;
        for (const name of FUNCTION_NAMES) {
            const b = bundled.find((r) => r.name === name)!;
            const u = unbundled.find((r) => r.name === name)!;
            const bundledTimes: number[] = [];
            const unbundledTimes: number[] = [];
            const baselineTimes: number[] = [];
            const baseline = baselineFile(name);
            // Interleaved, so background load on the machine hits all sides alike.
            for (let i = 0; i < runs; i += 1) {
                bundledTimes.push(loadMs(b.file));
                unbundledTimes.push(loadMs(u.file));
                if (baseline) baselineTimes.push(loadMs(baseline));
            }
            const kb = b.bytes / 1024;
            const bMs = median(bundledTimes);
            const uMs = median(unbundledTimes);
            const ratio = bMs / uMs;
            const problems = [
                kb > MAX_KB ? `size>${MAX_KB}KB` : "",
                bMs > MAX_MEDIAN_MS ? `load>${MAX_MEDIAN_MS}ms` : "",
                ratio > 0.5 ? "ratio>0.5" : "",
            ].filter(Boolean);
            if (problems.length > 0) missed += 1;
            const vsBaseline = baseline
                ? `${(statSync(baseline).size / 1024).toFixed(1).padStart(14)} ${median(baselineTimes).toFixed(1).padStart(12)} ${(bMs / median(baselineTimes)).toFixed(2).padStart(12)}`
                : "";
            console.log(
                `${name.padEnd(16)} ${kb.toFixed(1).padStart(10)} ${bMs.toFixed(1).padStart(12)} ${uMs.toFixed(1).padStart(14)} ${ratio.toFixed(2).padStart(7)}${vsBaseline}   ${problems.length ? problems.join(", ") : "met"}`,
            );
        }
        if (missed > 0) process.exitCode = 1;
    } finally {
        rmSync(bundledDir, { recursive: true, force: true });
        rmSync(unbundledDir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
});
