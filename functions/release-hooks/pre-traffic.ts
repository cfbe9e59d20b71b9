import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { TargetKind } from "./config";
import type { Deployment, Outcome } from "./hook";

export interface PreTrafficDeps {
    lambda: LambdaClient;
    /** The functions this hook validates, by physical name. */
    targets: Record<string, TargetKind>;
    /** The machine app client: the caller of the authenticated read. */
    machineClientId: string;
    machineScope: string;
}

/** The proxy event API Gateway would send for a request, with the claims its Cognito authorizer would add. */
export function apiGatewayEvent(
    method: string,
    path: string,
    deploymentId: string,
    opts: { query?: Record<string, string>; claims?: Record<string, string> } = {},
) {
    const query = opts.query ?? null;
    return {
        resource: path,
        path,
        httpMethod: method,
        headers: { accept: "application/json", "user-agent": "codedeploy-before-allow-traffic" },
        multiValueHeaders: {},
        queryStringParameters: query,
        multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
        pathParameters: null,
        stageVariables: null,
        body: null,
        isBase64Encoded: false,
        requestContext: {
            requestId: `codedeploy-${deploymentId}-${method}-${path}`.slice(0, 128),
            httpMethod: method,
            path,
            resourcePath: path,
            stage: "release-check",
            identity: { sourceIp: "127.0.0.1" },
            ...(opts.claims ? { authorizer: { claims: opts.claims } } : {}),
        },
    };
}

interface ProxyResult {
    statusCode?: unknown;
    body?: unknown;
}

/** Invokes the deployment's target version directly (never the alias, which still serves the old one). */
async function invokeVersion(deps: PreTrafficDeps, d: Deployment, payload: unknown): Promise<unknown> {
    const res = await deps.lambda.send(
        new InvokeCommand({
            FunctionName: d.functionName,
            Qualifier: d.targetVersion,
            InvocationType: "RequestResponse",
            Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
    );
    const text = res.Payload ? new TextDecoder().decode(res.Payload) : "";
    if (res.FunctionError) {
        let message = text;
        try {
            const err = JSON.parse(text) as { errorType?: string; errorMessage?: string };
            message = `${err.errorType ?? "Error"}: ${err.errorMessage ?? text}`;
        } catch {
            // not JSON: keep the raw payload
        }
        throw new Error(`version ${d.targetVersion} failed (${res.FunctionError}): ${message.slice(0, 300)}`);
    }
    try {
        return text === "" ? null : (JSON.parse(text) as unknown);
    } catch {
        throw new Error(`version ${d.targetVersion} answered something that is not JSON: ${text.slice(0, 200)}`);
    }
}

async function outcome(name: string, run: () => Promise<string>): Promise<Outcome> {
    try {
        return { name, ok: true, detail: await run() };
    } catch (error) {
        return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
}

function proxyBody(result: unknown, expectStatus: number): Record<string, unknown> {
    const r = (result ?? {}) as ProxyResult;
    let body: unknown;
    try {
        body = typeof r.body === "string" ? JSON.parse(r.body) : undefined;
    } catch {
        body = undefined;
    }
    if (r.statusCode !== expectStatus) {
        throw new Error(`answered ${String(r.statusCode)} instead of ${expectStatus}: ${String(r.body ?? "").slice(0, 200)}`);
    }
    if (!body || typeof body !== "object")
        throw new Error(`answered ${expectStatus} with a body that is not a JSON object: ${String(r.body ?? "").slice(0, 200)}`);
    return body as Record<string, unknown>;
}

/**
 * BeforeAllowTraffic: the new version must start and answer before it takes any traffic. An API
 * version must report healthy and serve an authenticated read as the machine client; a queue or
 * stream consumer must accept an empty batch (no message is touched).
 */
export function preTrafficChecks(deps: PreTrafficDeps): (d: Deployment) => Promise<Outcome[]> {
    return async (d) => {
        const kind = deps.targets[d.functionName];
        if (!kind) {
            return [
                {
                    name: "target",
                    ok: false,
                    detail: `${d.functionName} is not a function this hook validates (it knows ${Object.keys(deps.targets).join(", ")})`,
                },
            ];
        }
        if (kind === "event-batch") {
            return [
                await outcome(`version ${d.targetVersion} accepts an empty batch`, async () => {
                    const result = (await invokeVersion(deps, d, { Records: [] })) as { batchItemFailures?: unknown } | null;
                    const failures = result?.batchItemFailures;
                    if (Array.isArray(failures) && failures.length > 0) throw new Error(`reported ${failures.length} failed items for an empty batch`);
                    return "started and answered";
                }),
            ];
        }
        const claims = { sub: deps.machineClientId, client_id: deps.machineClientId, token_use: "access", scope: deps.machineScope };
        return [
            await outcome(`version ${d.targetVersion}: GET /health answers 200 ok`, async () => {
                const body = proxyBody(await invokeVersion(deps, d, apiGatewayEvent("GET", "/health", d.deploymentId)), 200);
                if (body.status !== "ok") throw new Error(`status field is ${JSON.stringify(body.status)}`);
                return `version ${String(body.version ?? "unknown")}`;
            }),
            await outcome(`version ${d.targetVersion}: GET /orders as the machine client answers 200`, async () => {
                const body = proxyBody(await invokeVersion(deps, d, apiGatewayEvent("GET", "/orders", d.deploymentId, { query: { limit: "1" }, claims })), 200);
                if (!Array.isArray(body.orders)) throw new Error("the body has no orders list");
                return `${body.orders.length} orders`;
            }),
        ];
    };
}
