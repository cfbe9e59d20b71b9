// IAM-style policy documents, however a program gave them: a JSON string (literal, `JSON.stringify`,
// `pulumi.jsonStringify`, `aws.iam.getPolicyDocument(...).json`) or an object (the provider accepts
// objects for `policy` inputs too). A document with an unknown part is parsed as far as it is known.

import { asArray, asRecord, isUnknown } from "./values";

export interface Statement {
    sid?: string;
    effect: string;
    actions: unknown[];
    notActions: unknown[];
    resources: unknown[];
    notResources: unknown[];
    principal: unknown;
    notPrincipal: unknown;
    condition?: Record<string, unknown>;
}

export type ParsedPolicy =
    { kind: "absent" } | { kind: "unknown" } | { kind: "invalid"; error: string } | { kind: "ok"; statements: Statement[]; document: Record<string, unknown> };

function pick(o: Record<string, unknown>, ...keys: string[]): unknown {
    for (const k of keys) {
        if (k in o) {
            return o[k];
        }
    }
    return undefined;
}

export function parsePolicy(v: unknown): ParsedPolicy {
    if (v === undefined || v === null || v === "") {
        return { kind: "absent" };
    }
    if (isUnknown(v)) {
        return { kind: "unknown" };
    }
    let doc: unknown = v;
    if (typeof v === "string") {
        try {
            doc = JSON.parse(v);
        } catch (e) {
            return { kind: "invalid", error: (e as Error).message };
        }
    }
    const rec = asRecord(doc);
    if (!rec) {
        return { kind: "invalid", error: "not a JSON object" };
    }
    const rawStatements = pick(rec, "Statement", "statement", "statements");
    if (isUnknown(rawStatements)) {
        return { kind: "unknown" };
    }
    const statements: Statement[] = [];
    for (const s of asArray(rawStatements)) {
        const st = asRecord(s);
        if (!st) {
            continue;
        }
        const effect = pick(st, "Effect", "effect");
        statements.push({
            sid: typeof st.Sid === "string" ? st.Sid : undefined,
            effect: typeof effect === "string" ? effect : "Allow",
            actions: asArray(pick(st, "Action", "actions")),
            notActions: asArray(pick(st, "NotAction", "notActions")),
            resources: asArray(pick(st, "Resource", "resources")),
            notResources: asArray(pick(st, "NotResource", "notResources")),
            principal: pick(st, "Principal", "principals"),
            notPrincipal: pick(st, "NotPrincipal", "notPrincipals"),
            condition: asRecord(pick(st, "Condition", "conditions")),
        });
    }
    return { kind: "ok", statements, document: rec };
}

/** `"*"`, `{ AWS: "*" }` or `{ AWS: ["*"] }` (and the getPolicyDocument form `[{ type: "AWS", identifiers: ["*"] }]`). */
export function isPublicPrincipal(p: unknown): boolean {
    if (p === "*") {
        return true;
    }
    const rec = asRecord(p);
    if (rec) {
        return Object.values(rec).some((v) => asArray(v).includes("*"));
    }
    if (Array.isArray(p)) {
        return p.some((e) => {
            const r = asRecord(e);
            return r ? asArray(r.identifiers).includes("*") : e === "*";
        });
    }
    return false;
}

export function hasConditions(s: Statement): boolean {
    return !!s.condition && Object.keys(s.condition).length > 0;
}

/** A Deny statement conditioned on `aws:SecureTransport` = false. */
export function deniesInsecureTransport(statements: Statement[]): boolean {
    return statements.some((s) => {
        if (s.effect !== "Deny" || !s.condition) {
            return false;
        }
        for (const op of ["Bool", "BoolIfExists"]) {
            const c = asRecord(s.condition[op]);
            if (c) {
                const v = c["aws:SecureTransport"];
                if (asArray(v).some((x) => x === false || x === "false")) {
                    return true;
                }
            }
        }
        return false;
    });
}

export function strings(list: unknown[]): string[] {
    return list.filter((x): x is string => typeof x === "string" && !isUnknown(x));
}

/** Action pattern matches (IAM wildcards `*` and `?`, case-insensitive). */
export function actionMatches(pattern: string, action: string): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        "i",
    );
    return re.test(action);
}

/**
 * A resource pattern that names no particular resource: `"*"`, or an ARN whose resource part is only
 * wildcards after its type (`arn:aws:s3:::*`, `arn:aws:iam::123456789012:role/*`, `arn:aws:sqs:*:*:*`).
 * A pattern with a literal name prefix (`arn:aws:s3:::orders/*`, `log-group:/aws/lambda/*`) names something.
 */
export function isBroadResource(r: unknown): boolean {
    if (r === "*") {
        return true;
    }
    if (typeof r !== "string" || isUnknown(r)) {
        return false;
    }
    const parts = r.split(":");
    if (parts.length < 6 || parts[0] !== "arn") {
        return false;
    }
    const resource = parts.slice(5).join(":");
    const type = /^([A-Za-z-]+)[/:](.*)$/.exec(resource);
    const name = type && RESOURCE_TYPES.has(type[1].toLowerCase()) ? type[2] : resource;
    return /^[*?]+(\/[*?]+)*$/.test(name);
}

/** ARN resource types a name follows (`role/<name>`, `table/<name>`, `secret:<name>`...). */
const RESOURCE_TYPES = new Set(
    [
        "role",
        "user",
        "group",
        "policy",
        "instance-profile",
        "oidc-provider",
        "table",
        "key",
        "alias",
        "secret",
        "parameter",
        "function",
        "layer",
        "log-group",
        "stateMachine",
        "execution",
        "repository",
        "event-bus",
        "rule",
        "collection",
        "index",
        "domain",
        "userpool",
        "distribution",
        "instance",
        "volume",
        "snapshot",
        "cluster",
        "task-definition",
        "service",
        "project",
        "pipeline",
        "stack",
        "archive",
        "identitypool",
        "restapis",
        "apis",
        "vpc",
        "subnet",
        "security-group",
    ].map((t) => t.toLowerCase()),
);

/** What a rule needs to read a policy input: its resource, and a way to report and defer. */
interface PolicyReader {
    report(
        subject: { urn: string; name: string; type: string; props: Record<string, unknown> },
        finding: { property: string; problem: string; fix: string },
    ): void;
    defer(where: string): void;
}

/**
 * A policy input's statements, ready to judge: an absent one gives none, an unknown one is deferred
 * (`deferAs` names it in the can't-run line), an invalid one is reported on `property`.
 */
export function readStatements(
    subject: { urn: string; name: string; type: string; props: Record<string, unknown> },
    property: string,
    value: unknown,
    ctx: PolicyReader,
    deferAs = property,
): Statement[] | undefined {
    const parsed = parsePolicy(value);
    if (parsed.kind === "unknown") {
        ctx.defer(deferAs);
    } else if (parsed.kind === "invalid") {
        ctx.report(subject, {
            property,
            problem: `is not a valid policy document (${parsed.error})`,
            fix: "pass a JSON policy document (JSON.stringify, pulumi.jsonStringify or aws.iam.getPolicyDocument(...).json)",
        });
    } else if (parsed.kind === "ok") {
        return parsed.statements;
    }
    return undefined;
}
