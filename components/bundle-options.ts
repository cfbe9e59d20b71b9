/**
 * How every Lambda bundle is built: the esbuild settings, and the plugins and stand-ins that keep the
 * bundles small and their cold starts short. `Function` (components/bundle.ts) bundles with these when
 * the program runs; `npm run bundle` and the benchmarks (tools/bundle.ts) use the same settings.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as dgram from "node:dgram";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { BuildOptions, Plugin } from "esbuild";
import { checkBundleInternals } from "./bundle-internals";
import { FUNCTION_RUNTIME } from "./defaults/lambda";

/**
 * The root of the components' own files: the repository here, and the installed package
 * (`node_modules/@serverless-platform/components`) in a program that depends on it. Both hold
 * `components/` and `functions/` side by side, so the stand-ins and the release hooks' sources resolve
 * from here in either.
 */
export const PACKAGE_ROOT = path.resolve(__dirname, "..");

/** This module's own file (`.ts` here, `.js` once packed): its plugins decide a bundle's bytes as much as its sources do. */
export const BUNDLE_OPTIONS_FILE = __filename;

/** Whether the components run from an installed package rather than from their repository. */
export function isInstalled(root: string = PACKAGE_ROOT): boolean {
    return root.split(path.sep).includes("node_modules");
}

/**
 * The writable directory bundles are cached in (`node_modules/.cache/platform-bundles`) and nominally
 * written to (`dist/functions`): the repository itself here, so its previews, specs and `npm run bundle`
 * share one cache; the program's directory (where Pulumi runs it) when installed, since a package under
 * node_modules may be read-only and is replaced by every install.
 */
export function programDir(root: string = PACKAGE_ROOT): string {
    return isInstalled(root) ? process.cwd() : root;
}

/**
 * Where Node.js would look for `pkg` from `from`: the first `node_modules/<pkg>` up the directory tree
 * (skipping directories that are themselves `node_modules`, as Node does), or undefined.
 */
export function resolvePackageDir(pkg: string, from: string = PACKAGE_ROOT): string | undefined {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        if (path.basename(dir) !== "node_modules") {
            const candidate = path.join(dir, "node_modules", pkg);
            if (existsSync(path.join(candidate, "package.json"))) return candidate;
        }
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** The Node.js major of the Lambda runtime the functions run on (FUNCTION_RUNTIME, `nodejs24.x`): the bundles target it. */
export const LAMBDA_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(FUNCTION_RUNTIME)?.[1]);

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
            return { contents, loader: "js", resolveDir: PACKAGE_ROOT };
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
  return function () { throw new Error("aws-xray-sdk-core " + name + " is left out of the Lambda bundles (slim-xray in components/bundle-options.ts)"); };
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
        // The logger as Node would find it from the package: in a program, npm may have put it anywhere up the tree.
        const resolveDir = resolvePackageDir("@aws-lambda-powertools/logger");
        pluginBuild.onResolve({ filter: /^@aws-lambda-powertools\/commons(\/.*)?$/ }, async (args) => {
            if (args.pluginData === "one-powertools-commons" || resolveDir === undefined) return undefined;
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

/**
 * The esbuild settings of every Lambda bundle: the workload's (`npm run bundle`), the ones `Function`
 * builds when the program runs, and the benchmark's baseline (`packages: "external"`).
 * @param entry Path of the handler's entry file, relative ones from {@link PACKAGE_ROOT}; its folder names
 * the bundle (dist/functions/<folder>/index.js under {@link programDir}).
 */
export function esbuildOptions(entry: string, packages: "bundle" | "external" = "bundle"): BuildOptions {
    // The plugins and stand-ins below rewrite dependencies' private files: only on releases they were verified on.
    checkBundleInternals(PACKAGE_ROOT);
    const abs = path.resolve(PACKAGE_ROOT, entry);
    return {
        absWorkingDir: PACKAGE_ROOT,
        entryPoints: [abs],
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
                      "@aws-sdk/credential-provider-node": path.join(PACKAGE_ROOT, "functions/shared/lambda-credentials.ts"),
                      debug: path.join(PACKAGE_ROOT, "functions/shared/silent-debug.ts"),
                      "@smithy/core/event-streams": path.join(PACKAGE_ROOT, "functions/shared/no-event-streams.ts"),
                      // The X-Ray SDK's context store, on AsyncLocalStorage instead of an async hook; see functions/shared/xray-context.ts.
                      "cls-hooked/context": path.join(PACKAGE_ROOT, "functions/shared/xray-context.ts"),
                      // The DynamoDB client's endpoint-discovery cache; see functions/shared/endpoint-lru.ts.
                      "mnemonist/lru-cache": path.join(PACKAGE_ROOT, "functions/shared/endpoint-lru.ts"),
                  }
                : {},
        plugins: packages === "bundle" ? [lazyBuiltins, literalSchemaKeys, slimXRay, onePowertoolsCommons, packageVersionsOnly] : [],
        write: false,
        metafile: false,
        logLevel: "silent",
        outfile: path.join(programDir(), "dist/functions", path.basename(path.dirname(abs)), "index.js"),
    };
}
