/**
 * `npm run gate`: the offline policy gate of CI in one command. Every stack in every mode, previewed with
 * the repository's policy pack at the stack's levels (policies/config/<stack>.json), the packs started once
 * and the programs run as concurrently as the cores allow; one table (stack x mode: resources, mandatory,
 * advisory, time), the violations under it, one exit code.
 *
 *   npm run gate -- [--stack dev,staging,prod] [--mode create,update] [--json] [--junit FILE]
 *
 * tools/ops/policy-gate.sh (Jenkins, Bitbucket) runs exactly this interface; keep it.
 */
import * as fs from "fs";
import * as path from "path";
import { defineCommand, listOf, stackList, UsageError } from "../cli";
import { forwardSignals } from "../preview/children";
import { ansi, plain, violations, type Style } from "../preview/render";
import type { PreviewMode } from "../preview/types";
import { renderJUnit } from "./junit";
import { runGate, type GateOptions, type GateReport, type GateResult } from "./run";

export const COMMAND = defineCommand({
    name: "gate",
    synopsis: "[--stack dev,staging,prod] [--mode create,update] [--json] [--junit FILE]",
    summary:
        "The offline policy gate: previews every stack in every mode with the policy pack at the stack's levels, the packs started once and the programs run side by side, and prints one table of the verdicts with the violations under it.",
    flags: {
        stack: {
            type: "string",
            value: "LIST",
            description: "comma-separated stacks to gate; each reads Pulumi.<stack>.yaml and policies/config/<stack>.json",
            default: "dev,staging,prod",
            parse: stackList,
        },
        mode: {
            type: "string",
            value: "LIST",
            description: "comma-separated preview modes: create (a first preview, computed values unknown), update (resources exist)",
            default: "create,update",
            parse: listOf<PreviewMode>(["create", "update"]),
        },
        json: {
            type: "boolean",
            description:
                "print { previews: [{ stack, mode, status, report | error }], summary, exitCode } on stdout and nothing else (the table goes to stderr)",
        },
        junit: { type: "string", value: "FILE", description: "also write JUnit XML to FILE: a suite per stack and mode, a case per policy" },
    },
    epilog: "Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 a preview failed (the program, its config or a pack) or bad usage; 130/143 stopped by SIGINT/SIGTERM.",
});

