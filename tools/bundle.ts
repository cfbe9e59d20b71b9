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
import * as dgram from "node:dgram";
import * as zlib from "node:zlib";
import { readFile } from "node:fs/promises";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { checkBundleInternals } from "./bundle-internals";
import { defineCommand, listOf, runProcess } from "./cli";

export const FUNCTION_NAMES = ["api", "email-worker", "search-indexer", "ses-feedback"] as const;

export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const REPO_ROOT = path.resolve(__dirname, "..");

/** The Node.js major of the Lambda runtime the functions run on (`nodejs24.x`): the bundles target it. */
export const LAMBDA_NODE_MAJOR = 24;

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
 * The SDK clients' generated schema modules (`dist-es/schemas/schemas_0.js`) describe every operation
 * of the service, with trait objects keyed by string constants: `{ [_h]: ["POST", "/v2/email/outbound-emails", 200] }`
 * where `const _h = "http"`. esbuild must assume a computed key can have side effects, so it keeps
 * every operation's schema (about 45 KB for SESv2, of which the worker uses one operation). Writing
 * those keys as the string literals they are (`{ "http": [...] }`) is the same object, and lets
 * esbuild drop the schemas nothing imports.
 */
export const literalSchemaKeys: Plugin = {
    name: "literal-schema-keys",
    setup(pluginBuild) {
        pluginBuild.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
            const source = await readFile(args.path, "utf8");
            const constants = new Map<string, string>();
            for (const match of source.matchAll(/^const (_[A-Za-z0-9_]+) = ("[^"\\\n]*");$/gm)) constants.set(match[1] as string, match[2] as string);
            // Only keys of object literals: `{ [_h]:` or `, [_h]:`.
            const contents = source.replace(/([{,]\s*)\[(_[A-Za-z0-9_]+)\]:/g, (whole, before: string, name: string) => {
                const literal = constants.get(name);
                return literal === undefined ? whole : `${before}${literal}:`;
            });
            return { contents, loader: "js" };
        });
    },
};

/**
 * Node built-ins that bundled code imports at module level but uses only in rarely taken paths, loaded
 * on first use instead: `zlib` is imported by Powertools' JMESPath functions for
 * `powertools_base64_gzip`, which our idempotency expressions never call; `dgram` by the X-Ray SDK,
 * which sends only sampled traces to the daemon. The stand-in module defines
 * one getter per export, each loading the real module on first access (same objects, later).
 */
const LAZY_BUILTINS: Record<string, object> = { dgram, zlib };

export const lazyBuiltins: Plugin = {
    name: "lazy-builtins",
    setup(pluginBuild) {
        pluginBuild.onResolve({ filter: new RegExp(`^(node:)?(${Object.keys(LAZY_BUILTINS).join("|")})$`) }, (args) =>
            // The stand-in's own require() of the module is the real built-in.
            args.namespace === "lazy-builtin" ? undefined : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
        );
        pluginBuild.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => {
            const names = Object.keys(LAZY_BUILTINS[args.path] as object)
                .filter((name) => name !== "default")
                .sort();
            const contents = [
                `let loaded;`,
                `const load = () => (loaded ??= require("node:${args.path}"));`,
                `Object.defineProperty(exports, "__esModule", { value: true });`,
                `Object.defineProperty(exports, "default", { get: load, enumerable: true });`,
                `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { get: () => load()[name], enumerable: true });`,
            ].join("\n");
            return { contents, loader: "js", resolveDir: REPO_ROOT };
        });
    },
};

/**
 * aws-xray-sdk-core, which Powertools Tracer drives, loads everything it offers from its entry
 * module: the SDK v2 patcher (with `semver`, about 28 KB), the http(s) patchers, centralized
 * sampling (its pollers are switched off in Lambda, about 12 KB), the EC2/ECS/Beanstalk plugins,
 * SQL helpers. Lambda uses none of these with our tracer settings (SDK v3 clients, HTTP capture
 * off), so the entry is replaced by one that loads the Lambda path only: context (cls-hooked),
 * segments, the emitter, `captureAWSv3Client`, capture functions, daemon config and the Lambda
 * facade-segment setup. What is left out throws, naming this plugin, if anything calls it. The
 * per-service parameter whitelist keeps the services the functions call (DynamoDB, SNS; SESv2 has
 * no entry). Together about 60 KB less in every bundle.
 */
