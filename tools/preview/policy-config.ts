import type AjvType from "ajv";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CACHE_DIR } from "./child-scripts";
import { EnforcementLevel, PreviewError } from "./types";

/** Resolved configs by the hash of the pack's policies and the config file: valid ones only. */
const RESOLVED_DIR = path.join(CACHE_DIR, "policy-config");
const resolvedInMemory = new Map<string, ResolvedPolicyConfig>();

/** A policy as the pack describes itself in GetAnalyzerInfo. */
export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: { properties: Record<string, unknown>; required: string[] };
}

export type ResolvedPolicyConfig = Record<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>;

const VALID_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function level(file: string, key: string, value: unknown, problems: string[]): EnforcementLevel | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (typeof value === "string" && (VALID_LEVELS as string[]).includes(value)) {
        return value as EnforcementLevel;
    }
    problems.push(`${file}: ${key}: enforcement level ${JSON.stringify(value)} is not one of ${VALID_LEVELS.join(", ")}`);
    return undefined;
}

/**
 * Reads a `--policy-pack-config` file as the CLI does: `all` sets every policy's level, a policy's own
 * entry (a level, or an object with `enforcementLevel` and properties) wins over it, schema defaults
 * fill the properties it leaves out, and everything is checked against the pack's config schemas.
 */
export function resolvePolicyConfig(policies: PolicyInfo[], file: string | undefined): ResolvedPolicyConfig {
    let text: string | undefined;
    if (file !== undefined) {
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (err) {
            throw new PreviewError(`--policy-pack-config ${file}: ${(err as Error).message}`);
        }
    }
    // Compiling the pack's schemas takes ajv a fifth of a second; the same policies and the same file
    // resolve the same way, so a config checked once is not checked again until either changes.
    const key = createHash("sha256")
        .update(JSON.stringify(policies))
        .update("\0")
        .update(text ?? "\0none")
        .digest("hex")
        .slice(0, 32);
    const known = resolvedInMemory.get(key) ?? readResolved(key);
    if (known) {
        resolvedInMemory.set(key, known);
        return structuredClone(known);
    }
    const resolved = resolveUncached(policies, file, text);
    resolvedInMemory.set(key, resolved);
    writeResolved(key, resolved);
    return structuredClone(resolved);
}

function readResolved(key: string): ResolvedPolicyConfig | undefined {
    try {
        return JSON.parse(fs.readFileSync(path.join(RESOLVED_DIR, `${key}.json`), "utf8")) as ResolvedPolicyConfig;
    } catch {
        return undefined;
    }
}

function writeResolved(key: string, resolved: ResolvedPolicyConfig): void {
    try {
        fs.mkdirSync(RESOLVED_DIR, { recursive: true });
        const file = path.join(RESOLVED_DIR, `${key}.json`);
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(resolved));
        fs.renameSync(tmp, file);
    } catch {
        // A cache that cannot be written only costs the next preview the check.
    }
}

function resolveUncached(policies: PolicyInfo[], file: string | undefined, text: string | undefined): ResolvedPolicyConfig {
    let raw: Record<string, unknown> = {};
    const label = file ?? "policy config";
    if (file !== undefined && text !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch (err) {
            throw new PreviewError(`--policy-pack-config ${file} is not valid JSON: ${(err as Error).message}`);
        }
        if (!isRecord(parsed)) {
            throw new PreviewError(`--policy-pack-config ${file} must hold a JSON object keyed by policy name`);
        }
        raw = parsed;
    }

    const problems: string[] = [];
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const key of Object.keys(raw)) {
        if (key !== "all" && !byName.has(key)) {
            problems.push(`${label}: '${key}' is not a policy of this pack (its policies: ${[...byName.keys()].join(", ")})`);
        }
    }
    const all = level(label, "all", raw.all, problems);
    // Loaded only when a config is checked, not on every preview.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = (require("ajv") as { default: typeof AjvType }).default;
    const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
    const resolved: ResolvedPolicyConfig = {};

    for (const p of policies) {
        const entry = raw[p.name];
        let entryLevel: EnforcementLevel | undefined;
        let props: Record<string, unknown> = {};
        if (typeof entry === "string") {
            entryLevel = level(label, p.name, entry, problems);
        } else if (isRecord(entry)) {
            const { enforcementLevel, ...rest } = entry;
            entryLevel = level(label, `${p.name}.enforcementLevel`, enforcementLevel, problems);
            props = rest;
        } else if (entry !== undefined) {
            problems.push(`${label}: ${p.name}: expected an enforcement level or an object, got ${JSON.stringify(entry)}`);
        }
        if (p.configSchema) {
            // Unknown properties are rejected too: a misspelt allow-list would otherwise be ignored silently.
            const schema = {
                type: "object",
                properties: p.configSchema.properties,
                required: p.configSchema.required,
                additionalProperties: false,
            };
            const validate = ajv.compile(schema);
            // useDefaults fills in schema defaults, as the CLI does before it configures the pack.
            if (!validate(props)) {
                for (const e of validate.errors ?? []) {
                    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "";
                    const params = e.params as { missingProperty?: string; additionalProperty?: string };
                    if (params.additionalProperty !== undefined) {
                        // Name the property the pack does not know, and the ones it does.
                        const known = ["enforcementLevel", ...Object.keys(p.configSchema.properties ?? {})].join(", ");
                        problems.push(
                            `${label}: ${p.name}${where ? `.${where}` : ""}: '${params.additionalProperty}' is not a property of this policy (its properties: ${known})`,
                        );
                        continue;
                    }
                    const prop = where || params.missingProperty || "";
                    problems.push(`${label}: ${p.name}${prop ? `.${prop}` : ""} ${e.message ?? "is invalid"}`);
                }
            }
        } else if (Object.keys(props).length > 0) {
            problems.push(`${label}: ${p.name} takes no properties, got ${Object.keys(props).join(", ")}`);
        }
        resolved[p.name] = { enforcementLevel: entryLevel ?? all ?? p.enforcementLevel, properties: props };
    }
    if (problems.length > 0) {
        throw new PreviewError(`policy configuration is invalid:\n${problems.map((x) => `  - ${x}`).join("\n")}`);
    }
    return resolved;
}
