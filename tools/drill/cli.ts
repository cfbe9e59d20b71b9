/**
 * The incident drill: previews a stack offline, builds its monitoring model, and runs scenarios of
 * synthetic metric data against it (docs/drills.md is the scenario format).
 *
 *   npm run drill -- [--stack dev] [--cwd DIR] [--mode update] [--scenario NAME | --scenario-file FILE | --all] [--json]
 *
 * Exit code: 0 every scenario's expectations met, 1 some not, 2 bad input (flags, a scenario that does not
 * parse or does not fit the stack, a program that fails to preview): nothing was drilled.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand, stackName, matching, oneOf, runProcess, UsageError } from "../cli";
import { runPreview } from "../preview";
import { STACK_REFERENCE_FLAG } from "../preview/command-spec";
import { parseStackReferenceFlags } from "../preview/stack-references";
import { PreviewError, type PreviewMode, type PreviewOptions, type PreviewReport } from "../preview/types";
import { AlarmEvaluationError, evaluator as cloudWatch } from "./evaluate";
import { buildModel, type DrillModel } from "./model";
import { renderJson, renderText } from "./render";
import { runScenario, type ScenarioResult } from "./run";
import { checkScenario, loadScenario, ScenarioError, type Scenario } from "./scenario";
import type { Evaluator } from "./types";

const REPO = path.resolve(__dirname, "..", "..");
/** Where a program keeps its scenarios, under its directory. */
export const DRILLS_DIR = "drills";

