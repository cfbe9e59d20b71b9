/**
 * The runbooks' commands: every command a runbook shows in a shell code block exists (an npm script of
 * package.json, or a file under tools/) and accepts the flags it shows (parsed by the command's own
 * declaration, `COMMAND.parse`, so a renamed flag or a value it refuses fails here). The recovery
 * runbooks use nothing else but the pipeline's own `pulumi` steps: no AWS CLI, no jq, no hand-made calls.
 */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { Command, FlagSet } from "../../tools/cli";

const REPO = path.resolve(__dirname, "..", "..");
const RUNBOOKS = path.join(REPO, "docs", "runbooks");
/** The runbooks that may show only the project's commands and the pipeline's pulumi steps. */
export const RECOVERY_RUNBOOKS = ["restore-table.md", "rebuild-search-index.md", "region-failover.md", "account-compromise.md"];
/** What the pipeline itself runs of the Pulumi CLI (and an operator may, with the same effect). */
const PULUMI_STEPS = ["up", "preview", "refresh", "config set", "config rm", "stack output", "stack init", "state unprotect"];

const scripts = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** One command line of a code block: where it is and its words. */
export interface ShownCommand {
    file: string;
    line: number;
    text: string;
    words: string[];
}

/** Shell words, as the shell splits them: quotes kept together, comments dropped. */
export function shellWords(line: string): string[] {
    const words: string[] = [];
    let word = "";
    let quote: string | undefined;
    let started = false;
    for (let i = 0; i < line.length; i += 1) {
        const c = line[i]!;
        if (quote) {
            if (c === quote) quote = undefined;
            else word += c;
        } else if (c === "'" || c === '"') {
            quote = c;
            started = true;
        } else if (c === "#" && !started) break;
        else if (/\s/.test(c)) {
            if (started) words.push(word);
            word = "";
            started = false;
        } else {
            word += c;
            started = true;
        }
    }
    if (quote) throw new Error(`unterminated ${quote} in: ${line}`);
    if (started) words.push(word);
    return words;
}

function unterminated(line: string): boolean {
    try {
        shellWords(line);
        return false;
    } catch {
        return true;
    }
}

/** The commands of a markdown text's ```bash / ```sh / ```shell blocks, continuation lines joined. */
export function shownCommands(text: string, file: string): ShownCommand[] {
    const commands: ShownCommand[] = [];
    const lines = text.split("\n");
    let inBlock = false;
    let shell = false;
    for (let i = 0; i < lines.length; i += 1) {
        const fence = /^\s*```(\S*)/.exec(lines[i]!);
        if (fence) {
            shell = !inBlock && ["bash", "sh", "shell", "console"].includes(fence[1]!);
            inBlock = !inBlock;
            continue;
        }
        if (!inBlock || !shell) continue;
        const start = i;
        let text = lines[i]!;
        for (;;) {
            if (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
            // A quoted string may go on over lines, as in the shell.
            else if (unterminated(text) && i + 1 < lines.length && !/^\s*```/.test(lines[i + 1]!)) text = `${text}\n${lines[++i]!}`;
            else break;
        }
        if (unterminated(text)) {
            // A quote that never closes is prose in a placeholder (`<the deployment's version>`): the line alone, split at spaces.
            i = start;
            text = lines[i]!;
        }
        const words = unterminated(text) ? text.trim().split(/\s+/) : shellWords(text.trim().replace(/^\$ /, ""));
        if (words.length > 0) commands.push({ file, line: start + 1, text: text.trim(), words });
    }
    return commands;
}

/** The `COMMAND` a script's module declares (tools/cli.ts `defineCommand`), if it has one. */
function declaredCommand(file: string): Command<FlagSet> | undefined {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(REPO, file)) as { COMMAND?: Command<FlagSet> };
    return mod.COMMAND && typeof mod.COMMAND.parse === "function" ? mod.COMMAND : undefined;
}

/**
 * What is wrong with one shown command, or undefined: an npm script that does not exist, flags its
 * command refuses, a tools/ file that is not there, and, in a recovery runbook, anything else.
 */
