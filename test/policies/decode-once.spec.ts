import { strict as assert } from "assert";
import { decodeEachStructOnce, DeserializeModule } from "../../policies/lib/decode-once";

describe("policy pack: each request's properties decoded once", () => {
    const fakeModule = () => {
        const calls: [object, boolean | undefined][] = [];
        const module: DeserializeModule = {
            deserializeProperties: (struct, proxySecrets) => {
                calls.push([struct, proxySecrets]);
                return { decoded: (struct as { id: string }).id };
            },
        };
        return { module, calls };
    };

    it("decodes a Struct the first time a policy asks and hands later policies the same object", () => {
        const { module, calls } = fakeModule();
        const decoded = decodeEachStructOnce(module);
        const a = { id: "a" };
        const b = { id: "b" };
        const first = module.deserializeProperties(a, false);
        assert.equal(module.deserializeProperties(a, false), first);
        assert.deepEqual(module.deserializeProperties(b, false), { decoded: "b" });
        assert.deepEqual(first, { decoded: "a" });
        assert.equal(calls.length, 2);
        assert.equal(decoded(), 2);
    });

    it("leaves decoding with secrets proxied (remediations) to @pulumi/policy every time", () => {
        const { module, calls } = fakeModule();
        decodeEachStructOnce(module);
        const s = { id: "s" };
        module.deserializeProperties(s, true);
        module.deserializeProperties(s, true);
        assert.deepEqual(
            calls.map(([, p]) => p),
            [true, true],
        );
    });
});
