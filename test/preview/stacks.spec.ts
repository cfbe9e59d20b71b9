import { strict as assert } from "assert";
import * as path from "path";
import { PolicyPackPool, runPreview, PreviewReport } from "../../tools/preview";
import { REPO } from "./helpers";

/**
 * The project's own stacks through the offline preview with the real policy pack at each
 * environment's levels: what CI gates on. Both modes, because a first preview meets unknown values
 * and a later one lets policies read computed ones.
 */
describe("the project's stacks under the offline preview", function () {
    this.timeout(240_000);
    const pool = new PolicyPackPool();
    after(() => pool.close());

    for (const stack of ["dev", "staging", "prod"]) {
        for (const mode of ["create", "update"] as const) {
            it(`${stack} (${mode}): no mandatory violation`, async () => {
                const report: PreviewReport = await runPreview({
                    cwd: REPO,
                    stack,
                    mode,
                    pool,
                    policyPacks: [path.join(REPO, "policies")],
                    policyPackConfigs: [path.join(REPO, "policies", "config", `${stack}.json`)],
                });
                const mandatory = report.diagnostics
                    .filter((d) => d.enforcementLevel === "mandatory")
                    .map((d) => `${d.policyName} ${d.urn}\n    ${d.message.split("\n").pop()}`);
                assert.deepEqual(mandatory, [], `mandatory violations in ${stack}:\n${mandatory.join("\n")}`);
                assert.ok(report.summary.resources > 50, "the whole platform was built");
                assert.equal(report.policyPacks[0]?.name, "platform-policies");
                // SES computes the DKIM tokens: unknown before the identity exists, three CNAMEs after.
                const dkim = report.outputs.emailDkimRecords;
                if (mode === "create") {
                    assert.equal(dkim, "[unknown]");
                } else {
                    assert.deepEqual((dkim as { value: string }[]).map((r) => r.value.replace(/^[0-9a-f]{32}/, "<token>")), Array(3).fill("<token>.dkim.amazonses.com"));
                }
            });
        }
    }
});
