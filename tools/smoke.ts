/**
 * Smoke checks for a deployed (or local) API, for operators and CI after a deploy.
 *
 *   npm run smoke -- --url <api url> [--site-url <url>] [--timeout-ms <ms>]
 *
 * Checks: /health answers 200 with status "ok"; protected routes reject anonymous calls (401/403);
 * the site answers with its security headers. Exit code 0 when all pass, 1 when any fails, 2 on bad usage.
 */
import { parseFlags, UsageError, validated } from "./ops/args";

const USAGE = "Usage: npm run smoke -- --url <api url> [--site-url <url>] [--timeout-ms <ms>]";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** What the site's CloudFront response headers policy must set. */
export const REQUIRED_SITE_HEADERS: Array<{ name: string; valid: (value: string) => boolean; expected: string }> = [
  { name: "strict-transport-security", valid: (v) => /max-age=(\d+)/.test(v) && Number(/max-age=(\d+)/.exec(v)?.[1]) >= 31_536_000, expected: "max-age of at least one year" },
  { name: "x-content-type-options", valid: (v) => v.toLowerCase() === "nosniff", expected: "nosniff" },
  { name: "x-frame-options", valid: (v) => /^(deny|sameorigin)$/i.test(v), expected: "DENY or SAMEORIGIN" },
  { name: "referrer-policy", valid: (v) => v.length > 0 && !/unsafe-url/i.test(v), expected: "a policy other than unsafe-url" },
  { name: "content-security-policy", valid: (v) => v.length > 0, expected: "a content security policy" },
];

async function get(url: string, timeoutMs: number, method = "GET", body?: string): Promise<Response> {
  return fetch(url, { method, signal: AbortSignal.timeout(timeoutMs), redirect: "manual", ...(body ? { body, headers: { "content-type": "application/json" } } : {}) });
}

export async function runSmoke(apiUrl: string, siteUrl: string, timeoutMs = 10_000): Promise<CheckResult[]> {
  const base = apiUrl.replace(/\/+$/, "");
  const results: CheckResult[] = [];
  const attempt = async (name: string, check: () => Promise<string>) => {
    try {
      results.push({ name, ok: true, detail: await check() });
    } catch (error) {
      results.push({ name, ok: false, detail: (error as Error).message });
    }
  };

  await attempt("GET /health answers 200 ok", async () => {
    const res = await get(`${base}/health`, timeoutMs);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { status?: string; version?: string };
    if (body.status !== "ok") throw new Error(`status field is ${JSON.stringify(body.status)}`);
    return `version ${body.version ?? "unknown"}`;
  });

  for (const [method, path] of [
    ["GET", "/orders"],
    ["POST", "/orders"],
    ["GET", "/orders/search?q=x"],
  ] as const) {
    await attempt(`${method} ${path.split("?")[0]} rejects anonymous callers`, async () => {
      const res = await get(`${base}${path}`, timeoutMs, method, method === "POST" ? "{}" : undefined);
      await res.text();
      if (res.status !== 401 && res.status !== 403) throw new Error(`expected 401 or 403, got ${res.status}`);
      return `status ${res.status}`;
    });
  }

  await attempt(`site ${siteUrl} sends security headers`, async () => {
    const res = await get(siteUrl, timeoutMs);
    await res.text();
    const problems = REQUIRED_SITE_HEADERS.flatMap(({ name, valid, expected }) => {
      const value = res.headers.get(name);
      if (value === null) return [`${name} missing`];
      return valid(value) ? [] : [`${name}: "${value}" (expected ${expected})`];
    });
    if (problems.length > 0) throw new Error(problems.join("; "));
    return REQUIRED_SITE_HEADERS.map((h) => h.name).join(", ");
  });
  return results;
}

export async function main(argv: readonly string[], log: (line: string) => void = console.log): Promise<number> {
  const flags = parseFlags(argv, { url: "value", "site-url": "value", "timeout-ms": "value" }, USAGE);
  const url = flags.get("url") as string | undefined;
  if (!url) throw new UsageError(`--url is required. ${USAGE}`);
  validated("url", url, /^https?:\/\/[^\s/]+(\/\S*)?$/, "an http(s) URL such as https://abc.execute-api.us-east-1.amazonaws.com/prod");
  const site = (flags.get("site-url") as string | undefined) ?? new URL(url).origin + "/";
  validated("site-url", site, /^https?:\/\/[^\s/]+(\/\S*)?$/, "an http(s) URL of the site");
  const timeoutMs = Number(validated("timeout-ms", (flags.get("timeout-ms") as string | undefined) ?? "10000", /^\d{3,6}$/, "milliseconds, 100 to 999999"));
  const results = await runSmoke(url, site, timeoutMs);
  for (const r of results) log(`${r.ok ? "PASS" : "FAIL"}  ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(error instanceof UsageError ? 2 : 1);
    });
}
