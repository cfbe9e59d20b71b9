/**
 * The program runner and the policy packs end with the preview that started them, whatever ends it: a
 * preview killed by Ctrl-C, `timeout` or a CI cancel must not leave a runner spinning at full CPU.
 *
 * - A child with an IPC channel to its parent (both are started with one) exits when the channel closes,
 *   which the OS does when the parent dies, even by SIGKILL.
 * - A program stuck in a synchronous loop never gets back to its event loop to hear that, so a worker
 *   thread, which runs beside a blocked main thread, watches the parent process too and kills this one
 *   once the parent is gone (the process is then re-parented, so its parent id changes).
 *
 * Installed by `preload.ts`, so it is in place before the program or the pack loads.
 */
import { Worker } from "worker_threads";

/** How often the watcher looks at the parent; a stuck program outlives its parent by at most this. */
const WATCH_MS = 500;

const WATCHER = `
const { workerData } = require("worker_threads");
setInterval(() => {
    if (process.ppid !== workerData.parent) process.kill(process.pid, "SIGKILL");
}, workerData.everyMs);
`;

if (process.env.OFFLINE_PREVIEW_LIFELINE === "1") {
    // Not inherited: the program's own child processes are none of this file's business.
    delete process.env.OFFLINE_PREVIEW_LIFELINE;
    if (process.channel) {
        process.on("disconnect", () => process.exit(129));
        // The channel alone must not keep a finished pack or runner alive.
        process.channel.unref();
    }
    try {
        new Worker(WATCHER, { eval: true, workerData: { parent: process.ppid, everyMs: WATCH_MS }, stdout: true, stderr: true }).unref();
    } catch {
        // Without worker threads only the IPC channel ends this process: a stuck program then needs the parent's kill.
    }
}
