import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fixture, REPO } from "./helpers";

/** Running: not gone and not a zombie (a dead child its dead parent never reaped). */
function running(pid: number): boolean {
    try {
        return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
    } catch {
        return false;
    }
}

function childrenOf(pid: number): number[] {
    try {
        return fs
            .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
            .trim()
            .split(/\s+/)
            .filter((p) => p !== "")
            .map(Number);
    } catch {
        return [];
    }
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

/**
 * A preview that is killed takes its program runner and its packs with it: a runner left behind once spun at
 * full CPU for minutes. The program here is stuck in a synchronous loop, the hardest case: it never gets back
 * to its event loop to hear that its parent is gone.
 */
describe("offline preview: the runner and the packs end with the preview", function () {
    this.timeout(120_000);
    let dir: string;
    let cli: ChildProcess | undefined;
    before(function () {
        if (!fs.existsSync("/proc/self/stat")) this.skip();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeline-"));
    });
    afterEach(() => cli?.kill("SIGKILL"));
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    /** The preview CLI on the spinning program, once its runner spins; its children's pids then. */
    async function spinning(name: string): Promise<{ cli: ChildProcess; kids: number[]; runner: number; exited: Promise<number | null> }> {
        const pidFile = path.join(dir, `${name}.pid`);
        const child = spawn(
            process.execPath,
            [
                path.join(REPO, "tools", "preview", "launch.js"),
                "preview",
                ...["--cwd", fixture("foreign", "spins"), "--stack", "test", "--policy-pack", fixture("packs", "second")],
            ],
            { cwd: REPO, env: { ...process.env, SPINS_PID_FILE: pidFile }, stdio: ["ignore", "ignore", "pipe"] },
        );
        cli = child;
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
        await until("the program to spin", () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8") !== "");
        const runner = Number(fs.readFileSync(pidFile, "utf8"));
        const kids = childrenOf(child.pid ?? 0);
        assert.ok(kids.includes(runner), `the runner ${runner} is a child of the preview (${kids.join(", ")})`);
        assert.equal(kids.length, 2, "the runner and the pack");
        return { cli: child, kids, runner, exited };
    }

    it("SIGKILL of the preview: the spinning runner and the pack end by themselves", async () => {
        const { cli, kids, exited } = await spinning("sigkill");
        cli.kill("SIGKILL");
        await exited;
        await until("the runner and the pack to end", () => kids.every((k) => !running(k)), 10_000);
    });

    it("SIGTERM of the preview: forwarded, and the preview exits 143 saying so", async () => {
        const { cli, kids, exited } = await spinning("sigterm");
        let stderr = "";
        cli.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        cli.kill("SIGTERM");
        assert.equal(await exited, 143);
        await until("the runner and the pack to end", () => kids.every((k) => !running(k)), 10_000);
        assert.match(stderr, /the preview was stopped by SIGTERM; its program runner and policy packs were stopped with it/);
    });
});
