import * as fs from "fs";
import * as path from "path";
import { defineCommand, InvalidValue, oneOf, UsageError } from "../cli";
import { runPreview } from "./index";
import { parseStackReferenceFlags } from "./stack-references";
import { ansi, plain, renderReport } from "./render";
import { PreviewError, PreviewMode } from "./types";

export const COMMAND = defineCommand({
    name: "preview",
    synopsis:
        "[--stack dev] [--cwd DIR] [--policy-pack DIR]... [--policy-pack-config FILE]... [--mode create|update] [--stack-reference NAME=FILE]... [--json]",
    summary:
        "Runs a Pulumi TypeScript program under Pulumi's mock runtime and checks it with policy packs over the Analyzer gRPC protocol, like `pulumi preview --policy-pack`, with no cloud credentials.",
    flags: {
        stack: {
            type: "string",
            short: "s",
            value: "NAME",
            description: "stack to preview; reads Pulumi.<NAME>.yaml",
            default: "dev",
            parse: (text) => {
                if (!/^[A-Za-z0-9_.-]+$/.test(text)) throw new InvalidValue("is not a stack name: stack names use letters, digits, '-', '_' and '.'");
                return text;
            },
        },
        cwd: { type: "string", short: "C", value: "DIR", description: "program directory, holding Pulumi.yaml", defaultText: "the repository" },
        "policy-pack": { type: "string", multiple: true, value: "DIR", description: "policy pack to run", defaultText: "the repository's policies/" },
        "policy-pack-config": {
            type: "string",
            multiple: true,
            value: "FILE",
            description: "config for the pack at the same position",
            defaultText: "<pack>/config/<stack>.json if present",
        },
        mode: {
            type: "string",
            value: "create|update",
            description: "create: a first preview, computed values unknown; update: resources exist",
            default: "create",
            parse: oneOf<PreviewMode>(["create", "update"]),
        },
        "stack-reference": {
            type: "string",
            multiple: true,
            value: "NAME=FILE",
            description:
                "outputs of stack NAME for the program's StackReference to it: a --json report of that stack's preview, or a JSON object of its outputs",
        },
        json: { type: "boolean", description: "print the JSON report on stdout and nothing else" },
    },
    epilog: "Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 the program, its config, the flags or a pack failed.",
});

const REPO = path.resolve(__dirname, "..", "..");

interface Flags {
    stack: string;
    cwd: string;
    packs: string[];
    configs: (string | undefined)[];
    mode: PreviewMode;
    json: boolean;
    stackReferences: Record<string, string>;
}

function parseFlags(argv: string[]): Flags | "help" {
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
    return { stack, cwd, packs, configs, mode, json: values.json, stackReferences };
}

async function main(): Promise<number> {
    const flags = parseFlags(process.argv.slice(2));
    if (flags === "help") {
        console.log(COMMAND.help);
        return 0;
    }
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
            onProgress,
        });
        clearInterval(ticker);
        if (tty) {
            process.stderr.write("\r\x1b[2K");
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

if (require.main === module) {
    main().then(
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
