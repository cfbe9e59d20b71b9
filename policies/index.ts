// The platform's policy pack. Levels: each policy's built-in level is the dev profile; staging and prod
// (and any other stack) pass policies/config/<env>.json with --policy-pack-config.
import { installDecodeOnce } from "./lib/decode-once";
import { policyModule } from "./lib/policy-api";
import { allPolicies } from "./rules";

installDecodeOnce();

const policies = allPolicies();
new policyModule.PolicyPack("platform-policies", {
    description: `Security and monitoring rules for serverless AWS: ${policies.length} rules, per-environment levels in config/.`,
    enforcementLevel: "advisory",
    policies,
});
