/** Shapes shared by the offline preview's parent process, its program runner and its report. */
import type { PolicyPackPool } from "./pack-pool";
import type { RunnerPool } from "./program";

export type PreviewMode = "create" | "update";
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** Options of one offline preview, as the CLI flags give them. */
export interface PreviewOptions {
    /** Program directory (holds Pulumi.yaml). */
    cwd: string;
    /** Stack name: reads `Pulumi.<stack>.yaml`. */
    stack: string;
    /** Policy pack directories, each run as its own analyzer process. */
    policyPacks: string[];
    /** Policy config files, paired with `policyPacks` by position (as `pulumi preview` pairs them). */
    policyPackConfigs?: (string | undefined)[];
    /** `create`: a stack that does not exist yet; `update`: its resources exist. @default "create" */
    mode?: PreviewMode;
    /** Called with short progress messages while the program and the packs run. */
    onProgress?: (message: string) => void;
    /** Reuse packs started by earlier previews in this process. @default each preview starts its own */
    pool?: PolicyPackPool;
    /**
     * Reuse program runners of earlier previews of the same program in this process (a runner whose
     * preview succeeded runs the next one). @default each preview starts its own runner
     */
    runners?: RunnerPool;
    /**
     * Outputs for the program's `StackReference`s: referenced stack name -> a JSON report of that stack's
     * preview (`--json`) or a JSON object of its outputs. A StackReference to a stack not named here fails
     * the preview. @default {}
     */
    stackReferences?: Record<string, string>;
    /**
     * Answers for provider functions the built-in mocks do not know (or to replace theirs): function token
     * (`aws:ec2/getAmi:getAmi`) -> a JSON file holding its result, or a list of `{ inputs, result }` pairs
     * matched on inputs. @default {}
     */
    invokes?: Record<string, string>;
    /** Stops the preview (its program runner and the packs it started) when aborted. */
    signal?: AbortSignal;
}

/** One resource as the engine would record it. Values the preview cannot know are `"[unknown]"`. */
export interface ResourceRecord {
    urn: string;
    type: string;
    name: string;
    parent: string | undefined;
    custom: boolean;
    remote: boolean;
    /** Provider reference `urn::id`, the default provider's when the program named none. */
    provider: string | undefined;
    protect: boolean;
    /** Read by the program (a `StackReference`, a resource's `get`) rather than managed by it. */
    external: boolean;
    /** The id a read resource was read by (a StackReference's stack name); absent for managed resources. */
    id?: string;
    inputs: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

export interface Diagnostic {
    policyPackName: string;
    policyPackVersion: string;
    policyName: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    description: string;
    urn: string | undefined;
}

export interface PreviewReport {
    project: string;
    stack: string;
    mode: PreviewMode;
    resources: ResourceRecord[];
    outputs: Record<string, unknown>;
    diagnostics: Diagnostic[];
    /** Program log lines (warnings and errors the program or SDK logged). */
    logs: { severity: string; message: string; urn?: string }[];
    policyPacks: { name: string; version: string; policies: number }[];
    timings: { programMs: number; policyMs: number; totalMs: number };
    summary: { resources: number; mandatory: number; advisory: number };
    /**
     * What the preview assumed where `pulumi preview` would have had more to go on (a stack with no stack
     * file previewed with the project's defaults). Absent when there is nothing to say.
     */
    notices?: string[];
}

/**
 * A failure of the program, its config, the flags or a pack: the preview has no policy answer.
 * The CLI prints the message and exits 2.
 */
export class PreviewError extends Error {
    constructor(
        message: string,
        public readonly detail?: string,
    ) {
        super(message);
        this.name = "PreviewError";
    }
}

/** Marks the end of one run's output on stdout and stderr, so a reused runner's output is told apart per run. */
export const RUN_END = "\u0000offline-preview-run-end\n";

/** What the program runner sends back to the parent process. */
export interface RunnerResult {
    ok: boolean;
    /** `detail`: what to print after the message instead of the stack (the program's own words). */
    error?: { message: string; stack?: string; hideStack?: boolean; detail?: string };
    resources: RunnerResource[];
    outputs: Record<string, unknown>;
    programMs: number;
    /** CPU the runner used, user and system (for the benchmarks; not in the report). */
    cpuMs?: number;
    /** The runner stays up for another preview of the same program (it was asked to and the program allows it). */
    reusable?: boolean;
}

/** Messages from the runner: each resource as it registers, then the result. */
export type RunnerMessage = { kind: "resource"; resource: RunnerResource } | { kind: "result"; result: RunnerResult };

/**
 * A resource in wire form: `inputs` and `state` are Struct-shaped JSON exactly as the SDK
 * serialized them (unknown sentinel, secret and asset signatures intact).
 */
export interface RunnerResource {
    urn: string;
    type: string;
    name: string;
    parent: string;
    custom: boolean;
    remote: boolean;
    provider: string;
    protect: boolean;
    id: string;
    inputs: Record<string, unknown>;
    state: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    ignoreChanges: string[];
    aliases: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
    deleteBeforeReplaceDefined: boolean;
    /** Version of the resource's package, which names its default provider (`default_7_48_0`). */
    version: string;
    /** Read through `ReadResource` (a StackReference) rather than registered. */
    external?: boolean;
}

/** A referenced stack's outputs in wire form, as the engine answers a StackReference read. */
export interface StackReferenceData {
    outputs: Record<string, unknown>;
    secretOutputNames: string[];
}

/** Everything the runner needs, handed to it as JSON in an environment variable. */
export interface RunnerInput {
    project: string;
    stack: string;
    organization: string;
    programDir: string;
    /** `main` of Pulumi.yaml, or "." to let package.json decide, as the language host does. */
    main: string;
    typescript: boolean;
    tsconfig: string | undefined;
    config: Record<string, string>;
    secretKeys: string[];
    mode: PreviewMode;
    /** Outputs of each stack the program may reference, by the name it references it by. */
    stackReferences?: Record<string, StackReferenceData>;
    /** Answers from `--invoke` files, by function token. */
    invokes?: Record<string, InvokeAnswer>;
    /** Keep the runner for another preview of the same program once this one succeeds (a RunnerPool's). */
    reuse?: boolean;
}

/**
 * A provider function's answer from an `--invoke` file: one result for any inputs, or results matched on
 * the inputs of the call (the first case whose every given input equals the call's).
 */
export type InvokeAnswer =
    { file: string; result: Record<string, unknown> } | { file: string; cases: { inputs: Record<string, unknown>; result: Record<string, unknown> }[] };