export const COMMAND = defineCommand({
    name: "drill",
    synopsis: "[--stack dev] [--cwd DIR] [--mode update] [--scenario NAME | --scenario-file FILE | --all] [--stack-reference NAME=FILE]... [--json]",
    summary:
        "Previews a stack offline and runs incident scenarios against its alarms, topics and releases: who hears of each failure, when, whether it escalates to someone new and whether a release rolls back, against each scenario's expectations (docs/drills.md).",
    flags: {
        stack: {
            type: "string",
            short: "s",
            value: "NAME",
            description: "stack to drill; reads Pulumi.<NAME>.yaml",
            default: "dev",
            parse: stackName,
        },
        cwd: { type: "string", short: "C", value: "DIR", description: "program directory, holding Pulumi.yaml and its drills/", defaultText: "the repository" },
        mode: {
            type: "string",
            value: "create|update",
            description: "preview mode: update gives existing resources their names and ARNs",
            default: "update",
            parse: oneOf<PreviewMode>(["create", "update"]),
        },
        scenario: {
            type: "string",
            value: "NAME",
            description: "run <cwd>/drills/NAME.json",
            parse: matching(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a scenario name from drills/, such as api-5xx-burst"),
        },
        "scenario-file": { type: "string", value: "FILE", description: "run the scenario in FILE" },
        all: { type: "boolean", description: "run every <cwd>/drills/*.json (what runs when no scenario is named)" },
        "stack-reference": STACK_REFERENCE_FLAG,
        json: { type: "boolean", description: "print { stack, scenarios: [{ name, pass, failures, timeline, detectedAtMinute, ... }] } and nothing else" },
    },
    epilog: "Exit codes: 0 every expectation met, 1 some not, 2 bad input (flags, a scenario, the program): the message names the file, the field and what is allowed.",
});

export interface DrillOptions {
    cwd: string;
    stack: string;
    mode: PreviewMode;
    /** Scenario files, and how messages name them. */
    files: Array<{ file: string; shownAs: string }>;
    /** Outputs of the stacks the program references, by stack name (`--stack-reference`). @default none */
    stackReferences?: Record<string, string>;
}

export interface DrillRun {
    model: DrillModel;
    results: ScenarioResult[];
    /** The preview's own time, and the drill's work after it (model, checks, evaluation, timeline). */
    timings: { previewMs: number; drillMs: number };
}

export interface DrillIo {
    out?: (text: string) => void;
    err?: (text: string) => void;
    /** @default the offline preview */
    preview?: (options: PreviewOptions) => Promise<PreviewReport>;
    /** @default the CloudWatch evaluator (evaluate.ts) */
    evaluator?: Evaluator;
}

/** Reads the scenarios (bad input before any preview), previews the stack, checks and runs each scenario. */
export async function drill(options: DrillOptions, io: DrillIo = {}): Promise<DrillRun> {
    const scenarios: Array<{ scenario: Scenario; shownAs: string }> = options.files.map(({ file, shownAs }) => ({
        scenario: loadScenario(file, shownAs),
        shownAs,
    }));
    const t0 = Date.now();
    const refs = options.stackReferences ?? {};
    const report = await (io.preview ?? runPreview)({
        cwd: options.cwd,
        stack: options.stack,
        mode: options.mode,
        policyPacks: [],
        ...(Object.keys(refs).length > 0 ? { stackReferences: refs } : {}),
    });
    const t1 = Date.now();
    const model = buildModel(report);
    const problems: ScenarioError[] = [];
    for (const { scenario, shownAs } of scenarios) {
        try {
            checkScenario(scenario, model, shownAs);
        } catch (error) {
            if (!(error instanceof ScenarioError)) throw error;
            problems.push(error);
        }
    }
    if (problems.length > 0) throw new ScenarioError(problems.flatMap((p) => p.issues));
    const results = scenarios.map(({ scenario, shownAs }) => runScenario(model, scenario, io.evaluator ?? cloudWatch, shownAs));
    return { model, results, timings: { previewMs: t1 - t0, drillMs: Date.now() - t1 } };
}

function shown(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** The scenario files the flags name: one by name or by file, or every one in <cwd>/drills/. */
export function scenarioFiles(cwd: string, values: { scenario?: string; "scenario-file"?: string; all: boolean }): DrillOptions["files"] {
    const chosen = (["scenario", "scenario-file", "all"] as const).filter((k) => (k === "all" ? values.all : values[k] !== undefined));
    if (chosen.length > 1) throw new UsageError(`${chosen.map((k) => `--${k}`).join(" and ")} are exclusive: give one. ${COMMAND.seeHelp}`);
    const dir = path.join(cwd, DRILLS_DIR);
    const catalogue = () =>
        fs.existsSync(dir) && fs.statSync(dir).isDirectory()
            ? fs
                  .readdirSync(dir)
                  .filter((f) => f.endsWith(".json"))
                  .sort()
            : [];
    if (values["scenario-file"] !== undefined) {
        const file = path.resolve(values["scenario-file"]);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`--scenario-file ${values["scenario-file"]}: no such file.`);
        return [{ file, shownAs: shown(file) }];
    }
    if (values.scenario !== undefined) {
        const name = values.scenario.replace(/\.json$/, "");
        const file = path.join(dir, `${name}.json`);
        if (!fs.existsSync(file)) {
            const names = catalogue().map((f) => f.replace(/\.json$/, ""));
            throw new UsageError(
                `--scenario "${values.scenario}" is not in ${shown(dir)}; allowed: ${names.join(", ") || `none: ${shown(dir)} has no scenario`}.`,
            );
        }
        return [{ file, shownAs: shown(file) }];
    }
    const all = catalogue();
    if (all.length === 0) throw new UsageError(`${shown(dir)} has no scenario (*.json): write one (docs/drills.md), or give --scenario-file FILE.`);
    return all.map((f) => ({ file: path.join(dir, f), shownAs: shown(path.join(dir, f)) }));
}

/** The command: flags, the drill, its report; the exit code (bad input throws, for runProcess to answer 2). */
export async function main(argv: readonly string[], io: DrillIo = {}): Promise<number> {
    const out = io.out ?? ((text: string) => console.log(text));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const v = parsed.values;
    const cwd = path.resolve(v.cwd ?? REPO);
    if (!fs.existsSync(path.join(cwd, "Pulumi.yaml")) && !fs.existsSync(path.join(cwd, "Pulumi.yml")))
        throw new UsageError(`--cwd ${v.cwd ?? cwd}: no Pulumi program there (no Pulumi.yaml).`);
    const files = scenarioFiles(cwd, v);
    const run = await drill({ cwd, stack: v.stack, mode: v.mode, files, stackReferences: parseStackReferenceFlags(v["stack-reference"]) }, io);
    out(v.json ? renderJson(run.model.stack, run.results) : renderText(run.model, run.results));
    return run.results.every((r) => r.pass) ? 0 : 1;
}

/** Bad input: nothing was drilled (exit 2, the message alone). */
export function isBadInput(error: unknown): boolean {
    return error instanceof ScenarioError || error instanceof PreviewError || error instanceof AlarmEvaluationError;
}

if (require.main === module) {
    runProcess("drill", () => main(process.argv.slice(2)), { refused: isBadInput });
}
