/**
 * The packages another repository installs (`npm run pack`, tools/pack.ts): what each tarball holds, that
 * examples/consumer reads the output contract from its tarball, and a second program built from the packed
 * components alone, previewed offline with the packed policy pack.
 */
import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { lambdaNode } from "../../tools/bundle";
import { ensurePackages, EXAMPLES, exampleTarballs, type PackageKind, type PackedPackage } from "../../tools/pack";
import type { PreviewReport } from "../../tools/preview";
import { allPolicies } from "../../policies/rules";
import { fixture, previewCli, REPO } from "../preview/helpers";

const run = promisify(execFile);
const rootManifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };

interface Manifest {
    name: string;
    main?: string;
    types?: string;
    exports?: Record<string, unknown>;
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
}

/** The paths in a tarball, relative to the package root, as tar itself lists them. */
function entries(tarball: string): string[] {
    return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l !== "" && !l.endsWith("/"))
        .map((l) => l.replace(/^package\//, ""))
        .sort();
}

/** The package.json inside a tarball. */
function manifestOf(tarball: string): Manifest {
    return JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as Manifest;
}

const repoTs = (dir: string): string[] =>
    fs
        .readdirSync(path.join(REPO, dir))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `${dir}/${f}`);

describe("the packages another repository installs (npm run pack)", function () {
    this.timeout(180_000);
    let packed: PackedPackage[];
    const tarball = (kind: PackageKind): PackedPackage => {
        const found = packed.find((p) => p.kind === kind);
        assert.ok(found, `${kind} is packed`);
        return found;
    };

    before(async () => {
        // After npm ci (postinstall) or the spec run's global setup this only hashes the sources.
        packed = await ensurePackages();
    });

    describe("the tarballs in dist/packages", () => {
        it("packs three, named as the examples depend on them, each file list as npm reported it", () => {
            assert.deepEqual(
                packed.map((p) => [p.kind, p.name, path.relative(REPO, p.tarball)]),
                [
                    ["components", "@serverless-platform/components", "dist/packages/serverless-platform-components-0.1.0.tgz"],
                    ["outputs", "@serverless-platform/outputs", "dist/packages/serverless-platform-outputs-0.1.0.tgz"],
                    ["policies", "platform-policies", "dist/packages/platform-policies-0.1.0.tgz"],
                ],
            );
            for (const p of packed) assert.deepEqual(entries(p.tarball), p.files, p.name);
        });

        it("components: every module compiled with its declarations, the defaults, and the TypeScript the bundles are built from; no sources, specs or node_modules", () => {
            const files = entries(tarball("components").tarball);
            const modules = fs
                .readdirSync(path.join(REPO, "components"), { recursive: true, encoding: "utf8" })
                .filter((f) => f.endsWith(".ts"))
                .map((f) => `components/${f.split(path.sep).join("/").replace(/\.ts$/, "")}`)
                .sort();
            assert.ok(modules.includes("components/function") && modules.includes("components/defaults/lambda"));
            const compiled = modules.flatMap((m) => [`${m}.d.ts`, `${m}.js`]);
            const functions = [
                ...repoTs("functions/release-hooks"),
                // The stand-ins every bundle aliases, and what the hooks import from functions/shared.
                ...["config", "endpoint-lru", "lambda-credentials", "no-event-streams", "silent-debug", "smoke-checks", "xray-context"].map(
                    (f) => `functions/shared/${f}.ts`,
                ),
            ];
            assert.deepEqual(files, ["README.md", ...compiled, ...functions, "package.json"].sort());
            assert.ok(!files.some((f) => /(^|\/)(test|node_modules)\//.test(f) || f.endsWith(".map")));
        });

        it("components: subpath exports, @pulumi/* as peers, every other dependency at this repository's release", () => {
            const p = tarball("components");
            const manifest = manifestOf(p.tarball);
            assert.deepEqual(manifest.exports, { "./package.json": "./package.json", "./*": { types: "./components/*.d.ts", default: "./components/*.js" } });
            assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}), ["@pulumi/aws", "@pulumi/awsx", "@pulumi/pulumi"]);
            const deps = manifest.dependencies ?? {};
            for (const pkg of ["esbuild", "semver", "@aws-sdk/client-codedeploy", "@aws-lambda-powertools/logger", "zod", "yaml"])
                assert.equal(deps[pkg], rootManifest.dependencies[pkg], `${pkg} pinned as the repository pins it`);
            // Only through another package here (the SDK clients): pinned to the copy npm installed.
            const env = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "@aws-sdk", "credential-provider-env", "package.json"), "utf8")) as {
                version: string;
            };
            assert.equal(deps["@aws-sdk/credential-provider-env"], env.version);
            assert.ok(!("typescript" in deps) && !("mocha" in deps) && !("@pulumi/pulumi" in deps), "nothing only the repository's tooling needs");
            assert.equal(manifest.scripts, undefined, "nothing runs on install");
        });

        it("outputs: the compiled reader and its declarations; zod pinned, @pulumi/pulumi a peer", () => {
            const p = tarball("outputs");
            assert.deepEqual(p.files, ["README.md", "outputs.d.ts", "outputs.js", "package.json"]);
            const manifest = manifestOf(p.tarball);
            assert.equal(manifest.main, "outputs.js");
            assert.equal(manifest.types, "outputs.d.ts");
            assert.deepEqual(manifest.dependencies, { zod: rootManifest.dependencies.zod });
            assert.deepEqual(manifest.peerDependencies, { "@pulumi/pulumi": `^${rootManifest.dependencies["@pulumi/pulumi"]}` });
        });

        it("policies: PulumiPolicy.yaml, the built pack (bin/, with components/defaults compiled in) that main loads, and the per-environment config; no TypeScript, no maps", () => {
            const p = tarball("policies");
            const files = p.files;
            for (const f of [
                "PulumiPolicy.yaml",
                "index.js",
                "bin/policies/index.js",
                "bin/components/defaults/lambda.js",
                "config/dev.json",
                "config/prod.json",
            ])
                assert.ok(files.includes(f), f);
            assert.ok(files.some((f) => f.startsWith("bin/policies/rules/")));
            assert.ok(
                !files.some((f) => f.endsWith(".ts") || f.endsWith(".map") || f.startsWith("node_modules/") || f.startsWith("scripts/")),
                files.join(", "),
            );
            const manifest = manifestOf(p.tarball);
            assert.equal(manifest.main, "index.js");
            // Building is the repository's job (prepare); an install of the tarball compiles nothing.
            assert.equal(manifest.scripts?.postinstall, undefined);
            assert.match(fs.readFileSync(path.join(REPO, "policies", "index.js"), "utf8"), /require\("\.\/bin\/policies\/index\.js"\)/);
        });
    });

    describe("examples/consumer", () => {
        const consumer = EXAMPLES[0];

        it("depends on the outputs tarball, and npm resolves the reader from it, not from the repository's outputs.ts", async () => {
            assert.deepEqual(exampleTarballs(consumer), { "@serverless-platform/outputs": tarball("outputs").tarball });
            assert.doesNotMatch(fs.readFileSync(path.join(consumer, "index.ts"), "utf8"), /\.\.\/\.\.\/outputs/);
            const { stdout } = await run("npm", ["ls", "@serverless-platform/outputs", "--json"], { cwd: consumer });
            const tree = JSON.parse(stdout) as { dependencies: Record<string, { version: string; resolved: string }> };
            assert.equal(tree.dependencies["@serverless-platform/outputs"]?.resolved, `file:${tarball("outputs").tarball}`);
            const installed = path.join(consumer, "node_modules", "@serverless-platform", "outputs");
            assert.equal(require.resolve("@serverless-platform/outputs", { paths: [consumer] }), path.join(installed, "outputs.js"));
            assert.equal(
                fs.readFileSync(path.join(installed, "outputs.js"), "utf8"),
                fs.readFileSync(path.join(REPO, "dist", "packages-build", "tsc", "outputs.js"), "utf8"),
                "the installed reader is the packed build of outputs.ts",
            );
            // Its peer, the SDK, is the repository's own copy: one runtime for the program and the reader.
            assert.equal(require.resolve("@pulumi/pulumi", { paths: [installed] }), require.resolve("@pulumi/pulumi", { paths: [REPO] }));
        });
    });

    describe("a second program, built from the packed components", () => {
        let program: string;
        let report: PreviewReport;
        let prodLevels: PreviewReport;
        let typeCheck: Promise<{ stdout: string }>;
        const resource = (type: string, name: string) => {
            const found = report.resources.find((r) => r.type === type && r.name === name);
            assert.ok(found, `${type} ${name} is in the report`);
            return found;
        };

        before(async () => {
            // Inside the repository, so the program finds @pulumi/* and the packages' dependencies in its
            // node_modules (as peers and hoisted dependencies are found); a fresh directory per worker.
            fs.mkdirSync(path.join(REPO, "test", ".tmp"), { recursive: true });
            program = fs.mkdtempSync(path.join(REPO, "test", ".tmp", "packaged-"));
            fs.cpSync(fixture("programs", "packaged"), program, { recursive: true });
            const tarballs = { components: tarball("components"), outputs: tarball("outputs"), policies: tarball("policies") };
            fs.writeFileSync(
                path.join(program, "package.json"),
                JSON.stringify({
                    name: "packaged",
                    private: true,
                    dependencies: Object.fromEntries(Object.values(tarballs).map((p) => [p.name, `file:${path.relative(program, p.tarball)}`])),
                }),
            );
            // What npm does with each tarball, less fetching the dependencies the repository already has.
            for (const p of Object.values(tarballs)) {
                const dir = path.join(program, "node_modules", p.name);
                fs.mkdirSync(dir, { recursive: true });
                execFileSync("tar", ["-xzf", p.tarball, "-C", dir, "--strip-components=1"]);
            }
            const pack = path.join(program, "node_modules", "platform-policies");
            const preview = (level: string) =>
                previewCli([
                    "--cwd",
                    program,
                    "--stack",
                    "dev",
                    "--mode",
                    "update",
                    "--policy-pack",
                    pack,
                    "--policy-pack-config",
                    path.join(pack, "config", `${level}.json`),
                    "--json",
                ]);
            // Against the packed declarations, as the program's own `tsc` would (its tsconfig: nodenext, so `exports`).
            typeCheck = run(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", program], { cwd: program });
            typeCheck.catch(() => undefined);
            const [dev, prod] = await Promise.all([preview("dev"), preview("prod")]);
            assert.equal(dev.code, 0, dev.stderr);
            assert.equal(prod.code, 1, prod.stderr);
            report = JSON.parse(dev.stdout) as PreviewReport;
            prodLevels = JSON.parse(prod.stdout) as PreviewReport;
        });
        after(() => fs.rmSync(program, { recursive: true, force: true }));

        it("passes the packed policy pack at dev's levels with no violation at all", () => {
            // Every rule of the source pack is in the packed one.
            assert.deepEqual(report.policyPacks, [{ name: "platform-policies", version: "0.1.0", policies: allPolicies().length }]);
            assert.deepEqual(
                report.diagnostics.map((d) => `${d.enforcementLevel} ${d.policyName} ${d.urn}`),
                [],
            );
        });

        it("at prod's levels (the pack's config/prod.json) stops on exactly what prod asks more of: year-long logs and protected keys", () => {
            const mandatory = prodLevels.diagnostics
                .filter((d) => d.enforcementLevel === "mandatory")
                .map((d) => `${d.policyName} ${(d.urn ?? "").split("::").at(-1)}`)
                .sort();
            assert.deepEqual(mandatory, [
                "kms-key-hygiene encryption-data-key",
                "kms-key-hygiene encryption-logs-key",
                "kms-key-hygiene encryption-messaging-key",
                "log-group-retention release-post-traffic-logs",
                "log-group-retention release-pre-traffic-logs",
                "log-group-retention worker-logs",
            ]);
        });

        it("type-checks against the packed declarations: every subpath it imports has its types", async () => {
            try {
                await typeCheck;
            } catch (error) {
                assert.fail(`tsc --noEmit in the program:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
            }
        });

        it("registers the components' resources under their own types, and the program's outputs", () => {
            const types = new Set(report.resources.map((r) => r.type));
            for (const t of [
                "platform:compute:Function",
                "platform:data:DataStore",
                "aws:sqs/queue:Queue",
                "aws:dynamodb/table:Table",
                "aws:codedeploy/deploymentGroup:DeploymentGroup",
            ])
                assert.ok(types.has(t), t);
            assert.equal(resource("aws:lambda/function:Function", "worker-function").inputs.runtime, "nodejs24.x");
            assert.ok(resource("aws:lambda/eventSourceMapping:EventSourceMapping", "worker-jobs-source").inputs.functionName);
            assert.deepEqual(report.outputs, {
                functionName: "packaged-dev-worker",
                queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/packaged-dev-jobs",
                readsContract: "1.4",
                region: "eu-west-1",
                runtime: "nodejs24.x",
                tableName: "packaged-dev-orders",
            });
        });

        it("bundles the program's handler with the package's code, into the program's own cache, and the bundle runs", async () => {
            const description = String(resource("aws:lambda/function:Function", "worker-function").inputs.description);
            const sha = /\(bundle sha256 ([0-9a-f]{16})\)$/.exec(description)?.[1];
            assert.ok(sha, description);
            // The installed package caches in the program's node_modules; the repository's components would use the repository's.
            const cache = path.join(program, "node_modules", ".cache", "platform-bundles");
            const bundles = fs.readdirSync(cache).map((f) => path.join(cache, f));
            const bundle = bundles.find((f) => createHash("sha256").update(fs.readFileSync(f)).digest("hex").startsWith(sha));
            assert.ok(bundle, `a bundle of sha256 ${sha} in ${cache}`);
            const { stdout } = await run(lambdaNode(), [
                "-e",
                "require(process.argv[1]).handler({ Records: [{}, {}] }).then((r) => process.stdout.write(JSON.stringify(r)))",
                bundle,
            ]);
            assert.deepEqual(JSON.parse(stdout), { batchItemFailures: [], handledBy: "packaged-worker", records: 2 });
        });

        it("bundles the release hooks from the package's own functions/ sources", () => {
            const cache = path.join(program, "node_modules", ".cache", "platform-bundles");
            for (const hook of ["release-pre-traffic", "release-post-traffic"]) {
                const sha = /\(bundle sha256 ([0-9a-f]{16})\)$/.exec(
                    String(resource("aws:lambda/function:Function", `${hook}-function`).inputs.description),
                )?.[1];
                const code = fs
                    .readdirSync(cache)
                    .map((f) => fs.readFileSync(path.join(cache, f)))
                    .find((c) =>
                        createHash("sha256")
                            .update(c)
                            .digest("hex")
                            .startsWith(sha ?? "-"),
                    );
                assert.ok(code, `${hook}: its bundle is in the program's cache`);
                assert.match(code.toString("utf8"), /PutLifecycleEventHookExecutionStatus/, `${hook} reports to CodeDeploy`);
            }
        });

        it("puts the table grant's statement on the worker's role, for that table and its key only", () => {
            const policy = JSON.parse(String(resource("aws:iam/rolePolicy:RolePolicy", "worker-policy").inputs.policy)) as {
                Statement: { Sid: string; Action: string | string[]; Resource: string }[];
            };
            const grant = policy.Statement.find((s) => s.Sid === "OrdersReadWrite");
            assert.deepEqual(grant, {
                Sid: "OrdersReadWrite",
                Effect: "Allow",
                Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
                Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/packaged-dev-orders",
            });
            assert.ok(policy.Statement.some((s) => s.Sid === "UseOrdersKey"));
            assert.ok(policy.Statement.some((s) => s.Sid === "ConsumeQueues" && s.Resource === "arn:aws:sqs:eu-west-1:123456789012:packaged-dev-jobs"));
        });
    });
});
