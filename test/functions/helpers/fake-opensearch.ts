import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
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
export async function startFakeOpenSearch(): Promise<{ endpoint: string; docs: Map<string, Record<string, unknown>>; requests: SeenRequest[]; failNext: (n: number) => void; stop: () => Promise<void> }> {
  const docs = new Map<string, Record<string, unknown>>();
  const requests: SeenRequest[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
      requests.push({ method: req.method ?? "", path, headers: req.headers, body });
      const reply = (status: number, payload: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (failures > 0) {
        failures -= 1;
        return reply(503, { error: "injected" });
      }
      const doc = /^\/([^/]+)\/_doc\/(.+)$/.exec(path);
      if (doc) {
        const id = doc[2]!;
        if (req.method === "GET") return docs.has(id) ? reply(200, { _id: id, found: true, _source: docs.get(id) }) : reply(404, { _id: id, found: false });
        if (req.method === "PUT") {
          docs.set(id, JSON.parse(body) as Record<string, unknown>);
          return reply(201, { _id: id, result: "created" });
        }
        if (req.method === "DELETE") return docs.delete(id) ? reply(200, { result: "deleted" }) : reply(404, { result: "not_found" });
      }
      if (/^\/[^/]+\/_search$/.test(path)) {
        const query = JSON.parse(body) as { query: { bool: { filter: Array<{ term: Record<string, string> }>; must: Array<{ multi_match: { query: string } }> } } };
        const customer = Object.values(query.query.bool.filter[0]!.term)[0];
        const text = query.query.bool.must[0]!.multi_match.query.toLowerCase();
        const hits = [...docs.values()].filter((d) => d.customerId === customer && JSON.stringify(d).toLowerCase().includes(text)).map((d) => ({ _source: d }));
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
    failNext: (n) => (failures = n),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
