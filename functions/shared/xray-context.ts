/**
 * Stands in for `cls-hooked/context` inside the Lambda bundles (components/bundle-options.ts): the context store
 * the X-Ray SDK keeps the current segment in, built on AsyncLocalStorage.
 *
 * cls-hooked tracks context with an async hook it enables as soon as the X-Ray SDK loads. That hook
 * runs JavaScript for every promise the process creates: a loop of awaits runs about ten times
 * slower with it (bench numbers in functions/README.md), and every SDK call is such a loop. It also
 * loads `assert` at cold start. AsyncLocalStorage does the same job in the runtime itself.
 *
 * What the X-Ray SDK relies on, kept here:
 * - `run`, `runAndReturn`, `runPromise` and `bind` give a function a child context, visible to
 *   everything it starts, synchronously or not.
 * - A context `enter`ed outside of any of those stays the active one for the whole process until it
 *   is exited. The SDK's Lambda mode enters one at init, and the handler, which the runtime calls
 *   from its own asynchronous chain, must still see it: cls-hooked behaves the same way.
 * - `set` without any active context throws, `get` answers undefined.
 * `bindEmitter` (used by the SDK's http, express and database patchers, none of which the bundles
 * keep) is not supported.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type Context = Record<string | symbol, unknown>;

export const ERROR_SYMBOL = "error@context";

export class Namespace {
    private readonly storage = new AsyncLocalStorage<Context>();
    /** The context entered outside any run scope: active wherever no run scope is. */
    private processContext: Context | null = null;

    constructor(readonly name: string) {}

    get active(): Context | null {
        return this.storage.getStore() ?? this.processContext;
    }

    set(key: string, value: unknown): unknown {
        const active = this.active;
        if (!active) throw new Error("No context available. ns.run() or ns.bind() must be called first.");
        active[key] = value;
        return value;
    }

    get(key: string): unknown {
        return this.active?.[key];
    }

    createContext(): Context {
        const context = Object.create(this.active ?? Object.prototype) as Context;
        context._ns_name = this.name;
        return context;
    }

    enter(context: Context): void {
        if (!context) throw new Error("context must be provided for entering");
        if (this.storage.getStore() === undefined) this.processContext = context;
        else this.storage.enterWith(context);
    }

    exit(context: Context): void {
        if (!context) throw new Error("context must be provided for exiting");
        if (this.processContext === context) this.processContext = null;
    }

    run(fn: (context: Context) => void): Context {
        const context = this.createContext();
        this.storage.run(context, () => {
            try {
                fn(context);
            } catch (error) {
                throw tagged(error, context);
            }
        });
        return context;
    }

    runAndReturn<T>(fn: (context: Context) => T): T {
        let value: T | undefined;
        this.run((context) => {
            value = fn(context);
        });
        return value as T;
    }

    runPromise<T>(fn: (context: Context) => Promise<T>): Promise<T> {
        const context = this.createContext();
        return this.storage.run(context, () => {
            const promise = fn(context);
            if (!promise || typeof promise.then !== "function") throw new Error("fn must return a promise.");
            return promise.catch((error: unknown) => {
                throw tagged(error, context);
            });
        });
    }

    bind<A extends unknown[], R>(fn: (...args: A) => R, context?: Context): (...args: A) => R {
        const bound = context ?? this.active ?? this.createContext();
        const storage = this.storage;
        return function (this: unknown, ...args: A): R {
            return storage.run(bound, () => {
                try {
                    return fn.apply(this, args);
                } catch (error) {
                    throw tagged(error, bound);
                }
            });
        };
    }

    bindEmitter(): never {
        throw new Error("bindEmitter is not supported by the bundles' X-Ray context (functions/shared/xray-context.ts)");
    }
}

function tagged(error: unknown, context: Context): unknown {
    if (error !== null && typeof error === "object") (error as Record<string, unknown>)[ERROR_SYMBOL] = context;
    return error;
}

const namespaces = new Map<string, Namespace>();

export function getNamespace(name: string): Namespace | undefined {
    return namespaces.get(name);
}

export function createNamespace(name: string): Namespace {
    if (!name) throw new Error("namespace must be given a name.");
    const namespace = new Namespace(name);
    namespaces.set(name, namespace);
    return namespace;
}

export function destroyNamespace(name: string): void {
    if (!namespaces.has(name)) throw new Error(`can't delete nonexistent namespace! "${name}"`);
    namespaces.delete(name);
}

export function reset(): void {
    namespaces.clear();
}
