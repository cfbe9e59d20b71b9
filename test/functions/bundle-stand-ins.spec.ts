/**
 * What components/bundle-options.ts swaps or trims to keep tracing affordable: the Lambda-only X-Ray entry, one
 * Powertools commons, version-only package.json files, and the Map-based LRU for the DynamoDB
 * client's endpoint cache, which must behave as mnemonist's does.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { build, type Metafile } from "esbuild";
import fc from "fast-check";
import MnemonistLRU from "mnemonist/lru-cache";
import LRUCache from "../../functions/shared/endpoint-lru";
import { esbuildOptions, PACKAGE_ROOT as REPO_ROOT } from "../../components/bundle-options";
import { entryPoint, lambdaNode, type FunctionName } from "../../tools/bundle";

async function metafileOf(name: FunctionName): Promise<Metafile> {
    const result = await build({ ...esbuildOptions(entryPoint(name)), sourcemap: false, metafile: true });
    return result.metafile!;
}

/** Bundles `source` (resolved from the repository) with the functions' settings, and returns the file. */
async function bundleProbe(source: string): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), "bundle-probe-"));
    const { entryPoints: _entryPoints, ...options } = esbuildOptions(entryPoint("api"));
    const result = await build({
        ...options,
        stdin: { contents: source, resolveDir: REPO_ROOT, loader: "ts", sourcefile: "probe.ts" },
        sourcemap: false,
        outfile: path.join(dir, "out.js"),
    });
    const file = path.join(dir, "out.js");
    writeFileSync(file, result.outputFiles!.find((f) => f.path.endsWith(".js"))!.contents);
    return file;
}

describe("bundle stand-ins", function () {
    this.timeout(60_000);

    it("bundles only the X-Ray SDK's Lambda path, on the AsyncLocalStorage context, with one Powertools commons", async () => {
        for (const name of ["api", "email-worker"] as const) {
            const inputs = Object.keys((await metafileOf(name)).inputs);
            for (const left of [
                /cls-hooked/,
                /node_modules\/semver\//,
                /aws-xray-sdk-core\/dist\/lib\/patchers\/(aws|http|promise)_p\.js/,
                /aws-xray-sdk-core\/dist\/lib\/middleware\/sampling\//,
                /aws-xray-sdk-core\/dist\/lib\/segments\/plugins\//,
                /node_modules\/mnemonist\//,
            ]) {
                assert.ok(!inputs.some((input) => left.test(input)), `${name} leaves out ${left}`);
            }
            assert.ok(inputs.includes("functions/shared/xray-context.ts"), `${name} keeps X-Ray context in AsyncLocalStorage`);
            const commons = new Set(inputs.flatMap((input) => /^(.*@aws-lambda-powertools\/commons)\//.exec(input)?.[1] ?? []));
            assert.equal(commons.size, 1, `${name} holds one copy of @aws-lambda-powertools/commons: ${[...commons].join(", ")}`);
        }
    });

    it("keeps name and version of a dependency's package.json, which is what the SDK's user agent reads", async () => {
        const file = await bundleProbe(`import pkg from "@aws-sdk/client-dynamodb/package.json";\nexport const seen = pkg;\n`);
        const seen = JSON.parse(
            execFileSync(lambdaNode(), ["-e", `process.stdout.write(JSON.stringify(require(${JSON.stringify(file)}).seen))`]).toString(),
        ) as Record<string, unknown>;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const real = require("@aws-sdk/client-dynamodb/package.json") as { name: string; version: string };
        assert.deepEqual(seen, { name: real.name, version: real.version });
    });

    it("throws, naming the plugin, if code calls a part of the X-Ray SDK the bundles leave out", async () => {
        const file = await bundleProbe(
            `import xray from "aws-xray-sdk-core";\nimport * as http from "node:http";\nexport const kept = typeof xray.captureAWSv3Client;\nexport const left = () => xray.captureHTTPsGlobal(http);\n`,
        );
        const probe = `const m = require(${JSON.stringify(file)}); let message = ""; try { m.left(); } catch (e) { message = e.message; } process.stdout.write(JSON.stringify({ kept: m.kept, message }));`;
        const out = JSON.parse(execFileSync(lambdaNode(), ["-e", probe]).toString()) as { kept: string; message: string };
        assert.equal(out.kept, "function");
        assert.match(out.message, /captureHTTPsGlobal is left out of the Lambda bundles \(slim-xray in components\/bundle-options\.ts\)/);
    });

    it("gives the endpoint cache the same least-recently-used answers as mnemonist's LRU", () => {
        type Op = { op: "set"; key: number; value: number } | { op: "get" | "peek" | "has"; key: number } | { op: "clear" };
        const key = fc.integer({ min: 0, max: 6 });
        const op: fc.Arbitrary<Op> = fc.oneof(
            fc.record({ op: fc.constant("set" as const), key, value: fc.integer() }),
            fc.record({ op: fc.constantFrom("get" as const, "peek" as const, "has" as const), key }),
            fc.constant({ op: "clear" as const }),
        );
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
                const ours = new LRUCache<number, number>(capacity);
                const theirs = new MnemonistLRU<number, number>(capacity);
                for (const step of ops) {
                    if (step.op === "set") {
                        ours.set(step.key, step.value);
                        theirs.set(step.key, step.value);
                    } else if (step.op === "clear") {
                        ours.clear();
                        theirs.clear();
                    } else {
                        assert.equal(ours[step.op](step.key), theirs[step.op](step.key), `${step.op}(${step.key})`);
                    }
                    assert.equal(ours.size, theirs.size);
                }
            }),
        );
    });
});
