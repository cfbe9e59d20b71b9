import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
    method: string;
    /** The decoded path, without the query string. */
    path: string;
    /** The query string's parameters (`version`, `version_type`, `refresh`...). */
    query: Record<string, string>;
    headers: IncomingHttpHeaders;
    body: string;
}

/**
 * No OpenSearch emulator is allowed here, so this plays the few document and search endpoints the
 * functions and the reindex command call (`_doc`, `_bulk`, `_search`, and `_search` with `size: 0` as a count), and records each request so specs can check the SigV4 signing for `aoss`.
 *
 * Documents carry a `_version` with OpenSearch's semantics: internal versioning (no `version_type`)
 * counts the writes; `version_type=external` (alias `external_gt`) writes only a `version` strictly
 * greater than the current one and `external_gte` one at least equal, else 409
 * `version_conflict_engine_exception`, atomically per request. One difference, on the strict side:
 * a deleted document's version is forgotten at once, as OpenSearch forgets it after
 * `index.gc_deletes` (60 s by default), so a versioned write after a delete is always taken.
 * `if_seq_no`/`if_primary_term` are not played and answer 400, so no spec relies on them unplayed.
 */
export interface FakeOpenSearch {
    endpoint: string;
    /** Each document's `_source` by id. A document put here directly counts as `_version` 1. */
    docs: Map<string, Record<string, unknown>>;
    /** Each document's `_version` by id, as OpenSearch keeps it. */
    versions: Map<string, number>;
    requests: SeenRequest[];
    /** The next `n` requests get `status` (default 503) with an OpenSearch-style error body that echoes the query. */
    failNext: (n: number, status?: number) => void;
    /** The next `n` requests get no answer at all, until the client gives up (or `stop`). */
    stallNext: (n: number) => void;
    /**
     * When set, every request waits for the promise this returns before it is answered (and before
     * `failNext`/`stallNext` apply): a spec can hold requests and let them through in an order it
     * chooses, for instance through a fast-check scheduler. A rejection answers 500.
     */
    gate: ((request: SeenRequest) => Promise<void>) | undefined;
    stop: () => Promise<void>;
}

type Reply = (status: number, payload: unknown) => void;

const errorBody = (status: number, type: string, reason: string) => ({ error: { root_cause: [{ type, reason }], type, reason }, status });

type VersionType = "internal" | "external" | "external_gte";

/** The version a write may set, or the answer refusing it, with OpenSearch's error types. */
function checkVersion(id: string, query: URLSearchParams, current: number | undefined): { version: number } | { status: number; body: unknown } {
    if (query.has("if_seq_no") || query.has("if_primary_term")) {
        return { status: 400, body: errorBody(400, "illegal_argument_exception", "if_seq_no/if_primary_term are not played by this fake") };
    }
    const named = query.get("version_type") ?? "internal";
    const type: VersionType | undefined =
        named === "internal"
            ? "internal"
            : named === "external" || named === "external_gt"
              ? "external"
              : named === "external_gte"
                ? "external_gte"
                : undefined;
    if (type === undefined) return { status: 400, body: errorBody(400, "illegal_argument_exception", `No version type match [${named}]`) };
    const raw = query.get("version");
    if (type === "internal") {
        if (raw !== null) {
            const reason =
                "Validation Failed: 1: internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead;";
            return { status: 400, body: errorBody(400, "action_request_validation_exception", reason) };
        }
        return { version: (current ?? 0) + 1 };
    }
    const provided = raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
    if (provided === undefined || !Number.isSafeInteger(provided)) {
        const reason = `Validation Failed: 1: illegal version value [${raw ?? "-3"}] for version type [${type.toUpperCase()}];`;
        return { status: 400, body: errorBody(400, "action_request_validation_exception", reason) };
    }
    if (current !== undefined && (type === "external" ? provided <= current : provided < current)) {
        const reason = `[${id}]: version conflict, current version [${current}] is higher${type === "external" ? " or equal to" : " than"} the one provided [${provided}]`;
        return { status: 409, body: errorBody(409, "version_conflict_engine_exception", reason) };
    }
    return { version: provided };
}

