import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exitCodeOf } from "../../tools/cli";
import { isBadInput, main } from "../../tools/cost/cli";
import { firingsPerDay, weeklyAverage, weeklyFirings } from "../../tools/cost/cron";
import { idleCosts, judgeGoal, type CostItem } from "../../tools/cost/model";
import { MAX_PRICE_AGE_DAYS, PRICED_REGIONS, loadPrices, priceOf, stalePrices, type PriceTable } from "../../tools/cost/price-table";
import type { StackView } from "../../tools/capacity/stack";
import type { ResourceRecord } from "../../tools/preview/types";
import { fakeStackView, record } from "./fake-stack-view";

describe("the price table (tools/cost/prices.json)", () => {
    const table = loadPrices();

    it(`has no price read more than ${MAX_PRICE_AGE_DAYS} days ago: re-read a stale one from its source page`, () => {
        const stale = stalePrices(table, new Date());
        assert.deepEqual(
            stale.map((s) => `${s.key} read ${s.readDate} (${s.ageDays} days ago): ${s.source}`),
            [],
        );
        for (const p of Object.values(table.prices))
            assert.ok(Date.parse(`${p.readDate}T00:00:00Z`) <= Date.now() + 86_400_000, `${p.readDate} is not in the future`);
    });

    it("judges a price's age by its read date: 400 days is fresh, 401 stale", () => {
        const at = (readDate: string): PriceTable => ({ ...table, prices: { x: { ...table.prices["kms.key"]!, readDate } } });
        const now = new Date("2027-02-05T12:00:00Z");
        assert.deepEqual(stalePrices(at("2026-01-01"), now), []);
        assert.deepEqual(
            stalePrices(at("2025-12-31"), now).map((s) => s.ageDays),
            [401],
        );
    });

    it("prices every entry in both regions, with an https source", () => {
        for (const [key, p] of Object.entries(table.prices)) {
            for (const region of PRICED_REGIONS) assert.ok(p[region] !== undefined, `${key} ${region}`);
            assert.match(p.source, /^https:\/\/aws\.amazon\.com\//, key);
        }
        assert.equal(priceOf(table, "apigateway.cacheHour", "eu-west-1", "1.6"), 0.038);
        assert.throws(() => priceOf(table, "kms.key", "ap-south-1"), /no prices for ap-south-1 .*allowed: eu-west-1, us-east-1/);
    });

    it("refuses a table whose price lacks a source or a date, naming the entry", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-"));
        const file = path.join(dir, "prices.json");
        const broken = JSON.parse(JSON.stringify(table)) as PriceTable;
        delete (broken.prices["kms.key"] as Partial<PriceTable["prices"][string]>).source;
        broken.prices["waf.webAclMonth"]!.readDate = "last year";
        fs.writeFileSync(file, JSON.stringify(broken));
        try {
            assert.throws(
                () => loadPrices(file),
                /kms\.key\.source: expected the https:\/\/ page[\s\S]*waf\.webAclMonth\.readDate: expected the day it was read/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("schedules, in a week (tools/cost/cron.ts)", () => {
    it("counts the firings of backup and capacity schedules", () => {
        assert.equal(firingsPerDay("cron(0 * ? * * *)"), 24);
        assert.equal(firingsPerDay("cron(0 5 ? * * *)"), 1);
        assert.equal(firingsPerDay("cron(0 0/6 ? * * *)"), 4);
        assert.deepEqual(weeklyFirings("cron(0 7 ? * MON-FRI *)"), [31, 55, 79, 103, 127]);
        assert.throws(() => weeklyFirings("cron(0 7 1 * ? *)"), /day-of-month "1" is not supported/);
    });

    it("averages the minimum a schedule holds: 10 from 07:00 on weekdays, 2 from 21:00 every day", () => {
        // 5 days x 14 h at 10, the other 98 h of the week at 2.
        const average = weeklyAverage(2, [
            { schedule: "cron(0 7 ? * MON-FRI *)", value: 10 },
            { schedule: "cron(0 21 ? * * *)", value: 2 },
        ]);
        assert.ok(Math.abs(average - (5 * 14 * 10 + 98 * 2) / 168) < 1e-9, String(average));
        assert.equal(weeklyAverage(3, []), 3);
    });
});

function view(resources: ResourceRecord[], config: Record<string, unknown> = {}): StackView {
    return fakeStackView(resources, { environment: "dev", ...config });
}

describe("the idle cost (tools/cost/model.ts)", () => {
    const prices = loadPrices();
    const cost = (resources: ResourceRecord[], config?: Record<string, unknown>) => idleCosts(view(resources, config), prices);

    it("prices NAT gateways by strategy and zones: hand-computed", () => {
        const single = cost([record("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "Single" }, numberOfAvailabilityZones: 2 })]);
        assert.equal(single[0]!.monthly, Math.round(730 * (0.048 + 0.005) * 100) / 100);
        const perAz = cost([record("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "OnePerAz" }, numberOfAvailabilityZones: 3 })]);
        assert.equal(perAz[0]!.monthly, Math.round(3 * 730 * 0.053 * 100) / 100);
        assert.deepEqual(cost([record("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "None" }, numberOfAvailabilityZones: 3 })]), []);
    });

    it("prices the search collection's OCU floor, doubled with standby replicas", () => {
        const c = (standbyReplicas: string) =>
            cost([record("aws:opensearch/serverlessCollection:ServerlessCollection", "search", { standbyReplicas })], { tableSizeGb: 1 })[0]!.monthly;
        assert.equal(c("DISABLED"), Math.round((730 * 0.24 + 0.024) * 100) / 100);
        assert.equal(c("ENABLED"), Math.round((2 * 730 * 0.24 + 0.024) * 100) / 100);
    });

    it("prices alarms by the metrics they read, an API cache by its size, full DynamoDB backups by the points kept", () => {
        const items = cost(
            [
                record("aws:cloudwatch/metricAlarm:MetricAlarm", "one", { metricName: "Errors" }),
                record("aws:cloudwatch/metricAlarm:MetricAlarm", "math", { metricQueries: [{ id: "e", expression: "a/b" }, { metric: {} }, { metric: {} }] }),
                record("aws:apigateway/stage:Stage", "stage", { cacheClusterEnabled: true, cacheClusterSize: "1.6" }),
                record("aws:backup/plan:Plan", "plan", { rules: [{ schedule: "cron(0 5 ? * * *)", lifecycle: { deleteAfter: 7 } }] }),
            ],
            { tableSizeGb: 2 },
        );
        const by = (service: string) => items.find((i) => i.service === service)!.monthly;
        assert.equal(by("CloudWatch"), 0.3);
        assert.equal(by("API Gateway"), Math.round(730 * 0.038 * 100) / 100);
        assert.equal(by("AWS Backup"), Math.round(7 * 2 * 0.113 * 100) / 100);
    });

    it("prices a tiered plan's points and copies by their own lifecycles, and each copy's transfer of the whole table", () => {
        const [item] = cost(
            [
                record("aws:backup/plan:Plan", "plan", {
                    rules: [
                        // 23 points a day kept 2 days, copied to one vault and kept 2 days there.
                        { schedule: "cron(0 0-2,4-23 ? * * *)", lifecycle: { deleteAfter: 2 }, copyActions: [{ lifecycle: { deleteAfter: 2 } }] },
                        // One a day kept 35 days, copied to two vaults and kept 7 days in each.
                        {
                            schedule: "cron(0 3 ? * * *)",
                            lifecycle: { deleteAfter: 35 },
                            copyActions: [{ lifecycle: { deleteAfter: 7 } }, { lifecycle: { deleteAfter: 7 } }],
                        },
                    ],
                }),
            ],
            { tableSizeGb: 5 },
        ).filter((i) => i.service === "AWS Backup");
        const stored = 23 * 2 + 35 + (23 * 2 + 7 * 2);
        const copiedPerMonth = ((23 + 2) * 730) / 24;
        assert.equal(item!.monthly, Math.round((stored * 5 * 0.113 + copiedPerMonth * 5 * 0.02) * 100) / 100);
        assert.match(item!.basis, /^81 recovery points kept and 60 copies in another region .*; 760 copies a month cross regions/);
        assert.deepEqual(item!.prices, ["backup.dynamodbWarmGbMonth", "backup.crossRegionCopyGb"]);
    });

    it("prices a stack in a region the table lacks only at a stand-in region's prices, and says so on every line", () => {
        const vpc = [record("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "Single" }, numberOfAvailabilityZones: 2 }), record("aws:kms/key:Key", "k", {})];
        const frankfurt = { ...view(vpc), region: "eu-central-1" };
        assert.throws(() => idleCosts(frankfurt, prices), /no prices for eu-central-1 .*allowed: eu-west-1, us-east-1/);
        const items = idleCosts(frankfurt, prices, "us-east-1");
        const byResource = (list: typeof items) => Object.fromEntries(list.map((i) => [i.resource, i.monthly]));
        assert.deepEqual(byResource(items), { k: 1, "vpc NAT gateways": Math.round(730 * (0.045 + 0.005) * 100) / 100 });
        for (const i of items) assert.match(i.basis, /\(in eu-central-1, priced as us-east-1: the table has no eu-central-1 prices\)$/, i.resource);
        // A stack in a priced region keeps its own prices: the stand-in is only for what the table lacks.
        assert.deepEqual(byResource(idleCosts(view(vpc), prices, "us-east-1")), { k: 1, "vpc NAT gateways": Math.round(730 * 0.053 * 100) / 100 });
    });

    it("names what keeps a stack over its goal, and by how much", () => {
        const items: CostItem[] = [
            { service: "OpenSearch Serverless", resource: "search", monthly: 175, basis: "", prices: [] },
            { service: "VPC", resource: "nat", monthly: 38, basis: "", prices: [] },
            { service: "KMS", resource: "key", monthly: 6, basis: "", prices: [] },
            { service: "Shield Advanced", resource: "shield", monthly: 3000, basis: "", prices: [] },
        ];
        const v = judgeGoal("dev", items)!;
        assert.deepEqual([v.goal, v.idle, v.met, v.over], [50, 219, false, 169]);
        assert.deepEqual(
            v.preventedBy.map((i) => i.resource),
            ["search"],
            "without the collection dev would be at $44: Shield is never counted",
        );
        assert.equal(judgeGoal("staging", items), undefined);
        assert.equal(judgeGoal("dev", items.slice(2))!.met, true);
    });
});

describe("npm run cost: bad input exits 2", () => {
    const neverPreview = () => Promise.reject(new Error("no preview should run for bad input"));
    const run = async (argv: string[]) => {
        const errors: string[] = [];
        const code = await exitCodeOf(
            "cost",
            () => main(argv, { preview: neverPreview, out: () => undefined }),
            (l) => errors.push(l),
            undefined,
            isBadInput,
        );
        return { code, message: errors.join("\n") };
    };
    for (const [argv, expected] of [
        [["--rps", "-3"], /--rps needs a value \(N\), not the flag -3/],
        [["--rps=-3"], /--rps "-3" is invalid/],
        [["--prices", "/nonexistent/prices.json"], /--prices \/nonexistent\/prices\.json: no such file/],
        [["--mix", "/nonexistent/mix.json"], /--mix \/nonexistent\/mix\.json: no such file/],
        [["--price-as", "eu-central-1"], /--price-as "eu-central-1" is not one of eu-west-1, us-east-1/],
        [
            ["--stack", "prod-dr"],
            /^Pulumi\.prod-dr\.yaml deploys to eu-central-1, which .*prices\.json has no prices for \(it has eu-west-1, us-east-1\): give --price-as eu-west-1/,
        ],
    ] as const) {
        it(argv.join(" "), async () => {
            const r = await run([...argv]);
            assert.equal(r.code, 2, r.message);
            assert.match(r.message, expected);
        });
    }
});
