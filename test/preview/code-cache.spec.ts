import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codeCache } from "../../tools/preview/child-scripts";
import { readCodeCache } from "../../tools/preview/code-cache";

/**
 * The code cache must never change what a module does: a cached module behaves as it did when it was
 * compiled, sees its new source once that changes, and keeps what Node's loader gives modules.
 */
describe("offline preview code cache", function () {
    this.timeout(60_000);
    let dir: string;
    let cacheFile: string;
    let run: () => string;
    const lib = (file: string) => path.join(dir, "node_modules", "lib", file);
    const cachedCode = () =>
        Object.fromEntries([...readCodeCache(cacheFile)].map(([f, e]) => [path.relative(dir, f), e.data.length > 0]));

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-cache-"));
        fs.mkdirSync(lib(""), { recursive: true });
        const files: Record<string, string> = {
            "helper.mjs": "export const shout = (s) => s.toUpperCase();\n",
            // import() from a module V8 restored from a cache fails on Node.js 20: these compile the normal way.
            "dynamic.js": "exports.shout = async (s) => (await import('./helper.mjs')).shout(s);\n",
            "evaluated.js": "const load = (0, eval)('u => import(u)');\nexports.load = () => load(require('url').pathToFileURL(__dirname + '/helper.mjs').href);\n",
            // Only mentions it: cached.
            "mentions.js": "#!/usr/bin/env node\nexports.hint = 'call import(x) for an ES module';\n",
        };
        for (const [file, text] of Object.entries(files)) {
            fs.writeFileSync(lib(file), text);
        }
        fs.writeFileSync(
            path.join(dir, "main.js"),
            [
                "const lib = require('lib');",
                "(async () => {",
                "  const shouted = await require('lib/dynamic.js').shout(lib.greet('cache'));",
                "  const viaEval = (await require('lib/evaluated.js').load()).shout('eval');",
                "  console.log(shouted, lib.where, viaEval, require('lib/mentions.js').hint);",
                "})();",
            ].join("\n"),
        );
        const { execArgv, env, preload } = codeCache("program", dir);
        cacheFile = env.OFFLINE_PREVIEW_CODE_CACHE;
        fs.rmSync(cacheFile, { force: true });
        run = () =>
            execFileSync(process.execPath, [...execArgv, "--require", preload, "main.js"], { cwd: dir, env: { ...process.env, ...env } })
                .toString()
                .trim();
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(cacheFile, { force: true });
    });

    const writeLib = (greeting: string) =>
        fs.writeFileSync(
            lib("index.js"),
            [
                "exports.where = require.resolve('./helper.mjs') === __dirname + '/helper.mjs' ? 'resolved' : 'lost';",
                `exports.greet = (s) => '${greeting} ' + s;`,
            ].join("\n"),
        );
    const EXPECTED = "HELLO CACHE resolved EVAL call import(x) for an ES module";

    it("runs modules the same with a cold cache, caches those that cannot import dynamically, and reuses it", () => {
        writeLib("hello");
        assert.equal(run(), EXPECTED);
        assert.deepEqual(cachedCode(), {
            "node_modules/lib/index.js": true,
            "node_modules/lib/mentions.js": true,
            "node_modules/lib/dynamic.js": false,
            "node_modules/lib/evaluated.js": false,
        });
        const written = fs.statSync(cacheFile).mtimeMs;

        assert.equal(run(), EXPECTED, "the same from the cache, dynamic imports included");
        assert.equal(fs.statSync(cacheFile).mtimeMs, written, "a run with every module known leaves the file alone");
    });

    it("compiles a module again once its source changes, even at the same length", () => {
        writeLib("howdy");
        assert.equal(run(), EXPECTED.replace("HELLO", "HOWDY"));
        writeLib("hello");
        assert.equal(run(), EXPECTED);
    });

    it("treats a torn cache file as a cold cache", () => {
        fs.writeFileSync(cacheFile, Buffer.from([1, 2, 3]));
        assert.equal(run(), EXPECTED);
        assert.equal(Object.keys(cachedCode()).length, 4, "rewritten whole");
    });
});
