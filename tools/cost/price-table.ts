/**
 * The dated price table (prices.json): every price per region with the page it was read from and the day.
 * `loadPrices` checks its shape; `stalePrices` lists those read more than `maxAgeDays` ago (the freshness
 * spec fails on any, so prices get re-read).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const PRICES_FILE = path.join(__dirname, "prices.json");
export const PRICED_REGIONS = ["eu-west-1", "us-east-1"] as const;
export type PricedRegion = (typeof PRICED_REGIONS)[number];
/** A price older than this many days is stale: re-read its source page. */
export const MAX_PRICE_AGE_DAYS = 400;

export interface Price {
    unit: string;
    /** A number, or a table by size (the API cache: GB -> USD per hour). */
    "eu-west-1": number | Record<string, number>;
    "us-east-1": number | Record<string, number>;
    source: string;
    readDate: string;
}

export interface PriceTable {
    currency: string;
    hoursPerMonth: number;
    note: string;
    prices: Record<string, Price>;
}

export class PriceTableError extends Error {
    override readonly name = "PriceTableError";
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads and checks the table: every price has a unit, both regions, an https source and a real read date. */
export function loadPrices(file = PRICES_FILE): PriceTable {
    const shown = path.relative(process.cwd(), file) || file;
    let doc: PriceTable;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8")) as PriceTable;
    } catch (error) {
        throw new PriceTableError(`${shown}: ${(error as Error).message}`);
    }
    const problems: string[] = [];
    if (!(doc.hoursPerMonth > 0)) problems.push("hoursPerMonth: expected a number of hours above 0 (730)");
    for (const [key, p] of Object.entries(doc.prices ?? {})) {
        if (typeof p.unit !== "string" || p.unit === "") problems.push(`${key}.unit: expected what the price is per`);
        for (const region of PRICED_REGIONS) {
            const v = p[region];
            const ok = typeof v === "number" ? v >= 0 : v !== null && typeof v === "object" && Object.values(v).every((n) => typeof n === "number" && n >= 0);
            if (!ok) problems.push(`${key}.${region}: expected a price of 0 or more (or a table of them by size)`);
        }
        if (typeof p.source !== "string" || !/^https:\/\/\S+$/.test(p.source))
            problems.push(`${key}.source: expected the https:// page the price was read from`);
        if (typeof p.readDate !== "string" || !DATE.test(p.readDate) || Number.isNaN(Date.parse(`${p.readDate}T00:00:00Z`)))
            problems.push(`${key}.readDate: expected the day it was read, yyyy-mm-dd`);
    }
    if (problems.length > 0) throw new PriceTableError(`${shown}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return doc;
}

/** Prices read more than `maxAgeDays` before `now`, with their age. */
export function stalePrices(
    table: PriceTable,
    now: Date,
    maxAgeDays = MAX_PRICE_AGE_DAYS,
): { key: string; readDate: string; ageDays: number; source: string }[] {
    return Object.entries(table.prices)
        .map(([key, p]) => ({
            key,
            readDate: p.readDate,
            source: p.source,
            ageDays: Math.floor((now.getTime() - Date.parse(`${p.readDate}T00:00:00Z`)) / 86_400_000),
        }))
        .filter((p) => p.ageDays > maxAgeDays);
}

/** One price in a region; a size for a table of prices by size. */
export function priceOf(table: PriceTable, key: string, region: string, size?: string): number {
    const p = table.prices[key];
    if (!p) throw new PriceTableError(`prices.json has no price ${key}`);
    if (!(PRICED_REGIONS as readonly string[]).includes(region))
        throw new PriceTableError(
            `prices.json has no prices for ${region} (${key}); allowed: ${PRICED_REGIONS.join(", ")}. Add the region's prices, with their source and date.`,
        );
    const v = p[region as PricedRegion];
    if (typeof v === "number") return v;
    if (size === undefined || v[size] === undefined)
        throw new PriceTableError(`prices.json ${key} in ${region} has no price for size ${size} (sizes: ${Object.keys(v).join(", ")})`);
    return v[size];
}
