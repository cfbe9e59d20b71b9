/**
 * Offline preview timings per stack: resources, program time, policy time, total, resources per
 * second. Then the ratios the speed goals are set in, measured side by side in one run: one
 * `npm run preview -- --stack dev --json` and one `npm run gate` (3 stacks x 2 modes), each as a
 * process, in wall time, against the floor, a fresh `node` that loads @pulumi/pulumi, @pulumi/aws,
 * @pulumi/awsx (ec2, cloudtrail) and @pulumi/policy with no code cache. Goals: a preview at most 1.5
 * times the floor, the gate at most 5 times. Prints numbers; asserts nothing.
 *
 * Each stack's first run starts with no V8 code cache, as the first preview after `npm ci` does; its
 * total is the `cold ms` column. The other columns are the median of the runs after it.
 *
 *   npm run bench -- [--runs 3] [--mode create|update] [--stacks dev,staging,prod] [--ratio-runs 3] [--json]
 */
import { spawn } from "child_process";
import * as path from "path";
import * as fs from "fs";
import * as os from "os";
import { defineCommand, integer, oneOf, runProcess, stackList } from "../tools/cli";
import { runPreview, type PreviewOptions } from "../tools/preview";
import { CODE_CACHE_DIR } from "../tools/preview/child-scripts";

const REPO = path.resolve(__dirname, "..");

export const COMMAND = defineCommand({
    name: "bench",
    synopsis: "[--runs 3] [--mode create|update] [--stacks dev,staging,prod] [--ratio-runs 3] [--json]",
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
            parse: stackList,
        },
        "ratio-runs": {
            type: "string",
            value: "N",
            description: "runs of the floor, one preview and the gate, interleaved, for the ratios (medians), 1 to 20",
            default: "3",
            parse: integer(1, 20),
        },
        json: {
            type: "boolean",
            description: "print { mode, runs, stacks: [...], ratios } with each stack's numbers and the ratios, and nothing else, on stdout",
        },
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

/** Wall times of one run of each, side by side (medians), and their ratios to the floor. */
export interface Ratios {
    runs: number;
    floorMs: number;
    previewMs: number;
    gateMs: number;
    /** One `npm run preview -- --stack dev --json` over the floor; goal at most PREVIEW_GOAL. */
    preview: number;
    /** One `npm run gate` (every stack, both modes) over the floor; goal at most GATE_GOAL. */
    gate: number;
    goals: { preview: number; gate: number };
    /**
     * Where the CPU time of each process tree can be read (Linux): its median, and the least wall time that
     * CPU allows on these cores (CPU over cores), over the floor. A ratio can fall no lower than its bound
     * without the previews doing less work.
     */
    cpu?: { cores: number; previewMs: number; gateMs: number; previewBound: number; gateBound: number };
}

export interface PreviewBench {
    mode: "create" | "update";
    runs: number;
    stacks: StackTiming[];
    /** Measured when the previews are real (not a stand-in's). */
    ratios?: Ratios;
}

export const PREVIEW_GOAL = 1.5;
export const GATE_GOAL = 5;

/** What the floor loads: the modules every program runner and pack must load, in a fresh process. */
const FLOOR_SCRIPT =
    "require('@pulumi/pulumi'); require('@pulumi/aws'); require('@pulumi/awsx/ec2'); require('@pulumi/awsx/cloudtrail'); require('@pulumi/policy');";

/**
 * The CPU time of this process's ended children and every descendant they waited for, in ms (Linux's
 * cutime and cstime); undefined where /proc is missing. A child's tree is its difference across the child's run.
 */
function childrenCpuMs(): number | undefined {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // Fields 16 and 17 of proc(5); the split starts at field 3. Ticks are USER_HZ, 100 on Linux.
        return (Number(fields[13]) + Number(fields[14])) * 10;
    } catch {
        return undefined;
    }
}

export interface Timed {
    wallMs: number;
    /** CPU of the process and its descendants, on all cores; undefined where it cannot be read. */
    cpuMs?: number;
}

