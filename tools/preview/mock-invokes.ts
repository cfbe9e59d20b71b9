import { ACCOUNT_ID } from "./mock-values";
import { PreviewError } from "./types";

/**
 * Answers for the provider functions programs commonly call. Anything else fails with its token:
 * a made-up answer would let a program that depends on real data pass the preview.
 */

type Invoke = (inputs: Record<string, unknown>, region: () => string) => Record<string, unknown>;

interface Condition {
    test: string;
    variable: string;
    values: string[];
}

interface Principal {
    type: string;
    identifiers: string[];
}

interface StatementInput {
    sid?: string;
    effect?: string;
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principals?: Principal[];
    notPrincipals?: Principal[];
    conditions?: Condition[];
}

/** One element stays a string, as the AWS provider renders policy documents. */
function collapse(values: string[] | undefined): string | string[] | undefined {
    if (values === undefined || values.length === 0) {
        return undefined;
    }
    return values.length === 1 ? values[0] : [...values].sort();
}

function renderPrincipals(principals: Principal[] | undefined): unknown {
    if (!principals || principals.length === 0) {
        return undefined;
    }
    if (principals.length === 1 && principals[0].type === "*" && principals[0].identifiers.every((i) => i === "*")) {
        return "*";
    }
    const out: Record<string, string | string[] | undefined> = {};
    for (const p of principals) {
        const existing = out[p.type];
        const merged = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...p.identifiers];
        out[p.type] = collapse(merged);
    }
    return out;
}

function renderConditions(conditions: Condition[] | undefined): unknown {
    if (!conditions || conditions.length === 0) {
        return undefined;
    }
    const out: Record<string, Record<string, string | string[] | undefined>> = {};
    for (const c of conditions) {
        out[c.test] = { ...out[c.test], [c.variable]: collapse(c.values) };
    }
    return out;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Renders `aws.iam.getPolicyDocument` inputs the way the provider does. */
export function renderPolicyDocument(inputs: Record<string, unknown>): { json: string; minifiedJson: string } {
    const statements = (inputs.statements as StatementInput[] | undefined) ?? [];
    if (inputs.sourcePolicyDocuments !== undefined || inputs.overridePolicyDocuments !== undefined) {
        throw new PreviewError(
            "the offline preview renders getPolicyDocument from 'statements' only; merge source or override documents with pulumi.jsonStringify instead",
        );
    }
    const doc = dropUndefined({
        Version: (inputs.version as string | undefined) ?? "2012-10-17",
        Id: inputs.policyId,
        Statement: statements.map((s) =>
            dropUndefined({
                Sid: s.sid,
                Effect: s.effect ?? "Allow",
                Action: collapse(s.actions),
                NotAction: collapse(s.notActions),
                Resource: collapse(s.resources),
                NotResource: collapse(s.notResources),
                Principal: renderPrincipals(s.principals),
                NotPrincipal: renderPrincipals(s.notPrincipals),
                Condition: renderConditions(s.conditions),
            }),
        ),
    });
    return { json: JSON.stringify(doc, null, 2), minifiedJson: JSON.stringify(doc) };
}

const INVOKES: Record<string, Invoke> = {
    "aws:index/getRegion:getRegion": (_i, region) => ({
        id: region(),
        name: region(),
        region: region(),
        description: region(),
        endpoint: `ec2.${region()}.amazonaws.com`,
    }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        id: ACCOUNT_ID,
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/offline-preview`,
        userId: "AIDAOFFLINEPREVIEW0000",
    }),
    "aws:index/getPartition:getPartition": () => ({
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
    }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_i, region) => {
        const r = region();
        const letters = ["a", "b", "c"];
        return {
            id: r,
            names: letters.map((l) => `${r}${l}`),
            zoneIds: letters.map((_, i) => `${r.replace(/-/g, "").slice(0, 4)}-az${i + 1}`),
            groupNames: [r],
        };
    },
    "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => {
        const rendered = renderPolicyDocument(inputs);
        return { id: String(rendered.json.length), ...rendered };
    },
};

export function mockInvoke(token: string, inputs: Record<string, unknown>, region: () => string): Record<string, unknown> {
    const fn = INVOKES[token];
    if (!fn) {
        throw new PreviewError(
            `the offline preview has no answer for the provider function '${token}' (it answers ${Object.keys(INVOKES).join(", ")}); ` +
                "pass the value in through config, or add a mock for it in tools/preview/mock-invokes.ts",
        );
    }
    return fn(inputs, region);
}
