import { strict as assert } from "node:assert";
import { ALLOWED_DIFFERENCES } from "./allowed-differences";
import { STACKS, StackRun, runProgram } from "./program";

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
const allowed = (k: string) => {
    const [type, name] = k.split("::");
    return ALLOWED_DIFFERENCES.some((d) => d.type === type && d.name.test(name));
};

describe("stack parity: dev, staging and prod have the same shape", function () {
    this.timeout(120000);
    const runs: Record<string, StackRun> = {};

    before(async function () {
        for (const s of STACKS) {
            runs[s] = await runProgram(s);
        }
    });

    it("every stack builds the same component types", function () {
        const components = (s: string) =>
            [...new Set(runs[s].run.resources.filter((r) => r.type.startsWith("platform:")).map((r) => r.type))].sort();
        assert.ok(components("dev").length >= 9, `components: ${components("dev").join(", ")}`);
        for (const s of STACKS) {
            assert.deepEqual(components(s), components("dev"), s);
        }
    });

    it("every stack builds the same resource types", function () {
        const types = (s: string) => [...new Set(runs[s].run.resources.map((r) => r.type))].sort();
        for (const s of STACKS) {
            assert.deepEqual(types(s), types("dev"), s);
        }
    });

    it("logical names match across stacks except for the listed, reasoned differences", function () {
        for (const a of STACKS) {
            for (const b of STACKS) {
                const names = (s: string) => new Set(runs[s].run.resources.map(key));
                const only = [...names(a)].filter((k) => !names(b).has(k));
                const unexplained = only.filter((k) => !allowed(k));
                assert.deepEqual(unexplained, [], `in ${a} but not ${b}, and not in ALLOWED_DIFFERENCES`);
            }
        }
    });

    it("every stack exports the same outputs", function () {
        for (const s of STACKS) {
            assert.deepEqual(runs[s].outputs, runs.dev.outputs, s);
        }
        for (const o of ["apiUrl", "apiId", "userPoolId", "userPoolClientIds", "eventTopicArn", "tableName", "alertTopicArns", "kmsKeyArns", "queues"]) {
            assert.ok(runs.dev.outputs.includes(o), `output ${o}`);
        }
    });

    it("each allowed difference has a reason and is the only change its config makes", async function () {
        for (const d of ALLOWED_DIFFERENCES) {
            assert.ok(d.reason.length > 40, `${d.type} ${d.name}: say why`);
        }
        const withPager = await runProgram("dev", { "platform:pagerUrl": "https://events.pager.example.com/integration/abc" });
        const base = new Set(runs.dev.run.resources.map(key));
        const added = withPager.run.resources.map(key).filter((k) => !base.has(k));
        // The edge's us-east-1 critical topic pages too (CloudFront alarms can only notify topics there).
        assert.deepEqual(added, [
            "aws:sns/topicSubscription:TopicSubscription::alerting-critical-pager",
            "aws:sns/topicSubscription:TopicSubscription::edge-alerts-critical-pager",
        ]);
        const withShield = await runProgram("dev", { "platform:shieldAdvanced": "true" });
        const shielded = withShield.run.resources.map(key).filter((k) => !base.has(k));
        assert.deepEqual(shielded, ["aws:shield/protection:Protection::edge-shield"]);
    });

    it("prod protects stateful resources; dev and staging can be torn down", function () {
        // The backup vault, its lock and plan hold the table's recovery points (components/backup.ts).
        const stateful = [
            "aws:kms/key:Key",
            "aws:dynamodb/table:Table",
            "aws:cognito/userPool:UserPool",
            "aws:backup/vault:Vault",
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            "aws:backup/plan:Plan",
        ];
        for (const s of STACKS) {
            const expected = s === "prod";
            for (const r of runs[s].run.resources.filter((x) => stateful.includes(x.type))) {
                assert.equal(r.protect, expected, `${s} ${r.name}`);
            }
        }
    });
});
