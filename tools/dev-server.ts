/**
 * The orders API on this machine, backed by local emulators started by this command.
 *
 *   npm run dev [-- --port 3000] [-- --search-endpoint http://localhost:9200]
 *   curl localhost:3000/health
 *   curl -X POST localhost:3000/orders -H 'x-dev-user: alice' -H 'Idempotency-Key: first-order-1' \
 *        -H 'content-type: application/json' -d '{"items":[{"sku":"BOOK-1","quantity":1,"unitPrice":1999}],"currency":"EUR"}'
 */
import { defineCommand, integer, matching, runProcess } from "./cli";
import { startDevServer } from "./dev/server";

export const COMMAND = defineCommand({
    name: "dev",
    synopsis: "[--port <1-65535>] [--host <address>] [--search-endpoint <url>]",
    summary: "Serves the orders API on this machine, backed by local emulators (DynamoDB, SQS, SES) this command starts; Ctrl-C stops it.",
    flags: {
        port: { type: "string", value: "<1-65535>", description: "the TCP port to listen on", default: "3000", parse: integer(1, 65535, "(a TCP port)") },
        host: {
            type: "string",
            value: "<address>",
            description: "the address to listen on",
            default: "127.0.0.1",
            parse: matching(/^[A-Za-z0-9.:-]+$/, "an address to listen on, such as 127.0.0.1"),
        },
        "search-endpoint": {
            type: "string",
            value: "<url>",
            description: "an OpenSearch endpoint for the search indexer",
            defaultText: "none (GET /orders/search answers 503)",
            parse: matching(/^https?:\/\/\S+$/, "an http(s) URL of an OpenSearch endpoint"),
        },
    },
    epilog: "Exit code: 0 stopped by SIGINT or SIGTERM, 1 the server or an emulator failed to start, 2 bad usage.",
});

async function main(argv: readonly string[]): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        console.log(COMMAND.help);
        return 0;
    }
    const { port, host, "search-endpoint": search } = parsed.values;
    process.env.POWERTOOLS_DEV ??= "true";
    const server = await startDevServer({ port, host, ...(search ? { searchEndpoint: search } : {}) });
    const shutdown = () => {
        void server.stop().then(() => process.exit(0));
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
    // Serving: the server's handles keep the process alive until a signal stops it.
    return 0;
}

if (require.main === module) {
    runProcess("dev", () => main(process.argv.slice(2)), { explained: () => true, exit: "on-failure" });
}
