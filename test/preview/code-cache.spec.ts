import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codeCache } from "../../tools/preview/child-scripts";

/**
 * The code cache must never change what a module does: a cached module behaves as it did when it was
 * compiled, sees its new source once that changes, and keeps what Node's loader gives modules.
 */
describe("offline preview code cache", function () {
    this.timeout(60_000);
    let dir: string;
    let cacheFile: string;
    let run: () => string;
    const lib = () => path.join(dir, "node_modules", "lib", "index.js");

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-cache-"));
        fs.mkdirSync(path.dirname(lib()), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "lib", "helper.mjs"), "export const shout = (s) => s.toUpperCase();\n");
        // import() from a module V8 restored from a cache fails on Node.js 20, so this one never is.
        fs.writeFileSync(
            path.join(dir, "node_modules", "lib", "dynamic.js"),
            "exports.shout = async (s) => (await import('./helper.mjs')).shout(s);\n",
        );
        fs.writeFileSync(
            path.join(dir, "main.js"),
            "const lib = require('lib');\nrequire('lib/dynamic.js').shout(lib.greet('cache')).then((s) => console.log(s, lib.where));\n",
        );
        const { execArgv, env, preload } = codeCache("program", dir);
        cacheFile = env.OFFLINE_PREVIEW_CODE_CACHE;
        fs.rmSync(cacheFile, { force: true });
        run = () => execFileSync(process.execPath, [...execArgv, "--require", preload, "main.js"], { cwd: dir, env: { ...process.env, ...env } }).toString().trim();
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(cacheFile, { force: true });
    });

    const writeLib = (greeting: string) =>
        fs.writeFileSync(
            lib(),
            [
                "exports.where = require.resolve('./helper.mjs') === __dirname + '/helper.mjs' ? 'resolved' : 'lost';",
                `exports.greet = (s) => '${greeting} ' + s;`,
            ].join("\n"),
        );

    it("runs a module the same with a cold cache, writes the cache, and reuses it unchanged", () => {
        writeLib("hello");
        assert.equal(run(), "HELLO CACHE resolved");
        const written = fs.statSync(cacheFile);
        assert.ok(written.size > 0, "the first run wrote the cache");

        assert.equal(run(), "HELLO CACHE resolved");
        assert.equal(fs.statSync(cacheFile).mtimeMs, written.mtimeMs, "a run with every module cached leaves the file alone");
    });

    it("compiles a module again once its source changes, even at the same length", () => {
        writeLib("howdy");
        assert.equal(run(), "HOWDY CACHE resolved");
        writeLib("hello");
        assert.equal(run(), "HELLO CACHE resolved");
    });

    it("treats a torn cache file as a cold cache", () => {
        fs.writeFileSync(cacheFile, Buffer.from([1, 2, 3]));
        assert.equal(run(), "HELLO CACHE resolved");
        assert.ok(fs.statSync(cacheFile).size > 3, "rewritten whole");
    });
});
