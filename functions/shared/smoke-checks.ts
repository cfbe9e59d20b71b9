/*
 * The smoke checks of a deployed stack, shared by `npm run smoke` (operators and CI) and the
 * CodeDeploy AfterAllowTraffic hook (bundled into a Lambda). Only the global fetch, AbortSignal and
 * btoa are used, so the same code runs on Node 22 and 24 here and on the Lambda runtime.
 */

export interface CheckResult {
    name: string;
    ok: boolean;
    detail: string;
    /** Not attempted (nothing to check it with); neither a pass nor a failure. */
    skipped?: boolean;
}

export interface MachineCredentials {
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    scope: string;
}

export interface SmokeTarget {
    apiUrl: string;
    siteUrl?: string;
    machine?: MachineCredentials;
    /** Per request, body included. @default 10000 */
    timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The scope the smoke read asks for: the machine client's read-only scope on the orders resource server. */
export const SMOKE_SCOPE = "orders/orders.read";

/**
 * What identifies the deployed landing page: a `<meta>` tag `site/index.html` carries and the site
 * build refuses to ship without. A 403 from an empty bucket, an S3 error page or another site behind
 * the same headers policy has no such tag.
 */
export const SITE_MARKER = { name: "platform-site", content: "serverless-platform-landing" } as const;

export const SITE_MARKER_TAG = `<meta name="${SITE_MARKER.name}" content="${SITE_MARKER.content}">`;

/** Whether an HTML document carries the marker, whatever the attribute order, quoting or self-closing. */
export function hasSiteMarker(html: string): boolean {
    for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
        const attr = (key: string) =>
            new RegExp(`\\b${key}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>/]+))`, "i")
                .exec(tag)
                ?.slice(1)
                .find((v) => v !== undefined);
        if (attr("name") === SITE_MARKER.name && attr("content") === SITE_MARKER.content) return true;
    }
    return false;
}

/** What the site's CloudFront response headers policy must set (components/edge.ts). */
export const REQUIRED_SITE_HEADERS: ReadonlyArray<{ name: string; valid: (value: string) => boolean; expected: string }> = [
    { name: "strict-transport-security", valid: (v) => Number(/max-age=(\d+)/.exec(v)?.[1] ?? 0) >= 31_536_000, expected: "max-age of at least one year" },
    { name: "x-content-type-options", valid: (v) => v.toLowerCase() === "nosniff", expected: "nosniff" },
    { name: "x-frame-options", valid: (v) => /^(deny|sameorigin)$/i.test(v), expected: "DENY or SAMEORIGIN" },
    { name: "referrer-policy", valid: (v) => v.length > 0 && !/unsafe-url/i.test(v), expected: "a policy other than unsafe-url" },
    { name: "content-security-policy", valid: (v) => v.length > 0, expected: "a content security policy" },
];

const BODY_EXCERPT = 200;

