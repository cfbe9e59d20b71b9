/**
 * The components of a stack and which uses which: one component's resources depending on another's.
 * The components most others use (keys, alert topics) are named rather than drawn, or every node
 * would have an arrow to them.
 */
import type { PreviewReport, ResourceRecord } from "../preview";
import { compare, componentLabel, typeName } from "./report";
import { cell, label, nodeId } from "./mermaid";

export interface Component {
    resource: ResourceRecord;
    children: ResourceRecord[];
    uses: Set<string>;
}

/** The platform component each resource belongs to: its outermost `platform:` ancestor. */
export function topComponents(report: PreviewReport): Map<string, Component> {
    const byUrn = new Map(report.resources.map((r) => [r.urn, r]));
    const owner = new Map<string, string>();
    const ownerOf = (r: ResourceRecord): string | undefined => {
        let top: string | undefined;
        for (let cur: ResourceRecord | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
            if (!cur.custom && cur.type.startsWith("platform:")) {
                top = cur.urn;
            }
        }
        return top;
    };
    const components = new Map<string, Component>();
    for (const r of report.resources) {
        const top = ownerOf(r);
        if (!top) {
            continue;
        }
        owner.set(r.urn, top);
        if (top === r.urn) {
            components.set(top, { resource: r, children: [], uses: new Set() });
        }
    }
    for (const r of report.resources) {
        const from = owner.get(r.urn);
        if (!from || from === r.urn) {
            continue;
        }
        components.get(from)?.children.push(r);
        const deps = [...r.dependencies, ...Object.values(r.propertyDependencies).flat()];
        for (const d of deps) {
            const to = owner.get(d);
            if (to && to !== from) {
                components.get(from)?.uses.add(to);
            }
        }
    }
    return components;
}

const idOf = (c: Component) => nodeId(`${c.resource.name}_${typeName(c.resource.type)}`);

/** `lambda 7, iam 4`: a component's resources counted by service, most first. */
export function services(children: ResourceRecord[]): string {
    const counts = new Map<string, number>();
    for (const r of children.filter((c) => c.custom || c.remote)) {
        const [pkg, mod] = r.type.split(":");
        const key = pkg === "aws" ? mod.split("/")[0] : pkg === "awsx" ? `awsx ${mod}` : pkg === "pulumi" ? `${mod} provider` : r.type;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts]
        .sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
}

/** The components, the ones most others use, and the diagram of the rest. */
export function componentsDiagram(report: PreviewReport): { components: Component[]; shared: Component[]; watchers: Component[]; lines: string[] } {
    const components = [...topComponents(report).values()].sort((a, b) => compare(a.resource.name, b.resource.name));
    const byUrn = new Map(components.map((c) => [c.resource.urn, c]));
    const shared = components.filter((c) => components.filter((o) => o.uses.has(c.resource.urn)).length > components.length / 2);
    const isShared = (urn: string) => shared.some((s) => s.resource.urn === urn);
    // And the ones that use nearly every other (dashboards): their arrows would hide the rest.
    const watchers = components.filter((c) => !isShared(c.resource.urn) && [...c.uses].filter((u) => !isShared(u)).length > components.length / 2);
    const edges = components
        .filter((c) => !watchers.includes(c))
        .flatMap((c) =>
            [...c.uses]
                .filter((u) => !isShared(u))
                .map((u) => `    ${idOf(c)} --> ${idOf(byUrn.get(u) as Component)}`)
                .sort(),
        );
    const lines = [
        "flowchart LR",
        ...components.filter((c) => !isShared(c.resource.urn) && !watchers.includes(c)).map((c) => `    ${idOf(c)}["${label(componentLabel(c.resource))}"]`),
        ...edges,
    ];
    return { components, shared, watchers, lines };
}

/** The components table: each stack's resources by service, a later stack's only where it differs. */
export function componentsTable(reports: readonly PreviewReport[]): string[] {
    const [first, ...others] = reports;
    const theirs = others.map((r) => topComponents(r));
    const rows = componentsDiagram(first).components.map((c) => {
        const nested = c.children.filter((r) => !r.custom && r.type.startsWith("platform:")).map((r) => r.name);
        const mine = services(c.children);
        const other = theirs.map((m) => {
            const o = [...m.values()].find((x) => x.resource.name === c.resource.name && x.resource.type === c.resource.type);
            if (!o) return "absent";
            const s = services(o.children);
            return s === mine ? "same" : s;
        });
        return `| ${[c.resource.name, `\`${c.resource.type}\``, nested.join(", ") || "-", mine, ...other].map(cell).join(" | ")} |`;
    });
    return [
        `| Component | Type | Child components | Resources by service (${first.stack}) | ${others.map((r) => r.stack).join(" | ")} |`,
        `| --- | --- | --- | --- | ${others.map(() => "---").join(" | ")} |`,
        ...rows,
    ];
}
