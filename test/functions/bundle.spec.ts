/** The Lambda artifacts: one CommonJS bundle per function, small, with a source map, byte-for-byte reproducible. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { bundleAll, FUNCTION_NAMES, SAMPLE_FUNCTION_ENV } from "../../tools/bundle";
import { ensureBundles } from "./helpers/bundles";

const MAX_BYTES = 400 * 1024;

const FULL_ENV = { PATH: process.env.PATH ?? "", ...SAMPLE_FUNCTION_ENV };

describe("function bundles", function () {
  this.timeout(60_000);

  it("builds every function to <name>/index.js under the size budget, with a source map", async () => {
    const bundles = await ensureBundles();
    assert.deepEqual([...bundles.keys()], [...FUNCTION_NAMES]);
    for (const [name, result] of bundles) {
      assert.equal(path.basename(path.dirname(result.file)), name);
      assert.ok(result.bytes <= MAX_BYTES, `${name} is ${result.bytes} bytes; the budget is ${MAX_BYTES}`);
      const code = readFileSync(result.file, "utf8");
      assert.ok(/\/\/# sourceMappingURL=index\.js\.map\s*$/.test(code.slice(-200)), `${name} links its source map`);
      // Loaded from a temp dir by a bare node: it resolves nothing from node_modules, so the SDK is inside.
      const probe = execFileSync(process.execPath, ["-e", `process.stdout.write(typeof require(${JSON.stringify(result.file)}).handler)`], { env: FULL_ENV, cwd: tmpdir() });
      assert.equal(probe.toString(), "function", `${name} exports handler`);
      const map = JSON.parse(readFileSync(`${result.file}.map`, "utf8")) as { sources: string[] };
      assert.ok(map.sources.includes(`functions/${name}/index.ts`), `${name}'s map points at its source`);
    }
  });

  it("is deterministic: a second build elsewhere gives the same bytes", async () => {
    const first = await ensureBundles();
    const second = await bundleAll({ outDir: mkdtempSync(path.join(tmpdir(), "bundles-again-")) });
    for (const result of second) assert.equal(result.sha256, first.get(result.name)!.sha256, `${result.name} differs between builds`);
  });

  it("fails a cold start with a message naming the missing variables", async () => {
    const bundles = await ensureBundles();
    const file = bundles.get("email-worker")!.file;
    assert.throws(
      () => execFileSync(process.execPath, ["-e", `require(${JSON.stringify(file)})`], { env: { PATH: process.env.PATH ?? "" }, stdio: "pipe" }),
      (error: { stderr: Buffer }) => /SES_FROM_ADDRESS is required/.test(error.stderr.toString()) && /TABLE_NAME is required/.test(error.stderr.toString()),
    );
  });
});