interface ErrorLike {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    address?: unknown;
    port?: unknown;
    hostname?: unknown;
    reason?: unknown;
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;

function describeOne(e: ErrorLike, timeoutMs: number | undefined): string | undefined {
    const code = typeof e.code === "string" ? e.code : undefined;
    const message = typeof e.message === "string" ? e.message.split("\n")[0]!.trim() : "";
    const at = typeof e.address === "string" ? ` ${e.address}${e.port !== undefined ? `:${String(e.port)}` : ""}` : "";
    const host = typeof e.hostname === "string" ? ` ${e.hostname}` : "";
    if (e.name === "TimeoutError") return timeoutMs !== undefined ? `timed out after ${timeoutMs} ms` : "timed out";
    if (e.name === "AbortError") return "aborted";
    switch (code) {
        case "ECONNREFUSED":
            return `connection refused (ECONNREFUSED${at})`;
        case "ENOTFOUND":
            return `DNS lookup failed (ENOTFOUND${host})`;
        case "EAI_AGAIN":
            return `DNS lookup failed, temporarily (EAI_AGAIN${host})`;
        case "ECONNRESET":
            return `connection reset by the server (ECONNRESET${at})`;
        case "UND_ERR_SOCKET":
            return `connection closed by the server (${message || code})`;
        case "ETIMEDOUT":
        case "UND_ERR_CONNECT_TIMEOUT":
            return `connect timed out (${code}${at})`;
        case "UND_ERR_HEADERS_TIMEOUT":
        case "UND_ERR_BODY_TIMEOUT":
            return `timed out waiting for the response (${code})`;
        case "EHOSTUNREACH":
        case "ENETUNREACH":
            return `host unreachable (${code}${at})`;
    }
    if (code && TLS_CODE.test(code)) return `TLS: ${code}${typeof e.reason === "string" ? ` (${e.reason})` : ""}`;
    // undici refuses ports on the WHATWG fetch "bad ports" list (1, 22, 25, ...) before connecting.
    if (message === "bad port") return "port blocked by fetch (bad port)";
    return undefined;
}

/**
 * "connection refused (ECONNREFUSED 127.0.0.1:1)", "DNS lookup failed (ENOTFOUND x)", "TLS: <code>",
 * "timed out after N ms", ... from a fetch error's cause chain. fetch itself only says "fetch failed";
 * what went wrong is in `cause` (and in `errors` when several addresses were tried).
 */
export function describeFetchError(error: unknown, timeoutMs?: number): string {
    const seen = new Set<unknown>();
    let innermost = "";
    const visit = (value: unknown): string[] => {
        if (typeof value !== "object" || value === null || seen.has(value)) return [];
        seen.add(value);
        const e = value as ErrorLike;
        // An AggregateError carries the code of its first attempt; each attempt names its own address.
        const nested = Array.isArray(e.errors) ? e.errors.flatMap(visit) : [];
        if (nested.length > 0) return nested;
        const own = describeOne(e, timeoutMs);
        if (own) return [own];
        if (typeof e.message === "string" && e.message && e.message !== "fetch failed") innermost = e.message.split("\n")[0]!.trim();
        return visit(e.cause);
    };
    const found = [...new Set(visit(error))];
    if (found.length > 0) return found.join("; ");
    if (innermost) return innermost;
    return typeof error === "string" && error ? error : "request failed for an unknown reason";
}

function excerpt(text: string): string {
    const flat = text.replace(/\s+/g, " ").trim();
    if (flat === "") return "(empty body)";
    return flat.length > BODY_EXCERPT ? `${flat.slice(0, BODY_EXCERPT)}… (${flat.length} chars)` : flat;
}

interface Answer {
    status: number;
    headers: Headers;
    body: string;
}

/** One request with its body read under the same deadline; a failure is an Error saying what went wrong underneath. */
async function request(doFetch: typeof fetch, url: string, timeoutMs: number, init: RequestInit = {}): Promise<Answer> {
    try {
        const res = await doFetch(url, { redirect: "manual", ...init, signal: AbortSignal.timeout(timeoutMs) });
        return { status: res.status, headers: res.headers, body: await res.text() };
    } catch (error) {
        throw new Error(`${init.method ?? "GET"} ${url}: ${describeFetchError(error, timeoutMs)}`);
    }
}

function statusProblem(answer: Answer): string {
    const location = answer.headers.get("location");
    return `status ${answer.status}${location ? ` (location ${location})` : ""}: ${excerpt(answer.body)}`;
}

function parseJson(answer: Answer): Record<string, unknown> {
    try {
        const value: unknown = JSON.parse(answer.body);
        if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
        // reported below with the body itself
    }
    throw new Error(`status ${answer.status} but the body is not a JSON object: ${excerpt(answer.body)}`);
}

/** Client-credentials grant against the Cognito domain's /oauth2/token; throws an Error whose message says what failed underneath. */
export async function clientCredentialsToken(creds: MachineCredentials, opts: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // RFC 6749 2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
    const basic = btoa(`${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`);
    let answer: Answer;
    try {
        answer = await request(opts.fetch ?? fetch, creds.tokenUrl, timeoutMs, {
            method: "POST",
            headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body: new URLSearchParams({ grant_type: "client_credentials", scope: creds.scope }).toString(),
        });
    } catch (error) {
        throw new Error(`token endpoint: ${(error as Error).message}`);
    }
    if (answer.status !== 200) throw new Error(`token endpoint ${creds.tokenUrl} answered ${statusProblem(answer)}`);
    let body: Record<string, unknown>;
    try {
        body = parseJson(answer);
    } catch (error) {
        throw new Error(`token endpoint ${creds.tokenUrl}: ${(error as Error).message}`);
    }
    if (typeof body.access_token !== "string" || body.access_token === "") {
        throw new Error(`token endpoint ${creds.tokenUrl} answered 200 without an access_token (fields: ${Object.keys(body).join(", ") || "none"})`);
    }
    return body.access_token;
}

function skipped(name: string, detail: string): CheckResult {
    return { name, ok: false, skipped: true, detail };
}

/** `src` of scripts and `href` of stylesheets the page loads from its own origin. */
function pageAssets(html: string, pageUrl: string): string[] {
    const found: string[] = [];
    for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
        const isLink = /^<link/i.test(tag);
        if (isLink && !/\brel\s*=\s*["']?stylesheet\b/i.test(tag)) continue;
        const ref = new RegExp(`\\b${isLink ? "href" : "src"}\\s*=\\s*["']([^"']+)["']`, "i").exec(tag)?.[1];
        if (!ref) continue;
        const url = new URL(ref, pageUrl);
        if (url.origin === new URL(pageUrl).origin) found.push(url.href);
    }
    return [...new Set(found)];
}

/** Every check, in order; never throws: each failure is a CheckResult with ok false. */
export async function runSmokeChecks(target: SmokeTarget, opts: { fetch?: typeof fetch } = {}): Promise<CheckResult[]> {
    const doFetch = opts.fetch ?? fetch;
    const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const base = target.apiUrl.replace(/\/+$/, "");
    const results: CheckResult[] = [];
    const attempt = async (name: string, check: () => Promise<string>): Promise<boolean> => {
        try {
            results.push({ name, ok: true, detail: await check() });
            return true;
        } catch (error) {
            results.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
            return false;
        }
    };
    const healthOk = async (url: string): Promise<string> => {
        const answer = await request(doFetch, url, timeoutMs);
        if (answer.status !== 200) throw new Error(statusProblem(answer));
        const body = parseJson(answer);
        if (body.status !== "ok") throw new Error(`status field is ${JSON.stringify(body.status)}, expected "ok": ${excerpt(answer.body)}`);
        if (typeof body.version !== "string" || body.version === "") throw new Error(`no version in the answer: ${excerpt(answer.body)}`);
        return `version ${body.version}`;
    };

    await attempt("GET /health answers 200 ok", () => healthOk(`${base}/health`));

    for (const [method, path] of [
        ["GET", "/orders"],
        ["POST", "/orders"],
        ["GET", "/orders/search?q=x"],
    ] as const) {
        await attempt(`${method} ${path.split("?")[0]} rejects anonymous callers`, async () => {
            const answer = await request(
                doFetch,
                `${base}${path}`,
                timeoutMs,
                method === "POST" ? { method, body: "{}", headers: { "content-type": "application/json" } } : { method },
            );
            if (answer.status !== 401 && answer.status !== 403) throw new Error(`expected 401 or 403, got ${statusProblem(answer)}`);
            return `status ${answer.status}`;
        });
    }

    const readName = "GET /orders?limit=1 as the machine client answers 200";
    if (!target.machine) {
        results.push(skipped(readName, "no machine client credentials (a bare --url): the authenticated read was not checked"));
    } else {
        const machine = target.machine;
        await attempt(readName, async () => {
            const token = await clientCredentialsToken(machine, { timeoutMs, fetch: doFetch });
            const answer = await request(doFetch, `${base}/orders?limit=1`, timeoutMs, {
                headers: { authorization: `Bearer ${token}`, accept: "application/json" },
            });
            if (answer.status !== 200) throw new Error(`with an access token for ${machine.scope}: ${statusProblem(answer)}`);
            const body = parseJson(answer);
            if (!Array.isArray(body.orders)) throw new Error(`no "orders" array in the answer: ${excerpt(answer.body)}`);
            return `status 200, ${body.orders.length} order(s) (scope ${machine.scope})`;
        });
    }

    const landingName = "site serves the landing page with security headers";
    const assetsName = "site's scripts and stylesheets load";
    const edgeHealthName = "site /api/health reaches the API through the edge";
    if (!target.siteUrl) {
        const why = "no site URL given: the site was not checked";
        results.push(skipped(landingName, why), skipped(assetsName, why), skipped(edgeHealthName, why));
        return results;
    }
    const siteUrl = target.siteUrl;
    let landingHtml = "";
    const landed = await attempt(landingName, async () => {
        const answer = await request(doFetch, siteUrl, timeoutMs);
        const problems: string[] = [];
        if (answer.status !== 200) problems.push(statusProblem(answer));
        else if (!hasSiteMarker(answer.body)) problems.push(`status 200 but not the landing page (no ${SITE_MARKER_TAG}): ${excerpt(answer.body)}`);
        for (const { name, valid, expected } of REQUIRED_SITE_HEADERS) {
            const value = answer.headers.get(name);
            if (value === null) problems.push(`${name} missing`);
            else if (!valid(value)) problems.push(`${name}: "${value}" (expected ${expected})`);
        }
        if (problems.length > 0) throw new Error(`${siteUrl}: ${problems.join("; ")}`);
        landingHtml = answer.body;
        return `${siteUrl}: marker ${SITE_MARKER.content}; ${REQUIRED_SITE_HEADERS.map((h) => h.name).join(", ")}`;
    });
    if (!landed) {
        results.push(skipped(assetsName, "the landing page check failed"));
    } else {
        await attempt(assetsName, async () => {
            const assets = pageAssets(landingHtml, siteUrl);
            if (assets.length === 0) throw new Error("the landing page references no script or stylesheet of its own");
            const problems: string[] = [];
            for (const asset of assets) {
                try {
                    const answer = await request(doFetch, asset, timeoutMs);
                    if (answer.status !== 200) problems.push(`${asset}: ${statusProblem(answer)}`);
                } catch (error) {
                    problems.push((error as Error).message);
                }
            }
            if (problems.length > 0) throw new Error(problems.join("; "));
            return `${assets.length} asset(s): ${assets.map((a) => new URL(a).pathname).join(", ")}`;
        });
    }
    await attempt(edgeHealthName, () => healthOk(new URL("/api/health", siteUrl).href));
    return results;
}
