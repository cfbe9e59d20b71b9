/** `npm run preview`'s work: its flags read, one preview run, its report printed, its exit code. */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../cli";
import { forwardSignals } from "./children";
import { COMMAND } from "./command-spec";
import { runPreview } from "./index";
import { parseInvokeFlags } from "./invoke-answers";
import { parseStackReferenceFlags } from "./stack-references";
import { ansi, plain, renderReport } from "./render";
import { PreviewError, PreviewMode } from "./types";

const REPO = path.resolve(__dirname, "..", "..");

interface Flags {
    stack: string;
    cwd: string;
    packs: string[];
    configs: (string | undefined)[];
    mode: PreviewMode;
    json: boolean;
    stackReferences: Record<string, string>;
    invokes: Record<string, string>;
}

function parseFlags(argv: readonly string[]): Flags | "help" {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        return "help";
    }
    const values = parsed.values;
    const { stack, mode } = values;
    const cwd = path.resolve(values.cwd ?? REPO);
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) {
        throw new PreviewError(`--cwd ${values.cwd}: no such directory`);
    }
    const packs = (values["policy-pack"].length > 0 ? values["policy-pack"] : [path.join(REPO, "policies")]).map((p) => path.resolve(p));
    for (const p of packs) {
        if (!fs.existsSync(p)) {
            throw new PreviewError(`--policy-pack ${p}: no such directory`);
        }
    }
    const given = values["policy-pack-config"];
    if (given.length > packs.length) {
        throw new PreviewError(`${given.length} --policy-pack-config flags for ${packs.length} policy packs: give one per pack, in the same order`);
    }
    const configs = packs.map((pack, i) => {
        if (given[i] !== undefined) {
            return path.resolve(given[i]);
        }
        const byStack = path.join(pack, "config", `${stack}.json`);
        return fs.existsSync(byStack) ? byStack : undefined;
    });
    const stackReferences = parseStackReferenceFlags(values["stack-reference"]);
    const invokes = parseInvokeFlags(values.invoke);
    return { stack, cwd, packs, configs, mode, json: values.json, stackReferences, invokes };
}

async function main(argv: readonly string[]): Promise<number> {
    const flags = parseFlags(argv);
    if (flags === "help") {
        console.log(COMMAND.help);
        return 0;
    }
    forwardSignals((signal) => console.error(`\nerror: the preview was stopped by ${signal}; its program runner and policy packs were stopped with it`));
    const tty = process.stderr.isTTY && !flags.json;
    // A progress line on a terminal only: redrawn every 100 ms with the elapsed time, cleared at the end.
    const started = Date.now();
    let stage = "starting";
    const draw = () => process.stderr.write(`\r\x1b[2K${ansi.dim(`⋯ ${stage} (${((Date.now() - started) / 1000).toFixed(1)} s)`)}`);
    const ticker = tty ? setInterval(draw, 100) : undefined;
    const onProgress = tty
        ? (m: string) => {
              stage = m;
              draw();
          }
        : undefined;
    try {
        const report = await runPreview({
            cwd: flags.cwd,
            stack: flags.stack,
            policyPacks: flags.packs,
            policyPackConfigs: flags.configs,
            mode: flags.mode,
            stackReferences: flags.stackReferences,
            invokes: flags.invokes,
            onProgress,
        });
        clearInterval(ticker);
        if (tty) {
            process.stderr.write("\r\x1b[2K");
        }
        for (const notice of report.notices ?? []) {
            console.error(`notice: ${notice}`);
        }
        if (flags.json) {
            process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
            console.log(renderReport(report, process.stdout.isTTY ? ansi : plain));
        }
        return report.summary.mandatory > 0 ? 1 : 0;
    } finally {
        clearInterval(ticker);
        if (tty) {
            process.stderr.write("\r\x1b[2K");
        }
    }
}

/** As the process: the report on stdout, failures on stderr, the exit code. */
export function run(argv: readonly string[]): void {
    main(argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            if (err instanceof UsageError) {
                console.error(`error: ${err.message}`);
            } else if (err instanceof PreviewError) {
                console.error(`error: ${err.message}`);
                if (err.detail) {
                    console.error(err.detail);
                }
            } else {
                console.error(`error: the offline preview failed unexpectedly: ${(err as Error).stack ?? String(err)}`);
            }
            process.exitCode = 2;
        },
    );
}
