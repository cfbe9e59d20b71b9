/**
 * Packs what another repository installs, as npm tarballs in dist/packages/:
 *
 * - `@serverless-platform/components`: components/ compiled (JavaScript and declarations,
 *   tsconfig.packages.json), one subpath per module (`@serverless-platform/components/function`), and the
 *   TypeScript the components bundle when the program runs: the release hooks and the stand-ins in
 *   functions/, with what they import.
 * - `@serverless-platform/outputs`: the output contract's reader (outputs.ts), compiled.
 * - the policy pack (policies/, `platform-policies`): its build (bin/), PulumiPolicy.yaml and its
 *   per-environment config.
 *
 * Dependencies are pinned to the releases this repository installs; `@pulumi/*` are peer dependencies,
 * so a program and the components share one SDK and one provider. `--examples` then installs the
 * tarballs into the examples (examples/consumer), as their package.json names them.
 *
 *   npm run pack [-- --out-dir DIR] [--only components,outputs,policies] [--examples] [--json]
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { build, type Metafile } from "esbuild";
import { esbuildOptions } from "../components/bundle-options";
import { defineCommand, listOf, runProcess, UsageError } from "./cli";

/** The repository: what is packed, and where the tarballs go. */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** Where `npm run pack` puts the tarballs, and where the examples' package.json files point. */
export const PACKAGES_DIR = path.join(REPO_ROOT, "dist", "packages");
/** The compiled components and outputs (tsconfig.packages.json's outDir) and each package as it is packed. */
const BUILD_DIR = path.join(REPO_ROOT, "dist", "packages-build");
const TSC_OUT_DIR = path.join(BUILD_DIR, "tsc");
/** What the last pack into PACKAGES_DIR was made from, for {@link ensurePackages}. */
const STAMP = "packages.json";
/** The programs in this repository that install the tarballs (`file:` dependencies on PACKAGES_DIR). */
export const EXAMPLES = [path.join(REPO_ROOT, "examples", "consumer")] as const;

export const PACKAGE_KINDS = ["components", "outputs", "policies"] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/** The npm names of the packages (the policy pack keeps its own package.json's). */
export const PACKAGE_NAMES: Readonly<Record<Exclude<PackageKind, "policies">, string>> = {
    components: "@serverless-platform/components",
    outputs: "@serverless-platform/outputs",
};

/** One packed tarball. */
export interface PackedPackage {
    kind: PackageKind;
    /** The npm name, `@serverless-platform/components`. */
    name: string;
    version: string;
    /** Absolute path of the tarball. */
    tarball: string;
    /** `sha512-...` of the tarball, as npm records it. */
    integrity: string;
    /** Every path in the tarball, relative to the package root, sorted. */
    files: string[];
}

export interface PackOptions {
    /** @default dist/packages */
    outDir?: string;
    /** @default every package */
    only?: readonly PackageKind[];
    /** Lines of progress, on stderr from the command. @default none */
    log?: (line: string) => void;
}

/** A pack that cannot be made: what is wrong, and the tool's output when one failed. */
export class PackError extends Error {
    override readonly name = "PackError";
}

interface Manifest {
    name: string;
    version: string;
    license?: string;
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;
const posix = (p: string): string => p.split(path.sep).join("/");

/** Runs a tool; a failure is a PackError naming it (`label`) and carrying everything it printed. */
function run(label: string, command: string, args: readonly string[], cwd: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(command, [...args], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) reject(new PackError(`${label} failed in ${path.relative(process.cwd(), cwd) || "."}:\n${stdout}${stderr}`.trim()));
            else resolve(stdout);
        });
    });
}

/** npm as the running npm script's (`npm_execpath`), so the same npm packs that installs; `npm` on PATH otherwise. */
function npm(args: readonly string[], cwd: string): Promise<string> {
    const cli = process.env.npm_execpath;
    const label = `npm ${args.filter((a) => !a.startsWith("-") || a === "--").join(" ")}`;
    return cli && /npm-cli\.js$/.test(cli)
        ? run(label, process.execPath, [cli, ...args], cwd)
        : run(label, process.platform === "win32" ? "npm.cmd" : "npm", args, cwd);
}

