/**
 * Every use of the Pulumi Node.js SDK's private code, in one place: the offline preview's runner and
 * preload, config.ts and the component specs go through here and nowhere else. For each internal it
 * says what it touches and why; `sdkInternals()` checks that the installed SDK is a release these were
 * verified on, and that each internal still has the shape relied on, before anything uses them. An
 * upgrade of `@pulumi/pulumi` beyond `PULUMI_SDK_VERIFIED` therefore stops with a message naming the
 * package, the installed version and the supported range, and `describeSdkInternals()` (the shape spec,
 * test/preview/sdk-internals.spec.ts) shows exactly what to re-verify.
 *
 * What stays private, and why there is no public way:
 * - `cmd/run/index.js`: the language host's own entry point (the CLI runs it); the preview runs a program
 *   exactly as it, against mocks. `cmd/run-policy-pack` likewise for packs.
 * - `runtime/settings.js` `getMonitor()` and the mock monitor's `registerResource`, `readResource`,
 *   `registerResourceOutputs`, `signalAndWaitForShutdown` and `resources`: the `Mocks` interface does not
 *   pass parents, property dependencies, providers or reads, which the policy pack needs.
 * - `runtime/rpc.js` `serializeProperties`/`deserializeProperties` and the generated protobuf messages
 *   (`proto/resource_pb.js`, google-protobuf's `Struct`): the wire format of those requests.
 * - `resource.js` `Resource.callsites` and `runtime/debuggable.js` `debuggablePromise`: skipped for speed
 *   (a stack trace per resource and per promise); optional, the preview only gets slower without.
 * - `runtime/closure/v8Hooks.js` `isInitializedAsync`, `getSessionAsync` and `getScriptUrl`: the inspector
 *   session the hosts open at start, opened on first use instead (`inspector-on-demand.ts`); optional.
 * - `runtime/config.js` `isConfigSecret`: which config keys are secret, including those set through the
 *   runtime's store (mocks, Automation API); optional, the public path is PULUMI_CONFIG_SECRET_KEYS.
 * - `runtime/settings.js` `waitForRPCs`: the language host's wait for outstanding registrations, which
 *   the component specs use to know a program has finished.
 * - `runtime/state.js` `withLocalStorage`: a fresh state store for another run of a program in the same
 *   process, as the Automation API runs inline programs; a runner is then reused for the next preview of
 *   the same program (`RunnerPool`). Optional: without it each preview starts its own runner.
 * - The module loader's `_load`, watched once while the language host's `cmd/run/run.js` requires the
 *   program, to learn the entry file a reused runner requires again.
 * - `runtime/resource.js` `registerResource`/`readResource` (called through the module's exports by
 *   `resource.js`): wrapped to see each registration start, so a resource whose inputs never resolve is
 *   named instead of missing silently (the engine would wait for it; the mock monitor never hears of it).
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { checkVerifiedVersion, UnverifiedDependencyError } from "../../components/verified-dependencies";
import { deferInspectorSession, hasV8Hooks, V8_HOOKS } from "./inspector-on-demand";

export { ALLOW_UNVERIFIED_ENV, checkVerifiedVersion, UnverifiedDependencyError } from "../../components/verified-dependencies";

export const PULUMI_SDK_PACKAGE = "@pulumi/pulumi";

/** The `@pulumi/pulumi` releases the internals below were verified on (the shape spec passes on each). */
export const PULUMI_SDK_VERIFIED = ">=3.248.0 <=3.276.0";

/** A request of the SDK's generated resource protobuf. */
export interface Struct {
    toJavaScript(): Record<string, unknown>;
}
export interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getRemote(): boolean;
    getProtect(): boolean;
    getProvider(): string;
    getVersion(): string;
    getImportid(): string;
    getObject(): Struct | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    getIgnorechangesList(): string[];
    getAliasesList(): unknown[];
    getAdditionalsecretoutputsList(): string[];
    getDeletebeforereplace(): boolean;
    getDeletebeforereplacedefined(): boolean;
}
export interface ReadResourceRequest {
    getType(): string;
    getName(): string;
    getId(): string;
    getParent(): string;
    getProvider(): string;
    getVersion(): string;
    getProperties(): Struct | undefined;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
}
export interface RegisterResourceOutputsRequest {
    getUrn(): string;
    getOutputs(): Struct | undefined;
}
export type Callback = (err: Error | null, resp?: unknown) => void;
/** The SDK's mock monitor (`runtime/mocks.js` MockMonitor), whose methods the preview replaces. */
export interface MockMonitorLike {
    resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
    registerResource(req: RegisterResourceRequest, cb: Callback): void;
    readResource(req: ReadResourceRequest, cb: Callback): void;
    registerResourceOutputs(req: RegisterResourceOutputsRequest, cb: Callback): void;
    signalAndWaitForShutdown?(req: unknown, cb: Callback): void;
}

