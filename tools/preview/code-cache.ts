/**
 * A V8 code cache for the CommonJS modules under `node_modules` that the program runner and the
 * policy packs load, installed first thing in both (`preload.ts`). A preview compiles about 20 MB of
 * JavaScript (the Pulumi SDK, the AWS provider, TypeScript) before it does any work; with the cache,
 * V8 deserializes that code, including the functions the last run compiled lazily, instead.
 *
 * On Node.js 22.1 and later this is `module.enableCompileCache()`, which does the same natively. On
 * Node.js 20 it replaces `Module.prototype._compile` for those files only, the way `v8-compile-cache`
 * does, and builds the same `require` Node's loader builds. Anything it does not cache (ES modules,
 * the program's own sources, files outside node_modules, modules that may call `import()`) goes
 * through Node's own loader.
 *
 * The cache file is `OFFLINE_PREVIEW_CODE_CACHE`; without it this file does nothing. An entry is used
 * only for the same path and the same source (length and CRC-32); V8 rejects one built by another
 * Node.js version or with other V8 flags, so a stale cache costs one compile and is rewritten.
 */
import type { Token } from "acorn";
import * as fs from "fs";
import Module, { createRequire } from "module";
import * as path from "path";
import * as vm from "vm";
import * as zlib from "zlib";

export interface Entry {
    check: string;
    data: Buffer;
}

interface ModuleInternals {
    exports: unknown;
    require(id: string): unknown;
    _compile(content: string, filename: string, format?: string): unknown;
}

interface ModuleStatics {
    prototype: ModuleInternals;
    wrap(content: string): string;
    _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: unknown): string[] | null;
    _extensions: unknown;
    _cache: unknown;
    enableCompileCache?(dir: string): unknown;
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const MAGIC = "offline-preview-code-cache-2";

/**
 * Node.js 20 loses a script's dynamic-import callback when V8 restores the script from a cache, so a
 * module whose code may import dynamically (`import(`, or code built at run time with `eval` or the
 * `Function` constructor, as the SDK's language host does) always compiles the normal way. Only
 * modules whose text mentions one of those are tokenized, to tell code from strings and comments
 * (TypeScript mentions `import(` only in its messages); the answer is kept in the cache.
 */
let acornModule: typeof import("acorn") | undefined;
let loadingAcorn = false;

/** Acorn, from the project that bundled this file, whatever the program's own dependencies are. */
function loadAcorn(): typeof import("acorn") {
    loadingAcorn = true;
    try {
        return (acornModule ??= createRequire(__filename)("acorn") as typeof import("acorn"));
    } finally {
        loadingAcorn = false;
    }
}

