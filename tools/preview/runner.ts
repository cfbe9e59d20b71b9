/**
 * The program runner: a child process with the program's directory as its working directory. It
 * runs the program the way the Pulumi Node.js language host does (the SDK's own `cmd/run`: ts-node,
 * ES modules, default exports, the root stack resource), but against Pulumi's mock monitor, and
 * records what the engine would receive. Its only imports are Node built-ins and the program's own
 * `@pulumi/pulumi`, so the mocks are set on the very runtime instance the program uses.
 */
// First, so every module after it can come from the code cache, and Arborist loads only when used.
import "./preload";
import { createRequire } from "module";
import * as path from "path";
import { inspect } from "util";
import type * as pulumiType from "@pulumi/pulumi";
import { invokeRemedy, mockInvoke, UnansweredInvokeError } from "./mock-invokes";
import { sdkInternals } from "./sdk-internals";
import { checkedInputs, mockResourceState } from "./mock-values";
import { RUN_END, type RunnerInput, type RunnerMessage, type RunnerResource, type RunnerResult } from "./types";

const STACK_TYPE = "pulumi:pulumi:Stack";
const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

function send(result: RunnerResult, then: () => void = () => process.exit(0)): void {
    const cpu = process.cpuUsage();
    result.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    if (process.send) {
        process.send({ kind: "result", result } satisfies RunnerMessage, then);
    } else {
        process.stdout.write(JSON.stringify(result));
        process.exit(0);
    }
}

/** What one run of the program registers and how it ends; a reused runner starts a new one per preview. */
interface Run {
    input: RunnerInput;
    started: number;
    records: Map<string, RunnerResource>;
    providerRegions: Map<string, string>;
    /** Provider functions asked for and not answered, by token: reported first if the program then fails. */
    unanswered: Map<string, UnansweredInvokeError>;
    /**
     * Registrations the SDK started and the monitor has not received, by type and name: one whose input
     * never resolves never arrives, and the engine would fail the update waiting for it.
     */
    pending: Map<string, number>;
    stackOutputs: Record<string, unknown>;
    finished: boolean;
}

function newRun(input: RunnerInput): Run {
    return {
        input,
        started: Date.now(),
        records: new Map(),
        providerRegions: new Map(),
        unanswered: new Map(),
        pending: new Map(),
        stackOutputs: {},
        finished: false,
    };
}

const pendingKey = (type: string, name: string) => `${type}\0${name}`;

/** The language host hands config and identity to the program through these variables. */
function setEnvironment(input: RunnerInput): void {
    process.env.PULUMI_CONFIG = JSON.stringify(input.config);
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(input.secretKeys);
    process.env.PULUMI_NODEJS_PROJECT = input.project;
    process.env.PULUMI_NODEJS_STACK = input.stack;
    process.env.PULUMI_NODEJS_ORGANIZATION = input.organization;
    process.env.PULUMI_NODEJS_ROOT_DIRECTORY = input.programDir;
    process.env.PULUMI_NODEJS_DRY_RUN = "true";
    process.env.PULUMI_NODEJS_TYPESCRIPT = String(input.typescript);
    // Type-checking belongs to `tsc --noEmit`; a preview only needs the program to run.
    process.env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
    // The SDK's automatic ES module mode (cmd/run/hooks.js) makes ts-node's service when the hooks module
    // loads, before Node hands it its options, so an ES module program is type-checked whatever
    // PULUMI_NODEJS_TRANSPILE_ONLY says (11 s for `import * as aws`); ts-node's own variable reaches it.
    if (process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true") {
        process.env.TS_NODE_TRANSPILE_ONLY ??= "true";
    }
    if (input.tsconfig) {
        process.env.PULUMI_NODEJS_TSCONFIG_PATH = input.tsconfig;
    }
}

