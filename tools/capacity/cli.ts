/**
 * How much traffic a stack can take: from its offline preview and config, what a request rate of the mix
 * needs of each part of the platform against what the stack allows, the first bottleneck and the rate at
 * which it binds, and with --growth the month each limit is reached (docs/capacity.md).
 *
 *   npm run capacity -- --stack <s> [--rps N] [--mix FILE] [--growth P%/month] [--duration FN=MS ...] [--clients N] [--json]
 *
 * Exit code: 0 the rate fits every hard limit, 1 it does not (the report names what binds), 2 bad input
 * (a flag, the mix file, the stack's config, a program that fails to preview): nothing was computed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand, InvalidValue, stackName, runProcess, UsageError } from "../cli";
import { PreviewError, type PreviewOptions, type PreviewReport } from "../preview/types";
import { STACK_REFERENCE_FLAG } from "../preview/command-spec";
import { parseStackReferenceFlags } from "../preview/stack-references";
import { ASSUMPTIONS, ROUTES, type Route } from "./access-patterns";
import { buildLimits, FUNCTION_NAMES, type FunctionName, type Mix } from "./limits";
import { evaluate, type CapacityResult, type LimitResult } from "./model";
import { loadStack, StackInputError } from "./stack";

const REPO = path.resolve(__dirname, "..", "..");
export const DEFAULT_MIX_FILE = path.join(__dirname, "default-mix.json");

/** A positive number of requests a second, written plainly. */
export function parseRps(text: string): number {
    const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (!(n > 0 && n <= 1_000_000))
        throw new InvalidValue("is invalid: expected a number of requests per second above 0 and at most 1000000, such as 50 or 12.5.");
    return n;
}

/** `10%/month` (or `10%`, `2.5%/month`) as a fraction. */
export function parseGrowth(text: string): number {
    const m = /^(\d+(\.\d+)?)%(\/month)?$/.exec(text);
    const p = m ? Number(m[1]) : NaN;
    if (!(p > 0 && p <= 1000)) throw new InvalidValue('is invalid: expected a monthly growth rate such as "10%/month" (above 0 %, at most 1000 %).');
    return p / 100;
}

/** `api=350`: a measured p99 duration of one function. */
export function parseDuration(text: string): [FunctionName, number] {
    const m = /^([a-z-]+)=(\d+)$/.exec(text);
    const fn = m?.[1] as FunctionName | undefined;
    const ms = m ? Number(m[2]) : NaN;
    if (!m || !FUNCTION_NAMES.includes(fn!) || !(ms >= 1 && ms <= 900_000))
        throw new InvalidValue(`is invalid: expected FUNCTION=MS with FUNCTION one of ${FUNCTION_NAMES.join(", ")} and MS from 1 to 900000, such as api=350.`);
    return [fn!, ms];
}

/** A mix file: a JSON object of route shares that are numbers from 0 to 1 summing to 1; routes not named get 0. */
export function readMix(file: string, flag = "--mix"): Mix {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`${flag} ${file}: no such file.`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (error) {
        throw new UsageError(
            `${flag} ${file}: not JSON (${(error as Error).message}); expected an object of route shares such as {"GET /orders": 0.6, "POST /orders": 0.4}.`,
        );
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc))
        throw new UsageError(`${flag} ${file}: expected a JSON object of route shares such as {"GET /orders": 0.6, "POST /orders": 0.4}.`);
    const mix = Object.fromEntries(ROUTES.map((r) => [r, 0])) as Mix;
    for (const [route, share] of Object.entries(doc)) {
        if (!(ROUTES as readonly string[]).includes(route))
            throw new UsageError(`${flag} ${file}: unknown route ${JSON.stringify(route)}; allowed: ${ROUTES.map((r) => JSON.stringify(r)).join(", ")}.`);
        if (typeof share !== "number" || !Number.isFinite(share) || share < 0 || share > 1)
            throw new UsageError(`${flag} ${file}: the share of ${route} is ${JSON.stringify(share)}; allowed: a number from 0 to 1.`);
        mix[route as Route] = share;
    }
    const total = Object.values(mix).reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6)
        throw new UsageError(
            `${flag} ${file}: the shares sum to ${Number(total.toFixed(6))}; allowed: shares that sum to 1 (each route's fraction of the requests).`,
        );
    return mix;
}

