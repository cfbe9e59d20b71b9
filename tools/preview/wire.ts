import type { RunnerResource } from "./types";

/** Signatures the Pulumi SDK puts on special values in its wire format (`@pulumi/pulumi/runtime/rpc`). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mapDeep(value: unknown, fn: (v: Record<string, unknown>) => unknown | undefined): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => mapDeep(v, fn));
    }
    if (isRecord(value)) {
        const replaced = fn(value);
        if (replaced !== undefined) {
            return replaced;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapDeep(v, fn)]));
    }
    return value;
}

/**
 * Properties as the engine marshals them for analyzers: internal keys (`__`-prefixed, such as the
 * SDK's `__pulumiAsset` markers) skipped, and resource references as a custom resource's id (unknown
 * until it exists) or a component's URN.
 */
export function resourceRefsToIds(props: Record<string, unknown>, byUrn: ReadonlyMap<string, RunnerResource>): Record<string, unknown> {
    return mapDeep(props, (v) => {
        if (Object.keys(v).some((k) => k.startsWith("__"))) {
            return resourceRefsToIds(Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith("__"))), byUrn);
        }
        if (v[SIG_KEY] !== RESOURCE_SIG) {
            return undefined;
        }
        const urn = String(v.urn);
        const target = byUrn.get(urn);
        if ("id" in v || target?.custom) {
            const id = typeof v.id === "string" ? v.id : target?.id;
            return id ? id : UNKNOWN;
        }
        return urn;
    }) as Record<string, unknown>;
}

/** A readable form for reports: `[unknown]`, `[secret]`, `[asset]`, `[archive]`, resource URNs. */
export function displayValue(value: unknown): unknown {
    if (value === UNKNOWN) {
        return "[unknown]";
    }
    if (Array.isArray(value)) {
        return value.map(displayValue);
    }
    if (!isRecord(value)) {
        return value;
    }
    switch (value[SIG_KEY]) {
        case SECRET_SIG:
            return "[secret]";
        case ASSET_SIG:
            return typeof value.path === "string" ? `[asset ${value.path}]` : "[asset]";
        case ARCHIVE_SIG:
            return typeof value.path === "string" ? `[archive ${value.path}]` : "[archive]";
        case RESOURCE_SIG:
            return String(value.urn);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, displayValue(v)]));
}
