import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { bundleAll, LAMBDA_NODE_MAJOR, type BundleResult, type FunctionName } from "../../../tools/bundle";

/** Whether this process runs the Lambda runtime's Node.js major, the only one bundles are loaded on. */
export const ON_LAMBDA_NODE = Number(process.versions.node.split(".")[0]) === LAMBDA_NODE_MAJOR;

/**
 * Skips a spec that loads a bundle into this process when this is not the Lambda runtime's Node.js
 * (CI's Node 22 leg): the bundles target nodejs24.x, and the specs that run them in a child process
 * use `lambdaNode()` instead.
 */
export function skipUnlessLambdaNode(ctx: Mocha.Context): void {
    if (!ON_LAMBDA_NODE) {
        console.log(
            `      skipped: the bundle targets nodejs${LAMBDA_NODE_MAJOR}.x and loads in this process only on Node.js ${LAMBDA_NODE_MAJOR} (this is ${process.version})`,
        );
        ctx.skip();
    }
}

let built: Promise<Map<FunctionName, BundleResult>> | undefined;

/** Builds every bundle once per test process into a temp dir, so a clean clone needs no prior step. */
export function ensureBundles(): Promise<Map<FunctionName, BundleResult>> {
    built ??= bundleAll({ outDir: mkdtempSync(path.join(tmpdir(), "bundles-")) }).then((results) => new Map(results.map((r) => [r.name, r])));
    return built;
}

/**
 * Loads a bundle the way Lambda does: a fresh module evaluated with the given environment, so its
 * cold-start config validation and client creation run against the emulators. The SDK resolves
 * endpoints lazily, so the environment stays set until the returned `restore` is called.
 */
export function loadBundle<T>(file: string, env: Record<string, string>): { module: T; restore: () => void } {
    if (!ON_LAMBDA_NODE)
        throw new Error(`loadBundle runs a nodejs${LAMBDA_NODE_MAJOR}.x bundle in this ${process.version} process: call skipUnlessLambdaNode(this) first`);
    const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    Object.assign(process.env, env);
    delete require.cache[require.resolve(file)];
    const restore = () => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    };
    try {
        // A bundle is loaded by path at run time, as Lambda does; `import` cannot take a computed CommonJS path synchronously.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return { module: require(file) as T, restore };
    } catch (error) {
        restore();
        throw error;
    }
}
