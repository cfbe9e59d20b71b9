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
import type * as pulumiType from "@pulumi/pulumi";
import { mockInvoke } from "./mock-invokes";
import { sdkInternals } from "./sdk-internals";
import { checkedInputs, mockResourceState } from "./mock-values";
import type { RunnerInput, RunnerMessage, RunnerResource, RunnerResult } from "./types";

const STACK_TYPE = "pulumi:pulumi:Stack";
const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

function send(result: RunnerResult): void {
    if (process.send) {
        process.send({ kind: "result", result } satisfies RunnerMessage, () => process.exit(0));
    } else {
        process.stdout.write(JSON.stringify(result));
        process.exit(0);
    }
}

async function main(): Promise<void> {
    const started = Date.now();
    const input = JSON.parse(process.env.PLATFORM_PREVIEW_INPUT ?? "{}") as RunnerInput;
    delete process.env.PLATFORM_PREVIEW_INPUT;

    // The language host hands config and identity to the program through these variables.
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
    if (input.tsconfig) {
        process.env.PULUMI_NODEJS_TSCONFIG_PATH = input.tsconfig;
    }

    const programRequire = createRequire(path.join(input.programDir, "__offline_preview__.js"));
    let sdkDir: string;
    try {
        sdkDir = path.dirname(programRequire.resolve("@pulumi/pulumi/package.json"));
    } catch {
        throw new Error(`@pulumi/pulumi is not installed for the program in ${input.programDir}: run npm install there`);
    }
    const sdk = createRequire(path.join(sdkDir, "package.json"));
    const pulumi = sdk("./index.js") as typeof pulumiType;
    // Everything private the runner uses, checked against the releases it was verified on.
    const internals = sdkInternals(sdkDir);
    internals.skipStackTraces();
    const { rpc, Struct, resourceProto: resproto } = internals;
    const region = input.config["aws:region"] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    const ctx = { mode: input.mode, region };
    const records = new Map<string, RunnerResource>();
    const providerRegions = new Map<string, string>();
    let stackOutputs: Record<string, unknown> = {};

    const regionOf = (providerRef: string): string | undefined => {
        const urn = providerRef.slice(0, providerRef.lastIndexOf("::"));
        return providerRegions.get(urn);
    };

    // The language host's own entry point: it parses these flags, loads ts-node or the ES module
    // hooks, and runs the program inside the root stack resource once its hooks are ready, which is
    // after the mock monitor below is in place.
    process.argv = [
        process.argv[0],
        internals.runEntry,
        `--monitor=offline-preview`,
        `--project=${input.project}`,
        `--stack=${input.stack}`,
        `--organization=${input.organization}`,
        `--root-directory=${input.programDir}`,
        "--dry-run",
        input.main,
    ];
    sdk(internals.runEntry);

    await pulumi.runtime.setMocks(
        {
            newResource: () => {
                throw new Error("unreachable: the offline preview registers resources itself");
            },
            call: (args) => {
                const providerRegion = args.provider ? regionOf(args.provider) : undefined;
                return mockInvoke(args.token, args.inputs as Record<string, unknown>, () => {
                    const r = providerRegion ?? region;
                    if (!r) {
                        throw new Error(`${args.token} needs an AWS region: set 'aws:region' in the stack's config`);
                    }
                    return r;
                });
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
                providerRegions.set(urn, inputs.region);
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
            records.set(urn, record);
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
        const refuse = (message: string) => {
            const err = Object.assign(new Error(message), { hideStack: true });
            // Reported as the program's failure, as the engine would fail the update at this read.
            finish(err);
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
        records.set(urn, record);
        process.send?.({ kind: "resource", resource: record } satisfies RunnerMessage);
        const response = new resproto.ReadResourceResponse();
        response.setUrn(urn);
        response.setProperties(Struct.fromJavaScript(wireState));
        callback(null, response);
    };

    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
        if (req.getUrn().split("::")[2] === STACK_TYPE) {
            stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
        }
        registerOutputs(req, callback);
    };

    let finished = false;
    const finish = (failure?: Error) => {
        if (finished) {
            return;
        }
        finished = true;
        send({
            ok: failure === undefined,
            error: failure
                ? {
                      message: failure.message,
                      stack: failure.stack,
                      // RunErrors (and ResourceErrors that ask for it) are meant to be read without a stack.
                      hideStack: pulumi.RunError.isInstance(failure) || (failure as { hideStack?: boolean }).hideStack === true,
                  }
                : undefined,
            // Already streamed one by one.
            resources: process.send ? [] : [...records.values()],
            outputs: stackOutputs,
            programMs: Date.now() - started,
        });
    };
    // The language host signals shutdown once the program and every registration it started are
    // done: the moment the engine would start its own wrap-up, and ours.
    monitor.signalAndWaitForShutdown = () => finish();
    // The SDK's handlers (installed first) log the error with its stack; this one reports it.
    const onUncaught = (err: unknown) => {
        setImmediate(() => finish(err instanceof Error ? err : new Error(String(err))));
    };
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
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
