import * as pulumi from "@pulumi/pulumi";

/**
 * Changes one kind of child resource before a component creates it: edit its arguments or options in
 * place. The escape hatch for a default that does not fit, without forking the component.
 * @example
 * new Function("api", { ..., transform: { function: (args) => { args.memorySize = 2048; } } });
 */
export type Transform<Args> = (args: Args, opts: pulumi.CustomResourceOptions, name: string) => void;

/** The kinds of children a component creates, each with the arguments type its transform edits. */
export type ChildKinds = Record<string, object>;

/** A transform per kind of child; a kind with several children (every alarm, say) gets each of them. */
export type Transforms<K extends ChildKinds> = { [P in keyof K]?: Transform<K[P]> };

/** What every component accepts besides its own arguments. */
export interface ComponentOptions<K extends ChildKinds> {
    /**
     * Changes to the component's children before they are created, by kind of child (see the
     * component's `*Children` type for the kinds and their arguments).
     * @default {} (every child as the component makes it)
     */
    transform?: Transforms<K>;
}

/**
 * What a shared helper that creates children for a component (an alarm and its escalation twin, a
 * dead-letter queue) needs from it: the team's transform for that kind, and where to record the child.
 */
export interface ChildHooks<A> {
    transform?: Transform<A>;
    onCreate?(resource: pulumi.Resource): void;
}

/** Creates a resource the way `Component.create` does, for shared helpers that take `ChildHooks`. */
export function createChild<A, R extends pulumi.Resource>(
    cls: new (name: string, args: A, opts?: pulumi.CustomResourceOptions) => R,
    name: string,
    args: A,
    opts: pulumi.CustomResourceOptions,
    hooks?: ChildHooks<A>,
): R {
    const options = { ...opts };
    hooks?.transform?.(args, options, name);
    const resource = new cls(name, args, options);
    hooks?.onCreate?.(resource);
    return resource;
}

/** A resource constructor as the provider SDKs declare them. */
type ResourceClass<A, R> = new (name: string, args: A, opts?: pulumi.CustomResourceOptions) => R;

/**
 * The base of every platform component, in the style of SST's `Component`: children are created
 * through `create`, which names them `<component>-<suffix>`, parents them to the component, applies the
 * team's `transform` for their kind and records them in `nodes`; argument errors are
 * `pulumi.ResourceError`s that name the component, the argument, the value and what is allowed, and
 * print without a JavaScript stack.
 */
export abstract class Component<K extends ChildKinds> extends pulumi.ComponentResource {
    /** Every child resource the component created, by kind, in creation order. */
    public readonly nodes: { [P in keyof K]?: pulumi.Resource[] } = {};
    /** The component's logical name: the prefix of its children's names. */
    protected readonly componentName: string;
    /** The class name used in argument errors, e.g. "Function". */
    protected readonly className: string;
    private readonly transforms: Transforms<K>;

    /**
     * @param kinds Every kind of child this component creates: `transform` may name only these.
     */
    protected constructor(
        type: string,
        className: string,
        name: string,
        kinds: readonly (keyof K & string)[],
        options: ComponentOptions<K> | undefined,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, opts);
        this.componentName = name;
        this.className = className;
        this.transforms = options?.transform ?? {};
        for (const [kind, transform] of Object.entries(this.transforms)) {
            if (!(kinds as readonly string[]).includes(kind)) {
                this.invalid("transform", kind, `allowed kinds of child: ${kinds.join(", ")}`);
            }
            if (typeof transform !== "function") {
                this.invalid(`transform.${kind}`, typeof transform, "allowed: a function (args, opts, name) => void that edits args or opts in place");
            }
        }
    }

    /**
     * Creates a child of `kind` named `<component>-<suffix>`, parented to the component, after the
     * team's transform for that kind has seen its arguments and options.
     */
    protected create<P extends keyof K & string, R extends pulumi.Resource>(
        kind: P,
        cls: ResourceClass<K[P], R>,
        suffix: string,
        args: K[P],
        opts: pulumi.CustomResourceOptions = {},
    ): R {
        return createChild(cls, `${this.componentName}-${suffix}`, args, { parent: this, ...opts }, this.childHooks(kind));
    }

    /** The hooks a shared helper (createAlarm, deadLetterQueue) needs to create a child of `kind` here. */
    protected childHooks<P extends keyof K & string>(kind: P): ChildHooks<K[P]> {
        return {
            transform: this.transforms[kind],
            onCreate: (resource) => {
                (this.nodes[kind] ??= []).push(resource);
            },
        };
    }

    /** Throws the component's argument error: what was wrong and what is allowed, without a stack. */
    protected invalid(argument: string, value: unknown, allowed: string): never {
        throw new pulumi.ResourceError(`${this.className}: argument "${argument}" is ${JSON.stringify(value)}; ${allowed}`, this, true);
    }

    /** Checks a whole number in a closed range, naming the argument when it is not. */
    protected checkInt(argument: string, value: number, min: number, max: number): number {
        if (!Number.isInteger(value) || value < min || value > max) {
            this.invalid(argument, value, `allowed: a whole number from ${min} to ${max}`);
        }
        return value;
    }
}