/** The private parts of one installed SDK, checked. */
export interface SdkInternals {
    dir: string;
    version: string;
    /** The language host's entry point (`cmd/run/index.js`). */
    runEntry: string;
    /** Skips the per-resource and per-promise stack traces; false when that part could not be verified. */
    skipStackTraces(): boolean;
    /** Opens the SDK's inspector session on first use, not at start; false when that part could not be verified. */
    deferInspectorSession(): boolean;
    /** Calls `listener` with each resource's type and name as the SDK starts to register (or read) it. */
    onRegistrationStart(listener: (type: string, name: string) => void): void;
    /** Calls `listener` with the program's entry file once the language host requires it (a CommonJS program). */
    onProgramRequire(programDir: string, listener: (file: string) => void): void;
    /** Runs `fn` with a fresh state store (another run of a program); undefined when the SDK has none. */
    withLocalStorage?: <T>(fn: () => Promise<T>) => Promise<T>;
    /** The language host's wait for every outstanding registration. */
    waitForRPCs(): Promise<void>;
    /** The mock monitor `setMocks` installed. */
    monitor(): MockMonitorLike;
    rpc: {
        deserializeProperties(s: Struct): Record<string, unknown>;
        serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
    };
    Struct: { fromJavaScript(o: Record<string, unknown>): Struct };
    resourceProto: {
        RegisterResourceResponse: new () => { setUrn(u: string): void; setId(i: string): void; setObject(s: Struct): void };
        ReadResourceResponse: new () => { setUrn(u: string): void; setProperties(s: Struct): void };
    };
}

/** One private thing the adapter relies on, and whether the installed SDK still has it. */
export interface InternalCheck {
    name: string;
    /** Optional parts only make the preview slower when missing. */
    optional: boolean;
    ok: boolean;
}

type Loader = (id: string) => unknown;
const has = (o: unknown, key: string, kind: string): boolean =>
    o !== null && (typeof o === "object" || typeof o === "function") && typeof (o as Record<string, unknown>)[key] === kind;
const tryLoad = (load: Loader, id: string): unknown => {
    try {
        return load(id);
    } catch {
        return undefined;
    }
};

/** The version of the SDK installed in `sdkDir`. */
export function sdkVersion(sdkDir: string): string {
    return (JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as { version: string }).version;
}

/** Checks each internal's shape in the SDK at `sdkDir`, without changing anything. The monitor is checked by `sdkInternals`. */
export function describeSdkInternals(sdkDir: string): InternalCheck[] {
    const load = createRequire(path.join(sdkDir, "package.json"));
    const settings = tryLoad(load, "./runtime/settings.js");
    const rpc = tryLoad(load, "./runtime/rpc.js");
    const proto = tryLoad(load, "./proto/resource_pb.js");
    const struct = tryLoad(load, "google-protobuf/google/protobuf/struct_pb");
    const resource = tryLoad(load, "./resource.js") as { Resource?: unknown } | undefined;
    const debuggable = tryLoad(load, "./runtime/debuggable.js");
    const config = tryLoad(load, "./runtime/config.js");
    const runtimeResource = tryLoad(load, "./runtime/resource.js");
    const state = tryLoad(load, "./runtime/state.js");
    const v8Hooks = tryLoad(load, V8_HOOKS);
    return [
        { name: "cmd/run/index.js (the language host's entry point)", optional: false, ok: fs.existsSync(path.join(sdkDir, "cmd", "run", "index.js")) },
        {
            name: "cmd/run-policy-pack (the policy pack's entry point)",
            optional: false,
            ok: fs.existsSync(path.join(sdkDir, "cmd", "run-policy-pack", "index.js")),
        },
        { name: "runtime/settings.js getMonitor()", optional: false, ok: has(settings, "getMonitor", "function") },
        { name: "runtime/settings.js waitForRPCs()", optional: false, ok: has(settings, "waitForRPCs", "function") },
        {
            name: "runtime/rpc.js serializeProperties() and deserializeProperties()",
            optional: false,
            ok: has(rpc, "serializeProperties", "function") && has(rpc, "deserializeProperties", "function"),
        },
        {
            name: "proto/resource_pb.js RegisterResourceResponse and ReadResourceResponse",
            optional: false,
            ok: has(proto, "RegisterResourceResponse", "function") && has(proto, "ReadResourceResponse", "function"),
        },
        {
            name: "google-protobuf Struct.fromJavaScript()",
            optional: false,
            ok: has((struct as { Struct?: unknown } | undefined)?.Struct, "fromJavaScript", "function"),
        },
        {
            name: "runtime/resource.js registerResource() and readResource()",
            optional: false,
            ok: has(runtimeResource, "registerResource", "function") && has(runtimeResource, "readResource", "function"),
        },
        {
            name: "resource.js Resource.callsites()",
            optional: true,
            ok: typeof (resource?.Resource as { callsites?: unknown } | undefined)?.callsites === "function",
        },
        { name: "runtime/debuggable.js debuggablePromise()", optional: true, ok: has(debuggable, "debuggablePromise", "function") },
        { name: "runtime/config.js isConfigSecret()", optional: true, ok: has(config, "isConfigSecret", "function") },
        { name: "runtime/state.js withLocalStorage()", optional: true, ok: has(state, "withLocalStorage", "function") },
        { name: "runtime/closure/v8Hooks.js isInitializedAsync(), getSessionAsync() and getScriptUrl()", optional: true, ok: hasV8Hooks(v8Hooks) },
    ];
}

