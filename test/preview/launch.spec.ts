import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandsBundle, freshFromManifest, writeManifest } from "../../tools/preview/child-scripts";
import { REPO } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launch = require("../../tools/preview/launch.js") as { freshBundle(manifest?: string): string | undefined };

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(process.execPath, [path.join(REPO, "tools", "preview", "launch.js"), ...args], { cwd: REPO }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr }),
        ),
    );
}

/**
 * The commands run from a bundle of their sources, rebuilt when any of them changes: launch.js (plain
 * JavaScript, no ts-node) and child-scripts.ts must agree on when a bundle is stale, or a command would run
 * old code.
 */
describe("offline preview: the commands' bundle", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "launch-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("launch.js and child-scripts.ts agree: fresh while every input hashes the same, stale once one changes or the bundle is gone", () => {
        const inputs = ["a.ts", "b.ts"].map((f) => path.join(dir, f));
        inputs.forEach((f, i) => fs.writeFileSync(f, `export const x = ${i};\n`));
        const out = path.join(dir, "bundle.js");
        fs.writeFileSync(out, "");
        const manifest = path.join(dir, "bundle.manifest.json");
        writeManifest(manifest, out, inputs);
        const both = () => [freshFromManifest(manifest), launch.freshBundle(manifest)];
        assert.deepEqual(both(), [out, out]);
        fs.writeFileSync(inputs[1], "export const x = 2;\n");
        assert.deepEqual(both(), [undefined, undefined], "an edited input");
        fs.writeFileSync(inputs[1], "export const x = 1;\n");
        assert.deepEqual(both(), [out, out], "the same content again");
        fs.rmSync(inputs[0]);
        assert.deepEqual(both(), [undefined, undefined], "a removed input");
        fs.writeFileSync(inputs[0], "export const x = 0;\n");
        fs.rmSync(out);
        assert.deepEqual(both(), [undefined, undefined], "a removed bundle");
        fs.writeFileSync(manifest, "{ torn");
        assert.deepEqual(both(), [undefined, undefined], "a torn manifest");
    });

    it("the bundle lists every source it was built from, and each keeps its own directory", async () => {
        const file = await commandsBundle();
        const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "commands.manifest.json"), "utf8")) as { inputs: string[] };
        for (const source of ["tools/preview/command.ts", "tools/preview/index.ts", "tools/gate/cli.ts", "tools/cli.ts"]) {
            assert.ok(manifest.inputs.includes(path.join(REPO, source)), source);
        }
        assert.ok(!manifest.inputs.some((f) => f.includes("node_modules")), "packages are required from node_modules, not bundled");
        const text = fs.readFileSync(file, "utf8");
        assert.ok(text.includes(JSON.stringify(path.join(REPO, "tools", "preview"))), "__dirname of tools/preview sources is their own");
    });

    // Its commands' --help and bad flags, as processes: test/tools/commands.spec.ts.
    it("refuses a command it does not know with exit 2, naming the ones it has", async () => {
        const unknown = await run(["nope"]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^error: launch\.js knows no command "nope"; commands: gate, preview/);
    });
});