export const COMMAND = defineCommand({
    name: "capacity",
    synopsis: "--stack NAME [--rps N] [--mix FILE] [--growth P%/month] [--duration FUNCTION=MS ...] [--clients N] [--stack-reference NAME=FILE]... [--json]",
    summary:
        "Previews the stack offline and computes, for a request rate of the mix, what each part of the platform needs against what the stack allows: Lambda concurrency, provisioned concurrency, the stage throttle, WAF's per-IP rule, DynamoDB units, SNS, the email queue's mapping, SES, OpenSearch OCUs. Names the first bottleneck and the rate it binds at; with --growth, the month each limit is reached.",
    flags: {
        stack: {
            type: "string",
            short: "s",
            value: "NAME",
            description: "stack to plan; reads Pulumi.<NAME>.yaml",
            default: "dev",
            parse: stackName,
        },
        cwd: { type: "string", short: "C", value: "DIR", description: "program directory, holding Pulumi.yaml", defaultText: "the repository" },
        rps: { type: "string", value: "N", description: "API requests per second to plan for", defaultText: "the stage's throttle rate", parse: parseRps },
        mix: { type: "string", value: "FILE", description: "JSON object of route shares summing to 1", defaultText: "tools/capacity/default-mix.json" },
        growth: { type: "string", value: "P%/month", description: "monthly traffic growth: the month each limit is reached", parse: parseGrowth },
        duration: {
            type: "string",
            value: "FUNCTION=MS",
            multiple: true,
            description: `a measured p99 duration over the config's (${FUNCTION_NAMES.join(", ")})`,
            parse: parseDuration,
        },
        clients: {
            type: "string",
            value: "N",
            description: "distinct client IPs the rate comes from: judges WAF's per-IP rate rule",
            defaultText: "not judged",
            parse: (text) => {
                const n = /^[1-9]\d*$/.test(text) ? Number(text) : NaN;
                if (!(n <= 100_000_000)) throw new InvalidValue("is invalid: expected a whole number of client IP addresses from 1 to 100000000.");
                return n;
            },
        },
        "stack-reference": STACK_REFERENCE_FLAG,
        json: { type: "boolean", description: "print the result as JSON and nothing else" },
    },
    epilog: "Exit codes: 0 the rate fits every hard limit, 1 some limit binds below it, 2 bad input (flags, the mix file, the stack's config, the program): the message names what was wrong and what is allowed.",
});

function fmt(n: number): string {
    if (!Number.isFinite(n)) return "never";
    if (n === 0) return "0";
    const abs = Math.abs(n);
    return abs >= 100 ? Math.round(n).toLocaleString("en-US") : Number(n.toPrecision(3)).toString();
}

function monthLabel(month: number | null | undefined, from: Date): string {
    if (month === undefined) return "";
    if (month === null) return "never";
    if (month === 0) return "now";
    const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + month, 1));
    return `month ${month} (${d.toISOString().slice(0, 7)})`;
}

