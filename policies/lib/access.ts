// Who a policy statement lets act: the one evaluator every resource policy and trust policy of the pack
// goes through (SQS, SNS, S3, KMS, Secrets Manager, EventBridge buses, Lambda and layer permissions,
// API Gateway resource policies, OpenSearch access policies, role trust policies).
//
// A condition restricts a public statement only when it narrows *who* can act: the calling service's
// resource or account, the VPC endpoint, the organization, the principal's account or exact ARN, a third
// party's external id, or a source address range short of the whole internet. A condition on the
// transport (`aws:SecureTransport`), on MFA, a negated operator, an `...IfExists` operator (true when the
// key is absent, as it is on a direct call), a `ForAllValues:` operator (true for an empty set) or a value
// that is itself a wildcard pattern restricts nothing, so a statement carrying only those is as open as
// one without conditions.

import type { StackGraph } from "./graph";
import { parsePolicy, Statement, strings } from "./iam";
import { asArray, asRecord, asString, isUnknown, show } from "./values";

type Kind = "arn" | "principal" | "account" | "id";

/** Condition keys that can narrow who acts, and the kind of value that narrows. */
const NARROWING_KEYS: Record<string, Kind> = {
    "aws:sourcearn": "arn",
    // A principal ARN narrows only without wildcards: `arn:aws:iam::*:role/admin` is anyone's admin role.
    "aws:principalarn": "principal",
    "aws:sourceaccount": "account",
    "aws:sourceowner": "account",
    "aws:principalaccount": "account",
    "kms:calleraccount": "account",
    "aws:sourcevpce": "id",
    "aws:sourcevpc": "id",
    "aws:principalorgid": "id",
    "aws:principalorgpaths": "id",
    "sts:externalid": "id",
};

/** Operators that can narrow (after an optional `ForAnyValue:` qualifier). */
const NARROWING_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);

/** The ARN's account segment, or undefined for an ARN without one (S3) or a non-ARN. */
export function arnAccount(arn: string): string | undefined {
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" && parts[4] !== "" ? parts[4] : undefined;
}

function hasWildcard(s: string): boolean {
    return s.includes("*") || s.includes("?");
}

/** An ARN (pattern) pins something when its account is literal, or, for an ARN without an account (S3), its resource starts literally. */
function arnNarrows(v: string): boolean {
    const parts = v.split(":");
    if (parts.length < 6 || parts[0] !== "arn") {
        return false;
    }
    const account = parts[4];
    if (account !== "") {
        return !hasWildcard(account);
    }
    const resource = parts.slice(5).join(":");
    return resource !== "" && !/^[*?]/.test(resource);
}

function valueNarrows(kind: Kind, v: unknown): boolean {
    if (isUnknown(v)) {
        return true; // computed from the program's own resources (an ARN, the caller's account)
    }
    if (typeof v !== "string" || v.trim() === "") {
        return false;
    }
    switch (kind) {
        case "arn":
            return arnNarrows(v);
        case "principal":
            return v.startsWith("arn:") && !hasWildcard(v);
        case "account":
            return /^\d{12}$/.test(v);
        case "id":
            return !hasWildcard(v);
    }
}

/** A source-address range narrows reach unless it is the whole internet (`0.0.0.0/0`, `::/0`). */
function cidrNarrows(v: unknown): boolean {
    return isUnknown(v) || (typeof v === "string" && v.trim() !== "" && !/\/0$/.test(v.trim()));
}

/** The condition keys of a statement that narrow who can act (lower-cased). */
export function narrowingKeys(s: Statement): string[] {
    const found: string[] = [];
    for (const [rawOp, block] of Object.entries(s.condition ?? {})) {
        const op = rawOp.toLowerCase().replace(/^foranyvalue:/, "");
        if (op === "ipaddress") {
            const range = asRecord(block)?.["aws:SourceIp"] ?? asRecord(block)?.["aws:sourceip"];
            const values = isUnknown(range) ? [range] : asArray(range);
            if (values.length > 0 && values.every(cidrNarrows)) {
                found.push("aws:sourceip");
            }
            continue;
        }
        if (!NARROWING_OPERATORS.has(op)) {
            continue;
        }
        for (const [rawKey, value] of Object.entries(asRecord(block) ?? {})) {
            const key = rawKey.toLowerCase();
            const kind = NARROWING_KEYS[key];
            const values = isUnknown(value) ? [value] : asArray(value);
            if (kind && values.length > 0 && values.every((v) => valueNarrows(kind, v))) {
                found.push(key);
            }
        }
    }
    return found;
}

