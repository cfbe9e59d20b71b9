import { createHash } from "crypto";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";

/** Bundled scripts and code caches; deleting it only costs the next preview a rebuild. */
const CACHE_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "offline-preview");

/** Node's compile caches of the program runner and the packs (`code-cache.ts`), one directory each. */
export const CODE_CACHE_DIR = path.join(CACHE_DIR, "code-cache");

/**
 * Scripts that run in the program's and the packs' own Node.js processes, which may have no ts-node
 * of ours, are bundled to plain JavaScript once per change of their sources.
 */
function bundled(entry: string, sources: string[]): string {
    const hash = createHash("sha256")
        .update(Buffer.concat(sources.map((f) => fs.readFileSync(path.join(__dirname, f)))))
        .digest("hex")
        .slice(0, 16);
    const out = path.join(CACHE_DIR, `${path.basename(entry, ".ts")}-${hash}.js`);
    if (!fs.existsSync(out)) {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        const tmp = `${out}.${process.pid}.tmp`;
        esbuild.buildSync({
            entryPoints: [path.join(__dirname, entry)],
            bundle: true,
            platform: "node",
            target: "node22",
            format: "cjs",
            outfile: tmp,
            logLevel: "silent",
        });
        fs.renameSync(tmp, out);
    }
    return out;
}

/** The program runner (`runner.ts`). */
export function runnerScript(): string {
    return bundled("runner.ts", ["runner.ts", "preload.ts", "code-cache.ts", "sdk-internals.ts", "mock-values.ts", "mock-invokes.ts", "types.ts"]);
}

/**
 * How a process running `kind` (`program` or `pack`) from `dir` gets the code cache (`code-cache.ts`)
 * and the other start-up work of `preload.ts`: the environment naming the cache directory,
 * `--allow-natives-syntax` (the flag the Pulumi SDK sets on itself while it loads; set from the start,
 * every module compiles under the same V8 flags, which V8 requires of a cache entry), and the script to
 * preload. The runner imports it instead: the SDK's language host turns off its automatic ES module
 * mode when it sees `--require` in `execArgv`.
 */
export function codeCache(kind: "program" | "pack", dir: string): { execArgv: string[]; env: Record<string, string>; preload: string } {
    const key = createHash("sha256").update(path.resolve(dir)).digest("hex").slice(0, 16);
    return {
        execArgv: ["--allow-natives-syntax"],
        env: { OFFLINE_PREVIEW_CODE_CACHE: path.join(CODE_CACHE_DIR, `${kind}-${key}`) },
        preload: bundled("preload.ts", ["preload.ts", "code-cache.ts"]),
    };
}
