import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { POLICIES_DIR } from "./helpers";

/** The pack's entry point serves the compiled build only while no source file is newer than it. */
describe("policy pack entry point", () => {
    let root: string;
    let dir: string;
    const write = (file: string, text: string, mtime: number) => {
        const p = path.join(root, file);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, text);
        fs.utimesSync(p, mtime, mtime);
    };
    const load = (): unknown => {
        const entry = path.join(dir, "index.js");
        for (const k of Object.keys(require.cache).filter((k) => k.startsWith(dir))) {
            delete require.cache[k];
        }
        // The entry point is loaded exactly as run-policy-pack loads a pack: with require.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(entry) as unknown;
    };

    beforeEach(() => {
        // The pack beside the components' defaults it compiles in, as in the repository.
        root = fs.mkdtempSync(path.join(os.tmpdir(), "pack-entry-"));
        dir = path.join(root, "policies");
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(POLICIES_DIR, "index.js"), path.join(dir, "index.js"));
        write("policies/index.ts", 'module.exports = "sources";\n', 1000);
        write("policies/lib/a.ts", "export {};\n", 1000);
        write("policies/rules/b.ts", "export {};\n", 1000);
        write("components/defaults/lambda.ts", "export {};\n", 1000);
        write("policies/bin/policies/index.js", 'module.exports = "build";\n', 2000);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("starts the compiled build when it is newer than every source", () => {
        assert.equal(load(), "build");
    });

    it("runs the TypeScript sources when a rule was edited after the build, or there is no build", () => {
        write("policies/rules/b.ts", "export {};\n", 3000);
        assert.equal(load(), "sources");
        fs.rmSync(path.join(dir, "bin"), { recursive: true });
        write("policies/rules/b.ts", "export {};\n", 1000);
        assert.equal(load(), "sources");
    });

    it("runs the sources when a shared default (components/defaults) changed after the build", () => {
        write("components/defaults/lambda.ts", "export {};\n", 3000);
        assert.equal(load(), "sources");
    });

    it("an installed pack (its build alone, no repository beside it) starts its build", () => {
        fs.rmSync(path.join(root, "components"), { recursive: true });
        assert.equal(load(), "build");
    });
});
