import { fork } from "child_process";
import { createHash } from "crypto";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { ProgramSpec } from "./project";
import { PreviewError, RunnerMessage, RunnerResource, RunnerResult } from "./types";

const RUNNER_SOURCE = path.join(__dirname, "runner.ts");
const CACHE_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "offline-preview");
/** A program that has not finished by then is stuck (an apply waiting on itself, an open handle). */
const PROGRAM_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The runner runs in the program's own Node.js process, which may have no ts-node of ours, so it is
 * bundled to plain JavaScript once per change of its source.
 */
function runnerScript(): string {
    const sources = ["runner.ts", "mock-values.ts", "mock-invokes.ts", "types.ts"].map((f) =>
        fs.readFileSync(path.join(__dirname, f)),
    );
    const hash = createHash("sha256").update(Buffer.concat(sources)).digest("hex").slice(0, 16);
    const out = path.join(CACHE_DIR, `runner-${hash}.js`);
    if (!fs.existsSync(out)) {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        const tmp = `${out}.${process.pid}.tmp`;
        esbuild.buildSync({
            entryPoints: [RUNNER_SOURCE],
            bundle: true,
            platform: "node",
            target: "node20",
            format: "cjs",
            outfile: tmp,
            logLevel: "silent",
        });
        fs.renameSync(tmp, out);
    }
    return out;
}

export interface ProgramRun extends RunnerResult {
    stdout: string;
    stderr: string;
    wallMs: number;
}

/**
 * Runs the program under the mock runtime in a child process and returns what it registered;
 * `onResource` sees each resource as soon as it registers.
 */
export function runProgram(spec: ProgramSpec, onResource: (r: RunnerResource) => void = () => undefined): Promise<ProgramRun> {
    const script = runnerScript();
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = fork(script, [], {
            cwd: spec.programDir,
            env: { ...process.env, PLATFORM_PREVIEW_INPUT: JSON.stringify(spec) },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            // For profiling the program: OFFLINE_PREVIEW_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
            execArgv: (process.env.OFFLINE_PREVIEW_NODE_ARGS ?? "").split(" ").filter((a) => a !== ""),
        });
        let stdout = "";
        let stderr = "";
        let result: RunnerResult | undefined;
        const resources: RunnerResource[] = [];
        child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("message", (m: RunnerMessage) => {
            if (m.kind === "resource") {
                resources.push(m.resource);
                onResource(m.resource);
            } else {
                result = m.result;
            }
        });
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new PreviewError(`the program did not finish within ${PROGRAM_TIMEOUT_MS / 60000} minutes`, stderr));
        }, PROGRAM_TIMEOUT_MS);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new PreviewError(`could not start the program runner: ${err.message}`));
        });
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            if (!result) {
                reject(
                    new PreviewError(
                        `the program exited (${signal ?? `code ${code}`}) before it finished registering resources`,
                        stderr.trim() || stdout.trim(),
                    ),
                );
                return;
            }
            resolve({ ...result, resources: [...resources, ...result.resources], stdout, stderr, wallMs: Date.now() - started });
        });
    });
}
