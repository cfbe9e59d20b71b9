// KMS rule (58).

import type { Policies } from "../lib/policy-api";
import { reportOpenGrants } from "../lib/access";
import { readStatements } from "../lib/iam";
import { resourceRule } from "../lib/rule";
import { asNumber, isUnknown } from "../lib/values";

export const KEY = "aws:kms/key:Key";
export const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";

export function kmsPolicies(): Policies {
    return [
        resourceRule<{ minimumDeletionWindowDays: number; requireProtect: boolean }>(
            {
                id: "kms-key-hygiene",
                no: 58,
                service: "KMS",
                kind: "R",
                checks: "Key has `enableKeyRotation`; its policy has no unconditioned `*` principal; `deletionWindowInDays` >= the minimum (30 in prod) and `protect` when `requireProtect` (prod).",
                why: "Rotation limits what one leaked key version exposes; a public key policy gives the key away; a deleted key makes everything it encrypted unreadable forever.",
                anchors:
                    "AG cmk-backing-key-rotation-enabled, NAG KMS5, FSBP KMS.3, KMS.5, CKV_AWS_7, CKV_AWS_33, TRV auto_rotate_keys, PCP kms/Key/enableKeyRotation",
                defaultLevel: "mandatory",
                config: {
                    minimumDeletionWindowDays: {
                        type: "integer",
                        minimum: 7,
                        maximum: 30,
                        default: 7,
                        description: "Minimum deletionWindowInDays (unset means AWS's 30).",
                    },
                    requireProtect: { type: "boolean", default: false, description: "Require the Pulumi `protect` resource option." },
                },
            },
            {
                types: [KEY, KEY_POLICY],
                validate: (k, ctx, args) => {
                    const statements = readStatements(k, "policy", k.props.policy, ctx);
                    if (statements) {
                        reportOpenGrants(k, "policy", statements, ctx, {
                            lets: "use or manage the key",
                            fix: 'name the principals (the account root { AWS: "arn:aws:iam::<account>:root" }, roles), or add a Condition on kms:CallerAccount',
                        });
                    }
                    if (k.type === KEY_POLICY) {
                        return;
                    }
                    const keySpec = k.props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
                    const rotation = k.props.enableKeyRotation;
                    if (isUnknown(rotation)) {
                        ctx.defer("enableKeyRotation");
                    } else if (rotation !== true && keySpec === "SYMMETRIC_DEFAULT") {
                        ctx.report(k, { property: "enableKeyRotation", found: rotation, expected: "true", fix: "set enableKeyRotation: true" });
                    }
                    const window = k.props.deletionWindowInDays;
                    const days = asNumber(window) ?? 30;
                    if (!isUnknown(window) && days < ctx.config.minimumDeletionWindowDays) {
                        ctx.report(k, {
                            property: "deletionWindowInDays",
                            found: window,
                            expected: `>= ${ctx.config.minimumDeletionWindowDays}`,
                            fix: `set deletionWindowInDays: ${ctx.config.minimumDeletionWindowDays === 30 ? 30 : ctx.config.minimumDeletionWindowDays}`,
                        });
                    }
                    if (ctx.config.requireProtect && !args.opts.protect) {
                        ctx.report(k, {
                            property: "opts.protect",
                            found: args.opts.protect,
                            expected: "true (requireProtect)",
                            fix: "pass { protect: true } in the resource options",
                        });
                    }
                },
            },
        ),
    ];
}
