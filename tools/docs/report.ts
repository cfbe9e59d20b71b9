/**
 * What the deployment view reads from a preview report: resources by URN and type, the component each
 * belongs to (its ComponentResource ancestors, from the `parent` URNs), and the resources one resource's
 * inputs name (its property dependencies, a component resolved to the resources inside it).
 */
import type { PreviewReport, ResourceRecord } from "../preview";

/** A ComponentResource of the program (`platform:<module>:<Name>`, or any other package's). */
export const isComponent = (r: ResourceRecord): boolean => !r.custom && !r.remote && r.type !== "pulumi:pulumi:Stack";

/** The last part of a type token: `aws:lambda/function:Function` -> `Function`. */
export const typeName = (type: string): string => type.split(":").pop() ?? type;

/** `name (Type)`, as a component is shown. */
export const componentLabel = (r: ResourceRecord): string => `${r.name} (${typeName(r.type)})`;

export class ReportIndex {
    readonly byUrn: ReadonlyMap<string, ResourceRecord>;
    private readonly children = new Map<string, ResourceRecord[]>();

    constructor(readonly report: PreviewReport) {
        this.byUrn = new Map(report.resources.map((r) => [r.urn, r]));
        for (const r of report.resources) {
            if (r.parent) {
                const list = this.children.get(r.parent) ?? [];
                list.push(r);
                this.children.set(r.parent, list);
            }
        }
    }

    get stack(): string {
        return this.report.stack;
    }

    /** Resources of a type, in the order the program registered them. */
    ofType(type: string): ResourceRecord[] {
        return this.report.resources.filter((r) => r.type === type);
    }

    parentOf(r: ResourceRecord): ResourceRecord | undefined {
        return r.parent ? this.byUrn.get(r.parent) : undefined;
    }

    /** The components a resource sits in, outermost first (the stack itself left out). */
    componentsOf(r: ResourceRecord): ResourceRecord[] {
        const chain: ResourceRecord[] = [];
        for (let cur = this.parentOf(r); cur; cur = this.parentOf(cur)) {
            if (isComponent(cur)) {
                chain.unshift(cur);
            }
        }
        return chain;
    }

    /** The outermost component a resource belongs to (a component belongs to itself when it is outermost). */
    topComponentOf(r: ResourceRecord): ResourceRecord | undefined {
        return this.componentsOf(r)[0] ?? (isComponent(r) ? r : undefined);
    }

    /** Every resource under a component, depth first. */
    descendants(r: ResourceRecord): ResourceRecord[] {
        return (this.children.get(r.urn) ?? []).flatMap((c) => [c, ...this.descendants(c)]);
    }

    /** The components directly under the stack, in registration order. */
    topComponents(): ResourceRecord[] {
        return this.report.resources.filter((r) => isComponent(r) && (!r.parent || !isComponent(this.byUrn.get(r.parent) ?? r)));
    }

    /**
     * The resources an input of `r` names (all inputs when `property` is omitted), a component resolved to
     * the custom resources inside it.
     */
    deps(r: ResourceRecord, property?: string): ResourceRecord[] {
        const urns = property === undefined ? Object.values(r.propertyDependencies).flat() : (r.propertyDependencies[property] ?? []);
        const out: ResourceRecord[] = [];
        for (const urn of new Set(urns)) {
            const d = this.byUrn.get(urn);
            if (d && isComponent(d)) {
                out.push(...this.descendants(d).filter((c) => c.custom));
            } else if (d) {
                out.push(d);
            }
        }
        return out;
    }

    /** The resources whose inputs name `r`. */
    dependents(r: ResourceRecord, type?: string): ResourceRecord[] {
        return this.report.resources.filter(
            (o) => (type === undefined || o.type === type) && Object.values(o.propertyDependencies).some((urns) => urns.includes(r.urn)),
        );
    }
}

/** An input as a string, or undefined when it is absent, unknown in the preview or not a string. */
export function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "[unknown]" ? value : undefined;
}

/** An input as a number, or undefined. */
export function num(value: unknown): number | undefined {
    return typeof value === "number" ? value : undefined;
}

/** An input as an object, or an empty one. */
export function obj(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An input as an array, or an empty one. */
export function arr(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** A JSON-encoded input (policies, redrive policies), parsed; undefined when it is not JSON. */
export function json(value: unknown): unknown {
    if (typeof value !== "string") {
        return value;
    }
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return undefined;
    }
}

/** Texts in code point order: the same on every machine, whatever its locale. */
export function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