export const slimXRay: Plugin = {
    name: "slim-xray",
    setup(pluginBuild) {
        pluginBuild.onLoad({ filter: /[\\/]aws-xray-sdk-core[\\/]dist[\\/]lib[\\/]aws-xray\.js$/ }, async (args) => {
            const pkg = JSON.parse(await readFile(path.join(path.dirname(args.path), "../../package.json"), "utf8")) as { name: string; version: string };
            const contents = `"use strict";
var contextUtils = require("./context_utils");
var logging = require("./logger");
var segmentUtils = require("./segments/segment_utils");
var capture = require("./capture");
function leftOut(name) {
  return function () { throw new Error("aws-xray-sdk-core " + name + " is left out of the Lambda bundles (slim-xray in tools/bundle.ts)"); };
}
var AWSXRay = {
  setLogger: logging.setLogger,
  getLogger: logging.getLogger,
  setStreamingThreshold: segmentUtils.setStreamingThreshold,
  setDaemonAddress: require("./daemon_config").setDaemonAddress,
  captureFunc: capture.captureFunc,
  captureAsyncFunc: capture.captureAsyncFunc,
  captureCallbackFunc: capture.captureCallbackFunc,
  captureAWSv3Client: require("./patchers/aws3_p").captureAWSClient,
  captureAWS: leftOut("captureAWS"),
  captureAWSClient: leftOut("captureAWSClient"),
  captureHTTPs: leftOut("captureHTTPs"),
  captureHTTPsGlobal: leftOut("captureHTTPsGlobal"),
  capturePromise: leftOut("capturePromise"),
  utils: require("./utils"),
  getNamespace: contextUtils.getNamespace,
  resolveSegment: contextUtils.resolveSegment,
  resolveManualSegmentParams: contextUtils.resolveManualSegmentParams,
  getSegment: contextUtils.getSegment,
  setSegment: contextUtils.setSegment,
  isAutomaticMode: contextUtils.isAutomaticMode,
  enableAutomaticMode: contextUtils.enableAutomaticMode,
  enableManualMode: contextUtils.enableManualMode,
  setContextMissingStrategy: contextUtils.setContextMissingStrategy,
  Segment: require("./segments/segment"),
  Subsegment: require("./segments/attributes/subsegment"),
  SegmentUtils: segmentUtils
};
segmentUtils.setSDKData({ sdk: "X-Ray for Node.js", sdk_version: ${JSON.stringify(pkg.version)}, package: ${JSON.stringify(pkg.name)} });
segmentUtils.setServiceData({
  runtime: process.release && process.release.name ? process.release.name : "unknown",
  runtime_version: process.version,
  version: process.env.npm_package_version || "unknown",
  name: process.env.npm_package_name || "unknown"
});
if (process.env.LAMBDA_TASK_ROOT) require("./env/aws_lambda").init();
module.exports = AWSXRay;
`;
            return { contents, loader: "js", resolveDir: path.dirname(args.path) };
        });
        // The Lambda setup only switches centralized sampling off, which then never was on.
        pluginBuild.onLoad({ filter: /[\\/]aws-xray-sdk-core[\\/]dist[\\/]lib[\\/]middleware[\\/]mw_utils\.js$/ }, () => ({
            contents: `module.exports = { disableCentralizedSampling: function () {} };`,
            loader: "js",
        }));
        pluginBuild.onLoad({ filter: /[\\/]aws-xray-sdk-core[\\/]dist[\\/]lib[\\/]resources[\\/]aws_whitelist\.json$/ }, async (args) => {
            const whitelist = JSON.parse(await readFile(args.path, "utf8")) as { services: Record<string, unknown> };
            const kept = Object.fromEntries(Object.entries(whitelist.services).filter(([service]) => service === "dynamodb" || service === "sns"));
            return { contents: JSON.stringify({ services: kept }), loader: "json" };
        });
    },
};

