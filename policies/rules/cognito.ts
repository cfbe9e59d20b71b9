// Cognito rules (55, 56).

import type { Policies } from "../lib/policy-api";
import { resourceRule } from "../lib/rule";
import { asNumber, asString, get, isUnknown } from "../lib/values";

export const USER_POOL = "aws:cognito/userPool:UserPool";
export const IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool";

export function cognitoPolicies(): Policies {
    return [
        resourceRule<{ minimumPasswordLength: number; requireMfaOn: boolean; threatProtection: boolean }>(
            {
                id: "cognito-user-pool-hardening",
                no: 55,
                service: "Cognito",
                kind: "R",
                checks: "User pool password policy is strong; MFA is `ON` (`requireMfaOn`, prod) or `OPTIONAL`; threat protection is ENFORCED where the Plus plan is used (`threatProtection`).",
                why: "Credential stuffing and password spraying target user pools first; MFA and adaptive authentication stop most account takeovers.",
                anchors: "NAG COG1, COG2, COG8, FSBP Cognito.1, Cognito.3",
                defaultLevel: "advisory",
                config: {
                    minimumPasswordLength: { type: "integer", minimum: 8, maximum: 99, default: 12, description: "Minimum passwordPolicy.minimumLength." },
                    requireMfaOn: { type: "boolean", default: false, description: 'Require mfaConfiguration "ON" (otherwise "OPTIONAL" is accepted).' },
                    threatProtection: {
                        type: "boolean",
                        default: false,
                        description: 'The pool uses the Plus plan: require userPoolAddOns.advancedSecurityMode "ENFORCED".',
                    },
                },
            },
            {
                types: [USER_POOL],
                validate: (pool, ctx) => {
                    const cfg = ctx.config;
                    const pp = pool.props.passwordPolicy;
                    const len = get(pp, "minimumLength");
                    if (isUnknown(pp) || isUnknown(len)) {
                        ctx.defer("passwordPolicy.minimumLength");
                    } else if ((asNumber(len) ?? 8) < cfg.minimumPasswordLength) {
                        ctx.report(pool, {
                            property: "passwordPolicy.minimumLength",
                            found: len ?? 8,
                            expected: `>= ${cfg.minimumPasswordLength}`,
                            fix: `set passwordPolicy.minimumLength: ${cfg.minimumPasswordLength}`,
                        });
                    }
                    for (const flag of ["requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols"]) {
                        const v = get(pp, flag);
                        if (v === false) {
                            ctx.report(pool, { property: `passwordPolicy.${flag}`, found: v, expected: "true", fix: `set passwordPolicy.${flag}: true` });
                        }
                    }
                    const mfa = pool.props.mfaConfiguration;
                    const allowed = cfg.requireMfaOn ? ["ON"] : ["ON", "OPTIONAL"];
                    if (isUnknown(mfa)) {
                        ctx.defer("mfaConfiguration");
                    } else if (!allowed.includes(asString(mfa) ?? "OFF")) {
                        ctx.report(pool, {
                            property: "mfaConfiguration",
                            found: mfa ?? "OFF",
                            expected: allowed.map((a) => `"${a}"`).join(" or "),
                            fix: `set mfaConfiguration: "${allowed[0]}" with softwareTokenMfaConfiguration: { enabled: true }`,
                        });
                    }
                    if (cfg.threatProtection) {
                        const mode = get(pool.props, "userPoolAddOns", "advancedSecurityMode");
                        if (isUnknown(mode)) {
                            ctx.defer("userPoolAddOns.advancedSecurityMode");
                        } else if (mode !== "ENFORCED") {
                            ctx.report(pool, {
                                property: "userPoolAddOns.advancedSecurityMode",
                                found: mode,
                                expected: '"ENFORCED" (threatProtection is on)',
                                fix: 'set userPoolTier: "PLUS" and userPoolAddOns: { advancedSecurityMode: "ENFORCED" }',
                            });
                        }
                    }
                },
            },
        ),
        resourceRule<{ allowedUnauthenticatedPools: string[] }>(
            {
                id: "cognito-no-unauth-identities",
                no: 56,
                service: "Cognito",
                kind: "R",
                checks: "Identity pools set `allowUnauthenticatedIdentities: false` unless allow-listed.",
                why: "Unauthenticated identities hand AWS credentials to anyone on the internet.",
                anchors: "NAG COG7, FSBP Cognito.2, CKV_AWS_366",
                defaultLevel: "mandatory",
                config: {
                    allowedUnauthenticatedPools: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: "Identity pools (logical name or identityPoolName) allowed to issue guest credentials.",
                    },
                },
            },
            {
                types: [IDENTITY_POOL],
                validate: (pool, ctx) => {
                    const v = pool.props.allowUnauthenticatedIdentities;
                    const name = asString(pool.props.identityPoolName);
                    const listed = ctx.config.allowedUnauthenticatedPools.some((a) => a === pool.name || a === name);
                    if (isUnknown(v)) {
                        ctx.defer("allowUnauthenticatedIdentities");
                    } else if (v === true && !listed) {
                        ctx.report(pool, {
                            property: "allowUnauthenticatedIdentities",
                            found: v,
                            expected: "false",
                            fix: "set allowUnauthenticatedIdentities: false, or list the pool in allowedUnauthenticatedPools in policies/config/<env>.json",
                        });
                    }
                },
            },
        ),
    ];
}
