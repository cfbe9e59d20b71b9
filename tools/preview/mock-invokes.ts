import { isDeepStrictEqual } from "util";
import { ACCOUNT_ID } from "./mock-values";
import { InvokeAnswer, PreviewError } from "./types";

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

/** The tokens the preview answers by itself. */
export const BUILT_IN_INVOKES = Object.keys(INVOKES);

/**
 * A provider function the preview has no answer for. The runner recognises it, however the SDK wraps it,
 * and reports it on the first line with the flag that answers it.
 */
export class UnansweredInvokeError extends Error {
    override readonly name = "UnansweredInvokeError";
    constructor(
        readonly token: string,
        message: string,
        /** `none`: nothing answers the token; `no-case`: its `--invoke` file has no case for these inputs. */
        readonly kind: "none" | "no-case",
    ) {
        super(message);
    }
}

/** The remedy for an unanswered function, in the words the preview's first line uses. */
export function invokeRemedy(token: string): string {
    return (
        `pass --invoke ${token}=FILE, FILE holding its result as JSON (or a list of { "inputs", "result" } pairs matched on inputs), ` +
        "or pass the value in through config"
    );
}

/** True when every input the case names has the call's value (inputs the case leaves out match anything). */
function matches(given: Record<string, unknown>, inputs: Record<string, unknown>): boolean {
    return Object.entries(given).every(([k, v]) => isDeepStrictEqual(v, inputs[k]));
}

function answer(token: string, given: InvokeAnswer, inputs: Record<string, unknown>): Record<string, unknown> {
    if ("result" in given) {
        return given.result;
    }
    const found = given.cases.find((c) => matches(c.inputs, inputs));
    if (!found) {
        const shown = JSON.stringify(inputs);
        throw new UnansweredInvokeError(
            token,
            `no case of --invoke ${token}=${given.file} matches the call's inputs ${shown.length > 400 ? `${shown.slice(0, 400)}...` : shown}: ` +
                'add { "inputs", "result" } for them (a case matches when each input it names equals the call\'s)',
            "no-case",
        );
    }
    return found.result;
}

/**
 * The answer to a provider function: from `--invoke` when given (it wins over a built-in mock), else the
 * built-in mock, else an UnansweredInvokeError naming the token.
 */
export function mockInvoke(
    token: string,
    inputs: Record<string, unknown>,
    region: () => string,
    given: Readonly<Record<string, InvokeAnswer>> = {},
): Record<string, unknown> {
    if (Object.hasOwn(given, token)) {
        return answer(token, given[token], inputs);
    }
    const fn = INVOKES[token];
    if (!fn) {
        throw new UnansweredInvokeError(
            token,
            `the offline preview has no answer for the provider function '${token}': ${invokeRemedy(token)} (it answers ${BUILT_IN_INVOKES.join(", ")} by itself)`,
            "none",
        );
    }
    return fn(inputs, region);
}
