import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { platformOutputsV1Schema } from "../../outputs";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The lines of one `## ` section of the README. */
function section(title: string): string {
    const start = README.indexOf(`\n## ${title}\n`);
    assert.ok(start >= 0, `the README has a "## ${title}" section`);
    const end = README.indexOf("\n## ", start + 1);
    return README.slice(start, end < 0 ? undefined : end);
}

describe("the README", () => {
    it("starts with the two commands: set up and preview dev with the pack, then the tests", () => {
        const first = /```sh\n([\s\S]*?)```/.exec(README)?.[1].split("\n").filter(Boolean) ?? [];
        assert.match(first[0], /^npm ci && npm run preview -- --stack dev\s+#/);
        assert.match(first[1], /^npm test\s+#/);
        assert.ok(README.indexOf("```sh") < README.indexOf("\n## "), "before any section");
    });

    it("lists every output of the contract in its Stack outputs table, and nothing else", () => {
        const listed = [...section("Stack outputs").matchAll(/^\| ((?:`\w+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`(\w+)`/g)].map((n) => n[1]));
        assert.deepEqual([...listed].sort(), Object.keys(platformOutputsV1Schema.shape).sort());
    });
});