async function main(): Promise<void> {
    const first = JSON.parse(process.env.PLATFORM_PREVIEW_INPUT ?? "{}") as RunnerInput;
    delete process.env.PLATFORM_PREVIEW_INPUT;
    setEnvironment(first);

    const programRequire = createRequire(path.join(first.programDir, "__offline_preview__.js"));
    let sdkDir: string;
    try {
        sdkDir = path.dirname(programRequire.resolve("@pulumi/pulumi/package.json"));
    } catch {
        throw new Error(`@pulumi/pulumi is not installed for the program in ${first.programDir}: run npm install there`);
    }
    const sdk = createRequire(path.join(sdkDir, "package.json"));
    const pulumi = sdk("./index.js") as typeof pulumiType;
    // Everything private the runner uses, checked against the releases it was verified on.
    const internals = sdkInternals(sdkDir);
    internals.skipStackTraces();
    internals.deferInspectorSession();
    const { rpc, Struct, resourceProto: resproto } = internals;

    let current = newRun(first);
    internals.onRegistrationStart((type, name) => {
        const key = pendingKey(type, name);
        current.pending.set(key, (current.pending.get(key) ?? 0) + 1);
    });

    /** Sets the mocks for `run` and takes over the mock monitor's resource methods. */
    const installMocks = async (run: Run) => {
        const input = run.input;
        const region = input.config["aws:region"] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
        const ctx = { mode: input.mode, region };
        const arrived = (type: string, name: string) => {
            const key = pendingKey(type, name);
            const n = (run.pending.get(key) ?? 0) - 1;
            if (n > 0) run.pending.set(key, n);
            else run.pending.delete(key);
        };
        const regionOf = (providerRef: string): string | undefined => {
            const urn = providerRef.slice(0, providerRef.lastIndexOf("::"));
            return run.providerRegions.get(urn);
        };
        await pulumi.runtime.setMocks(
            {
                newResource: () => {
                    throw new Error("unreachable: the offline preview registers resources itself");
                },
                call: (args) => {
                    const providerRegion = args.provider ? regionOf(args.provider) : undefined;
                    try {
                        return mockInvoke(
                            args.token,
                            args.inputs as Record<string, unknown>,
                            () => {
                                const r = providerRegion ?? region;
                                if (!r) {
                                    throw new Error(`${args.token} needs an AWS region: set 'aws:region' in the stack's config`);
                                }
                                return r;
                            },
                            input.invokes,
                        );
                    } catch (err) {
                        if (err instanceof UnansweredInvokeError) {
                            run.unanswered.set(err.token, err);
                        }
                        // The SDK rethrows a failed invoke as `new Error(err.details)`, the engine's gRPC message:
                        // without it the program would fail with an empty message.
                        throw Object.assign(err as Error, { details: (err as Error).message });
                    }
                },
            },
            input.project,
            input.stack,
            true,
            input.organization,
        );
        const monitor = internals.monitor();

        // URNs as the engine builds them: the parent's full qualified type, without the root stack's.
        const newUrn = (parent: string, type: string, name: string): string => {
            let qualified = type;
            if (parent) {
                const parentType = parent.split("::")[2];
                if (parentType !== STACK_TYPE) {
                    qualified = `${parentType}$${type}`;
                }
            }
            return `urn:pulumi:${input.stack}::${input.project}::${qualified}::${name}`;
        };

        monitor.registerResource = (req, callback) => {
            arrived(req.getType(), req.getName());
            void (async () => {
                const type = req.getType();
                const name = req.getName();
                const urn = newUrn(req.getParent(), type, name);
                const wireInputs = req.getObject()?.toJavaScript() ?? {};
                const inputs = req.getObject() ? rpc.deserializeProperties(req.getObject() as NonNullable<ReturnType<typeof req.getObject>>) : {};
                const custom = req.getCustom();
                const providerRef = req.getProvider();
                const resourceRegion =
                    (providerRef ? regionOf(providerRef) : undefined) ??
                    (type.startsWith("pulumi:providers:aws") && typeof inputs.region === "string" ? inputs.region : undefined);
                const { id, state } =
                    type === STACK_TYPE ? { id: undefined, state: {} } : mockResourceState(ctx, { type, name, urn, custom, inputs, region: resourceRegion });
                if (type.startsWith("pulumi:providers:") && typeof inputs.region === "string") {
                    run.providerRegions.set(urn, inputs.region);
                }
                const wireState = await rpc.serializeProperties(urn, state);
                monitor.resources.set(urn, { urn, id: id ?? null, state: wireState });

                const propertyDependencies: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((v, k) => {
                    propertyDependencies[k] = v.getUrnsList();
                });
                const record: RunnerResource = {
                    urn,
                    type,
                    name,
                    parent: req.getParent(),
                    custom,
                    remote: req.getRemote(),
                    provider: providerRef,
                    protect: req.getProtect(),
                    id: id ?? "",
                    inputs: withAutoname(wireInputs, checkedInputs(type, name, urn, inputs), inputs),
                    state: wireState,
                    dependencies: req.getDependenciesList(),
                    propertyDependencies,
                    ignoreChanges: req.getIgnorechangesList(),
                    aliases: req.getAliasesList().map(String),
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined(),
                    version: req.getVersion(),
                };
                run.records.set(urn, record);
                // Streamed as registered, so the parent can have policies analyze it while the program goes on.
                process.send?.({ kind: "resource", resource: record } satisfies RunnerMessage);

                const response = new resproto.RegisterResourceResponse();
                response.setUrn(urn);
                response.setId(id ?? "");
                response.setObject(Struct.fromJavaScript(wireState));
                callback(null, response);
            })().catch((err: Error) => callback(err));
        };

        // A read (`StackReference`, a resource's static `get`) asks the engine for state that already exists.
        // The only state the preview has is the referenced stacks' outputs from `--stack-reference` files.
        monitor.readResource = (req, callback) => {
            const type = req.getType();
            const name = req.getName();
            const id = req.getId();
            arrived(type, name);
            const refuse = (message: string) => {
                const err = Object.assign(new Error(message), { hideStack: true });
                // Reported as the program's failure, as the engine would fail the update at this read.
                finish(run, err);
                callback(err);
            };
            if (type !== STACK_REFERENCE_TYPE) {
                refuse(
                    `${type} '${name}' reads existing resource '${id}' (a static get()), and the offline preview has no cloud to read it from; only StackReference reads are answered (--stack-reference)`,
                );
                return;
            }
            const outputs = input.stackReferences?.[id];
            if (!outputs) {
                const given = Object.keys(input.stackReferences ?? {});
                refuse(
                    `StackReference '${name}' reads stack '${id}', whose outputs the offline preview does not have: pass --stack-reference ${id}=<file>, ` +
                        `where <file> is a report of \`npm run preview -- --json\` for that stack or a JSON object of its outputs` +
                        (given.length > 0 ? ` (stacks given: ${given.join(", ")})` : ""),
                );
                return;
            }
            const urn = newUrn(req.getParent(), type, name);
            // What the engine returns for a StackReference: the name and the referenced stack's outputs.
            const wireState = { name: id, outputs: outputs.outputs, secretOutputNames: outputs.secretOutputNames };
            monitor.resources.set(urn, { urn, id, state: wireState });
            const record: RunnerResource = {
                urn,
                type,
                name,
                parent: req.getParent(),
                custom: true,
                remote: false,
                provider: req.getProvider(),
                protect: false,
                id,
                inputs: req.getProperties()?.toJavaScript() ?? {},
                state: wireState,
                dependencies: req.getDependenciesList(),
                propertyDependencies: {},
                ignoreChanges: [],
                aliases: [],
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                deleteBeforeReplace: false,
                deleteBeforeReplaceDefined: false,
                version: req.getVersion(),
                external: true,
            };
            run.records.set(urn, record);
            process.send?.({ kind: "resource", resource: record } satisfies RunnerMessage);
            const response = new resproto.ReadResourceResponse();
            response.setUrn(urn);
            response.setProperties(Struct.fromJavaScript(wireState));
            callback(null, response);
        };

        const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
        monitor.registerResourceOutputs = (req, callback) => {
            if (req.getUrn().split("::")[2] === STACK_TYPE) {
                run.stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
            }
            registerOutputs(req, callback);
        };
        // The language host signals shutdown once the program and every registration it started are
        // done: the moment the engine would start its own wrap-up, and ours.
        monitor.signalAndWaitForShutdown = () => finish(run);
    };

    // The program's entry module, as the language host requires it (a CommonJS program), for a reuse.
    let programFile: string | undefined;
    const reusable = () =>
        current.input.reuse === true && internals.withLocalStorage !== undefined && programFile !== undefined && require.cache[programFile] !== undefined;

    const finish = (run: Run, failure?: Error) => {
        if (run.finished) {
            return;
        }
        run.finished = true;
        if (!failure && run.pending.size > 0) {
            failure = neverRegistered(run.pending);
        }
        const again = failure === undefined && reusable();
        send(
            {
                ok: failure === undefined,
                error: failure ? describeFailure(failure, run.unanswered, (e) => pulumi.RunError.isInstance(e)) : undefined,
                // Already streamed one by one.
                resources: process.send ? [] : [...run.records.values()],
                outputs: run.stackOutputs,
                programMs: Date.now() - run.started,
                reusable: again,
            },
            again ? () => awaitNext() : () => process.exit(0),
        );
    };

    /** A reused runner: the next preview of the same program, with the modules of the program itself loaded afresh. */
    const runAgain = (input: RunnerInput) => {
        process.channel?.unref();
        memoizeTranspile();
        setEnvironment(input);
        for (const file of Object.keys(require.cache)) {
            if (!file.includes(`${path.sep}node_modules${path.sep}`)) {
                delete require.cache[file];
            }
        }
        const run = newRun(input);
        current = run;
        const entry = programFile as string;
        const hostRequire = createRequire(internals.runEntry);
        const withLocalStorage = internals.withLocalStorage as NonNullable<typeof internals.withLocalStorage>;
        // A fresh state store, as the Automation API runs each inline program, then what the language
        // host does for a CommonJS program: require it inside the root stack, call an exported function.
        void withLocalStorage(async () => {
            try {
                await installMocks(run);
                await pulumi.runtime.runInPulumiStack(async () => {
                    const exported = hostRequire(entry) as unknown;
                    const result = exported instanceof Function ? (exported as () => unknown)() : exported;
                    return (await result) as Record<string, unknown> | undefined;
                });
                await internals.waitForRPCs();
                finish(run);
            } catch (err) {
                finish(run, thrownError(err));
            }
        });
    };

    const awaitNext = () => {
        process.stdout.write(RUN_END);
        process.stderr.write(RUN_END);
        // Idle until the next preview: the channel keeps the process alive now.
        process.channel?.ref();
        process.once("message", (m: { kind: string; input: RunnerInput }) => {
            if (m.kind === "run") {
                runAgain(m.input);
            } else {
                process.exit(0);
            }
        });
    };

    // The language host's own entry point: it parses these flags, loads ts-node or the ES module
    // hooks, and runs the program inside the root stack resource once its hooks are ready, which is
    // after the mock monitor below is in place.
    process.argv = [
        process.argv[0],
        internals.runEntry,
        `--monitor=offline-preview`,
        `--project=${first.project}`,
        `--stack=${first.stack}`,
        `--organization=${first.organization}`,
        `--root-directory=${first.programDir}`,
        "--dry-run",
        first.main,
    ];
    if (first.reuse) {
        internals.onProgramRequire(first.programDir, (file) => (programFile = file));
    }
    sdk(internals.runEntry);
    await installMocks(current);

    // The SDK's handlers (installed first) log the error with its stack; this one reports it.
    const onUncaught = (err: unknown) => {
        const run = current;
        setImmediate(() => finish(run, thrownError(err)));
    };
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    // A reused runner's program whose registrations never complete leaves nothing on the event loop: the
    // language host would end there, and so does the run (naming what never registered).
    process.on("beforeExit", () => {
        if (current !== undefined && current.input !== first && !current.finished) {
            finish(current);
        }
    });
}