export async function startFakeOpenSearch(): Promise<FakeOpenSearch> {
    const docs = new Map<string, Record<string, unknown>>();
    const versions = new Map<string, number>();
    const requests: SeenRequest[] = [];
    let failures = 0;
    let failureStatus = 503;
    let stalls = 0;
    const stalled = new Set<ServerResponse>();
    const versionOf = (id: string): number | undefined => versions.get(id) ?? (docs.has(id) ? 1 : undefined);

    // Synchronous from here to the reply: one request is applied whole before the next, as a shard does per document.
    function answer(seen: SeenRequest, query: URLSearchParams, res: ServerResponse, reply: Reply): void {
        const { path, body } = seen;
        if (stalls > 0) {
            stalls -= 1;
            stalled.add(res);
            return;
        }
        if (failures > 0) {
            failures -= 1;
            // As OpenSearch words a failure: the reason quotes the request, here the query text.
            return reply(failureStatus, {
                error: { type: "injected_exception", root_cause: [{ type: "injected_exception", reason: `injected for ${body}` }] },
                status: failureStatus,
            });
        }
        const doc = /^\/([^/]+)\/_doc\/(.+)$/.exec(path);
        if (doc) {
            const index = doc[1]!;
            const id = doc[2]!;
            const current = versionOf(id);
            if (seen.method === "GET") {
                return current !== undefined
                    ? reply(200, { _index: index, _id: id, _version: current, found: true, _source: docs.get(id) })
                    : reply(404, { _index: index, _id: id, found: false });
            }
            if (seen.method === "PUT" || seen.method === "DELETE") {
                const checked = checkVersion(id, query, current);
                if ("status" in checked) return reply(checked.status, checked.body);
                if (seen.method === "PUT") {
                    docs.set(id, JSON.parse(body) as Record<string, unknown>);
                    versions.set(id, checked.version);
                    return reply(current === undefined ? 201 : 200, {
                        _index: index,
                        _id: id,
                        _version: checked.version,
                        result: current === undefined ? "created" : "updated",
                    });
                }
                if (current === undefined) return reply(404, { _index: index, _id: id, result: "not_found" });
                docs.delete(id);
                versions.delete(id);
                return reply(200, { _index: index, _id: id, _version: checked.version, result: "deleted" });
            }
        }
        const bulk = /^\/([^/]+)\/_bulk$/.exec(path);
        if (bulk && seen.method === "POST") return reply(200, bulkAnswer(bulk[1]!, body));
        if (/^\/[^/]+\/_search$/.test(path) && (JSON.parse(body) as { size?: unknown }).size === 0) {
            // A count (`size: 0`, `track_total_hits`): of every document, or with a `must_not` of `term`s, of the others.
            const query = JSON.parse(body) as { query?: { bool?: { must_not?: Array<{ term: Record<string, unknown> }> } } };
            const excluded = query.query?.bool?.must_not ?? [];
            const value = [...docs.values()].filter((d) => !excluded.some(({ term }) => Object.entries(term).every(([k, v]) => d[k] === v))).length;
            return reply(200, { hits: { total: { value, relation: "eq" }, hits: [] } });
        }
        if (/^\/[^/]+\/_search$/.test(path)) {
            const search = JSON.parse(body) as {
                query: { bool: { filter: Array<{ term: Record<string, string> }>; must: Array<{ multi_match: { query: string } }> } };
            };
            const customer = Object.values(search.query.bool.filter[0]!.term)[0];
            const text = search.query.bool.must[0]!.multi_match.query.toLowerCase();
            const hits = [...docs.values()]
                .filter((d) => d.customerId === customer && JSON.stringify(d).toLowerCase().includes(text))
                .map((d) => ({ _source: d }));
            return reply(200, { hits: { hits } });
        }
        return reply(400, { error: `unsupported ${seen.method} ${path}` });
    }

    /**
     * `POST <index>/_bulk` of `index` actions (NDJSON: an action line, then the document), each applied
     * as the PUT above applies it, with the action's `version`/`version_type`; `errors` says whether any failed.
     */
    function bulkAnswer(index: string, body: string): unknown {
        const lines = body.split("\n").filter((line) => line !== "");
        const items: unknown[] = [];
        for (let i = 0; i < lines.length; i += 2) {
            const action = (JSON.parse(lines[i]!) as { index?: { _id?: string; version?: number; version_type?: string } }).index;
            if (!action?._id || lines[i + 1] === undefined) {
                items.push({ index: { status: 400, error: { type: "action_request_validation_exception", reason: "not an index action with an _id" } } });
                continue;
            }
            const id = action._id;
            const query = new URLSearchParams();
            if (action.version !== undefined) query.set("version", String(action.version));
            if (action.version_type !== undefined) query.set("version_type", action.version_type);
            const current = versionOf(id);
            const checked = checkVersion(id, query, current);
            if ("status" in checked) {
                items.push({ index: { _index: index, _id: id, status: checked.status, error: (checked.body as { error: unknown }).error } });
                continue;
            }
            docs.set(id, JSON.parse(lines[i + 1]!) as Record<string, unknown>);
            versions.set(id, checked.version);
            items.push({ index: { _index: index, _id: id, _version: checked.version, status: current === undefined ? 201 : 200 } });
        }
        return { took: 1, errors: items.some((item) => (item as { index: { status: number } }).index.status >= 300), items };
    }

    let gate: FakeOpenSearch["gate"];
    const server: Server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString("utf8")));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://fake.invalid");
            const seen: SeenRequest = {
                method: req.method ?? "",
                path: decodeURIComponent(url.pathname),
                query: Object.fromEntries(url.searchParams),
                headers: req.headers,
                body,
            };
            requests.push(seen);
            const reply: Reply = (status, payload) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
            if (gate === undefined) return answer(seen, url.searchParams, res, reply);
            gate(seen).then(
                () => answer(seen, url.searchParams, res, reply),
                (error: unknown) => reply(500, errorBody(500, "gate_exception", String(error))),
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        docs,
        versions,
        requests,
        failNext: (n, status = 503) => {
            failures = n;
            failureStatus = status;
        },
        stallNext: (n) => (stalls = n),
        get gate() {
            return gate;
        },
        set gate(value) {
            gate = value;
        },
        stop: () => {
            for (const res of stalled) res.destroy();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
