/**
 * The recovery objectives a stack's configuration achieves, failure mode by failure mode, against its
 * targets (rpoMinutes, rtoMinutes) and the modes it claims (drClaims), each figure with its source; and
 * the business-continuity plan generated from every stack's table (docs/runbooks/business-continuity.md).
 *
 *   npm run dr -- [--stack dev] [--cwd DIR] [--json]
 *   npm run dr -- --runbook [--check] [--cwd DIR]
 *
 * Exit code: 0 every claimed failure mode meets the targets (or the plan was written / is current), 1 some
 * claimed mode does not (the lines config.ts would refuse the stack with go to stderr) or the plan is stale,
 * 2 bad input (a flag, no such stack, a configuration the program refuses for another reason).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand, stackName, runProcess, UsageError } from "../cli";
import { ConfigError, parseConfig, recoveryInputs } from "../../config";
import { readStackConfig, StackInputError } from "../capacity/stack";
import { objectiveProblems, recoveryTable } from "./model";
import { renderBusinessContinuity, renderJson, renderText, type StackRecovery } from "./render";

const REPO = path.resolve(__dirname, "..", "..");
/** Where the plan is written, under the program's directory. */
export const RUNBOOK = path.join("docs", "runbooks", "business-continuity.md");

export const COMMAND = defineCommand({
    name: "dr",
    synopsis: ["[--stack dev] [--cwd DIR] [--json]", "--runbook [--check] [--cwd DIR]"],
    summary:
        "Prints the RPO and RTO a stack's configuration achieves for each failure mode (bad deploy, bad data, table deleted, AZ loss, region loss, account compromise) against its targets, every figure with its source; or writes the business-continuity plan generated from every stack's table.",
    flags: {
        stack: {
            type: "string",
            short: "s",
            value: "NAME",
            description: "stack to judge; reads Pulumi.<NAME>.yaml",
            default: "dev",
            parse: stackName,
        },
        cwd: {
            type: "string",
            short: "C",
            value: "DIR",
            description: "program directory, holding Pulumi.yaml and the stack files",
            defaultText: "the repository",
        },
        json: { type: "boolean", description: "print { stack, targets, strategy, modes: [{ mode, claimed, met, rpo, rto, ... }] } and nothing else" },
        runbook: { type: "boolean", description: `write ${RUNBOOK} from every stack's table (Pulumi.*.yaml)` },
        check: { type: "boolean", description: `with --runbook: write nothing, exit 1 when ${RUNBOOK} is not what it would write` },
    },
    epilog: "Exit codes: 0 every claimed mode meets the targets (or the plan is current), 1 some does not (or the plan is stale), 2 bad input.",
});

/** One stack's table; a configuration the program refuses for another reason than its objectives is bad input. */
export function stackRecovery(cwd: string, stack: string): StackRecovery {
    const { raw, project, secretKeys } = readStackConfig(cwd, stack);
    let config: ReturnType<typeof parseConfig>;
    try {
        config = parseConfig(raw, project, { secretKeys, skipSecretFormat: true, skipRecoveryObjectives: true });
    } catch (error) {
        if (error instanceof ConfigError) throw new StackInputError(`Pulumi.${stack}.yaml: ${error.message}`);
        throw error;
    }
    return {
        stack,
        region: raw["aws:region"] ?? "",
        table: recoveryTable(recoveryInputs(config)),
        standbyOf: config.drStandbyOf,
        mailboxes: { alert: config.alertEmails, escalation: config.escalationEmails },
    };
}

/** The program's stacks, by their files: dev, staging, prod first, then the others by name. */
export function stacksIn(cwd: string): string[] {
    const order = ["dev", "staging", "prod"];
    return fs
        .readdirSync(cwd)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort((a, b) => {
            const [ia, ib] = [order.indexOf(a), order.indexOf(b)].map((i) => (i < 0 ? order.length : i));
            return ia !== ib ? ia! - ib! : a.localeCompare(b);
        });
}

/** The plan as `--runbook` writes it, from every stack of the program. */
export function businessContinuity(cwd: string): string {
    return renderBusinessContinuity(stacksIn(cwd).map((s) => stackRecovery(cwd, s)));
}

export interface DrIo {
    out?: (text: string) => void;
    err?: (text: string) => void;
}

export async function main(argv: readonly string[], io: DrIo = {}): Promise<number> {
    const out = io.out ?? ((text: string) => console.log(text));
    const err = io.err ?? ((text: string) => console.error(text));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const v = parsed.values;
    const cwd = path.resolve(v.cwd ?? REPO);
    if (!fs.existsSync(path.join(cwd, "Pulumi.yaml"))) throw new UsageError(`--cwd ${v.cwd ?? cwd}: no Pulumi program there (no Pulumi.yaml).`);
    if (v.check && !v.runbook) throw new UsageError(`--check goes with --runbook: it checks ${RUNBOOK}. ${COMMAND.seeHelp}`);
    if (v.runbook) {
        if (v.json) throw new UsageError(`--runbook and --json are exclusive: the plan is Markdown. ${COMMAND.seeHelp}`);
        const file = path.join(cwd, RUNBOOK);
        const text = businessContinuity(cwd);
        if (v.check) {
            const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
            if (current === text) {
                out(`${RUNBOOK} is current.`);
                return 0;
            }
            err(`${RUNBOOK} is ${current === undefined ? "missing" : "stale"}: run \`npm run dr -- --runbook\` and commit it.`);
            return 1;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        out(`wrote ${RUNBOOK} (${stacksIn(cwd).join(", ")})`);
        return 0;
    }
    const recovery = stackRecovery(cwd, v.stack);
    out(v.json ? renderJson(recovery) : renderText(recovery));
    const problems = objectiveProblems(recovery.table, "platform");
    for (const p of problems) err(p);
    return problems.length === 0 ? 0 : 1;
}

/** Bad input: nothing was judged (exit 2, the message alone). */
export function isBadInput(error: unknown): boolean {
    return error instanceof StackInputError;
}

if (require.main === module) {
    runProcess("dr", () => main(process.argv.slice(2)), { refused: isBadInput });
}