/**
 * A thrown value as an Error. One that is not an Error has no stack of its own (one made here would show the
 * runner's), and may not even convert to a string: the ES module hooks thread hands a ts-node compile error
 * over as an object with no prototype whose only property is its inspected text.
 */
function thrownError(err: unknown): Error {
    if (err instanceof Error) return err;
    let text: string;
    try {
        text = (typeof err === "object" && err !== null ? inspect(err) : String(err)).trimEnd();
    } catch {
        text = "a thrown value that cannot be shown";
    }
    return Object.assign(new Error(text), { hideStack: true });
}

/** ts-node's registered service (its documented `REGISTER_INSTANCE`), whose `compile` transpiles each source. */
interface TsNodeService {
    compile(code: string, fileName: string, lineOffset?: number): string;
    offlinePreviewMemo?: true;
}

/**
 * A reused runner loads the program's sources again; the same source transpiles to the same output, so
 * each is transpiled once per runner (ts-node keeps its source maps by file, so nothing else changes).
 */
function memoizeTranspile(): void {
    const service = (process as unknown as Record<symbol, TsNodeService | undefined>)[Symbol.for("ts-node.register.instance")];
    if (!service || service.offlinePreviewMemo) {
        return;
    }
    const compile = service.compile.bind(service);
    const done = new Map<string, string>();
    service.compile = (code, fileName, lineOffset) => {
        const key = `${fileName}\0${lineOffset ?? 0}\0${code}`;
        let out = done.get(key);
        if (out === undefined) {
            out = compile(code, fileName, lineOffset);
            done.set(key, out);
        }
        return out;
    };
    service.offlinePreviewMemo = true;
}

