/**
 * Offline preview timings per stack: resources, program time, policy time, total, resources per
 * second. Prints numbers; asserts nothing. Target: at most 2 s per stack of about 250 resources.
 *
 * Each stack's first run starts with no V8 code cache, as the first preview after `npm ci` does; its
 * total is the `cold ms` column. The other columns are the median of the runs after it.
 *
 *   npm run bench -- [--runs 3] [--mode create|update] [--stacks dev,staging,prod] [--json]
 */
import * as path from "path";
import * as fs from "fs";
import { defineCommand, InvalidValue, integer, oneOf, runProcess } from "../tools/cli";
import { runPreview, type PreviewOptions } from "../tools/preview";
import { CODE_CACHE_DIR } from "../tools/preview/child-scripts";

const REPO = path.resolve(__dirname, "..");

export const COMMAND = defineCommand({
    name: "bench",
    synopsis: "[--runs 3] [--mode create|update] [--stacks dev,staging,prod] [--json]",
    summary:
        "Offline preview timings per stack, with the policy pack at the stack's levels: resources, the cold run's total, and the median program, policy and total times of the runs after it.",
    flags: {
        runs: { type: "string", value: "N", description: "warm runs per stack, after the cold one, 1 to 100", default: "3", parse: integer(1, 100) },
        mode: { type: "string", value: "create|update", description: "the preview mode", default: "create", parse: oneOf(["create", "update"]) },
        stacks: {
            type: "string",
            value: "LIST",
            description: "comma-separated stacks to preview",
            default: "dev,staging,prod",
            parse: (text) => {
                const stacks = text.split(",");
                const bad = stacks.find((s) => !/^[A-Za-z0-9_.-]+$/.test(s));
                if (bad !== undefined)
                    throw new InvalidValue(`is invalid: ${JSON.stringify(bad)} is not a stack name; expected stack names such as dev,staging,prod.`);
                const twice = stacks.find((s, i) => stacks.indexOf(s) !== i);
                if (twice !== undefined) throw new InvalidValue(`is invalid: ${twice} is given twice.`);
                return stacks;
            },
        },
        json: { type: "boolean", description: "print { mode, runs, stacks: [...] } with each stack's numbers, and nothing else, on stdout" },
    },
    epilog: "Exit code: 0 measured, 1 a preview failed, 2 bad usage.",
});

export interface StackTiming {
    stack: string;
    resources: number;
    coldMs: number;
    programMs: number;
    policyMs: number;
    totalMs: number;
    resourcesPerSecond: number;
}

export interface PreviewBench {
    mode: "create" | "update";
    runs: number;
    stacks: StackTiming[];
}

export interface BenchIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** @default the offline preview */
    preview?: (options: PreviewOptions) => Promise<{ summary: { resources: number }; timings: { programMs: number; policyMs: number; totalMs: number } }>;
    /** Empties the V8 code cache before each stack's cold run. @default removes tools/preview's cache directory */
    clearCodeCache?: () => void;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

export async function main(argv: readonly string[], io: BenchIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const err = io.err ?? ((line: string) => console.error(line));
    const preview = io.preview ?? runPreview;
    const clearCodeCache = io.clearCodeCache ?? (() => fs.rmSync(CODE_CACHE_DIR, { recursive: true, force: true }));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { runs, mode, stacks, json } = parsed.values;
    const result: PreviewBench = { mode, runs, stacks: [] };
    if (!json) {
        out(`offline preview, ${mode} mode, median of ${runs} runs after a cold one`);
        out("stack      resources  cold ms  program ms  policy ms  total ms  resources/s");
    }
    const measure = async (stack: string): Promise<StackTiming> => {
        clearCodeCache();
        const samples = [];
        for (let i = 0; i <= runs; i++) {
            const r = await preview({
                cwd: REPO,
                stack,
                mode,
                policyPacks: [path.join(REPO, "policies")],
                policyPackConfigs: [path.join(REPO, "policies", "config", `${stack}.json`)],
            });
            samples.push({ n: r.summary.resources, ...r.timings });
        }
        const [cold, ...warm] = samples;
        const total = median(warm.map((s) => s.totalMs));
        const row: StackTiming = {
            stack,
            resources: cold.n,
            coldMs: cold.totalMs,
            programMs: median(warm.map((s) => s.programMs)),
            policyMs: median(warm.map((s) => s.policyMs)),
            totalMs: total,
            resourcesPerSecond: Math.round(cold.n / (total / 1000)),
        };
        if (!json)
            out(
                `${stack.padEnd(10)} ${String(row.resources).padStart(9)}  ${String(row.coldMs).padStart(7)}  ${String(row.programMs).padStart(10)}  ${String(row.policyMs).padStart(9)}  ${String(row.totalMs).padStart(8)}  ${String(row.resourcesPerSecond).padStart(11)}`,
            );
        return row;
    };
    try {
        for (const stack of stacks) result.stacks.push(await measure(stack));
    } catch (error) {
        err(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
    }
    if (json) out(JSON.stringify(result, null, 2));
    return 0;
}

if (require.main === module) {
    runProcess("bench", () => main(process.argv.slice(2)));
}
