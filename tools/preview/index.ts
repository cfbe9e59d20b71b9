import * as path from "path";
import { explainProgramFailure } from "./failures";
import { loadInvokeAnswers } from "./invoke-answers";
import { PackLease } from "./pack-pool";
import { AnalyzerInput, PolicyPackProcess, stackEntry, StackEntry } from "./policy-pack";
import { loadProgram } from "./project";
import { runProgram } from "./program";
import { loadStackReferences } from "./stack-references";
import { displayValue, resourceRefsToIds } from "./wire";
import { Diagnostic, PreviewError, PreviewOptions, PreviewReport, ResourceRecord, RunnerResource } from "./types";

export * from "./types";
export { PolicyPackPool } from "./pack-pool";
export { RunnerPool } from "./program";

interface ProviderInfo {
    type: string;
    name: string;
    urn: string;
    properties: Record<string, unknown>;
}

function parseConfigValue(v: string): unknown {
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

/**
 * The provider each resource is managed by: the program's own, or the default provider the engine
 * would create for the package (`default_<version>`), configured from the stack's `<package>:` keys.
 */
function providerResolver(
    byUrn: ReadonlyMap<string, RunnerResource>,
    project: string,
    stack: string,
    config: Record<string, string>,
): (r: RunnerResource) => ProviderInfo | undefined {
    const defaults = new Map<string, ProviderInfo>();
    return (r) => {
        if (!r.custom && !r.remote) {
            return undefined;
        }
        if (r.provider) {
            const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
            const p = byUrn.get(urn);
            return p ? { type: p.type, name: p.name, urn, properties: resourceRefsToIds(p.inputs, byUrn) } : undefined;
        }
        const pkg = r.type.split(":")[0];
        if (pkg === "pulumi") {
            return undefined;
        }
        const name = r.version ? `default_${r.version.replace(/[.-]/g, "_")}` : "default";
        let info = defaults.get(`${pkg}/${name}`);
        if (!info) {
            const properties: Record<string, unknown> = r.version ? { version: r.version } : {};
            for (const [k, v] of Object.entries(config)) {
                if (k.startsWith(`${pkg}:`)) {
                    properties[k.slice(pkg.length + 1)] = parseConfigValue(v);
                }
            }
            const urn = `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::${name}`;
            info = { type: `pulumi:providers:${pkg}`, name, urn, properties };
            defaults.set(`${pkg}/${name}`, info);
        }
        return info;
    };
}

/** A default provider's reference as the engine writes it, `urn::id`; its id is not known offline. */
function withDefaultId(urn: string | undefined): string | undefined {
    return urn === undefined ? undefined : `${urn}::default`;
}

const LEVEL_ORDER = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 } as const;

/**
 * Runs a Pulumi program under the mock runtime and asks each policy pack about it over the
 * Analyzer gRPC protocol, as `pulumi preview --policy-pack` would.
 */
