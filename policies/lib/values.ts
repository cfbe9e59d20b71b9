// Reading resource inputs as the AWS provider receives them, with explicit handling of values that a
// preview does not know yet.
//
// @pulumi/policy hands policies a proxy that throws `UnknownValueError` on any unknown value it reads,
// and then reports the whole policy as advisory ("can't run during preview"). The rules in this pack
// read the plain object behind that proxy instead, so that:
//   - presence checks treat an unknown value as present (a computed ARN *is* set);
//   - relations between resources come from URNs and `propertyDependencies`, which are always known;
//   - a value that must be compared but is unknown is *deferred*: the rule reports every violation it
//     can prove first (at its configured level) and only then raises the library's own
//     `UnknownValueError`, so @pulumi/policy adds one advisory "can't run during preview" line.

import { policyModule } from "./policy-api";

/** The sentinel strings the Pulumi engine and @pulumi/policy use for values unknown during preview. */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SENTINELS = new Set<string>([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    UNKNOWN_STRING, // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** Marker type for a value that is unknown during preview. */
export type Unknown = { readonly __unknown: true };

export function isUnknown(v: unknown): boolean {
    return typeof v === "string" && SENTINELS.has(v);
}

/** A value that was given (known or unknown), as opposed to absent/null. */
export function isSet(v: unknown): boolean {
    return v !== undefined && v !== null && v !== "";
}

export function isKnown(v: unknown): boolean {
    return v !== undefined && !isUnknown(v);
}

/** The plain object behind @pulumi/policy's unknown-checking proxy (or the object itself). */
export function unwrap<T = Record<string, unknown>>(props: unknown): T {
    if (props && typeof props === "object") {
        const target = (props as Record<string, unknown>)["__getSpecialProxyTarget"];
        if (target && typeof target === "object") {
            return target as T;
        }
    }
    return (props ?? {}) as T;
}

export function asRecord(v: unknown): Record<string, unknown> | undefined {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** An array value; an unknown value gives `undefined`, a single value is wrapped. */
export function asArray(v: unknown): unknown[] {
    if (v === undefined || v === null || isUnknown(v)) {
        return [];
    }
    return Array.isArray(v) ? v : [v];
}

export function asString(v: unknown): string | undefined {
    return typeof v === "string" && !isUnknown(v) ? v : undefined;
}

export function asNumber(v: unknown): number | undefined {
    if (typeof v === "number") {
        return v;
    }
    if (typeof v === "string" && !isUnknown(v) && v.trim() !== "" && !Number.isNaN(Number(v))) {
        return Number(v);
    }
    return undefined;
}

/** Reads a nested path; returns undefined when a step is absent, UNKNOWN sentinel when a step is unknown. */
export function get(obj: unknown, ...path: (string | number)[]): unknown {
    let cur: unknown = obj;
    for (const key of path) {
        if (isUnknown(cur)) {
            return cur;
        }
        if (cur === null || cur === undefined || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<string | number, unknown>)[key];
    }
    return cur;
}

/** Renders a found value for a violation message. */
export function show(v: unknown): string {
    if (v === undefined) {
        return "not set";
    }
    if (isUnknown(v)) {
        return "unknown until apply";
    }
    if (typeof v === "string") {
        return JSON.stringify(v);
    }
    try {
        const s = JSON.stringify(v);
        return s.length > 160 ? `${s.slice(0, 157)}...` : s;
    } catch {
        return String(v);
    }
}

/**
 * Collects values a rule needed but that are unknown in this preview. `flush()` raises the library's
 * UnknownValueError after the rule has reported what it could prove.
 */
export class Deferrals {
    private readonly paths: string[] = [];

    add(where: string): void {
        this.paths.push(where);
    }

    get size(): number {
        return this.paths.length;
    }

    flush(): void {
        if (this.paths.length > 0) {
            const shown = this.paths.slice(0, 3).join(", ") + (this.paths.length > 3 ? ", ..." : "");
            throw new policyModule.UnknownValueError(UNKNOWN_STRING, [shown]);
        }
    }
}
