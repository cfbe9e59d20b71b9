import { ChildProcess, fork } from "child_process";
import { track } from "./children";
import { codeCache, runnerScript } from "./child-scripts";
import { ProgramSpec } from "./project";
import { PreviewError, RUN_END, RunnerMessage, RunnerResource, RunnerResult } from "./types";

/** A program that has not finished by then is stuck (an apply waiting on itself, an open handle). */
const PROGRAM_TIMEOUT_MS = 5 * 60 * 1000;

export interface ProgramRun extends RunnerResult {
    stdout: string;
    stderr: string;
    wallMs: number;
    /** The runner process that ran it (a pool's runs share one). */
    runnerPid: number;
}

interface Active {
    onResource: (r: RunnerResource) => void;
    resolve: (run: ProgramRun) => void;
    reject: (err: Error) => void;
    started: number;
    resources: RunnerResource[];
    result?: RunnerResult;
    stdout: string;
    stderr: string;
    stdoutDone: boolean;
    stderrDone: boolean;
    timer: NodeJS.Timeout;
}

/**
 * One program runner process. It runs its first program from its start; a runner started for reuse
 * (a RunnerPool's) stays up after a successful run and runs the next preview of the same program, the
 * SDK, the AWS provider and ts-node already loaded. Each run's output ends with RUN_END on stdout and
 * stderr, which tells one run's logs from the next's.
 */
class RunnerProcess {
    private readonly child: ChildProcess;
    private active: Active | undefined;
    private exited = false;
    readonly reuse: boolean;

