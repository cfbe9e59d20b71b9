import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const REPO = path.join(__dirname, "..", "..");

/** Every .ts file under a directory of the repository (relative paths), without tests. */
function sources(dir: string): string[] {
    return fs
        .readdirSync(path.join(REPO, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.includes("node_modules"))
        .map((f) => path.join(dir, f));
}

/** The repository files a source imports, requires or loads (relative paths); packages are left out. */
function localImports(file: string): string[] {
    const info = ts.preProcessFile(fs.readFileSync(path.join(REPO, file), "utf8"), true, true);
    return info.importedFiles
        .map((i) => i.fileName)
        .filter((s) => s.startsWith("."))
        .map((s) => path.relative(REPO, path.resolve(REPO, path.dirname(file), s)));
}

/** `file -> import` for each import of `files` that lands under one of `forbidden`. */
function violations(files: string[], forbidden: string[]): string[] {
    return files.flatMap((f) =>
        localImports(f)
            .filter((i) => forbidden.some((d) => i === d || i.startsWith(`${d}/`)))
            .map((i) => `${f} -> ${i}`),
    );
}

describe("dependencies run one way: index.ts -> components -> defaults", () => {
    it("components import neither config.ts, index.ts, tools/ nor the tests", () => {
        assert.deepEqual(violations(sources("components"), ["config", "index", "tools", "test", "examples"]), []);
    });

    it("the defaults import nothing of the platform but other defaults, so the policy pack can compile them in", () => {
        const out = sources("components/defaults").flatMap((f) =>
            localImports(f)
                .filter((i) => !i.startsWith("components/defaults/"))
                .map((i) => `${f} -> ${i}`),
        );
        assert.deepEqual(out, []);
    });

    it("the policy pack reads the platform's defaults and nothing else of it", () => {
        const files = sources("policies").filter((f) => !f.startsWith("policies/bin/"));
        const out = files.flatMap((f) =>
            localImports(f)
                .filter((i) => !i.startsWith("policies/") && !i.startsWith("components/defaults/"))
                .map((i) => `${f} -> ${i}`),
        );
        assert.deepEqual(out, []);
    });

    it("the Lambda code imports no component, tool or config, only the defaults they share: it is bundled alone", () => {
        const out = violations(sources("functions"), ["components", "tools", "config", "index", "outputs"]).filter(
            (v) => !v.includes(" -> components/defaults/"),
        );
        assert.deepEqual(out, []);
    });

    it("finds a forbidden import when there is one (the check reads real import syntax)", () => {
        const probe = "components/__probe.ts";
        fs.writeFileSync(path.join(REPO, probe), `import type { PlatformConfig } from "../config";\nexport const x = require("../tools/cli");\n`);
        try {
            assert.deepEqual(violations([probe], ["config", "tools"]), ["components/__probe.ts -> config", "components/__probe.ts -> tools/cli"]);
        } finally {
            fs.rmSync(path.join(REPO, probe));
        }
    });
});