export function problemOf(c: ShownCommand, strict: boolean): string | undefined {
    const at = `${c.file}:${c.line}: \`${c.text}\``;
    let words = c.words;
    // VAR=value assignments and `export` in front of a command.
    while (words.length > 0 && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!) || words[0] === "export")) words = words.slice(1);
    if (words.length === 0) return strict ? `${at}: a recovery runbook sets no shell variables; write the values in the commands` : undefined;
    const [head, ...rest] = words;
    if (head === "npm") {
        const args = rest.filter((w) => w !== "-s" && w !== "--silent");
        if (args[0] !== "run" || !args[1]) return `${at}: only \`npm run <script>\` is a project command`;
        const script = args[1];
        const line = scripts[script];
        if (line === undefined) return `${at}: package.json has no script "${script}" (it has ${Object.keys(scripts).join(", ")})`;
        const after = args.slice(2);
        if (after.length > 0 && after[0] !== "--") return `${at}: flags of an npm script follow \`--\``;
        const file = /^ts-node --transpile-only (\S+\.ts)$/.exec(line)?.[1];
        const command = file ? declaredCommand(file) : undefined;
        if (!command) return strict ? `${at}: "${script}" declares no COMMAND whose flags could be checked` : undefined;
        try {
            command.parse(after.slice(1));
        } catch (error) {
            return `${at}: ${(error as Error).message}`;
        }
        return undefined;
    }
    if (head!.startsWith("tools/")) {
        const file = path.join(REPO, head!);
        if (!existsSync(file) || !statSync(file).isFile()) return `${at}: there is no file ${head} in the repository`;
        return undefined;
    }
    if (head === "pulumi") {
        const step = PULUMI_STEPS.find((s) => rest.slice(0, s.split(" ").length).join(" ") === s);
        if (!step) return strict ? `${at}: pulumi ${rest[0] ?? ""} is not one of the pipeline's steps (${PULUMI_STEPS.join(", ")})` : undefined;
        // `pulumi stack init <name>` names its stack as its argument; every other step with --stack.
        if (step === "stack init" ? !/^[A-Za-z0-9_.\/-]+$/.test(rest[2] ?? "") : !rest.includes("--stack")) return `${at}: every pulumi step names its --stack`;
        return undefined;
    }
    return strict ? `${at}: ${head} is neither an npm script, a tools/ file nor a pulumi step of the pipeline` : undefined;
}

describe("the runbooks' commands", function () {
    const files = readdirSync(RUNBOOKS).filter((f) => f.endsWith(".md"));

    it("the recovery runbooks exist", () => {
        for (const f of RECOVERY_RUNBOOKS) assert.ok(files.includes(f), `docs/runbooks/${f}`);
    });

    for (const file of files) {
        const strict = RECOVERY_RUNBOOKS.includes(file);
        it(`docs/runbooks/${file}: every command it shows exists and takes the flags it shows${strict ? "; only the project's commands and pulumi steps" : ""}`, () => {
            const commands = shownCommands(readFileSync(path.join(RUNBOOKS, file), "utf8"), `docs/runbooks/${file}`);
            if (strict) {
                assert.ok(commands.length > 0, "shows its commands");
                assert.ok(
                    commands.some((c) => c.words[0] === "npm"),
                    "uses the project's commands",
                );
            }
            const problems = commands.map((c) => problemOf(c, strict)).filter((p): p is string => p !== undefined);
            assert.deepEqual(problems, []);
        });
    }

    it("the checker itself finds what is wrong: a missing script, a bad flag or value, a missing file, another tool", () => {
        const text = [
            "```bash",
            "npm run restore -- --stack prod --to latest --dry-run",
            "npm run restore -- --stack prod --too latest",
            "npm run -s reindex -- --stack prod --via lambda",
            "npm run reindex -- \\",
            "  --stack prod --segments 65",
            "npm run no-such-script",
            "tools/ops/release.sh prod",
            "tools/ops/no-such.sh prod",
            "pulumi up --stack prod",
            "pulumi destroy --stack prod",
            "pulumi up",
            "aws dynamodb scan --table-name x   # not ours",
            "STACK=prod",
            "```",
            "```json",
            '{ "not": "a command" }',
            "```",
        ].join("\n");
        const problems = shownCommands(text, "x.md").map((c) => problemOf(c, true));
        const expected: Array<RegExp | undefined> = [
            undefined,
            /^x\.md:3: `npm run restore -- --stack prod --too latest`: Unknown flag --too; allowed: --stack, --to, /,
            /: --via "lambda" is not one of direct, indexer$/,
            /^x\.md:5: `npm run reindex -- {2}--stack prod --segments 65`: --segments "65" is invalid: expected an integer from 1 to 64\.$/,
            /: package\.json has no script "no-such-script" \(it has .*\brestore\b/,
            undefined,
            /: there is no file tools\/ops\/no-such\.sh in the repository$/,
            undefined,
            /: pulumi destroy is not one of the pipeline's steps \(up, preview/,
            /: every pulumi step names its --stack$/,
            /: aws is neither an npm script, a tools\/ file nor a pulumi step of the pipeline$/,
            /: a recovery runbook sets no shell variables; write the values in the commands$/,
        ];
        assert.equal(problems.length, expected.length, problems.join("\n"));
        problems.forEach((p, i) => (expected[i] ? assert.match(p ?? "(none)", expected[i]!) : assert.equal(p, undefined)));
        // Outside the recovery runbooks, other tools may appear; the project's commands are still checked.
        assert.equal(problemOf(shownCommands("```bash\naws s3 ls\n```", "y.md")[0]!, false), undefined);
        assert.match(problemOf(shownCommands("```bash\nnpm run smoke -- --bogus\n```", "y.md")[0]!, false)!, /Unknown flag --bogus/);
        assert.equal(shownCommands(text, "x.md")[3]!.line, 5, "a continued line is one command, at its first line");
        assert.deepEqual(shellWords(`pulumi config set tableName "a b" --stack prod # why`), [
            "pulumi",
            "config",
            "set",
            "tableName",
            "a b",
            "--stack",
            "prod",
        ]);
    });
});
