import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    body: string;
}

/**
 * No OpenSearch emulator is allowed here, so this plays the few document and search endpoints the
 * functions call, and records each request so specs can check the SigV4 signing for `aoss`.
 */
export interface FakeOpenSearch {
    endpoint: string;
    docs: Map<string, Record<string, unknown>>;
    requests: SeenRequest[];
    /** The next `n` requests get `status` (default 503) with an OpenSearch-style error body that echoes the query. */
    failNext: (n: number, status?: number) => void;
    /** The next `n` requests get no answer at all, until the client gives up (or `stop`). */
    stallNext: (n: number) => void;
    stop: () => Promise<void>;
}

export async function startFakeOpenSearch(): Promise<FakeOpenSearch> {
    const docs = new Map<string, Record<string, unknown>>();
    const requests: SeenRequest[] = [];
    let failures = 0;
    let failureStatus = 503;
    let stalls = 0;
    const stalled = new Set<ServerResponse>();
    const server: Server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString("utf8")));
        req.on("end", () => {
            const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
            requests.push({ method: req.method ?? "", path, headers: req.headers, body });
            const reply = (status: number, payload: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
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
                const id = doc[2]!;
                if (req.method === "GET")
                    return docs.has(id) ? reply(200, { _id: id, found: true, _source: docs.get(id) }) : reply(404, { _id: id, found: false });
                if (req.method === "PUT") {
                    docs.set(id, JSON.parse(body) as Record<string, unknown>);
                    return reply(201, { _id: id, result: "created" });
                }
                if (req.method === "DELETE") return docs.delete(id) ? reply(200, { result: "deleted" }) : reply(404, { result: "not_found" });
            }
            if (/^\/[^/]+\/_search$/.test(path)) {
                const query = JSON.parse(body) as {
                    query: { bool: { filter: Array<{ term: Record<string, string> }>; must: Array<{ multi_match: { query: string } }> } };
                };
                const customer = Object.values(query.query.bool.filter[0]!.term)[0];
                const text = query.query.bool.must[0]!.multi_match.query.toLowerCase();
                const hits = [...docs.values()]
                    .filter((d) => d.customerId === customer && JSON.stringify(d).toLowerCase().includes(text))
                    .map((d) => ({ _source: d }));
                return reply(200, { hits: { hits } });
            }
            return reply(400, { error: `unsupported ${req.method} ${path}` });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        docs,
        requests,
        failNext: (n, status = 503) => {
            failures = n;
            failureStatus = status;
        },
        stallNext: (n) => (stalls = n),
        stop: () => {
            for (const res of stalled) res.destroy();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
