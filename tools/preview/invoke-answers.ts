/**
 * Answers for provider functions the offline preview's mocks do not know, from `--invoke TOKEN=FILE`.
 * Under the engine a provider function asks the cloud (the newest AMI, a hosted zone's id); here its answer
 * comes from a file, as a StackReference's outputs come from `--stack-reference`, so a program that looks
 * things up still reaches a policy verdict instead of failing on the first lookup.
 */
import { parseKeyFileFlags, readFlagJson } from "./stack-references";
import { InvokeAnswer, PreviewError } from "./types";

const FLAG = "--invoke";
const FORM = "<function token>=<file>, for example aws:ec2/getAmi:getAmi=ami.json";
/** `package:module:function`, as provider schemas write function tokens (`aws:ec2/getAmi:getAmi`). */
const TOKEN = /^[A-Za-z][A-Za-z0-9_-]*:[A-Za-z0-9_./-]*:[A-Za-z_][A-Za-z0-9_]*$/;
const SHAPE = 'a JSON object (the result, for any inputs) or a list of { "inputs": {...}, "result": {...} } matched on the call\'s inputs';

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Splits the repeated `--invoke TOKEN=FILE` flags into token -> file (resolved from `cwd`). */
export function parseInvokeFlags(values: readonly string[], cwd = process.cwd()): Record<string, string> {
    return parseKeyFileFlags(
        {
            flag: FLAG,
            form: FORM,
            key: "function token",
            valid: TOKEN,
            allowed: "expected <package>:<module>:<function>, for example aws:ec2/getAmi:getAmi (the token the preview's error names)",
            twice: "give each function one file (a list of { inputs, result } for several answers)",
        },
        values,
        cwd,
    );
}

/** Reads one `--invoke` file: a result object, or a non-empty list of `{ inputs, result }`. */
export function loadInvokeAnswer(token: string, file: string): InvokeAnswer {
    const label = `${FLAG} ${token}=${file}`;
    const doc = readFlagJson(label, file, SHAPE);
    if (isRecord(doc)) {
        return { file, result: doc };
    }
    if (!Array.isArray(doc) || doc.length === 0) {
        throw new PreviewError(`${label}: the file holds ${Array.isArray(doc) ? "an empty list" : JSON.stringify(doc)}; give ${SHAPE}`);
    }
    const cases = doc.map((entry: unknown, i) => {
        const extra = isRecord(entry) ? Object.keys(entry).filter((k) => k !== "inputs" && k !== "result") : [];
        if (!isRecord(entry) || !isRecord(entry.inputs) || !isRecord(entry.result) || extra.length > 0) {
            throw new PreviewError(
                `${label}: entry ${i} is ${JSON.stringify(entry)}; each entry of the list is { "inputs": {...}, "result": {...} } and nothing else` +
                    (extra.length > 0 ? ` (unexpected: ${extra.join(", ")})` : ""),
            );
        }
        return { inputs: entry.inputs, result: entry.result };
    });
    return { file, cases };
}

/** Loads every `--invoke` file; a bad flag or file fails with a message naming it. */
export function loadInvokeAnswers(files: Readonly<Record<string, string>>): Record<string, InvokeAnswer> {
    return Object.fromEntries(Object.entries(files).map(([token, file]) => [token, loadInvokeAnswer(token, file)]));
}
