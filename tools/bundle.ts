/**
 * Builds one deterministic CommonJS bundle per Lambda function with esbuild:
 * dist/functions/<name>/index.js (exports `handler`) and its source map.
 *
 *   npm run bundle [-- --out-dir DIR] [-- --only api,email-worker]
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { build } from "esbuild";
import { LAMBDA_NODE_MAJOR, esbuildOptions } from "../components/bundle-options";
import { defineCommand, listOf, runProcess } from "./cli";

export const FUNCTION_NAMES = ["api", "email-worker", "search-indexer", "ses-feedback"] as const;

export type FunctionName = (typeof FUNCTION_NAMES)[number];

export { LAMBDA_NODE_MAJOR };

/** The repository: the workload's handlers, and where `npm run bundle` writes. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * A Node.js binary of the Lambda runtime's major, to load bundles on what will run them: this process's
 * own when it is that major, otherwise the `node` devDependency's (CI's Node 22 leg runs the specs on 22,
 * the bundles still on 24).
 */
export function lambdaNode(): string {
    if (Number(process.versions.node.split(".")[0]) === LAMBDA_NODE_MAJOR) return process.execPath;
    const packaged = path.join(REPO_ROOT, "node_modules", "node", "bin", "node");
    const version = existsSync(packaged) ? execFileSync(packaged, ["--version"]).toString().trim() : "";
    if (!version.startsWith(`v${LAMBDA_NODE_MAJOR}.`)) {
        throw new Error(
            `the Lambda bundles run on nodejs${LAMBDA_NODE_MAJOR}.x and are loaded only on Node.js ${LAMBDA_NODE_MAJOR}; this process runs ${process.version} ` +
                `and ${packaged} is ${version || "missing"}: run npm ci (the node devDependency installs Node.js ${LAMBDA_NODE_MAJOR})`,
        );
    }
    return packaged;
}

/**
 * Every variable any function validates at cold start, with sample values: the environment the
 * cold-start bench and the bundle specs load the bundles with, so both take the real init path.
 */
export const SAMPLE_FUNCTION_ENV: Readonly<Record<string, string>> = {
    TABLE_NAME: "orders",
    IDEMPOTENCY_TABLE_NAME: "orders-idempotency",
    EVENT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:events",
    SES_CONFIGURATION_SET: "orders",
    SES_FROM_ADDRESS: "orders@shop.example",
    SEARCH_ENDPOINT: "https://abc.us-east-1.aoss.amazonaws.com",
    SEARCH_INDEX: "orders",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "sample",
    AWS_SECRET_ACCESS_KEY: "sample",
    POWERTOOLS_SERVICE_NAME: "orders",
    POWERTOOLS_METRICS_NAMESPACE: "Orders",
    APP_VERSION: "1.0.0",
    // What Lambda sets: Powertools turns tracing on only where AWS_EXECUTION_ENV is set, and the X-Ray
    // SDK enters its Lambda mode (facade segment, no daemon needed to load) where LAMBDA_TASK_ROOT is.
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    LAMBDA_TASK_ROOT: "/var/task",
    _HANDLER: "index.handler",
};

export interface BundleResult {
    name: FunctionName;
    file: string;
    bytes: number;
    mapBytes: number;
    sha256: string;
}

export interface BundleOptions {
    outDir?: string;
    only?: readonly FunctionName[];
    /** `external` keeps node_modules out of the bundle: the benchmark's "unbundled" baseline. */
    packages?: "bundle" | "external";
}

export function entryPoint(name: FunctionName): string {
    return path.join(REPO_ROOT, "functions", name, "index.ts");
}

/**
 * Source map paths are written relative to the repository root rather than to the output folder, so
 * the same sources give byte-identical files wherever they are written (a temp dir in tests, dist/).
 */
function relocateSourceMap(mapText: string, nominalOutDir: string): string {
    const map = JSON.parse(mapText) as { sources: string[] };
    map.sources = map.sources.map((source) => path.relative(REPO_ROOT, path.resolve(nominalOutDir, source)).split(path.sep).join("/"));
    return JSON.stringify(map);
}

export async function bundleFunction(name: FunctionName, outDir: string, packages: "bundle" | "external" = "bundle"): Promise<BundleResult> {
    const options = esbuildOptions(entryPoint(name), packages);
    const result = await build(options);
    const nominalOutDir = path.dirname(options.outfile as string);
    const js = result.outputFiles?.find((file) => file.path.endsWith(".js"));
    const map = result.outputFiles?.find((file) => file.path.endsWith(".js.map"));
    if (!js || !map) throw new Error(`esbuild produced no output for ${name}`);
    const targetDir = path.join(outDir, name);
    await mkdir(targetDir, { recursive: true });
    const file = path.join(targetDir, "index.js");
    const mapText = relocateSourceMap(map.text, nominalOutDir);
    await writeFile(file, js.contents);
    await writeFile(`${file}.map`, mapText);
    return {
        name,
        file,
        bytes: js.contents.byteLength,
        mapBytes: Buffer.byteLength(mapText),
        sha256: createHash("sha256").update(js.contents).update(mapText).digest("hex"),
    };
}

export async function bundleAll(options: BundleOptions = {}): Promise<BundleResult[]> {
    const outDir = options.outDir ?? path.join(REPO_ROOT, "dist/functions");
    const names = options.only ?? FUNCTION_NAMES;
    const results: BundleResult[] = [];
    // Sequential: esbuild is already parallel inside, and the output order stays stable.
    for (const name of names) results.push(await bundleFunction(name, outDir, options.packages));
    return results;
}

export const COMMAND = defineCommand({
    name: "bundle",
    synopsis: `[--out-dir DIR] [--only ${FUNCTION_NAMES.join(",")}] [--json]`,
    summary: "Builds one deterministic CommonJS bundle per Lambda function with esbuild: <out-dir>/<name>/index.js and its source map.",
    flags: {
        "out-dir": { type: "string", value: "DIR", description: "where the bundles go", defaultText: "dist/functions" },
        only: {
            type: "string",
            value: "NAMES",
            description: `a comma-separated list of the functions to bundle, of ${FUNCTION_NAMES.join(", ")}`,
            defaultText: "all",
            parse: listOf(FUNCTION_NAMES),
        },
        json: { type: "boolean", description: "print the bundles as JSON ([{ name, file, bytes, mapBytes, sha256 }]) and nothing else on stdout" },
    },
    epilog: "Exit code: 0 bundled, 1 a bundle failed, 2 bad usage.",
});

/** The command: bundles and prints one line per bundle (or the JSON list). */
export async function main(argv: readonly string[], out: (line: string) => void = console.log): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { "out-dir": outDir, only, json } = parsed.values;
    const results = await bundleAll({ ...(outDir !== undefined ? { outDir: path.resolve(outDir) } : {}), ...(only ? { only } : {}) });
    if (json) {
        out(JSON.stringify(results, null, 2));
        return 0;
    }
    for (const r of results)
        out(
            `${r.name.padEnd(16)} ${(r.bytes / 1024).toFixed(1).padStart(7)} KB  map ${(r.mapBytes / 1024).toFixed(0)} KB  ${r.sha256.slice(0, 12)}  ${path.relative(process.cwd(), r.file)}`,
        );
    return 0;
}

if (require.main === module) {
    // A bundle failure's message names the function and esbuild's errors: the message alone.
    runProcess("bundle", () => main(process.argv.slice(2)), { explained: () => true });
}
