import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { track } from "./children";
import { encodeAnalyzerResource, encodeAnalyzeRequest, encodeAnalyzeStackRequest, type WireResource } from "./analyzer-wire";
import { codeCache } from "./child-scripts";
import { PolicyInfo, resolvePolicyConfig, ResolvedPolicyConfig } from "./policy-config";
import { Diagnostic, EnforcementLevel, PreviewError } from "./types";

/** How long a pack may take to print its port: it type-checks itself with ts-node on start. */
const START_TIMEOUT_MS = 120_000;

const LEVELS: Record<number, EnforcementLevel> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};

const LEVEL_CODES: Record<EnforcementLevel, analyzer.EnforcementLevel> = {
    advisory: analyzer.EnforcementLevel.ADVISORY,
    mandatory: analyzer.EnforcementLevel.MANDATORY,
    disabled: analyzer.EnforcementLevel.DISABLED,
    remediate: analyzer.EnforcementLevel.REMEDIATE,
};

/** A resource as the engine hands it to an analyzer (the fields the wire encoder writes). */
export type AnalyzerInput = WireResource;

function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

function options(r: AnalyzerInput): analyzer.AnalyzerResourceOptions {
    const o = new analyzer.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    o.setIgnorechangesList(r.ignoreChanges);
    o.setAliasesList(r.aliases);
    o.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
    o.setDeletebeforereplace(r.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(r.deleteBeforeReplaceDefined);
    o.setParent(r.parent);
    return o;
}

function provider(r: AnalyzerInput): analyzer.AnalyzerProviderResource | undefined {
    if (!r.provider) {
        return undefined;
    }
    const p = new analyzer.AnalyzerProviderResource();
    p.setType(r.provider.type);
    p.setName(r.provider.name);
    p.setUrn(r.provider.urn);
    p.setProperties(Struct.fromJavaScript(r.provider.properties as never));
    return p;
}

/**
 * A resource as `AnalyzeStack` carries it, built with the generated classes: the reference the encoder
 * the preview uses (`analyzer-wire.ts`) is checked against.
 */
export function stackResource(r: AnalyzerInput): analyzer.AnalyzerResource {
    const a = new analyzer.AnalyzerResource();
    a.setType(r.type);
    a.setName(r.name);
    a.setUrn(r.urn);
    a.setParent(r.parent);
    a.setProperties(Struct.fromJavaScript(r.properties as never));
    a.setOptions(options(r));
    a.setDependenciesList(r.dependencies);
    for (const [k, urns] of Object.entries(r.propertyDependencies)) {
        const deps = new analyzer.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        a.getPropertydependenciesMap().set(k, deps);
    }
    const p = provider(r);
    if (p) {
        a.setProvider(p);
    }
    return a;
}

/** `AnalyzeRequest` built with the generated classes; the reference for `encodeAnalyzeRequest`. */
export function jspbAnalyzeRequest(r: AnalyzerInput): analyzer.AnalyzeRequest {
    const req = new analyzer.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(r.urn);
    req.setProperties(Struct.fromJavaScript(r.properties as never));
    req.setOptions(options(r));
    const p = provider(r);
    if (p) {
        req.setProvider(p);
    }
    return req;
}

/** A resource of `AnalyzeStack`, already encoded (`stackEntry`), so the request is the entries' concatenation. */
export type StackEntry = Buffer;

/** Encodes a resource for `AnalyzeStack` as soon as it is known, so the request costs nothing after the program. */
export function stackEntry(r: AnalyzerInput): StackEntry {
    return encodeAnalyzerResource(r);
}

const identity = (b: Buffer) => b;

/** A running policy pack: its analyzer process and a gRPC client to it. */
export class PolicyPackProcess {
    private constructor(
        readonly dir: string,
        private readonly child: ChildProcess,
        private readonly client: analyzerRpc.AnalyzerClient,
        private readonly stderr: () => string,
    ) {}

    /**
     * Starts the pack as the CLI does: the SDK's `run-policy-pack` in the pack's directory. Aborting
     * `signal` kills it, also while it starts (a pack that type-checks itself takes seconds to).
     */
    static async start(packDir: string, signal?: AbortSignal): Promise<PolicyPackProcess> {
        const dir = path.resolve(packDir);
        if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) {
            throw new PreviewError(`--policy-pack ${packDir}: no PulumiPolicy.yaml in ${dir}, so it is not a policy pack`);
        }
        let runPolicyPack: string;
        try {
            runPolicyPack = createRequire(path.join(dir, "package.json")).resolve("@pulumi/pulumi/cmd/run-policy-pack");
        } catch {
            throw new PreviewError(`--policy-pack ${packDir}: @pulumi/pulumi is not installed for the pack; run \`npm ci\` in ${dir}`);
        }
        // The engine address is the CLI's own; the pack only keeps it for logging, so any address does.
        const cache = codeCache("pack", dir);
        // For profiling the pack: OFFLINE_PREVIEW_PACK_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
        const nodeArgs = (process.env.OFFLINE_PREVIEW_PACK_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
        if (signal?.aborted) {
            throw new PreviewError(`policy pack ${packDir} was not started: the preview was stopped`);
        }
        // An IPC channel the pack never uses: it closes when this process dies, and the pack exits then (lifeline.ts).
        const child = track(
            spawn(process.execPath, [...cache.execArgv, "--require", cache.preload, ...nodeArgs, runPolicyPack, "127.0.0.1:0", "."], {
                cwd: dir,
                // The pack's SDK (…/@pulumi/pulumi/cmd/run-policy-pack/index.js), whose inspector session preload.ts defers.
                env: { ...process.env, ...cache.env, OFFLINE_PREVIEW_PACK_SDK: path.resolve(runPolicyPack, "..", "..", "..") },
                stdio: ["ignore", "pipe", "pipe", "ipc"],
            }),
        );
        const onAbort = () => child.kill("SIGKILL");
        signal?.addEventListener("abort", onAbort, { once: true });
        child.once("exit", () => signal?.removeEventListener("abort", onAbort));
        let onStartExit: (code: number | null, killedBy: NodeJS.Signals | null) => void = () => undefined;
        let out = "";
        let err = "";
        child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => {
                child.kill("SIGKILL");
                reject(new PreviewError(`policy pack ${packDir} did not print its port within ${START_TIMEOUT_MS / 1000} s`, err));
            }, START_TIMEOUT_MS);
            child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            onStartExit = (code, killedBy) => {
                clearTimeout(timer);
                if (signal?.aborted) {
                    reject(new PreviewError(`policy pack ${packDir} was stopped while it started: the preview was stopped`));
                    return;
                }
                reject(new PreviewError(`policy pack ${packDir} failed to start (${killedBy ?? `exit code ${code}`})`, (err || out).trim()));
            };
            child.on("exit", onStartExit);
            child.on("error", (e) => {
                clearTimeout(timer);
                reject(new PreviewError(`policy pack ${packDir} could not be started: ${e.message}`));
            });
        });
        child.off("exit", onStartExit);
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        return new PolicyPackProcess(dir, child, client, () => err);
    }

    async info(): Promise<{ name: string; version: string; policies: PolicyInfo[] }> {
        const info = await call<Empty, analyzer.AnalyzerInfo>(this.client.getAnalyzerInfo.bind(this.client), new Empty());
        return {
            name: info.getName(),
            version: info.getVersion(),
            policies: info.getPoliciesList().map((p) => ({
                name: p.getName(),
                description: p.getDescription(),
                enforcementLevel: LEVELS[p.getEnforcementlevel()],
                configSchema: p.getConfigschema()
                    ? {
                          properties: (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                          required: p.getConfigschema()?.getRequiredList() ?? [],
                      }
                    : undefined,
            })),
        };
    }

    /** Validates the policy config file against the pack's schemas and hands it to the pack. */
    async configure(policies: PolicyInfo[], configFile: string | undefined): Promise<ResolvedPolicyConfig> {
        const resolved = resolvePolicyConfig(policies, configFile);
        const req = new analyzer.ConfigureAnalyzerRequest();
        for (const [name, c] of Object.entries(resolved)) {
            const pc = new analyzer.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_CODES[c.enforcementLevel]);
            pc.setProperties(Struct.fromJavaScript(c.properties as never));
            req.getPolicyconfigMap().set(name, pc);
        }
        await call(this.client.configure.bind(this.client), req);
        return resolved;
    }

    async configureStack(stack: { stack: string; project: string; organization: string; config: Record<string, string>; secretKeys: string[] }): Promise<void> {
        const req = new analyzer.AnalyzerStackConfigureRequest();
        req.setStack(stack.stack);
        req.setProject(stack.project);
        req.setOrganization(stack.organization);
        req.setDryRun(true);
        req.setConfigSecretKeysList(stack.secretKeys);
        for (const [k, v] of Object.entries(stack.config)) {
            req.getConfigMap().set(k, v);
        }
        try {
            await call(this.client.configureStack.bind(this.client), req);
        } catch (err) {
            // Packs built on an older @pulumi/policy do not know stack configuration; the CLI goes on too.
            if ((err as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) {
                throw err;
            }
        }
    }

    /** A unary call with a request already encoded: the client sends the bytes as they are. */
    private unary<Res>(method: string, bytes: Buffer, decode: (b: Uint8Array) => Res): Promise<Res> {
        return new Promise((resolve, reject) =>
            this.client.makeUnaryRequest(`/pulumirpc.Analyzer/${method}`, identity, decode, bytes, (err, res) => (err || !res ? reject(err) : resolve(res))),
        );
    }

    async analyze(r: AnalyzerInput): Promise<Diagnostic[]> {
        const bytes = encodeAnalyzeRequest(r);
        const res = await this.rpc(() => this.unary("Analyze", bytes, (b) => analyzer.AnalyzeResponse.deserializeBinary(b)), `Analyze of ${r.urn}`);
        return res.getDiagnosticsList().map((d) => this.diagnostic(d, r.urn));
    }

    /** Sends the stack's resources, encoded as they streamed in ({@link stackEntry}), for the stack policies. */
    async analyzeStack(resources: readonly StackEntry[]): Promise<Diagnostic[]> {
        const bytes = encodeAnalyzeStackRequest(resources);
        const res = await this.rpc(() => this.unary("AnalyzeStack", bytes, (b) => analyzer.AnalyzeResponse.deserializeBinary(b)), "AnalyzeStack");
        return res.getDiagnosticsList().map((d) => this.diagnostic(d, undefined));
    }

    private async rpc<T>(fn: () => Promise<T>, what: string): Promise<T> {
        try {
            return await fn();
        } catch (err) {
            const e = err as grpc.ServiceError;
            throw new PreviewError(`policy pack ${path.basename(this.dir)} failed during ${what}: ${e.details ?? e.message}`, this.stderr().trim());
        }
    }

    private diagnostic(d: analyzer.AnalyzeDiagnostic, urn: string | undefined): Diagnostic {
        return {
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            policyName: d.getPolicyname(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            message: d.getMessage(),
            description: d.getDescription(),
            urn: d.getUrn() || urn,
        };
    }

    /**
     * Ends the pack: closing its IPC channel ends it as its own exit (lifeline.ts), so a profile it takes is
     * written; a pack that does not exit within a second is killed.
     */
    stop(): void {
        this.client.close();
        if (this.child.connected) {
            this.child.disconnect();
            setTimeout(() => this.child.kill(), 1000).unref();
        } else {
            this.child.kill();
        }
    }
}
