import * as pulumi from "@pulumi/pulumi";

/** One IAM statement: exact actions on exact resources. */
export interface Grant {
    /** Statement id, shown in the policy so a reviewer sees why the grant exists. */
    sid: string;
    /** Exact IAM actions (`service:Action`); wildcards are rejected. */
    actions: string[];
    /** Exact resource ARNs. */
    resources: pulumi.Input<string>[];
    /**
     * Why this statement must use resource `"*"`: only for actions AWS cannot scope to a resource.
     * Without it a `"*"` resource is rejected.
     * @default none
     */
    anyResourceReason?: string;
    /** Optional IAM condition block. @default none */
    condition?: Record<string, Record<string, pulumi.Input<string | string[]>>>;
}

/**
 * Rejects `*` and `service:*` actions and `*` resources before anything is registered, so a
 * least-privilege slip fails the program rather than the review.
 */
export function checkGrants(component: string, argument: string, grants: readonly Grant[]): void {
    const sids = new Set<string>();
    for (const g of grants) {
        if (!/^[A-Za-z0-9]+$/.test(g.sid)) {
            throw new pulumi.RunError(`${component}: argument "${argument}" has statement id ${JSON.stringify(g.sid)}; allowed: letters and digits only`);
        }
        if (sids.has(g.sid)) {
            throw new pulumi.RunError(`${component}: argument "${argument}" repeats statement id ${JSON.stringify(g.sid)}; each sid must be unique`);
        }
        sids.add(g.sid);
        if (g.actions.length === 0 || g.resources.length === 0) {
            throw new pulumi.RunError(`${component}: argument "${argument}" statement ${g.sid} needs at least one action and one resource`);
        }
        for (const a of g.actions) {
            if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(a)) {
                throw new pulumi.RunError(
                    `${component}: argument "${argument}" statement ${g.sid} has action ${JSON.stringify(a)}; allowed: exact actions such as "dynamodb:GetItem", no wildcards`,
                );
            }
        }
        for (const r of g.resources) {
            if (r === "*" && !g.anyResourceReason) {
                throw new pulumi.RunError(
                    `${component}: argument "${argument}" statement ${g.sid} has resource "*"; allowed: exact ARNs, or "*" with anyResourceReason for actions AWS cannot scope`,
                );
            }
        }
    }
}

/** A policy document as a JSON string Output; dependencies of every ARN flow into it. */
export function policyDocument(grants: readonly Grant[]): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: grants.map((g) => ({
            Sid: g.sid,
            Effect: "Allow",
            Action: g.actions.length === 1 ? g.actions[0] : g.actions,
            Resource: g.resources.length === 1 ? g.resources[0] : g.resources,
            ...(g.condition ? { Condition: g.condition } : {}),
        })),
    });
}

/** The statement every resource policy carries: refuse requests that do not use TLS. */
export function denyInsecureTransport(actions: string | string[], resource: pulumi.Input<string>): Record<string, unknown> {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        // A Deny for everyone is the point here: it narrows access, it never opens it.
        Principal: "*",
        Action: actions,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** The trust policy of a role assumed by one AWS service. */
export function assumeRolePolicy(service: string, condition?: Record<string, Record<string, pulumi.Input<string>>>): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: "sts:AssumeRole",
                ...(condition ? { Condition: condition } : {}),
            },
        ],
    });
}