/**
 * The Powertools packages pin `@aws-lambda-powertools/commons` to their own release: logger, metrics
 * and tracer (2.36) each get a nested copy, idempotency, batch and parser (2.35, their latest) the
 * hoisted one, so a bundle held up to four copies. 2.36 only adds to 2.35 (`utils/invocation-scoped`),
 * so every import resolves to the copy the logger uses.
 */
export const onePowertoolsCommons: Plugin = {
    name: "one-powertools-commons",
    setup(pluginBuild) {
        const resolveDir = path.join(REPO_ROOT, "node_modules/@aws-lambda-powertools/logger");
        pluginBuild.onResolve({ filter: /^@aws-lambda-powertools\/commons(\/.*)?$/ }, async (args) => {
            if (args.pluginData === "one-powertools-commons") return undefined;
            const result = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir, pluginData: "one-powertools-commons" });
            return result.errors.length > 0 ? { errors: result.errors } : { path: result.path, external: result.external, sideEffects: result.sideEffects };
        });
    },
};

/**
 * Dependencies read only `version` from their package.json (the SDK clients and the OpenSearch
 * client, for their user agents), but a JSON file is bundled whole: 3 KB for OpenSearch's. Each
 * keeps its name and version.
 */
export const packageVersionsOnly: Plugin = {
    name: "package-versions-only",
    setup(pluginBuild) {
        pluginBuild.onLoad({ filter: /[\\/]node_modules[\\/](@[^\\/]+[\\/])?[^\\/]+[\\/]package\.json$/ }, async (args) => {
            const pkg = JSON.parse(await readFile(args.path, "utf8")) as { name?: string; version?: string };
            return { contents: JSON.stringify({ name: pkg.name, version: pkg.version }), loader: "json" };
        });
    },
};

/** The esbuild settings shared by the bundles and the benchmark baseline. */
export function esbuildOptions(name: FunctionName, packages: "bundle" | "external" = "bundle"): BuildOptions {
    // The plugins and stand-ins below rewrite dependencies' private files: only on releases they were verified on.
    checkBundleInternals(REPO_ROOT);
    return {
        absWorkingDir: REPO_ROOT,
        entryPoints: [entryPoint(name)],
        bundle: true,
        platform: "node",
        target: `node${LAMBDA_NODE_MAJOR}`,
        format: "cjs",
        minify: true,
        sourcemap: "linked",
        sourcesContent: true,
        legalComments: "none",
        // ESM builds of the SDK and zod tree-shake far better than their CommonJS builds.
        mainFields: ["module", "main"],
        packages,
        // Lambda supplies credentials in environment variables; see functions/shared/lambda-credentials.ts.
        // and the OpenSearch client's `debug` traces are never enabled there; see functions/shared/silent-debug.ts.
        alias:
            packages === "bundle"
                ? {
                      "@aws-sdk/credential-provider-node": path.join(REPO_ROOT, "functions/shared/lambda-credentials.ts"),
                      debug: path.join(REPO_ROOT, "functions/shared/silent-debug.ts"),
                      "@smithy/core/event-streams": path.join(REPO_ROOT, "functions/shared/no-event-streams.ts"),
                      // The X-Ray SDK's context store, on AsyncLocalStorage instead of an async hook; see functions/shared/xray-context.ts.
                      "cls-hooked/context": path.join(REPO_ROOT, "functions/shared/xray-context.ts"),
                      // The DynamoDB client's endpoint-discovery cache; see functions/shared/endpoint-lru.ts.
                      "mnemonist/lru-cache": path.join(REPO_ROOT, "functions/shared/endpoint-lru.ts"),
                  }
                : {},
        plugins: packages === "bundle" ? [lazyBuiltins, literalSchemaKeys, slimXRay, onePowertoolsCommons, packageVersionsOnly] : [],
        write: false,
        metafile: false,
        logLevel: "silent",
        outfile: path.join(REPO_ROOT, "dist/functions", name, "index.js"),
    };
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
    const options = esbuildOptions(name, packages);
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
