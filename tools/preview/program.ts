import { fork } from "child_process";
import { codeCache, runnerScript } from "./child-scripts";
import { ProgramSpec } from "./project";
import { PreviewError, RunnerMessage, RunnerResource, RunnerResult } from "./types";

/** A program that has not finished by then is stuck (an apply waiting on itself, an open handle). */
const PROGRAM_TIMEOUT_MS = 5 * 60 * 1000;

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
    const cache = codeCache("program", spec.programDir);
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = fork(script, [], {
            cwd: spec.programDir,
            env: { ...process.env, ...cache.env, PLATFORM_PREVIEW_INPUT: JSON.stringify(spec) },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            // For profiling the program: OFFLINE_PREVIEW_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
            execArgv: [...cache.execArgv, ...(process.env.OFFLINE_PREVIEW_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")],
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
