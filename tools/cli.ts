/**
 * The one way every command reads its flags (`node:util` `parseArgs`): each flag is declared once with
 * its type, default, description and validator, and the command's help is generated from them.
 *
 * - `--help` (`-h`) prints the usage and every flag with its default; the command then exits 0 having
 *   done nothing else.
 * - An unknown flag, a positional argument, a missing value, a value given to a boolean, a flag given twice
 *   that is not repeatable, or a value its validator refuses is a `UsageError` of one line that names the
 *   flag and what is allowed: one line on stderr and exit 2, no stack trace.
 * - Results go to stdout, failures to stderr; `--json` where a machine reads the output.
 *
 * The structure of the command line is checked first (so `--stack --json` is a missing value, not a stack
 * named `--json`), then `--help` is answered, then the values are validated in the order given.
 */
import { parseArgs } from "node:util";

/** Bad usage: nothing was done. Its message is one line naming the flag and what is allowed. */
export class UsageError extends Error {
    override readonly name = "UsageError";
}

/** Thrown by a validator: the text that follows `--flag "value"` in the message, e.g. `is invalid: expected ...`. */
export class InvalidValue extends Error {
    override readonly name = "InvalidValue";
}

export interface StringFlag<T = string> {
    type: "string";
    /** The value's placeholder in the help: `<name>`, `DIR`. */
    value: string;
    description: string;
    /** The default as it would be given on the command line; it goes through `parse` like a given value. */
    default?: string;
    /** What the help says is the default when there is no literal one (`the repository`). @default "none" */
    defaultText?: string;
    /** Repeatable: the values in the order given (none: `[]`). */
    multiple?: boolean;
    /** A one-letter alias, `-s`. */
    short?: string;
    /** The value from its text; throws `InvalidValue` (see `matching`, `oneOf`, `integer`) for a bad one. */
    parse?: (text: string) => T;
}

export interface BooleanFlag {
    type: "boolean";
    description: string;
    short?: string;
}

export type Flag = StringFlag<unknown> | BooleanFlag;
export type FlagSet = Readonly<Record<string, Flag>>;

type ParsedOf<F> = F extends { parse: (text: string) => infer T } ? T : string;
type ValueOf<F> = F extends { type: "boolean" }
    ? boolean
    : F extends { multiple: true }
      ? ParsedOf<F>[]
      : F extends { default: string }
        ? ParsedOf<F>
        : ParsedOf<F> | undefined;

/** What a command's flags parse to: booleans `false` unless given, repeatable flags arrays, others their default or `undefined`. */
export type Values<F extends FlagSet> = { -readonly [K in keyof F]: ValueOf<F[K]> };

export interface CommandSpec<F extends FlagSet> {
    /** How it is run: `npm run <name>`. */
    name: string;
    /** What follows `npm run <name> -- ` in the usage line(s). @default "[flags]" */
    synopsis?: string | readonly string[];
    /** A sentence or two on what the command does. */
    summary?: string;
    /** Every flag but `--help`, which every command has. */
    flags: F;
    /** Lines after the flags: exit codes, examples. */
    epilog?: string;
}

export type Parsed<F extends FlagSet> = { help: true } | { help: false; values: Values<F> };

export interface Command<F extends FlagSet> extends CommandSpec<F> {
    /** The `--help` text. */
    readonly help: string;
    /** Throws a one-line `UsageError`; `{ help: true }` when `--help` is given. */
    parse(argv: readonly string[]): Parsed<F>;
    /** The hint that ends a usage error. */
    readonly seeHelp: string;
}

const HELP: BooleanFlag = { type: "boolean", short: "h", description: "print this help and exit 0" };
const WIDTH = 100;

/** Validator: the text must match `pattern`; `expected` says what is allowed. */
export function matching(pattern: RegExp, expected: string): (text: string) => string {
    return (text) => {
        if (!pattern.test(text)) throw new InvalidValue(`is invalid: expected ${expected}.`);
        return text;
    };
}

/** A stack name as Pulumi writes one. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/** Validator: a stack name as Pulumi writes one (letters, digits, '-', '_' and '.'). */
export function stackName(text: string): string {
    if (!STACK_NAME.test(text)) throw new InvalidValue("is not a stack name: stack names use letters, digits, '-', '_' and '.'");
    return text;
}

/** Validator: a comma-separated list of stack names (as `stackName`), none twice. */
export function stackList(text: string): string[] {
    const stacks = text.split(",");
    const bad = stacks.find((s) => !STACK_NAME.test(s));
    if (bad !== undefined) throw new InvalidValue(`is invalid: ${JSON.stringify(bad)} is not a stack name; expected stack names such as dev,staging,prod.`);
    const twice = stacks.find((s, i) => stacks.indexOf(s) !== i);
    if (twice !== undefined) throw new InvalidValue(`is invalid: ${twice} is given twice.`);
    return stacks;
}

