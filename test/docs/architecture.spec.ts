import { strict as assert } from "assert";
import * as fs from "fs";
import { ARCHITECTURE_DOC, generateArchitecture } from "../../tools/architecture";

describe("docs/architecture.md", function () {
    this.timeout(120_000);

    it("matches what the program builds (regenerate with npm run docs:architecture)", async () => {
        const fresh = await generateArchitecture();
        assert.ok(fresh.includes("```mermaid"), "has the diagram");
        assert.equal(fs.readFileSync(ARCHITECTURE_DOC, "utf8"), fresh, "stale: run npm run docs:architecture and commit the result");
    });
});
