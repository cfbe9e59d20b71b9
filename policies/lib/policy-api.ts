// The part of @pulumi/policy's API this pack uses, declared here so that the forced ts-node type check
// at pack start-up does not load @pulumi/policy's declarations (and through them all of
// @pulumi/pulumi's): that check is most of the pack's start-up time. lib/policy-api.check.ts proves
// these declarations compatible with the real ones; `tsc -p policies` runs it in `npm test`.

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export type ReportViolation = (message: string, urn?: string) => void;

export interface PolicyResourceOptions {
    protect: boolean;
}

export interface ResourceValidationArgs {
    type: string;
    props: Record<string, unknown>;
    urn: string;
    name: string;
    opts: PolicyResourceOptions;
    getConfig<T extends object>(): T;
}

export interface PolicyResource {
    type: string;
    props: Record<string, unknown>;
    urn: string;
    name: string;
    opts: PolicyResourceOptions;
    parent?: PolicyResource;
    dependencies: PolicyResource[];
    propertyDependencies: Record<string, PolicyResource[]>;
}

export interface StackValidationArgs {
    resources: PolicyResource[];
    getConfig<T extends object>(): T;
}

export interface PolicyConfigSchema {
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
}

interface PolicyBase {
    name: string;
    description: string;
    enforcementLevel?: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
    tags?: string[];
}

export interface ResourceValidationPolicy extends PolicyBase {
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void;
}

export interface StackValidationPolicy extends PolicyBase {
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => void;
}

export type Policies = (ResourceValidationPolicy | StackValidationPolicy)[];

export interface PolicyPackArgs {
    policies: Policies;
    enforcementLevel?: EnforcementLevel;
    description?: string;
}

/** The runtime module, loaded without its type declarations. */
export interface PolicyModule {
    PolicyPack: new (name: string, args: PolicyPackArgs) => unknown;
    UnknownValueError: new (sentinel: string, props: string[]) => Error;
}

// The pack is type-checked without @types/node (another large set of declarations); this is the one
// Node.js global it needs.
declare const require: (id: string) => unknown;

export const policyModule = require("@pulumi/policy") as PolicyModule;
