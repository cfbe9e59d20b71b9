/** A tiny flag parser for the operations commands: every problem names the flag and what is allowed. */
export class UsageError extends Error {
    override readonly name = "UsageError";
}

export function parseFlags(argv: readonly string[], allowed: Record<string, "value" | "boolean">, usage: string): Map<string, string | true> {
    const flags = new Map<string, string | true>();
    for (let i = 0; i < argv.length; i += 1) {
        const arg = argv[i] ?? "";
        const [rawName, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
        if (!rawName.startsWith("--")) throw new UsageError(`Unexpected argument "${arg}". ${usage}`);
        const name = rawName.slice(2);
        const kind = allowed[name];
        if (!kind)
            throw new UsageError(
                `Unknown flag --${name}; allowed: ${Object.keys(allowed)
                    .map((f) => `--${f}`)
                    .join(", ")}. ${usage}`,
            );
        if (flags.has(name)) throw new UsageError(`--${name} is given more than once.`);
        if (kind === "boolean") {
            if (inline !== undefined) throw new UsageError(`--${name} takes no value.`);
            flags.set(name, true);
            continue;
        }
        const value = inline ?? argv[i + 1];
        if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`--${name} needs a value. ${usage}`);
        if (inline === undefined) i += 1;
        flags.set(name, value);
    }
    return flags;
}

export function validated(flag: string, value: string, pattern: RegExp, allowed: string): string {
    if (!pattern.test(value)) throw new UsageError(`--${flag} "${value}" is invalid: expected ${allowed}.`);
    return value;
}
