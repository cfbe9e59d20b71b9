import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

export interface Served {
    url: string;
    server: Server;
    /** Requests seen, as "METHOD /path?query". */
    seen: string[];
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => unknown;

/** An HTTP server on 127.0.0.1 and a free port. */
export async function serve(handler: Handler): Promise<Served> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            seen.push(`${req.method} ${req.url}`);
            void Promise.resolve(handler(req, res, Buffer.concat(chunks).toString("utf8"))).catch((error: unknown) => res.writeHead(599).end(String(error)));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** What CloudFront's response headers policy adds (components/edge.ts). */
export const SECURE_HEADERS: Readonly<Record<string, string>> = {
    "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": "default-src 'self'; script-src 'self'",
};

export const MACHINE = { clientId: "machine-client", clientSecret: "s3cret-value", token: "access-token-1" } as const;

/**
 * Cognito's /oauth2/token for the client-credentials grant: the right Basic credentials and scope get
 * an access token, anything else the error Cognito answers.
 */
export function tokenEndpoint(): Handler {
    return (req, res, body) => {
        if (req.method !== "POST" || req.url !== "/oauth2/token") return json(res, 404, { error: "not_found" });
        const expected = `Basic ${Buffer.from(`${MACHINE.clientId}:${MACHINE.clientSecret}`).toString("base64")}`;
        if (req.headers.authorization !== expected) return json(res, 400, { error: "invalid_client" });
        const form = new URLSearchParams(body);
        if (form.get("grant_type") !== "client_credentials") return json(res, 400, { error: "unsupported_grant_type" });
        if (form.get("scope") !== "orders/orders.read") return json(res, 400, { error: "invalid_scope" });
        return json(res, 200, { access_token: MACHINE.token, expires_in: 3600, token_type: "Bearer" });
    };
}

/** API Gateway with its Cognito authorizer in front of healthy routes; `overrides` replace a route's answer. */
export function healthyApi(overrides: Record<string, Handler> = {}): Handler {
    return (req, res, body) => {
        const route = `${req.method} ${(req.url ?? "").split("?")[0]}`;
        const override = overrides[route];
        if (override) return override(req, res, body);
        if (route === "GET /health") return json(res, 200, { status: "ok", version: "1.4.2", checks: { dynamodb: "ok" } });
        if (req.headers.authorization === `Bearer ${MACHINE.token}` && route === "GET /orders") return json(res, 200, { orders: [] });
        return json(res, 401, { message: "Unauthorized" });
    };
}

/** CloudFront in front of a site bucket holding `dir` (a built site), with `/api/*` to the API. */
export function siteFromDir(dir: string, headers: Record<string, string> = SECURE_HEADERS): Handler {
    return async (req, res) => {
        const pathname = (req.url ?? "/").split("?")[0]!;
        if (pathname === "/api/health") return json(res, 200, { status: "ok", version: "1.4.2" }, headers);
        const key = pathname === "/" ? "index.html" : pathname.slice(1);
        const type = key.endsWith(".html") ? "text/html" : key.endsWith(".css") ? "text/css" : "text/javascript";
        try {
            const content = await readFile(path.join(dir, key));
            res.writeHead(200, { "content-type": type, ...headers }).end(content);
        } catch {
            // An OAC origin without s3:ListBucket: a missing object is AccessDenied.
            res.writeHead(403, { "content-type": "application/xml", ...headers }).end(EMPTY_BUCKET_403);
        }
    };
}

export const EMPTY_BUCKET_403 = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
