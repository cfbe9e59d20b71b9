/**
 * A stack's outputs through the Pulumi CLI (`pulumi stack output --json --stack <name>`), for the
 * operations commands that act on a deployed stack (smoke, site publishing). execFile, no shell: the
 * stack name is an argument, never part of a command line.
 */
import { execFile } from "node:child_process";
import { exitCodeOf as commandExitCodeOf, matching, UsageError } from "../cli";

/** Pulumi's stack names, optionally qualified as `org/stack` or `org/project/stack`. */
const STACK_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

/** Why the outputs could not be read: the target could not be resolved, so no check ran. */
export class StackOutputsError extends Error {
    override readonly name = "StackOutputsError";
}

export interface StackOutputsOptions {
    /** The executable to run. @default "pulumi" */
    pulumi?: string;
    /** @default process.env */
    env?: NodeJS.ProcessEnv;
    /** @default 60000 */
    timeoutMs?: number;
}

const STACK_EXPECTED = "a stack name such as dev, staging, prod or org/project/prod";

/** The `--stack` flag's validator. */
export const stackName = matching(STACK_NAME, STACK_EXPECTED);

export function stackFlag(value: string): string {
    if (!STACK_NAME.test(value)) throw new UsageError(`--stack ${JSON.stringify(value)} is invalid: expected ${STACK_EXPECTED}.`);
    return value;
}

/** Every output of the stack as the CLI prints it (secrets stay `"[secret]"`: nothing here needs one). */
export async function readStackOutputs(stack: string, options: StackOutputsOptions = {}): Promise<Record<string, unknown>> {
    stackFlag(stack);
    const file = options.pulumi ?? "pulumi";
    const args = ["stack", "output", "--json", "--stack", stack];
    const command = `${file} ${args.join(" ")}`;
    const stdout = await new Promise<string>((resolve, reject) => {
        execFile(file, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
            if (!error) return resolve(out);
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "ENOENT")
                return reject(
                    new StackOutputsError(`\`${command}\` could not run: no "${file}" on PATH. Install the Pulumi CLI and log in, or give the URLs yourself.`),
                );
            const how = error.killed
                ? `was killed after ${options.timeoutMs ?? 60_000} ms`
                : `failed (exit ${typeof code === "number" ? code : String(code ?? error.signal ?? "?")})`;
            reject(new StackOutputsError(`\`${command}\` ${how}: ${err.trim() || error.message}`));
        });
    });
    let parsed: unknown;
    try {
        parsed = JSON.parse(stdout);
    } catch {
        throw new StackOutputsError(`\`${command}\` printed no JSON: ${stdout.trim().slice(0, 200) || "(nothing)"}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new StackOutputsError(`\`${command}\` printed ${JSON.stringify(parsed)?.slice(0, 100)}, not an object of outputs.`);
    return parsed as Record<string, unknown>;
}

/** A string output at a dotted path (`userPoolClientIds.machine`); its absence names the stack, the path and what the stack has. */
export function stringOutput(outputs: Record<string, unknown>, stack: string, path: string): string {
    let value: unknown = outputs;
    for (const key of path.split(".")) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === "string" && value !== "" && value !== "[secret]") return value;
    const what = value === undefined ? "is missing" : value === "[secret]" ? "is a secret" : `is ${JSON.stringify(value)?.slice(0, 80)}, not a string`;
    throw new StackOutputsError(
        `Stack "${stack}" output ${path} ${what} (outputs: ${Object.keys(outputs).join(", ") || "none"}). Deploy the stack with \`pulumi up\` first.`,
    );
}

/**
 * An operations command's exit code from its run (`exitCodeOf` of tools/cli.ts): 2 and the message alone
 * for bad flags or a stack that cannot be read (nothing was done), 1 and the message alone for a failure
 * the command explains itself (`explained`), 1 and the stack for anything unforeseen.
 */
export function exitCodeOf(
    command: string,
    run: () => Promise<number>,
    err: (line: string) => void,
    explained: (error: unknown) => boolean = () => false,
): Promise<number> {
    return commandExitCodeOf(command, run, err, explained, (error) => error instanceof StackOutputsError);
}
