import * as path from "path";
import type { PolicyInfo } from "./policy-config";
import { PolicyPackProcess } from "./policy-pack";

/** A policy pack held by one preview; `release` hands it back (or stops it, outside a pool). */
export interface PackLease {
    pack: PolicyPackProcess;
    release(): void;
}

/**
 * Reuses started policy packs across the previews of one process (specs, benchmarks): a pack starts
 * once per directory instead of once per preview. A pack serves one preview at a time, because
 * `Configure` sets process-wide state in it. Call `close` when done.
 */
export class PolicyPackPool {
    private readonly entries = new Map<
        string,
        { started: Promise<PolicyPackProcess>; queue: Promise<void>; info?: Promise<{ name: string; version: string; policies: PolicyInfo[] }> }
    >();

    /** Waits for exclusive use of the pack in `dir`, starting it on first use. */
    async acquire(dir: string): Promise<PackLease> {
        const key = path.resolve(dir);
        let entry = this.entries.get(key);
        if (!entry) {
            entry = { started: PolicyPackProcess.start(key), queue: Promise.resolve() };
            this.entries.set(key, entry);
        }
        const previous = entry.queue;
        let release = () => {};
        entry.queue = new Promise<void>((resolve) => (release = resolve));
        await previous;
        try {
            return { pack: await entry.started, release };
        } catch (err) {
            // A pack that failed to start is not kept: the next preview tries again and reports its own error.
            this.entries.delete(key);
            release();
            throw err;
        }
    }

    /** The pack's name, version and policies (what GetAnalyzerInfo says, which no preview's config changes). */
    async describe(dir: string): Promise<{ name: string; version: string; policies: PolicyInfo[] }> {
        const entry = this.entries.get(path.resolve(dir));
        if (!entry) {
            throw new Error(`the pool has not started the pack in ${dir}`);
        }
        entry.info ??= entry.started.then((pack) => pack.info());
        return entry.info;
    }

    async close(): Promise<void> {
        const started = [...this.entries.values()].map((e) => e.started);
        this.entries.clear();
        for (const s of await Promise.allSettled(started)) {
            if (s.status === "fulfilled") {
                s.value.stop();
            }
        }
    }
}
