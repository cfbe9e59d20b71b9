import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";
import { BUNDLE_OPTIONS_FILE, PACKAGE_ROOT, esbuildOptions, programDir } from "./bundle-options";

/** A handler bundled for Lambda: the code and the SHA-256 of exactly the bytes deployed. */
export interface HandlerBundle {
    /** The CommonJS bundle (`index.js`, exports `handler`). */
    code: string;
    /** Hex SHA-256 of `code`: the same source gives the same hash. */
    sha256: string;
}

// One build per entry per process: previews of three stacks in one test run reuse the bundles.
const cache = new Map<string, Promise<HandlerBundle>>();

/**
 * Bundles a handler with the platform's esbuild settings (bundle-options.ts), in memory, at program
 * run time, so `pulumi up` never depends on a separate build step. The build is asynchronous so all
 * handlers bundle in parallel while the program keeps registering resources.
 * @param entry The handler's entry file; a relative path is taken from the working directory, which is
 * the program's directory when Pulumi (or the offline preview) runs it.
 */
export function bundleHandler(entry: string): Promise<HandlerBundle> {
    const abs = path.resolve(entry);
    let pending = cache.get(abs);
    if (!pending) {
        pending = build(abs);
        cache.set(abs, pending);
    }
    return pending;
}

function buildOptions(abs: string): esbuild.BuildOptions & { write: false } {
    return {
        ...esbuildOptions(abs),
        // Lambda does not read source maps unless told to; the deployed artifact is the code alone.
        sourcemap: false,
        write: false,
    };
}

/**
 * Files whose content decides a bundle: the handler tree, the package's own functions (stand-ins, release
 * hooks), the program's lockfile (which decides every dependency's release), the bundler's plugins, and
 * the esbuild version.
 */
function sourceKey(abs: string, options: esbuild.BuildOptions): string | undefined {
    const roots = [path.dirname(abs), path.join(PACKAGE_ROOT, "functions")];
    // bundle-options holds the esbuild plugins: a change there changes the bytes as much as a source edit.
    const files = new Set<string>([path.join(programDir(), "package-lock.json"), BUNDLE_OPTIONS_FILE]);
    const walk = (dir: string): void => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory() && e.name !== "node_modules") {
                walk(p);
            } else if (e.isFile()) {
                files.add(p);
            }
        }
    };
    try {
        roots.forEach((r) => fs.existsSync(r) && walk(r));
        const h = createHash("sha256").update(esbuild.version).update(JSON.stringify(options));
        for (const f of [...files].sort()) {
            if (fs.existsSync(f)) {
                h.update(path.relative(PACKAGE_ROOT, f)).update(fs.readFileSync(f));
            }
        }
        return h.digest("hex");
    } catch {
        return undefined;
    }
}

/**
 * Builds, or reuses a bundle built from byte-identical sources (keyed by every file that can change
 * it), so repeated previews and test runs do not pay for esbuild again. The cache only saves time:
 * a miss or an unreadable cache builds afresh, and the hash is always of the bytes deployed.
 */
async function build(abs: string): Promise<HandlerBundle> {
    const options = buildOptions(abs);
    const key = sourceKey(abs, options);
    // In the program's own node_modules/.cache, where build tools keep theirs: writable, and never deployed.
    const cacheDir = path.join(programDir(), "node_modules", ".cache", "platform-bundles");
    const cached = key ? path.join(cacheDir, `${key}.js`) : undefined;
    if (cached && fs.existsSync(cached)) {
        const code = fs.readFileSync(cached);
        return { code: code.toString("utf8"), sha256: createHash("sha256").update(code).digest("hex") };
    }
    const result = await esbuild.build(options);
    const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
    if (!js) {
        throw new Error(`esbuild produced no JavaScript for ${abs}`);
    }
    if (cached) {
        try {
            fs.mkdirSync(cacheDir, { recursive: true });
            fs.writeFileSync(`${cached}.tmp${process.pid}`, js.contents);
            fs.renameSync(`${cached}.tmp${process.pid}`, cached);
        } catch {
            // A read-only tree simply builds every time.
        }
    }
    return { code: js.text, sha256: createHash("sha256").update(js.contents).digest("hex") };
}

/** The bundle as a Lambda deployment archive: one `index.js` file. */
export function handlerArchive(bundle: Promise<HandlerBundle>): Promise<pulumi.asset.Archive> {
    return bundle.then((b) => new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(b.code) }));
}