export async function runPreview(options: PreviewOptions): Promise<PreviewReport> {
    const started = Date.now();
    const mode = options.mode ?? "create";
    const progress = options.onProgress ?? (() => undefined);
    if (options.cwd.trim() === "") {
        // path.resolve("") is the working directory: an empty --cwd would preview whatever program is there.
        throw new PreviewError("--cwd is empty: name the program directory, the one holding Pulumi.yaml");
    }
    const spec = {
        ...loadProgram(options.cwd, options.stack, mode),
        stackReferences: loadStackReferences(options.stackReferences ?? {}),
        invokes: loadInvokeAnswers(options.invokes ?? {}),
    };
    const configs = options.policyPackConfigs ?? [];
    if (configs.length > options.policyPacks.length) {
        throw new PreviewError(
            `${configs.length} --policy-pack-config flags for ${options.policyPacks.length} --policy-pack flags: each config belongs to the pack at the same position`,
        );
    }

    const dirs = options.policyPacks.map((d) => path.resolve(d));
    const twice = dirs.find((d, i) => dirs.indexOf(d) !== i);
    if (twice) {
        throw new PreviewError(`--policy-pack ${twice} is given twice; each pack runs once per preview`);
    }

    progress(`running ${spec.project} (stack ${spec.stack}, ${mode} mode)`);
    // Ends what this preview started: on a failure, when the caller aborts, and when it is done.
    const stop = new AbortController();
    const onCallerAbort = () => stop.abort();
    options.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (options.signal?.aborted) stop.abort();
    // Packs start and are configured while the program runs: their start-up (a ts-node type check)
    // and config validation overlap the program, so what follows it is the analysis alone.
    const leases: Promise<PackLease>[] = dirs.map((dir) =>
        options.pool ? options.pool.acquire(dir) : PolicyPackProcess.start(dir, stop.signal).then((pack) => ({ pack, release: () => pack.stop() })),
    );
    const prepared = leases.map(async (lease, i) => {
        const { pack } = await lease;
        // What a pack says of itself does not change between previews: a pooled pack is asked once.
        const info = await (options.pool ? options.pool.describe(dirs[i]) : pack.info());
        await pack.configure(info.policies, configs[i]);
        await pack.configureStack({
            stack: spec.stack,
            project: spec.project,
            organization: spec.organization,
            config: spec.config,
            secretKeys: spec.secretKeys,
        });
        return { pack, info };
    });
    // Settled views, so a pack that fails while the program still runs is reported once, not as an
    // unhandled rejection.
    void Promise.allSettled(prepared);
    // Never waits for a pack still starting: a program that fails reports at once, and the pack (one this
    // preview started) is killed mid-start; a pooled one is handed back once it is ours.
    const stopAll = (failed: boolean) => {
        options.signal?.removeEventListener("abort", onCallerAbort);
        if (failed) stop.abort();
        // A pooled pack goes back only once nothing of this preview runs on it any more: Configure is process-wide.
        leases.forEach((lease, i) => {
            void Promise.allSettled([lease, prepared[i], ...perPack[i]]).then(([l]) => {
                if (l.status === "fulfilled") (l.value as PackLease).release();
            });
        });
    };

    // Filled as resources register: a resource's references and explicit provider register before it.
    const byUrn = new Map<string, RunnerResource>();
    const providerOf = providerResolver(byUrn, spec.project, spec.stack, spec.config);
    const analyzerInput = (r: RunnerResource, props: Record<string, unknown>): AnalyzerInput => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        properties: resourceRefsToIds(props, byUrn),
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        aliases: r.aliases,
        additionalSecretOutputs: r.additionalSecretOutputs,
        deleteBeforeReplace: r.deleteBeforeReplace,
        deleteBeforeReplaceDefined: r.deleteBeforeReplaceDefined,
        provider: providerOf(r),
    });
    // Like the engine, each pack analyzes a resource as soon as it registers, while the program goes on.
    const perResource: Promise<Diagnostic[]>[] = [];
    const perPack: Promise<Diagnostic[]>[][] = dirs.map(() => []);
    // AnalyzeStack's messages too are built as resources arrive, which keeps them off the wait after the program.
    const stackMessages = new Map<string, StackEntry>();
    const onResource = (r: RunnerResource) => {
        byUrn.set(r.urn, r);
        if (dirs.length > 0) {
            stackMessages.set(r.urn, stackEntry(analyzerInput(r, r.state)));
        }
        if (r.external) {
            // The engine analyzes the resources a program manages; a read only joins the stack's state.
            return;
        }
        const input = analyzerInput(r, r.inputs);
        prepared.forEach((ready, i) => {
            const analysis = ready.then(({ pack }) => pack.analyze(input));
            analysis.catch(() => undefined); // reported when awaited below, unless the program failed first
            perResource.push(analysis);
            perPack[i].push(analysis);
        });
    };

    let run: Awaited<ReturnType<typeof runProgram>>;
    try {
        run = await runProgram(spec, onResource, stop.signal, options.runners);
    } catch (err) {
        stopAll(true);
        throw err;
    }
    if (!run.ok) {
        stopAll(true);
        throw explainProgramFailure(spec, run.error ?? { message: "the program failed" });
    }
    const programDone = Date.now();

    const diagnostics: Diagnostic[] = [];
    const packs: PreviewReport["policyPacks"] = [];
    let failed = true;
    try {
        const ready = await Promise.all(prepared);
        progress(`checking ${run.resources.length} resources with ${ready.length} policy pack${ready.length === 1 ? "" : "s"}`);
        diagnostics.push(...(await Promise.all(perResource)).flat());
        // Analyze saw each resource's checked inputs; AnalyzeStack sees the stack's resulting state.
        const stack = run.resources.map((r) => stackMessages.get(r.urn) ?? stackEntry(analyzerInput(r, r.state)));
        for (const { info } of ready) {
            packs.push({ name: info.name, version: info.version, policies: info.policies.length });
        }
        diagnostics.push(...(await Promise.all(ready.map(({ pack }) => pack.analyzeStack(stack)))).flat());
        failed = false;
    } finally {
        stopAll(failed);
    }
    diagnostics.sort(
        (a, b) =>
            LEVEL_ORDER[a.enforcementLevel] - LEVEL_ORDER[b.enforcementLevel] ||
            a.policyName.localeCompare(b.policyName) ||
            (a.urn ?? "").localeCompare(b.urn ?? ""),
    );

    const resources: ResourceRecord[] = run.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent || undefined,
        custom: r.custom,
        remote: r.remote,
        provider: r.provider || withDefaultId(providerOf(r)?.urn),
        protect: r.protect,
        external: r.external === true,
        ...(r.external ? { id: r.id } : {}),
        inputs: displayValue(r.inputs) as Record<string, unknown>,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
    }));
    const finished = Date.now();
    return {
        project: spec.project,
        stack: spec.stack,
        mode,
        resources,
        outputs: displayValue(run.outputs) as Record<string, unknown>,
        diagnostics,
        logs: [
            ...run.stdout.split("\n").map((message) => ({ severity: "info", message })),
            ...run.stderr.split("\n").map((message) => ({ severity: /^(error|warning)/.exec(message)?.[1] ?? "info", message })),
        ].filter((l) => l.message.trim() !== ""),
        policyPacks: packs,
        timings: { programMs: run.wallMs, policyMs: finished - programDone, totalMs: finished - started },
        summary: {
            resources: resources.length,
            mandatory: diagnostics.filter((d) => d.enforcementLevel === "mandatory" || d.enforcementLevel === "remediate").length,
            advisory: diagnostics.filter((d) => d.enforcementLevel === "advisory").length,
        },
        ...(spec.notices.length > 0 ? { notices: spec.notices } : {}),
    };
}
