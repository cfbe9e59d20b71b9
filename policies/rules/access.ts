// Who can act: resource policies open to anyone, reach into accounts the platform does not trust,
// web-identity trust that any token holder can use, long-lived user keys, and permission sets that let
// a principal grant itself more. Every document goes through the shared evaluator (lib/access.ts).

import type { Policies } from "../lib/policy-api";
import { arnAccount, grantsOf, ownAccounts, permissionStatement, principalsOf, reportOpenGrants, RESOURCE_POLICY_INPUTS, statementLabel } from "../lib/access";
import { refers, sameKnown, Node } from "../lib/graph";
import { actionMatches, isBroadResource, parsePolicy, readStatements, Statement, strings } from "../lib/iam";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asRecord, asString, get, isUnknown } from "../lib/values";

const ROLE = "aws:iam/role:Role";
const LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission";
const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";
const EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission";

/** The documents no other rule judges for openness. */
const UNOWNED_POLICY_TYPES = [
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucket:Bucket",
    "aws:opensearch/domain:Domain",
    "aws:opensearch/domainPolicy:DomainPolicy",
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy",
    "aws:backup/vaultPolicy:VaultPolicy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy",
];

type AccessConfig = { trustedAccounts: string[] };

/** An account outside the stack's own and the trusted ones, or undefined when it is inside (or cannot be judged). */
function foreign(account: string | undefined, inside: Set<string>): string | undefined {
    return account !== undefined && /^\d{12}$/.test(account) && !inside.has(account) ? account : undefined;
}

function insideText(inside: Set<string>): string {
    return inside.size > 0 ? [...inside].sort().join(", ") : "none known";
}

const WEB_IDENTITY_ACTIONS = ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"];

/** The condition keys of a statement that pin a value (a positive operator, a value that is not only wildcards). */
function pinnedKeys(s: Statement): Set<string> {
    const out = new Set<string>();
    for (const [rawOp, block] of Object.entries(s.condition ?? {})) {
        const op = rawOp.toLowerCase().replace(/^foranyvalue:/, "");
        if (!/^string(equals|equalsignorecase|like)$/.test(op)) {
            continue;
        }
        for (const [key, value] of Object.entries(asRecord(block) ?? {})) {
            const values = isUnknown(value) ? [value] : asArray(value);
            // `repo:*` or `*` admits every subject of the provider.
            if (values.length > 0 && values.every((v) => isUnknown(v) || (typeof v === "string" && !/^[^*?]*:?[*?]+$/.test(v) && v !== ""))) {
                out.add(key.toLowerCase());
            }
        }
    }
    return out;
}

/** Actions that let a principal raise its own privileges when allowed on resources it does not name. */
const SELF_ESCALATION = [
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "lambda:UpdateFunctionCode",
    "sts:AssumeRole",
];

/** Actions that run code as a role handed over with iam:PassRole. */
const PASS_ROLE_TARGETS = [
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "ec2:RunInstances",
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:RegisterTaskDefinition",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "glue:CreateDevEndpoint",
    "glue:UpdateDevEndpoint",
    "glue:CreateJob",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "codebuild:CreateProject",
    "datapipeline:CreatePipeline",
    "states:CreateStateMachine",
    "batch:SubmitJob",
    "apprunner:CreateService",
];

interface Held {
    /** Where the statement is, for the message (`policy.Statement[0] (Sid "x")`). */
    where: string;
    subject: Node;
    statement: Statement;
}

function allowsOnBroad(held: Held[], action: string): Held | undefined {
    return held.find(
        (h) =>
            h.statement.effect === "Allow" &&
            (strings(h.statement.actions).some((a) => actionMatches(a, action)) || h.statement.notActions.length > 0) &&
            (h.statement.resources.some(isBroadResource) || h.statement.notResources.length > 0),
    );
}

function statementsOf(n: Node, property: string, prefix: string): Held[] {
    const parsed = parsePolicy(get(n.props, ...property.split(".")));
    return parsed.kind === "ok" ? parsed.statements.map((statement, i) => ({ where: `${prefix}.${statementLabel(statement, i)}`, subject: n, statement })) : [];
}

