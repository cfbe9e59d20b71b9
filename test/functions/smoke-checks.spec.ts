/**
 * The shared smoke checks (functions/shared/smoke-checks.ts) against stand-ins on loopback: API
 * Gateway with its authorizer, Cognito's token endpoint and CloudFront in front of the built site.
 * Each failure must say what failed underneath, as an operator reading a red pipeline needs it.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
    clientCredentialsToken,
    describeFetchError,
    hasSiteMarker,
    runSmokeChecks,
    SITE_MARKER,
    type CheckResult,
    type SmokeTarget,
} from "../../functions/shared/smoke-checks";
import { buildSite } from "../../tools/site";
import { EMPTY_BUCKET_403, healthyApi, json, MACHINE, SECURE_HEADERS, serve, siteFromDir, tokenEndpoint, type Served } from "./helpers/smoke-stand-ins";

const byName = (results: CheckResult[], prefix: string): CheckResult => {
    const found = results.find((r) => r.name.startsWith(prefix));
    assert.ok(found, `a check named "${prefix}…" in ${results.map((r) => r.name).join(" | ")}`);
    return found;
};

async function closedPort(): Promise<number> {
    const server = createNetServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

describe("smoke checks (shared library)", function () {
    this.timeout(20_000);
    const servers: Served[] = [];
    let siteDir: string;
    let token: Served;
    let api: Served;
    let site: Served;

    const start = async (...args: Parameters<typeof serve>) => {
        const s = await serve(...args);
        servers.push(s);
        return s;
    };
    const target = (over: Partial<SmokeTarget> = {}): SmokeTarget => ({
        apiUrl: api.url,
        siteUrl: `${site.url}/`,
        machine: { tokenUrl: `${token.url}/oauth2/token`, clientId: MACHINE.clientId, clientSecret: MACHINE.clientSecret, scope: "orders/orders.read" },
        timeoutMs: 2000,
        ...over,
    });

    before(async () => {
        siteDir = (await buildSite({ outDir: mkdtempSync(path.join(tmpdir(), "smoke-site-")) })).outDir;
        token = await start(tokenEndpoint());
        api = await start(healthyApi());
        site = await start(siteFromDir(siteDir));
    });

    after(() => {
        for (const s of servers) s.server.close();
    });

    it("passes every check against a healthy stack, with the authenticated read as the machine client", async () => {
        const results = await runSmokeChecks(target());
        assert.deepEqual(
            results.map((r) => [r.name, r.ok, r.skipped ?? false]),
            [
                ["GET /health answers 200 ok", true, false],
                ["GET /orders rejects anonymous callers", true, false],
                ["POST /orders rejects anonymous callers", true, false],
                ["GET /orders/search rejects anonymous callers", true, false],
                ["GET /orders?limit=1 as the machine client answers 200", true, false],
                ["site serves the landing page with security headers", true, false],
                ["site's scripts and stylesheets load", true, false],
                ["site /api/health reaches the API through the edge", true, false],
            ],
            results.map((r) => `${r.name}: ${r.detail}`).join("\n"),
        );
        assert.equal(byName(results, "GET /health").detail, "version 1.4.2");
        assert.match(byName(results, "site's scripts").detail, /^2 asset\(s\): \/assets\/styles-[A-Z0-9]{8}\.css, \/assets\/app-[A-Z0-9]{8}\.js$/);
        assert.ok(api.seen.includes("GET /orders?limit=1"), "the authenticated read asks for one order");
        const details = results.map((r) => r.detail).join("\n");
        assert.ok(!details.includes(MACHINE.clientSecret) && !details.includes(MACHINE.token), "neither the secret nor the token is printed");
    });

    it("fails the site check on the empty bucket's 403, even with every security header", async () => {
        const empty = await start((_req, res) => res.writeHead(403, { "content-type": "application/xml", ...SECURE_HEADERS }).end(EMPTY_BUCKET_403));
        const results = await runSmokeChecks(target({ siteUrl: `${empty.url}/` }));
        const landing = byName(results, "site serves the landing page");
        assert.equal(landing.ok, false);
        assert.match(landing.detail, /status 403: <\?xml .*<Code>AccessDenied<\/Code>/);
        assert.deepEqual([byName(results, "site's scripts").skipped, byName(results, "site's scripts").detail], [true, "the landing page check failed"]);
    });

    it("fails the site check on a 200 page that is not the landing page, or carries another marker", async () => {
        const other = await start((req, res) => {
            const marker = req.url === "/other-marker" ? `<meta name="${SITE_MARKER.name}" content="someone-elses-site">` : "";
            res.writeHead(200, { "content-type": "text/html", ...SECURE_HEADERS }).end(
                `<!doctype html><head>${marker}<title>Welcome to nginx</title></head><body>${SITE_MARKER.content}</body>`,
            );
        });
        for (const page of ["/", "/other-marker"]) {
            const landing = byName(await runSmokeChecks(target({ siteUrl: `${other.url}${page}` })), "site serves the landing page");
            assert.equal(landing.ok, false, page);
            assert.match(
                landing.detail,
                /status 200 but not the landing page \(no <meta name="platform-site" content="serverless-platform-landing">\): .*Welcome to nginx/,
            );
        }
    });

    it("names each missing or weakened security header of the landing page", async () => {
        const weak = await start(siteFromDir(siteDir, { ...SECURE_HEADERS, "x-frame-options": "ALLOWALL", "strict-transport-security": "max-age=60" }));
        const landing = byName(await runSmokeChecks(target({ siteUrl: `${weak.url}/` })), "site serves the landing page");
        assert.equal(landing.ok, false);
        assert.match(
            landing.detail,
            /strict-transport-security: "max-age=60" \(expected max-age of at least one year\); x-frame-options: "ALLOWALL" \(expected DENY or SAMEORIGIN\)/,
        );
        const bare = await start(siteFromDir(siteDir, {}));
        assert.match(
            byName(await runSmokeChecks(target({ siteUrl: `${bare.url}/` })), "site serves").detail,
            /strict-transport-security missing; x-content-type-options missing; .*content-security-policy missing/,
        );
    });

    it("fails the assets check naming an asset the bucket does not have (index.html uploaded, assets not)", async () => {
        const partial = await start(async (req, res, body) => {
            if (req.url?.endsWith(".js")) return void res.writeHead(403, SECURE_HEADERS).end(EMPTY_BUCKET_403);
            return siteFromDir(siteDir)(req, res, body);
        });
        const results = await runSmokeChecks(target({ siteUrl: `${partial.url}/` }));
        assert.equal(byName(results, "site serves the landing page").ok, true);
        const assets = byName(results, "site's scripts");
        assert.equal(assets.ok, false);
        assert.match(assets.detail, /\/assets\/app-[A-Z0-9]{8}\.js: status 403: .*AccessDenied/);
        assert.doesNotMatch(assets.detail, /styles-/);
    });

    it("says the connection was refused, for every check, when nothing listens", async () => {
        const port = await closedPort();
        const results = await runSmokeChecks({ apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
        const api = results.filter((r) => !r.skipped);
        assert.equal(api.length, 4);
        for (const r of api) {
            assert.equal(r.ok, false);
            assert.match(
                r.detail,
                new RegExp(`^(GET|POST) http://127\\.0\\.0\\.1:${port}/\\S+: connection refused \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`),
            );
        }
    });

    it("says the DNS lookup failed for a host that does not resolve", async () => {
        const results = await runSmokeChecks({ apiUrl: "http://smoke-check.invalid", timeoutMs: 5000 });
        assert.match(byName(results, "GET /health").detail, /: DNS lookup failed \((ENOTFOUND|EAI_AGAIN) smoke-check\.invalid\)$/);
    });

    it("says a request timed out after the given time, and does not wait longer", async () => {
        const silent = await start(() => {
            // never answers
        });
        const started = Date.now();
        const results = await runSmokeChecks({ apiUrl: silent.url, timeoutMs: 150 });
        assert.match(byName(results, "GET /health").detail, /: timed out after 150 ms$/);
        assert.ok(Date.now() - started < 4000, "four requests of 150 ms each");
        silent.server.closeAllConnections();
    });

    it("says TLS failed when the server does not speak it", async () => {
        const plain = new URL(api.url);
        const results = await runSmokeChecks({ apiUrl: `https://127.0.0.1:${plain.port}`, timeoutMs: 2000 });
        assert.match(byName(results, "GET /health").detail, /: TLS: ERR_SSL_WRONG_VERSION_NUMBER/);
    });

    it("reports a 500's status and a truncated body, and a health answer that is not ok", async () => {
        const longBody = JSON.stringify({ error: { code: "internal", message: "x".repeat(600) } });
        const broken = await start(
            healthyApi({
                "GET /health": (_req, res) => res.writeHead(500, { "content-type": "application/json" }).end(longBody),
                "GET /orders": (req, res) => (req.headers.authorization ? json(res, 200, { items: [] }) : json(res, 200, { orders: [] })),
            }),
        );
        const results = await runSmokeChecks(target({ apiUrl: broken.url }));
        const health = byName(results, "GET /health");
        assert.equal(health.ok, false);
        assert.match(health.detail, new RegExp(`^status 500: \\{"error":\\{"code":"internal","message":"x{150,}… \\(${longBody.length} chars\\)$`));
        assert.ok(health.detail.length < 300, "the body is cut");
        assert.match(byName(results, "GET /orders rejects").detail, /^expected 401 or 403, got status 200: \{"orders":\[\]\}$/);
        assert.match(byName(results, "GET /orders?limit=1").detail, /^no "orders" array in the answer: \{"items":\[\]\}$/);

        const degraded = await start(healthyApi({ "GET /health": (_req, res) => json(res, 200, { status: "degraded", version: "1.4.2" }) }));
        assert.match(byName(await runSmokeChecks({ apiUrl: degraded.url }), "GET /health").detail, /^status field is "degraded", expected "ok"/);
        const noVersion = await start(healthyApi({ "GET /health": (_req, res) => json(res, 200, { status: "ok" }) }));
        assert.match(byName(await runSmokeChecks({ apiUrl: noVersion.url }), "GET /health").detail, /^no version in the answer/);
    });

    it("fails the authenticated read, naming the token endpoint's answer, when the secret is refused", async () => {
        const fresh = await start(healthyApi());
        const results = await runSmokeChecks(target({ apiUrl: fresh.url, machine: { ...target().machine!, clientSecret: "wrong" } }));
        const read = byName(results, "GET /orders?limit=1");
        assert.equal(read.ok, false);
        assert.equal(read.detail, `token endpoint ${token.url}/oauth2/token answered status 400: {"error":"invalid_client"}`);
        assert.ok(!fresh.seen.includes("GET /orders?limit=1"), "no read is attempted without a token");
    });

    it("fails the authenticated read when the API refuses the access token (a route without the scope)", async () => {
        const scopeless = await start(healthyApi({ "GET /orders": (_req, res) => json(res, 401, { message: "Unauthorized" }) }));
        const read = byName(await runSmokeChecks(target({ apiUrl: scopeless.url })), "GET /orders?limit=1");
        assert.equal(read.ok, false);
        assert.equal(read.detail, 'with an access token for orders/orders.read: status 401: {"message":"Unauthorized"}');
    });

    it("reports the authenticated read and the site as skipped, not passed, without credentials or a site", async () => {
        const results = await runSmokeChecks({ apiUrl: api.url });
        const skipped = results.filter((r) => r.skipped);
        assert.deepEqual(
            skipped.map((r) => [r.name, r.ok]),
            [
                ["GET /orders?limit=1 as the machine client answers 200", false],
                ["site serves the landing page with security headers", false],
                ["site's scripts and stylesheets load", false],
                ["site /api/health reaches the API through the edge", false],
            ],
        );
        assert.match(skipped[0]!.detail, /no machine client credentials/);
    });

    it("never throws, whatever fetch does", async () => {
        const results = await runSmokeChecks(target(), {
            fetch: () => {
                throw "not even an Error";
            },
        });
        assert.ok(results.length > 0 && results.every((r) => !r.ok));
        assert.match(byName(results, "GET /health").detail, /: not even an Error$/);
    });
});

describe("clientCredentialsToken", () => {
    let token: Served;
    before(async () => {
        token = await serve(tokenEndpoint());
    });
    after(() => token.server.close());
    const creds = () => ({
        tokenUrl: `${token.url}/oauth2/token`,
        clientId: MACHINE.clientId,
        clientSecret: MACHINE.clientSecret,
        scope: "orders/orders.read",
    });

    it("asks for the scope with HTTP Basic client authentication and returns the access token", async () => {
        assert.equal(await clientCredentialsToken(creds()), MACHINE.token);
    });

    it("throws naming the endpoint and its answer: a refused secret, a wrong scope, a 200 without a token, a refused connection", async () => {
        await assert.rejects(clientCredentialsToken({ ...creds(), clientSecret: "nope" }), {
            message: `token endpoint ${token.url}/oauth2/token answered status 400: {"error":"invalid_client"}`,
        });
        await assert.rejects(clientCredentialsToken({ ...creds(), scope: "orders/orders.write" }), /answered status 400: \{"error":"invalid_scope"\}/);
        const empty = await serve((_req, res) => json(res, 200, { token_type: "Bearer" }));
        await assert.rejects(
            clientCredentialsToken({ ...creds(), tokenUrl: `${empty.url}/oauth2/token` }),
            /answered 200 without an access_token \(fields: token_type\)/,
        );
        empty.server.close();
        const port = await closedPort();
        await assert.rejects(
            clientCredentialsToken({ ...creds(), tokenUrl: `http://127.0.0.1:${port}/oauth2/token` }),
            new RegExp(`^Error: token endpoint: POST http://127\\.0\\.0\\.1:${port}/oauth2/token: connection refused`),
        );
    });
});

describe("describeFetchError", () => {
    const fetchFailed = (cause: unknown) => Object.assign(new TypeError("fetch failed"), { cause });
    const sysError = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

    it("reads the cause chain, several addresses included, and names what failed", () => {
        const refused = (address: string) => sysError(`connect ECONNREFUSED ${address}:8080`, { code: "ECONNREFUSED", address, port: 8080 });
        assert.equal(
            describeFetchError(fetchFailed(Object.assign(new AggregateError([refused("::1"), refused("127.0.0.1")]), { code: "ECONNREFUSED" }))),
            "connection refused (ECONNREFUSED ::1:8080); connection refused (ECONNREFUSED 127.0.0.1:8080)",
        );
        assert.equal(
            describeFetchError(fetchFailed(sysError("getaddrinfo ENOTFOUND api.example", { code: "ENOTFOUND", hostname: "api.example" }))),
            "DNS lookup failed (ENOTFOUND api.example)",
        );
        assert.equal(describeFetchError(fetchFailed(sysError("certificate has expired", { code: "CERT_HAS_EXPIRED" }))), "TLS: CERT_HAS_EXPIRED");
        assert.equal(
            describeFetchError(
                fetchFailed(sysError("Hostname/IP does not match", { code: "ERR_TLS_CERT_ALTNAME_INVALID", reason: "Host: a. is not in the cert's altnames" })),
            ),
            "TLS: ERR_TLS_CERT_ALTNAME_INVALID (Host: a. is not in the cert's altnames)",
        );
        assert.equal(describeFetchError(new DOMException("The operation was aborted due to timeout", "TimeoutError"), 2500), "timed out after 2500 ms");
        assert.equal(
            describeFetchError(fetchFailed(sysError("other side closed", { code: "UND_ERR_SOCKET" }))),
            "connection closed by the server (other side closed)",
        );
        assert.equal(describeFetchError(fetchFailed(new Error("bad port"))), "port blocked by fetch (bad port)");
        assert.equal(describeFetchError(fetchFailed(new Error("something new"))), "something new");
        assert.equal(describeFetchError(new TypeError("fetch failed")), "request failed for an unknown reason");
    });

    it("survives a cause cycle", () => {
        const a: { message: string; cause?: unknown } = { message: "a" };
        a.cause = { message: "b", cause: a };
        assert.equal(describeFetchError(a), "b");
    });
});

describe("hasSiteMarker", () => {
    it("finds the marker meta tag whatever the attribute order or quoting, and nothing else", () => {
        const { name, content } = SITE_MARKER;
        assert.equal(hasSiteMarker(`<meta name="${name}" content="${content}">`), true);
        assert.equal(hasSiteMarker(`<META content='${content}' name='${name}' />`), true);
        assert.equal(hasSiteMarker(`<meta name=${name} content=${content}>`), true);
        assert.equal(hasSiteMarker(`<p>${name} ${content}</p>`), false);
        assert.equal(hasSiteMarker(`<meta name="${name}" content="${content}-v0">`), false);
        assert.equal(hasSiteMarker(`<meta name="description" content="${content}">`), false);
    });
});
