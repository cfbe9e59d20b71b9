/**
 * The policy gate: every preview a CI gate needs (stacks x modes) in one process tree. Each policy pack
 * starts once and serves every preview in turn (a pack holds one preview's configuration at a time), and
 * the programs run as concurrently as the cores allow, so the packs' start and each program's start are
 * not paid per preview.
 */
import * as fs from "fs";
import { availableParallelism } from "os";
import * as path from "path";
import { PolicyPackPool, PreviewError, RunnerPool, runPreview, type PreviewMode, type PreviewOptions, type PreviewReport } from "../preview";
import { resolvePolicyConfig, type PolicyInfo } from "../preview/policy-config";
import type { EnforcementLevel } from "../preview/types";

export interface GateOptions {
    /** Program directory. @default the repository */
    cwd?: string;
    stacks: string[];
    modes: PreviewMode[];
    /** Policy packs. @default the repository's policies/ */
    policyPacks?: string[];
    /** How many previews run at once. @default the number of cores */
    concurrency?: number;
    /** Called as each preview ends, in the order they end. */
    onResult?: (result: GateResult) => void;
    /** Stops every preview and pack when aborted. */
    signal?: AbortSignal;
    /** @default runPreview; the specs give a stand-in */
    preview?: (options: PreviewOptions) => Promise<PreviewReport>;
}

/** One preview of the gate: its verdict and report, or why it has none. */
export interface GateResult {
    stack: string;
    mode: PreviewMode;
    /** `passed`: no mandatory violation; `violations`: some; `failed`: the program, its config or a pack failed. */
    status: "passed" | "violations" | "failed";
    /** The preview's report, exactly as `npm run preview -- --json` prints it. */
    report?: PreviewReport;
    error?: { message: string; detail?: string };
    /** Each policy's level in this stack's pack config, by `<pack>/<policy>` (what a disabled policy is skipped by). */
    levels?: Record<string, EnforcementLevel>;
    ms: number;
}

export interface GateReport {
    previews: GateResult[];
    /** Each pack's policies, for a verdict per policy (JUnit). */
    policyPacks: { dir: string; name: string; version: string; policies: PolicyInfo[] }[];
    summary: { previews: number; passed: number; violations: number; failed: number; mandatory: number; advisory: number };
    /** 0 every preview passed, 1 a mandatory violation, 2 a preview failed (as `preview` exits). */
    exitCode: 0 | 1 | 2;
    totalMs: number;
}

const REPO = path.resolve(__dirname, "..", "..");

/** The pack config of a stack, as `npm run preview` picks it: `<pack>/config/<stack>.json` when present. */
function stackConfig(pack: string, stack: string): string | undefined {
    const file = path.join(pack, "config", `${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

export async function runGate(options: GateOptions): Promise<GateReport> {
    const started = Date.now();
    const cwd = options.cwd ?? REPO;
    const packs = (options.policyPacks ?? [path.join(REPO, "policies")]).map((p) => path.resolve(p));
    const jobs = options.stacks.flatMap((stack) => options.modes.map((mode) => ({ stack, mode })));
    const concurrency = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), jobs.length));
    const pool = new PolicyPackPool();
    const runners = new RunnerPool();
    const preview = options.preview ?? runPreview;
    const results: GateResult[] = new Array(jobs.length);
    try {
        let next = 0;
        const worker = async () => {
            while (next < jobs.length && !options.signal?.aborted) {
                const at = next++;
                const { stack, mode } = jobs[at];
                const t0 = Date.now();
                let result: GateResult;
                try {
                    const report = await preview({
                        cwd,
                        stack,
                        mode,
                        pool,
                        runners,
                        policyPacks: packs,
                        policyPackConfigs: packs.map((p) => stackConfig(p, stack)),
                        signal: options.signal,
                    });
                    result = { stack, mode, status: report.summary.mandatory > 0 ? "violations" : "passed", report, ms: Date.now() - t0 };
                } catch (err) {
                    const error =
                        err instanceof PreviewError
                            ? { message: err.message, ...(err.detail ? { detail: err.detail } : {}) }
                            : { message: (err as Error).stack ?? String(err) };
                    result = { stack, mode, status: "failed", error, ms: Date.now() - t0 };
                }
                results[at] = result;
                options.onResult?.(result);
            }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        const policyPacks = await Promise.all(
            packs.map(async (dir) => {
                try {
                    return { dir, ...(await pool.describe(dir)) };
                } catch {
                    // A pack that did not start: its previews failed, and say why.
                    return { dir, name: path.basename(dir), version: "", policies: [] };
                }
            }),
        );
        const done = results.filter((r) => r !== undefined);
        for (const r of done) {
            if (!r.report) continue;
            const levels: Record<string, EnforcementLevel> = {};
            for (const pack of policyPacks) {
                try {
                    for (const [policy, c] of Object.entries(resolvePolicyConfig(pack.policies, stackConfig(pack.dir, r.stack)))) {
                        levels[`${pack.name}/${policy}`] = c.enforcementLevel;
                    }
                } catch {
                    // The preview that read this config passed it; nothing to add if it cannot be read again.
                }
            }
            r.levels = levels;
        }
        const sum = (f: (r: PreviewReport) => number) => done.reduce((n, r) => n + (r.report ? f(r.report) : 0), 0);
        const count = (status: GateResult["status"]) => done.filter((r) => r.status === status).length;
        const failed = count("failed") + (jobs.length - done.length);
        return {
            previews: done,
            policyPacks,
            summary: {
                previews: jobs.length,
                passed: count("passed"),
                violations: count("violations"),
                failed,
                mandatory: sum((r) => r.summary.mandatory),
                advisory: sum((r) => r.summary.advisory),
            },
            exitCode: failed > 0 ? 2 : count("violations") > 0 ? 1 : 0,
            totalMs: Date.now() - started,
        };
    } finally {
        runners.close();
        await pool.close();
    }
}
