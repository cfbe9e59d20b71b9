// IAM rule (57): wildcards and managed policies in every place a program can give permissions.

import type { Policies } from "../lib/policy-api";
import { refers, sameKnown } from "../lib/graph";
import { reportOpenGrants, statementLabel } from "../lib/access";
import { actionMatches, isBroadResource, parsePolicy, readStatements, Statement, strings } from "../lib/iam";
import { resourceRule, RuleContext, Subject } from "../lib/rule";
import { asArray, asRecord, asString, isSet, isUnknown } from "../lib/values";

export const ROLE = "aws:iam/role:Role";
export const POLICY = "aws:iam/policy:Policy";
const INLINE = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];
const ATTACHMENTS = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
];
const EXCLUSIVE_ATTACHMENTS = [
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
];

export const DEFAULT_MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
];

export const DEFAULT_WILDCARD_RESOURCE_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

type IamConfig = { allowedManagedPolicyArns: string[]; wildcardResourceActions: string[]; allowedServiceWildcards: string[] };

const KMS_DECRYPT = ["kms:Decrypt", "kms:ReEncryptFrom"];

function normalizeArn(arn: string): string {
    return arn.replace(/^arn:aws[a-z-]*:/, "arn:aws:");
}

function checkDocument(subject: Subject, property: string, value: unknown, ctx: RuleContext<IamConfig>): void {
    const statements = readStatements(subject, property, value, ctx);
    statements?.forEach((s, i) => checkStatement(subject, `${property}.${statementLabel(s, i)}`, s, ctx));
}

function checkStatement(subject: Subject, where: string, s: Statement, ctx: RuleContext<IamConfig>): void {
    if (s.effect !== "Allow") {
        return;
    }
    const actions = strings(s.actions);
    // A partial wildcard that names no resource (`arn:aws:s3:::*`, `role/*`) is judged as "*".
    const broad: unknown[] = s.notResources.length > 0 ? [{ NotResource: s.notResources }] : s.resources.filter(isBroadResource);
    const resourcesStar = broad.length > 0;
    const shownResources = broad.length === 1 ? broad[0] : broad;
    const allActions = actions.includes("*") || s.notActions.length > 0;
    if (allActions && resourcesStar) {
        ctx.report(subject, {
            property: `${where}`,
            found: { Action: s.notActions.length ? { NotAction: s.notActions } : "*", Resource: shownResources },
            expected: "named actions on named resources",
            fix: "grant the exact actions on the exact resource ARNs the principal uses",
        });
        return;
    }
    const { allowedServiceWildcards, wildcardResourceActions } = ctx.config;
    const wildActions = actions.filter((a) => (a === "*" || /^[a-z0-9-]+:\*$/i.test(a)) && !allowedServiceWildcards.includes(a));
    if (wildActions.length > 0 || s.notActions.length > 0) {
        ctx.report(subject, {
            property: `${where}.Action`,
            found: s.notActions.length ? { NotAction: s.notActions } : wildActions,
            expected: "named actions (e.g. dynamodb:GetItem)",
            fix: "list the actions the principal needs, or add a reviewed entry to allowedServiceWildcards",
        });
    }
    if (!resourcesStar) {
        return;
    }
    const decrypt = actions.filter((a) => KMS_DECRYPT.some((d) => actionMatches(a, d)));
    if (decrypt.length > 0) {
        ctx.report(subject, {
            property: `${where}.Resource`,
            found: shownResources,
            expected: `the ARNs of the keys ${decrypt.join(", ")} is needed for`,
            fix: "name the KMS key ARNs (kms:Decrypt on all keys is never allowed)",
        });
    }
    const unlisted = actions.filter((a) => !decrypt.includes(a) && !wildcardResourceActions.some((w) => actionMatches(w, a)) && !wildActions.includes(a));
    if (unlisted.length > 0) {
        ctx.report(subject, {
            property: `${where}.Resource`,
            found: shownResources,
            expected: `resource ARNs for ${unlisted.join(", ")}`,
            fix: "name the resource ARNs; only actions AWS offers no resource for belong in wildcardResourceActions",
        });
    }
}

function checkManaged(subject: Subject, property: string, arn: unknown, ctx: RuleContext<IamConfig>): void {
    const s = asString(arn);
    if (!s || !/^arn:aws[a-z-]*:iam::aws:policy\//.test(s)) {
        return; // customer-managed policies are checked where they are defined
    }
    const allowed = ctx.config.allowedManagedPolicyArns.map(normalizeArn);
    if (!allowed.includes(normalizeArn(s))) {
        ctx.report(subject, {
            property,
            found: s,
            expected: `an allow-listed AWS managed policy (${ctx.config.allowedManagedPolicyArns.map((a) => a.split("/").pop()).join(", ")})`,
            fix: "write a least-privilege policy instead, or add the ARN to allowedManagedPolicyArns after review",
        });
    }
}

