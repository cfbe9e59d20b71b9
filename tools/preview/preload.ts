/**
 * What the program runner and the policy packs load before anything else (the runner imports it, the
 * packs get it with `--require`): the code cache, and Arborist deferred.
 *
 * The Pulumi SDK loads npm's Arborist (some 500 modules, a tenth of a preview's time) as it starts, for
 * one use: finding the packages a serialized function closes over. Its closure module gets a stand-in
 * that loads Arborist on first use, so a program that serializes functions works exactly as before and
 * one that does not never pays for it.
 */
import "./code-cache";
import Module from "module";
import * as path from "path";

const CODE_PATHS = path.join("@pulumi", "pulumi", "runtime", "closure", "codePaths.js");

function deferArborist(): void {
    type Load = (this: unknown, request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
    const loader = Module as unknown as { _load: Load };
    const load = loader._load;
    loader._load = function (request, parent, isMain) {
        if (request !== "@npmcli/arborist" || !parent?.filename?.endsWith(CODE_PATHS)) {
            return load.call(this, request, parent, isMain);
        }
        let real: object | undefined;
        const arborist = () => (real ??= load.call(this, request, parent, isMain) as object);
        // `__esModule` keeps TypeScript's `import * as` helper from copying (and so loading) it at once.
        return new Proxy(
            {},
            {
                get: (_, key) => (key === "__esModule" ? true : Reflect.get(arborist(), key)),
                has: (_, key) => Reflect.has(arborist(), key),
                ownKeys: () => Reflect.ownKeys(arborist()),
                getOwnPropertyDescriptor: (_, key) => {
                    const d = Reflect.getOwnPropertyDescriptor(arborist(), key);
                    return d && { ...d, configurable: true };
                },
            },
        );
    };
}

deferArborist();
