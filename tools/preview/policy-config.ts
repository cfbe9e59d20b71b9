import Ajv from "ajv";
import * as fs from "fs";
import { EnforcementLevel, PreviewError } from "./types";

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
    let raw: Record<string, unknown> = {};
    const label = file ?? "policy config";
    if (file !== undefined) {
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (err) {
            throw new PreviewError(`--policy-pack-config ${file}: ${(err as Error).message}`);
        }
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
