// What the incident drill costs on top of the offline preview it starts with.
//
//   npm run bench:drill [-- --stack prod] [-- --runs 3] [-- --json]
//
// Runs, in turns, one offline preview of the stack (update mode, no policy pack: exactly the preview the
// drill runs) and one whole drill of the stack with every scenario of drills/ (its preview, the model, the
// checks, the evaluation and the timelines), and prints their medians side by side with the ratio, against
// the target: a drill takes at most one preview's time plus 10 % (the drill's own work after its preview
// at most 10 % of the preview).
import * as path from "path";
import { defineCommand, stackName, integer, runProcess } from "../tools/cli";
import { drill, scenarioFiles, type DrillIo } from "../tools/drill/cli";
import { runPreview, type PreviewOptions, type PreviewReport } from "../tools/preview";

const REPO = path.resolve(__dirname, "..");
const TARGET = 0.1;

export const COMMAND = defineCommand({
    name: "bench:drill",
    synopsis: "[--stack prod] [--runs 3] [--json]",
    summary: `The drill of one stack (every scenario of drills/) against one offline preview of it, side by side, against the target of a drill at most one preview's time plus ${TARGET * 100} %.`,
    flags: {
        stack: {
            type: "string",
            value: "NAME",
            description: "the stack to preview and drill",
            default: "prod",
            parse: stackName,
        },
        runs: {
            type: "string",
            value: "N",
            description: "previews and drills each, 1 to 50, after a warm-up preview; the medians are printed",
            default: "3",
            parse: integer(1, 50),
        },
        json: {
            type: "boolean",
            description:
                "print { stack, runs, scenarios, previewMs, drillMs, drillPreviewMs, drillWorkMs, ratio, workRatio, target, withinTarget } and nothing else",
        },
    },
    epilog: "Exit code: 0 measured (within the target or not: the numbers say), 1 a preview or a drill failed, 2 bad usage.",
});

export interface DrillBench {
    stack: string;
    runs: number;
    scenarios: number;
    /** A preview alone (median). */
    previewMs: number;
    /** A whole drill (median): its preview and its own work. */
    drillMs: number;
    /** Within the drill: its preview, and its own work after it (medians). */
    drillPreviewMs: number;
    drillWorkMs: number;
    /** drillMs / previewMs */
    ratio: number;
    /** drillWorkMs / drillPreviewMs */
    workRatio: number;
    target: number;
    /** workRatio <= target: the drill's own work, measured in the same run as its preview, is free of the noise between two previews. */
    withinTarget: boolean;
}

export interface DrillBenchIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** @default the offline preview */
    preview?: (options: PreviewOptions) => Promise<PreviewReport>;
    /** @default the CloudWatch evaluator */
    evaluator?: DrillIo["evaluator"];
    /** @default Date.now */
    now?: () => number;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
}

export async function main(argv: readonly string[], io: DrillBenchIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const err = io.err ?? ((line: string) => console.error(line));
    const preview = io.preview ?? runPreview;
    const now = io.now ?? Date.now;
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { stack, runs, json } = parsed.values;
    const files = scenarioFiles(REPO, { all: true });
    const options: PreviewOptions = { cwd: REPO, stack, mode: "update", policyPacks: [] };
    const previews: number[] = [];
    const drills: number[] = [];
    const drillPreviews: number[] = [];
    const work: number[] = [];
    try {
        // A warm-up, so neither side pays for the first compilation of the program.
        await preview(options);
        for (let i = 0; i < runs; i++) {
            const t0 = now();
            await preview(options);
            previews.push(now() - t0);
            const t1 = now();
            const run = await drill({ cwd: REPO, stack, mode: "update", files }, { preview, ...(io.evaluator ? { evaluator: io.evaluator } : {}) });
            drills.push(now() - t1);
            drillPreviews.push(run.timings.previewMs);
            work.push(run.timings.drillMs);
        }
    } catch (error) {
        err(`bench:drill failed: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
    }
    const previewMs = median(previews);
    const drillMs = median(drills);
    const drillPreviewMs = median(drillPreviews);
    const drillWorkMs = median(work);
    const ratio = previewMs > 0 ? drillMs / previewMs : 0;
    const workRatio = drillPreviewMs > 0 ? drillWorkMs / drillPreviewMs : 0;
    const result: DrillBench = {
        stack,
        runs,
        scenarios: files.length,
        previewMs,
        drillMs,
        drillPreviewMs,
        drillWorkMs,
        ratio: Math.round(ratio * 1000) / 1000,
        workRatio: Math.round(workRatio * 1000) / 1000,
        target: TARGET,
        withinTarget: workRatio <= TARGET,
    };
    if (json) out(JSON.stringify(result, null, 2));
    else {
        out(
            `drill of ${stack} (${files.length} scenario${files.length === 1 ? "" : "s"}) vs one offline preview (update mode, no policy pack), median of ${runs}`,
        );
        out(`preview alone   ${String(previewMs).padStart(6)} ms`);
        out(
            `drill           ${String(drillMs).padStart(6)} ms = ${(ratio * 100).toFixed(1)} % of the preview (target <= ${(100 + TARGET * 100).toFixed(0)} %)`,
        );
        out(
            `  its preview   ${String(drillPreviewMs).padStart(6)} ms, its own work ${drillWorkMs} ms = ${(workRatio * 100).toFixed(1)} % of its preview (target <= ${TARGET * 100} %)`,
        );
        out(result.withinTarget ? "within target" : "OVER TARGET");
    }
    return 0;
}

if (require.main === module) {
    runProcess("bench:drill", () => main(process.argv.slice(2)), { refused: (e) => e instanceof Error && e.name === "ScenarioError" });
}
