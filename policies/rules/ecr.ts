// ECR (70-73): immutable image tags, image scanning (repository or registry level), KMS encryption,
// and repository / registry policies that do not admit anyone.

import type { Policies } from "../lib/policy-api";
import { reportOpenGrants } from "../lib/access";
import { literalName, Node, StackGraph } from "../lib/graph";
import { readStatements } from "../lib/iam";
import { resourceRule, RuleContext, stackRule, Subject } from "../lib/rule";
import { asArray, asRecord, asString, get, isSet, isUnknown, show } from "../lib/values";

export const REPOSITORY = "aws:ecr/repository:Repository";
export const REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy";
export const REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy";
export const REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration";
export const CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate";

/** Registry scanning frequencies that scan a pushed image without anyone asking. */
const AUTOMATIC_SCANS = new Set(["SCAN_ON_PUSH", "CONTINUOUS_SCAN"]);

/** ECR's repository filter: `*` matches any run of characters. */
function wildcardMatches(filter: string, name: string): boolean {
    const re = new RegExp(`^${filter.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    return re.test(name);
}

type Coverage = "yes" | "no" | "unknown";

/** Whether a registry scanning configuration in the stack scans `repo` on push or continuously. */
function registryScans(configs: Node[], repo: Node): Coverage {
    let result: Coverage = "no";
    const name = literalName(repo);
    for (const c of configs) {
        if (isUnknown(c.props.rules)) {
            result = "unknown";
            continue;
        }
        for (const raw of asArray(c.props.rules)) {
            const rule = asRecord(raw);
            if (!rule) {
                result = isUnknown(raw) ? "unknown" : result;
                continue;
            }
            const frequency = rule.scanFrequency;
            if (isUnknown(frequency)) {
                result = "unknown";
                continue;
            }
            if (!AUTOMATIC_SCANS.has(String(frequency))) {
                continue;
            }
            if (isUnknown(rule.repositoryFilters)) {
                result = "unknown";
                continue;
            }
            for (const f of asArray(rule.repositoryFilters)) {
                const filter = isUnknown(f) ? f : asRecord(f)?.filter;
                if (filter === "*") {
                    return "yes";
                }
                if (isUnknown(filter) || (name === undefined && typeof filter === "string")) {
                    result = "unknown";
                } else if (typeof filter === "string" && name !== undefined && wildcardMatches(filter, name)) {
                    return "yes";
                }
            }
        }
    }
    return result;
}

function checkPolicyDocument(subject: Subject, property: string, value: unknown, ctx: RuleContext<object>, what: string): void {
    const statements = readStatements(subject, property, value, ctx);
    if (statements) {
        reportOpenGrants(subject, property, statements, ctx, {
            lets: what,
            fix: 'name the accounts or roles (e.g. { AWS: "arn:aws:iam::111122223333:root" }), a service principal with aws:SourceArn',
        });
    }
}

export function ecrPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "ecr-tag-immutable",
                no: 70,
                service: "ECR",
                kind: "R",
                checks: "Repository has `imageTagMutability` IMMUTABLE, or IMMUTABLE_WITH_EXCLUSION whose exclusion filters are not a bare `*`.",
                why: "A mutable tag can be re-pointed to another image: what was reviewed and scanned as `v1.4.2` is not what the next deploy pulls.",
                anchors: "FSBP ECR.2, CKV_AWS_51, TRV AWS-0031",
                defaultLevel: "advisory",
            },
            {
                types: [REPOSITORY],
                validate: (r, ctx) => {
                    const mutability = r.props.imageTagMutability;
                    if (isUnknown(mutability)) {
                        ctx.defer("imageTagMutability");
                        return;
                    }
                    const value = asString(mutability)?.toUpperCase() ?? "MUTABLE";
                    if (value === "IMMUTABLE") {
                        return;
                    }
                    if (value === "IMMUTABLE_WITH_EXCLUSION") {
                        asArray(r.props.imageTagMutabilityExclusionFilters).forEach((f, i) => {
                            const filter = asRecord(f)?.filter;
                            if (typeof filter === "string" && !isUnknown(filter) && /^\*+$/.test(filter.trim())) {
                                ctx.report(r, {
                                    property: `imageTagMutabilityExclusionFilters[${i}].filter`,
                                    found: filter,
                                    problem: `is ${JSON.stringify(filter)}, which exempts every tag, so no tag is immutable`,
                                    fix: 'exempt only the moving tags (e.g. filter: "latest" or "dev-*"), or set imageTagMutability: "IMMUTABLE"',
                                });
                            }
                        });
                        return;
                    }
                    ctx.report(r, {
                        property: "imageTagMutability",
                        found: mutability,
                        problem: `is ${mutability === undefined ? "not set (MUTABLE)" : JSON.stringify(mutability)}, expected "IMMUTABLE" (or "IMMUTABLE_WITH_EXCLUSION" for a few moving tags)`,
                        fix: 'set imageTagMutability: "IMMUTABLE" and tag each build uniquely (the commit SHA); if a moving tag such as "latest" is needed, use "IMMUTABLE_WITH_EXCLUSION" with imageTagMutabilityExclusionFilters: [{ filter: "latest", filterType: "WILDCARD" }]',
                    });
                },
            },
        ),
        stackRule<{ registryScanningElsewhere: boolean }>(
            {
                id: "ecr-image-scanning",
                no: 71,
                service: "ECR",
                kind: "S",
                checks: "Repository has `imageScanningConfiguration.scanOnPush: true`, or an `aws.ecr.RegistryScanningConfiguration` in the stack scans it (SCAN_ON_PUSH or CONTINUOUS_SCAN rule whose filter matches its name).",
                why: "An image with a known critical vulnerability should be found when it is pushed, not after it has run in production for months.",
                anchors: "FSBP ECR.1, CKV_AWS_163, TRV AWS-0030",
                defaultLevel: "advisory",
                config: {
                    registryScanningElsewhere: {
                        type: "boolean",
                        default: false,
                        description:
                            "The account's registry scanning configuration is managed outside this stack and scans every repository on push or continuously; repositories without scanOnPush are then accepted.",
                    },
                },
            },
            {
                primaryType: REPOSITORY,
                subjectTypes: [REPOSITORY],
                validate: (graph: StackGraph, ctx) => {
                    if (ctx.config.registryScanningElsewhere) {
                        return;
                    }
                    const configs = graph.ofType(REGISTRY_SCANNING);
                    for (const repo of graph.ofType(REPOSITORY)) {
                        const scan = get(repo.props, "imageScanningConfiguration", "scanOnPush");
                        if (scan === true || isUnknown(scan)) {
                            continue;
                        }
                        const covered = registryScans(configs, repo);
                        if (covered === "yes") {
                            continue;
                        }
                        if (covered === "unknown") {
                            ctx.defer(`${repo.name}: registry scanning rules`);
                            continue;
                        }
                        ctx.report(repo, {
                            property: "imageScanningConfiguration.scanOnPush",
                            found: scan,
                            problem: `is ${show(scan)} and no aws.ecr.RegistryScanningConfiguration in this stack scans this repository on push or continuously`,
                            fix: 'set imageScanningConfiguration: { scanOnPush: true }, or add an aws.ecr.RegistryScanningConfiguration { scanType: "ENHANCED", rules: [{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }] }',
                        });
                    }
                },
            },
        ),
        resourceRule<{ requireCmk: boolean }>(
            {
                id: "ecr-encryption-kms",
                no: 72,
                service: "ECR",
                kind: "R",
                checks: "Repository (and repository creation template) has `encryptionConfigurations` with `encryptionType` KMS, and a customer-managed `kmsKey` when `requireCmk` (prod).",
                why: "Images carry code and baked-in configuration; with a KMS key every pull is an auditable, revocable decrypt instead of AES256 that anyone with ecr:BatchGetImage gets for free.",
                anchors: "CKV_AWS_136, TRV AWS-0033",
                defaultLevel: "advisory",
                config: { requireCmk: { type: "boolean", default: false, description: "Require a customer-managed key in kmsKey (not the aws/ecr key)." } },
            },
            {
                types: [REPOSITORY, CREATION_TEMPLATE],
                validate: (r, ctx) => {
                    const configs = r.props.encryptionConfigurations;
                    if (isUnknown(configs)) {
                        return; // computed: treated as set
                    }
                    const first = asArray(configs)[0];
                    if (isUnknown(first)) {
                        return;
                    }
                    const cfg = asRecord(first);
                    const type = cfg?.encryptionType;
                    const replace =
                        r.type === REPOSITORY ? " (encryption cannot change on an existing repository: it is replaced, so push the images again)" : "";
                    if (isUnknown(type)) {
                        ctx.defer("encryptionConfigurations[0].encryptionType");
                        return;
                    }
                    if (asString(type)?.toUpperCase() !== "KMS") {
                        ctx.report(r, {
                            property: cfg ? "encryptionConfigurations[0].encryptionType" : "encryptionConfigurations",
                            found: cfg ? type : configs,
                            problem: `is ${cfg && type !== undefined ? JSON.stringify(type) : "not set (AES256)"}, expected "KMS"`,
                            fix: `set encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: key.arn }]${replace}`,
                        });
                        return;
                    }
                    const key = cfg?.kmsKey;
                    if (ctx.config.requireCmk && (!isSet(key) || (typeof key === "string" && /alias\/aws\/ecr$/.test(key)))) {
                        ctx.report(r, {
                            property: "encryptionConfigurations[0].kmsKey",
                            found: key,
                            expected: "a customer-managed KMS key ARN (requireCmk)",
                            fix: `set kmsKey: key.arn, a customer-managed key whose policy lets the pulling roles kms:Decrypt${replace}`,
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "ecr-policy-not-public",
                no: 73,
                service: "ECR",
                kind: "R",
                checks: "Repository policy, registry policy and creation template `repositoryPolicy` admit no public principal (`*`, `NotPrincipal`) without a condition that narrows who.",
                why: "A public repository policy lets any AWS account pull the images (code, embedded secrets) or, with push actions, replace them.",
                anchors: "NAG ECR1, CKV_AWS_32, TRV AWS-0032",
                defaultLevel: "mandatory",
            },
            {
                types: [REPOSITORY_POLICY, REGISTRY_POLICY, CREATION_TEMPLATE],
                validate: (r, ctx) => {
                    if (r.type === CREATION_TEMPLATE) {
                        checkPolicyDocument(r, "repositoryPolicy", r.props.repositoryPolicy, ctx, "act on every repository the template creates");
                    } else if (r.type === REGISTRY_POLICY) {
                        checkPolicyDocument(r, "policy", r.props.policy, ctx, "act on this registry (replicate into it, create repositories)");
                    } else {
                        checkPolicyDocument(r, "policy", r.props.policy, ctx, "use the repository as the statement's actions allow");
                    }
                },
            },
        ),
    ];
}
