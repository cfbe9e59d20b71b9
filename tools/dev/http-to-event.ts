import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";

/** The header a developer sets to act as a customer locally; API Gateway's Cognito authorizer does this in AWS. */
export const DEV_USER_HEADER = "x-dev-user";
export const DEV_EMAIL_HEADER = "x-dev-email";

/** Reads at most `limit` bytes more than the API accepts, so an oversized body still reaches the handler's 413. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        const buffer = chunk as Buffer;
        size += buffer.byteLength;
        if (size > limit) break;
        chunks.push(buffer);
    }
    return Buffer.concat(chunks);
}

function utf8(body: Buffer): string | undefined {
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
        return undefined;
    }
}

/** Builds the REST API proxy event API Gateway would send for this HTTP request. */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEvent {
    const url = new URL(req.url ?? "/", "http://localhost");
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    // headersDistinct keeps a repeated header's every value (req.headers joins or drops them), so the
    // function sees what API Gateway would send: the last value in headers, all of them in multiValueHeaders.
    for (const [name, values] of Object.entries(req.headersDistinct)) {
        if (values === undefined || name === DEV_USER_HEADER || name === DEV_EMAIL_HEADER) continue;
        headers[name] = values[values.length - 1] ?? "";
        multiValueHeaders[name] = values;
    }
    const text = utf8(body);
    const multiQuery: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) (multiQuery[name] ??= []).push(value);
    const query = Object.fromEntries(Object.entries(multiQuery).map(([k, v]) => [k, v[v.length - 1] ?? ""]));
    const user = req.headers[DEV_USER_HEADER];
    const sub = Array.isArray(user) ? user[0] : user;
    const emailHeader = req.headers[DEV_EMAIL_HEADER];
    const email = (Array.isArray(emailHeader) ? emailHeader[0] : emailHeader) ?? (sub ? `${sub}@example.com` : undefined);
    const requestId = randomUUID();
    return {
        httpMethod: req.method ?? "GET",
        path: url.pathname,
        resource: "/{proxy+}",
        headers,
        multiValueHeaders,
        queryStringParameters: Object.keys(query).length > 0 ? query : null,
        multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
        pathParameters: { proxy: url.pathname.replace(/^\//, "") },
        stageVariables: null,
        // Bytes that are not UTF-8 travel base64-encoded, as API Gateway sends a binary body.
        body: body.byteLength === 0 ? null : (text ?? body.toString("base64")),
        isBase64Encoded: body.byteLength > 0 && text === undefined,
        requestContext: {
            requestId,
            stage: "local",
            httpMethod: req.method ?? "GET",
            path: url.pathname,
            ...(sub ? { authorizer: { claims: { sub, email, email_verified: "true" } } } : {}),
        } as unknown as APIGatewayProxyEvent["requestContext"],
    };
}
