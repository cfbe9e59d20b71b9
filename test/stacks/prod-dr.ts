/**
 * The standby (Pulumi.prod-dr.yaml) and prod's disaster recovery in the offline preview: the one preview
 * of prod-dr in the suite, with the policy pack at its levels, compared with prod's shared update-mode
 * preview (test/shared/stack-previews.ts): the same platform, less the table it takes from prod's replica.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PolicyPackPool, runPreview, type PreviewReport, type ResourceRecord } from "../../tools/preview";
import { stackPreviews } from "../shared/stack-previews";
import { stackConfig } from "./program";
import { stackRecovery } from "../../tools/dr/cli";
import { firingsPerDay } from "../../tools/cost/cron";
import { idleCosts } from "../../tools/cost/model";
import { loadPrices } from "../../tools/cost/price-table";
import { loadStackConfig } from "../../tools/capacity/stack";
import { ALLOWED_DIFFERENCES, STANDBY_DIFFERENCES } from "./allowed-differences";

const REPO = path.resolve(__dirname, "..", "..");
const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
const listed = (list: typeof ALLOWED_DIFFERENCES, k: string) => {
    const [type, name] = k.split("::");
    return list.some((d) => d.type === type && d.name.test(name!));
};

export function describeStandby(): void {
    describe("prod's disaster recovery and its standby (prod-dr) in the offline preview", function () {
        this.timeout(240_000);
        let prod: PreviewReport;
        let standby: PreviewReport;
        const one = (report: PreviewReport, type: string, name: string): ResourceRecord => {
            const found = report.resources.filter((r) => r.type === type && r.name === name);
            assert.equal(found.length, 1, `${report.stack}: ${type} ${name}`);
            return found[0]!;
        };
        const regionOf = (report: PreviewReport, r: ResourceRecord): string => {
            const urn = r.provider?.slice(0, r.provider.lastIndexOf("::"));
            const provider = report.resources.find((p) => p.urn === urn);
            return typeof provider?.inputs.region === "string" ? provider.inputs.region : (stackConfig(report.stack)["aws:region"] as string);
        };

        before(async function () {
            const pool = new PolicyPackPool();
            try {
                // The standby reads prod's outputs through its StackReference: here, prod's own preview.
                prod = (await stackPreviews()).find((r) => r.stack === "prod")!;
                const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prod-dr-")), "prod.json");
                fs.writeFileSync(file, JSON.stringify(prod));
                standby = await runPreview({
                    cwd: REPO,
                    stack: "prod-dr",
                    mode: "update",
                    pool,
                    policyPacks: [path.join(REPO, "policies")],
                    policyPackConfigs: [path.join(REPO, "policies", "config", "prod-dr.json")],
                    stackReferences: { [stackConfig("prod-dr")["platform:drPrimaryStack"] as string]: file },
                });
            } finally {
                await pool.close();
            }
        });

        it("the standby passes the policy pack at prod's levels, which its config file repeats exactly", () => {
            const read = (s: string) => JSON.parse(fs.readFileSync(path.join(REPO, "policies", "config", `${s}.json`), "utf8")) as unknown;
            assert.deepEqual(read("prod-dr"), read("prod"), "policies/config/prod-dr.json must be prod.json");
            const mandatory = standby.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => `${d.policyName} ${d.urn}`);
            assert.deepEqual(mandatory, []);
            assert.ok(standby.summary.resources > 400, "the whole platform was built");
        });

        it("builds prod's platform: the same components, resources and outputs, but for the table prod's replica stands in for", () => {
            const components = (r: PreviewReport) => [...new Set(r.resources.filter((x) => x.type.startsWith("platform:")).map((x) => x.type))].sort();
            assert.deepEqual(components(standby), components(prod));
            const names = (r: PreviewReport) => new Set(r.resources.filter((x) => x.type !== "pulumi:pulumi:Stack").map(key));
            const [p, s] = [names(prod), names(standby)];
            const onlyProd = [...p].filter((k) => !s.has(k));
            const onlyStandby = [...s].filter((k) => !p.has(k));
            assert.deepEqual(
                onlyProd.filter((k) => !listed(STANDBY_DIFFERENCES, k) && !listed(ALLOWED_DIFFERENCES, k)),
                [],
                "in prod, not in prod-dr, and not a listed difference",
            );
            assert.deepEqual(
                onlyStandby.filter((k) => !listed(STANDBY_DIFFERENCES, k) && !listed(ALLOWED_DIFFERENCES, k)),
                [],
                "in prod-dr, not in prod, and not a listed difference",
            );
            assert.ok(onlyProd.includes("aws:dynamodb/table:Table::orders-table"), "the standby creates no table");
            assert.deepEqual(Object.keys(standby.outputs).sort(), Object.keys(prod.outputs).sort());
        });

        it("costs what the region-failover runbook says it costs idle, priced at eu-west-1's prices", () => {
            const { config, region } = loadStackConfig(REPO, "prod-dr");
            const idle = idleCosts({ stack: "prod-dr", region, config, report: standby }, loadPrices(), "eu-west-1").reduce((a, i) => a + i.monthly, 0);
            const runbook = fs.readFileSync(path.join(REPO, "docs", "runbooks", "region-failover.md"), "utf8");
            assert.match(runbook, new RegExp(`the standby, about \\$${Math.round(idle)} a month idle`), `prod-dr idles at $${idle.toFixed(2)}`);
        });

        it("runs against prod's replica in its region, as prod's disasterRecovery output names it: the functions, grants, stream mapping and backups", () => {
            const { replica } = prod.outputs.disasterRecovery as { replica: { streamArn: string; kmsKeyArn: string; tableArn: string } };
            const streamArn = replica.streamArn;
            const tableArn = streamArn.replace(/\/stream\/.*$/, "");
            assert.equal(tableArn, replica.tableArn);
            assert.match(streamArn, /^arn:aws:dynamodb:eu-central-1:/);
            assert.equal(standby.outputs.tableName, "platform-prod-orders");
            assert.equal(standby.outputs.tableArn, tableArn);
            const api = one(standby, "aws:lambda/function:Function", "api-function");
            assert.equal((api.inputs.environment as { variables: Record<string, string> }).variables.TABLE_NAME, "platform-prod-orders");
            assert.equal(
                one(standby, "aws:lambda/eventSourceMapping:EventSourceMapping", "search-indexer-orders-stream-source").inputs.eventSourceArn,
                streamArn,
            );
            const policy = JSON.stringify(one(standby, "aws:iam/rolePolicy:RolePolicy", "api-policy").inputs.policy);
            assert.ok(policy.includes(tableArn) && policy.includes(replica.kmsKeyArn), "the api's grants name the replica and its key");
            assert.deepEqual(one(standby, "aws:backup/selection:Selection", "table-backup-selection").inputs.resources, [tableArn]);
            assert.ok(
                JSON.stringify(one(standby, "aws:iam/rolePolicy:RolePolicy", "table-backup-policy").inputs.policy).includes(replica.kmsKeyArn),
                "the backup role reads the replica with its key",
            );
            // Its own copies go back to prod's region.
            assert.equal(regionOf(standby, one(standby, "aws:backup/vault:Vault", "table-backup-dr-vault")), "eu-west-1");
            assert.equal(regionOf(standby, one(standby, "aws:backup/vault:Vault", "table-backup-vault")), "eu-central-1");
        });

        it("prod copies its daily recovery points and replicates the table and the trail to eu-central-1, each through a provider there", () => {
            const table = one(prod, "aws:dynamodb/table:Table", "orders-table");
            const replicaKey = one(prod, "aws:kms/key:Key", "orders-replica-key");
            assert.equal(regionOf(prod, replicaKey), "eu-central-1");
            const replicas = table.inputs.replicas as { regionName: string; kmsKeyArn: string; pointInTimeRecovery: boolean }[];
            assert.deepEqual(
                replicas.map((r) => [r.regionName, r.pointInTimeRecovery]),
                [["eu-central-1", true]],
            );
            assert.match(replicas[0]!.kmsKeyArn, /^arn:aws:kms:eu-central-1:/);
            const drVault = one(prod, "aws:backup/vault:Vault", "table-backup-dr-vault");
            assert.equal(regionOf(prod, drVault), "eu-central-1");
            // Hourly points kept 2 days, a daily one kept 35; under pilot-light only the daily one is copied.
            type Rule = { schedule: string; lifecycle: { deleteAfter: number }; copyActions?: { destinationVaultArn: string }[] };
            const [frequent, daily] = one(prod, "aws:backup/plan:Plan", "table-backup-plan").inputs.rules as Rule[];
            assert.deepEqual(
                [frequent, daily].map((r) => [r!.lifecycle.deleteAfter, (r!.copyActions ?? []).map((c) => c.destinationVaultArn.split(":")[3])]),
                [
                    [2, []],
                    [35, ["eu-central-1"]],
                ],
            );
            // What npm run dr and the business-continuity plan say is what the plan does.
            const { table: model } = stackRecovery(REPO, "prod");
            assert.equal(24 / (firingsPerDay(frequent!.schedule) + firingsPerDay(daily!.schedule)), model.backupIntervalHours);
            assert.equal(24 / firingsPerDay(daily!.schedule), model.drCopyIntervalHours);
            for (const name of ["audit-replica", "audit-replica-logs"])
                assert.equal(regionOf(prod, one(prod, "aws:s3/bucket:Bucket", name)), "eu-central-1", name);
            // The alarms stay in prod's region, where their metrics are.
            for (const name of ["table-backup-copy-jobs-failed", "orders-replication-latency"])
                assert.equal(regionOf(prod, one(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", name)), "eu-west-1", name);
        });
    });
}
