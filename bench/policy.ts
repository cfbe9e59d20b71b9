// How much the policy pass adds to an offline preview of the prod stack.
//
//   npm run bench:policy [-- --runs 3]
//
// Runs the repository's program (stack prod, create and update modes) through the offline preview with
// the policy pack and policies/config/prod.json, and prints the program's time, the policy pass's time
// (everything after the program finished: GetAnalyzerInfo, Configure, one Analyze per resource and
// AnalyzeStack) and their ratio against the target (policy pass <= 25 % of program time). The pack's
// start-up overlaps the program and is printed apart.
import * as path from "path";
import { runPreview } from "../tools/preview";
import { PolicyPackProcess } from "../tools/preview/policy-pack";

const REPO = path.resolve(__dirname, "..");
const POLICIES = path.join(REPO, "policies");
const TARGET = 0.25;

/** The pack's start-up as a preview starts it (compiled build, code cache), until it serves gRPC. */
async function packStartMs(): Promise<number> {
    const t0 = Date.now();
    const pack = await PolicyPackProcess.start(POLICIES);
    const ms = Date.now() - t0;
    pack.stop();
    return ms;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
    const i = process.argv.indexOf("--runs");
    const runs = i > 0 ? Number(process.argv[i + 1]) : 3;
    console.log(`policy pack start-up (until its gRPC server answers): ${await packStartMs()} ms (overlaps the program)`);
    let worst = 0;
    for (const mode of ["create", "update"] as const) {
        const program: number[] = [];
        const policy: number[] = [];
        let resources = 0;
        let diagnostics = 0;
        for (let r = 0; r < runs; r++) {
            const report = await runPreview({
                cwd: REPO,
                stack: "prod",
                mode,
                policyPacks: [POLICIES],
                policyPackConfigs: [path.join(POLICIES, "config", "prod.json")],
            });
            program.push(report.timings.programMs);
            policy.push(report.timings.policyMs);
            resources = report.summary.resources;
            diagnostics = report.diagnostics.length;
        }
        const ratio = median(policy) / median(program);
        worst = Math.max(worst, ratio);
        console.log(
            `prod ${mode}: ${resources} resources, ${diagnostics} diagnostics; program ${median(program)} ms, policy pass ${median(policy)} ms ` +
                `(median of ${runs}) = ${(ratio * 100).toFixed(1)} % of program time (target <= ${TARGET * 100} %)`,
        );
    }
    console.log(worst <= TARGET ? "within target" : "OVER TARGET");
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
