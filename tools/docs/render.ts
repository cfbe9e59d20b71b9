/**
 * Draws Mermaid diagrams the way a Markdown viewer does: the `mermaid` package's browser bundle in
 * headless Chromium (Debian's `chromium`, driven by `playwright-core`; no browser is downloaded). Each
 * diagram is rendered on its own; a syntax error is reported with Mermaid's message, and a drawing is
 * measured (its size, how many nodes, edges, actors and messages it drew) so an empty one shows.
 */
import * as fs from "fs";
import * as path from "path";

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MERMAID = require.resolve("mermaid/dist/mermaid.min.js");

export interface Drawn {
    /** Mermaid's parse or render error, when there was one. */
    error?: string;
    width: number;
    height: number;
    /** Flowchart nodes and subgraphs, sequence actors. */
    nodes: number;
    /** Flowchart edges, sequence messages. */
    edges: number;
    /** The text the SVG shows (labels, messages), to check that names made it through escaping. */
    text: string;
    /** The PNG written, when a screenshot directory was given. */
    screenshot?: string;
}

export interface RenderOptions {
    /** Write a PNG of each diagram here, named by `names[i]`. */
    screenshotDir?: string;
    names?: string[];
}

/** The little of the DOM the page scripts use (the program is compiled without the DOM's types). */
interface PageElement {
    innerHTML: string;
    textContent: string | null;
    style: { maxWidth: string };
    viewBox: { baseVal: { width: number; height: number } | null };
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
    setAttribute(name: string, value: string): void;
    getBBox(): { width: number; height: number };
}

/** Whether the browser is installed. */
export const hasChromium = (): boolean => fs.existsSync(CHROMIUM);

/** Renders each diagram in one browser session; results in the same order. */
export async function renderDiagrams(diagrams: readonly string[], options: RenderOptions = {}): Promise<Drawn[]> {
    // Loaded here, so that the generator and the specs that only read Markdown never load the driver.
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    try {
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        await page.setContent(
            '<!doctype html><html><body style="margin:0;background:#fff"><div id="out" style="display:inline-block;padding:8px"></div></body></html>',
        );
        await page.addScriptTag({ path: MERMAID });
        await page.evaluate(() => {
            const m = (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid;
            m.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { htmlLabels: true }, maxTextSize: 200_000, maxEdges: 2000 });
        });
        const results: Drawn[] = [];
        for (const [i, text] of diagrams.entries()) {
            const drawn = await page.evaluate(
                async ({ id, text }) => {
                    const m = (globalThis as unknown as { mermaid: { render(id: string, text: string): Promise<{ svg: string }> } }).mermaid;
                    const win = globalThis as unknown as { document: { getElementById(id: string): PageElement } };
                    const out = win.document.getElementById("out");
                    out.innerHTML = "";
                    try {
                        const { svg } = await m.render(id, text);
                        out.innerHTML = svg;
                    } catch (e) {
                        return { error: e instanceof Error ? e.message : String(e), width: 0, height: 0, nodes: 0, edges: 0, text: "" };
                    }
                    const el = out.querySelector("svg");
                    if (!el) return { error: "no <svg> was drawn", width: 0, height: 0, nodes: 0, edges: 0, text: "" };
                    // Drawn at its own size (Mermaid scales it to the page's width), so a screenshot is legible.
                    const view = el.viewBox.baseVal;
                    if (view && view.width > 0) {
                        el.style.maxWidth = "none";
                        el.setAttribute("width", String(view.width));
                        el.setAttribute("height", String(view.height));
                    }
                    const box = el.getBBox();
                    const count = (selector: string) => el.querySelectorAll(selector).length;
                    return {
                        width: Math.round(box.width),
                        height: Math.round(box.height),
                        nodes: count("g.node") + count("g.cluster") + count("rect.actor-top, g.actor-top, .actor-box"),
                        edges: count(".flowchart-link, path.edge, .edgePaths path") + count("text.messageText"),
                        text: [...el.querySelectorAll(".nodeLabel, .edgeLabel, .cluster-label, text")].map((t) => t.textContent ?? "").join("\n"),
                    };
                },
                { id: `diagram${i}`, text },
            );
            const result: Drawn = drawn;
            if (options.screenshotDir && !drawn.error) {
                fs.mkdirSync(options.screenshotDir, { recursive: true });
                const file = path.join(options.screenshotDir, `${options.names?.[i] ?? `diagram-${i}`}.png`);
                await page.locator("#out").screenshot({ path: file });
                result.screenshot = file;
            }
            results.push(result);
        }
        return results;
    } finally {
        await browser.close();
    }
}
