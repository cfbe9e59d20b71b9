/**
 * The child processes this preview process started (program runners, policy packs), so that they end with
 * it whatever ends it: its own exit, an error, or a signal the command forwards (`forwardSignals`). A child
 * whose parent dies by SIGKILL ends itself (`lifeline.ts`).
 */
import type { ChildProcess } from "child_process";

const live = new Set<ChildProcess>();
let hooked = false;

/** Tracks `child` until it exits; it is killed if this process exits first. */
export function track(child: ChildProcess): ChildProcess {
    live.add(child);
    child.once("exit", () => live.delete(child));
    if (!hooked) {
        hooked = true;
        process.once("exit", () => killAll());
    }
    return child;
}

/** Kills every tracked child still running. */
export function killAll(signal: NodeJS.Signals = "SIGKILL"): void {
    for (const child of live) {
        child.kill(signal);
    }
    live.clear();
}

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * For a command: on Ctrl-C (SIGINT), SIGTERM (`timeout`, a CI cancel) or SIGHUP, its children are killed
 * with it and it exits with the shell's code for the signal (128 + its number), after `onSignal` (a
 * last word on stderr) has run.
 */
export function forwardSignals(onSignal: (signal: NodeJS.Signals) => void = () => undefined): void {
    for (const [signal, code] of Object.entries(SIGNALS) as [NodeJS.Signals, number][]) {
        process.once(signal, () => {
            killAll();
            onSignal(signal);
            process.exit(code);
        });
    }
}