/** Every file under `dir` (relative, `/`-separated, sorted), skipping node_modules. */
function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    const out: string[] = [];
    const walk = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory() && e.name !== "node_modules") walk(p);
            else if (e.isFile()) out.push(posix(path.relative(dir, p)));
        }
    };
    walk(dir);
    return out.sort();
}

/** SHA-256 of files' paths and contents: what a build was made from. */
function hashFiles(files: readonly string[]): string {
    const h = createHash("sha256");
    for (const f of [...new Set(files)].sort()) {
        h.update(posix(path.relative(REPO_ROOT, f)));
        h.update(fs.existsSync(f) ? fs.readFileSync(f) : "(missing)");
    }
    return h.digest("hex");
}

const under = (dir: string): string[] => filesUnder(path.join(REPO_ROOT, dir)).map((f) => path.join(REPO_ROOT, dir, f));
const repoFiles = (...files: string[]): string[] => files.map((f) => path.join(REPO_ROOT, f));

/** What tsc compiles for the components and outputs packages; the lockfile decides the types they are checked against. */
function compileInputs(): string[] {
    return [...under("components"), ...repoFiles("outputs.ts", "tsconfig.json", "tsconfig.packages.json", "package.json", "package-lock.json")];
}

/** Everything a pack is made from, this tool included: a change to any of them makes a new pack. */
export function packInputs(): string[] {
    return [
        ...compileInputs(),
        ...under("functions/release-hooks"),
        ...under("functions/shared"),
        ...["index.ts", "index.js", "PulumiPolicy.yaml", "package.json", "README.md", "tsconfig.json", "tsconfig.build.json"].map((f) =>
            path.join(REPO_ROOT, "policies", f),
        ),
        ...under("policies/lib"),
        ...under("policies/rules"),
        ...under("policies/config"),
        path.join(REPO_ROOT, "tools", "pack.ts"),
    ];
}

/** Compiles components/ and outputs.ts with declarations, unless the last compile was of the same sources. */
async function compile(log: (line: string) => void): Promise<void> {
    const inputs = hashFiles(compileInputs());
    const stamp = path.join(TSC_OUT_DIR, ".inputs");
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === inputs) return;
    log("compiling components/ and outputs.ts (tsconfig.packages.json)");
    // A module deleted from components/ must not live on in the package.
    fs.rmSync(TSC_OUT_DIR, { recursive: true, force: true });
    await run(
        "tsc -p tsconfig.packages.json",
        process.execPath,
        [require.resolve("typescript/bin/tsc"), "-p", path.join(REPO_ROOT, "tsconfig.packages.json")],
        REPO_ROOT,
    );
    fs.writeFileSync(stamp, inputs);
}

/** The package a bare import specifier names: `@pulumi/awsx/ec2` is `@pulumi/awsx`. */
function packageOf(specifier: string): string | undefined {
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) return undefined;
    if (specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]!)) return undefined;
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The files esbuild reaches from `entries` without entering node_modules, and the packages they import at run time. */
async function importGraph(entries: readonly string[]): Promise<{ local: string[]; packages: Set<string> }> {
    const result = await build({
        entryPoints: [...entries],
        absWorkingDir: REPO_ROOT,
        bundle: true,
        packages: "external",
        platform: "node",
        format: "cjs",
        outdir: path.join(BUILD_DIR, "graph"),
        write: false,
        metafile: true,
        logLevel: "silent",
    });
    const metafile: Metafile = result.metafile;
    const packages = new Set<string>();
    for (const input of Object.values(metafile.inputs)) {
        for (const i of input.imports) {
            const pkg = i.external ? packageOf(i.path) : undefined;
            if (pkg) packages.add(pkg);
        }
    }
    return { local: Object.keys(metafile.inputs).map((f) => path.resolve(REPO_ROOT, f)), packages };
}

/** The packages a declaration file refers to: a consumer's type check needs each one installed. */
function declarationImports(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const found: string[] = [];
    for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)"([^"]+)"/gm)) {
        const pkg = packageOf(m[1]!);
        if (pkg) found.push(pkg);
    }
    return found;
}

/**
 * Dependencies at the releases this repository installs: the root package.json's pin, or for a package it
 * only has through another (`@aws-sdk/credential-provider-env`) the copy npm hoisted. `@pulumi/*` are peers:
 * a second copy of the SDK would not see the program's resources, nor its mocks.
 */