export function renderText(stack: string, result: CapacityResult, now = new Date()): string {
    const growth = result.growth !== undefined;
    const header = ["part", "needs", "allows", "use", "binds at rps", ...(growth ? ["reached"] : []), "kind"];
    const rows = result.limits.map((l) => [
        l.part,
        `${fmt(l.need)} ${l.unit}`,
        fmt(l.allows),
        Number.isFinite(l.utilization) ? `${Math.round(l.utilization * 100)} %` : "-",
        fmt(l.bindsAtRps),
        ...(growth ? [monthLabel(l.reachedInMonth, now)] : []),
        l.kind,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd();
    const out = [
        `Capacity of stack ${stack} at ${fmt(result.rps)} requests/s${growth ? `, growing ${Number((result.growth! * 100).toFixed(2))} % a month` : ""}`,
        "",
        line(header),
        line(widths.map((w) => "-".repeat(w))),
        ...rows.map(line),
        "",
    ];
    const b = result.bottleneck;
    out.push(
        b
            ? `First bottleneck: ${b.part}, at ${fmt(b.bindsAtRps)} requests/s (${b.bindsAtRps <= result.rps ? "already binding at this rate" : `${fmt(b.bindsAtRps / result.rps)} x this rate`}).`
            : "First bottleneck: none; no hard limit ever binds.",
    );
    if (result.firstDegradation)
        out.push(
            `First degradation: ${result.firstDegradation.part}, at ${fmt(result.firstDegradation.bindsAtRps)} requests/s (spillover: cold starts, nothing refused).`,
        );
    out.push("", "Where each figure comes from:");
    for (const l of result.limits) out.push(`  ${l.part}: allows ${l.source}; needs ${l.basis}.`);
    out.push(
        "",
        `Assumed (tools/capacity/access-patterns.ts; measure and adjust): ${Object.entries(ASSUMPTIONS)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}. Cached search answers are not counted as saved work.`,
    );
    return out.join("\n");
}

const finite = (n: number | null | undefined) => (n === undefined ? undefined : n === null || !Number.isFinite(n) ? null : n);

export function renderJson(stack: string, mix: Mix, result: CapacityResult): string {
    const limit = (l: LimitResult) => ({
        part: l.part,
        unit: l.unit,
        kind: l.kind,
        need: l.need,
        allows: l.allows,
        utilization: finite(l.utilization),
        bindsAtRps: finite(l.bindsAtRps),
        ...(l.reachedInMonth !== undefined ? { reachedInMonth: l.reachedInMonth } : {}),
        source: l.source,
        basis: l.basis,
    });
    return JSON.stringify(
        {
            stack,
            rps: result.rps,
            mix,
            ...(result.growth !== undefined ? { growthPerMonth: result.growth } : {}),
            limits: result.limits.map(limit),
            bottleneck: result.bottleneck ? { part: result.bottleneck.part, bindsAtRps: finite(result.bottleneck.bindsAtRps) } : null,
            firstDegradation: result.firstDegradation ? { part: result.firstDegradation.part, bindsAtRps: finite(result.firstDegradation.bindsAtRps) } : null,
            assumptions: ASSUMPTIONS,
        },
        null,
        2,
    );
}

export interface CapacityIo {
    out?: (text: string) => void;
    preview?: (options: PreviewOptions) => Promise<PreviewReport>;
    now?: Date;
}

export async function main(argv: readonly string[], io: CapacityIo = {}): Promise<number> {
    const out = io.out ?? ((text: string) => console.log(text));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const v = parsed.values;
    const cwd = path.resolve(v.cwd ?? REPO);
    if (!fs.existsSync(path.join(cwd, "Pulumi.yaml"))) throw new UsageError(`--cwd ${v.cwd ?? cwd}: no Pulumi program there (no Pulumi.yaml).`);
    // Bad input before any preview: the mix, then the stack's config (loadStack reads it first).
    const mix = v.mix !== undefined ? readMix(path.resolve(v.mix)) : readMix(DEFAULT_MIX_FILE, "the default mix");
    const durations = Object.fromEntries(v.duration) as Partial<Record<FunctionName, number>>;
    if (new Set(v.duration.map(([fn]) => fn)).size !== v.duration.length) throw new UsageError("--duration names a function twice; give each function once.");
    const view = await loadStack(cwd, v.stack, io.preview, parseStackReferenceFlags(v["stack-reference"]));
    const limits = buildLimits(view, { mix, durations, clients: v.clients });
    const rps = v.rps ?? limits.find((l) => l.part === "API stage throttle (rate)")!.allows;
    const result = evaluate(limits, rps, v.growth);
    out(v.json ? renderJson(v.stack, mix, result) : renderText(v.stack, result, io.now));
    return result.bottleneck && result.bottleneck.bindsAtRps < rps ? 1 : 0;
}

/** Bad input: nothing was computed (exit 2, the message alone). */
export function isBadInput(error: unknown): boolean {
    return error instanceof StackInputError || error instanceof PreviewError;
}

if (require.main === module) {
    runProcess("capacity", () => main(process.argv.slice(2)), { refused: isBadInput });
}
