/**
 * Every Mermaid diagram of the deployment view (and the README's) drawn as a Markdown viewer draws it:
 * the `mermaid` package in headless Chromium, one browser for all of them. A syntax error fails with
 * Mermaid's message and the diagram's place; an empty or truncated drawing fails on its size and counts.
 * DIAGRAM_SCREENSHOTS=DIR writes a PNG of each, to look at.
 *
 * Needs Debian's chromium (`apt-get install chromium`; .ci/run installs it). Without it the spec is
 * skipped on a developer's machine, with a message, and fails in CI.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { label, mermaidBlocks, message } from "../../tools/docs/mermaid";
import { CHROMIUM, Drawn, hasChromium, renderDiagrams } from "../../tools/docs/render";

const REPO = path.resolve(__dirname, "..", "..");
const FILES = ["docs/architecture.md", "docs/monitoring.md", "docs/error-handling.md", "README.md"];

interface Diagram {
    file: string;
    line: number;
    heading: string;
    text: string;
}

/** Labels with every character the generator escapes: Mermaid must show them as written. */
const AWKWARD = 'a "quoted" | #1 <b> & c; d';
const diagrams: Diagram[] = [
    ...FILES.flatMap((file) =>
        mermaidBlocks(fs.readFileSync(path.join(REPO, file), "utf8")).map((b) => ({ file, line: b.line, heading: b.heading, text: b.text })),
    ),
    {
        file: "escaping",
        line: 1,
        heading: "flowchart",
        text: [
            "flowchart LR",
            `    subgraph s["${label(AWKWARD)}"]`,
            `        x["${label(AWKWARD)}"]`,
            "    end",
            `    y(["${label("end")}"])`,
            `    x -->|"${label(AWKWARD)}"| y`,
        ].join("\n"),
    },
    {
        file: "escaping",
        line: 2,
        heading: "sequence",
        text: [
            "sequenceDiagram",
            `    participant P0 as ${message(AWKWARD)}`,
            "    participant P1 as b",
            `    P0->>P1: ${message(AWKWARD)}`,
            `    Note over P0,P1: ${message(AWKWARD)}`,
        ].join("\n"),
    },
];

/** The node ids a flowchart declares (`id["..."]`, `id(...)` ...), and a sequence diagram's participants. */
function declared(text: string): string[] {
    if (text.startsWith("sequenceDiagram")) return [...text.matchAll(/^\s*(?:participant|actor) (\S+)/gm)].map((m) => m[1]);
    return [...text.matchAll(/^\s*([A-Za-z_][\w]*)(?=[[({>])/gm)].map((m) => m[1]);
}

/** Arrows a flowchart draws, and messages a sequence diagram sends. */
function arrows(text: string): number {
    if (text.startsWith("sequenceDiagram")) return [...text.matchAll(/^\s*\S+?(?:->>|-->>|-\)|--\)|->|-->)\S+?:/gm)].length;
    return [...text.matchAll(/^\s*\w+ (?:-->|-\.->)/gm)].length;
}

describe("the deployment view's diagrams, drawn by mermaid in headless Chromium", function () {
    this.timeout(120_000);
    let drawn: Drawn[] = [];

    before(async function () {
        if (!hasChromium()) {
            if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run does)`);
            console.warn(`    skipped: ${CHROMIUM} is not installed (apt-get install chromium); CI runs this spec`);
            this.skip();
        }
        const dir = process.env.DIAGRAM_SCREENSHOTS;
        drawn = await renderDiagrams(
            diagrams.map((d) => d.text),
            dir ? { screenshotDir: path.resolve(dir), names: diagrams.map((d) => `${path.basename(d.file, ".md")}-${d.line}`) } : {},
        );
    });

    it("finds the diagrams: the request and event paths, components, routing and dashboards per stack, a sequence per scenario", () => {
        const count = (file: string, kind: string) => diagrams.filter((d) => d.file === file && d.text.startsWith(kind)).length;
        assert.ok(count("docs/architecture.md", "flowchart") >= 3, "architecture: request path, event path, components");
        assert.ok(count("docs/monitoring.md", "flowchart") >= 3, "monitoring: routing and dashboards of prod, routing of dev");
        assert.equal(count("README.md", "flowchart"), 1, "the README's request path");
        const text = fs.readFileSync(path.join(REPO, "docs/error-handling.md"), "utf8");
        const scenarios = (text.match(/^## /gm) ?? []).length - (text.match(/Skipped on every stack drawn/g) ?? []).length;
        assert.equal(count("docs/error-handling.md", "sequenceDiagram"), scenarios, "one sequence per scenario");
    });

    it("shows escaped labels as written", () => {
        const escaping = diagrams.map((d, i) => ({ d, r: drawn[i] })).filter(({ d }) => d.file === "escaping");
        assert.equal(escaping.length, 2);
        for (const { d, r } of escaping) {
            assert.equal(r.error, undefined, `${d.heading}: ${r.error}`);
            const shown = r.text.split("\n").filter((t) => t.includes("quoted"));
            assert.ok(shown.length >= 2 && shown.every((t) => t.trim() === AWKWARD), `${d.heading}: shows ${JSON.stringify(shown)}`);
        }
    });

    for (const [i, d] of diagrams.entries()) {
        if (d.file === "escaping") continue;
        it(`${d.file}:${d.line} (${d.heading || "top"}) parses and draws every node and arrow`, () => {
            const r = drawn[i];
            assert.ok(r, "rendered");
            assert.equal(r.error, undefined, `${d.file}:${d.line}: mermaid refused the diagram: ${r.error}`);
            assert.ok(r.width > 100 && r.height > 50, `${d.file}:${d.line}: an empty drawing (${r.width} x ${r.height})`);
            const ids = declared(d.text);
            assert.ok(ids.length >= (d.text.startsWith("sequenceDiagram") ? 1 : 2), `${d.file}:${d.line}: declares nodes`);
            assert.ok(r.nodes >= ids.length, `${d.file}:${d.line}: drew ${r.nodes} nodes of the ${ids.length} it declares`);
            assert.ok(r.edges >= arrows(d.text), `${d.file}:${d.line}: drew ${r.edges} arrows or messages of the ${arrows(d.text)} it has`);
            // Labels survive escaping: the first declared label is shown as written.
            const first = /"([^"]+)"/
                .exec(d.text)?.[1]
                ?.split("<br/>")[0]
                ?.replace(/#35;/g, "#")
                .replace(/#quot;/g, '"');
            if (first && !/#\w+;/.test(first)) assert.ok(r.text.includes(first), `${d.file}:${d.line}: shows "${first}"`);
        });
    }
});
