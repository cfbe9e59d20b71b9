// Every use of @pulumi/policy's private code, in one place. What the pack relies on, and what guards it:
//
// - `deserialize.js` `deserializeProperties`, which the library's server calls to decode a resource's
//   properties once per policy: decode-once.ts replaces it to decode each resource once. Checked here
//   (version and shape); on another release the pack keeps the library's own decoding: slower, same
//   verdicts, and a notice on stderr.
// - A validate function's `__pulumiType` property (lib/rule.ts), which the server reads to skip other
//   resource types without decoding them: without it the policy still runs, only on every resource.
// - `reportViolation` taking an object `{ message, urn, enforcementLevel }` (lib/rule.ts, for findings a
//   mandatory rule reports as advisory): the server's makeReportViolationFun accepts it. The gRPC specs
//   (test/policies/grpc-*.spec.ts) see such a finding's level through the real server, so a release that
//   drops it fails them.
//
// POLICY_VERIFIED is the range of @pulumi/policy releases these were verified on.

import * as semver from "semver";

declare const require: (id: string) => unknown;
declare const console: { error(line: string): void };

export const POLICY_PACKAGE = "@pulumi/policy";
export const POLICY_VERIFIED = ">=1.21.0 <=1.21.0";

/** The part of @pulumi/policy's (internal) deserialize module decode-once.ts replaces. */
export interface DeserializeModule {
    deserializeProperties(struct: object, proxySecrets?: boolean): Record<string, unknown>;
}

/** Why the internal cannot be used on the installed release, or undefined when it can. */
export function deserializeProblem(version: string, module: unknown): string | undefined {
    if (!semver.valid(version) || !semver.satisfies(version, POLICY_VERIFIED)) {
        return `${POLICY_PACKAGE} ${version} is outside the range the pack's decode-once was verified on (${POLICY_VERIFIED})`;
    }
    if (typeof (module as Partial<DeserializeModule> | undefined)?.deserializeProperties !== "function") {
        return `${POLICY_PACKAGE} ${version} has no deserialize.deserializeProperties()`;
    }
    return undefined;
}

/**
 * The library's deserialize module, when decode-once may replace its function on this release; otherwise
 * undefined, after one notice naming the package, the installed version and the verified range.
 */
export function deserializeModule(notice: (line: string) => void = (l) => console.error(l)): DeserializeModule | undefined {
    const version = (require(`${POLICY_PACKAGE}/package.json`) as { version: string }).version;
    let module: unknown;
    try {
        module = require(`${POLICY_PACKAGE}/deserialize`);
    } catch {
        module = undefined;
    }
    const problem = deserializeProblem(version, module);
    if (problem) {
        notice(`notice: ${problem}; the pack decodes resources the library's own way (slower, same verdicts). See policies/lib/policy-internals.ts.`);
        return undefined;
    }
    return module as DeserializeModule;
}