function mayImportDynamically(content: string): boolean {
    if (!/\bimport\s*\(|\beval\b|\bFunction\b/.test(content)) {
        return false;
    }
    const acorn = loadAcorn();
    const name = (t: Token | undefined) => (t?.type.label === "name" ? content.slice(t.start, t.end) : undefined);
    try {
        let previous: Token | undefined;
        for (const token of acorn.tokenizer(content, { ecmaVersion: "latest", allowHashBang: true, allowReturnOutsideFunction: true })) {
            const call = token.type.label === "(";
            if (
                (call && previous?.type.keyword === "import") ||
                name(token) === "eval" ||
                (name(token) === "Function" && previous?.type.keyword === "new") ||
                (call && name(previous) === "Function")
            ) {
                return true;
            }
            previous = token;
        }
        return false;
    } catch {
        return true;
    }
}

/** The entries of a cache file: code for each module by path, empty for modules compiled the normal way. */
export function readCodeCache(file: string): Map<string, Entry> {
    const entries = new Map<string, Entry>();
    let buf: Buffer;
    try {
        buf = fs.readFileSync(file);
    } catch {
        return entries;
    }
    try {
        const headerLength = buf.readUInt32LE(0);
        const header = JSON.parse(buf.subarray(4, 4 + headerLength).toString()) as {
            magic: string;
            entries: [string, string, number, number][];
        };
        if (header.magic !== MAGIC) {
            return entries;
        }
        const body = buf.subarray(4 + headerLength);
        for (const [filename, check, offset, length] of header.entries) {
            entries.set(filename, { check, data: body.subarray(offset, offset + length) });
        }
    } catch {
        // A torn or foreign file is a cold cache, not an error.
        entries.clear();
    }
    return entries;
}

function write(file: string, entries: Map<string, Entry>): void {
    const index: [string, string, number, number][] = [];
    const bodies: Buffer[] = [];
    let offset = 0;
    for (const [filename, { check, data }] of entries) {
        index.push([filename, check, offset, data.length]);
        bodies.push(data);
        offset += data.length;
    }
    const header = Buffer.from(JSON.stringify({ magic: MAGIC, entries: index }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Renamed into place, so a concurrent reader sees the old file or the new one, never half of one.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([length, header, ...bodies]));
    fs.renameSync(tmp, file);
}

const ModuleClass = Module as unknown as ModuleStatics;

/** The `require` Node's loader gives a module. */
function requireFor(mod: ModuleInternals) {
    return Object.assign((id: string) => mod.require(id), {
        resolve: Object.assign(
            (request: string, options?: unknown) => ModuleClass._resolveFilename(request, mod, false, options),
            { paths: (request: string) => ModuleClass._resolveLookupPaths(request, mod) },
        ),
        // Read when the module compiles, as Node does: a preloaded hook runs before there is a main module.
        main: process.mainModule,
        extensions: ModuleClass._extensions,
        cache: ModuleClass._cache,
    });
}

function install(file: string): void {
    if (typeof ModuleClass.enableCompileCache === "function") {
        ModuleClass.enableCompileCache(path.join(path.dirname(file), "node-compile-cache"));
        return;
    }
    const stored = readCodeCache(file);
    const used = new Map<string, Entry>();
    const compiled = new Map<string, { check: string; script: vm.Script }>();
    const compile = ModuleClass.prototype._compile;
    let dirty = false;

    ModuleClass.prototype._compile = function (this: ModuleInternals, content: string, filename: string, format?: string) {
        if (format === "module" || !filename.includes(NODE_MODULES) || !/\.c?js$/.test(filename) || loadingAcorn) {
            return compile.call(this, content, filename, format);
        }
        const check = `${content.length}:${zlib.crc32(content)}`;
        const entry = stored.get(filename);
        const known = entry?.check === check;
        if (known ? entry.data.length === 0 : mayImportDynamically(content)) {
            // Remembered as an entry without code.
            used.set(filename, { check, data: Buffer.alloc(0) });
            dirty ||= !known;
            return compile.call(this, content, filename, format);
        }
        const cachedData = known ? entry.data : undefined;
        // A hashbang line is only valid at the very start of a script, which the wrapper no longer is.
        const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
        const script = new vm.Script(ModuleClass.wrap(source), { filename, cachedData });
        if (cachedData && !script.cachedDataRejected) {
            used.set(filename, { check, data: cachedData });
        } else {
            compiled.set(filename, { check, script });
        }
        const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
        return Reflect.apply(fn, this.exports, [this.exports, requireFor(this), this, filename, path.dirname(filename)]);
    } as ModuleInternals["_compile"];

    let saved = false;
    const save = () => {
        if (saved || (compiled.size === 0 && !dirty)) {
            return;
        }
        saved = true;
        // Made now rather than at compile time, so the cache holds the functions this run compiled lazily.
        for (const [filename, { check, script }] of compiled) {
            used.set(filename, { check, data: script.createCachedData() });
        }
        try {
            write(file, used);
        } catch {
            // A cache that cannot be written only makes the next run as slow as this one.
        }
    };
    process.on("exit", save);
    // Policy packs end with SIGTERM from the preview; they still die of it, after saving.
    process.once("SIGTERM", () => {
        save();
        process.kill(process.pid, "SIGTERM");
    });
}

const cacheFile = process.env.OFFLINE_PREVIEW_CODE_CACHE;
if (cacheFile) {
    // Not inherited: the program's own child processes are none of the cache's business.
    delete process.env.OFFLINE_PREVIEW_CODE_CACHE;
    install(cacheFile);
}
