/**
 * What the Lambda bundles rely on in their dependencies' private files (components/bundle-internals.ts), on
 * the installed releases: the spec an upgrade of any of them must pass, naming what changed.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BUNDLE_INTERNALS, checkBundleInternals, installedCopies, nodeModulesDirs, sdkClients } from "../../components/bundle-internals";
import { PACKAGE_ROOT as REPO_ROOT } from "../../components/bundle-options";
import { UnverifiedDependencyError } from "../../components/verified-dependencies";

const pkgDir = (pkg: string) => path.join(REPO_ROOT, "node_modules", pkg);
const read = (pkg: string, file: string) => fs.readFileSync(path.join(pkgDir(pkg), file), "utf8");
/**
 * The export names and kinds of a file inside a package, loaded in a child process: loading it here
 * would put the real module in this process's require cache, where other specs put stand-ins.
 */
const load = (pkg: string, file: string): Record<string, string> => {
    const probe =
        "const m = require(process.argv[1]); process.stdout.write(JSON.stringify(typeof m === 'function' ? { '(module)': 'function' } : Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))));";
    return JSON.parse(execFileSync(process.execPath, ["-e", probe, path.join(pkgDir(pkg), file)]).toString()) as Record<string, string>;
};

describe("Lambda bundles: their dependencies' internals", () => {
    it("every installed copy is a release the bundles' rewrites were verified on", () => {
        const notices: string[] = [];
        checkBundleInternals(REPO_ROOT, (l) => notices.push(l));
        assert.deepEqual(notices, []);
        const dirs = nodeModulesDirs(REPO_ROOT);
        for (const internal of BUNDLE_INTERNALS.filter((i) => !i.package.includes("*"))) {
            assert.ok(installedCopies(dirs, internal.package).length > 0, `${internal.package} is installed`);
        }
    });

    it("each SDK client's operation schemas are keyed by string constants, as literal-schema-keys expects", () => {
        const clients = sdkClients(REPO_ROOT);
        assert.ok(clients.length >= 5, clients.join(", "));
        for (const client of clients) {
            const schemas = read(client, "dist-es/schemas/schemas_0.js");
            assert.match(schemas, /^const _[A-Za-z0-9_]+ = "[^"]*";$/m, `${client}: string constants`);
            assert.match(schemas, /[{,]\s*\[_[A-Za-z0-9_]+\]:/, `${client}: computed keys from them`);
        }
    });

    it("the modules the bundles replace still export what the stand-ins stand in for", () => {
        const eventStreams = load("@smithy/core", "dist-cjs/submodules/event-streams/index.js");
        for (const name of ["EventStreamSerde", "eventStreamSerdeProvider", "resolveEventStreamSerdeConfig"]) {
            assert.equal(eventStreams[name], "function", `@smithy/core/event-streams ${name}`);
        }
        assert.equal(load("@aws-sdk/credential-provider-node", "dist-cjs/index.js").defaultProvider, "function");
        const cls = load("cls-hooked", "context.js");
        assert.equal(cls.createNamespace, "function");
        assert.equal(cls.getNamespace, "function");
        assert.deepEqual(load("mnemonist", "lru-cache.js"), { "(module)": "function" }, "mnemonist/lru-cache is the LRUCache class");
    });

    it("aws-xray-sdk-core still has the files slim-xray rewrites", () => {
        for (const file of ["dist/lib/aws-xray.js", "dist/lib/middleware/mw_utils.js", "dist/lib/resources/aws_whitelist.json"]) {
            assert.ok(fs.existsSync(path.join(pkgDir("aws-xray-sdk-core"), file)), file);
        }
        assert.match(read("aws-xray-sdk-core", "dist/lib/aws-xray.js"), /require\(['"]\.\/context_utils['"]\)/);
    });

    it("the OpenSearch client still has the signer, pool and transport the search transport builds on", () => {
        assert.equal(load("@opensearch-project/opensearch", "lib/aws/shared.js").giveAwsV4Signer, "function");
        assert.equal(load("@opensearch-project/opensearch", "lib/pool/index.js").ConnectionPool, "function");
        assert.deepEqual(load("@opensearch-project/opensearch", "lib/Transport.js"), { "(module)": "function" });
    });

    it("stops a build on a release outside the verified range, naming the package, the version and the range", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-internals-"));
        try {
            fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ dependencies: { "@aws-sdk/client-sns": "3.2000.0" } }));
            for (const [pkg, version] of [
                ["cls-hooked", "5.0.0"],
                ["@aws-sdk/client-sns", "3.2000.0"],
            ]) {
                fs.mkdirSync(path.join(root, "node_modules", pkg), { recursive: true });
                fs.writeFileSync(path.join(root, "node_modules", pkg, "package.json"), JSON.stringify({ name: pkg, version }));
            }
            assert.throws(
                () => checkBundleInternals(root, () => undefined),
                (e: Error) =>
                    e instanceof UnverifiedDependencyError &&
                    /^@aws-sdk\/client-sns 3\.2000\.0 is outside the range the Lambda bundles \(components\/bundle-internals\.ts: dist-es\/schemas/.test(
                        e.message,
                    ) &&
                    e.message.includes("(>=3.1133.0 <=3.1175.0)"),
            );
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
