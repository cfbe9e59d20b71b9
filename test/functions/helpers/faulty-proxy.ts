import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Sits in front of an emulator and answers the next N requests with an AWS-style 503, then forwards again. */
export async function startFaultyProxy(target: string): Promise<{ endpoint: string; failNext: (n: number) => void; stop: () => Promise<void> }> {
    const upstream = new URL(target);
    let failures = 0;
    const server: Server = createServer((req, res) => {
        if (failures > 0) {
            failures -= 1;
            req.resume();
            res.writeHead(503, { "content-type": "application/json", "x-amzn-errortype": "ServiceUnavailable" }).end(
                JSON.stringify({ message: "injected outage" }),
            );
            return;
        }
        const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
        });
        req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        failNext: (n) => (failures = n),
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
