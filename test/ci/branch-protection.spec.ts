/**
 * `npm run branch-protection` against a stand-in of the Bitbucket Cloud REST API 2.0 on loopback
 * (node:http on 127.0.0.1, BITBUCKET_API_URL pointed at it) that keeps branch restrictions and default
 * reviewers as Bitbucket does, pages its lists, and records every request: what a first run creates,
 * that a second changes nothing and says so, updates of what differs, a dry run that writes nothing,
 * authentication, API failures and bad flags.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { main, COMMAND } from "../../tools/branch-protection/cli";
import { planRestrictions, planReviewers, rulesFor, type Restriction, type Reviewer } from "../../tools/branch-protection/plan";

interface Request {
    method: string;
    path: string;
    authorization?: string;
    body?: unknown;
}

/** The repository acme/platform: its restrictions and default reviewers, pages of PAGELEN items. */
class StandInBitbucket {
    readonly requests: Request[] = [];
    restrictions: Restriction[] = [];
    reviewers: Reviewer[] = [];
    users: Reviewer[] = [
        { uuid: "{11111111-1111-4111-8111-111111111111}", account_id: "557058:aaaa", nickname: "lead", display_name: "Team Lead" },
        { uuid: "{22222222-2222-4222-8222-222222222222}", account_id: "557058:bbbb", nickname: "sre", display_name: "On-call SRE" },
    ];
    /** Answer every request with this status and error instead (403, say). */
    failWith: number | undefined;
    /** A `next` link that leaves the API's origin. */
    foreignNext = false;
    private nextId = 100;
    private server!: http.Server;
    url = "";
    static readonly PAGELEN = 2;

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => {
            let raw = "";
            req.on("data", (c: Buffer) => (raw += c.toString()));
            req.on("end", () => this.answer(req, raw, res));
        });
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/2.0`;
    }

    stop(): void {
        this.server.close();
    }

    private answer(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://stand-in");
        const body = raw ? (JSON.parse(raw) as unknown) : undefined;
        this.requests.push({ method: req.method ?? "", path: url.pathname + url.search, authorization: req.headers.authorization, ...(raw ? { body } : {}) });
        const send = (status: number, json?: unknown): void => {
            res.writeHead(status, { "content-type": "application/json" }).end(json === undefined ? "" : JSON.stringify(json));
        };
        if (this.failWith)
            return send(this.failWith, {
                type: "error",
                error: { message: "Your credentials lack one or more required privilege scopes.", detail: "repository:admin" },
            });
        const base = "/2.0/repositories/acme/platform";
        const page = <T>(all: T[]) => {
            const n = Number(url.searchParams.get("page") ?? "1");
            const values = all.slice((n - 1) * StandInBitbucket.PAGELEN, n * StandInBitbucket.PAGELEN);
            const more = n * StandInBitbucket.PAGELEN < all.length;
            const next = new URL(`${this.url.replace(/\/2\.0$/, "")}${url.pathname}${url.search}`);
            next.searchParams.set("page", String(n + 1));
            return {
                pagelen: StandInBitbucket.PAGELEN,
                page: n,
                size: all.length,
                values,
                ...(more ? { next: this.foreignNext ? "https://elsewhere.example.com/2.0/x" : next.toString() } : {}),
            };
        };
        if (!url.pathname.startsWith(base)) return send(404, { type: "error", error: { message: "Repository not found" } });
        const rest = url.pathname.slice(base.length);
        if (req.method === "GET" && rest === "/branch-restrictions") {
            const pattern = url.searchParams.get("pattern");
            return send(200, page(this.restrictions.filter((r) => pattern === null || r.pattern === pattern)));
        }
        if (req.method === "POST" && rest === "/branch-restrictions") {
            const created = { ...(body as Restriction), id: this.nextId++ };
            this.restrictions.push(created);
            return send(201, created);
        }
        const id = /^\/branch-restrictions\/(\d+)$/.exec(rest)?.[1];
        if (req.method === "PUT" && id) {
            const at = this.restrictions.findIndex((r) => r.id === Number(id));
            if (at < 0) return send(404, { type: "error", error: { message: "No such restriction" } });
            this.restrictions[at] = { ...(body as Restriction), id: Number(id) };
            return send(200, this.restrictions[at]);
        }
        if (req.method === "GET" && rest === "/default-reviewers") return send(200, page(this.reviewers));
        const target = /^\/default-reviewers\/(.+)$/.exec(rest)?.[1];
        if (req.method === "PUT" && target) {
            const who = decodeURIComponent(target);
            const user = this.users.find((u) => u.uuid === who || u.account_id === who);
            if (!user) return send(404, { type: "error", error: { message: `${who} is not a user` } });
            if (!this.reviewers.includes(user)) this.reviewers.push(user);
            return send(200, user);
        }
        send(404, { type: "error", error: { message: `no route ${req.method} ${rest}` } });
    }
}

const LEAD = "{11111111-1111-4111-8111-111111111111}";
const SRE = "557058:bbbb";

describe("npm run branch-protection", () => {
    let api: StandInBitbucket;
    beforeEach(async () => {
        api = new StandInBitbucket();
        await api.start();
    });
    afterEach(() => api.stop());

    const run = async (argv: string[], env: NodeJS.ProcessEnv = { BITBUCKET_TOKEN: "bb-token" }) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await main(argv, { env: { BITBUCKET_API_URL: api.url, ...env }, out: (l) => out.push(l), err: (l) => err.push(l) });
        return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const writes = () => api.requests.filter((r) => r.method !== "GET");
    const ARGS = ["--workspace", "acme", "--repo", "platform", "--default-reviewer", LEAD, "--default-reviewer", SRE];

    it("a first run creates the restrictions and merge checks, adds the default reviewers and says what it did", async () => {
        const r = await run(ARGS);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(
            writes().map((w) => `${w.method} ${w.path}`),
            [
                ...Array(6).fill("POST /2.0/repositories/acme/platform/branch-restrictions"),
                `PUT /2.0/repositories/acme/platform/default-reviewers/${encodeURIComponent(LEAD)}`,
                "PUT /2.0/repositories/acme/platform/default-reviewers/557058%3Abbbb",
            ],
        );
        assert.deepEqual(
            writes()
                .slice(0, 6)
                .map((w) => w.body),
            [
                { kind: "push", branch_match_kind: "glob", pattern: "main", users: [], groups: [] },
                { kind: "force", branch_match_kind: "glob", pattern: "main", users: [], groups: [] },
                { kind: "delete", branch_match_kind: "glob", pattern: "main", users: [], groups: [] },
                { kind: "require_approvals_to_merge", branch_match_kind: "glob", pattern: "main", value: 1, users: [], groups: [] },
                { kind: "require_passing_builds_to_merge", branch_match_kind: "glob", pattern: "main", value: 1, users: [], groups: [] },
                { kind: "require_default_reviewer_approvals_to_merge", branch_match_kind: "glob", pattern: "main", value: 1, users: [], groups: [] },
            ],
        );
        assert.ok(api.requests.every((q) => q.authorization === "Bearer bb-token"));
        assert.match(r.out, /^ {2}create +push: nobody pushes to main directly: changes arrive through pull requests$/m);
        assert.match(r.out, /^ {2}add +default reviewer 557058:bbbb$/m);
        assert.match(r.out, /^8 changes applied\.$/m);
    });

    it("a second run changes nothing and says so", async () => {
        assert.equal((await run(ARGS)).code, 0);
        api.requests.length = 0;
        const r = await run(ARGS);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(writes(), [], "no write");
        assert.match(r.out, /^Nothing to change: the branch is protected as planned\.$/m);
        assert.equal(r.out.match(/^ {2}ok /gm)?.length, 8);
    });

    it("updates only what differs, leaving other branches' and other kinds' restrictions alone", async () => {
        api.restrictions = [
            { id: 1, kind: "push", branch_match_kind: "glob", pattern: "main", users: [{ display_name: "Release Bot" }], groups: [] },
            { id: 2, kind: "require_approvals_to_merge", branch_match_kind: "glob", pattern: "main", value: 0, users: [], groups: [] },
            { id: 3, kind: "force", branch_match_kind: "glob", pattern: "main", users: [], groups: [] },
            { id: 4, kind: "push", branch_match_kind: "glob", pattern: "develop", users: [], groups: [] },
            { id: 5, kind: "require_tasks_to_be_completed", branch_match_kind: "glob", pattern: "main", users: [], groups: [] },
        ];
        const r = await run(["--workspace", "acme", "--repo", "platform", "--approvals", "2"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(
            writes().map((w) => `${w.method} ${w.path} ${(w.body as { kind: string }).kind}`),
            [
                "PUT /2.0/repositories/acme/platform/branch-restrictions/1 push",
                "POST /2.0/repositories/acme/platform/branch-restrictions delete",
                "PUT /2.0/repositories/acme/platform/branch-restrictions/2 require_approvals_to_merge",
                "POST /2.0/repositories/acme/platform/branch-restrictions require_passing_builds_to_merge",
            ],
        );
        assert.match(r.out, /update +push: .* \(now exempting Release Bot\)$/m);
        assert.match(r.out, /update +require_approvals_to_merge: a pull request needs 2 approvals to merge \(now value 0\)$/m);
        assert.match(r.out, /ok +force: no force pushes/m);
        assert.deepEqual(
            api.restrictions.find((x) => x.id === 4),
            { id: 4, kind: "push", branch_match_kind: "glob", pattern: "develop", users: [], groups: [] },
        );
        assert.ok(
            api.restrictions.some((x) => x.id === 5),
            "a kind it does not manage stays",
        );
        assert.ok(!writes().some((w) => w.path.includes("default-reviewers")), "no default reviewers asked for: none read or written");
    });

    it("--dry-run prints the plan and writes nothing", async () => {
        const r = await run([...ARGS, "--dry-run"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(writes(), []);
        assert.match(r.out, /\(dry run: nothing is changed\):/);
        assert.match(r.out, /^ {2}would create +force: /m);
        assert.match(r.out, /^ {2}would add +default reviewer /m);
        assert.match(r.out, /^8 changes planned; none applied \(dry run\)\.$/m);
        assert.deepEqual(api.restrictions, []);
    });

    it("reads every page of a list, and never follows a next link off the API's origin", async () => {
        api.restrictions = rulesFor({ branch: "main", approvals: 1, defaultReviewers: [] }).map((rule, i) => ({
            id: i + 1,
            kind: rule.kind,
            branch_match_kind: "glob",
            pattern: "main",
            ...(rule.value !== undefined ? { value: rule.value } : {}),
            users: [],
            groups: [],
        }));
        const r = await run(["--workspace", "acme", "--repo", "platform"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(writes(), [], "all five found across three pages");
        assert.equal(api.requests.filter((q) => q.path.includes("branch-restrictions")).length, 3);
        api.foreignNext = true;
        api.requests.length = 0;
        const foreign = await run(["--workspace", "acme", "--repo", "platform"]);
        assert.equal(foreign.code, 1);
        assert.match(foreign.err, /the next page is on another origin \(https:\/\/elsewhere\.example\.com\/2\.0\/x\); not followed/);
        assert.equal(api.requests.length, 1);
    });

    it("authenticates with an app password too, and refuses to start without credentials, naming what to set", async () => {
        const basic = await run(["--workspace", "acme", "--repo", "platform", "--dry-run"], { BITBUCKET_USERNAME: "ci-bot", BITBUCKET_APP_PASSWORD: "app-pw" });
        assert.equal(basic.code, 0, basic.err);
        assert.equal(api.requests[0]?.authorization, `Basic ${Buffer.from("ci-bot:app-pw").toString("base64")}`);
        api.requests.length = 0;
        for (const [env, message] of [
            [{}, /^No Bitbucket credentials: set BITBUCKET_TOKEN .* or BITBUCKET_USERNAME and BITBUCKET_APP_PASSWORD/],
            [{ BITBUCKET_USERNAME: "ci-bot" }, /^BITBUCKET_APP_PASSWORD is not set: basic authentication needs both/],
            [{ BITBUCKET_APP_PASSWORD: "app-pw" }, /^BITBUCKET_USERNAME is not set/],
            [
                { BITBUCKET_TOKEN: "t", BITBUCKET_API_URL: "api.bitbucket.org" },
                /^BITBUCKET_API_URL "api\.bitbucket\.org" is invalid: expected an http\(s\) URL/,
            ],
        ] as const) {
            const r = await run(["--workspace", "acme", "--repo", "platform"], env);
            assert.equal(r.code, 2, JSON.stringify(env));
            assert.match(r.err, message);
        }
        assert.deepEqual(api.requests, [], "nothing was sent");
    });

    it("stops at the first failed call, with the status, a hint and the API's message", async () => {
        api.failWith = 403;
        const r = await run(ARGS);
        assert.equal(r.code, 1);
        assert.match(
            r.err,
            /^GET \/repositories\/acme\/platform\/branch-restrictions\?pattern=main&pagelen=100 failed: HTTP 403 \(the credentials lack the repository:admin or pullrequest scope, or the user is not a repository admin\): Your credentials lack one or more required privilege scopes\.: repository:admin$/,
        );
        assert.equal(api.requests.length, 1);
        api.failWith = undefined;
        const missing = await run(["--workspace", "acme", "--repo", "nope"]);
        assert.equal(missing.code, 1);
        assert.match(missing.err, /HTTP 404 \(no such workspace or repository, or the credentials cannot see it\): Repository not found/);
    });

    it("refuses bad flags with exit 2, naming the flag and what is allowed, before any request", async () => {
        for (const [argv, message] of [
            [["--repo", "platform"], /^--workspace is required\./],
            [["--workspace", "acme"], /^--repo is required\./],
            [["--workspace", "acme", "--repo", "platform", "--approvals", "0"], /^--approvals "0" is invalid: expected an integer from 1 to 10 approvals\./],
            [["--workspace", "acme", "--repo", "platform", "--approvals", "two"], /^--approvals "two" is invalid/],
            [
                ["--workspace", "acme", "--repo", "platform", "--default-reviewer", "Team Lead"],
                /^--default-reviewer "Team Lead" is invalid: expected an account \{UUID\} or an account id/,
            ],
            [["--workspace", "acme/platform", "--repo", "x"], /^--workspace "acme\/platform" is invalid/],
            [["--workspace", "acme", "--repo", "platform", "--branch", "-main"], /^--branch needs a value/],
            [
                ["--workspace", "acme", "--repo", "platform", "--force"],
                /^Unknown flag --force; allowed: --workspace, --repo, --branch, --approvals, --default-reviewer, --dry-run, --help\./,
            ],
            [["acme", "platform"], /^Unexpected argument "acme"/],
        ] as const) {
            const r = await run([...argv]);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.err, message, argv.join(" "));
        }
        assert.deepEqual(api.requests, []);
        const help = await run(["--help"]);
        assert.equal(help.code, 0);
        assert.equal(help.out, COMMAND.help);
        assert.match(help.out, /^usage: npm run branch-protection -- --workspace <W> --repo <R>/);
    });

    it("plans: a restriction of another pattern or match kind is not the branch's; a reviewer is known by UUID, account id or nickname", () => {
        const spec = { branch: "main", approvals: 1, defaultReviewers: [] };
        const changes = planRestrictions(spec, [
            { id: 1, kind: "force", branch_match_kind: "branching_model", users: [], groups: [] },
            { id: 2, kind: "delete", branch_match_kind: "glob", pattern: "main*", users: [], groups: [] },
        ]);
        assert.deepEqual(
            changes.map((c) => c.action),
            ["create", "create", "create", "create", "create"],
        );
        assert.deepEqual(
            planReviewers(["{1}", "557058:bbbb", "sre", "someone"], [{ uuid: "{1}" }, { account_id: "557058:bbbb", nickname: "sre" }]).map((c) => c.action),
            ["unchanged", "unchanged", "unchanged", "add"],
        );
    });
});
