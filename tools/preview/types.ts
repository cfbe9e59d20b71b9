/** Shapes shared by the offline preview's parent process, its program runner and its report. */
import type { PolicyPackPool } from "./pack-pool";

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
     * Outputs for the program's `StackReference`s: referenced stack name -> a JSON report of that stack's
     * preview (`--json`) or a JSON object of its outputs. A StackReference to a stack not named here fails
     * the preview. @default {}
     */
    stackReferences?: Record<string, string>;
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

/** What the program runner sends back to the parent process. */
export interface RunnerResult {
    ok: boolean;
    error?: { message: string; stack?: string; hideStack?: boolean };
    resources: RunnerResource[];
    outputs: Record<string, unknown>;
    programMs: number;
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
}
