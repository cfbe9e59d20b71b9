/**
 * The dependencies whose private files or shapes the Lambda bundles rely on, in one place: the esbuild
 * plugins and stand-ins of components/bundle-options.ts, and the OpenSearch transport (functions/shared/
 * opensearch-transport.ts). Each entry says what it touches and the releases it was verified on;
 * `checkBundleInternals()` runs before every build (`npm run bundle`, `pulumi up`, the offline preview,
 * the specs) and stops with the package, the installed version and the verified range when one is
 * outside it. test/functions/bundle-internals.spec.ts checks that each touched file still has the shape
 * relied on, so an upgrade shows exactly what to re-verify.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { checkVerifiedVersion } from "./verified-dependencies";

export interface BundleInternal {
    /** The package, or `@aws-sdk/client-*` for every SDK client the functions depend on. */
    package: string;
    /** The releases it was verified on (a semver range). */
    verified: string;
    /** What of it the bundles rely on. */
    touches: string;
}

export const BUNDLE_INTERNALS: readonly BundleInternal[] = [
    {
        package: "@aws-sdk/client-*",
        verified: ">=3.1133.0 <=3.1175.0",
        touches: 'dist-es/schemas/schemas_<n>.js: operation schemas keyed by `const _x = "..."` string constants, which literal-schema-keys writes as literals',
    },
    {
        package: "@smithy/core",
        verified: ">=3.41.0 <3.42.0",
        touches:
            "the event-streams subpath, replaced by functions/shared/no-event-streams.ts (EventStreamSerde, eventStreamSerdeProvider, resolveEventStreamSerdeConfig)",
    },
    {
        package: "@aws-sdk/credential-provider-node",
        verified: ">=3.972.98 <3.973.0",
        touches: "replaced by the environment provider (functions/shared/lambda-credentials.ts): its export defaultProvider",
    },
    {
        package: "aws-xray-sdk-core",
        verified: ">=3.12.0 <3.13.0",
        touches:
            "dist/lib/aws-xray.js (the entry slim-xray replaces by its Lambda path), dist/lib/middleware/mw_utils.js, dist/lib/resources/aws_whitelist.json",
    },
    {
        package: "cls-hooked",
        verified: ">=4.2.2 <4.3.0",
        touches: "its context API (createNamespace, getNamespace), replaced by AsyncLocalStorage in functions/shared/xray-context.ts",
    },
    { package: "mnemonist", verified: ">=0.38.3 <0.39.0", touches: "lru-cache, replaced by a Map-based LRU (functions/shared/endpoint-lru.ts)" },
    { package: "@aws-lambda-powertools/commons", verified: ">=2.35.0 <=2.36.0", touches: "one copy serves every Powertools package (one-powertools-commons)" },
    {
        package: "@opensearch-project/opensearch",
        verified: ">=3.9.0 <3.10.0",
        touches:
            "lib/aws/shared.js giveAwsV4Signer, lib/pool ConnectionPool, lib/Transport: the signed transport without the client (functions/shared/opensearch-transport.ts)",
    },
];

/**
 * The node_modules directories Node.js searches from `root` (its own, then each parent's, skipping
 * directories that are themselves `node_modules`), as when the components are installed in a program and
 * npm hoisted their dependencies above them; and in each, the node_modules nested one level inside, where
 * npm puts other copies.
 */
export function nodeModulesDirs(root: string): string[] {
    const dirs = [path.join(root, "node_modules")];
    for (let dir = path.resolve(root); path.dirname(dir) !== dir;) {
        dir = path.dirname(dir);
        const top = path.join(dir, "node_modules");
        if (path.basename(dir) !== "node_modules" && fs.existsSync(top)) dirs.push(top);
    }
    return dirs.flatMap((top) => {
        const nested: string[] = [];
        for (const entry of fs.existsSync(top) ? fs.readdirSync(top) : []) {
            const packages = entry.startsWith("@") ? fs.readdirSync(path.join(top, entry)).map((e) => path.join(entry, e)) : [entry];
            for (const p of packages) {
                const dir = path.join(top, p, "node_modules");
                if (fs.existsSync(dir)) nested.push(dir);
            }
        }
        return [top, ...nested];
    });
}

/** Every installed copy of a package in those directories, with its version. */
export function installedCopies(dirs: readonly string[], pkg: string): { dir: string; version: string }[] {
    return dirs
        .map((d) => path.join(d, pkg, "package.json"))
        .filter((f) => fs.existsSync(f))
        .map((f) => ({ dir: path.dirname(f), version: (JSON.parse(fs.readFileSync(f, "utf8")) as { version: string }).version }));
}

/** The SDK clients the functions depend on (package.json), which literal-schema-keys rewrites. */
export function sdkClients(root: string): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    return Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith("@aws-sdk/client-"));
}

const checked = new Set<string>();

/** Stops a build whose dependencies are outside the releases the bundles' rewrites were verified on. */
export function checkBundleInternals(root: string, notice: (line: string) => void = (l) => console.error(l)): void {
    if (checked.has(root)) return;
    const dirs = nodeModulesDirs(root);
    for (const internal of BUNDLE_INTERNALS) {
        const packages = internal.package === "@aws-sdk/client-*" ? sdkClients(root) : [internal.package];
        for (const pkg of packages) {
            for (const copy of installedCopies(dirs, pkg)) {
                checkVerifiedVersion(pkg, copy.version, internal.verified, `the Lambda bundles (components/bundle-internals.ts: ${internal.touches})`, notice);
            }
        }
    }
    checked.add(root);
}
