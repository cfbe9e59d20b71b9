/**
 * Writing Mermaid text that always parses: labels escaped as Mermaid entity codes, ids from any name,
 * and the diagrams of a Markdown document read back (for the render spec).
 */

/**
 * A label as Mermaid reads it inside `"..."` (node text, edge text, subgraph titles, messages): the
 * characters that would end or change the text become entity codes (`#quot;`, `#35;` ...).
 * Line breaks become `<br/>`, the only markup a label keeps.
 */
export function label(text: string): string {
    return entities(text, /[#"|<>\n]/g);
}

/**
 * Text of a sequence diagram's message, note or participant (after the colon or `as`): it may not hold
 * `;` (a statement separator), `#` or a line break, and `<`/`>` would be read as markup.
 */
export function message(text: string): string {
    return entities(text, /[#;<>\n]/g);
}

const ENTITIES: Record<string, string> = { "#": "#35;", '"': "#quot;", "|": "#124;", ";": "#59;", "<": "#lt;", ">": "#gt;", "\n": "<br/>" };

/** One pass, so that an entity's own `#` and `;` are never escaped again. */
const entities = (text: string, chars: RegExp) => text.replace(chars, (c) => ENTITIES[c]);

/** An identifier Mermaid accepts for a node, a subgraph or a participant: letters, digits, `_`. */
export function nodeId(name: string): string {
    const id = name.replace(/[^A-Za-z0-9_]/g, "_");
    // Words Mermaid reserves (end, graph, subgraph ...) and a leading digit are not ids.
    return /^(end|graph|flowchart|subgraph|style|class|classDef|click|linkStyle|direction|default)$/i.test(id) || /^\d/.test(id) ? `n_${id}` : id;
}

/** Hands out one id per key, the same key always the same id, two keys never one id. */
export class Ids {
    private readonly byKey = new Map<string, string>();
    private readonly taken = new Set<string>();

    constructor(private readonly prefix = "") {}

    get(key: string, hint: string = key): string {
        const known = this.byKey.get(key);
        if (known) {
            return known;
        }
        const base = nodeId(`${this.prefix}${hint}`);
        let id = base;
        for (let n = 2; this.taken.has(id); n++) {
            id = `${base}_${n}`;
        }
        this.byKey.set(key, id);
        this.taken.add(id);
        return id;
    }
}

/** A fenced Mermaid block of Markdown. */
export function fence(lines: readonly string[]): string[] {
    return ["```mermaid", ...lines, "```"];
}

/** The Mermaid diagrams of a Markdown text, each with the heading it stands under and its line number. */
export function mermaidBlocks(markdown: string): { heading: string; line: number; text: string }[] {
    const blocks: { heading: string; line: number; text: string }[] = [];
    const lines = markdown.split("\n");
    let heading = "";
    for (let i = 0; i < lines.length; i++) {
        const h = /^#+ (.*)$/.exec(lines[i]);
        if (h) {
            heading = h[1];
        }
        if (lines[i] === "```mermaid") {
            const start = i;
            const body: string[] = [];
            for (i++; i < lines.length && lines[i] !== "```"; i++) {
                body.push(lines[i]);
            }
            blocks.push({ heading, line: start + 1, text: body.join("\n") });
        }
    }
    return blocks;
}

/** A Markdown table cell: pipes escaped, line breaks as `<br>`. */
export function cell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}