function dependencyFields(packages: Iterable<string>): { dependencies: Record<string, string>; peerDependencies: Record<string, string> } {
    const root = readJson<Manifest>(path.join(REPO_ROOT, "package.json"));
    const dependencies: Record<string, string> = {};
    const peerDependencies: Record<string, string> = {};
    for (const pkg of [...packages].sort()) {
        const installed = path.join(REPO_ROOT, "node_modules", pkg, "package.json");
        const version = root.dependencies?.[pkg] ?? (fs.existsSync(installed) ? readJson<Manifest>(installed).version : undefined);
        if (!version) throw new PackError(`the packed code imports ${pkg}, which this repository does not install: add it to package.json's dependencies`);
        if (pkg.startsWith("@pulumi/")) peerDependencies[pkg] = `^${version}`;
        else dependencies[pkg] = version;
    }
    return { dependencies, peerDependencies };
}

/** Copies `files` (absolute, inside the repository) to the same relative paths under `dir`. */
function copyInto(dir: string, files: Iterable<string>, from: string = REPO_ROOT): void {
    for (const f of files) {
        const target = path.join(dir, path.relative(from, f));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(f, target);
    }
}

function writeManifest(dir: string, manifest: Record<string, unknown>): void {
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** What the packages share with the repository's own package.json: its version, license and supported Node.js. */
function common(root: Manifest): Record<string, unknown> {
    return { version: root.version, license: root.license, engines: root.engines };
}

/** Checks that every package a declaration file imports is one a consumer will have installed. */
function checkDeclarations(dir: string, declared: ReadonlySet<string>): void {
    for (const f of filesUnder(dir).filter((f) => f.endsWith(".d.ts"))) {
        for (const pkg of declarationImports(path.join(dir, f))) {
            if (!declared.has(pkg))
                throw new PackError(`${f} refers to ${pkg}, which the package does not depend on: its types would not resolve for a consumer`);
        }
    }
}

const COMPONENTS_README = `# @serverless-platform/components

The platform's Pulumi components, one module per subpath:

\`\`\`ts
import { Function } from "@serverless-platform/components/function";
import { QueueWithDlq } from "@serverless-platform/components/queue-with-dlq";
import { FUNCTION_RUNTIME } from "@serverless-platform/components/defaults/lambda";
\`\`\`

\`@pulumi/pulumi\`, \`@pulumi/aws\` and \`@pulumi/awsx\` are peer dependencies: install them in the program.
A \`Function\`'s \`entry\` is taken from the program's directory (where Pulumi runs it) and bundled with
esbuild when the program runs, with this package's settings and stand-ins (functions/shared); its imports
resolve from the handler's own folder. Bundles are cached in the program's \`node_modules/.cache/platform-bundles\`.
`;

const OUTPUTS_README = `# @serverless-platform/outputs

The platform's output contract and its typed reader for consumer stacks:

\`\`\`ts
import * as pulumi from "@pulumi/pulumi";
import { platformOutputs } from "@serverless-platform/outputs";

const platform = platformOutputs(new pulumi.StackReference("platform", { name: "acme/platform/prod" }));
\`\`\`

\`@pulumi/pulumi\` is a peer dependency: install it in the program.
`;

async function stageComponents(root: Manifest): Promise<string> {
    const dir = path.join(BUILD_DIR, "components");
    fs.rmSync(dir, { recursive: true, force: true });
    const compiled = filesUnder(path.join(TSC_OUT_DIR, "components")).map((f) => path.join(TSC_OUT_DIR, "components", f));
    copyInto(dir, compiled, TSC_OUT_DIR);
    // What the components bundle when the program runs: the release hooks (Release) and the stand-ins every bundle uses.
    const hooks = under("functions/release-hooks").filter((f) => f.endsWith(".ts"));
    const standIns = Object.values(esbuildOptions(hooks[0]!).alias ?? {});
    const functions = await importGraph([...hooks, ...standIns]);
    const shipped = new Set<string>();
    for (const f of functions.local) {
        const rel = posix(path.relative(REPO_ROOT, f));
        if (rel.startsWith("functions/")) shipped.add(f);
        // They may import the components' own modules, which the package has compiled.
        else if (!(rel.startsWith("components/") && fs.existsSync(path.join(TSC_OUT_DIR, rel.replace(/\.ts$/, ".js")))))
            throw new PackError(`${rel}: the release hooks or stand-ins import it, but it is neither in functions/ nor a compiled module of components/`);
    }
    copyInto(dir, shipped);
    const componentsGraph = await importGraph(compiled.filter((f) => f.endsWith(".js")));
    const fields = dependencyFields(new Set([...componentsGraph.packages, ...functions.packages]));
    checkDeclarations(dir, new Set([...Object.keys(fields.dependencies), ...Object.keys(fields.peerDependencies)]));
    writeManifest(dir, {
        name: PACKAGE_NAMES.components,
        description: "The serverless platform's Pulumi components: secure, observable defaults, exact grants, Lambda bundles built with esbuild.",
        ...common(root),
        files: ["components/", "functions/"],
        exports: { "./package.json": "./package.json", "./*": { types: "./components/*.d.ts", default: "./components/*.js" } },
        // For programs type-checked with moduleResolution node (node10), which does not read `exports`.
        typesVersions: { "*": { "*": ["components/*"] } },
        ...fields,
    });
    fs.writeFileSync(path.join(dir, "README.md"), COMPONENTS_README);
    return dir;
}

async function stageOutputs(root: Manifest): Promise<string> {
    const dir = path.join(BUILD_DIR, "outputs");
    fs.rmSync(dir, { recursive: true, force: true });
    copyInto(dir, [path.join(TSC_OUT_DIR, "outputs.js"), path.join(TSC_OUT_DIR, "outputs.d.ts")], TSC_OUT_DIR);
    const fields = dependencyFields((await importGraph([path.join(dir, "outputs.js")])).packages);
    checkDeclarations(dir, new Set([...Object.keys(fields.dependencies), ...Object.keys(fields.peerDependencies)]));
    writeManifest(dir, {
        name: PACKAGE_NAMES.outputs,
        description: "The serverless platform's output contract: its versioned types and the typed StackReference reader for consumer stacks.",
        ...common(root),
        main: "outputs.js",
        types: "outputs.d.ts",
        files: ["outputs.js", "outputs.d.ts"],
        exports: { ".": { types: "./outputs.d.ts", default: "./outputs.js" }, "./package.json": "./package.json" },
        ...fields,
    });
    fs.writeFileSync(path.join(dir, "README.md"), OUTPUTS_README);
    return dir;
}

/** Newest modification time of the TypeScript under `entry`, as policies/index.js judges its build. */
function newestTs(entry: string): number {
    if (!fs.existsSync(entry)) return 0;
    const stat = fs.statSync(entry);
    if (!stat.isDirectory()) return entry.endsWith(".ts") ? stat.mtimeMs : 0;
    return Math.max(0, ...fs.readdirSync(entry).map((name) => newestTs(path.join(entry, name))));
}

/** The policy pack's directory, its bin/ built unless it already is newer than every source it compiles. */
async function stagePolicies(log: (line: string) => void): Promise<string> {
    const dir = path.join(REPO_ROOT, "policies");
    const built = path.join(dir, "bin", "policies", "index.js");
    const sources = Math.max(...["index.ts", "lib", "rules", path.join("..", "components", "defaults")].map((p) => newestTs(path.join(dir, p))));
    if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) {
        log("building the policy pack (policies/tsconfig.build.json)");
        await npm(["run", "--silent", "build"], dir);
    }
    return dir;
}

