// Runs the pack's policies in-process with synthetic inputs, the way @pulumi/policy's server calls
// them: props behind the library's unknown-checking proxy, `getConfig` returning the policy's config,
// and an unknown value read by a policy turned into one advisory "can't run during preview" line.
import * as path from "path";
import type { Policies, PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "../../policies/lib/policy-api";
import { allPolicies } from "../../policies/rules";

export const POLICIES_DIR = path.resolve(__dirname, "..", "..", "policies");

// The pack's own copy of @pulumi/policy, so `instanceof UnknownValueError` sees the same class.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const policyLib = require(require.resolve("@pulumi/policy", { paths: [POLICIES_DIR] })) as {
    unknownCheckingProxy: (o: Record<string, unknown>) => Record<string, unknown>;
    UnknownValueError: new (...a: unknown[]) => Error;
};

/** The engine's sentinel for a value unknown during preview. */
export const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Level = "advisory" | "mandatory" | "disabled";

export interface Res {
    type: string;
    name: string;
    props?: Record<string, unknown>;
    protect?: boolean;
    /** Property -> names (or URNs) of resources in the same test stack it depends on. */
    deps?: Record<string, string[]>;
    /** dependsOn / other dependencies, by name. */
    dependsOn?: string[];
}

export interface Violation {
    policy: string;
    level: Level;
    message: string;
    urn?: string;
    /** The resource name the URN ends with (for readable assertions). */
    name?: string;
}

export interface RunOptions {
    config?: Record<string, unknown>;
    level?: Level;
}

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::fixture::${type}::${name}`;
}

let policies: Policies | undefined;
export function policy(name: string): Policies[number] {
    policies = policies ?? allPolicies();
    const p = policies.find((x) => x.name === name);
    if (!p) {
        throw new Error(`no policy named ${name}`);
    }
    return p;
}

function collector(name: string, level: Level, out: Violation[]): ReportViolation {
    const fn = (message: string | { message?: string; urn?: string; enforcementLevel?: Level }, urn?: string) => {
        if (typeof message === "object") {
            out.push({ policy: name, level: message.enforcementLevel ?? level, message: message.message ?? "", urn: message.urn });
        } else {
            out.push({ policy: name, level, message, urn });
        }
    };
    return fn as ReportViolation;
}

function finish(out: Violation[]): Violation[] {
    return out.map((v) => ({ ...v, name: v.urn?.split("::").pop() }));
}

function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v ?? {})) as T;
}

/** Runs one resource policy on one resource. */
export function checkResource(name: string, res: Res, opts: RunOptions = {}): Violation[] {
    const p = policy(name) as Policies[number] & { validateResource?: (a: ResourceValidationArgs, r: ReportViolation) => void };
    const level = opts.level ?? (p.enforcementLevel as Level);
    const out: Violation[] = [];
    if (level === "disabled" || !p.validateResource) {
        return out;
    }
    const props = policyLib.unknownCheckingProxy(clone(res.props ?? {}));
    const urn = urnOf(res.type, res.name);
    const args = {
        type: res.type,
        name: res.name,
        urn,
        props,
        opts: {
            protect: res.protect === true,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        stackTags: new Map<string, string>(),
        getConfig: <T>() => (opts.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
        isType: () => false,
        asType: () => undefined,
    } as unknown as ResourceValidationArgs;
    const report = collector(name, level, out);
    try {
        void p.validateResource(args, report);
    } catch (e) {
        if (e instanceof policyLib.UnknownValueError) {
            out.push({ policy: name, level: "advisory", message: `can't run policy '${name}' during preview: ${(e as Error).message}`, urn });
        } else {
            throw e;
        }
    }
    return finish(out.map((v) => ({ ...v, urn: v.urn ?? urn })));
}

/** Builds the resources a stack policy sees. */
export function stackResources(resources: Res[]): PolicyResource[] {
    const byName = new Map<string, PolicyResource>();
    const list: PolicyResource[] = resources.map((r) => {
        const pr = {
            type: r.type,
            name: r.name,
            urn: urnOf(r.type, r.name),
            props: policyLib.unknownCheckingProxy(clone(r.props ?? {})),
            opts: {
                protect: r.protect === true,
                ignoreChanges: [],
                aliases: [],
                additionalSecretOutputs: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            },
            dependencies: [] as PolicyResource[],
            propertyDependencies: {} as Record<string, PolicyResource[]>,
            isType: () => false,
            asType: () => undefined,
        } as unknown as PolicyResource;
        byName.set(r.name, pr);
        return pr;
    });
    resources.forEach((r, i) => {
        const pr = list[i];
        const lookup = (n: string) => {
            const found = byName.get(n) ?? list.find((x) => x.urn === n);
            if (!found) {
                throw new Error(`test stack has no resource ${n}`);
            }
            return found;
        };
        const all = new Set<PolicyResource>();
        for (const [k, names] of Object.entries(r.deps ?? {})) {
            pr.propertyDependencies[k] = names.map(lookup);
            pr.propertyDependencies[k].forEach((d) => all.add(d));
        }
        (r.dependsOn ?? []).map(lookup).forEach((d) => all.add(d));
        pr.dependencies = [...all];
    });
    return list;
}

/** Runs one stack policy on a set of resources. */
export function checkStack(name: string, resources: Res[], opts: RunOptions = {}): Violation[] {
    const p = policy(name) as Policies[number] & { validateStack?: (a: StackValidationArgs, r: ReportViolation) => void };
    const level = opts.level ?? (p.enforcementLevel as Level);
    const out: Violation[] = [];
    if (level === "disabled" || !p.validateStack) {
        return out;
    }
    const args = {
        resources: stackResources(resources),
        stackTags: new Map<string, string>(),
        getConfig: <T>() => (opts.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
    } as unknown as StackValidationArgs;
    try {
        void p.validateStack(args, collector(name, level, out));
    } catch (e) {
        if (e instanceof policyLib.UnknownValueError) {
            out.push({ policy: name, level: "advisory", message: `can't run policy '${name}' during preview: ${(e as Error).message}` });
        } else {
            throw e;
        }
    }
    return finish(out);
}

/** Runs a policy the way its kind needs (resource policies: once per resource). */
export function check(name: string, resources: Res[], opts: RunOptions = {}): Violation[] {
    const p = policy(name) as { validateStack?: unknown; validateResource?: unknown };
    const out: Violation[] = [];
    if (p.validateResource) {
        for (const r of resources) {
            out.push(...checkResource(name, r, opts));
        }
    }
    if (p.validateStack) {
        out.push(...checkStack(name, resources, opts));
    }
    return out;
}

/** `name:level` strings, sorted: what a user reads first in a preview. */
export function summary(vs: Violation[]): string[] {
    return vs.map((v) => `${v.name ?? "(stack)"}:${v.level}`).sort();
}

// A small expect() over node:assert (the repository has no assertion library).
import { strict as assert } from "assert";

interface Contain {
    and: { contain: (s: string) => Contain };
}

export function expect(actual: unknown) {
    const contain = (s: string): Contain => {
        assert.ok(typeof actual === "string" && actual.includes(s), `expected ${JSON.stringify(actual)} to contain ${JSON.stringify(s)}`);
        return { and: { contain } };
    };
    return {
        to: {
            deep: { equal: (expected: unknown) => assert.deepStrictEqual(actual, expected) },
            equal: (expected: unknown) => assert.strictEqual(actual, expected),
            contain,
            have: {
                length: (n: number) => assert.strictEqual((actual as unknown[]).length, n, `expected length ${n}: ${JSON.stringify(actual, null, 1)}`),
            },
        },
    };
}
