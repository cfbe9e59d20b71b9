/**
 * Offline preview timings per stack: resources, program time, policy time, total, resources per
 * second. Prints numbers; asserts nothing. Target: at most 2 s per stack of about 250 resources.
 *
 *   npm run bench -- [--runs 3] [--mode create|update] [--stacks dev,staging,prod]
 */
import * as path from "path";
import { parseArgs } from "util";
import { runPreview } from "../tools/preview";

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
    console.log(`offline preview, ${mode} mode, median of ${runs} runs`);
    console.log("stack      resources  program ms  policy ms  total ms  resources/s");
    for (const stack of stacks) {
        const samples = [];
        for (let i = 0; i < runs; i++) {
            const r = await runPreview({
                cwd: REPO,
                stack,
                mode,
                policyPacks: [path.join(REPO, "policies")],
                policyPackConfigs: [path.join(REPO, "policies", "config", `${stack}.json`)],
            });
            samples.push({ n: r.summary.resources, ...r.timings });
        }
        const program = median(samples.map((s) => s.programMs));
        const policy = median(samples.map((s) => s.policyMs));
        const total = median(samples.map((s) => s.totalMs));
        const n = samples[0].n;
        console.log(
            `${stack.padEnd(10)} ${String(n).padStart(9)}  ${String(program).padStart(10)}  ${String(policy).padStart(9)}  ${String(total).padStart(8)}  ${(n / (total / 1000)).toFixed(0).padStart(11)}`,
        );
    }
}

main().catch((err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exitCode = 1;
});
