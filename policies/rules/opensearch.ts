// OpenSearch Serverless rules (50-52). Security policies are JSON documents that name collections by
// pattern (`collection/<name>*`); a collection is also related to a policy it `dependsOn` (AOSS needs
// the encryption policy before the collection can be created).

import type { Policies } from "../lib/policy-api";
import { dependsOn, literalName, Node, StackGraph } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asRecord, asString, isUnknown } from "../lib/values";

export const COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection";
export const SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy";
export const ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy";
const KMS_KEY = "aws:kms/key:Key";

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

function namesCollection(blocks: Record<string, unknown>[], name: string): boolean {
    return blocks.some(
        (b) =>
            b.ResourceType === "collection" &&
            asArray(b.Resource).some((p) => typeof p === "string" && p.startsWith("collection/") && patternMatches(p.slice("collection/".length), name)),
    );
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
                    for (const c of graph.ofType(COLLECTION)) {
                        const name = literalName(c);
                        for (const p of graph.ofType(SECURITY_POLICY).filter((x) => x.props.type === "network")) {
                            const d = doc(p.props.policy);
                            if (!d.known) {
                                if (dependsOn(c, p)) {
                                    ctx.defer(`${p.name}.policy`);
                                }
                                continue;
                            }
                            const entries = Array.isArray(d.value) ? d.value : [d.value];
                            for (const e of entries) {
                                const rec = asRecord(e);
                                if (!rec || rec.AllowFromPublic !== true) {
                                    continue;
                                }
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
                            }
                        }
                    }
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
    ];
}
