/**
 * The orders API on this machine, backed by local emulators started by this command.
 *
 *   npm run dev [-- --port 3000] [-- --search-endpoint http://localhost:9200]
 *   curl localhost:3000/health
 *   curl -X POST localhost:3000/orders -H 'x-dev-user: alice' -H 'Idempotency-Key: first-order-1' \
 *        -H 'content-type: application/json' -d '{"items":[{"sku":"BOOK-1","quantity":1,"unitPrice":1999}],"currency":"EUR"}'
 */
import { parseFlags, UsageError, validated } from "./ops/args";
import { startDevServer } from "./dev/server";

const USAGE = "Usage: npm run dev -- [--port <1-65535>] [--host <address>] [--search-endpoint <url>]";

async function main(): Promise<void> {
    const flags = parseFlags(process.argv.slice(2), { port: "value", host: "value", "search-endpoint": "value" }, USAGE);
    const port = Number(
        validated(
            "port",
            (flags.get("port") as string | undefined) ?? "3000",
            /^([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5])$/,
            "a TCP port from 1 to 65535",
        ),
    );
    const host = validated("host", (flags.get("host") as string | undefined) ?? "127.0.0.1", /^[A-Za-z0-9.:-]+$/, "an address to listen on, such as 127.0.0.1");
    const search = flags.get("search-endpoint") as string | undefined;
    if (search) validated("search-endpoint", search, /^https?:\/\/\S+$/, "an http(s) URL of an OpenSearch endpoint");
    process.env.POWERTOOLS_DEV ??= "true";
    const server = await startDevServer({ port, host, ...(search ? { searchEndpoint: search } : {}) });
    const shutdown = () => {
        void server.stop().then(() => process.exit(0));
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
});