/**
 * The checked internals of the SDK at `sdkDir`: throws UnverifiedDependencyError for a release outside
 * PULUMI_SDK_VERIFIED (unless allowed) or a required internal that changed shape; an optional one that
 * changed is skipped with a notice.
 */
export function sdkInternals(sdkDir: string, usedBy = "the offline preview", notice: (line: string) => void = (l) => console.error(l)): SdkInternals {
    const version = sdkVersion(sdkDir);
    checkVerifiedVersion(PULUMI_SDK_PACKAGE, version, PULUMI_SDK_VERIFIED, usedBy, notice);
    const checks = describeSdkInternals(sdkDir);
    const broken = checks.filter((c) => !c.ok && !c.optional).map((c) => c.name);
    if (broken.length > 0) {
        throw new UnverifiedDependencyError(
            `${PULUMI_SDK_PACKAGE} ${version} no longer has what ${usedBy} relies on: ${broken.join("; ")} (tools/preview/sdk-internals.ts)`,
        );
    }
    const optionalOk = (name: string) => checks.find((c) => c.name.startsWith(name))?.ok === true;
    const load = createRequire(path.join(sdkDir, "package.json"));
    const settings = load("./runtime/settings.js") as { getMonitor(): unknown };
    return {
        dir: sdkDir,
        version,
        runEntry: path.join(sdkDir, "cmd", "run", "index.js"),
        skipStackTraces() {
            if (!optionalOk("resource.js") || !optionalOk("runtime/debuggable.js")) {
                notice(
                    `notice: ${PULUMI_SDK_PACKAGE} ${version}: the stack-trace shortcut does not apply, so ${usedBy} runs slower (tools/preview/sdk-internals.ts)`,
                );
                return false;
            }
            // The SDK formats a stack trace for every resource (its source position) and every RPC promise
            // (for leak reports at exit), and ts-node's source-map support maps each frame: a second or more
            // of a preview. The engine only displays these and the preview records none.
            (load("./resource.js") as { Resource: { callsites(): unknown[] } }).Resource.callsites = () => [];
            (load("./runtime/debuggable.js") as { debuggablePromise<T>(p: Promise<T>): Promise<T> }).debuggablePromise = (p) => p;
            return true;
        },
        deferInspectorSession() {
            if (deferInspectorSession(sdkDir)) return true;
            notice(`notice: ${PULUMI_SDK_PACKAGE} ${version}: the inspector session opens at start, so ${usedBy} runs slower (tools/preview/sdk-internals.ts)`);
            return false;
        },
        onRegistrationStart(listener) {
            type Op = (res: unknown, parent: unknown, type: string, name: string, ...rest: unknown[]) => unknown;
            const ops = load("./runtime/resource.js") as { registerResource: Op; readResource: Op };
            for (const op of ["registerResource", "readResource"] as const) {
                const original = ops[op];
                ops[op] = function (this: unknown, res, parent, type, name, ...rest) {
                    listener(type, name);
                    return original.call(this, res, parent, type, name, ...rest);
                };
            }
        },
        onProgramRequire(programDir, listener) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const loader = require("module") as {
                _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown;
                _resolveFilename(request: string, parent: unknown, isMain: boolean): string;
            };
            const host = path.join(sdkDir, "cmd", "run", "run.js");
            const original = loader._load;
            const inProgram = (f: string) => f.startsWith(path.resolve(programDir) + path.sep) && !f.includes(`${path.sep}node_modules${path.sep}`);
            loader._load = function (this: unknown, request, parent, isMain) {
                if (parent?.filename === host && path.isAbsolute(request)) {
                    try {
                        const file = loader._resolveFilename(request, parent, isMain);
                        if (inProgram(file)) {
                            loader._load = original;
                            listener(file);
                        }
                    } catch {
                        // Not resolvable: the language host reports that itself.
                    }
                }
                return original.call(this, request, parent, isMain);
            };
        },
        withLocalStorage: optionalOk("runtime/state.js")
            ? (load("./runtime/state.js") as { withLocalStorage<T>(fn: () => Promise<T>): Promise<T> }).withLocalStorage
            : undefined,
        waitForRPCs: () => (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs(),
        monitor() {
            const monitor = settings.getMonitor() as Partial<MockMonitorLike> | undefined;
            const ok =
                monitor !== undefined &&
                monitor.resources instanceof Map &&
                ["registerResource", "readResource", "registerResourceOutputs"].every((m) => typeof (monitor as Record<string, unknown>)[m] === "function");
            if (!ok) {
                throw new UnverifiedDependencyError(
                    `${PULUMI_SDK_PACKAGE} ${version}: the mock monitor has changed shape (resources map, registerResource, readResource, registerResourceOutputs)`,
                );
            }
            return monitor as MockMonitorLike;
        },
        rpc: load("./runtime/rpc.js") as SdkInternals["rpc"],
        Struct: (load("google-protobuf/google/protobuf/struct_pb") as { Struct: SdkInternals["Struct"] }).Struct,
        resourceProto: load("./proto/resource_pb.js") as SdkInternals["resourceProto"],
    };
}

