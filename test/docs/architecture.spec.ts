import { strict as assert } from "assert";
import * as fs from "fs";
import { ARCHITECTURE_DOC, README, generateArchitecture, readmeWithDiagram } from "../../tools/architecture";

describe("docs/architecture.md and the README's diagram", function () {
    this.timeout(120_000);
    let fresh: { doc: string; readme: string };
    before(async () => {
        fresh = await generateArchitecture();
    });

    it("match what the program builds (regenerate with npm run docs:architecture)", () => {
        assert.ok(fresh.doc.includes("```mermaid"), "has the diagram");
        assert.equal(
            fs.readFileSync(ARCHITECTURE_DOC, "utf8"),
            fresh.doc,
            "docs/architecture.md is stale: run npm run docs:architecture and commit the result",
        );
        assert.equal(fs.readFileSync(README, "utf8"), fresh.readme, "the README's diagram is stale: run npm run docs:architecture and commit the result");
    });

    it("draw the same diagram in both, and refuse a README without its markers", () => {
        const block = (text: string) => /```mermaid\n[\s\S]*?```/.exec(text)?.[0];
        assert.equal(block(fresh.readme), block(fresh.doc));
        assert.match(block(fresh.readme) ?? "", /gateway_Api --> api_Function/);
        const report = { project: "p", stack: "dev", mode: "create", resources: [], outputs: {}, diagnostics: [] } as unknown as Parameters<
            typeof readmeWithDiagram
        >[1];
        assert.throws(() => readmeWithDiagram("# A README\n", report), /README\.md has no architecture markers: put the lines <!-- architecture:start/);
    });
});