interface NpmPackResult {
    name: string;
    version: string;
    filename: string;
    integrity: string;
    files: { path: string }[];
}

/** Builds and packs the packages into `outDir` (dist/packages), replacing earlier tarballs of theirs. */
export async function pack(options: PackOptions = {}): Promise<PackedPackage[]> {
    const outDir = options.outDir ?? PACKAGES_DIR;
    const only = options.only ?? PACKAGE_KINDS;
    const log = options.log ?? (() => undefined);
    const inputs = hashFiles(packInputs());
    const root = readJson<Manifest>(path.join(REPO_ROOT, "package.json"));
    fs.mkdirSync(BUILD_DIR, { recursive: true });
    fs.mkdirSync(outDir, { recursive: true });
    if (only.includes("components") || only.includes("outputs")) await compile(log);
    const packed: PackedPackage[] = [];
    for (const kind of PACKAGE_KINDS.filter((k) => only.includes(k))) {
        const dir = kind === "components" ? await stageComponents(root) : kind === "outputs" ? await stageOutputs(root) : await stagePolicies(log);
        const name = readJson<Manifest>(path.join(dir, "package.json")).name;
        const prefix = name.replace(/^@/, "").replace("/", "-");
        for (const old of fs.readdirSync(outDir).filter((f) => f.startsWith(`${prefix}-`) && f.endsWith(".tgz"))) fs.rmSync(path.join(outDir, old));
        log(`packing ${name}`);
        // Scripts off: what they would build (the policy pack's bin/) is built above, only when stale.
        const [result] = JSON.parse(
            await npm(["pack", dir, "--pack-destination", outDir, "--ignore-scripts", "--json", "--silent"], REPO_ROOT),
        ) as NpmPackResult[];
        if (!result) throw new PackError(`npm pack ${dir} reported no tarball`);
        packed.push({
            kind,
            name: result.name,
            version: result.version,
            tarball: path.join(outDir, result.filename),
            integrity: result.integrity,
            files: result.files.map((f) => f.path).sort(),
        });
    }
    if (only.length === PACKAGE_KINDS.length) fs.writeFileSync(path.join(outDir, STAMP), `${JSON.stringify({ inputs, packages: packed }, null, 2)}\n`);
    return packed;
}