/** The directory of the `@pulumi/pulumi` a module at `from` resolves. */
export function sdkDirFrom(from: string): string {
    return path.dirname(createRequire(from).resolve(`${PULUMI_SDK_PACKAGE}/package.json`));
}

/**
 * `isConfigSecret` of this project's SDK (the one config.ts runs with), checked; outside the verified
 * range or without it, the public contract instead: the keys the language host lists in
 * PULUMI_CONFIG_SECRET_KEYS (which misses secrets set through the runtime's store, as mocks do).
 */
export function configSecretReader(runtime: object, notice: (line: string) => void = (l) => console.error(l)): (key: string) => boolean {
    const sdkDir = sdkDirFrom(__filename);
    const version = sdkVersion(sdkDir);
    const internal = (runtime as { isConfigSecret?: unknown }).isConfigSecret;
    const verified = (() => {
        try {
            return checkVerifiedVersion(PULUMI_SDK_PACKAGE, version, PULUMI_SDK_VERIFIED, "config.ts", () => undefined);
        } catch {
            return false;
        }
    })();
    if (verified && typeof internal === "function") {
        return (key) => (internal as (k: string) => boolean)(key);
    }
    notice(
        `notice: ${PULUMI_SDK_PACKAGE} ${version}: config.ts reads secret keys from PULUMI_CONFIG_SECRET_KEYS (isConfigSecret is not verified on this release)`,
    );
    let keys: unknown;
    try {
        keys = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    } catch {
        keys = [];
    }
    const set = new Set(Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : []);
    return (key) => set.has(key);
}

/** The language host's wait for every outstanding registration (the component specs' harness). */
export function waitForRPCs(sdkDir: string = sdkDirFrom(__filename)): () => Promise<void> {
    const settings = createRequire(path.join(sdkDir, "package.json"))("./runtime/settings.js") as { waitForRPCs?: unknown };
    if (typeof settings.waitForRPCs !== "function") {
        throw new UnverifiedDependencyError(
            `${PULUMI_SDK_PACKAGE} ${sdkVersion(sdkDir)}: runtime/settings.js has no waitForRPCs() (tools/preview/sdk-internals.ts)`,
        );
    }
    return settings.waitForRPCs as () => Promise<void>;
}
