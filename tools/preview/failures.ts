/**
 * A failed program as the preview reports it: the program's own message and stack, except where the first
 * line can say better what to do. A program's `tsconfig.json` that the TypeScript compiler refuses fails
 * inside ts-node with the compiler's code and a stack of ts-node's internals; the first line names the
 * file and the option to set, the compiler's own words follow.
 */
import * as fs from "fs";
import * as path from "path";
import type { ProgramSpec } from "./project";
import { PreviewError, RunnerResult } from "./types";

/** The compiler's options diagnostics (TS5xxx) are about tsconfig.json, not the program's code. */
const OPTIONS_ERROR = /error (TS5\d{3}): ([^\n]*)/;

/** The string value of `compilerOptions.<option>` in a tsconfig text (comments and trailing commas allowed). */
function compilerOption(text: string, option: string): string | undefined {
    const m = new RegExp(`"${option}"\\s*:\\s*"([^"]*)"`, "i").exec(text);
    return m?.[1];
}

/** The first line for a tsconfig.json the compiler rejects, or undefined when the failure is not that. */
export function tsconfigProblem(spec: Pick<ProgramSpec, "programDir" | "tsconfig">, message: string): string | undefined {
    const m = OPTIONS_ERROR.exec(message);
    if (!m) {
        return undefined;
    }
    const file = path.join(spec.programDir, spec.tsconfig ?? "tsconfig.json");
    let text = "";
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        // The language host's defaults alone were refused: still the options' fault, named by the compiler.
    }
    const module = compilerOption(text, "module");
    const resolution = compilerOption(text, "moduleResolution");
    const shown = path.relative(process.cwd(), file) || file;
    if (m[1] === "TS5110" && module !== undefined && !/^node(16|18|20|next)$/i.test(module)) {
        // Current SDKs default moduleResolution to nodenext, which only goes with module nodenext.
        return resolution === undefined
            ? `${shown} sets "module": "${module}" without "moduleResolution", which the Pulumi language host then sets to "nodenext" and TypeScript refuses (TS5110): ` +
                  `add "moduleResolution": "node" to its compilerOptions (or set both "module" and "moduleResolution" to "nodenext")`
            : `${shown} sets "module": "${module}" with "moduleResolution": "${resolution}", which TypeScript refuses (TS5110): ` +
                  `set "module" to "nodenext" too, or "moduleResolution" to "node"`;
    }
    return `${shown} has compiler options TypeScript refuses (${m[1]}: ${m[2].trim()}): fix its compilerOptions, which the Pulumi language host uses as they are`;
}

/**
 * The SDK prefixes `error serializing property "<name>": ` to an error once for every property it was found
 * in, on the same error object, so one failure shared by many resources reads as a chain hundreds of
 * properties long. The first line keeps the error itself; the stack (or detail) keeps the SDK's words.
 */
export function withoutSerializationChain(message: string): string {
    return message.replace(/^(error serializing property "[^"]*": )+/, "");
}

/** The PreviewError for a program that failed, its first line saying what to do where the preview knows. */
export function explainProgramFailure(spec: Pick<ProgramSpec, "programDir" | "tsconfig">, error: NonNullable<RunnerResult["error"]>): PreviewError {
    const tsconfig = tsconfigProblem(spec, error.message);
    if (tsconfig) {
        // The compiler's message without ts-node's "Unable to compile" preamble and its stack.
        const compiler = error.message
            .split("\n")
            .filter((l) => /^error TS\d+/.test(l.trim()))
            .join("\n");
        return new PreviewError(`the program failed: ${tsconfig}`, compiler || error.message);
    }
    return new PreviewError(`the program failed: ${withoutSerializationChain(error.message)}`, error.detail ?? (error.hideStack ? undefined : error.stack));
}
