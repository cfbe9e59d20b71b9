// The stack as a graph: resources by URN and type, related through `propertyDependencies` (which a
// preview always knows) and, as a fallback, through property values only when both are known.

import type { PolicyResource } from "./policy-api";
import { asString, unwrap } from "./values";

export interface Node {
    urn: string;
    name: string;
    type: string;
    /** Inputs, plain (unknown values are sentinel strings). */
    props: Record<string, unknown>;
    protect: boolean;
    parentUrn?: string;
    /** URNs this resource depends on (all inputs and dependsOn). */
    dependencies: Set<string>;
    /** URNs each input property depends on. */
    propertyDependencies: Record<string, string[]>;
}

export function nodeFromResource(r: PolicyResource): Node {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) {
        propertyDependencies[k] = (v ?? []).map((d) => d.urn);
    }
    return {
        urn: r.urn,
        name: r.name,
        type: r.type,
        props: unwrap(r.props),
        protect: r.opts?.protect === true,
        parentUrn: r.parent?.urn,
        dependencies: new Set((r.dependencies ?? []).map((d) => d.urn)),
        propertyDependencies,
    };
}

export class StackGraph {
    readonly nodes: Node[];
    private readonly byUrnMap = new Map<string, Node>();
    private readonly byTypeMap = new Map<string, Node[]>();

    constructor(resources: PolicyResource[]) {
        this.nodes = resources.map(nodeFromResource);
        for (const n of this.nodes) {
            this.byUrnMap.set(n.urn, n);
            const list = this.byTypeMap.get(n.type) ?? [];
            list.push(n);
            this.byTypeMap.set(n.type, list);
        }
    }

    byUrn(urn: string): Node | undefined {
        return this.byUrnMap.get(urn);
    }

    ofType(...types: string[]): Node[] {
        const out: Node[] = [];
        for (const t of types) {
            out.push(...(this.byTypeMap.get(t) ?? []));
        }
        return out;
    }

    /** Resources that `from.<property>` depends on (through propertyDependencies), optionally of some types. */
    targets(from: Node, property: string, ...types: string[]): Node[] {
        const urns = from.propertyDependencies[property] ?? [];
        const out: Node[] = [];
        for (const u of urns) {
            const n = this.byUrnMap.get(u);
            if (n && (types.length === 0 || types.includes(n.type))) {
                out.push(n);
            }
        }
        return out;
    }
}

/** True when `from.<property>` depends on `to` (propertyDependencies), or as a fallback when `known` says so. */
export function refers(from: Node, property: string, to: Node, known?: () => boolean): boolean {
    if ((from.propertyDependencies[property] ?? []).includes(to.urn)) {
        return true;
    }
    return known ? known() : false;
}

/** True when `from` depends on `to` at all (any input or dependsOn). */
export function dependsOn(from: Node, to: Node): boolean {
    return from.dependencies.has(to.urn) || Object.values(from.propertyDependencies).some((l) => l.includes(to.urn));
}

/**
 * Known-value fallback: does `value` (a name, ARN, URL or id given as a literal) identify `target`? Only
 * compares known strings: an unknown value never matches.
 */
export function sameKnown(value: unknown, ...candidates: unknown[]): boolean {
    const v = asString(value);
    if (!v) {
        return false;
    }
    for (const c of candidates) {
        const s = asString(c);
        if (!s) {
            continue;
        }
        if (v === s || v.endsWith(`:${s}`) || v.endsWith(`/${s}`)) {
            return true;
        }
    }
    return false;
}

/** Physical name given for a resource, if any (`name`, `bucket`, `functionName`...), else undefined. */
export function literalName(n: Node, ...keys: string[]): string | undefined {
    for (const k of keys.length ? keys : ["name"]) {
        const s = asString(n.props[k]);
        if (s) {
            return s;
        }
    }
    return undefined;
}
