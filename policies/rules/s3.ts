// S3 rules (31-35). AWS provider v7 keeps a bucket's settings in separate resources
// (BucketPublicAccessBlock, BucketServerSideEncryptionConfiguration, BucketVersioning, BucketPolicy,
// BucketOwnershipControls, BucketLogging, BucketLifecycleConfiguration); each is related to its bucket
// through the `bucket` input's propertyDependencies (or, as a fallback, a known bucket name). The
// deprecated inline forms on the bucket are accepted too.

import type { Policies } from "../lib/policy-api";
import { literalName, Node, refers, sameKnown, StackGraph } from "../lib/graph";
import { deniesInsecureTransport, parsePolicy } from "../lib/iam";
import { RuleContext, stackRule } from "../lib/rule";
import { asArray, asRecord, get, isSet, isUnknown } from "../lib/values";

export const BUCKET = "aws:s3/bucket:Bucket";
export const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
export const BUCKET_TYPES = [BUCKET, BUCKET_V2];
export const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const SSE = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
export const LOGGING = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];
export const LIFECYCLE = [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];

/** Settings resources of the given types that belong to `bucket`. */
export function settingsOf(graph: StackGraph, bucket: Node, types: string[], property = "bucket"): Node[] {
    const name = literalName(bucket, "bucket");
    return graph.ofType(...types).filter((s) => refers(s, property, bucket, () => name !== undefined && sameKnown(s.props[property], name)));
}

/** Buckets that receive another bucket's server access logs. */
function logTargets(graph: StackGraph): Set<string> {
    const out = new Set<string>();
    for (const l of graph.ofType(...LOGGING)) {
        for (const b of graph.ofType(...BUCKET_TYPES)) {
            if (refers(l, "targetBucket", b, () => sameKnown(l.props.targetBucket, literalName(b, "bucket")))) {
                out.add(b.urn);
            }
        }
    }
    for (const b of graph.ofType(...BUCKET_TYPES)) {
        for (const entry of asArray(b.props.logging)) {
            for (const t of graph.ofType(...BUCKET_TYPES)) {
                if (refers(b, "logging", t) || sameKnown(asRecord(entry)?.targetBucket, literalName(t, "bucket"))) {
                    out.add(t.urn);
                }
            }
        }
    }
    return out;
}

/**
 * Buckets a CloudFront distribution writes standard logs to. CloudFront delivers those logs through an
 * ACL grant to its log-delivery account, so AWS requires ACLs enabled (`BucketOwnerPreferred`) there:
 * rule 32 accepts that ownership for them, and only for them.
 */
function cloudFrontLogBuckets(graph: StackGraph): Set<string> {
    const out = new Set<string>();
    for (const d of graph.ofType("aws:cloudfront/distribution:Distribution")) {
        const target = get(d.props, "loggingConfig", "bucket");
        for (const b of graph.ofType(...BUCKET_TYPES)) {
            const name = literalName(b, "bucket");
            if (refers(d, "loggingConfig", b, () => name !== undefined && sameKnown(target, `${name}.s3.amazonaws.com`))) {
                out.add(b.urn);
            }
        }
    }
    return out;
}

const exemptBucketsConfig = {
    exemptBuckets: {
        type: "array" as const,
        items: { type: "string" as const, minLength: 1 },
        default: [],
        description: "Buckets (logical name or bucket name) this rule does not apply to.",
    },
};

function exemptBucket(b: Node, list: string[]): boolean {
    const name = literalName(b, "bucket");
    return list.some((e) => e === b.name || e === name);
}

function forBuckets(graph: StackGraph, ctx: RuleContext<object>, fn: (b: Node) => void): void {
    const exempt = (ctx.config as { exemptBuckets?: string[] }).exemptBuckets ?? [];
    for (const b of graph.ofType(...BUCKET_TYPES)) {
        if (!exemptBucket(b, exempt)) {
            fn(b);
        }
    }
}

