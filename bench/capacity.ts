// What npm run capacity and npm run cost cost on top of the offline preview each starts with.
//
//   npm run bench:capacity [-- --stack prod] [-- --runs 3] [-- --json]
//
// Runs, in turns, one offline preview of the stack (update mode, no policy pack: exactly the preview both
// commands run), one whole `capacity` and one whole `cost` of the stack (config, preview, model, report),
// and prints their medians side by side with each command's ratio to the preview, against the target:
// each command takes at most one preview's time plus 20 %.
import * as path from "path";
import { defineCommand, stackName, integer, runProcess } from "../tools/cli";
import { main as capacity } from "../tools/capacity/cli";
import { main as cost } from "../tools/cost/cli";
import { runPreview } from "../tools/preview";

const REPO = path.resolve(__dirname, "..");
const TARGET = 0.2;

export const COMMAND = defineCommand({
    name: "bench:capacity",
    synopsis: "[--stack prod] [--runs 3] [--json]",
    summary: `npm run capacity and npm run cost of one stack against one offline preview of it, side by side, against the target of each at most one preview's time plus ${TARGET * 100} %.`,
    flags: {
        stack: {
            type: "string",
            value: "NAME",
            description: "the stack to preview, plan and price",
            default: "prod",
            parse: stackName,
        },
        runs: {
            type: "string",
            value: "N",
            description: "runs of each, 1 to 50, after a warm-up preview; the medians are printed",
            default: "3",
            parse: integer(1, 50),
        },
        json: {
            type: "boolean",
            description: "print { stack, runs, previewMs, capacityMs, costMs, capacityRatio, costRatio, target, withinTarget } and nothing else",
        },
    },
    epilog: "Exit code: 0 measured (within the target or not: the numbers say), 1 a preview or a command failed, 2 bad usage.",
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
    const t0 = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function main(argv: readonly string[]): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        console.log(COMMAND.help);
        return 0;
    }
    const { stack, runs, json } = parsed.values;
    const preview = () => runPreview({ cwd: REPO, stack, mode: "update", policyPacks: [] });
    const quiet = { out: () => undefined };
    await preview(); // warm-up: module and code caches, as a second command in a session has them
    const previews: number[] = [];
    const capacities: number[] = [];
    const costs: number[] = [];
    for (let i = 0; i < runs; i++) {
        previews.push(await timed(preview));
        // The capacity command exits 1 when a limit binds below the rate: measured all the same.
        capacities.push(await timed(() => capacity(["--stack", stack, "--json"], quiet)));
        costs.push(await timed(() => cost(["--stack", stack, "--json"], quiet)));
    }
    const previewMs = median(previews);
    const capacityMs = median(capacities);
    const costMs = median(costs);
    const result = {
        stack,
        runs,
        previewMs: Math.round(previewMs),
        capacityMs: Math.round(capacityMs),
        costMs: Math.round(costMs),
        capacityRatio: Number((capacityMs / previewMs).toFixed(3)),
        costRatio: Number((costMs / previewMs).toFixed(3)),
        target: 1 + TARGET,
        withinTarget: capacityMs / previewMs <= 1 + TARGET && costMs / previewMs <= 1 + TARGET,
    };
    if (json) console.log(JSON.stringify(result, null, 2));
    else
        console.log(
            [
                `stack ${stack}, ${runs} runs each (medians, after a warm-up preview)`,
                `  preview alone     ${result.previewMs} ms`,
                `  npm run capacity  ${result.capacityMs} ms  ratio ${result.capacityRatio}`,
                `  npm run cost      ${result.costMs} ms  ratio ${result.costRatio}`,
                `  target: each at most ${result.target} x the preview: ${result.withinTarget ? "met" : "missed"}`,
            ].join("\n"),
        );
    return 0;
}

if (require.main === module) {
    runProcess("bench:capacity", () => main(process.argv.slice(2)), { exit: "always" });
}