/** Validator: one of the given words. */
export function oneOf<const T extends string>(choices: readonly T[]): (text: string) => T {
    return (text) => {
        if (!(choices as readonly string[]).includes(text)) throw new InvalidValue(`is not one of ${choices.join(", ")}`);
        return text as T;
    };
}

/** Validator: a whole number written in plain digits, from `min` to `max` (`unit` follows them in the message). */
export function integer(min: number, max: number, unit?: string): (text: string) => number {
    return (text) => {
        const n = /^(0|[1-9]\d*)$/.test(text) ? Number(text) : NaN;
        if (!(n >= min && n <= max)) throw new InvalidValue(`is invalid: expected an integer from ${min} to ${max}${unit ? ` ${unit}` : ""}.`);
        return n;
    };
}

/** Validator: a comma-separated list, each item one of `choices`, none twice. */
export function listOf<const T extends string>(choices: readonly T[]): (text: string) => T[] {
    return (text) => {
        const items = text.split(",");
        const unknown = items.filter((i) => !(choices as readonly string[]).includes(i));
        if (unknown.length > 0)
            throw new InvalidValue(
                `is invalid: ${unknown.map((u) => JSON.stringify(u)).join(", ")} not allowed; expected a comma-separated list of ${choices.join(", ")}.`,
            );
        const twice = items.filter((i, at) => items.indexOf(i) !== at);
        if (twice.length > 0) throw new InvalidValue(`is invalid: ${twice.join(", ")} given twice.`);
        return items as T[];
    };
}

function flagName(name: string): string {
    return `--${name}`;
}

function defaultOf(flag: Flag): string {
    if (flag.type === "boolean") return "off";
    return flag.default !== undefined ? flag.default : (flag.defaultText ?? "none");
}

/** Words (or `[--flag VALUE]` groups, with `words`) on lines of at most `width` characters. */
function wrap(text: string, width: number, words = /\S+/g): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.match(words) ?? []) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        } else line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
    return lines;
}

function helpText(spec: CommandSpec<FlagSet>, flags: FlagSet): string {
    const synopsis = typeof spec.synopsis === "string" ? [spec.synopsis] : (spec.synopsis ?? ["[flags]"]);
    // One line per form of the command, wrapped under its first flag.
    const usage = synopsis.flatMap((form, i) => {
        const lead = `${i === 0 ? "usage:" : "      "} npm run ${spec.name}${form ? " -- " : ""}`;
        const lines = wrap(form, WIDTH - lead.length, /\[[^\]]*\]\S*|<[^>]*>\S*|\S+/g);
        return (lines.length > 0 ? lines : [""]).map((line, j) => (j === 0 ? lead : " ".repeat(lead.length)) + line).map((l) => l.trimEnd());
    });
    const rows = Object.entries(flags).map(([name, flag]) => {
        const multiple = flag.type === "string" && flag.multiple === true;
        const left = `${flag.short ? `-${flag.short}, ` : ""}${flagName(name)}${flag.type === "string" ? ` ${flag.value}` : ""}${multiple ? " ..." : ""}`;
        const note = flag === HELP ? "" : ` (${multiple ? "repeatable, " : ""}default: ${defaultOf(flag)})`;
        return { left, right: `${flag.description}${note}` };
    });
    const column = Math.min(30, Math.max(...rows.map((r) => r.left.length)) + 2);
    const lines: string[] = [];
    for (const { left, right } of rows) {
        const text = wrap(right, WIDTH - column - 2);
        if (left.length + 2 > column) lines.push(`  ${left}`);
        else lines.push(`  ${left.padEnd(column)}${text.shift() ?? ""}`);
        for (const more of text) lines.push(`  ${" ".repeat(column)}${more}`);
    }
    return [...usage, ...(spec.summary ? ["", ...wrap(spec.summary, WIDTH)] : []), "", "Flags:", ...lines, ...(spec.epilog ? ["", spec.epilog] : [])].join(
        "\n",
    );
}

