import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { exitCodeOf } from "../../tools/cli";
import { ACCESS_PATTERNS, DYNAMODB_CALLS, ROUTES, WORKER_ACCESS } from "../../tools/capacity/access-patterns";
import { isBadInput, main, parseGrowth, readMix } from "../../tools/capacity/cli";
import { buildLimits, mixRates, type Mix } from "../../tools/capacity/limits";
import { bindsAt, evaluate, monthReached, type Limit } from "../../tools/capacity/model";
import type { StackView } from "../../tools/capacity/stack";
import { fakeStackView, record } from "./fake-stack-view";

const REPO = path.resolve(__dirname, "..", "..");
const only = (route: (typeof ROUTES)[number]): Mix => Object.fromEntries(ROUTES.map((r) => [r, r === route ? 1 : 0])) as Mix;
const hard = (part: string, base: number, perRps: number, allows: number): Limit => ({
    part,
    unit: "u",
    base,
    perRps,
    allows,
    kind: "hard",
    source: "s",
    basis: "b",
});

describe("capacity arithmetic (tools/capacity/model.ts)", () => {
    it("binds where the need reaches the limit: hand-computed", () => {
        assert.ok(Math.abs(bindsAt({ base: 0, perRps: 0.3, allows: 200 }) - 666.666) < 0.001, "200 concurrent / 0.3 s");
        assert.equal(bindsAt({ base: 1, perRps: 0.01, allows: 10 }), 900, "(10 - 1 OCU floor) / 0.01");
        assert.equal(bindsAt({ base: 10, perRps: 1, allows: 10 }), 0, "already at the limit with no traffic");
        assert.equal(bindsAt({ base: 0, perRps: 0, allows: 10 }), Infinity, "traffic never reaches it");
    });

    it("finds the month a growing rate reaches a limit: hand-computed", () => {
        assert.equal(monthReached(100, 121, 0.1), 2, "100 x 1.1^2 = 121");
        assert.equal(monthReached(100, 120, 0.1), 2);
        assert.equal(monthReached(100, 110.5, 0.1), 2);
        assert.equal(monthReached(100, 110, 0.1), 1);
        assert.equal(monthReached(100, 100, 0.1), 0, "already there");
        assert.equal(monthReached(100, Infinity, 0.1), null);
        assert.equal(monthReached(100, 200, 1), 1, "doubling");
    });

    it("names the hard limit that binds first, and the first soft one apart", () => {
        // a binds at 666.7 (100 x 1.5^5 = 759 is the first month past it), b at 500 (100 x 1.5^4 = 506).
        const r = evaluate(
            [hard("a", 0, 0.3, 200), hard("b", 0, 1, 500), { ...hard("pc", 0, 0.3, 10), kind: "soft" }, { ...hard("waf", 0, 1, 6), kind: "per-ip" }],
            100,
            0.5,
        );
        assert.equal(r.bottleneck?.part, "b");
        assert.equal(r.bottleneck?.bindsAtRps, 500);
        assert.equal(r.firstDegradation?.part, "pc");
        assert.deepEqual(
            r.limits.map((l) => [l.part, Number(l.need.toFixed(6)), l.reachedInMonth]),
            [
                ["a", 30, 5],
                ["b", 100, 4],
                ["pc", 30, 0],
                ["waf", 100, 0],
            ],
        );
    });

    it("always reports the smallest hard limit as the bottleneck (property)", () => {
        const limit = fc.record({
            base: fc.double({ min: 0, max: 50, noNaN: true }),
            perRps: fc.double({ min: 0, max: 5, noNaN: true }),
            allows: fc.double({ min: 0.5, max: 100000, noNaN: true }),
            kind: fc.constantFrom("hard" as const, "soft" as const, "per-ip" as const),
        });
        fc.assert(
            fc.property(fc.array(limit, { minLength: 1, maxLength: 12 }), fc.double({ min: 0.1, max: 10000, noNaN: true }), (specs, rps) => {
                const limits = specs.map((s, i) => ({ ...hard(`l${i}`, s.base, s.perRps, s.allows), kind: s.kind }));
                const r = evaluate(limits, rps);
                const hardOnes = limits.filter((l) => l.kind === "hard").map(bindsAt);
                const smallest = Math.min(...hardOnes);
                if (!Number.isFinite(smallest)) return r.bottleneck === undefined;
                return (
                    r.bottleneck !== undefined &&
                    r.bottleneck.kind === "hard" &&
                    r.bottleneck.bindsAtRps === smallest &&
                    hardOnes.every((b) => b >= r.bottleneck!.bindsAtRps)
                );
            }),
            { numRuns: 300 },
        );
    });
});

