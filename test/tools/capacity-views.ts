/**
 * npm run capacity and npm run cost on the shared update-mode previews of dev, staging and prod: what each
 * stack's scaling looks like through the tools, and the README's capacity table checked against them, so
 * its figures cannot drift from what the commands print.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_MIX_FILE, readMix } from "../../tools/capacity/cli";
import { buildLimits } from "../../tools/capacity/limits";
import { evaluate, type CapacityResult } from "../../tools/capacity/model";
import { loadStackConfig, type StackView } from "../../tools/capacity/stack";
import { buildReport, type CostReport } from "../../tools/cost/cli";
import { loadPrices, PRICES_FILE } from "../../tools/cost/price-table";
import { stackPreviews } from "../shared/stack-previews";

const REPO = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "staging", "prod"] as const;

export function describeCapacityViews(): void {
    describe("capacity and cost of dev, staging and prod (npm run capacity, npm run cost)", function () {
        this.timeout(120_000);
        const views = {} as Record<(typeof STACKS)[number], { capacity: CapacityResult; cost: CostReport; view: StackView }>;

        before(async function () {
            const reports = await stackPreviews();
            const mix = readMix(DEFAULT_MIX_FILE);
            const prices = loadPrices();
            for (const stack of STACKS) {
                const { config, region } = loadStackConfig(REPO, stack);
                const view: StackView = { stack, region, config, report: reports.find((r) => r.stack === stack)! };
                const limits = buildLimits(view, { mix });
                const rps = limits.find((l) => l.part === "API stage throttle (rate)")!.allows;
                views[stack] = { view, capacity: evaluate(limits, rps), cost: buildReport(view, prices, PRICES_FILE, mix) };
            }
        });

        it("plans provisioned concurrency where the stack has it, and the email queue's mapping below its reservation", () => {
            const part = (stack: (typeof STACKS)[number], name: string) => views[stack].capacity.limits.find((l) => l.part.startsWith(name));
            assert.equal(part("dev", "Provisioned concurrency"), undefined);
            assert.equal(part("staging", "Provisioned concurrency")?.allows, 5);
            assert.equal(part("prod", "Provisioned concurrency")?.allows, 50);
            for (const stack of STACKS) {
                const reserved = views[stack].view.report.resources.find((r) => r.name === "email-worker-function")!.inputs
                    .reservedConcurrentExecutions as number;
                assert.equal(part(stack, "SQS -> email-worker")?.allows, reserved - 1, stack);
            }
        });

        it("prices prod's provisioned concurrency, and each stack's goal says what prevents it", () => {
            assert.ok(views.prod.cost.idle.items.some((i) => i.resource.includes("provisioned concurrency") && i.monthly > 0));
            assert.ok(!views.dev.cost.idle.items.some((i) => i.resource.includes("provisioned concurrency")));
            for (const stack of ["dev", "prod"] as const) {
                const goal = views[stack].cost.goal!;
                assert.ok(goal.met || goal.preventedBy.length > 0, `${stack}: a missed goal names what prevents it`);
            }
            assert.equal(views.staging.cost.goal, undefined);
        });

        it("matches the README's capacity table", () => {
            const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
            const table = /<!-- capacity-table:start -->([\s\S]*?)<!-- capacity-table:end -->/.exec(readme)?.[1] ?? "";
            const rows = Object.fromEntries(
                table
                    .split("\n")
                    .filter((l) => /^\| (dev|staging|prod) \|/.test(l))
                    .map((l) => {
                        const cells = l.split("|").map((c) => c.trim());
                        return [cells[1], cells];
                    }),
            );
            const fmt = (n: number) => Number(n.toPrecision(3)).toString();
            for (const stack of STACKS) {
                const { capacity, cost } = views[stack];
                const row = rows[stack];
                assert.ok(row, `the README's table has a row for ${stack}`);
                const b = capacity.bottleneck!;
                assert.ok(
                    row[3]!.startsWith(`${b.part} at ${b.bindsAtRps < 0.1 ? b.bindsAtRps.toFixed(2) : fmt(b.bindsAtRps)} req/s`),
                    `${stack}: first bottleneck ${b.part} at ${b.bindsAtRps}, README "${row[3]}"`,
                );
                assert.equal(row[5], `$${Math.round(cost.idle.total).toLocaleString("en-US")}`, `${stack}: idle`);
                assert.equal(row[6], `$${cost.perMillionRequests.total.toFixed(2)}`, `${stack}: per million requests`);
                if (cost.goal && !cost.goal.met)
                    assert.match(row[7]!, new RegExp(`missed by \\$${Math.round(cost.goal.over).toLocaleString("en-US")}`), `${stack}: goal`);
            }
        });
    });
}