export function iamPolicies(): Policies {
    return [
        resourceRule<IamConfig>(
            {
                id: "iam-no-wildcards",
                no: 57,
                service: "IAM / KMS",
                kind: "R",
                checks: 'No `Action "*"` with `Resource "*"`; no `svc:*` actions or `Resource "*"` without an allow-list entry; no kms:Decrypt on all keys; AWS managed policies only from an allow-list; a role\'s policies managed in one place only.',
                why: "Wildcards turn one compromised function into a compromised account; managing a role's policies in two places makes each deploy silently undo the other.",
                anchors:
                    "NAG IAM4, IAM5, FSBP IAM.1, IAM.21, KMS.1, KMS.2, NAG-SL StarPermissions, CKV_AWS_1/49/62/63/355, AG iam-role-no-policy-management-conflicts",
                defaultLevel: "mandatory",
                config: {
                    allowedManagedPolicyArns: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: DEFAULT_MANAGED_POLICIES,
                        description: "AWS managed policies that may be attached.",
                    },
                    wildcardResourceActions: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: DEFAULT_WILDCARD_RESOURCE_ACTIONS,
                        description: 'Actions allowed on Resource "*" (AWS offers no narrower resource for them).',
                    },
                    allowedServiceWildcards: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: 'Reviewed "svc:*" actions that are allowed.',
                    },
                },
            },
            {
                types: [ROLE, POLICY, ...INLINE, ...ATTACHMENTS, ...EXCLUSIVE_ATTACHMENTS],
                validate: (r, ctx) => {
                    const p = r.props;
                    if (r.type === ROLE) {
                        const trust = parsePolicy(p.assumeRolePolicy);
                        if (trust.kind === "ok") {
                            reportOpenGrants(r, "assumeRolePolicy", trust.statements, ctx, {
                                lets: "assume the role",
                                fix: 'trust only the service or account that uses the role (e.g. { Service: "lambda.amazonaws.com" })',
                            });
                        }
                        if (isUnknown(p.inlinePolicies)) {
                            ctx.defer("inlinePolicies");
                        }
                        asArray(p.inlinePolicies).forEach((ip, i) => checkDocument(r, `inlinePolicies[${i}].policy`, asRecord(ip)?.policy, ctx));
                        asArray(p.managedPolicyArns).forEach((arn, i) => checkManaged(r, `managedPolicyArns[${i}]`, arn, ctx));
                    } else if (r.type === POLICY || INLINE.includes(r.type)) {
                        checkDocument(r, "policy", p.policy, ctx);
                    } else if (ATTACHMENTS.includes(r.type)) {
                        checkManaged(r, "policyArn", p.policyArn, ctx);
                    } else {
                        asArray(p.policyArns).forEach((arn, i) => checkManaged(r, `policyArns[${i}]`, arn, ctx));
                    }
                },
                stack: {
                    subjectTypes: [],
                    validate: (graph, ctx) => {
                        // AG iam-role-no-policy-management-conflicts: inline/managed lists on the role and separate resources for the same role.
                        for (const role of graph.ofType(ROLE)) {
                            const name = asString(role.props.name);
                            const mine = (n: { props: Record<string, unknown> } & Parameters<typeof refers>[0]) =>
                                refers(n, "role", role, () => name !== undefined && sameKnown(n.props.role, name));
                            const separatePolicies = graph
                                .ofType("aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive")
                                .filter(mine);
                            const separateAttachments = graph
                                .ofType(
                                    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                                    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                                )
                                .filter(mine);
                            const inlineSet =
                                isSet(role.props.inlinePolicies) && (isUnknown(role.props.inlinePolicies) || asArray(role.props.inlinePolicies).length > 0);
                            const managedSet =
                                isSet(role.props.managedPolicyArns) &&
                                (isUnknown(role.props.managedPolicyArns) || asArray(role.props.managedPolicyArns).length > 0);
                            if (inlineSet && separatePolicies.length > 0) {
                                ctx.report(role, {
                                    property: "inlinePolicies",
                                    problem: `are set on the role while ${separatePolicies.map((x) => `"${x.name}"`).join(", ")} also manage its inline policies`,
                                    fix: "manage the role's inline policies in one place (RolePolicy resources, or inlinePolicies)",
                                });
                            }
                            if (managedSet && separateAttachments.length > 0) {
                                ctx.report(role, {
                                    property: "managedPolicyArns",
                                    problem: `are set on the role while ${separateAttachments.map((x) => `"${x.name}"`).join(", ")} also attach policies to it`,
                                    fix: "attach policies in one place (RolePolicyAttachment resources, or managedPolicyArns)",
                                });
                            }
                        }
                    },
                },
            },
        ),
    ];
}