/** What a Principal element names. */
export interface Principals {
    /** Anyone: `"*"`, an AWS principal `"*"` or an ARN whose account is a wildcard. */
    anyone: boolean;
    /** Accounts named by AWS principals (account ids, and the account of role/user/root ARNs). */
    accounts: string[];
    services: string[];
    federated: string[];
    /** AWS principal ARNs, as given. */
    arns: string[];
    /** Some part of it is unknown during this preview. */
    unknown: boolean;
}

function entries(p: unknown): [string, unknown][] {
    if (typeof p === "string") {
        return [["AWS", p]];
    }
    if (Array.isArray(p)) {
        // aws.iam.getPolicyDocument's form: [{ type: "AWS", identifiers: [...] }]
        return p.flatMap((e) => {
            const r = asRecord(e);
            return r ? [[String(r.type ?? "AWS"), r.identifiers] as [string, unknown]] : [["AWS", e] as [string, unknown]];
        });
    }
    return Object.entries(asRecord(p) ?? {});
}

export function principalsOf(p: unknown): Principals {
    const out: Principals = { anyone: false, accounts: [], services: [], federated: [], arns: [], unknown: isUnknown(p) };
    for (const [type, value] of entries(p)) {
        if (isUnknown(value)) {
            out.unknown = true;
            continue;
        }
        for (const v of asArray(value)) {
            if (isUnknown(v)) {
                out.unknown = true;
                continue;
            }
            if (typeof v !== "string") {
                continue;
            }
            const t = type.toLowerCase();
            if (v === "*" && (t === "aws" || t === "*")) {
                out.anyone = true;
            } else if (t === "service") {
                out.services.push(v);
            } else if (t === "federated") {
                out.federated.push(v);
            } else if (t === "aws") {
                if (/^\d{12}$/.test(v)) {
                    out.accounts.push(v);
                } else {
                    out.arns.push(v);
                    const account = arnAccount(v);
                    if (account !== undefined && hasWildcard(account)) {
                        out.anyone = true;
                    } else if (account !== undefined) {
                        out.accounts.push(account);
                    }
                }
            }
        }
    }
    return out;
}

/** `Statement[2] (Sid "PublicRead")`: how messages name a statement. */
export function statementLabel(s: Statement, index: number): string {
    return s.sid ? `Statement[${index}] (Sid "${s.sid}")` : `Statement[${index}]`;
}

/** An Allow statement and who it admits. */
export interface Grant {
    statement: Statement;
    index: number;
    label: string;
    principals: Principals;
    /** Condition keys that narrow who can act. */
    narrowedBy: string[];
    /** It admits anyone: a public principal (or NotPrincipal) and no condition that narrows who. */
    open: boolean;
}

export function grantsOf(statements: Statement[]): Grant[] {
    const out: Grant[] = [];
    statements.forEach((s, index) => {
        if (s.effect !== "Allow") {
            return;
        }
        const principals = principalsOf(s.principal);
        const narrowedBy = narrowingKeys(s);
        const publicPrincipal = principals.anyone || (s.notPrincipal !== undefined && s.notPrincipal !== null);
        out.push({ statement: s, index, label: statementLabel(s, index), principals, narrowedBy, open: publicPrincipal && narrowedBy.length === 0 });
    });
    return out;
}

/** The condition-key choices to offer in a fix, for a statement that is open. */
export const NARROWING_HINT = "aws:SourceArn, aws:SourceAccount, aws:SourceVpce, aws:PrincipalOrgID or aws:PrincipalAccount";

/**
 * A Lambda or layer permission as the statement AWS writes for it, so that it is judged by the same
 * evaluator: its `principal` and `sourceArn`/`sourceAccount`/`principalOrgId`/`organizationId` inputs.
 */
export function permissionStatement(props: Record<string, unknown>): Statement {
    const condition: Record<string, Record<string, unknown>> = {};
    const add = (op: string, key: string, v: unknown) => {
        if (v !== undefined && v !== null && v !== "") {
            condition[op] = { ...(condition[op] ?? {}), [key]: v };
        }
    };
    add("ArnLike", "aws:SourceArn", props.sourceArn);
    add("StringEquals", "aws:SourceAccount", props.sourceAccount);
    add("StringEquals", "aws:PrincipalOrgID", props.principalOrgId ?? props.organizationId);
    const principal = asString(props.principal);
    const isService = principal !== undefined && principal.endsWith(".amazonaws.com");
    return {
        effect: "Allow",
        actions: asArray(props.action),
        notActions: [],
        resources: [],
        notResources: [],
        principal: isUnknown(props.principal) ? props.principal : isService ? { Service: principal } : { AWS: props.principal },
        notPrincipal: undefined,
        condition,
    };
}