describe("the routes' access patterns (tools/capacity/access-patterns.ts)", () => {
    it("adds a request's units, idempotency records and the email it causes: hand-computed for POST /orders", () => {
        const r = mixRates(only("POST /orders"));
        // 1 + 4 + 4 + 2 WRU of the route, 2 of the email worker's ledger, 2 % x 2 of the feedback records.
        assert.equal(r.writeUnits, 11 + 2 + 0.02 * 2);
        assert.equal(r.readUnits, 1, "the email worker's suppression lookup");
        assert.deepEqual([r.publishes, r.emails, r.indexWrites, r.searchQueries], [1, 1, 2, 0]);
        assert.equal(mixRates(only("GET /orders")).readUnits, 5);
        assert.equal(mixRates(only("GET /orders/search")).searchQueries, 1);
    });

    it("names handler files that exist", () => {
        for (const [route, a] of [...Object.entries(ACCESS_PATTERNS), ...Object.entries(WORKER_ACCESS)]) {
            const file = a.handler.split(" ")[0]!;
            assert.ok(fs.existsSync(path.join(REPO, file)), `${route}: ${file}`);
            for (const c of [...a.reads, ...a.writes]) assert.ok(fs.existsSync(path.join(REPO, c.at.split(" ")[0]!)), `${route}: ${c.at}`);
        }
    });

    it("matches every DynamoDB call the handlers make: a changed call fails here until the table is read again", () => {
        const found: Record<string, Record<string, number>> = {};
        const walk = (dir: string): string[] =>
            fs
                .readdirSync(dir, { withFileTypes: true })
                .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
        for (const file of walk(path.join(REPO, "functions"))) {
            const text = fs.readFileSync(file, "utf8");
            const calls = [
                ...text.matchAll(/new ((Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite|TransactGet|TransactWrite|ExecuteStatement)(Item)?Command)\(/g),
                ...text.matchAll(/\b(makeIdempotent)\(/g),
            ];
            for (const m of calls) {
                const rel = path.relative(REPO, file).split(path.sep).join("/");
                (found[rel] ??= {})[m[1]!] = (found[rel]?.[m[1]!] ?? 0) + 1;
            }
        }
        assert.deepEqual(
            found,
            DYNAMODB_CALLS,
            "a handler's DynamoDB calls changed: update ACCESS_PATTERNS and DYNAMODB_CALLS in tools/capacity/access-patterns.ts",
        );
    });
});

/** A preview report with just what buildLimits reads. */
function fakeView(over: { reserved?: Record<string, number>; mappingMax?: number; rate?: number; burst?: number; standby?: boolean } = {}): StackView {
    const reserved = { api: 200, "email-worker": 100, "search-indexer": 100, "ses-feedback": 100, ...over.reserved };
    const resources = [
        ...Object.entries(reserved).map(([fn, n]) =>
            record("aws:lambda/function:Function", `${fn}-function`, { reservedConcurrentExecutions: n, memorySize: 1024 }),
        ),
        record("aws:lambda/eventSourceMapping:EventSourceMapping", "email-worker-messaging-email-source", {
            scalingConfig: { maximumConcurrency: over.mappingMax ?? 99 },
        }),
        record("aws:apigateway/methodSettings:MethodSettings", "gateway-method-settings", {
            settings: { throttlingRateLimit: over.rate ?? 500, throttlingBurstLimit: over.burst ?? 1000 },
        }),
        record("aws:wafv2/webAcl:WebAcl", "api-firewall-acl", { rules: [{ statement: { rateBasedStatement: { limit: 3000, evaluationWindowSec: 300 } } }] }),
        record("aws:opensearch/serverlessCollection:ServerlessCollection", "search-collection", { standbyReplicas: over.standby ? "ENABLED" : "DISABLED" }),
    ];
    return fakeStackView(resources, {
        apiDurationP99Ms: 300,
        emailWorkerDurationP99Ms: 800,
        searchIndexerDurationP99Ms: 500,
        sesFeedbackDurationP99Ms: 200,
        accountConcurrencyQuota: 1000,
        apiGatewayAccountRateQuota: 10000,
        dynamodbTableReadQuota: 40000,
        dynamodbTableWriteQuota: 40000,
        snsPublishQuotaPerSecond: 0,
        sesSendingQuotaPerSecond: 14,
        sesSendingQuotaPer24h: 50000,
        searchMaxSearchOcus: 10,
        searchMaxIndexingOcus: 10,
    });
}

describe("the stack's limits (tools/capacity/limits.ts)", () => {
    it("reads each limit from the preview and config: hand-computed for a POST-only mix", () => {
        const limits = buildLimits(fakeView(), { mix: only("POST /orders"), clients: 10 });
        const by = (part: string) => limits.find((l) => l.part.startsWith(part))!;
        assert.deepEqual([by("Lambda concurrency: api").perRps, by("Lambda concurrency: api").allows], [0.3, 200]);
        assert.deepEqual(
            [by("SQS -> email-worker").perRps, by("SQS -> email-worker").allows],
            [0.8, 99],
            "one email a request x 0.8 s, against the mapping's 99",
        );
        assert.equal(by("WAF rate limit").allows, 10, "3000 per 300 s per IP");
        assert.equal(by("WAF rate limit").kind, "hard", "judged with --clients");
        assert.equal(by("WAF rate limit").perRps, 0.1);
        assert.equal(by("SES 24-hour quota").perRps, 86400);
        assert.equal(by("SNS publishes").allows, 9000, "eu-west-1's default");
        assert.equal(by("OpenSearch search OCUs").base, 0.5);
        assert.equal(buildLimits(fakeView({ standby: true }), { mix: only("POST /orders") }).find((l) => l.part === "OpenSearch search OCUs")!.base, 1);
        const r = evaluate(limits, 1);
        assert.equal(r.bottleneck?.part, "SES 24-hour quota", "50,000 emails a day is 0.58 orders a second sustained");
        assert.ok(Math.abs(r.bottleneck!.bindsAtRps - 50000 / 86400) < 1e-9);
    });

    it("lets the smallest configured limit bind first: a mapping at 5 binds at 5 / 0.8 requests a second", () => {
        const limits = buildLimits(fakeView({ mappingMax: 5 }), { mix: only("POST /orders") }).filter((l) => !l.part.startsWith("SES"));
        assert.equal(evaluate(limits, 1).bottleneck?.part, "SQS -> email-worker (mapping maximum concurrency)");
        assert.equal(evaluate(limits, 1).bottleneck?.bindsAtRps, 6.25);
    });
});

describe("npm run capacity: bad input exits 2 naming the flag, before any preview", () => {
    const neverPreview = () => Promise.reject(new Error("no preview should run for bad input"));
    const run = async (argv: string[]) => {
        const errors: string[] = [];
        const code = await exitCodeOf(
            "capacity",
            () => main(argv, { preview: neverPreview, out: () => undefined }),
            (l) => errors.push(l),
            undefined,
            isBadInput,
        );
        return { code, message: errors.join("\n") };
    };
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capacity-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, body: unknown) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, typeof body === "string" ? body : JSON.stringify(body));
        return f;
    };

    for (const [argv, expected] of [
        [["--rps", "-3"], /--rps needs a value \(N\), not the flag -3/],
        [["--rps=-3"], /--rps "-3" is invalid: expected a number of requests per second above 0/],
        [["--rps", "0"], /--rps "0" is invalid/],
        [["--rps", "fast"], /--rps "fast" is invalid/],
        [["--growth", "ten percent"], /--growth "ten percent" is invalid: expected a monthly growth rate such as "10%\/month"/],
        [["--growth", "10"], /--growth "10" is invalid/],
        [["--duration", "api"], /--duration "api" is invalid: expected FUNCTION=MS with FUNCTION one of api, email-worker/],
        [["--duration", "worker=300"], /--duration "worker=300" is invalid/],
        [["--clients", "0"], /--clients "0" is invalid/],
        [["--stack", "prod", "--bogus"], /Unknown flag --bogus/],
    ] as const) {
        it(`${argv.join(" ")}`, async () => {
            const r = await run([...argv]);
            assert.equal(r.code, 2, r.message);
            assert.match(r.message, expected);
        });
    }

    it("a mix whose shares do not sum to 1", async () => {
        const r = await run(["--mix", file("half.json", { "GET /orders": 0.3, "POST /orders": 0.2 })]);
        assert.equal(r.code, 2);
        assert.match(r.message, /--mix .*half\.json: the shares sum to 0\.5; allowed: shares that sum to 1/);
    });

    it("a mix naming an unknown route", async () => {
        const r = await run(["--mix", file("unknown.json", { "GET /orders": 0.5, "DELETE /orders": 0.5 })]);
        assert.equal(r.code, 2);
        assert.match(r.message, /--mix .*unknown\.json: unknown route "DELETE \/orders"; allowed: "GET \/health", "GET \/orders"/);
    });

    it("a mix that is not JSON, or a share that is not a fraction", async () => {
        assert.match((await run(["--mix", file("bad.json", "{")])).message, /--mix .*bad\.json: not JSON/);
        assert.match(
            (await run(["--mix", file("neg.json", { "GET /orders": 1.5, "POST /orders": -0.5 })])).message,
            /the share of GET \/orders is 1\.5; allowed: a number from 0 to 1/,
        );
        assert.match((await run(["--mix", path.join(dir, "missing.json")])).message, /--mix .*missing\.json: no such file/);
    });

    it("a stack whose config the program would refuse, naming the key", async () => {
        const program = fs.mkdtempSync(path.join(dir, "program-"));
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: platform\nruntime: nodejs\n");
        fs.writeFileSync(
            path.join(program, "Pulumi.bad.yaml"),
            "config:\n  aws:region: eu-west-1\n  platform:environment: dev\n  platform:alertEmails: [a@example.com]\n  platform:emailDomain: example.com\n  platform:emailWorkerReservedConcurrency: 2\n",
        );
        const r = await run(["--cwd", program, "--stack", "bad"]);
        assert.equal(r.code, 2, r.message);
        assert.match(r.message, /platform:emailWorkerReservedConcurrency: the email worker's reserved concurrency 2 is below 3/);
        const none = await run(["--cwd", program, "--stack", "nope"]);
        assert.equal(none.code, 2);
        assert.match(none.message, /--stack nope: no .*Pulumi\.nope\.yaml; allowed: bad/);
    });

    it("--help answers without a preview", async () => {
        const lines: string[] = [];
        assert.equal(await main(["--help"], { preview: neverPreview, out: (t) => lines.push(t) }), 0);
        assert.match(lines.join("\n"), /usage: npm run capacity -- --stack NAME \[--rps N\]/);
    });

    it("the shipped default mix is a valid mix", () => {
        const mix = readMix(path.join(REPO, "tools", "capacity", "default-mix.json"));
        assert.ok(Math.abs(Object.values(mix).reduce((a, b) => a + b, 0) - 1) < 1e-9);
        assert.equal(parseGrowth("2.5%/month"), 0.025);
    });
});
