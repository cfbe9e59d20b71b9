/**
 * Builds the landing page in site/ into dist/site: every script and stylesheet index.html references
 * is bundled with esbuild under a content-hashed name (assets/<name>-<hash>.<ext>), and index.html is
 * rewritten to load those. Same sources, same bytes: the publisher uploads only what changed.
 *
 *   npm run site:build [-- --out-dir DIR]
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { build } from "esbuild";
import { hasSiteMarker, SITE_MARKER_TAG } from "../functions/shared/smoke-checks";
import { defineCommand, runProcess } from "./cli";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const SITE_SOURCE_DIR = path.join(REPO_ROOT, "site");
export const SITE_OUT_DIR = path.join(REPO_ROOT, "dist", "site");

/** esbuild's `[hash]` is 8 characters of base32: a name carrying one changes whenever its bytes do. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Z0-9]{8}\.[a-z0-9]+$/;

export function isHashedAsset(key: string): boolean {
    return HASHED_ASSET.test(key);
}

export interface SiteFile {
    /** Path under the output directory, with `/`: the object key. */
    key: string;
    bytes: number;
    sha256: string;
}

export interface SiteBuild {
    outDir: string;
    files: SiteFile[];
}

export interface SiteBuildOptions {
    /** @default site/ */
    srcDir?: string;
    /** Emptied first, so no asset of an earlier build lingers. @default dist/site */
    outDir?: string;
}

