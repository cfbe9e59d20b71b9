import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { AppError, badRequest } from "../shared/errors";

/** An order body is a few hundred bytes; 16 KiB leaves room for 50 items and a note, and no more. */
export const MAX_BODY_BYTES = 16 * 1024;

const SECURITY_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
    return { statusCode, headers: { ...SECURITY_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: AppError, headers: Record<string, string> = {}): APIGatewayProxyResult {
    return json(error.status, error.toBody(), { ...error.headers, ...headers });
}

/** Header names are case-insensitive; API Gateway keeps the client's casing. */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [key, value] of Object.entries(event.headers ?? {})) {
        if (key.toLowerCase() === wanted && value !== undefined) return value;
    }
    return undefined;
}

/** Reads the JSON body: size first (413), then syntax (400), so nothing large is ever parsed. */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
    if (event.body === null || event.body === undefined || event.body === "") {
        throw badRequest("missing_body", "The request needs a JSON body.");
    }
    const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
    if (raw.byteLength > MAX_BODY_BYTES) {
        throw new AppError(413, "payload_too_large", `The body is ${raw.byteLength} bytes; at most ${MAX_BODY_BYTES} are accepted.`, { limit: MAX_BODY_BYTES });
    }
    const contentType = header(event, "content-type");
    if (contentType !== undefined && !/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
        throw badRequest("unsupported_content_type", "The body must be application/json.", { contentType });
    }
    try {
        return JSON.parse(raw.toString("utf8"));
    } catch {
        throw badRequest("invalid_json", "The body is not valid JSON.");
    }
}

/**
 * Query parameters as single values. A repeated parameter or one the route does not know is an error,
 * not something silently ignored, so typos in a client surface at once.
 */
export function query(event: APIGatewayProxyEvent, allowed: readonly string[]): Record<string, string> {
    const multi = event.multiValueQueryStringParameters ?? {};
    const single = event.queryStringParameters ?? {};
    const names = new Set([...Object.keys(multi), ...Object.keys(single)]);
    const out: Record<string, string> = {};
    for (const name of names) {
        if (!allowed.includes(name)) throw badRequest("unknown_parameter", `Unknown query parameter "${name}".`, { parameter: name, allowed });
        const values = multi[name] ?? (single[name] !== undefined ? [single[name]] : []);
        if (values.length > 1) throw badRequest("repeated_parameter", `Query parameter "${name}" is given more than once.`, { parameter: name });
        const value = values[0];
        if (value !== undefined) out[name] = value;
    }
    return out;
}