export function accessPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "resource-policy-not-public",
                no: 61,
                service: "S3 / OpenSearch / Logs / Backup / EFS / Lambda",
                kind: "R",
                checks: "Resource policies without a rule of their own (S3 bucket, OpenSearch domain, log destination, backup vault, EFS, Lambda layer permission) admit no one-and-all: a `*` principal needs a condition that narrows who (aws:SourceArn, aws:SourceAccount, aws:SourceVpce, aws:PrincipalOrgID...).",
                why: "A public principal with only aws:SecureTransport or an MFA condition is still open to every AWS account; only conditions on the caller narrow it.",
                anchors: "FSBP S3.2, S3.3, Opensearch.2 (access policy), Lambda.1, CKV_AWS_70, CKV_AWS_283, NAG S1 (analogue)",
                defaultLevel: "mandatory",
            },
            {
                types: [...UNOWNED_POLICY_TYPES, LAYER_PERMISSION],
                validate: (r, ctx) => {
                    if (r.type === LAYER_PERMISSION) {
                        if (isUnknown(r.props.principal)) {
                            ctx.defer("principal");
                        } else if (grantsOf([permissionStatement(r.props)]).some((g) => g.open)) {
                            ctx.report(r, {
                                property: "principal",
                                found: r.props.principal,
                                expected: "an account id, or organizationId with principal *",
                                fix: "share the layer with the accounts that use it, or set organizationId to your organization",
                            });
                        }
                        return;
                    }
                    const input = RESOURCE_POLICY_INPUTS[r.type];
                    const statements = readStatements(r, input, r.props[input], ctx);
                    if (statements) {
                        reportOpenGrants(r, input, statements, ctx, { lets: "act on the resource", fix: "name the principals" });
                    }
                },
            },
        ),
        stackRule<AccessConfig>(
            {
                id: "cross-account-access",
                no: 62,
                service: "IAM / resource policies / Logs / Lambda",
                kind: "S",
                checks: "Principals in resource and trust policies, Lambda and layer permissions, log subscription destinations and Lambda layers belong to the stack's own account or to `trustedAccounts`.",
                why: "Access granted to, or code and data sent to, an account nobody reviewed is the quiet way data leaves and code gets in.",
                anchors: "FSBP IAM.1 (analogue), CKV_AWS_283, AWS IAM Access Analyzer external access findings",
                defaultLevel: "mandatory",
                config: {
                    trustedAccounts: {
                        type: "array",
                        items: { type: "string", minLength: 12 },
                        default: [],
                        description:
                            "Accounts outside the stack's own that may be named (the platform's other environments, a log archive, partners). The stack's own account is the one its conditions and ARNs name.",
                    },
                },
            },
            {
                subjectTypes: [
                    ...Object.keys(RESOURCE_POLICY_INPUTS),
                    LAMBDA_PERMISSION,
                    EVENT_PERMISSION,
                    LAYER_PERMISSION,
                    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
                    "aws:lambda/function:Function",
                ],
                validate: (graph, ctx) => {
                    const inside = ownAccounts(graph);
                    ctx.config.trustedAccounts.forEach((a) => inside.add(a));
                    if (inside.size === 0) {
                        return; // nothing says which account is the stack's own
                    }
                    const fix = "remove the account, or add it to trustedAccounts in policies/config/<env>.json after review";
                    for (const n of graph.nodes) {
                        const input = RESOURCE_POLICY_INPUTS[n.type];
                        if (input) {
                            const parsed = parsePolicy(n.props[input]);
                            if (parsed.kind !== "ok") {
                                continue;
                            }
                            for (const g of grantsOf(parsed.statements)) {
                                const outside = [...new Set(g.principals.accounts.map((a) => foreign(a, inside)).filter((a): a is string => !!a))];
                                if (outside.length > 0) {
                                    ctx.report(n, {
                                        property: `${input}.${g.label}.Principal`,
                                        found: g.statement.principal,
                                        problem: `names account ${outside.join(", ")}, outside this stack's accounts and trustedAccounts (${insideText(inside)})`,
                                        fix,
                                    });
                                }
                            }
                            continue;
                        }
                        let account: string | undefined;
                        let property = "";
                        if (n.type === LAMBDA_PERMISSION || n.type === LAYER_PERMISSION || n.type === EVENT_PERMISSION) {
                            const p = asString(n.props.principal);
                            property = "principal";
                            account = p && /^\d{12}$/.test(p) ? p : p ? arnAccount(p) : undefined;
                        } else if (n.type === "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter") {
                            property = "destinationArn";
                            const d = asString(n.props.destinationArn);
                            account = d ? arnAccount(d) : undefined;
                        }
                        const outside = foreign(account, inside);
                        if (outside) {
                            ctx.report(n, {
                                property,
                                found: n.props[property],
                                problem: `is in account ${outside}, outside this stack's accounts and trustedAccounts (${insideText(inside)})`,
                                fix,
                            });
                        }
                        if (n.type === "aws:lambda/function:Function") {
                            asArray(n.props.layers).forEach((l, i) => {
                                const a = foreign(asString(l) ? arnAccount(l as string) : undefined, inside);
                                if (a) {
                                    ctx.report(n, {
                                        property: `layers[${i}]`,
                                        found: l,
                                        problem: `is published by account ${a}, outside this stack's accounts and trustedAccounts (${insideText(inside)}): its code runs with the function's role`,
                                        fix: "publish the layer in your own account (or bundle the code), or add the publisher to trustedAccounts after review",
                                    });
                                }
                            });
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "iam-web-identity-audience",
                no: 63,
                service: "IAM",
                kind: "R",
                checks: "A role trusting a web-identity or SAML provider pins the token's audience (`<provider>:aud`, `SAML:aud`), and for GitHub Actions its subject (`token.actions.githubusercontent.com:sub`).",
                why: "Without an audience every application of the provider can assume the role; a GitHub audience is the same for every repository, so only the subject names yours.",
                anchors: "AWS IAM User Guide, Creating a role for web identity or OIDC federation, CKV_AWS_358",
                defaultLevel: "mandatory",
            },
            {
                types: [ROLE],
                validate: (r, ctx) => {
                    const parsed = parsePolicy(r.props.assumeRolePolicy);
                    if (parsed.kind === "unknown") {
                        ctx.defer("assumeRolePolicy");
                        return;
                    }
                    if (parsed.kind !== "ok") {
                        return;
                    }
                    parsed.statements.forEach((s, i) => {
                        const actions = strings(s.actions);
                        if (s.effect !== "Allow" || !WEB_IDENTITY_ACTIONS.some((w) => actions.some((a) => actionMatches(a, w)))) {
                            return;
                        }
                        const pinned = pinnedKeys(s);
                        for (const provider of principalsOf(s.principal).federated) {
                            const host = provider.includes("oidc-provider/") ? provider.split("oidc-provider/")[1] : provider;
                            const saml = provider.includes(":saml-provider/");
                            const aud = saml ? "saml:aud" : `${host.toLowerCase()}:aud`;
                            const missing = [aud];
                            if (host.toLowerCase() === "token.actions.githubusercontent.com") {
                                missing.push(`${host.toLowerCase()}:sub`);
                            }
                            const absent = missing.filter((k) => !pinned.has(k));
                            if (absent.length > 0) {
                                ctx.report(r, {
                                    property: `assumeRolePolicy.${statementLabel(s, i)}.Condition`,
                                    found: s.condition ?? undefined,
                                    problem: `trusts ${provider} without pinning ${absent.join(" and ")}: any token of that provider can assume the role`,
                                    fix: `add StringEquals { "${absent[0]}": "<your ${absent[0].endsWith(":sub") ? "repo:<org>/<repo>:ref:refs/heads/main" : "client id or audience"}>" }${absent.length > 1 ? ` and StringLike { "${absent[1]}": "repo:<org>/<repo>:*" }` : ""}`,
                                });
                            }
                        }
                    });
                },
            },
        ),
        resourceRule(
            {
                id: "iam-no-user-access-keys",
                no: 64,
                service: "IAM",
                kind: "R",
                checks: "No long-lived IAM user access keys (`aws.iam.AccessKey`).",
                why: "A user key never expires and works from anywhere; it is the credential most often leaked. Roles give short-lived credentials instead.",
                anchors: "FSBP IAM.3, IAM.6 (analogue), CKV_AWS_273",
                defaultLevel: "mandatory",
            },
            {
                types: ["aws:iam/accessKey:AccessKey"],
                validate: (r, ctx) => {
                    ctx.report(r, {
                        property: "user",
                        found: r.props.user,
                        problem: "gets a long-lived access key",
                        fix: "give the workload a role (Lambda execution role, OIDC federation for CI, IAM Roles Anywhere) instead of a user key",
                    });
                },
            },
        ),
        stackRule(
            {
                id: "iam-privilege-escalation",
                no: 65,
                service: "IAM",
                kind: "S",
                checks: "No principal holds, across its policies, `iam:PassRole` on roles it does not name together with an action that runs code as the passed role (`lambda:CreateFunction`, `ec2:RunInstances`...), or an action that rewrites its own permissions (`iam:CreatePolicyVersion`, `iam:AttachRolePolicy`, `iam:PutRolePolicy`...) on resources it does not name.",
                why: "Each of these lets the holder become any role in the account: least privilege elsewhere means nothing once a principal can grant itself more.",
                anchors: "NAG IAM5 (analogue), CKV_AWS_286, CKV_AWS_287, CKV_AWS_288, CKV_AWS_289",
                defaultLevel: "mandatory",
            },
            {
                subjectTypes: [
                    ROLE,
                    "aws:iam/policy:Policy",
                    "aws:iam/rolePolicy:RolePolicy",
                    "aws:iam/userPolicy:UserPolicy",
                    "aws:iam/groupPolicy:GroupPolicy",
                ],
                validate: (graph, ctx) => {
                    const policies = graph.ofType("aws:iam/policy:Policy");
                    const attachments = graph.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment");
                    const inline = graph.ofType("aws:iam/rolePolicy:RolePolicy");
                    const attached = new Set<string>();
                    const judge = (held: Held[], holder: string) => {
                        const pass = allowsOnBroad(held, "iam:PassRole");
                        const runs = (action: string) =>
                            held.find((h) => h.statement.effect === "Allow" && strings(h.statement.actions).some((x) => actionMatches(x, action)));
                        const runner = pass && PASS_ROLE_TARGETS.map((action) => ({ action, h: runs(action) })).find((x) => x.h);
                        if (pass && runner?.h) {
                            ctx.report(pass.subject, {
                                property: pass.where,
                                problem: `lets ${holder} pass any role (iam:PassRole on ${JSON.stringify(pass.statement.resources)}) while ${runner.h.subject.name === pass.subject.name ? runner.h.where : `"${runner.h.subject.name}" ${runner.h.where}`} allows ${runner.action}: together they run code as any role`,
                                fix: "name the roles iam:PassRole may pass (their ARNs) and add Condition StringEquals iam:PassedToService",
                            });
                        }
                        for (const action of SELF_ESCALATION) {
                            const h = allowsOnBroad(held, action);
                            if (h) {
                                ctx.report(h.subject, {
                                    property: h.where,
                                    problem: `allows ${action} on resources it does not name (${JSON.stringify(h.statement.resources.length ? h.statement.resources : { NotResource: h.statement.notResources })}): ${holder} can grant itself more`,
                                    fix: `remove ${action}, or name the exact resources it may act on`,
                                });
                                break;
                            }
                        }
                    };
                    for (const role of graph.ofType(ROLE)) {
                        const name = asString(role.props.name);
                        const mine = (n: Node) => refers(n, "role", role, () => name !== undefined && sameKnown(n.props.role, name));
                        const held: Held[] = [];
                        asArray(role.props.inlinePolicies).forEach((ip, i) => {
                            const parsed = parsePolicy(asRecord(ip)?.policy);
                            if (parsed.kind === "ok") {
                                parsed.statements.forEach((statement, j) =>
                                    held.push({ where: `inlinePolicies[${i}].policy.${statementLabel(statement, j)}`, subject: role, statement }),
                                );
                            }
                        });
                        inline.filter(mine).forEach((p) => held.push(...statementsOf(p, "policy", "policy")));
                        for (const att of attachments.filter(
                            (a) => mine(a) || (asArray(a.props.roles).length > 0 && (a.propertyDependencies.roles ?? []).includes(role.urn)),
                        )) {
                            for (const p of policies.filter((x) => refers(att, "policyArn", x))) {
                                attached.add(p.urn);
                                held.push(...statementsOf(p, "policy", "policy"));
                            }
                        }
                        judge(held, `role "${role.name}"`);
                    }
                    // Documents not tied to a role in this stack are judged on their own.
                    for (const n of graph.ofType("aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy")) {
                        if (!attached.has(n.urn)) {
                            judge(statementsOf(n, "policy", "policy"), `whoever holds "${n.name}"`);
                        }
                    }
                },
            },
        ),
    ];
}
