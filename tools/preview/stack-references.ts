/**
 * Outputs of other stacks for `StackReference` reads. The engine answers a StackReference by reading the
 * referenced stack's state from the backend; the offline preview has no backend, so each referenced stack's
 * outputs come from a file named on the command line: a JSON report of `npm run preview -- --json` (its
 * `outputs`) or a plain JSON object of outputs.
 */
import * as fs from "fs";
import * as path from "path";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "./wire";
import { PreviewError, StackReferenceData } from "./types";

const FLAG = "--stack-reference";
const FORM = `<stack name>=<file>, for example acme/platform/dev=platform-dev.json`;
/** `stack`, `project/stack` or `org/project/stack`, each part as the Pulumi CLI allows it. */
const NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** How a repeated `KEY=FILE` flag reads its keys: what a key is, what it allows, and what a second one says. */
export interface KeyFileFlag {
    flag: string;
    /** `<key>=<file>, for example ...` */
    form: string;
    /** "stack name", "function token" */
    key: string;
    valid: RegExp;
    /** What a valid key looks like, after "is not a <key>; ". */
    allowed: string;
    /** What to do instead of naming a key twice. */
    twice: string;
}

/** Splits repeated `KEY=FILE` flags into key -> file (resolved from `cwd`); the key may hold '=' of its own only before the file. */
export function parseKeyFileFlags(spec: KeyFileFlag, values: readonly string[], cwd = process.cwd()): Record<string, string> {
    const { flag, form, key } = spec;
    const out: Record<string, string> = {};
    for (const value of values) {
        // Keys have colons and slashes of their own: the file follows the first '='.
        const at = value.indexOf("=");
        if (at < 0) {
            throw new PreviewError(`${flag} ${JSON.stringify(value)} has no '=': expected ${form}`);
        }
        const name = value.slice(0, at).trim();
        const file = value.slice(at + 1).trim();
        if (name === "" || file === "") {
            throw new PreviewError(`${flag} ${JSON.stringify(value)} has an empty ${name === "" ? key : "file"}: expected ${form}`);
        }
        if (!spec.valid.test(name)) {
            throw new PreviewError(`${flag} ${JSON.stringify(value)}: '${name}' is not a ${key}; ${spec.allowed}`);
        }
        if (name in out) {
            throw new PreviewError(`${flag} names ${key === "stack name" ? "stack " : ""}'${name}' twice; ${spec.twice}`);
        }
        out[name] = path.resolve(cwd, file);
    }
    return out;
}

/** Reads a flag's JSON file; an unreadable file or bad JSON is a PreviewError starting with `label`, the latter saying what to `give`. */
export function readFlagJson(label: string, file: string, give: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new PreviewError(`${label}: cannot read the file: ${(err as Error).message}`);
    }
    try {
        return JSON.parse(text) as unknown;
    } catch (err) {
        throw new PreviewError(`${label}: the file is not JSON (${(err as Error).message}); give ${give}`);
    }
}

/** Splits the repeated `--stack-reference NAME=FILE` flags into stack name -> file (resolved from `cwd`). */
export function parseStackReferenceFlags(values: readonly string[], cwd = process.cwd()): Record<string, string> {
    return parseKeyFileFlags(
        {
            flag: FLAG,
            form: FORM,
            key: "stack name",
            valid: NAME,
            allowed: "use <stack>, <project>/<stack> or <org>/<project>/<stack> with letters, digits, '-', '_' and '.'",
            twice: "give each referenced stack one file",
        },
        values,
        cwd,
    );
}

/** A report's display form back to the wire form the engine would send: unknowns unknown, secrets secret. */
function fromDisplay(value: unknown): { value: unknown; secret: boolean } {
    if (value === "[unknown]") {
        return { value: UNKNOWN, secret: false };
    }
    if (value === "[secret]") {
        return { value: { [SIG_KEY]: SECRET_SIG, value: "[secret]" }, secret: true };
    }
    if (Array.isArray(value)) {
        const items = value.map(fromDisplay);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (isRecord(value)) {
        const entries = Object.entries(value).map(([k, v]) => [k, fromDisplay(v)] as const);
        return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
    }
    return { value, secret: false };
}

/**
 * Reads the outputs of stack `name` from `file`. A preview report (an object with `project`, `stack` and
 * `resources`) gives its `outputs`, with `"[unknown]"` and `"[secret]"` back as unknown and secret values,
 * and must be the report of that stack; any other JSON object is taken as the outputs themselves.
 */
export function loadStackReference(name: string, file: string): StackReferenceData {
    const label = `${FLAG} ${name}=${file}`;
    const doc = readFlagJson(label, file, "a report of `npm run preview -- --json` or a JSON object of the stack's outputs");
    if (!isRecord(doc)) {
        throw new PreviewError(
            `${label}: the file holds ${Array.isArray(doc) ? "an array" : JSON.stringify(doc)}, not a JSON object; give a report of \`npm run preview -- --json\` or a JSON object of the stack's outputs`,
        );
    }
    const isReport = typeof doc.project === "string" && typeof doc.stack === "string" && Array.isArray(doc.resources);
    if (!isReport) {
        if (Object.keys(doc).length === 0) {
            throw new PreviewError(
                `${label}: the file holds no outputs (an empty object); give a report of \`npm run preview -- --json\` or a JSON object of the stack's outputs`,
            );
        }
        return { outputs: doc, secretOutputNames: [] };
    }
    if (!isRecord(doc.outputs) || Object.keys(doc.outputs).length === 0) {
        throw new PreviewError(
            `${label}: the file is a preview report of ${doc.project}/${doc.stack} without outputs; preview a program that exports its outputs`,
        );
    }
    // The report must be of the stack the program names, so a consumer is never previewed against another
    // environment's values by mistake.
    const parts = name.split("/");
    const stack = parts[parts.length - 1];
    const project = parts.length >= 2 ? parts[parts.length - 2] : undefined;
    if (doc.stack !== stack || (project !== undefined && doc.project !== project)) {
        throw new PreviewError(`${label}: the file is the report of ${doc.project}/${doc.stack}, not of ${name}`);
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputNames: string[] = [];
    for (const [k, v] of Object.entries(doc.outputs)) {
        const wire = fromDisplay(v);
        outputs[k] = wire.secret && !(isRecord(wire.value) && wire.value[SIG_KEY] === SECRET_SIG) ? { [SIG_KEY]: SECRET_SIG, value: wire.value } : wire.value;
        if (wire.secret) {
            secretOutputNames.push(k);
        }
    }
    return { outputs, secretOutputNames };
}

/** Loads every referenced stack's outputs; a bad flag or file fails with a message naming it. */
export function loadStackReferences(files: Readonly<Record<string, string>>): Record<string, StackReferenceData> {
    return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, loadStackReference(name, file)]));
}
