/**
 * Offline preview timings per stack: resources, program time, policy time, total, resources per
 * second. Prints numbers; asserts nothing. Target: at most 2 s per stack of about 250 resources.
 *
 * Each stack's first run starts with no V8 code cache, as the first preview after `npm ci` does; its
 * total is the `cold ms` column. The other columns are the median of the runs after it.
 *
 *   npm run bench -- [--runs 3] [--mode create|update] [--stacks dev,staging,prod]
 */
import * as path from "path";
import { parseArgs } from "util";
import * as fs from "fs";
import { runPreview } from "../tools/preview";
import { CODE_CACHE_DIR } from "../tools/preview/child-scripts";

const REPO = path.resolve(__dirname, "..");

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: { runs: { type: "string" }, mode: { type: "string" }, stacks: { type: "string" } },
    });
    const runs = Number(values.runs ?? "3");
    if (!Number.isInteger(runs) || runs < 1) {
        throw new Error(`--runs ${values.runs}: expected a whole number of at least 1`);
    }
    const mode = values.mode ?? "create";
    if (mode !== "create" && mode !== "update") {
        throw new Error(`--mode ${mode}: expected create or update`);
    }
    const stacks = (values.stacks ?? "dev,staging,prod").split(",");
    console.log(`offline preview, ${mode} mode, median of ${runs} runs after a cold one`);
    console.log("stack      resources  cold ms  program ms  policy ms  total ms  resources/s");
    for (const stack of stacks) {
        fs.rmSync(CODE_CACHE_DIR, { recursive: true, force: true });
        const samples = [];
        for (let i = 0; i <= runs; i++) {
            const r = await runPreview({
                cwd: REPO,
                stack,
                mode,
                policyPacks: [path.join(REPO, "policies")],
                policyPackConfigs: [path.join(REPO, "policies", "config", `${stack}.json`)],
            });
            samples.push({ n: r.summary.resources, ...r.timings });
        }
        const [cold, ...warm] = samples;
        const program = median(warm.map((s) => s.programMs));
        const policy = median(warm.map((s) => s.policyMs));
        const total = median(warm.map((s) => s.totalMs));
        const n = cold.n;
        console.log(
            `${stack.padEnd(10)} ${String(n).padStart(9)}  ${String(cold.totalMs).padStart(7)}  ${String(program).padStart(10)}  ${String(policy).padStart(9)}  ${String(total).padStart(8)}  ${(n / (total / 1000)).toFixed(0).padStart(11)}`,
        );
    }
}

main().catch((err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exitCode = 1;
});