/** Wall and CPU time of a process; it must exit 0 or 1 (a gate or preview with violations still measures). */
export function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const cpuBefore = childrenCpuMs();
        const child = spawn(command, args, { cwd: REPO, env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("exit", (code) => {
            const wallMs = performance.now() - started;
            const cpuAfter = childrenCpuMs();
            if (code === 0 || code === 1) resolve({ wallMs, ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: cpuAfter - cpuBefore } : {}) });
            else reject(new Error(`${[command, ...args].join(" ")} exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`));
        });
    });
}

/** `npm run -s <script> -- args` as the npm that runs the bench runs it. */
function npm(script: string, args: string[]): [string, string[]] {
    const cli = process.env.npm_execpath;
    return cli ? [process.execPath, [cli, "run", "-s", script, "--", ...args]] : ["npm", ["run", "-s", script, "--", ...args]];
}

/** The floor, one preview and the gate, interleaved run by run so that they meet the same machine. */
export async function measureRatios(runs: number): Promise<Ratios> {
    const env = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    const floor: Timed[] = [];
    const preview: Timed[] = [];
    const gate: Timed[] = [];
    for (let i = 0; i < runs; i++) {
        floor.push(await timed(process.execPath, ["-e", FLOOR_SCRIPT], env));
        preview.push(await timed(...npm("preview", ["--stack", "dev", "--json"])));
        gate.push(await timed(...npm("gate", ["--json"])));
    }
    const wall = (t: Timed[]) => median(t.map((x) => x.wallMs));
    const [f, p, g] = [wall(floor), wall(preview), wall(gate)];
    const ratio = (x: number) => Math.round((x / f) * 100) / 100;
    const cpuOf = (t: Timed[]) => (t.every((x) => x.cpuMs !== undefined) ? median(t.map((x) => x.cpuMs as number)) : undefined);
    const [pc, gc] = [cpuOf(preview), cpuOf(gate)];
    const cores = os.availableParallelism();
    return {
        runs,
        floorMs: Math.round(f),
        previewMs: Math.round(p),
        gateMs: Math.round(g),
        preview: ratio(p),
        gate: ratio(g),
        goals: { preview: PREVIEW_GOAL, gate: GATE_GOAL },
        ...(pc !== undefined && gc !== undefined
            ? { cpu: { cores, previewMs: Math.round(pc), gateMs: Math.round(gc), previewBound: ratio(pc / cores), gateBound: ratio(gc / cores) } }
            : {}),
    };
}

export interface BenchIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** @default the offline preview */
    preview?: (options: PreviewOptions) => Promise<{ summary: { resources: number }; timings: { programMs: number; policyMs: number; totalMs: number } }>;
    /** Empties the V8 code cache before each stack's cold run. @default removes tools/preview's cache directory */
    clearCodeCache?: () => void;
    /** @default measureRatios when the previews are real ones, none with a stand-in `preview` */
    ratios?: (runs: number) => Promise<Ratios>;
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
    const { runs, mode, stacks, json, "ratio-runs": ratioRuns } = parsed.values;
    const ratios = io.ratios ?? (io.preview ? undefined : measureRatios);
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
        if (ratios) {
            const r = (result.ratios = await ratios(ratioRuns));
            if (!json) {
                const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
                out("");
                out(`ratios to the floor, side by side in one run (median of ${r.runs} interleaved runs, wall time)`);
                out(`floor: node loading @pulumi/pulumi, @pulumi/aws, @pulumi/awsx (ec2, cloudtrail), @pulumi/policy ${s(r.floorMs)}`);
                out(
                    `npm run preview -- --stack dev --json                                                ${s(r.previewMs)}  ${r.preview.toFixed(2)}x (goal ${r.goals.preview}x)`,
                );
                out(
                    `npm run gate (3 stacks x 2 modes)                                                    ${s(r.gateMs)}  ${r.gate.toFixed(2)}x (goal ${r.goals.gate}x)`,
                );
                if (r.cpu) {
                    out("");
                    out(`CPU time of each process tree (median), and the least wall time it allows on ${r.cpu.cores} cores, over the floor`);
                    out(`npm run preview -- --stack dev --json   cpu ${s(r.cpu.previewMs)}   at least ${r.cpu.previewBound.toFixed(2)}x`);
                    out(`npm run gate (3 stacks x 2 modes)       cpu ${s(r.cpu.gateMs)}   at least ${r.cpu.gateBound.toFixed(2)}x`);
                }
            }
        }
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
