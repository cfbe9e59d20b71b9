/**
 * What a stack costs: from its offline preview, its config and the dated price table (tools/cost/prices.json),
 * the idle monthly cost per resource and per service, the cost per million API requests of the mix, and with
 * --rps a month at that rate; which resources dominate, and whether the stack meets its idle goal (dev $50,
 * prod $400 without Shield Advanced) or which resources prevent it and by how much (docs/capacity.md).
 *
 *   npm run cost -- --stack <s> [--rps N] [--mix FILE] [--json]
 *
 * Exit code: 0 the report was made, 2 bad input (a flag, the mix file, the stack's config, a region the price
 * table has no prices for, a program that fails to preview).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand, oneOf, stackName, runProcess, UsageError } from "../cli";
import { PreviewError, type PreviewOptions, type PreviewReport } from "../preview/types";
import { STACK_REFERENCE_FLAG } from "../preview/command-spec";
import { parseStackReferenceFlags } from "../preview/stack-references";
import { DEFAULT_MIX_FILE, parseRps, readMix } from "../capacity/cli";
import { loadStack, loadStackConfig, StackInputError } from "../capacity/stack";
import { idleCosts, judgeGoal, perMillionCosts, type CostItem, type GoalVerdict, type RequestCost } from "./model";
import { loadPrices, PRICED_REGIONS, PRICES_FILE, PriceTableError, type PriceTable } from "./price-table";

const REPO = path.resolve(__dirname, "..", "..");
const SECONDS_PER_MONTH = 730 * 3600;

export const COMMAND = defineCommand({
    name: "cost",
    synopsis: "--stack NAME [--rps N] [--mix FILE] [--price-as REGION] [--stack-reference NAME=FILE]... [--json]",
    summary:
        "Previews the stack offline and prices it from tools/cost/prices.json (dated, with each price's source): the idle monthly cost per resource and service, the cost per million API requests of the mix, which resources dominate, and the stack's idle goal (dev $50, prod $400 without Shield Advanced).",
    flags: {
        stack: {
            type: "string",
            short: "s",
            value: "NAME",
            description: "stack to price; reads Pulumi.<NAME>.yaml",
            default: "dev",
            parse: stackName,
        },
        cwd: { type: "string", short: "C", value: "DIR", description: "program directory, holding Pulumi.yaml", defaultText: "the repository" },
        rps: { type: "string", value: "N", description: "also price a month at N API requests per second", parse: parseRps },
        mix: { type: "string", value: "FILE", description: "JSON object of route shares summing to 1", defaultText: "tools/capacity/default-mix.json" },
        prices: { type: "string", value: "FILE", description: "the price table", defaultText: "tools/cost/prices.json" },
        "price-as": {
            type: "string",
            value: "REGION",
            description: "price what runs in a region prices.json lacks (a standby in eu-central-1) at REGION's prices, and say so",
            defaultText: "the stack's region; a stack in a region without prices is refused",
            parse: oneOf(PRICED_REGIONS),
        },
        "stack-reference": STACK_REFERENCE_FLAG,
        json: { type: "boolean", description: "print the result as JSON and nothing else" },
    },
    epilog: "Exit codes: 0 priced, 2 bad input (flags, the mix or price file, the stack's config, a region without prices, the program).",
});

export interface CostReport {
    stack: string;
    region: string;
    environment: string;
    idle: { total: number; items: CostItem[]; byService: Record<string, number> };
    perMillionRequests: { total: number; items: RequestCost[] };
    atRps?: { rps: number; requestsPerMonth: number; monthly: number };
    goal?: GoalVerdict;
    prices: { file: string; oldestReadDate: string };
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function renderText(r: CostReport): string {
    const lines: string[] = [
        `Cost of stack ${r.stack} (${r.region}), list prices read by ${r.prices.oldestReadDate} or later (${path.relative(REPO, r.prices.file)})`,
        "",
    ];
    const table = (header: string[], rows: string[][]) => {
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
        const line = (cells: string[]) =>
            cells
                .map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
                .join("  ")
                .trimEnd();
        return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
    };
    const total = r.idle.total;
    lines.push(`Idle: ${usd(total)} a month`, "");
    lines.push(
        ...table(
            ["service", "resource", "per month", "share", "basis"],
            r.idle.items.map((i) => [i.service, i.resource, usd(i.monthly), total > 0 ? `${Math.round((i.monthly / total) * 100)} %` : "-", i.basis]),
        ),
    );
    lines.push("", "By service:");
    for (const [service, monthly] of Object.entries(r.idle.byService)) lines.push(`  ${service.padEnd(24)}${usd(monthly).padStart(12)}`);
    const dominant = r.idle.items.filter((i) => i.monthly >= total * 0.2);
    if (dominant.length > 0) lines.push("", `Dominated by: ${dominant.map((i) => `${i.resource} (${Math.round((i.monthly / total) * 100)} %)`).join(", ")}.`);
    lines.push("", `Per million API requests: ${usd(r.perMillionRequests.total)}`, "");
    lines.push(
        ...table(
            ["service", "what", "per million", "basis"].slice(0, 2).concat(["per million", "basis"]),
            r.perMillionRequests.items.map((i) => [i.service, i.what, usd(i.perMillion), i.basis]),
        ),
    );
    if (r.atRps)
        lines.push(
            "",
            `At ${r.atRps.rps} requests/s (${r.atRps.requestsPerMonth.toLocaleString("en-US")} requests a month): ${usd(r.atRps.monthly)} a month, idle included.`,
        );
    if (r.goal) {
        lines.push("");
        lines.push(
            r.goal.met
                ? `Goal met: idle ${usd(r.goal.idle)} a month is within ${usd(r.goal.goal)} (Shield Advanced not counted).`
                : `Goal missed: idle ${usd(r.goal.idle)} a month is ${usd(r.goal.over)} over the ${usd(r.goal.goal)} goal (Shield Advanced not counted). ` +
                      `What prevents it: ${r.goal.preventedBy.map((i) => `${i.resource} (${i.service}, ${usd(i.monthly)})`).join(", ")}; without ${r.goal.preventedBy.length === 1 ? "it" : "them"} the stack would meet it.`,
        );
    }
    return lines.join("\n");
}

export function buildReport(
    view: Awaited<ReturnType<typeof loadStack>>,
    prices: PriceTable,
    pricesFile: string,
    mix: ReturnType<typeof readMix>,
    rps?: number,
    priceAs?: string,
): CostReport {
    const items = idleCosts(view, prices, priceAs);
    const requests = perMillionCosts(view, prices, mix, {}, priceAs);
    const round = (n: number) => Math.round(n * 100) / 100;
    const idle = round(items.reduce((a, i) => a + i.monthly, 0));
    const perMillion = round(requests.reduce((a, i) => a + i.perMillion, 0));
    const byService: Record<string, number> = {};
    for (const i of items) byService[i.service] = round((byService[i.service] ?? 0) + i.monthly);
    const sortedServices = Object.fromEntries(Object.entries(byService).sort((a, b) => b[1] - a[1]));
    const environment = String(view.config.environment);
    const requestsPerMonth = rps !== undefined ? Math.round(rps * SECONDS_PER_MONTH) : 0;
    const oldest = Object.values(prices.prices)
        .map((p) => p.readDate)
        .sort()[0]!;
    return {
        stack: view.stack,
        region: view.region,
        environment,
        idle: { total: idle, items, byService: sortedServices },
        perMillionRequests: { total: perMillion, items: requests },
        ...(rps !== undefined ? { atRps: { rps, requestsPerMonth, monthly: round(idle + (perMillion * requestsPerMonth) / 1e6) } } : {}),
        ...(judgeGoal(environment, items) ? { goal: judgeGoal(environment, items) } : {}),
        prices: { file: pricesFile, oldestReadDate: oldest },
    };
}

export interface CostIo {
    out?: (text: string) => void;
    preview?: (options: PreviewOptions) => Promise<PreviewReport>;
}

export async function main(argv: readonly string[], io: CostIo = {}): Promise<number> {
    const out = io.out ?? ((text: string) => console.log(text));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const v = parsed.values;
    const cwd = path.resolve(v.cwd ?? REPO);
    if (!fs.existsSync(path.join(cwd, "Pulumi.yaml"))) throw new UsageError(`--cwd ${v.cwd ?? cwd}: no Pulumi program there (no Pulumi.yaml).`);
    const pricesFile = v.prices !== undefined ? path.resolve(v.prices) : PRICES_FILE;
    if (!fs.existsSync(pricesFile)) throw new UsageError(`--prices ${v.prices}: no such file.`);
    const prices = loadPrices(pricesFile);
    const mix = v.mix !== undefined ? readMix(path.resolve(v.mix)) : readMix(DEFAULT_MIX_FILE, "the default mix");
    // A stack in a region without prices is refused before its preview is spent.
    const { region } = loadStackConfig(cwd, v.stack);
    if (!(PRICED_REGIONS as readonly string[]).includes(region) && v["price-as"] === undefined) {
        throw new UsageError(
            `Pulumi.${v.stack}.yaml deploys to ${region}, which ${path.relative(process.cwd(), pricesFile) || pricesFile} has no prices for (it has ${PRICED_REGIONS.join(", ")}): give --price-as ${PRICED_REGIONS[0]} to price it at those, or add ${region}'s prices with their source and date.`,
        );
    }
    const view = await loadStack(cwd, v.stack, io.preview, parseStackReferenceFlags(v["stack-reference"]));
    const report = buildReport(view, prices, pricesFile, mix, v.rps, v["price-as"]);
    out(v.json ? JSON.stringify(report, null, 2) : renderText(report));
    return 0;
}

export function isBadInput(error: unknown): boolean {
    return error instanceof StackInputError || error instanceof PreviewError || error instanceof PriceTableError;
}

if (require.main === module) {
    runProcess("cost", () => main(process.argv.slice(2)), { refused: isBadInput });
}
