import { createHash } from "crypto";
import type * as esbuildType from "esbuild";
import * as fs from "fs";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");

/** Bundled scripts and code caches; deleting it only costs the next preview a rebuild. */
export const CACHE_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "offline-preview");

/** Node's compile caches of the program runner and the packs (`code-cache.ts`), one directory each. */
export const CODE_CACHE_DIR = path.join(CACHE_DIR, "code-cache");

/** What a bundle was built from: every input file esbuild read, and the hash of their contents. */
interface Manifest {
    out: string;
    inputs: string[];
    hash: string;
}

function hashOf(files: readonly string[]): string | undefined {
    const h = createHash("sha256");
    for (const f of files) {
        try {
            h.update(f).update(fs.readFileSync(f));
        } catch {
            return undefined;
        }
    }
    return h.digest("hex").slice(0, 16);
}

function writeAtomically(file: string, text: string | Buffer): void {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

const built = new Map<string, string>();

/** The bundle a manifest names, when it exists and every input it lists still hashes as it did (launch.js checks the same way). */
export function freshFromManifest(manifestFile: string): string | undefined {
    try {
        const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
        return fs.existsSync(manifest.out) && hashOf(manifest.inputs) === manifest.hash ? manifest.out : undefined;
    } catch {
        // No manifest yet, or a torn one: build.
        return undefined;
    }
}

/** Writes the manifest of `out`, built from `inputs`. */
export function writeManifest(manifestFile: string, out: string, inputs: string[]): void {
    writeAtomically(manifestFile, JSON.stringify({ out, inputs, hash: hashOf(inputs) ?? "unhashed" } satisfies Manifest));
}

/** The bundle of `source` named `name`, when its manifest says it is up to date with every input. */
function upToDate(source: string, name: string): string | undefined {
    const memo = built.get(source) ?? freshFromManifest(path.join(CACHE_DIR, `${name}.manifest.json`));
    if (memo) {
        built.set(source, memo);
    }
    return memo;
}

function buildOptions(source: string, name: string): esbuildType.BuildOptions & { outfile: string; metafile: true } {
    return {
        entryPoints: [source],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        outfile: path.join(CACHE_DIR, `${name}.${process.pid}.build.js`),
        metafile: true,
        logLevel: "silent",
        absWorkingDir: REPO,
    };
}

/** Names the built file after its inputs' hash and records them in the manifest. */
function settle(source: string, name: string, tmp: string, metafile: esbuildType.Metafile): string {
    const inputs = Object.keys(metafile.inputs).map((f) => path.resolve(REPO, f));
    const hash = hashOf(inputs) ?? "unhashed";
    const out = path.join(CACHE_DIR, `${name}-${hash}.js`);
    fs.renameSync(tmp, out);
    writeManifest(path.join(CACHE_DIR, `${name}.manifest.json`), out, inputs);
    built.set(source, out);
    prune(name, out);
    return out;
}

/** Bundles an edit replaced: kept a while for a process that read the old manifest and is about to load one. */
function prune(name: string, keep: string): void {
    const before = Date.now() - 10 * 60 * 1000;
    for (const f of fs.readdirSync(CACHE_DIR)) {
        const file = path.join(CACHE_DIR, f);
        if (file !== keep && f.startsWith(`${name}-`) && f.endsWith(".js")) {
            try {
                if (fs.statSync(file).mtimeMs < before) fs.rmSync(file, { force: true });
            } catch {
                // Another process pruned it first.
            }
        }
    }
}

// Only a rebuild loads esbuild.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadEsbuild = () => require("esbuild") as typeof esbuildType;

/**
 * `entry` (a path from this directory) bundled to one plain JavaScript file under CACHE_DIR, rebuilt when
 * any file it was built from changes: the manifest beside it lists every input esbuild read, so an import
 * added anywhere is followed without a list to keep. Scripts that run in the program's and the packs' own
 * Node.js processes, which may have no ts-node of ours, start from such bundles.
 */
export function bundled(entry: string): string {
    const source = path.resolve(__dirname, entry);
    const name = path.basename(entry, ".ts");
    const fresh = upToDate(source, name);
    if (fresh) {
        return fresh;
    }
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const options = buildOptions(source, name);
    const result = loadEsbuild().buildSync(options);
    return settle(source, name, options.outfile, result.metafile);
}

/** Replaces `__dirname` and `__filename` in the repository's own sources (not packages) with their paths. */
const ownDirname: esbuildType.Plugin = {
    name: "own-dirname",
    setup(build) {
        build.onLoad({ filter: /\.ts$/ }, (args) => {
            if (!args.path.startsWith(REPO) || args.path.includes(`${path.sep}node_modules${path.sep}`)) {
                return undefined;
            }
            const text = fs.readFileSync(args.path, "utf8");
            if (!/\b__(dirname|filename)\b/.test(text)) {
                return undefined;
            }
            return {
                contents: text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path)),
                loader: "ts",
            };
        });
    },
};

/**
 * The commands (`commands.ts`: preview, gate) as one bundle that `launch.js` runs. Their packages stay
 * `require`s of node_modules, and each source keeps its own `__dirname` (in one bundle it would be the
 * cache's), which takes a plugin, so an asynchronous build.
 */
export async function commandsBundle(): Promise<string> {
    const source = path.resolve(__dirname, "commands.ts");
    const fresh = upToDate(source, "commands");
    if (fresh) {
        return fresh;
    }
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const options = { ...buildOptions(source, "commands"), packages: "external" as const, plugins: [ownDirname] };
    const result = await loadEsbuild().build(options);
    return settle(source, "commands", options.outfile, result.metafile);
}

/** The program runner (`runner.ts`). */
export function runnerScript(): string {
    return bundled("runner.ts");
}

/**
 * How a process running `kind` (`program` or `pack`) from `dir` gets the code cache (`code-cache.ts`)
 * and the other start-up work of `preload.ts` (the lifeline that ends it with the preview): the
 * environment naming the cache directory, `--allow-natives-syntax` (the flag the Pulumi SDK sets on itself
 * while it loads; set from the start, every module compiles under the same V8 flags, which V8 requires of
 * a cache entry) and `--single-threaded-gc`, and the script to preload. The runner imports it instead: the SDK's language host turns
 * off its automatic ES module mode when it sees `--require` in `execArgv`.
 */
export function codeCache(kind: "program" | "pack", dir: string): { execArgv: string[]; env: Record<string, string>; preload: string } {
    const key = createHash("sha256").update(path.resolve(dir)).digest("hex").slice(0, 16);
    return {
        // One GC thread: the runner and the packs run beside each other (and the gate runs several) on few
        // cores, where parallel GC threads only add CPU time; measured, a runner's CPU drops by a sixth.
        execArgv: ["--allow-natives-syntax", "--single-threaded-gc"],
        env: { OFFLINE_PREVIEW_CODE_CACHE: path.join(CODE_CACHE_DIR, `${kind}-${key}`), OFFLINE_PREVIEW_LIFELINE: "1" },
        preload: bundled("preload.ts"),
    };
}
