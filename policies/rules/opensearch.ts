// OpenSearch Serverless rules (50-52). Security policies are JSON documents that name collections by
// pattern (`collection/<name>*`); a collection is also related to a policy it `dependsOn` (AOSS needs
// the encryption policy before the collection can be created).

import { arnAccount, ownAccounts, principalsOf } from "../lib/access";
import type { Policies } from "../lib/policy-api";
import { dependsOn, literalName, Node, StackGraph } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asRecord, asString, isUnknown } from "../lib/values";

export const COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection";
export const SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy";
export const ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy";
const KMS_KEY = "aws:kms/key:Key";
const ROLE = "aws:iam/role:Role";
const USER = "aws:iam/user:User";

type Doc = { known: true; value: unknown } | { known: false };

function doc(v: unknown): Doc {
    if (isUnknown(v)) {
        return { known: false };
    }
    if (typeof v === "string") {
        try {
            const parsed: unknown = JSON.parse(v);
            return { known: true, value: parsed };
        } catch {
            return { known: true, value: undefined };
        }
    }
    return { known: true, value: v };
}

function patternMatches(pattern: string, name: string): boolean {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`);
    return re.test(name);
}

/** Rule blocks ({ ResourceType, Resource[] }) of a security/access policy document (object or array form). */
function ruleBlocks(value: unknown): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const entry of Array.isArray(value) ? value : [value]) {
        for (const r of asArray(asRecord(entry)?.Rules)) {
            const rec = asRecord(r);
            if (rec) {
                out.push(rec);
            }
        }
    }
    return out;
}

/** A rule block of `resourceType` (collection or dashboard: both name `collection/<pattern>`) names collection `name`. */
function blockNames(b: Record<string, unknown>, name: string, resourceType = "collection"): boolean {
    return (
        b.ResourceType === resourceType &&
        asArray(b.Resource).some((p) => typeof p === "string" && p.startsWith("collection/") && patternMatches(p.slice("collection/".length), name))
    );
}

function namesCollection(blocks: Record<string, unknown>[], name: string, resourceType = "collection"): boolean {
    return blocks.some((b) => blockNames(b, name, resourceType));
}

/** Security policies of `type` that cover `c`: by dependsOn, or by a known document naming its known name. */
function covering(graph: StackGraph, c: Node, type: string): Node[] {
    const name = literalName(c);
    return graph.ofType(SECURITY_POLICY).filter((p) => {
        if (p.props.type !== type) {
            return false;
        }
        if (dependsOn(c, p)) {
            return true;
        }
        const d = doc(p.props.policy);
        if (!d.known || name === undefined) {
            return false;
        }
        const entries = Array.isArray(d.value) ? d.value : [d.value];
        return entries.some((e) => namesCollection(ruleBlocks(e), name));
    });
}

/** The known principal strings of a data access policy entry (`Principal: [arn, ...]`), with their index. */
function principalStrings(entry: unknown): [string, number][] {
    const principals = asRecord(entry)?.Principal;
    if (isUnknown(principals)) {
        return [];
    }
    return asArray(principals)
        .map((p, j) => [p, j] as [unknown, number])
        .filter((x): x is [string, number] => typeof x[0] === "string" && !isUnknown(x[0]));
}

function entriesOf(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [value];
}

/**
 * Each collection with each AllowFromPublic entry of the network policies, the walk both network rules
 * make; a policy still unknown is deferred where the collection depends on it.
 */
function forPublicNetworkEntries(
    graph: StackGraph,
    ctx: { defer(where: string): void },
    visit: (collection: Node, policy: Node, entry: Record<string, unknown>, index: number, listed: boolean) => void,
): void {
    for (const c of graph.ofType(COLLECTION)) {
        for (const p of graph.ofType(SECURITY_POLICY).filter((x) => x.props.type === "network")) {
            const d = doc(p.props.policy);
            if (!d.known) {
                if (dependsOn(c, p)) {
                    ctx.defer(`${p.name}.policy`);
                }
                continue;
            }
            entriesOf(d.value).forEach((e, i) => {
                const rec = asRecord(e);
                if (rec && rec.AllowFromPublic === true) {
                    visit(c, p, rec, i, Array.isArray(d.value));
                }
            });
        }
    }
}

/** The account a data access principal names (IAM ARN, account id or `saml/<account>/...`), and whether it is anyone. */
function principalAccount(principal: string): { anyone: boolean; account?: string } {
    const saml = /^saml\/(\d{12})\//.exec(principal);
    if (saml) {
        return { anyone: false, account: saml[1] };
    }
    const p = principalsOf({ AWS: principal });
    return { anyone: p.anyone, account: p.accounts[0] };
}

/**
 * Whether a data access principal belongs to another account: the one place rule 81 judges accounts, to
 * be replaced by the shared cross-account helper of lib/access.ts. `*` and an ARN with a wildcard
 * account are foreign; a principal of a trusted account or of the stack's own account is not; any other
 * account is foreign only when the stack's own account is known (`own` not empty).
 */
export function isForeignAossPrincipal(principal: string, own: ReadonlySet<string>, trusted: readonly string[]): boolean {
    const { anyone, account } = principalAccount(principal);
    if (anyone) {
        return true;
    }
    if (account === undefined || trusted.includes(account) || own.has(account)) {
        return false;
    }
    return own.size > 0;
}

/**
 * The accounts the stack's own resources prove to be its own: the account of a data access principal that
 * names a role or user this stack creates (by its known ARN, or its known name), and the account of the
 * KmsARN of an encryption policy built from a key of this stack.
 */
export function stackAccounts(graph: StackGraph): Set<string> {
    const out = new Set<string>();
    const identities = graph.ofType(ROLE, USER);
    const arns = new Set(identities.map((n) => asString(n.props.arn)).filter((a): a is string => a !== undefined));
    const names = new Set(identities.map((n) => literalName(n)).filter((a): a is string => a !== undefined));
    for (const ap of graph.ofType(ACCESS_POLICY)) {
        const d = doc(ap.props.policy);
        if (!d.known) {
            continue;
        }
        for (const e of entriesOf(d.value)) {
            for (const [principal] of principalStrings(e)) {
                const m = /^arn:[^:]+:iam::(\d{12}):(?:role|user)\/(?:.*\/)?([^/]+)$/.exec(principal);
                if (m && (arns.has(principal) || names.has(m[2]))) {
                    out.add(m[1]);
                }
            }
        }
    }
    for (const sp of graph.ofType(SECURITY_POLICY)) {
        const d = doc(sp.props.policy);
        if (sp.props.type !== "encryption" || !d.known || graph.targets(sp, "policy", KMS_KEY).length === 0) {
            continue;
        }
        const account = arnAccount(asString(asRecord(d.value)?.KmsARN) ?? "");
        if (account !== undefined && /^\d{12}$/.test(account)) {
            out.add(account);
        }
    }
    return out;
}

export function opensearchPolicies(): Policies {
    return [
        stackRule(
            {
                id: "aoss-encryption-cmk",
                no: 50,
                service: "OpenSearch Serverless",
                kind: "S",
                checks: "The encryption security policy covering each collection uses a customer KMS key (`KmsARN`, not `AWSOwnedKey`).",
                why: "Search indexes hold copies of the business data; with an AWS-owned key you cannot audit or revoke access to them.",
                anchors: "ours (domain analogues: NAG OS8, FSBP OpenSearch.1, CKV_AWS_247)",
                defaultLevel: "advisory",
            },
            {
                primaryType: COLLECTION,
                subjectTypes: [COLLECTION, SECURITY_POLICY],
                validate: (graph, ctx) => {
                    for (const c of graph.ofType(COLLECTION)) {
                        const policies = covering(graph, c, "encryption");
                        if (policies.length === 0) {
                            ctx.report(c, {
                                property: "(encryption security policy)",
                                problem: "is covered by no encryption ServerlessSecurityPolicy of this stack (none names it, and it dependsOn none)",
                                fix: 'add ServerlessSecurityPolicy { type: "encryption", policy: JSON with Rules [collection/<name>] and KmsARN } and make the collection dependsOn it',
                            });
                            continue;
                        }
                        for (const p of policies) {
                            const d = doc(p.props.policy);
                            if (!d.known) {
                                // The document is unknown (it embeds a key ARN): a KMS key it depends on is the customer key.
                                if (!graph.targets(p, "policy", KMS_KEY).length) {
                                    ctx.defer(`${p.name}.policy`);
                                }
                                continue;
                            }
                            const rec = asRecord(d.value) ?? {};
                            if (rec.AWSOwnedKey === true || !asString(rec.KmsARN)) {
                                ctx.report(p, {
                                    property: "policy.AWSOwnedKey/KmsARN",
                                    found: rec.AWSOwnedKey === true ? { AWSOwnedKey: true } : rec.KmsARN,
                                    expected: "AWSOwnedKey false with a KmsARN",
                                    fix: "set AWSOwnedKey: false and KmsARN: key.arn in the policy document (pulumi.jsonStringify)",
                                });
                            }
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "aoss-network-private",
                no: 51,
                service: "OpenSearch Serverless",
                kind: "S",
                checks: "No network security policy covering a collection sets `AllowFromPublic: true` for its collection endpoint (VPC endpoints only).",
                why: "A public collection endpoint is reachable from the internet and relies on the data access policy alone.",
                anchors: "ours (analogues: NAG OS1, OS5; FSBP OpenSearch.2)",
                defaultLevel: "advisory",
            },
            {
                primaryType: COLLECTION,
                subjectTypes: [COLLECTION, SECURITY_POLICY],
                validate: (graph, ctx) => {
                    forPublicNetworkEntries(graph, ctx, (c, p, rec) => {
                        const name = literalName(c);
                        const blocks = ruleBlocks(rec);
                        const mine = dependsOn(c, p) || (name !== undefined && namesCollection(blocks, name));
                        if (mine && blocks.some((b) => b.ResourceType === "collection")) {
                            ctx.report(p, {
                                property: "policy.AllowFromPublic",
                                found: true,
                                expected: "false with SourceVPCEs",
                                fix: `set AllowFromPublic: false and SourceVPCEs: [vpcEndpoint.id] for collection "${c.name}"`,
                            });
                        }
                    });
                },
            },
        ),
        resourceRule(
            {
                id: "aoss-data-access-least-privilege",
                no: 52,
                service: "OpenSearch Serverless / IAM",
                kind: "R",
                checks: "Data access policy names explicit principals and grants no `aoss:*` on `index/*/*`.",
                why: "A wildcard data access policy gives every principal (or every permission on every index) read and write access to all search data.",
                anchors: "ours (analogue: FSBP OpenSearch.7)",
                defaultLevel: "advisory",
            },
            {
                types: [ACCESS_POLICY],
                validate: (p, ctx) => {
                    const d = doc(p.props.policy);
                    if (!d.known) {
                        ctx.defer("policy");
                        return;
                    }
                    const entries = Array.isArray(d.value) ? d.value : [d.value];
                    entries.forEach((e, i) => {
                        const rec = asRecord(e) ?? {};
                        const principals = rec.Principal;
                        const list = asArray(principals);
                        if (!isUnknown(principals) && (list.length === 0 || list.includes("*"))) {
                            ctx.report(p, {
                                property: `policy[${i}].Principal`,
                                found: principals,
                                expected: "explicit role/user ARNs",
                                fix: "list the ARNs of the roles that need access",
                            });
                        }
                        for (const b of ruleBlocks(rec)) {
                            const wildIndex = asArray(b.Resource).some((r) => r === "index/*/*");
                            const allPerms = asArray(b.Permission).some((x) => x === "aoss:*");
                            if (b.ResourceType === "index" && wildIndex && allPerms) {
                                ctx.report(p, {
                                    property: `policy[${i}].Rules.Permission`,
                                    found: b.Permission,
                                    expected: 'named aoss:* index permissions (e.g. "aoss:ReadDocument") on named indexes',
                                    fix: "grant only the index permissions each principal needs, on index/<collection>/<index>",
                                });
                            }
                        }
                    });
                },
            },
        ),
        stackRule(
            {
                id: "aoss-dashboards-private",
                no: 80,
                service: "OpenSearch Serverless",
                kind: "S",
                checks: 'No network security policy covering a collection sets `AllowFromPublic: true` for its OpenSearch Dashboards endpoint (`ResourceType: "dashboard"`).',
                why: "Public Dashboards put the collection's sign-in and query pages on the internet, with only the data access policy in front of the data; rule 51 covers the collection endpoint the same way.",
                anchors: "ours (analogues: NAG OS1, OS5; FSBP OpenSearch.2)",
                defaultLevel: "advisory",
            },
            {
                primaryType: COLLECTION,
                subjectTypes: [COLLECTION, SECURITY_POLICY],
                validate: (graph, ctx) => {
                    const reported = new Set<string>();
                    forPublicNetworkEntries(graph, ctx, (c, p, rec, i, listed) => {
                        const name = literalName(c);
                        const dashboards = ruleBlocks(rec).filter((b) => b.ResourceType === "dashboard");
                        const mine = dependsOn(c, p) || (name !== undefined && dashboards.some((b) => blockNames(b, name, "dashboard")));
                        const key = `${p.urn}#${i}`;
                        if (!mine || dashboards.length === 0 || reported.has(key)) {
                            return;
                        }
                        reported.add(key);
                        ctx.report(p, {
                            property: listed ? `policy[${i}].AllowFromPublic` : "policy.AllowFromPublic",
                            found: true,
                            expected: 'false with SourceVPCEs for the rule of ResourceType "dashboard"',
                            fix: `give the dashboard rule of collection "${c.name}" AllowFromPublic: false and SourceVPCEs: [vpcEndpoint.id] (its own entry if the collection keeps other settings)`,
                        });
                    });
                },
            },
        ),
        stackRule<{ trustedAccounts: string[] }>(
            {
                id: "aoss-data-access-same-account",
                no: 81,
                service: "OpenSearch Serverless / IAM",
                kind: "S",
                checks: "Data access policy principals belong to the stack's own account or a configured trusted account: no `*`, no wildcard-account ARN, no principal of another account.",
                why: "A data access policy naming another account's role lets that account read or change the search data with no trust relationship this stack can see or revoke.",
                anchors: "ours (analogues: FSBP OpenSearch.7, PRW opensearch_service_domains_not_publicly_accessible)",
                defaultLevel: "mandatory",
                config: {
                    trustedAccounts: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: "Account ids (12 digits) whose principals may be named in data access policies, after review.",
                    },
                },
            },
            {
                primaryType: ACCESS_POLICY,
                subjectTypes: [ACCESS_POLICY],
                validate: (graph, ctx) => {
                    // The accounts every cross-account judgement reads, and the AOSS policies' own evidence.
                    const own = new Set([...ownAccounts(graph), ...stackAccounts(graph)]);
                    const trusted = ctx.config.trustedAccounts;
                    const expected =
                        own.size > 0
                            ? `principals of this stack's account (${[...own].sort().join(", ")})${trusted.length > 0 ? " or of trustedAccounts" : ""}`
                            : "explicit principals of this stack's account";
                    for (const p of graph.ofType(ACCESS_POLICY)) {
                        if (p.props.type !== undefined && p.props.type !== "data" && !isUnknown(p.props.type)) {
                            continue;
                        }
                        const d = doc(p.props.policy);
                        if (!d.known) {
                            ctx.defer(`${p.name}.policy`);
                            continue;
                        }
                        const array = Array.isArray(d.value);
                        entriesOf(d.value).forEach((e, i) => {
                            for (const [principal, j] of principalStrings(e)) {
                                if (!isForeignAossPrincipal(principal, own, trusted)) {
                                    continue;
                                }
                                const { anyone } = principalAccount(principal);
                                ctx.report(p, {
                                    property: `${array ? `policy[${i}]` : "policy"}.Principal[${j}]`,
                                    found: principal,
                                    expected,
                                    fix: anyone
                                        ? "list the ARNs of the roles that need the data (e.g. indexer.arn), never a wildcard"
                                        : "grant a role of this account and let the other account assume it, or, after review, add the account to trustedAccounts of aoss-data-access-same-account in policies/config/<env>.json",
                                });
                            }
                        });
                    }
                },
            },
        ),
    ];
}
