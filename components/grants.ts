import * as pulumi from "@pulumi/pulumi";
import { Grant, checkGrants } from "./iam";
import { KEY_USE_VIA, type KeyVia } from "./defaults/kms";

/**
 * A role that resources grant access to: `table.grantReadWrite(fn)` adds a statement to the
 * grantee's policy, and `key.grantUse(fn, …)` also names the grantee's role in the key policy.
 * A `Function` is one; any component with a role of its own can be.
 */
export interface Grantee {
    /** Names the grantee in errors, e.g. `Function "api"`. */
    readonly granteeName: string;
    /**
     * ARN of the grantee's role, known from its fixed name before the role exists: what key
     * policies and data access policies name, so they need not wait for the role.
     */
    readonly principalArn: pulumi.Input<string>;
    /** Adds one statement to the grantee's role policy. */
    addGrant(grant: Grant): void;
}

/**
 * Things several components add to while the program's top-level code runs (a role's statements,
 * a key's users), written into one Output once that code has finished: on the next turn of the
 * event loop, when every grant has been made. Adding after that is an error that says so, never a
 * statement silently left out of a policy. A program that awaits (an invoke, a lookup) creates the
 * components that grant to each other after its last await, not on both sides of one.
 */
export class Collected<T> {
    private readonly items: T[] = [];
    private sealed = false;
    /** What `build` made of everything added. */
    public readonly output: pulumi.Output<unknown>;

    /**
     * @param what What is collected, for the error when something is added too late, e.g. `the policy of Function "api"`.
     * @param build Makes the value from the items, once, after the program's top-level code.
     */
    constructor(
        private readonly what: string,
        build: (items: readonly T[]) => pulumi.Input<unknown>,
    ) {
        const [output, resolve] = pulumi.deferredOutput<unknown>();
        this.output = output;
        setImmediate(() => {
            this.sealed = true;
            resolve(pulumi.output(build(this.items)));
        });
    }

    /** Everything added so far. */
    get current(): readonly T[] {
        return this.items;
    }

    add(item: T): void {
        if (this.sealed) {
            throw new pulumi.RunError(`${this.what} was already written: make every grant in the program's top-level code, not in an apply or after an await`);
        }
        this.items.push(item);
    }
}

/** The statements of a grantee's role policy: the component's own, then every grant, sids unique. */
export class GrantList {
    private readonly collected: Collected<Grant>;
    /** The policy document (JSON), written once every grant is in. */
    public readonly document: pulumi.Output<string>;

    constructor(
        private readonly owner: string,
        build: (grants: readonly Grant[]) => pulumi.Output<string>,
    ) {
        this.collected = new Collected<Grant>(`the role policy of ${owner}`, build);
        this.document = this.collected.output as pulumi.Output<string>;
    }

    /** Every statement so far. */
    get grants(): readonly Grant[] {
        return this.collected.current;
    }

    /** Adds a statement, checked as `grants` arguments are: exact actions, exact resources, a unique sid. */
    add(grant: Grant, argument = "grants"): void {
        checkGrants(this.owner, argument, [...this.collected.current, grant]);
        this.collected.add(grant);
    }
}

/**
 * A customer-managed KMS key that knows who uses it: components that encrypt or decrypt with it
 * name their role through `allowRole`, and its key policy lists exactly those roles. A plain key
 * ARN works wherever a `KmsKey` does, for keys this program does not manage; their key policies
 * are then the key owner's to keep right.
 */
export interface KmsKey {
    /** ARN of the key. */
    readonly arn: pulumi.Output<string>;
    /** Names a role in the key policy's statement for the platform's roles. */
    allowRole(roleArn: pulumi.Input<string>): void;
    /**
     * Lets the grantee use the key through one AWS service (`kms:ViaService`): a statement in its
     * role policy, and its role in the key policy. Returns the statement.
     */
    grantUse(grantee: Grantee, options: KeyUseOptions): Grant;
}

export type { KeyVia };

export interface KeyUseOptions {
    /** The service that uses the key on the grantee's behalf (`kms:ViaService`). */
    via: KeyVia;
    /** Statement id in the grantee's policy. */
    sid: string;
    /**
     * Key actions, when the service needs fewer than its defaults.
     * @default the service's actions in components/defaults/kms.ts
     */
    actions?: string[];
}

/** A key this program manages, or the ARN of one it does not. */
export type KeyInput = KmsKey | pulumi.Input<string>;

function isKmsKey(key: KeyInput): key is KmsKey {
    // Outputs lift any property access into another Output, so test for one before duck-typing.
    return !pulumi.Output.isInstance(key) && typeof key === "object" && key !== null && typeof (key as KmsKey).allowRole === "function";
}

/** The key's ARN, whichever form it was given in. */
export function keyArnOf(key: KeyInput): pulumi.Input<string> {
    return isKmsKey(key) ? key.arn : key;
}

/** Records that `roleArn` uses the key: in its key policy when this program manages it. */
export function useKey(key: KeyInput, roleArn: pulumi.Input<string>): void {
    if (isKmsKey(key)) {
        key.allowRole(roleArn);
    }
}

/** The statement that lets a role use a key through one service (what `KmsKey.grantUse` adds). */
export function keyUseGrant(keyArn: pulumi.Input<string>, region: string, options: KeyUseOptions): Grant {
    return {
        sid: options.sid,
        actions: options.actions ?? KEY_USE_VIA[options.via],
        resources: [keyArn],
        condition: { StringEquals: { "kms:ViaService": `${options.via}.${region}.amazonaws.com` } },
    };
}

/**
 * Lets the grantee use a key through one service, whichever form the key was given in: a key this
 * program manages also names the grantee's role in its key policy.
 */
export function grantKeyUse(key: KeyInput, grantee: Grantee, options: KeyUseOptions, context: { region: string }): Grant {
    if (isKmsKey(key)) {
        return key.grantUse(grantee, options);
    }
    const grant = keyUseGrant(key, context.region, options);
    grantee.addGrant(grant);
    return grant;
}

/** `lower-case-name` → `LowerCaseName`, for statement ids derived from component names. */
export function pascal(name: string): string {
    return name
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join("");
}
