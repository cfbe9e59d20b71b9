// Policy configuration: JSON-schema properties declared per rule (the Pulumi CLI validates them against
// `configSchema`), plus the same validation inside the pack so that any engine that passes a config
// (the offline preview, tests) rejects a bad value with a message that names the policy and property.

export type JsonSchemaType = "string" | "number" | "integer" | "boolean" | "array" | "object";

export interface ConfigProperty {
    type: JsonSchemaType;
    description: string;
    default: unknown;
    enum?: (string | number)[];
    minimum?: number;
    maximum?: number;
    items?: { type: JsonSchemaType; enum?: (string | number)[]; minLength?: number };
    minItems?: number;
}

export type ConfigProperties = Record<string, ConfigProperty>;

/** Config properties every rule has. */
export const COMMON_CONFIG: ConfigProperties = {
    exemptResources: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description:
            "Resources this rule does not apply to: a resource's logical name, its full URN, or a `type::name` URN suffix. " +
            "Reviewed exemptions live here, in policies/config/<env>.json.",
    },
    allowTagExemptions: {
        type: "boolean",
        default: false,
        description:
            "Whether a `policy-exempt:<rule-id>` tag (value = reason) may waive this rule. Set true only where the rule is " +
            "advisory; on a mandatory rule such a tag is itself reported.",
    },
};

export class PolicyConfigError extends Error {
    constructor(policy: string, property: string, problem: string) {
        super(`invalid policy config for "${policy}": property "${property}" ${problem}`);
        this.name = "PolicyConfigError";
    }
}

function typeOk(type: JsonSchemaType, v: unknown): boolean {
    switch (type) {
        case "string":
            return typeof v === "string";
        case "number":
            return typeof v === "number" && Number.isFinite(v);
        case "integer":
            return typeof v === "number" && Number.isInteger(v);
        case "boolean":
            return typeof v === "boolean";
        case "array":
            return Array.isArray(v);
        case "object":
            return v !== null && typeof v === "object" && !Array.isArray(v);
    }
}

function describe(p: { type: JsonSchemaType; enum?: (string | number)[]; minimum?: number; maximum?: number }): string {
    if (p.enum) {
        return `one of ${p.enum.map((e) => JSON.stringify(e)).join(", ")}`;
    }
    const article = p.type === "array" || p.type === "integer" || p.type === "object" ? "an" : "a";
    let s = `${article} ${p.type}`;
    if (p.minimum !== undefined) {
        s += ` >= ${p.minimum}`;
    }
    if (p.maximum !== undefined) {
        s += ` <= ${p.maximum}`;
    }
    return s;
}

/** Validates a policy's configured properties and returns them merged over the defaults. */
export function resolveConfig<T>(policy: string, props: ConfigProperties, given: Record<string, unknown>): T {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(given)) {
        if (key === "enforcementLevel") {
            continue;
        }
        const p = props[key];
        if (!p) {
            const known = Object.keys(props).sort().join(", ");
            throw new PolicyConfigError(policy, key, `is not a property of this policy (known: ${known})`);
        }
        if (!typeOk(p.type, value)) {
            throw new PolicyConfigError(policy, key, `must be ${describe(p)}, got ${JSON.stringify(value)}`);
        }
        if (p.enum && !p.enum.includes(value as string | number)) {
            throw new PolicyConfigError(policy, key, `must be ${describe(p)}, got ${JSON.stringify(value)}`);
        }
        if (typeof value === "number" && ((p.minimum !== undefined && value < p.minimum) || (p.maximum !== undefined && value > p.maximum))) {
            throw new PolicyConfigError(policy, key, `must be ${describe(p)}, got ${value}`);
        }
        if (Array.isArray(value)) {
            if (p.minItems !== undefined && value.length < p.minItems) {
                throw new PolicyConfigError(policy, key, `must have at least ${p.minItems} item(s)`);
            }
            const items = p.items;
            if (items) {
                value.forEach((item, i) => {
                    const bad =
                        !typeOk(items.type, item) ||
                        (items.enum !== undefined && !items.enum.includes(item as string | number)) ||
                        (items.minLength !== undefined && typeof item === "string" && item.length < items.minLength);
                    if (bad) {
                        throw new PolicyConfigError(
                            policy,
                            `${key}[${i}]`,
                            `must be ${describe(items)}${items.minLength ? " (non-empty)" : ""}, got ${JSON.stringify(item)}`,
                        );
                    }
                });
            }
        }
        out[key] = value;
    }
    for (const [key, p] of Object.entries(props)) {
        if (!(key in out)) {
            out[key] = p.default;
        }
    }
    return out as T;
}

/** The `configSchema` @pulumi/policy and the Pulumi CLI understand. */
export function toConfigSchema(props: ConfigProperties): { properties: Record<string, Record<string, unknown>> } {
    const properties: Record<string, Record<string, unknown>> = {};
    for (const [key, p] of Object.entries(props)) {
        const s: Record<string, unknown> = { type: p.type, description: p.description, default: p.default };
        if (p.enum) {
            s.enum = p.enum;
        }
        if (p.minimum !== undefined) {
            s.minimum = p.minimum;
        }
        if (p.maximum !== undefined) {
            s.maximum = p.maximum;
        }
        if (p.items) {
            s.items = { ...p.items };
        }
        if (p.minItems !== undefined) {
            s.minItems = p.minItems;
        }
        properties[key] = s;
    }
    return { properties };
}