/** What the CSP (`script-src 'self'; style-src 'self'`) refuses, found in the page before it ships. */
function inlineCode(html: string): string[] {
    const found: string[] = [];
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
        if (!/\bsrc\s*=/i.test(m[1] ?? "")) found.push(`an inline <script> (${m[0].slice(0, 60)})`);
        else if ((m[2] ?? "").trim() !== "") found.push(`a <script src> with inline code too (${m[0].slice(0, 60)})`);
    }
    if (/<style\b/i.test(html)) found.push("a <style> element");
    for (const m of html.matchAll(/<[a-z][^>]*?\s(style|on[a-z]+)\s*=\s*["']?/gi)) found.push(`a ${m[1]!.toLowerCase()}= attribute (${m[0].slice(0, 60)}…)`);
    if (/\bjavascript:/i.test(html)) found.push("a javascript: URL");
    return found;
}

interface Reference {
    /** The attribute as written, `src="./app.ts"`, replaced as a whole. */
    attribute: string;
    value: string;
}

/** Local `src`/`href` values of scripts and stylesheets; any other local reference is refused. */
function localReferences(html: string): { assets: Reference[]; refused: string[] } {
    const assets: Reference[] = [];
    const refused: string[] = [];
    for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
        for (const m of tag.matchAll(/\b(src|href)\s*=\s*(["'])([^"']*)\2/gi)) {
            const value = m[3]!;
            if (/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(value)) continue;
            const isScript = /^<script\b/i.test(tag) && m[1]!.toLowerCase() === "src";
            const isStylesheet = /^<link\b/i.test(tag) && /\brel\s*=\s*["']?stylesheet\b/i.test(tag) && m[1]!.toLowerCase() === "href";
            if (isScript || isStylesheet) assets.push({ attribute: m[0], value });
            else refused.push(`${value} (in ${tag.slice(0, 60)})`);
        }
    }
    return { assets, refused };
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
    const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
    const nested = await Promise.all(
        entries.map(async (e) => {
            const rel = prefix ? `${prefix}/${e.name}` : e.name;
            return e.isDirectory() ? listFiles(dir, rel) : [rel];
        }),
    );
    return nested.flat().sort();
}

/** The files of a built site (or any directory), with their sizes and content hashes, sorted by key. */
export async function siteFiles(dir: string): Promise<SiteFile[]> {
    const keys = await listFiles(dir);
    return Promise.all(
        keys.map(async (key) => {
            const body = await readFile(path.join(dir, key));
            return { key, bytes: body.byteLength, sha256: createHash("sha256").update(body).digest("hex") };
        }),
    );
}

export async function buildSite(options: SiteBuildOptions = {}): Promise<SiteBuild> {
    const srcDir = path.resolve(options.srcDir ?? SITE_SOURCE_DIR);
    const outDir = path.resolve(options.outDir ?? SITE_OUT_DIR);
    const indexPath = path.join(srcDir, "index.html");
    const html = await readFile(indexPath, "utf8").catch((error: NodeJS.ErrnoException) => {
        throw new Error(`The site has no ${indexPath} (${error.code ?? error.message}).`);
    });
    if (!hasSiteMarker(html)) throw new Error(`${indexPath} lacks the content marker the smoke check looks for: add ${SITE_MARKER_TAG} to its <head>.`);
    const inline = inlineCode(html);
    if (inline.length > 0) {
        throw new Error(
            `${indexPath} has ${inline.join("; ")}: the site's CSP (script-src 'self'; style-src 'self') blocks inline code. Move it into a .ts or .css file of site/.`,
        );
    }
    const { assets, refused } = localReferences(html);
    if (refused.length > 0)
        throw new Error(
            `${indexPath} references local files the build does not publish: ${refused.join(", ")}. Only <script src> and <link rel="stylesheet" href> are built; import images from the stylesheet.`,
        );
    if (assets.length === 0) throw new Error(`${indexPath} references no script or stylesheet of site/.`);
    const entryPoints = [...new Set(assets.map((a) => path.resolve(srcDir, a.value.split(/[?#]/)[0]!)))];
    for (const entry of entryPoints) {
        if (path.relative(srcDir, entry).startsWith("..")) throw new Error(`${indexPath} references ${entry}, outside ${srcDir}.`);
        await stat(entry).catch(() => {
            throw new Error(`${indexPath} references ${path.relative(srcDir, entry)}, which is not in ${srcDir}.`);
        });
    }

    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const result = await build({
        absWorkingDir: srcDir,
        entryPoints,
        outdir: outDir,
        entryNames: "assets/[name]-[hash]",
        assetNames: "assets/[name]-[hash]",
        bundle: true,
        minify: true,
        format: "iife",
        // Browsers of the last few years; no polyfills are needed for fetch and AbortSignal.timeout.
        target: ["es2020", "chrome103", "firefox100", "safari16"],
        legalComments: "none",
        charset: "utf8",
        loader: { ".svg": "file", ".png": "file", ".jpg": "file", ".woff2": "file" },
        metafile: true,
        logLevel: "silent",
    });
    const outputOf = new Map<string, string>();
    for (const [output, meta] of Object.entries(result.metafile.outputs)) {
        if (meta.entryPoint) outputOf.set(path.resolve(srcDir, meta.entryPoint), path.relative(outDir, path.resolve(srcDir, output)).split(path.sep).join("/"));
    }
    let page = html;
    for (const ref of assets) {
        const built = outputOf.get(path.resolve(srcDir, ref.value.split(/[?#]/)[0]!));
        if (!built) throw new Error(`esbuild produced no output for ${ref.value}.`);
        page = page.replace(ref.attribute, ref.attribute.replace(ref.value, `/${built}`));
    }
    await writeFile(path.join(outDir, "index.html"), page);
    return { outDir, files: await siteFiles(outDir) };
}

export const COMMAND = defineCommand({
    name: "site:build",
    synopsis: "[--out-dir DIR] [--json]",
    summary: "Builds the landing page in site/ with esbuild under content-hashed names: the same sources give the same bytes.",
    flags: {
        "out-dir": { type: "string", value: "DIR", description: "where to build it (emptied first)", defaultText: "dist/site" },
        json: { type: "boolean", description: "print { outDir, files: [{ key, bytes, sha256 }] } and nothing else on stdout" },
    },
    epilog: "Exit code: 0 built, 1 the build failed, 2 bad usage.",
});

export async function main(argv: readonly string[], log: (line: string) => void = console.log): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        log(COMMAND.help);
        return 0;
    }
    const site = await buildSite({ outDir: parsed.values["out-dir"] ?? SITE_OUT_DIR });
    if (parsed.values.json) {
        log(JSON.stringify(site, null, 2));
        return 0;
    }
    for (const f of site.files) log(`${f.key}  ${f.bytes} B  sha256 ${f.sha256.slice(0, 12)}`);
    log(`Built ${site.files.length} file(s) into ${path.relative(process.cwd(), site.outDir) || "."}`);
    return 0;
}

if (require.main === module) {
    // A build failure says what is wrong with the page: its message alone.
    runProcess("site:build", () => main(process.argv.slice(2)), { explained: (error) => error instanceof Error });
}
