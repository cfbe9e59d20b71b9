import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { runPreview } from "./index";
import { parseStackReferenceFlags } from "./stack-references";
import { ansi, plain, renderReport } from "./render";
import { PreviewError, PreviewMode } from "./types";

const USAGE = `usage: npm run preview -- [--stack dev] [--cwd DIR] [--policy-pack DIR]... [--policy-pack-config FILE]...
                          [--mode create|update] [--stack-reference NAME=FILE]... [--json]

Runs a Pulumi TypeScript program under Pulumi's mock runtime and checks it with policy packs over
the Analyzer gRPC protocol, like \`pulumi preview --policy-pack\`, with no cloud credentials.

  --stack NAME               stack to preview; reads Pulumi.<NAME>.yaml           (default: dev)
  --cwd DIR                  program directory, holding Pulumi.yaml               (default: the repository)
  --policy-pack DIR          policy pack to run; repeat for several               (default: the repository's policies/)
  --policy-pack-config FILE  config for the pack at the same position             (default: <pack>/config/<stack>.json if present)
  --mode create|update       create: a first preview, computed values unknown; update: resources exist (default: create)
  --stack-reference NAME=FILE
                             outputs of stack NAME for the program's StackReference to it: a --json report of
                             that stack's preview, or a JSON object of its outputs; repeat for several
  --json                     print the JSON report on stdout and nothing else

Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 the program, its config, the flags or a pack failed.`;

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
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                cwd: { type: "string", short: "C" },
                "policy-pack": { type: "string", multiple: true },
                "policy-pack-config": { type: "string", multiple: true },
                mode: { type: "string" },
                "stack-reference": { type: "string", multiple: true },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        throw new PreviewError(`${(err as Error).message}\n\n${USAGE}`);
    }
    if (values.help) {
        return "help";
    }
    const mode = values.mode ?? "create";
    if (mode !== "create" && mode !== "update") {
        throw new PreviewError(`--mode ${JSON.stringify(mode)} is not one of create, update`);
    }
    const stack = values.stack ?? "dev";
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new PreviewError(`--stack ${JSON.stringify(stack)}: stack names use letters, digits, '-', '_' and '.'`);
    }
    const cwd = path.resolve(values.cwd ?? REPO);
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) {
        throw new PreviewError(`--cwd ${values.cwd}: no such directory`);
    }
    const packs = (values["policy-pack"] ?? [path.join(REPO, "policies")]).map((p) => path.resolve(p));
    for (const p of packs) {
        if (!fs.existsSync(p)) {
            throw new PreviewError(`--policy-pack ${p}: no such directory`);
        }
    }
    const given = values["policy-pack-config"] ?? [];
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
    const stackReferences = parseStackReferenceFlags(values["stack-reference"] ?? []);
    return { stack, cwd, packs, configs, mode, json: values.json ?? false, stackReferences };
}

async function main(): Promise<number> {
    const flags = parseFlags(process.argv.slice(2));
    if (flags === "help") {
        console.log(USAGE);
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

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        if (err instanceof PreviewError) {
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