    constructor(spec: ProgramSpec, reuse: boolean) {
        this.reuse = reuse;
        const cache = codeCache("program", spec.programDir);
        this.child = track(
            fork(runnerScript(), [], {
                cwd: spec.programDir,
                env: { ...process.env, ...cache.env, PLATFORM_PREVIEW_INPUT: JSON.stringify({ ...spec, reuse }) },
                stdio: ["ignore", "pipe", "pipe", "ipc"],
                // For profiling the program: OFFLINE_PREVIEW_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
                execArgv: [...cache.execArgv, ...(process.env.OFFLINE_PREVIEW_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")],
            }),
        );
        this.child.stdout?.on("data", (d: Buffer) => this.output("stdout", d.toString()));
        this.child.stderr?.on("data", (d: Buffer) => this.output("stderr", d.toString()));
        this.child.on("message", (m: RunnerMessage) => {
            const active = this.active;
            if (!active) return;
            if (m.kind === "resource") {
                active.resources.push(m.resource);
                active.onResource(m.resource);
            } else {
                active.result = m.result;
                this.settle();
            }
        });
        this.child.on("error", (err) => this.fail(new PreviewError(`could not start the program runner: ${err.message}`)));
        this.child.on("exit", (code, killedBy) => {
            this.exited = true;
            const active = this.active;
            if (!active) return;
            if (!active.result) {
                this.fail(
                    new PreviewError(
                        `the program exited (${killedBy ?? `code ${code}`}) before it finished registering resources`,
                        active.stderr.trim() || active.stdout.trim(),
                    ),
                );
                return;
            }
            this.settle();
        });
    }

    get alive(): boolean {
        return !this.exited && this.child.connected;
    }

    /** The end of each stream that may be the start of a RUN_END split across two chunks. */
    private readonly held = { stdout: "", stderr: "" };

    private output(stream: "stdout" | "stderr", data: string): void {
        const active = this.active;
        if (!this.reuse) {
            if (active) active[stream] += data;
            return;
        }
        // Only a reusable runner marks the end of a run's output; the mark may arrive split across chunks.
        const text = this.held[stream] + data;
        if (!active) {
            // Between runs: the next run's, once it starts.
            this.held[stream] = text;
            return;
        }
        const at = text.indexOf(RUN_END);
        if (at < 0) {
            const keep = Math.min(text.length, RUN_END.length - 1);
            this.held[stream] = text.slice(text.length - keep);
            active[stream] += text.slice(0, text.length - keep);
            return;
        }
        // What follows the mark is the next run's: kept until that run starts.
        this.held[stream] = text.slice(at + RUN_END.length);
        active[stream] += text.slice(0, at);
        active[stream === "stdout" ? "stdoutDone" : "stderrDone"] = true;
        this.settle();
    }

    /** A run is over when its result is in and either its output is marked complete or the runner has exited. */
    private settle(): void {
        const active = this.active;
        if (!active?.result) return;
        if (this.exited) {
            active.stdout += this.held.stdout;
            active.stderr += this.held.stderr;
            this.held.stdout = this.held.stderr = "";
        }
        const outputComplete = this.exited || (active.result.reusable === true && active.stdoutDone && active.stderrDone);
        if (!outputComplete) return;
        clearTimeout(active.timer);
        this.active = undefined;
        active.resolve({
            ...active.result,
            resources: [...active.resources, ...active.result.resources],
            stdout: active.stdout,
            stderr: active.stderr,
            wallMs: Date.now() - active.started,
            runnerPid: this.child.pid ?? 0,
        });
    }

    private fail(err: Error): void {
        const active = this.active;
        if (!active) return;
        clearTimeout(active.timer);
        this.active = undefined;
        active.reject(err);
    }

    /** Runs `spec`: the first run is the one the process started with; later ones are sent to it. */
    run(spec: ProgramSpec, onResource: (r: RunnerResource) => void, signal: AbortSignal | undefined, first: boolean): Promise<ProgramRun> {
        return new Promise((resolve, reject) => {
            const onAbort = () => {
                this.child.kill("SIGKILL");
                this.fail(new PreviewError("the preview was stopped while its program ran"));
            };
            const timer = setTimeout(() => {
                this.child.kill("SIGKILL");
                this.fail(new PreviewError(`the program did not finish within ${PROGRAM_TIMEOUT_MS / 60000} minutes`, this.active?.stderr));
            }, PROGRAM_TIMEOUT_MS);
            this.active = {
                onResource,
                resolve: (r) => {
                    signal?.removeEventListener("abort", onAbort);
                    resolve(r);
                },
                reject: (e) => {
                    signal?.removeEventListener("abort", onAbort);
                    reject(e);
                },
                started: Date.now(),
                resources: [],
                stdout: "",
                stderr: "",
                stdoutDone: false,
                stderrDone: false,
                timer,
            };
            signal?.addEventListener("abort", onAbort, { once: true });
            if (!first) {
                // Output the runner wrote after the last run's mark belongs to this one.
                for (const stream of ["stdout", "stderr"] as const) {
                    const early = this.held[stream];
                    this.held[stream] = "";
                    if (early) this.output(stream, early);
                }
                this.child.send({ kind: "run", input: { ...spec, reuse: true } });
            }
        });
    }

    /** Ends an idle runner: closing its channel ends it (lifeline.ts), as its own exit, so a profile it takes is written. */
    stop(): void {
        if (this.child.connected) this.child.disconnect();
        else this.child.kill();
    }
}

/**
 * Program runners kept between the previews of one process (the gate, specs): a runner whose preview
 * succeeded runs the next preview of the same program (directory, entry, tsconfig) instead of a new
 * process loading the SDK, the AWS provider and ts-node again. Only CommonJS programs are reused (an ES
 * module cannot be loaded afresh); a failed run's runner is never reused. Call `close` when done.
 */
export class RunnerPool {
    private readonly idle = new Map<string, RunnerProcess[]>();

    static key(spec: ProgramSpec): string {
        return JSON.stringify([spec.programDir, spec.main, spec.tsconfig ?? null, spec.typescript]);
    }

    take(spec: ProgramSpec): RunnerProcess | undefined {
        const list = this.idle.get(RunnerPool.key(spec)) ?? [];
        while (list.length > 0) {
            const r = list.pop() as RunnerProcess;
            if (r.alive) return r;
        }
        return undefined;
    }

    give(spec: ProgramSpec, runner: RunnerProcess): void {
        const key = RunnerPool.key(spec);
        this.idle.set(key, [...(this.idle.get(key) ?? []), runner]);
    }

    close(): void {
        for (const list of this.idle.values()) for (const r of list) r.stop();
        this.idle.clear();
    }
}

/**
 * Runs the program under the mock runtime in a child process and returns what it registered;
 * `onResource` sees each resource as soon as it registers. With a pool, an idle runner of the same program
 * runs it, and the runner goes back to the pool after a successful run.
 */
export async function runProgram(
    spec: ProgramSpec,
    onResource: (r: RunnerResource) => void = () => undefined,
    signal?: AbortSignal,
    pool?: RunnerPool,
): Promise<ProgramRun> {
    if (signal?.aborted) {
        throw new PreviewError("the preview was stopped before its program ran");
    }
    const reused = pool?.take(spec);
    const runner = reused ?? new RunnerProcess(spec, pool !== undefined);
    const run = await runner.run(spec, onResource, signal, reused === undefined);
    if (pool && run.reusable && runner.alive) {
        pool.give(spec, runner);
    }
    return run;
}
