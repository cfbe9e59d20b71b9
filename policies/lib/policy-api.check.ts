// Compile-time proof that lib/policy-api.ts matches @pulumi/policy (checked by `tsc -p policies` in
// `npm test`; never loaded by the pack at run time).
import type * as real from "@pulumi/policy";
import type * as local from "./policy-api";

type Assert<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;

// What the server passes to our validate functions satisfies what they expect...
export type ResourceArgsOk = Assert<Extends<real.ResourceValidationArgs, local.ResourceValidationArgs>>;
export type StackArgsOk = Assert<Extends<real.StackValidationArgs, local.StackValidationArgs>>;
export type ReportOk = Assert<Extends<real.ReportViolation, local.ReportViolation>>;
// ...and what we hand to PolicyPack is what it accepts.
export type PoliciesOk = Assert<Extends<local.Policies, real.Policies>>;
export type PackArgsOk = Assert<Extends<local.PolicyPackArgs, real.PolicyPackArgs>>;
export type LevelOk = Assert<Extends<local.EnforcementLevel, real.EnforcementLevel>>;
