import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { AppError, badRequest } from "../shared/errors";
import { jsonTextProblem } from "./json-text";

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

/**
 * Headers that mean one thing only once: the ones this API reads, and Authorization, which API Gateway's
 * authorizer reads. They are refused when ambiguous on every route, read or not. Other headers may
 * legitimately repeat (RFC 9110 list fields such as Accept or Via, cookies split by HTTP/2, what
 * CloudFront and API Gateway add), so they are judged only if a route reads them through `header`.
 */
const SINGLE_VALUED_HEADERS = ["authorization", "content-type", "idempotency-key"] as const;

interface HeaderField {
    /** The spellings the client used, so the error names the header as it was sent. */
    names: string[];
    /** Each distinct value by its comparison form, with the first spelling of it that was sent. */
    values: Map<string, string>;
}

const kindOf = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

function invalidHeader(name: string, value: unknown): AppError {
    return badRequest("invalid_header", `Header "${name}" must be a string, not ${kindOf(value)}.`, { header: name, allowed: ["string"] });
}

/**
 * Content-Type is not a list field, so a comma outside a quoted parameter value joins two media types
 * (a proxy folding two header lines): "application/json; charset=utf-8, text/html" would otherwise pass
 * as JSON. A value with no media type at all is kept as "", so it still reaches the 400 it got before.
 */
function contentTypeMembers(value: string): string[] {
    const members: string[] = [];
    let current = "";
    let quoted = false;
    for (let i = 0; i < value.length; i++) {
        const c = value[i]!;
        if (quoted && c === "\\") {
            current += c + (value[i + 1] ?? "");
            i++;
            continue;
        }
        if (c === '"') quoted = !quoted;
        if (c === "," && !quoted) {
            members.push(current);
            current = "";
        } else {
            current += c;
        }
    }
    members.push(current);
    // An empty member (a trailing comma) names nothing: RFC 9110 list syntax skips it as well.
    const named = members.map((m) => m.trim()).filter((m) => m !== "");
    return named.length > 0 ? named : [""];
}

/** Media types compare case-insensitively and without the optional spaces around ";" and "=". Split, not a regex: linear on any input. */
const contentTypeKey = (member: string): string =>
    member
        .toLowerCase()
        .split(";")
        .map((part) =>
            part
                .split("=")
                .map((s) => s.trim())
                .join("="),
        )
        .join(";");

/**
 * A REST (v1) proxy event carries headers twice: `headers` (API Gateway keeps the last value of each)
 * and `multiValueHeaders` (every value). Both are folded here, by case-insensitive name, so a second
 * value hidden in either place, or behind another casing, is seen instead of one of them silently winning.
 */
function headerFields(event: APIGatewayProxyEvent): Map<string, HeaderField> {
    const fields = new Map<string, HeaderField>();
    const add = (name: string, value: unknown): void => {
        if (value === undefined || value === null) return;
        if (typeof value !== "string") throw invalidHeader(name, value);
        const key = name.toLowerCase();
        let field = fields.get(key);
        if (!field) fields.set(key, (field = { names: [], values: new Map() }));
        if (!field.names.includes(name)) field.names.push(name);
        // Other values compare exactly: an Idempotency-Key or a token differing in case is another one.
        for (const member of key === "content-type" ? contentTypeMembers(value) : [value]) {
            const comparable = key === "content-type" ? contentTypeKey(member) : member;
            if (!field.values.has(comparable)) field.values.set(comparable, member);
        }
    };
    const single: unknown = event.headers;
    const multi: unknown = event.multiValueHeaders;
    if (single !== null && single !== undefined && (typeof single !== "object" || Array.isArray(single))) throw invalidHeader("headers", single);
    if (multi !== null && multi !== undefined && (typeof multi !== "object" || Array.isArray(multi))) throw invalidHeader("multiValueHeaders", multi);
    for (const [name, value] of Object.entries((single ?? {}) as Record<string, unknown>)) add(name, value);
    for (const [name, values] of Object.entries((multi ?? {}) as Record<string, unknown>)) {
        if (values === undefined || values === null) continue;
        if (!Array.isArray(values)) throw invalidHeader(name, values);
        for (const value of values as unknown[]) add(name, value);
    }
    return fields;
}

function onlyValue(fields: Map<string, HeaderField>, wanted: string): string | undefined {
    const field = fields.get(wanted);
    if (!field) return undefined;
    // Equal values repeated say one thing; only different ones leave the reader to pick one.
    if (field.values.size > 1) {
        const shown = field.names[0] ?? wanted;
        throw badRequest("ambiguous_header", `Header "${shown}" has ${field.values.size} different values; send it once, or repeat the same value.`, {
            header: wanted,
            names: field.names,
            values: field.values.size,
        });
    }
    const [value] = field.values.values();
    return value;
}

/**
 * A header's one value, by case-insensitive name (API Gateway keeps the client's casing), from both
 * `headers` and `multiValueHeaders`. Different values are a 400 `ambiguous_header`: only for headers
 * that mean one thing, which are all a route may read through here.
 */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
    return onlyValue(headerFields(event), name.toLowerCase());
}

