import { Diagnostic, PreviewReport, ResourceRecord } from "./types";

/** Human output in the shape of `pulumi preview`: the resource tree, policy violations, a summary. */

export interface Style {
    bold(s: string): string;
    dim(s: string): string;
    red(s: string): string;
    yellow(s: string): string;
    green(s: string): string;
}

export const plain: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s };

export const ansi: Style = {
    bold: (s) => `\x1b[1m${s}\x1b[22m`,
    dim: (s) => `\x1b[2m${s}\x1b[22m`,
    red: (s) => `\x1b[31m${s}\x1b[39m`,
    yellow: (s) => `\x1b[33m${s}\x1b[39m`,
    green: (s) => `\x1b[32m${s}\x1b[39m`,
};

function tree(report: PreviewReport, style: Style, counts: Map<string, { mandatory: number; advisory: number }>): string[] {
    const children = new Map<string, ResourceRecord[]>();
    const roots: ResourceRecord[] = [];
    const urns = new Set(report.resources.map((r) => r.urn));
    for (const r of report.resources) {
        if (r.parent && urns.has(r.parent)) {
            const list = children.get(r.parent) ?? [];
            list.push(r);
            children.set(r.parent, list);
        } else {
            roots.push(r);
        }
    }
    const verb = report.mode === "create" ? "create" : "same";
    const op = report.mode === "create" ? "+" : " ";
    const rows: [string, string, string][] = [];
    const walk = (r: ResourceRecord, prefix: string, branch: string) => {
        const c = counts.get(r.urn);
        const mark = c?.mandatory ? style.red(" ✗") : c?.advisory ? style.yellow(" !") : "";
        // As `pulumi preview` shows a read (a StackReference): `>` and "read", in either mode.
        rows.push([`${r.external ? ">" : op} ${prefix}${branch}${r.type}`, r.name, `${r.external ? "read" : verb}${mark}`]);
        const kids = children.get(r.urn) ?? [];
        const childPrefix = branch === "" ? prefix : prefix + (branch === "├─ " ? "│  " : "   ");
        kids.forEach((child, i) => walk(child, childPrefix, i === kids.length - 1 ? "└─ " : "├─ "));
    };
    roots.forEach((r) => walk(r, "", ""));
    const w0 = Math.max(4, ...rows.map((r) => r[0].length));
    const w1 = Math.max(4, ...rows.map((r) => r[1].length));
    return [style.bold(`    ${"  Type".padEnd(w0)}  ${"Name".padEnd(w1)}  Plan`), ...rows.map(([t, n, p]) => `    ${t.padEnd(w0)}  ${n.padEnd(w1)}  ${p}`)];
}

export function violations(title: string, list: Diagnostic[], color: (s: string) => string, style: Style): string[] {
    if (list.length === 0) {
        return [];
    }
    const lines = ["", style.bold(color(`${title} (${list.length}):`))];
    for (const d of list) {
        lines.push(`    ${color(`[${d.enforcementLevel}]`)}  ${style.bold(d.policyName)}  ${style.dim(`(${d.policyPackName}@v${d.policyPackVersion})`)}`);
        lines.push(`        ${d.urn ?? "(stack)"}`);
        for (const l of d.message.split("\n")) {
            lines.push(`        ${l}`);
        }
    }
    return lines;
}

export function renderReport(report: PreviewReport, style: Style = plain): string {
    const counts = new Map<string, { mandatory: number; advisory: number }>();
    for (const d of report.diagnostics) {
        const key = d.urn ?? "";
        const c = counts.get(key) ?? { mandatory: 0, advisory: 0 };
        if (d.enforcementLevel === "advisory") {
            c.advisory++;
        } else {
            c.mandatory++;
        }
        counts.set(key, c);
    }
    const mandatory = report.diagnostics.filter((d) => d.enforcementLevel !== "advisory");
    const advisory = report.diagnostics.filter((d) => d.enforcementLevel === "advisory");
    const lines = [
        `Previewing ${report.mode === "create" ? "a new" : "an existing"} stack (offline) ${style.bold(`${report.project}/${report.stack}`)}`,
        "",
        ...tree(report, style, counts),
        ...violations("Mandatory policy violations", mandatory, style.red, style),
        ...violations("Advisory policy violations", advisory, style.yellow, style),
        "",
        `Policy packs: ${report.policyPacks.map((p) => `${p.name}@v${p.version} (${p.policies} policies)`).join(", ") || "none"}`,
    ];
    const outputs = Object.entries(report.outputs);
    if (outputs.length > 0) {
        lines.push("", style.bold("Outputs:"));
        for (const [k, v] of outputs) {
            lines.push(`    ${k}: ${JSON.stringify(v)}`);
        }
    }
    const verdict = report.summary.mandatory > 0 ? style.red(`${report.summary.mandatory} mandatory`) : style.green("0 mandatory");
    lines.push(
        "",
        `${style.bold("Summary:")} ${report.summary.resources} resources, ${verdict}, ${report.summary.advisory} advisory violations ` +
            style.dim(`(program ${report.timings.programMs} ms, policy ${report.timings.policyMs} ms, total ${report.timings.totalMs} ms)`),
    );
    return lines.join("\n");
}