/** Declares a command: its flags (plus `--help`), its help text and its parser. */
export function defineCommand<const F extends FlagSet>(spec: CommandSpec<F>): Command<F> {
    if ("help" in spec.flags) throw new Error(`${spec.name}: --help is every command's own; do not declare it`);
    const flags: FlagSet = { ...spec.flags, help: HELP };
    const shorts = Object.values(flags).flatMap((f) => (f.short ? [f.short] : []));
    if (new Set(shorts).size !== shorts.length) throw new Error(`${spec.name}: two flags share a short alias`);
    const help = helpText(spec, flags);
    const seeHelp = `Run \`npm run ${spec.name} -- --help\` for usage.`;
    const allowed = Object.keys(flags).map(flagName).join(", ");
    const usage = (message: string) => new UsageError(`${message} ${seeHelp}`);

    function parse(argv: readonly string[]): Parsed<F> {
        const options = Object.fromEntries(
            Object.entries(flags).map(([name, f]) => [
                name,
                { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.type === "string" && f.multiple ? { multiple: true } : {}) },
            ]),
        );
        // Not strict: every token comes back, and each problem gets a message naming the flag.
        const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
        const given = new Map<string, string[]>();
        let help = false;
        for (const token of tokens) {
            if (token.kind === "option-terminator") continue;
            if (token.kind === "positional") throw usage(`Unexpected argument ${JSON.stringify(token.value)}: ${spec.name} takes flags only.`);
            const flag = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
            const shown = token.rawName.startsWith("--") ? token.rawName : `${token.rawName} (${flag ? flagName(token.name) : "a short flag"})`;
            const arg = argv[token.index] ?? "";
            const inGroup = !arg.startsWith("--") && arg.length > 2 && !arg.startsWith(token.rawName + "=") ? ` (in ${arg})` : "";
            if (!flag) throw usage(`Unknown flag ${token.rawName}${inGroup}; allowed: ${allowed}.`);
            if (flag.type === "boolean") {
                if (token.value !== undefined) throw new UsageError(`${shown} takes no value.`);
                if (given.has(token.name)) throw new UsageError(`${shown} is given more than once.`);
                given.set(token.name, []);
                if (token.name === "help") help = true;
                continue;
            }
            const value = token.value;
            if (value === undefined || value === "" || (!token.inlineValue && value.startsWith("-")))
                throw usage(
                    `${shown} needs a value (${flag.value})${value && value.startsWith("-") ? `, not the flag ${value} (write ${flagName(token.name)}=${value} for a value that starts with "-")` : ""}.`,
                );
            if (given.has(token.name) && !flag.multiple) throw new UsageError(`${shown} is given more than once; it takes one value.`);
            given.set(token.name, [...(given.get(token.name) ?? []), value]);
        }
        if (help) return { help: true };
        const values: Record<string, unknown> = {};
        const read = (name: string, flag: StringFlag<unknown>, text: string): unknown => {
            try {
                return flag.parse ? flag.parse(text) : text;
            } catch (error) {
                if (error instanceof InvalidValue) throw new UsageError(`${flagName(name)} ${JSON.stringify(text)} ${error.message}`);
                throw error;
            }
        };
        for (const [name, flag] of Object.entries(spec.flags)) {
            const texts = given.get(name);
            if (flag.type === "boolean") values[name] = texts !== undefined;
            else if (flag.multiple) values[name] = (texts ?? []).map((t) => read(name, flag, t));
            else if (texts !== undefined) values[name] = read(name, flag, texts[0]!);
            else values[name] = flag.default !== undefined ? read(name, flag, flag.default) : undefined;
        }
        return { help: false, values: values as Values<F> };
    }

    return { ...spec, help, seeHelp, parse };
}

/**
 * A command's exit code from its run: 2 and the message alone for a `UsageError` or what `refused`
 * accepts (nothing was done), 1 and the message alone for a failure the command explains itself
 * (`explained`), 1 and the stack for anything unforeseen.
 */
export async function exitCodeOf(
    command: string,
    run: () => Promise<number>,
    err: (line: string) => void,
    explained: (error: unknown) => boolean = () => false,
    refused: (error: unknown) => boolean = () => false,
): Promise<number> {
    try {
        return await run();
    } catch (error) {
        if (error instanceof UsageError || refused(error)) {
            err((error as Error).message);
            return 2;
        }
        const message = error instanceof Error ? error.message : String(error);
        err(explained(error) ? message : `${command}: ${error instanceof Error ? (error.stack ?? message) : message}`);
        return 1;
    }
}

/**
 * Runs a command as the process: its exit code from `exitCodeOf`, failures on stderr. `exit` ends the
 * process with it (`always`, or `on-failure` for a command that keeps serving after it returns 0)
 * instead of letting the event loop drain.
 */
export function runProcess(
    command: string,
    run: () => Promise<number>,
    options: { explained?: (error: unknown) => boolean; refused?: (error: unknown) => boolean; exit?: "always" | "on-failure" } = {},
): void {
    void exitCodeOf(command, run, (line) => console.error(line), options.explained, options.refused).then((code) => {
        if (options.exit === "always" || (options.exit === "on-failure" && code !== 0)) process.exit(code);
        process.exitCode = code;
    });
}
