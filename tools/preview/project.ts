import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { PreviewError, RunnerInput, PreviewMode } from "./types";

/** What the offline preview takes from a program directory, as the Pulumi CLI would read it. */
export interface ProgramSpec extends RunnerInput {
    stackFile: string;
    /** What the preview assumed that `pulumi preview` would have known (a stack with no stack file). */
    notices: string[];
}

type ConfigType = "string" | "integer" | "boolean" | "array";

interface ProjectKey {
    type?: ConfigType;
    default?: unknown;
    value?: unknown;
    hasValue: boolean;
}

/** Placeholder for a `secure:` value: the preview has no way to decrypt it, and never tries. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Parsed files by path and text: the previews of one process (the gate) read the same Pulumi.yaml. */
const parsed = new Map<string, { text: string; doc: unknown }>();

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new PreviewError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const known = parsed.get(file);
    if (known?.text === text) {
        return structuredClone(known.doc);
    }
    let doc: unknown;
    try {
        doc = YAML.parse(text) ?? {};
    } catch (err) {
        throw new PreviewError(`${file} is not valid YAML: ${(err as Error).message}`);
    }
    parsed.set(file, { text, doc });
    return structuredClone(doc);
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

const SCHEMA_FIELDS = ["type", "default", "description", "items", "secret", "value"];

function readProjectKeys(file: string, project: string, raw: unknown): Map<string, ProjectKey> {
    const keys = new Map<string, ProjectKey>();
    if (raw === undefined || raw === null) {
        return keys;
    }
    if (!isRecord(raw)) {
        throw new PreviewError(`${file}: 'config' must be a map of configuration keys`);
    }
    for (const [name, entry] of Object.entries(raw)) {
        const fullKey = name.includes(":") ? name : `${project}:${name}`;
        const isSchema = isRecord(entry) && Object.keys(entry).some((k) => SCHEMA_FIELDS.includes(k));
        if (!isSchema) {
            keys.set(fullKey, { value: entry, hasValue: true });
            continue;
        }
        const spec = entry as Record<string, unknown>;
        if (spec.type !== undefined && !["string", "integer", "boolean", "array"].includes(String(spec.type))) {
            throw new PreviewError(`${file}: config key '${name}' has type '${String(spec.type)}'; allowed types are string, integer, boolean, array`);
        }
        if (!name.includes(":") && spec.value !== undefined) {
            throw new PreviewError(`${file}: config key '${name}' of this project takes a 'default', not a 'value'`);
        }
        keys.set(fullKey, {
            type: spec.type as ConfigType | undefined,
            default: spec.default,
            value: spec.value,
            hasValue: spec.value !== undefined,
        });
    }
    return keys;
}

/** Serializes a config value as the CLI puts it in PULUMI_CONFIG: strings as is, the rest as JSON. */
function toConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Replaces `secure:` leaves with the placeholder; reports whether any were found. */
function stripSecure(value: unknown): { value: unknown; secret: boolean } {
    if (isRecord(value)) {
        if (Object.keys(value).length === 1 && typeof value.secure === "string") {
            return { value: SECRET_PLACEHOLDER, secret: true };
        }
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = stripSecure(v);
            secret ||= r.secret;
            out[k] = r.value;
        }
        return { value: out, secret };
    }
    if (Array.isArray(value)) {
        let secret = false;
        const out = value.map((v) => {
            const r = stripSecure(v);
            secret ||= r.secret;
            return r.value;
        });
        return { value: out, secret };
    }
    return { value, secret: false };
}

function typeProblem(stack: string, key: string, type: ConfigType, value: unknown): string | undefined {
    const ok =
        (type === "string" && typeof value === "string") ||
        (type === "integer" && ((typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value)))) ||
        (type === "boolean" && (typeof value === "boolean" || (typeof value === "string" && /^(true|false)$/.test(value)))) ||
        (type === "array" && Array.isArray(value));
    if (ok || value === SECRET_PLACEHOLDER) {
        return undefined;
    }
    return `Stack '${stack}' with configuration key '${key}' must be of type '${type}', got ${JSON.stringify(value)}`;
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way `pulumi preview` does: project defaults,
 * namespaced values, stack values, type checks, secrets kept secret.
 */
