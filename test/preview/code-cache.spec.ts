import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codeCache } from "../../tools/preview/child-scripts";

/**
 * The code cache must never change what a module does: a cached module behaves as it did when it was
 * compiled, sees its new source once that changes, keeps what Node's loader gives modules, and can
 * still import dynamically (which Node.js 20's scripts restored from a cache could not).
 */
describe("offline preview code cache", function () {
    this.timeout(60_000);
    let dir: string;
    let cacheDir: string;
    let run: () => string;
    const lib = (file: string) => path.join(dir, "node_modules", "lib", file);
    /** Every file Node's compile cache holds, with its size. */
    const entries = (): Map<string, number> => {
        const out = new Map<string, number>();
        const walk = (d: string) => {
            for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else out.set(path.relative(cacheDir, p), fs.statSync(p).size);
            }
        };
        walk(cacheDir);
        return out;
    };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-cache-"));
        fs.mkdirSync(lib(""), { recursive: true });
        const files: Record<string, string> = {
            "helper.mjs": "export const shout = (s) => s.toUpperCase();\n",
            // import() from a module V8 restored from a cache failed on Node.js 20; it must work from Node's cache.
            "dynamic.js": "exports.shout = async (s) => (await import('./helper.mjs')).shout(s);\n",
            "evaluated.js":
                "const load = (0, eval)('u => import(u)');\nexports.load = () => load(require('url').pathToFileURL(__dirname + '/helper.mjs').href);\n",
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
        cacheDir = env.OFFLINE_PREVIEW_CODE_CACHE;
        fs.rmSync(cacheDir, { recursive: true, force: true });
        run = () =>
            execFileSync(process.execPath, [...execArgv, "--require", preload, "main.js"], { cwd: dir, env: { ...process.env, ...env } })
                .toString()
                .trim();
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(cacheDir, { recursive: true, force: true });
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

    it("runs modules the same with a cold cache, fills the cache, and runs the same from it", () => {
        writeLib("hello");
        assert.equal(run(), EXPECTED);
        const cold = entries();
        // One entry per module at least: lib's four CommonJS files, the ES module and main.js.
        assert.ok(cold.size >= 6, `cache entries: ${[...cold.keys()].join(", ")}`);
        assert.equal(run(), EXPECTED, "the same from the cache, dynamic imports included");
        assert.deepEqual([...entries().keys()].sort(), [...cold.keys()].sort(), "a warm run adds nothing");
    });

    it("compiles a module again once its source changes, even at the same length", () => {
        writeLib("howdy");
        assert.equal(run(), EXPECTED.replace("HELLO", "HOWDY"));
        writeLib("hello");
        assert.equal(run(), EXPECTED);
    });

    it("treats torn cache entries as a cold cache", () => {
        for (const f of entries().keys()) fs.writeFileSync(path.join(cacheDir, f), Buffer.from([1, 2, 3]));
        assert.equal(run(), EXPECTED);
        assert.equal(run(), EXPECTED);
    });

    it("does nothing without its environment variable, and is not inherited by the program's children", () => {
        const { execArgv, preload } = codeCache("program", dir);
        const child =
            "require('child_process').execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.OFFLINE_PREVIEW_CODE_CACHE))']).toString()";
        const out = execFileSync(process.execPath, [...execArgv, "--require", preload, "-e", `process.stdout.write(${child})`], {
            cwd: dir,
            env: { ...process.env, OFFLINE_PREVIEW_CODE_CACHE: cacheDir },
        }).toString();
        assert.equal(out, "undefined");
    });
});
