/**
 * What npm run restore prints of each stack, against the stack's update-mode preview (shared, made once
 * in test/stack-views.spec.ts): the URN its `pulumi state unprotect` names is the orders table's, and the
 * table is the stack's own until `tableName` adopts another.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { tableUrn } from "../../tools/recovery/restore";
import { PREVIEWED_STACKS, stackPreviews } from "../shared/stack-previews";

export function describeRecoveryViews(): void {
    describe("npm run restore's repoint commands on dev, staging and prod", function () {
        this.timeout(120_000);

        for (const stack of PREVIEWED_STACKS)
            it(`${stack}: the orders table's URN is the one the printed \`pulumi state unprotect\` names`, async () => {
                const report = (await stackPreviews()).find((r) => r.stack === stack)!;
                const tables = report.resources.filter((r) => r.type === "aws:dynamodb/table:Table");
                assert.deepEqual(
                    tables.map((t) => t.urn),
                    [tableUrn(stack)],
                );
                assert.equal(tables[0]!.inputs.name, `platform-${stack}-orders`, "its own table: no tableName in the stack file");
            });

        it("every `pulumi state unprotect` docs/operations.md shows names a protected resource of its stack", async () => {
            const text = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "operations.md"), "utf8");
            const shown = [...text.matchAll(/pulumi state unprotect --stack (\S+) '([^']+)'/g)].map((m) => [m[1]!, m[2]!] as const);
            assert.ok(shown.length >= 2, "the vault locks' release note");
            const reports = await stackPreviews();
            for (const [stack, urn] of shown) {
                const found = reports.find((r) => r.stack === stack)?.resources.find((r) => r.urn === urn);
                assert.ok(found, `${stack} has ${urn}`);
                assert.equal(found.protect, true, `${urn} is protected, so unprotecting it is the step`);
            }
        });
    });
}