/** The `file:` tarballs an example's package.json depends on: name -> absolute path. */
export function exampleTarballs(example: string): Record<string, string> {
    const manifest = readJson<{ dependencies?: Record<string, string> }>(path.join(example, "package.json"));
    return Object.fromEntries(
        Object.entries(manifest.dependencies ?? {})
            .filter(([, spec]) => spec.startsWith("file:") && spec.endsWith(".tgz"))
            .map(([name, spec]) => [name, path.resolve(example, spec.slice("file:".length))]),
    );
}

/**
 * The integrity of the tarball `name` was installed from in `example`, as npm recorded it in the hidden
 * lockfile (node_modules/.package-lock.json). Nothing else may be written into node_modules: npm stops
 * trusting that record when the directory changes after an install.
 */
function installedIntegrity(example: string, name: string): string | undefined {
    const hidden = path.join(example, "node_modules", ".package-lock.json");
    if (!fs.existsSync(hidden) || !fs.existsSync(path.join(example, "node_modules", name, "package.json"))) return undefined;
    return readJson<{ packages?: Record<string, { integrity?: string }> }>(hidden).packages?.[`node_modules/${name}`]?.integrity;
}

/** Installs an example's dependencies (its tarballs from `packed`) with npm, unless it already has exactly those. */
export async function installExample(example: string, packed: readonly PackedPackage[], log: (line: string) => void = () => undefined): Promise<void> {
    const wanted: Record<string, string> = {};
    for (const [name, tarball] of Object.entries(exampleTarballs(example))) {
        const match = packed.find((p) => p.name === name);
        if (!match || match.tarball !== tarball)
            throw new PackError(
                `${posix(path.relative(REPO_ROOT, example))}/package.json depends on ${name} as ${posix(path.relative(example, tarball))}, but the pack made ${match ? posix(path.relative(example, match.tarball)) : `no ${name}`}: update the dependency`,
            );
        wanted[name] = match.integrity;
    }
    if (Object.entries(wanted).every(([name, integrity]) => installedIntegrity(example, name) === integrity)) return;
    log(`installing ${posix(path.relative(REPO_ROOT, example))}`);
    // npm keeps an installed `file:` tarball of the same version even when the tarball changed: out with it first.
    for (const name of Object.keys(wanted)) fs.rmSync(path.join(example, "node_modules", name), { recursive: true, force: true });
    fs.rmSync(path.join(example, "node_modules", ".package-lock.json"), { force: true });
    // The example's .npmrc leaves @pulumi/* to the repository's node_modules; other dependencies come from the npm cache when it has them.
    await npm(["install", "--no-audit", "--no-fund", "--prefer-offline", "--silent"], example);
}

/**
 * The tarballs in dist/packages, packed again only when a source changed since the last pack, and the
 * examples installed from them: what `npm test` runs first (test/setup/packages.ts), so specs never meet a
 * stale package. With nothing changed it only hashes the sources. One process at a time: a second waits.
 */