/** The failure of a program that ended with registrations the monitor never received. */
function neverRegistered(pending: ReadonlyMap<string, number>): Error {
    const names = [...pending].map(([key, n]) => {
        const [type, name] = key.split("\0");
        return `${type} '${name}'${n > 1 ? ` (${n} of them)` : ""}`;
    });
    const count = [...pending.values()].reduce((a, b) => a + b, 0);
    return Object.assign(
        new Error(
            `the program ended with ${count === 1 ? "a resource" : `${count} resources`} whose registration never completed: ${names.join(", ")}; ` +
                "an input or dependsOn of it never resolves (a promise nobody settles, an Output of one that never registers), so the engine would never receive it",
        ),
        { hideStack: true },
    );
}

/**
 * The failure as the parent reports it. An unanswered provider function comes first, with its remedy,
 * however the SDK wrapped it on its way out of the program (`error serializing property "ami"`): the
 * program's own words follow as the detail.
 */
function describeFailure(
    failure: Error,
    unanswered: ReadonlyMap<string, UnansweredInvokeError>,
    isRunError: (e: Error) => boolean,
): NonNullable<RunnerResult["error"]> {
    if (unanswered.size > 0) {
        const errors = [...unanswered.values()];
        const noCase = errors.find((e) => e.kind === "no-case");
        const tokens = errors.map((e) => `'${e.token}'`).join(", ");
        const message = noCase
            ? noCase.message
            : `the program called the provider function${errors.length > 1 ? "s" : ""} ${tokens}, which the offline preview cannot answer: ` +
              errors.map((e) => invokeRemedy(e.token)).join("; ");
        return { message, hideStack: true, detail: failure.message };
    }
    return {
        message: failure.message,
        stack: failure.stack,
        // RunErrors (and ResourceErrors that ask for it) are meant to be read without a stack.
        hideStack: isRunError(failure) || (failure as { hideStack?: boolean }).hideStack === true,
    };
}

/**
 * The inputs the engine checks policies against are the program's inputs after the provider's Check,
 * which adds autonames. Values the program gave keep their wire form (secrets, unknowns).
 */
function withAutoname(wire: Record<string, unknown>, checked: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
    const added = Object.fromEntries(Object.entries(checked).filter(([k]) => !(k in inputs)));
    return { ...added, ...wire };
}

main().catch((err: Error) => {
    send({
        ok: false,
        error: { message: err.message, stack: err.stack },
        resources: [],
        outputs: {},
        programMs: 0,
    });
});