/**
 * Refuses an event that cannot be read one way only, before any route (and so any dependency) sees
 * it: a body that is not a string (API Gateway never sends one; a test or another trigger might),
 * an `isBase64Encoded` that is not a boolean ("false" is truthy), or an ambiguous single-valued header.
 */
export function checkEvent(event: APIGatewayProxyEvent): void {
    const body: unknown = event.body;
    if (body !== null && body !== undefined && typeof body !== "string") throw invalidBody(body);
    const base64: unknown = event.isBase64Encoded;
    if (base64 !== null && base64 !== undefined && typeof base64 !== "boolean") {
        throw badRequest("invalid_body", `isBase64Encoded must be a boolean, not ${kindOf(base64)}.`, {
            field: "isBase64Encoded",
            type: kindOf(base64),
            allowed: ["boolean"],
        });
    }
    const fields = headerFields(event);
    for (const name of SINGLE_VALUED_HEADERS) onlyValue(fields, name);
}

// Fatal: a replacement character would silently change what the client sent. The BOM is kept, so a
// base64 body that starts with one fails JSON.parse exactly as the same text sent plainly does.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// Buffer's base64 decoder skips characters outside the alphabet, which would drop part of the body.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalidBody(body: unknown): AppError {
    return badRequest("invalid_body", `The body must be a string or null, not ${kindOf(body)}.`, {
        field: "body",
        type: kindOf(body),
        allowed: ["string", "null"],
    });
}

function tooLarge(bytes: number): AppError {
    return new AppError(413, "payload_too_large", `The body is ${bytes} bytes; at most ${MAX_BODY_BYTES} are accepted.`, { limit: MAX_BODY_BYTES });
}

/**
 * The body as text, or undefined when there is none. Size first (413), computed without decoding, so
 * nothing large is ever decoded; then a base64 body must be base64 and its bytes valid UTF-8.
 */
export function bodyText(event: APIGatewayProxyEvent): string | undefined {
    const body: unknown = event.body;
    if (body === null || body === undefined || body === "") return undefined;
    // Also here: a route must not depend on the handler having called checkEvent first.
    if (typeof body !== "string") throw invalidBody(body);
    if (event.isBase64Encoded !== true) {
        const bytes = Buffer.byteLength(body, "utf8");
        if (bytes > MAX_BODY_BYTES) throw tooLarge(bytes);
        return body;
    }
    const bytes = Buffer.byteLength(body, "base64");
    if (bytes > MAX_BODY_BYTES) throw tooLarge(bytes);
    // A length of 4n+1 leaves 6 bits that no byte can hold: the decoder would drop them.
    if (!BASE64.test(body) || body.replace(/=+$/, "").length % 4 === 1) {
        throw badRequest("invalid_base64", "The body is marked base64-encoded but is not base64 (A-Z, a-z, 0-9, '+', '/', '=' padding).", {
            encoding: "base64",
        });
    }
    try {
        return UTF8.decode(Buffer.from(body, "base64"));
    } catch {
        throw badRequest("invalid_utf8", "The base64-encoded body is not valid UTF-8 text.", { encoding: "utf-8" });
    }
}

/**
 * Reads the JSON body: size first (413), then encoding and syntax (400), so nothing large is ever
 * parsed; then what JSON.parse lets through silently: a repeated key (it keeps the last) and a lone
 * surrogate (it has no UTF-8 form, so whatever stores, logs or mails the text replaces it or fails).
 */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
    const text = bodyText(event);
    if (text === undefined) throw badRequest("missing_body", "The request needs a JSON body.");
    const contentType = header(event, "content-type");
    if (contentType !== undefined && !/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
        throw badRequest("unsupported_content_type", "The body must be application/json.", { contentType });
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw badRequest("invalid_json", "The body is not valid JSON.");
    }
    const problem = jsonTextProblem(text);
    if (problem?.kind === "duplicate_key") {
        const where = problem.path === "" ? "the body's top-level object" : `the object at "${problem.path}"`;
        throw badRequest("duplicate_key", `The key "${problem.key}" appears more than once in ${where}; each key may appear once.`, {
            key: problem.key,
            path: problem.path,
        });
    }
    if (problem?.kind === "lone_surrogate") {
        const where = problem.path === "" ? "The body" : `The string at "${problem.path}"`;
        throw badRequest("invalid_unicode", `${where} contains a lone UTF-16 surrogate; strings must be valid Unicode.`, { path: problem.path });
    }
    return value;
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
        const listed = multi[name] ?? [];
        const singleValue = single[name];
        // The two maps disagreeing is two values as well: reading only one of them would drop the other.
        if (listed.length > 1 || (listed.length === 1 && singleValue !== undefined && listed[0] !== singleValue)) {
            throw badRequest("repeated_parameter", `Query parameter "${name}" is given more than once.`, { parameter: name });
        }
        const value = listed[0] ?? singleValue;
        if (value !== undefined) out[name] = value;
    }
    return out;
}