export async function ensurePackages(log: (line: string) => void = () => undefined): Promise<PackedPackage[]> {
    return withLock(async () => {
        const stampFile = path.join(PACKAGES_DIR, STAMP);
        const stamp = fs.existsSync(stampFile) ? readJson<{ inputs: string; packages: PackedPackage[] }>(stampFile) : undefined;
        const fresh = stamp && stamp.inputs === hashFiles(packInputs()) && stamp.packages.every((p) => fs.existsSync(p.tarball));
        const packed = fresh ? stamp.packages : await pack({ log });
        for (const example of EXAMPLES) await installExample(example, packed, log);
        return packed;
    });
}

/** Whether the process that wrote `pidFile` still runs (unknown, so yes, while the file is not written yet). */
function holderAlive(pidFile: string): boolean {
    const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8") : NaN);
    if (!Number.isInteger(pid)) return true;
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Runs `fn` holding dist/packages-build/.lock: parallel spec workers and installs must not pack into the same files at once. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = path.join(BUILD_DIR, ".lock");
    const pidFile = path.join(lock, "pid");
    fs.mkdirSync(BUILD_DIR, { recursive: true });
    const started = Date.now();
    for (;;) {
        try {
            fs.mkdirSync(lock);
            fs.writeFileSync(pidFile, String(process.pid));
            break;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            // A holder that was killed (an interrupted npm test) leaves its lock behind.
            if (!holderAlive(pidFile)) fs.rmSync(lock, { recursive: true, force: true });
            else if (Date.now() - started > 10 * 60_000)
                throw new PackError(`${lock} has been held by process ${fs.readFileSync(pidFile, "utf8")} for ten minutes: remove it if no pack is running`);
            else await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }
    try {
        return await fn();
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

export const COMMAND = defineCommand({
    name: "pack",
    synopsis: `[--out-dir DIR] [--only ${PACKAGE_KINDS.join(",")}] [--examples] [--json]`,
    summary:
        "Builds and packs the components, the output contract's reader and the policy pack as npm tarballs another repository installs; dependencies pinned to this repository's, @pulumi/* as peers.",
    flags: {
        "out-dir": { type: "string", value: "DIR", description: "where the tarballs go", defaultText: "dist/packages" },
        only: {
            type: "string",
            value: "NAMES",
            description: `a comma-separated list of the packages to pack, of ${PACKAGE_KINDS.join(", ")}`,
            defaultText: "all",
            parse: listOf(PACKAGE_KINDS),
        },
        examples: {
            type: "boolean",
            description: "then install the tarballs into examples/consumer (npm install there); needs every package in dist/packages",
        },
        json: { type: "boolean", description: "print the tarballs as JSON ([{ kind, name, version, tarball, integrity, files }]) and nothing else on stdout" },
    },
    epilog: "Exit code: 0 packed, 1 a build or npm failed, 2 bad usage.",
});

/** The command: packs, optionally installs the examples, and prints one line per tarball (or the JSON list). */
export async function main(
    argv: readonly string[],
    out: (line: string) => void = console.log,
    err: (line: string) => void = (l) => console.error(l),
): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { "out-dir": outDir, only, examples, json } = parsed.values;
    const target = outDir !== undefined ? path.resolve(outDir) : PACKAGES_DIR;
    if (examples && (target !== PACKAGES_DIR || (only && only.length < PACKAGE_KINDS.length)))
        throw new UsageError(
            `--examples installs what examples/consumer names, every package in dist/packages: it takes no --out-dir or --only. ${COMMAND.seeHelp}`,
        );
    const packed = await withLock(async () => {
        const result = await pack({ outDir: target, ...(only ? { only } : {}), log: err });
        if (examples) for (const example of EXAMPLES) await installExample(example, result, err);
        return result;
    });
    if (json) {
        out(JSON.stringify(packed, null, 2));
        return 0;
    }
    for (const p of packed) out(`${p.name.padEnd(32)} ${String(p.files.length).padStart(4)} files  ${path.relative(process.cwd(), p.tarball)}`);
    return 0;
}

if (require.main === module) {
    // A failed build or npm run prints its own output in the message: the message alone.
    runProcess("pack", () => main(process.argv.slice(2)), { explained: (error) => error instanceof PackError });
}