/**
 * Every input of a resource that holds a policy document naming principals. The rules that own a
 * service's document (SQS, SNS, KMS, IAM trust, Secrets Manager, EventBridge, ECR) judge whether it is
 * open; resource-policy-not-public covers the rest; cross-account-access reads them all.
 */
export const RESOURCE_POLICY_INPUTS: Record<string, string> = {
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "repositoryPolicy",
    "aws:apigateway/restApi:RestApi": "policy",
    "aws:apigateway/restApiPolicy:RestApiPolicy": "policy",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": "accessPolicy",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
};

/** Accounts the stack shows as its own: conditions pinning the caller or source account, the account of resource ARNs, the provider's allowedAccountIds. */
export function ownAccounts(graph: StackGraph): Set<string> {
    const own = new Set<string>();
    const addArn = (v: unknown) => {
        const s = asString(v);
        const a = s ? arnAccount(s) : undefined;
        if (a && /^\d{12}$/.test(a)) {
            own.add(a);
        }
    };
    for (const n of graph.nodes) {
        if (n.type === "pulumi:providers:aws") {
            strings(asArray(n.props.allowedAccountIds)).forEach((a) => own.add(a));
            continue;
        }
        // An ARN computed from a resource of this stack (`role: role.arn`) is in the stack's account.
        for (const [key, deps] of Object.entries(n.propertyDependencies)) {
            if (deps.length > 0 && graph.byUrn(deps[0]) !== undefined) {
                addArn(n.props[key]);
            }
        }
        const input = RESOURCE_POLICY_INPUTS[n.type];
        if (input) {
            const parsed = parsePolicy(n.props[input]);
            if (parsed.kind === "ok") {
                for (const s of parsed.statements) {
                    s.resources.forEach(addArn);
                    for (const [op, block] of Object.entries(s.condition ?? {})) {
                        if (!/^stringequals/i.test(op)) {
                            continue;
                        }
                        for (const [key, value] of Object.entries(asRecord(block) ?? {})) {
                            if (/^(aws:sourceaccount|aws:sourceowner|aws:principalaccount|aws:resourceaccount|kms:calleraccount)$/i.test(key)) {
                                strings(asArray(value))
                                    .filter((a) => /^\d{12}$/.test(a))
                                    .forEach((a) => own.add(a));
                            }
                        }
                    }
                }
            }
        }
        if (n.type === "aws:lambda/permission:Permission") {
            addArn(n.props.sourceArn);
            const sa = asString(n.props.sourceAccount);
            if (sa && /^\d{12}$/.test(sa)) {
                own.add(sa);
            }
        }
    }
    return own;
}

/** How a rule words an open statement: what the statement lets anyone do, and the fix in the service's terms. */
export interface OpenWording {
    /** What anyone may do, e.g. "send messages to the queue". */
    lets: string;
    fix: string;
}

/** Reports every statement that admits anyone, on `<property>.<statement>.Principal`. */
export function reportOpenGrants(
    subject: { urn: string; name: string; type: string; props: Record<string, unknown> },
    property: string,
    statements: Statement[],
    ctx: { report(s: typeof subject, f: { property: string; found: unknown; problem: string; fix: string }): void },
    wording: OpenWording,
): void {
    for (const g of grantsOf(statements).filter((x) => x.open)) {
        const principal = g.statement.principal ?? { NotPrincipal: g.statement.notPrincipal };
        const conditioned = Object.keys(g.statement.condition ?? {}).length > 0;
        ctx.report(subject, {
            property: `${property}.${g.label}.Principal`,
            found: principal,
            problem: `is ${show(principal)}, which admits anyone${conditioned ? " (its Condition does not narrow who: aws:SecureTransport, MFA, IfExists, ForAllValues and wildcard patterns do not)" : ""}: any AWS account may ${wording.lets}`,
            fix: `${wording.fix}, or keep Principal "*" with a Condition on ${NARROWING_HINT}`,
        });
    }
}
