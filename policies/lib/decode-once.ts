// @pulumi/policy decodes a resource's properties from its protobuf Struct once for every policy that
// looks at the resource: in AnalyzeStack, every resource once per stack policy (about 20 here). That was
// most of the pack's time after a program finished. The Struct of one request message is the same for
// each policy, so the pack decodes it once and gives every policy the same plain object, each still
// behind @pulumi/policy's own unknown-checking proxy. Sharing is safe because policies here only read
// what they are given (none remediates); the remediation path, which decodes with secrets proxied, is
// left as it is.

import { deserializeModule, DeserializeModule } from "./policy-internals";

export type { DeserializeModule };

/** Makes `deserializeProperties` decode each Struct once; returns a count of the Structs it decoded. */
export function decodeEachStructOnce(module: DeserializeModule): () => number {
    const decode = module.deserializeProperties;
    const decoded = new WeakMap<object, Record<string, unknown>>();
    let count = 0;
    module.deserializeProperties = (struct, proxySecrets) => {
        if (proxySecrets) {
            return decode(struct, proxySecrets);
        }
        let props = decoded.get(struct);
        if (!props) {
            props = decode(struct, false);
            decoded.set(struct, props);
            count++;
        }
        return props;
    };
    return () => count;
}

/**
 * Applies it to @pulumi/policy's own module, the instance its server calls into at each call, where
 * policy-internals.ts has verified that module on the installed release.
 */
export function installDecodeOnce(): void {
    const module = deserializeModule();
    if (module) {
        decodeEachStructOnce(module);
    }
}
