// Cognito rules (55, 56, 79, 84).

import type { Policies } from "../lib/policy-api";
import { literalName, refers, sameKnown } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asNumber, asString, get, isUnknown } from "../lib/values";

export const USER_POOL = "aws:cognito/userPool:UserPool";
export const IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool";
export const USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient";

/** Loopback hosts, where Cognito (and OAuth 2.0 for native apps, RFC 8252) accept plain http redirects. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A redirect URL given as a known string that uses plain http to a host other than the loopback. */
export function insecureRedirect(v: unknown): boolean {
    const s = asString(v)?.trim();
    // The host after any userinfo (`http://localhost@evil.example` goes to evil.example); the pack has no URL class.
    const m = s === undefined ? null : /^http:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(s);
    return m !== null && !LOOPBACK_HOSTS.has(m[1].toLowerCase());
}

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
        resourceRule(
            {
                id: "cognito-app-client-hardening",
                no: 79,
                service: "Cognito",
                kind: "R",
                checks: 'User pool app clients use no implicit OAuth flow, redirect only to https (plain http on localhost only), allow no `USER_PASSWORD_AUTH` flow, and set `preventUserExistenceErrors: "ENABLED"` (the API default is LEGACY).',
                why: "The implicit flow puts tokens in URLs and browser history; an http callback hands the authorization code to anyone on the network path; the password flow sends passwords to the app instead of SRP; LEGACY errors tell an attacker which usernames exist.",
                anchors:
                    "PRW cognito_user_pool_client_prevent_user_existence_errors, AWS Amazon Cognito Developer Guide (Managing user existence error responses; Application-specific settings with app clients)",
                defaultLevel: "mandatory",
            },
            {
                types: [USER_POOL_CLIENT],
                validate: (client, ctx) => {
                    const p = client.props;
                    const flows = asArray(p.allowedOauthFlows);
                    if (flows.includes("implicit")) {
                        ctx.report(client, {
                            property: "allowedOauthFlows",
                            found: p.allowedOauthFlows,
                            expected: 'no "implicit"',
                            fix: 'use allowedOauthFlows: ["code"] (authorization code with PKCE; a browser client keeps generateSecret: false)',
                        });
                    }
                    for (const prop of ["callbackUrls", "logoutUrls"]) {
                        asArray(p[prop]).forEach((u, i) => {
                            if (insecureRedirect(u)) {
                                ctx.report(client, {
                                    property: `${prop}[${i}]`,
                                    found: u,
                                    expected: "an https:// URL (http:// only for localhost, 127.0.0.1 or [::1])",
                                    fix: `serve the page over https and register ${JSON.stringify(String(u).replace(/^http:/i, "https:"))}`,
                                });
                            }
                        });
                    }
                    if (insecureRedirect(p.defaultRedirectUri)) {
                        ctx.report(client, {
                            property: "defaultRedirectUri",
                            found: p.defaultRedirectUri,
                            expected: "an https:// URL (http:// only for localhost)",
                            fix: `set defaultRedirectUri to ${JSON.stringify(String(p.defaultRedirectUri).replace(/^http:/i, "https:"))}, one of the https callbackUrls`,
                        });
                    }
                    const authFlows = asArray(p.explicitAuthFlows);
                    const password = authFlows.filter((f) => f === "USER_PASSWORD_AUTH" || f === "ALLOW_USER_PASSWORD_AUTH");
                    if (password.length > 0) {
                        ctx.report(client, {
                            property: "explicitAuthFlows",
                            found: password,
                            expected: "no USER_PASSWORD_AUTH (SRP sends no password)",
                            fix: 'use explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]; a client kept for a user-migration trigger goes in exemptResources of cognito-app-client-hardening while the migration lasts',
                        });
                    }
                    if (authFlows.includes("ADMIN_NO_SRP_AUTH")) {
                        ctx.report(client, {
                            property: "explicitAuthFlows",
                            found: ["ADMIN_NO_SRP_AUTH"],
                            problem:
                                'contains "ADMIN_NO_SRP_AUTH", the legacy name of the server-side password flow (legacy names cannot be combined with the ALLOW_ ones)',
                            fix: 'use the ALLOW_ names: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], and ALLOW_ADMIN_USER_PASSWORD_AUTH only for a server-side caller that holds IAM credentials',
                            advisoryOnly: true,
                        });
                    }
                    const existence = p.preventUserExistenceErrors;
                    if (isUnknown(existence)) {
                        ctx.defer("preventUserExistenceErrors");
                    } else if (existence !== "ENABLED") {
                        ctx.report(client, {
                            property: "preventUserExistenceErrors",
                            found: existence,
                            expected: existence === undefined ? '"ENABLED" (unset, the Cognito API creates the client with LEGACY)' : '"ENABLED"',
                            fix: 'set preventUserExistenceErrors: "ENABLED"',
                        });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "cognito-custom-attribute-write",
                no: 84,
                service: "Cognito",
                kind: "S",
                checks: "App clients of a user pool with custom attributes list `writeAttributes`, and list no immutable custom attribute (`mutable: false`).",
                why: "Without the list a client may write every attribute, custom ones included, and at sign-up even the immutable ones: a user who names their own tenant, role or customer id at sign-up reads what belongs to another.",
                anchors: 'ours (analogues: AWS Amazon Cognito Developer Guide, "Attribute permissions and scopes")',
                defaultLevel: "advisory",
            },
            {
                primaryType: USER_POOL,
                subjectTypes: [USER_POOL_CLIENT],
                validate: (graph, ctx) => {
                    for (const pool of graph.ofType(USER_POOL)) {
                        const schemas = pool.props.schemas;
                        if (isUnknown(schemas) || asArray(schemas).some(isUnknown)) {
                            ctx.defer(`${pool.name}.schemas`);
                            continue;
                        }
                        const custom = asArray(schemas)
                            .map((a) => ({
                                name: asString(get(a, "name")),
                                mutable: get(a, "mutable"),
                                developerOnly: get(a, "developerOnlyAttribute") === true,
                            }))
                            .filter((a): a is { name: string; mutable: unknown; developerOnly: boolean } => a.name !== undefined && !a.developerOnly);
                        if (custom.length === 0) {
                            continue;
                        }
                        // An attribute is mutable unless the schema says false (the API's default is true).
                        const immutable = custom.filter((a) => a.mutable === false).map((a) => `custom:${a.name}`);
                        const clients = graph
                            .ofType(USER_POOL_CLIENT)
                            .filter((c) => refers(c, "userPoolId", pool, () => sameKnown(c.props.userPoolId, pool.props.id, literalName(pool))));
                        for (const client of clients) {
                            const write = client.props.writeAttributes;
                            if (isUnknown(write) || asArray(write).some(isUnknown)) {
                                ctx.defer(`${client.name}.writeAttributes`);
                            } else if (write === undefined || write === null) {
                                ctx.report(client, {
                                    property: "writeAttributes",
                                    found: write,
                                    expected: `a list of the attributes users may write, of user pool "${pool.name}", which has custom attributes (${custom.map((a) => `custom:${a.name}`).join(", ")})`,
                                    fix: 'set writeAttributes to the standard attributes users edit (e.g. ["email", "name"]), without the custom attributes that say who a user is',
                                });
                            } else {
                                const written = asArray(write).filter((a): a is string => typeof a === "string" && immutable.includes(a));
                                if (written.length > 0) {
                                    ctx.report(client, {
                                        property: "writeAttributes",
                                        found: written,
                                        expected: "no immutable custom attribute (set once, at sign-up, by whoever signs up)",
                                        fix: `remove ${written.join(", ")} from writeAttributes; set ${written.length > 1 ? "them" : "it"} by an administrator (AdminCreateUser), a trigger or a user import`,
                                    });
                                }
                            }
                        }
                    }
                },
            },
        ),
    ];
}
