// How much the policy pass adds to an offline preview of the prod stack.
//
//   npm run bench:policy [-- --runs 3] [-- --json]
//
// Runs the repository's program (stack prod, create and update modes) through the offline preview with
// the policy pack and policies/config/prod.json, and prints the program's time, the policy pass's time
// (everything after the program finished: GetAnalyzerInfo, Configure, one Analyze per resource and
// AnalyzeStack) and their ratio against the target (policy pass <= 25 % of program time). The pack's
// start-up overlaps the program and is printed apart.
import * as path from "path";
import { defineCommand, integer, runProcess } from "../tools/cli";
import { runPreview, type PreviewOptions } from "../tools/preview";
import { PolicyPackProcess } from "../tools/preview/policy-pack";

const REPO = path.resolve(__dirname, "..");
const POLICIES = path.join(REPO, "policies");
const TARGET = 0.25;

export const COMMAND = defineCommand({
    name: "bench:policy",
    synopsis: "[--runs 3] [--json]",
    summary: `How much the policy pass adds to an offline preview of the prod stack (create and update modes), against the target of a policy pass at most ${TARGET * 100} % of the program's time.`,
    flags: {
        runs: { type: "string", value: "N", description: "previews per mode, 1 to 50; the median is printed", default: "3", parse: integer(1, 50) },
        json: { type: "boolean", description: "print { packStartMs, runs, target, modes: [...], withinTarget } and nothing else on stdout" },
    },
    epilog: "Exit code: 0 measured (within the target or not: the numbers say), 1 a preview failed, 2 bad usage.",
});

export interface ModeTiming {
    mode: "create" | "update";
    resources: number;
    diagnostics: number;
    programMs: number;
    policyMs: number;
    /** policyMs / programMs */
    ratio: number;
}

export interface PolicyBench {
    packStartMs: number;
    runs: number;
    target: number;
    modes: ModeTiming[];
    withinTarget: boolean;
}

export interface PolicyBenchIo {
    out?: (line: string) => void;
    /** @default the offline preview */
    preview?: (
        options: PreviewOptions,
    ) => Promise<{ summary: { resources: number }; diagnostics: unknown[]; timings: { programMs: number; policyMs: number } }>;
    /** @default starts the pack as a preview does and times it until it serves gRPC */
    packStartMs?: () => Promise<number>;
}

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

export async function main(argv: readonly string[], io: PolicyBenchIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const preview = io.preview ?? runPreview;
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { runs, json } = parsed.values;
    const result: PolicyBench = { packStartMs: await (io.packStartMs ?? packStartMs)(), runs, target: TARGET, modes: [], withinTarget: true };
    if (!json) out(`policy pack start-up (until its gRPC server answers): ${result.packStartMs} ms (overlaps the program)`);
    for (const mode of ["create", "update"] as const) {
        const program: number[] = [];
        const policy: number[] = [];
        let resources = 0;
        let diagnostics = 0;
        for (let r = 0; r < runs; r++) {
            const report = await preview({
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
        const timing: ModeTiming = {
            mode,
            resources,
            diagnostics,
            programMs: median(program),
            policyMs: median(policy),
            ratio: median(policy) / median(program),
        };
        result.modes.push(timing);
        if (!json)
            out(
                `prod ${mode}: ${resources} resources, ${diagnostics} diagnostics; program ${timing.programMs} ms, policy pass ${timing.policyMs} ms ` +
                    `(median of ${runs}) = ${(timing.ratio * 100).toFixed(1)} % of program time (target <= ${TARGET * 100} %)`,
            );
    }
    result.withinTarget = Math.max(...result.modes.map((m) => m.ratio)) <= TARGET;
    out(json ? JSON.stringify(result, null, 2) : result.withinTarget ? "within target" : "OVER TARGET");
    return 0;
}

if (require.main === module) {
    runProcess("bench:policy", () => main(process.argv.slice(2)));
}
