/**
 * `npm run dev` and `npm run smoke` end to end on loopback: the dev server with its emulators takes
 * an order over HTTP and the real email worker sends the confirmation; the smoke command reads a
 * stand-in stack's outputs (a `pulumi` on PATH), authenticates as the machine client against a
 * stand-in token endpoint, reads through a stand-in authorizer in front of the dev server, and checks
 * the built landing page; it fails, saying why, on the empty bucket's 403 and on what it cannot read.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { startDevServer, type DevServer } from "../../tools/dev/server";
import { buildSite } from "../../tools/site";
import { main as smoke, USAGE, type SmokeSummary } from "../../tools/smoke";
import { EMPTY_BUCKET_403, MACHINE, SECURE_HEADERS, serve, siteFromDir, tokenEndpoint, type Served } from "./helpers/smoke-stand-ins";
import { standInPulumi, withoutPulumi } from "./helpers/stand-in-pulumi";

const REPO = path.resolve(__dirname, "..", "..");

interface Run {
    code: number;
    out: string[];
    err: string[];
}

async function run(argv: string[], io: Parameters<typeof smoke>[1] = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await smoke(argv, { ...io, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
}

describe("dev server and smoke command", function () {
    this.timeout(30_000);
    let dev: DevServer;
    let gateway: Served;
    let token: Served;
    let site: Served;
    const servers: Served[] = [];
    const saved = { log: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };

    /** What `pulumi stack output --json` prints for a deployed stack, pointed at the stand-ins. */
    const stackOutputs = (): Record<string, unknown> => ({
        apiUrl: gateway.url,
        authDomainUrl: token.url,
        userPoolId: "eu-west-1_Abc123",
        userPoolClientIds: { web: "web-client", machine: MACHINE.clientId },
        distributionDomainName: "d111111abcdef8.cloudfront.net",
        kmsKeyArns: "[secret]",
    });

    before(async () => {
        process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
        process.env.POWERTOOLS_METRICS_DISABLED = "true";
        dev = await startDevServer({ log: () => {} });
        // API Gateway's authorizer in front of the dev server: a valid access token becomes the caller
        // (the machine client, with no orders of its own); nobody else gets an identity.
        gateway = await serve(async (req, res, body) => {
            const caller = req.headers.authorization === `Bearer ${MACHINE.token}` ? MACHINE.clientId : undefined;
            gateway.seen.push(`${req.method} ${req.url} as ${caller ?? "anonymous"}`);
            const headers: Record<string, string> = {
                "content-type": req.headers["content-type"] ?? "application/json",
                ...(caller ? { "x-dev-user": caller } : {}),
            };
            const answer = await fetch(`${dev.url}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) });
            res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(await answer.text());
        });
        token = await serve(tokenEndpoint());
        const siteDir = (await buildSite({ outDir: mkdtempSync(path.join(tmpdir(), "smoke-site-")) })).outDir;
        site = await serve(siteFromDir(siteDir));
        servers.push(gateway, token, site);
    });

    after(async () => {
        for (const s of servers) s.server.close();
        await dev.stop();
        if (saved.log === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
        else process.env.POWERTOOLS_LOG_LEVEL = saved.log;
        if (saved.metrics === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
        else process.env.POWERTOOLS_METRICS_DISABLED = saved.metrics;
    });

    it("takes an order over HTTP with a dev identity, and the email worker sends its confirmation", async () => {
        const res = await fetch(`${dev.url}/orders`, {
            method: "POST",
            headers: { "x-dev-user": "alice", "Idempotency-Key": "dev-order-0001", "content-type": "application/json" },
            body: JSON.stringify({ items: [{ sku: "BOOK-1", quantity: 1, unitPrice: 1999 }], currency: "EUR" }),
        });
        assert.equal(res.status, 201);
        const order = (await res.json()) as { id: string };
        const mine = (await (await fetch(`${dev.url}/orders`, { headers: { "x-dev-user": "alice" } })).json()) as { orders: Array<{ id: string }> };
        assert.deepEqual(
            mine.orders.map((o) => o.id),
            [order.id],
        );
        let subjects: string[] = [];
        for (let i = 0; i < 80 && subjects.length === 0; i += 1) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            const store = (await (await fetch(`${dev.sesEndpoint}/store`)).json()) as { emails: Array<{ subject: string; destination: { to: string[] } }> };
            subjects = store.emails.filter((e) => e.destination.to.includes("alice@example.com")).map((e) => e.subject);
        }
        assert.deepEqual(subjects, [`Order ${order.id} confirmed`]);
    });

    it("passes a header sent twice as both values, as API Gateway does, so the function refuses the ambiguous key", async () => {
        const { request } = await import("node:http");
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = request(
                `${dev.url}/orders`,
                {
                    method: "POST",
                    headers: { "x-dev-user": "alice", "content-type": "application/json", "Idempotency-Key": ["dev-order-0002", "dev-order-0003"] },
                },
                (res) => {
                    let body = "";
                    res.on("data", (c: Buffer) => (body += c.toString("utf8")));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
                },
            );
            req.on("error", reject);
            req.end(JSON.stringify({ items: [{ sku: "BOOK-1", quantity: 1, unitPrice: 1999 }], currency: "EUR" }));
        });
        assert.equal(answer.status, 400);
        assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, "ambiguous_header");
    });

    it("with --stack: reads the stack's outputs, gets a token as the machine client, and passes every check", async () => {
        const { env, callsFile } = standInPulumi("acme/platform/dev", stackOutputs(), undefined);
        const res = await run(["--stack", "acme/platform/dev", "--site-url", `${site.url}/`, "--client-secret-env", "SMOKE_SECRET"], {
            env: { ...env, SMOKE_SECRET: MACHINE.clientSecret },
        });
        assert.equal(res.code, 0, [...res.out, ...res.err].join("\n"));
        assert.equal(readFileSync(callsFile, "utf8"), "stack output --json --stack acme/platform/dev\n");
        const text = res.out.join("\n");
        assert.equal(res.out[0], `Smoke checks of the API ${gateway.url} and the site ${site.url}/ (stack acme/platform/dev)`);
        assert.match(text, /PASS {2}GET \/health answers 200 ok: version local/);
        assert.match(text, /PASS {2}GET \/orders\?limit=1 as the machine client answers 200: status 200, 0 order\(s\) \(scope orders\/orders\.read\)/);
        assert.match(text, /PASS {2}site serves the landing page with security headers/);
        assert.equal(res.out.at(-1), "8 passed, 0 failed, 0 skipped");
        assert.ok(
            gateway.seen.some((r) => r.startsWith("GET /orders?limit=1 as machine-client")),
            "the read reached the API as the machine client",
        );
    });

    it("with --stack and no --client-secret-env: reads the secret with Cognito DescribeUserPoolClient in the pool's region", async () => {
        const cognito = mockClient(CognitoIdentityProviderClient);
        try {
            cognito
                .on(DescribeUserPoolClientCommand, { UserPoolId: "eu-west-1_Abc123", ClientId: MACHINE.clientId })
                .resolves({ UserPoolClient: { ClientSecret: MACHINE.clientSecret } });
            const regions: string[] = [];
            const { env } = standInPulumi("dev", stackOutputs());
            const res = await run(["--stack", "dev", "--site-url", `${site.url}/`, "--json"], {
                env,
                cognito: (region) => {
                    regions.push(region);
                    return new CognitoIdentityProviderClient({ region });
                },
            });
            assert.equal(res.code, 0, res.out.join("\n") + res.err.join("\n"));
            assert.deepEqual(regions, ["eu-west-1"]);
            assert.equal(cognito.commandCalls(DescribeUserPoolClientCommand).length, 1);

            cognito.reset();
            cognito
                .on(DescribeUserPoolClientCommand)
                .rejects(Object.assign(new Error("User is not authorized to perform: cognito-idp:DescribeUserPoolClient"), { name: "AccessDeniedException" }));
            const denied = await run(["--stack", "dev"], { env });
            assert.equal(denied.code, 2);
            assert.deepEqual(denied.out, [], "no check ran");
            assert.match(
                denied.err.join("\n"),
                /Cognito DescribeUserPoolClient \(pool eu-west-1_Abc123, machine client machine-client of stack "dev"\) failed: AccessDeniedException: User is not authorized.*--client-secret-env VAR/,
            );
        } finally {
            cognito.restore();
        }
    });

    it("with --stack, checks the site at https://<distributionDomainName>/ unless --site-url is given", async () => {
        const { env } = standInPulumi("dev", { ...stackOutputs(), distributionDomainName: "d111111abcdef8.invalid" });
        const res = await run(["--stack", "dev", "--client-secret-env", "SMOKE_SECRET", "--json", "--timeout-ms", "3000"], {
            env: { ...env, SMOKE_SECRET: MACHINE.clientSecret },
        });
        assert.equal(res.code, 1);
        const summary = JSON.parse(res.out.join("\n")) as SmokeSummary;
        assert.equal(summary.siteUrl, "https://d111111abcdef8.invalid/");
        const landing = summary.checks.find((c) => c.name.startsWith("site serves"))!;
        assert.match(landing.detail, /^GET https:\/\/d111111abcdef8\.invalid\/: DNS lookup failed \((ENOTFOUND|EAI_AGAIN) d111111abcdef8\.invalid\)$/);
    });

    it("fails the site check on the empty bucket's 403 even with every security header (the old check passed it)", async () => {
        const empty = await serve((_req, res) => res.writeHead(403, { "content-type": "application/xml", ...SECURE_HEADERS }).end(EMPTY_BUCKET_403));
        servers.push(empty);
        const res = await run(["--url", gateway.url, "--site-url", `${empty.url}/`]);
        assert.equal(res.code, 1);
        assert.match(res.out.join("\n"), /FAIL {2}site serves the landing page with security headers: http:\/\/127\.0\.0\.1:\d+\/: status 403: .*AccessDenied/);
    });

    it("with a bare --url: the authenticated read is reported skipped, not passed, and --json prints one object", async () => {
        const res = await run(["--url", gateway.url, "--json"]);
        assert.equal(res.code, 0, res.out.join("\n"));
        assert.equal(res.out.length, 1, "one JSON document, nothing else");
        const summary = JSON.parse(res.out[0]!) as SmokeSummary;
        assert.deepEqual(Object.keys(summary).sort(), ["apiUrl", "checks", "failed", "passed", "skipped"]);
        assert.deepEqual([summary.passed, summary.failed, summary.skipped], [4, 0, 4]);
        const read = summary.checks.find((c) => c.name.startsWith("GET /orders?limit=1"))!;
        assert.deepEqual([read.ok, read.skipped], [false, true]);
        assert.match(read.detail, /no machine client credentials \(a bare --url\)/);
    });

    it("says why it cannot read the stack: a failing `pulumi`, a missing one, a missing output, an unset secret variable", async () => {
        const failing = standInPulumi("dev", {}, "error: no stack named dev found");
        const a = await run(["--stack", "dev"], { env: failing.env });
        assert.equal(a.code, 2);
        assert.equal(a.err.join("\n"), "`pulumi stack output --json --stack dev` failed (exit 255): error: no stack named dev found");

        const b = await run(["--stack", "dev"], { env: withoutPulumi() });
        assert.equal(b.code, 2);
        assert.match(b.err.join("\n"), /^`pulumi stack output --json --stack dev` could not run: no "pulumi" on PATH\./);

        const { userPoolClientIds: _ids, ...partial } = stackOutputs();
        const c = await run(["--stack", "dev"], { env: standInPulumi("dev", partial).env });
        assert.equal(c.code, 2);
        assert.match(c.err.join("\n"), /^Stack "dev" output userPoolClientIds\.machine is missing \(outputs: apiUrl, /);

        const d = await run(["--stack", "dev", "--client-secret-env", "SMOKE_SECRET"], {
            env: { ...standInPulumi("dev", stackOutputs()).env, SMOKE_SECRET: "" },
        });
        assert.equal(d.code, 2);
        assert.match(d.err.join("\n"), /--client-secret-env SMOKE_SECRET: the environment variable SMOKE_SECRET is not set or empty/);
    });

    it("--help prints the usage and exits 0; bad flags exit 2 naming the flag and what is allowed", async () => {
        const help = await run(["--help"]);
        assert.deepEqual([help.code, help.out], [0, [USAGE]]);
        const cases: Array<[string[], RegExp]> = [
            [[], /^Give --stack <name> or --url <api url>/],
            [["--sight-url", "x"], /^Unknown flag --sight-url; allowed: --stack, --url, --site-url, --timeout-ms, --client-secret-env, --json, --help/],
            [["--url", "ftp://x"], /^--url "ftp:\/\/x" is invalid: expected an http\(s\) URL/],
            [["--url", gateway.url, "--timeout-ms", "5s"], /^--timeout-ms "5s" is invalid: expected milliseconds, 100 to 999999/],
            [["--url", gateway.url, "--timeout-ms", "0050"], /^--timeout-ms "0050" is invalid/],
            [["--url", gateway.url, "--stack", "dev"], /^--stack and --url are mutually exclusive/],
            [["--url", gateway.url, "--client-secret-env", "X"], /^--client-secret-env is only allowed with --stack/],
            [["--stack", "dev", "--client-secret-env", "1BAD"], /^--client-secret-env "1BAD" is invalid: expected an environment variable name/],
            [["--stack", "dev;rm -rf /"], /^--stack "dev;rm -rf \/" is invalid: expected a stack name/],
            [["--json=yes", "--url", gateway.url], /^--json takes no value/],
        ];
        for (const [argv, message] of cases) {
            const res = await run(argv);
            assert.equal(res.code, 2, argv.join(" "));
            assert.deepEqual(res.out, [], argv.join(" "));
            assert.match(res.err.join("\n"), message, argv.join(" "));
        }
    });

    it("as a process: exit 0 with only JSON on stdout, 2 on a bad flag", async () => {
        // Asynchronous: the stand-in gateway answers from this process's event loop.
        const cli = (args: string[]) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                execFile(
                    process.execPath,
                    ["-r", "ts-node/register/transpile-only", path.join(REPO, "tools", "smoke.ts"), ...args],
                    { cwd: REPO, encoding: "utf8", timeout: 30_000 },
                    (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
                );
            });
        const [ok, bad] = await Promise.all([cli(["--url", gateway.url, "--json"]), cli(["--bogus"])]);
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal((JSON.parse(ok.stdout) as SmokeSummary).passed, 4);
        assert.equal(bad.status, 2);
        assert.equal(bad.stdout, "");
        assert.match(bad.stderr, /Unknown flag --bogus/);
    });
});