export interface GateIo {
    out?: (text: string) => void;
    err?: (text: string) => void;
    /** @default runGate */
    gate?: (options: GateOptions) => Promise<GateReport>;
    /** Whether stderr is a terminal (colours). @default process.stderr.isTTY */
    color?: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const VERDICT: Record<GateResult["status"], string> = { passed: "passed", violations: "FAILED", failed: "ERROR" };

/** One line per finished preview, as it finishes. */
export function progressLine(r: GateResult): string {
    const s = r.report?.summary;
    return s
        ? `gate: ${r.stack} (${r.mode}) ${VERDICT[r.status]}: ${s.resources} resources, ${s.mandatory} mandatory, ${s.advisory} advisory, ${seconds(r.ms)}`
        : `gate: ${r.stack} (${r.mode}) ERROR: ${(r.error?.message ?? "the preview failed").split("\n")[0]}`;
}

/** The summary table (stack x mode), the violations and failures under it, and the verdict. */
export function renderGate(report: GateReport, style: Style = plain): string {
    const header = ["stack", "mode", "resources", "mandatory", "advisory", "time", "verdict"];
    const rows = report.previews.map((r) => {
        const s = r.report?.summary;
        return [r.stack, r.mode, s ? String(s.resources) : "-", s ? String(s.mandatory) : "-", s ? String(s.advisory) : "-", seconds(r.ms), VERDICT[r.status]];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    const paint = (status: GateResult["status"], text: string) =>
        status === "passed" ? style.green(text) : status === "violations" ? style.red(text) : style.yellow(text);
    const lines = [style.bold(line(header)), ...rows.map((cells, i) => paint(report.previews[i].status, line(cells)))];
    for (const r of report.previews) {
        if (r.report && r.report.diagnostics.length > 0) {
            const blocking = r.report.diagnostics.filter((d) => d.enforcementLevel !== "advisory");
            const advisory = r.report.diagnostics.filter((d) => d.enforcementLevel === "advisory");
            lines.push("", style.bold(`${r.stack} (${r.mode}):`));
            // Mandatory violations in full, as the preview prints them; advisory ones counted by policy (the
            // JSON report and the JUnit XML hold each).
            lines.push(...violations("Mandatory policy violations", blocking, style.red, style).slice(1));
            if (advisory.length > 0) {
                const byPolicy = new Map<string, number>();
                for (const d of advisory) byPolicy.set(d.policyName, (byPolicy.get(d.policyName) ?? 0) + 1);
                const counted = [...byPolicy].map(([policy, n]) => (n > 1 ? `${policy} (${n})` : policy)).join(", ");
                lines.push(style.yellow(`Advisory policy violations (${advisory.length}): ${counted}`));
            }
        }
        for (const notice of r.report?.notices ?? []) lines.push("", `${r.stack} (${r.mode}): notice: ${notice}`);
        if (r.error) {
            lines.push("", style.yellow(`${r.stack} (${r.mode}): the preview failed: ${r.error.message}`));
            if (r.error.detail) lines.push(r.error.detail);
        }
    }
    const s = report.summary;
    const verdict =
        report.exitCode === 0
            ? style.green("passed")
            : report.exitCode === 1
              ? style.red(`FAILED: ${s.violations} of ${s.previews} previews have mandatory violations`)
              : style.yellow(`ERROR: ${s.failed} of ${s.previews} previews failed, so they have no policy verdict`);
    lines.push("", `gate ${verdict} (${s.previews} previews, ${s.mandatory} mandatory, ${s.advisory} advisory violations, ${seconds(report.totalMs)})`);
    return lines.join("\n");
}

/** The --json document: every preview's report as `npm run preview -- --json` prints it. */
export function gateJson(report: GateReport): unknown {
    return {
        previews: report.previews.map(({ stack, mode, status, report: r, error, ms }) => ({
            stack,
            mode,
            status,
            ms,
            ...(r ? { report: r } : {}),
            ...(error ? { error } : {}),
        })),
        policyPacks: report.policyPacks.map((p) => ({ name: p.name, version: p.version, policies: p.policies.map((x) => x.name) })),
        summary: report.summary,
        exitCode: report.exitCode,
        totalMs: report.totalMs,
    };
}

export async function main(argv: readonly string[], io: GateIo = {}): Promise<number> {
    const out = io.out ?? ((t: string) => process.stdout.write(`${t}\n`));
    const err = io.err ?? ((t: string) => process.stderr.write(`${t}\n`));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { stack: stacks, mode: modes, json, junit } = parsed.values;
    const junitFile = junit === undefined ? undefined : path.resolve(junit);
    if (junitFile && fs.existsSync(junitFile) && fs.statSync(junitFile).isDirectory()) {
        throw new UsageError(`--junit ${junit} is a directory; give the file to write, such as test-results/policy-gate/junit.xml.`);
    }
    const stop = new AbortController();
    if (!io.gate) forwardSignals((signal) => err(`gate: stopped by ${signal}; its previews and packs were stopped with it`));
    const report = await (io.gate ?? runGate)({ stacks, modes, signal: stop.signal, onResult: (r) => err(progressLine(r)) });
    const style = (io.color ?? process.stderr.isTTY) && !json ? ansi : plain;
    if (json) {
        err(renderGate(report, plain));
        out(JSON.stringify(gateJson(report), null, 2));
    } else {
        out(renderGate(report, style));
    }
    if (junitFile) {
        fs.mkdirSync(path.dirname(junitFile), { recursive: true });
        fs.writeFileSync(junitFile, renderJUnit(report));
    }
    return report.exitCode;
}

/** As the process: the exit code, a usage error in one line (exit 2). */
export function run(argv: readonly string[]): void {
    main(argv).then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            process.stderr.write(
                error instanceof UsageError ? `error: ${error.message}\n` : `error: the gate failed unexpectedly: ${(error as Error).stack ?? String(error)}\n`,
            );
            process.exitCode = 2;
        },
    );
}

if (require.main === module) {
    run(process.argv.slice(2));
}
