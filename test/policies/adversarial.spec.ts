// Programs written to break the pack, through the offline preview (the real gRPC path): each folder of
// test/fixtures/adversarial is a flat program with realistic defects (resources named bad-*) beside
// compliant look-alikes (good-*), and an expect.json:
//   { "rules": [policy names under test], "config": "dev" | "staging" | "prod" | "none", "mode": "create" | "update",
//     "expect": ["<level> <policy> <resource name>", ...] }
// The folder's diagnostics of those rules must be exactly `expect` (can't-run lines aside), and no good-*
// resource may draw any diagnostic of those rules: a false positive fails as surely as a miss.
import * as fs from "fs";
import * as path from "path";
import { PolicyPackPool, runPreview, PreviewReport } from "../../tools/preview";
import { expect, POLICIES_DIR } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "fixtures", "adversarial");

interface Expectation {
    rules: string[];
    config?: "dev" | "staging" | "prod" | "none";
    mode?: "create" | "update";
    expect: string[];
}

const FIXTURES = fs
    .readdirSync(ROOT)
    .filter((d) => fs.existsSync(path.join(ROOT, d, "expect.json")))
    .sort()
    .map((dir) => ({ dir, spec: JSON.parse(fs.readFileSync(path.join(ROOT, dir, "expect.json"), "utf8")) as Expectation }));

describe("policy pack on adversarial programs (offline preview)", function () {
    this.timeout(300000);
    const reports = new Map<string, PreviewReport>();
    before(async () => {
        const pool = new PolicyPackPool();
        const queue = [...FIXTURES];
        const worker = async () => {
            for (let f = queue.shift(); f; f = queue.shift()) {
                const config = f.spec.config ?? "prod";
                reports.set(
                    f.dir,
                    await runPreview({
                        cwd: path.join(ROOT, f.dir),
                        stack: "prod",
                        policyPacks: [POLICIES_DIR],
                        policyPackConfigs: config === "none" ? [] : [path.join(POLICIES_DIR, "config", `${config}.json`)],
                        mode: f.spec.mode ?? "create",
                        pool,
                    }),
                );
            }
        };
        try {
            await Promise.all([worker(), worker()]);
        } finally {
            await pool.close();
        }
    });

    for (const f of FIXTURES) {
        describe(f.dir, () => {
            const mine = () => {
                const r = reports.get(f.dir) as PreviewReport;
                return r.diagnostics.filter((d) => f.spec.rules.includes(d.policyName) && !d.message.includes("can't run"));
            };
            it("reports exactly the expected violations, by level, policy and resource", () => {
                const got = [...new Set(mine().map((d) => `${d.enforcementLevel} ${d.policyName} ${d.urn?.split("::").pop() ?? "(stack)"}`))].sort();
                expect(got).to.deep.equal([...f.spec.expect].sort());
            });
            it("draws no diagnostic of these rules on a good-* resource", () => {
                const bad = mine().filter((d) => /::good[^:]*$/.test(d.urn ?? ""));
                expect(bad.map((d) => d.message.split("\n").pop())).to.deep.equal([]);
            });
        });
    }
});
