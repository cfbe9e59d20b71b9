import { strict as assert } from "node:assert";
import * as path from "node:path";
import { decodeEachStructOnce } from "../../policies/lib/decode-once";
import { deserializeModule, deserializeProblem, POLICY_PACKAGE, POLICY_VERIFIED } from "../../policies/lib/policy-internals";
import { POLICIES_DIR } from "./helpers";

/** The private code of @pulumi/policy the pack relies on (policies/lib/policy-internals.ts), on the installed release. */
describe("policy pack: @pulumi/policy internals", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the pack's own copy, as its server loads it
    const installed = require(require.resolve(`${POLICY_PACKAGE}/package.json`, { paths: [POLICIES_DIR] })) as { version: string };

    it("the installed release is one the pack was verified on, and its deserialize module still has the shape decode-once replaces", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const module = require(require.resolve(`${POLICY_PACKAGE}/deserialize`, { paths: [POLICIES_DIR] })) as Record<string, unknown>;
        assert.equal(deserializeProblem(installed.version, module), undefined);
        assert.equal(typeof module.deserializeProperties, "function");
        assert.equal((module.deserializeProperties as (...a: unknown[]) => unknown).length >= 1, true);
    });

    it("refuses a release outside the verified range, or a module without the function, naming the package, the version and the range", () => {
        assert.equal(
            deserializeProblem("1.22.0", { deserializeProperties: () => ({}) }),
            `@pulumi/policy 1.22.0 is outside the range the pack's decode-once was verified on (${POLICY_VERIFIED})`,
        );
        assert.equal(deserializeProblem("not-a-version", { deserializeProperties: () => ({}) })?.startsWith("@pulumi/policy not-a-version is outside"), true);
        assert.equal(deserializeProblem(installed.version, {}), `@pulumi/policy ${installed.version} has no deserialize.deserializeProperties()`);
        assert.equal(deserializeProblem(installed.version, undefined), `@pulumi/policy ${installed.version} has no deserialize.deserializeProperties()`);
    });

    it("hands decode-once the module the pack's server uses, with no notice on a verified release", () => {
        const notices: string[] = [];
        const module = deserializeModule((line) => notices.push(line));
        assert.deepEqual(notices, []);
        assert.ok(module);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        assert.equal(module, require(path.join(path.dirname(require.resolve(`${POLICY_PACKAGE}/package.json`, { paths: [POLICIES_DIR] })), "deserialize")));
        assert.equal(typeof decodeEachStructOnce, "function");
    });
});