export function loadProgram(programDir: string, stack: string, mode: PreviewMode): ProgramSpec {
    const dir = path.resolve(programDir);
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (!projectFile) {
        throw new PreviewError(`no Pulumi.yaml in ${dir}: --cwd must name a Pulumi program directory`);
    }
    const project = readYaml(projectFile);
    if (!isRecord(project) || typeof project.name !== "string" || project.name === "") {
        throw new PreviewError(`${projectFile}: 'name' is required`);
    }
    const runtime = project.runtime;
    const runtimeName = isRecord(runtime) ? runtime.name : runtime;
    if (runtimeName !== "nodejs") {
        throw new PreviewError(`${projectFile}: runtime '${String(runtimeName)}' is not supported; the offline preview runs nodejs programs`);
    }
    const options = isRecord(runtime) && isRecord(runtime.options) ? runtime.options : {};
    const name = project.name;

    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    const hasStackFile = fs.existsSync(stackFile);
    const stackDoc = hasStackFile ? readYaml(stackFile) : {};
    const notices: string[] = [];
    // The CLI previews a stack whose config lives in the backend or an environment, with no file here: with
    // the project's defaults, then. Keys the project requires still fail, below, naming the missing file.
    let noFile = "";
    if (!hasStackFile) {
        const known = fs
            .readdirSync(dir)
            .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
            .filter((s): s is string => s !== undefined)
            .sort();
        noFile = `stack '${stack}' has no ${path.basename(stackFile)} in ${dir}` + (known.length > 0 ? ` (stacks here: ${known.join(", ")})` : "");
        notices.push(
            `${noFile}: previewing it with the project's defaults from ${path.basename(projectFile)}, as pulumi preview does for a stack whose config is kept elsewhere`,
        );
    }
    if (!isRecord(stackDoc)) {
        throw new PreviewError(`${stackFile}: expected a map with a 'config' key`);
    }
    if (stackDoc.environment !== undefined) {
        throw new PreviewError(`${stackFile}: 'environment' imports a Pulumi ESC environment, which needs Pulumi Cloud; the offline preview cannot resolve it`);
    }

    const keys = readProjectKeys(projectFile, name, project.config);
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const problems: string[] = [];

    for (const [key, spec] of keys) {
        const v = spec.hasValue ? spec.value : spec.default;
        if (v !== undefined) {
            config[key] = toConfigString(v);
        }
    }

    const stackConfig = stackDoc.config ?? {};
    if (!isRecord(stackConfig)) {
        throw new PreviewError(`${stackFile}: 'config' must be a map of configuration keys`);
    }
    const stackValues = new Map<string, unknown>();
    for (const [key, raw] of Object.entries(stackConfig)) {
        const parts = key.split(":");
        if (parts.length < 2 || parts.some((p) => p === "")) {
            problems.push(`${path.basename(stackFile)}: configuration key '${key}' should be of the form <namespace>:<name>, for example ${name}:${key}`);
            continue;
        }
        // The legacy form `ns:config:name` means `ns:name`.
        const fullKey = parts.length === 3 && parts[1] === "config" ? `${parts[0]}:${parts[2]}` : key;
        const { value, secret } = stripSecure(raw);
        if (secret) {
            secretKeys.add(fullKey);
        }
        stackValues.set(fullKey, value);
        config[fullKey] = toConfigString(value);
    }

    for (const [key, spec] of keys) {
        if (!key.startsWith(`${name}:`) || spec.type === undefined) {
            continue;
        }
        const value = stackValues.has(key) ? stackValues.get(key) : spec.default;
        if (value === undefined) {
            problems.push(`Stack '${stack}' is missing configuration value '${key}'`);
            continue;
        }
        const problem = typeProblem(stack, key, spec.type, value);
        if (problem) {
            problems.push(problem);
        }
    }
    if (problems.length > 0) {
        throw new PreviewError(`configuration of stack '${stack}' is invalid${noFile ? ` (${noFile})` : ""}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }

    const main = typeof project.main === "string" && project.main !== "" ? project.main : ".";
    if (main !== "." && !fs.existsSync(path.join(dir, main))) {
        throw new PreviewError(`${projectFile}: main '${main}' does not exist in ${dir}`);
    }
    return {
        project: name,
        stack,
        organization: "organization",
        programDir: dir,
        main,
        typescript: options.typescript !== false,
        tsconfig: typeof options.tsconfig === "string" ? options.tsconfig : undefined,
        config,
        secretKeys: [...secretKeys],
        mode,
        stackFile,
        notices,
    };
}