export function s3Policies(): Policies {
    return [
        stackRule(
            {
                id: "s3-block-public-access",
                no: 31,
                service: "S3",
                kind: "S",
                checks: "Each bucket has a BucketPublicAccessBlock with all four flags true.",
                why: "Public buckets are the most common cloud data leak; the block stops any later ACL or policy from making objects public.",
                anchors: "NAG S2, FSBP S3.1, S3.8, CKV_AWS_53-56, CKV2_AWS_6, TRV block_public_*",
                defaultLevel: "mandatory",
            },
            {
                subjectTypes: BUCKET_TYPES,
                validate: (graph, ctx) => {
                    forBuckets(graph, ctx, (b) => {
                        const blocks = settingsOf(graph, b, [PUBLIC_ACCESS_BLOCK]);
                        if (blocks.length === 0) {
                            ctx.report(b, {
                                property: "(BucketPublicAccessBlock)",
                                problem: "has no aws.s3.BucketPublicAccessBlock whose bucket comes from this bucket",
                                fix: "add BucketPublicAccessBlock { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }",
                            });
                            return;
                        }
                        for (const pab of blocks) {
                            for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                                const v = pab.props[flag];
                                if (isUnknown(v)) {
                                    ctx.defer(`${pab.name}.${flag}`);
                                } else if (v !== true) {
                                    ctx.report(pab, { property: flag, found: v, expected: "true", fix: `set ${flag}: true` });
                                }
                            }
                        }
                    });
                },
            },
        ),
        stackRule(
            {
                id: "s3-tls-only-and-no-acls",
                no: 32,
                service: "S3",
                kind: "S",
                checks: "Bucket policy denies `aws:SecureTransport = false`; ownership controls are `BucketOwnerEnforced` (ACLs disabled), or `BucketOwnerPreferred` on a bucket CloudFront writes standard logs to (AWS delivers those through an ACL).",
                why: "Without the deny, clients may read and write over plain HTTP; ACLs are a second, easily forgotten permission system.",
                anchors: "NAG S10, FSBP S3.5, S3.12, CKV2_AWS_65",
                defaultLevel: "advisory",
            },
            {
                subjectTypes: BUCKET_TYPES,
                validate: (graph, ctx) => {
                    const cloudFrontLogs = cloudFrontLogBuckets(graph);
                    forBuckets(graph, ctx, (b) => {
                        const policies = settingsOf(graph, b, [BUCKET_POLICY]);
                        const docs = [
                            ...policies.map((p) => ({ node: p, value: p.props.policy })),
                            ...(isSet(b.props.policy) ? [{ node: b, value: b.props.policy }] : []),
                        ];
                        if (docs.length === 0) {
                            ctx.report(b, {
                                property: "(BucketPolicy)",
                                problem: "has no bucket policy denying non-TLS requests",
                                fix: 'add aws.s3.BucketPolicy { bucket: bucket.id, policy: <Deny s3:* when Bool aws:SecureTransport = "false"> }',
                            });
                        } else {
                            let denies = false;
                            let unknown = false;
                            for (const d of docs) {
                                const parsed = parsePolicy(d.value);
                                if (parsed.kind === "unknown") {
                                    unknown = true;
                                } else if (parsed.kind === "ok" && deniesInsecureTransport(parsed.statements)) {
                                    denies = true;
                                }
                            }
                            if (!denies && unknown) {
                                ctx.defer(`${docs[0].node.name}.policy`);
                            } else if (!denies) {
                                ctx.report(docs[0].node, {
                                    property: "policy",
                                    problem: 'has no Deny statement with Condition Bool aws:SecureTransport = "false"',
                                    fix: 'add { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }',
                                });
                            }
                        }
                        const owners = settingsOf(graph, b, [OWNERSHIP]);
                        if (owners.length === 0) {
                            ctx.report(b, {
                                property: "(BucketOwnershipControls)",
                                problem: "has no aws.s3.BucketOwnershipControls",
                                fix: 'add BucketOwnershipControls { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }',
                            });
                        }
                        for (const o of owners) {
                            const v = get(o.props, "rule", "objectOwnership");
                            if (isUnknown(v)) {
                                ctx.defer(`${o.name}.rule.objectOwnership`);
                            } else if (v !== "BucketOwnerEnforced" && !(v === "BucketOwnerPreferred" && cloudFrontLogs.has(b.urn))) {
                                ctx.report(o, {
                                    property: "rule.objectOwnership",
                                    found: v,
                                    expected: '"BucketOwnerEnforced"',
                                    fix: 'set rule.objectOwnership: "BucketOwnerEnforced"',
                                });
                            }
                        }
                    });
                },
            },
        ),
        stackRule<{ requireCmk: boolean; exemptBuckets: string[] }>(
            {
                id: "s3-encryption-kms",
                no: 33,
                service: "S3 / KMS",
                kind: "S",
                checks: "Bucket default encryption is `aws:kms` (a customer-managed key when `requireCmk`); buckets receiving server access logs may use SSE-S3, the only kind S3 log delivery supports.",
                why: "SSE-KMS puts reads under a key policy and CloudTrail; a CMK can be revoked or rotated by you.",
                anchors: "CKV_AWS_145, TRV encryption_customer_key, PCP s3/Bucket/configureServerSideEncryptionKms",
                defaultLevel: "advisory",
                config: {
                    requireCmk: {
                        type: "boolean",
                        default: false,
                        description: "Require kmsMasterKeyId (a customer-managed key), not the AWS-managed aws/s3 key.",
                    },
                    ...exemptBucketsConfig,
                },
            },
            {
                subjectTypes: BUCKET_TYPES,
                validate: (graph, ctx) => {
                    const logBuckets = logTargets(graph);
                    forBuckets(graph, ctx, (b) => {
                        const configs = settingsOf(graph, b, SSE);
                        const rules: { node: Node; path: string; d: Record<string, unknown> | undefined }[] = [];
                        for (const c of configs) {
                            const list = asArray(c.props.rules);
                            if (isUnknown(c.props.rules)) {
                                ctx.defer(`${c.name}.rules`);
                            }
                            list.forEach((r, i) =>
                                rules.push({
                                    node: c,
                                    path: `rules[${i}].applyServerSideEncryptionByDefault`,
                                    d: asRecord(asRecord(r)?.applyServerSideEncryptionByDefault),
                                }),
                            );
                        }
                        const inline = asRecord(get(b.props, "serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault"));
                        if (inline) {
                            rules.push({ node: b, path: "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault", d: inline });
                        }
                        if (rules.length === 0 && configs.length === 0) {
                            ctx.report(b, {
                                property: "(BucketServerSideEncryptionConfiguration)",
                                problem: "has no aws.s3.BucketServerSideEncryptionConfiguration whose bucket comes from this bucket",
                                fix: 'add BucketServerSideEncryptionConfiguration { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] }',
                            });
                            return;
                        }
                        if (logBuckets.has(b.urn)) {
                            return; // S3 server access log delivery needs SSE-S3 on its target
                        }
                        for (const r of rules) {
                            const alg = r.d?.sseAlgorithm;
                            if (isUnknown(alg)) {
                                ctx.defer(`${r.node.name}.${r.path}.sseAlgorithm`);
                            } else if (alg !== "aws:kms" && alg !== "aws:kms:dsse") {
                                ctx.report(r.node, {
                                    property: `${r.path}.sseAlgorithm`,
                                    found: alg,
                                    expected: '"aws:kms"',
                                    fix: `set ${r.path}.sseAlgorithm: "aws:kms" with kmsMasterKeyId`,
                                });
                            } else if (ctx.config.requireCmk && !isSet(r.d?.kmsMasterKeyId)) {
                                ctx.report(r.node, {
                                    property: `${r.path}.kmsMasterKeyId`,
                                    found: undefined,
                                    expected: "a customer-managed KMS key (requireCmk)",
                                    fix: `set ${r.path}.kmsMasterKeyId: key.arn`,
                                });
                            }
                        }
                    });
                },
            },
        ),
        stackRule<{ exemptBuckets: string[] }>(
            {
                id: "s3-access-logging",
                no: 34,
                service: "S3",
                kind: "S",
                checks: "Each bucket has server access logging (`BucketLogging`) to a log bucket; buckets that receive access logs are exempt automatically, others by config.",
                why: "Access logs are the record of every request to the data, needed for incident response and audits.",
                anchors: "NAG S1, FSBP S3.9, AG s3-bucket-logging-enabled, CKV_AWS_18",
                defaultLevel: "advisory",
                config: { ...exemptBucketsConfig },
            },
            {
                subjectTypes: BUCKET_TYPES,
                validate: (graph, ctx) => {
                    const logBuckets = logTargets(graph);
                    forBuckets(graph, ctx, (b) => {
                        if (logBuckets.has(b.urn)) {
                            return;
                        }
                        if (settingsOf(graph, b, LOGGING).length === 0 && asArray(b.props.logging).length === 0 && !isUnknown(b.props.logging)) {
                            ctx.report(b, {
                                property: "(BucketLogging)",
                                problem: "has no aws.s3.BucketLogging whose bucket comes from this bucket",
                                fix: 'add BucketLogging { bucket: bucket.id, targetBucket: logBucket.id, targetPrefix: "s3/<name>/" }, or list a log bucket in exemptBuckets',
                            });
                        }
                    });
                },
            },
        ),
        stackRule<{ exemptBuckets: string[] }>(
            {
                id: "s3-versioning-lifecycle",
                no: 35,
                service: "S3",
                kind: "S",
                checks: "Data buckets are versioned and have a lifecycle configuration that aborts incomplete multipart uploads.",
                why: "Versioning recovers from overwrites and deletes; lifecycle rules stop old versions and abandoned uploads from growing the bill forever.",
                anchors: "FSBP S3.10, S3.13, CKV_AWS_21, CKV2_AWS_61, CKV_AWS_300",
                defaultLevel: "advisory",
                config: { ...exemptBucketsConfig },
            },
            {
                subjectTypes: BUCKET_TYPES,
                validate: (graph, ctx) => {
                    forBuckets(graph, ctx, (b) => {
                        const versioning = settingsOf(graph, b, VERSIONING);
                        const inlineOn = get(b.props, "versioning", "enabled") === true;
                        if (!inlineOn) {
                            const status = versioning.map((v) => get(v.props, "versioningConfiguration", "status"));
                            if (status.some(isUnknown)) {
                                ctx.defer(`${b.name} versioningConfiguration.status`);
                            } else if (!status.includes("Enabled")) {
                                ctx.report(versioning[0] ?? b, {
                                    property: versioning.length ? "versioningConfiguration.status" : "(BucketVersioning)",
                                    found: status[0],
                                    expected: '"Enabled"',
                                    fix: 'add BucketVersioning { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }',
                                });
                            }
                        }
                        const lifecycles = settingsOf(graph, b, LIFECYCLE);
                        const rules = [...lifecycles.flatMap((l) => asArray(l.props.rules)), ...asArray(b.props.lifecycleRules)];
                        const aborts = rules.some(
                            (r) => isSet(get(r, "abortIncompleteMultipartUpload")) || isSet(get(r, "abortIncompleteMultipartUploadDays")),
                        );
                        if (!aborts && !lifecycles.some((l) => isUnknown(l.props.rules))) {
                            ctx.report(lifecycles[0] ?? b, {
                                property: lifecycles.length ? "rules" : "(BucketLifecycleConfiguration)",
                                problem: "has no lifecycle rule with abortIncompleteMultipartUpload",
                                fix: 'add BucketLifecycleConfiguration { bucket: bucket.id, rules: [{ id: "abort-uploads", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 }, noncurrentVersionExpiration: { noncurrentDays: 90 } }] }',
                            });
                        }
                    });
                },
            },
        ),
    ];
}
