/**
 * `npm run dev` and `npm run smoke` end to end on loopback: the dev server with its emulators takes
 * an order over HTTP and the real email worker sends the confirmation; the smoke command passes
 * against it and fails, naming the header, against a site without security headers.
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startDevServer, type DevServer } from "../../tools/dev/server";
import { main as smoke, runSmoke } from "../../tools/smoke";
import { UsageError } from "../../tools/ops/args";

async function staticSite(headers: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html", ...headers }).end("<!doctype html><title>shop</title>"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const SECURE_HEADERS = {
  "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
  "content-security-policy": "default-src 'self'",
};

describe("dev server and smoke command", function () {
  this.timeout(30_000);
  let dev: DevServer;
  const sites: Server[] = [];
  const saved = { log: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };

  before(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    dev = await startDevServer({ log: () => {} });
  });

  after(async () => {
    await dev.stop();
    for (const site of sites) site.close();
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
    assert.deepEqual(mine.orders.map((o) => o.id), [order.id]);
    let subjects: string[] = [];
    for (let i = 0; i < 80 && subjects.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const store = (await (await fetch(`${dev.sesEndpoint}/store`)).json()) as { emails: Array<{ subject: string; destination: { to: string[] } }> };
      subjects = store.emails.filter((e) => e.destination.to.includes("alice@example.com")).map((e) => e.subject);
    }
    assert.deepEqual(subjects, [`Order ${order.id} confirmed`]);
  });

  it("passes the smoke checks against the API and a site with security headers", async () => {
    const site = await staticSite(SECURE_HEADERS);
    sites.push(site.server);
    const lines: string[] = [];
    const code = await smoke(["--url", dev.url, "--site-url", site.url], (line) => lines.push(line));
    assert.equal(code, 0, lines.join("\n"));
    assert.match(lines.join("\n"), /PASS {2}GET \/health answers 200 ok: version local/);
  });

  it("fails, naming the problem, when the site lacks a header or weakens one", async () => {
    const site = await staticSite({ ...SECURE_HEADERS, "x-frame-options": "ALLOWALL", "content-security-policy": "" });
    sites.push(site.server);
    const results = await runSmoke(dev.url, site.url);
    const siteCheck = results.find((r) => r.name.startsWith("site"))!;
    assert.equal(siteCheck.ok, false);
    assert.match(siteCheck.detail, /x-frame-options: "ALLOWALL"/);
    assert.ok(results.filter((r) => r.name !== siteCheck.name).every((r) => r.ok));
  });

  it("rejects a missing or malformed --url", async () => {
    await assert.rejects(smoke([]), (e: Error) => e instanceof UsageError && /--url is required/.test(e.message));
    await assert.rejects(smoke(["--url", "ftp://x"]), /--url "ftp:\/\/x" is invalid: expected an http\(s\) URL/);
  });
});
