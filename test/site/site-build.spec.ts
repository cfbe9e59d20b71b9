/**
 * The landing page build (tools/site.ts): deterministic hashed assets, an index.html that loads only
 * what was built, the content marker the smoke check looks for, and nothing the site's CSP
 * (`script-src 'self'; style-src 'self'`) would block. The built script is run against a stand-in
 * DOM to show it displays what /api/health answers.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import { hasSiteMarker, SITE_MARKER } from "../../functions/shared/smoke-checks";
import { DEFAULT_CSP } from "../../components/edge";
import { buildSite, isHashedAsset, SITE_SOURCE_DIR, type SiteBuild } from "../../tools/site";

const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** A copy of site/ with index.html replaced, for builds that must fail. */
function siteWith(indexHtml: string): string {
    const dir = tempDir("site-src-");
    for (const file of ["app.ts", "styles.css", "tsconfig.json"]) writeFileSync(path.join(dir, file), readFileSync(path.join(SITE_SOURCE_DIR, file)));
    writeFileSync(path.join(dir, "index.html"), indexHtml);
    return dir;
}

describe("site build", function () {
    this.timeout(20_000);
    let first: SiteBuild;
    let html: string;

    before(async () => {
        first = await buildSite({ outDir: tempDir("site-a-") });
        html = readFileSync(path.join(first.outDir, "index.html"), "utf8");
    });

    it("is deterministic: two builds give the same keys and bytes", async () => {
        const second = await buildSite({ outDir: tempDir("site-b-") });
        assert.deepEqual(second.files, first.files);
        assert.deepEqual(
            first.files.map((f) => f.key.replace(/-[A-Z0-9]{8}\./, "-HASH.")),
            ["assets/app-HASH.js", "assets/styles-HASH.css", "index.html"],
        );
    });

    it("references every built asset by its hashed name, and every referenced file exists", () => {
        const refs = [...html.matchAll(/\b(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
        assert.deepEqual(
            refs.sort(),
            first.files
                .filter((f) => f.key !== "index.html")
                .map((f) => `/${f.key}`)
                .sort(),
        );
        for (const ref of refs) {
            assert.ok(isHashedAsset(ref.slice(1)), `${ref} carries a content hash`);
            assert.ok(existsSync(path.join(first.outDir, ref)), `${ref} exists`);
        }
        assert.doesNotMatch(html, /\.ts"|\.\/styles\.css/, "no source reference is left");
    });

    it("changes an asset's name when its content changes, and only that asset's", async () => {
        const src = siteWith(readFileSync(path.join(SITE_SOURCE_DIR, "index.html"), "utf8"));
        writeFileSync(path.join(src, "styles.css"), `${readFileSync(path.join(src, "styles.css"), "utf8")}\nh1 { letter-spacing: 0.01em; }\n`);
        const changed = await buildSite({ srcDir: src, outDir: tempDir("site-c-") });
        const keys = (b: SiteBuild) => b.files.map((f) => f.key);
        assert.equal(
            keys(changed).find((k) => k.endsWith(".js")),
            keys(first).find((k) => k.endsWith(".js")),
        );
        assert.notEqual(
            keys(changed).find((k) => k.endsWith(".css")),
            keys(first).find((k) => k.endsWith(".css")),
        );
    });

    it("carries the content marker and nothing the CSP blocks", () => {
        assert.ok(hasSiteMarker(html));
        assert.ok(html.includes(`content="${SITE_MARKER.content}"`));
        assert.match(DEFAULT_CSP, /script-src 'self'/);
        for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
            assert.match(m[1]!, /\bsrc="\//, "every script is a same-origin file");
            assert.equal(m[2]!.trim(), "", "no inline code");
        }
        assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
    });

    it("refuses a page the CSP would break, one without the marker, and references to files it does not build", async () => {
        const source = readFileSync(path.join(SITE_SOURCE_DIR, "index.html"), "utf8");
        const cases: Array<[string, RegExp]> = [
            [
                source.replace("</head>", "<script>alert(1)</script></head>"),
                /has an inline <script> \(<script>alert\(1\)<\/script>\).*CSP \(script-src 'self'; style-src 'self'\) blocks inline code/,
            ],
            [source.replace("</head>", "<style>h1{color:red}</style></head>"), /has a <style> element/],
            [source.replace("<main>", '<main style="color:red">'), /has a style= attribute/],
            [source.replace("<main>", '<main onclick="go()">'), /has a onclick= attribute/],
            [
                source.replace(/<meta name="platform-site"[^>]*>/, ""),
                /lacks the content marker the smoke check looks for: add <meta name="platform-site" content="serverless-platform-landing">/,
            ],
            [source.replace("./app.ts", "./missing.ts"), /references missing\.ts, which is not in/],
            [source.replace("<main>", '<main><img src="./logo.png">'), /references local files the build does not publish: \.\/logo\.png/],
        ];
        for (const [page, message] of cases) {
            await assert.rejects(buildSite({ srcDir: siteWith(page), outDir: tempDir("site-bad-") }), message);
        }
    });
});

describe("site script", function () {
    this.timeout(20_000);
    let script: string;

    before(async () => {
        const site = await buildSite({ outDir: tempDir("site-js-") });
        script = readFileSync(path.join(site.outDir, site.files.find((f) => f.key.endsWith(".js"))!.key), "utf8");
    });

    /** Runs the built script against a stand-in DOM and fetch; returns what the page shows. */
    async function render(fetchImpl: (url: string) => Promise<Response>): Promise<{ status: string; state: string; version: string; requested: string[] }> {
        const elements = { "api-status": { textContent: "", className: "" }, "api-version": { textContent: "", className: "" } };
        const requested: string[] = [];
        const context = vm.createContext({
            document: { getElementById: (id: string) => elements[id as keyof typeof elements] ?? null },
            fetch: (url: string) => {
                requested.push(url);
                return fetchImpl(url);
            },
            AbortSignal,
            DOMException,
        });
        vm.runInContext(script, context);
        for (let i = 0; i < 20 && elements["api-status"].className === ""; i += 1) await new Promise((resolve) => setImmediate(resolve));
        return { status: elements["api-status"].textContent, state: elements["api-status"].className, version: elements["api-version"].textContent, requested };
    }

    it("shows the API's status and version from /api/health", async () => {
        const page = await render(async () => Response.json({ status: "ok", version: "1.4.2" }));
        assert.deepEqual(page, { status: "The API is up.", state: "state state-ok", version: "Version 1.4.2", requested: ["/api/health"] });
    });

    it("shows the API as down on a 503, and when it cannot be reached", async () => {
        const unhealthy = await render(async () => Response.json({ error: { code: "unhealthy" } }, { status: 503 }));
        assert.deepEqual(
            [unhealthy.status, unhealthy.state, unhealthy.version],
            ["The API answered 503: it is not healthy right now.", "state state-down", ""],
        );
        const unreachable = await render(async () => {
            throw new TypeError("fetch failed");
        });
        assert.deepEqual([unreachable.status, unreachable.state], ["The API could not be reached.", "state state-down"]);
    });
});
