/**
 * GET /orders/search when OpenSearch fails: an outage (timeout, connection failure, 5xx, 429) is a
 * 503 `search_unavailable` with Retry-After, a request OpenSearch refuses (our bug) is a logged 500.
 * First with a stand-in store throwing the OpenSearch client's own errors, then through the real
 * transport against a local server standing in for OpenSearch.
 */
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyResult } from "aws-lambda";
import { ConnectionError, DeserializationError, NoLivingConnectionsError, ResponseError, TimeoutError } from "@opensearch-project/opensearch/lib/errors.js";
import type { ApiResponse } from "@opensearch-project/opensearch/lib/Transport.js";
import { createApiHandler } from "../../functions/api/app";
import type { ApiDeps } from "../../functions/api/deps";
import { SEARCH_RETRY_AFTER_SECONDS } from "../../functions/api/routes/search";
import type { OrderStore } from "../../functions/shared/order-store";
import { OpenSearchStore, type SearchStore } from "../../functions/shared/search-store";
import { CREDENTIALS, REGION } from "./helpers/emulators";
import { startFakeOpenSearch } from "./helpers/fake-opensearch";
import { apiEvent, customer, lambdaContext, quietObservability } from "./helpers/lambda";

/** The customer's search text: it must reach neither the response nor the outage log. */
const QUERY = "private gift for anna";

const response = (statusCode: number): ApiResponse =>
    ({
        statusCode,
        headers: {},
        warnings: null,
        // As OpenSearch words a refusal: the reason quotes the query.
        body: {
            error: { type: "search_phase_execution_exception", root_cause: [{ type: "query_shard_exception", reason: `failed to create query: ${QUERY}` }] },
            status: statusCode,
        },
        meta: {} as ApiResponse["meta"],
    }) as ApiResponse;

function api(search: SearchStore | undefined) {
    const observability = quietObservability();
    const warnings: unknown[][] = [];
    const errors: unknown[][] = [];
    observability.logger.warn = (...args: unknown[]) => void warnings.push(args);
    observability.logger.error = (...args: unknown[]) => void errors.push(args);
    const handler = createApiHandler({
        store: {} as OrderStore,
        publisher: { publish: async () => {} },
        ...(search ? { search } : {}),
        idempotencyStore: {} as ApiDeps["idempotencyStore"],
        observability,
        version: "test",
    });
    const ask = (): Promise<APIGatewayProxyResult> =>
        handler(apiEvent({ method: "GET", path: "/orders/search", query: { q: QUERY }, claims: customer("c-1") }), lambdaContext());
    return { ask, warnings, errors };
}

const failing = (error: unknown): SearchStore => ({
    searchOrders: async () => {
        throw error;
    },
});

const bodyOf = (res: APIGatewayProxyResult) => JSON.parse(res.body) as { error: { code: string; message: string; details: Record<string, unknown> } };

function assertUnavailable(res: APIGatewayProxyResult, label: string): void {
    assert.equal(res.statusCode, 503, label);
    assert.equal(res.headers?.["retry-after"], String(SEARCH_RETRY_AFTER_SECONDS), `${label}: Retry-After`);
    const body = bodyOf(res);
    assert.equal(body.error.code, "search_unavailable", label);
    assert.deepEqual(body.error.details, { retryAfterSeconds: SEARCH_RETRY_AFTER_SECONDS }, label);
    assert.ok(!res.body.includes(QUERY), `${label}: the query is not echoed`);
}

function assertBug(res: APIGatewayProxyResult, label: string): void {
    assert.equal(res.statusCode, 500, label);
    assert.equal(res.headers?.["retry-after"], undefined, `${label}: retrying will not help`);
    assert.equal(bodyOf(res).error.code, "internal_error", label);
    assert.ok(!res.body.includes(QUERY), `${label}: nothing of OpenSearch's message reaches the caller`);
}

describe("search outage", function () {
    this.timeout(30_000);

    describe("with a store that throws the OpenSearch client's errors", () => {
        it("answers 503 search_unavailable with Retry-After for a timeout, a connection failure, no living connection, a 5xx or a 429", async () => {
            const outages: Array<[string, unknown]> = [
                ["timeout", new TimeoutError("Request timed out", response(0))],
                ["connection refused", new ConnectionError("connect ECONNREFUSED 10.0.0.1:443")],
                ["no living connection", new NoLivingConnectionsError("none", response(0))],
                ...[500, 502, 503, 504, 429].map((status): [string, unknown] => [`HTTP ${status}`, new ResponseError(response(status))]),
            ];
            for (const [label, error] of outages) {
                const { ask, warnings, errors } = api(failing(error));
                const res = await ask();
                assertUnavailable(res, label);
                assert.equal(warnings.length, 1, `${label}: the outage is logged`);
                assert.ok(!JSON.stringify(warnings).includes(QUERY), `${label}: the log holds the reason, not OpenSearch's message`);
                assert.match(JSON.stringify(warnings), /TimeoutError|ConnectionError|NoLivingConnectionsError|ResponseError/);
                assert.equal(errors.length, 1, `${label}: and reported as a failed request`);
            }
        });

        it("answers a logged 500 when OpenSearch refuses our own request (a 4xx) or answers garbage", async () => {
            const bugs: Array<[string, unknown]> = [
                ...[400, 401, 403, 404].map((status): [string, unknown] => [`HTTP ${status}`, new ResponseError(response(status))]),
                ["unreadable answer", new DeserializationError("Unexpected token", "<html>")],
                ["a plain bug", new TypeError("Cannot read properties of undefined")],
            ];
            for (const [label, error] of bugs) {
                const { ask, warnings, errors } = api(failing(error));
                const res = await ask();
                assertBug(res, label);
                assert.equal(warnings.length, 0, `${label}: no outage`);
                assert.equal(errors.length, 1, `${label}: logged as an unhandled failure`);
                assert.equal((errors[0]![1] as { error: unknown }).error, error, `${label}: with the error itself`);
            }
        });

        it("gives the unconfigured search the same 503 and Retry-After", async () => {
            const { ask } = api(undefined);
            assertUnavailable(await ask(), "not configured");
        });
    });

    describe("through the transport against a stand-in OpenSearch", () => {
        let search: Awaited<ReturnType<typeof startFakeOpenSearch>>;
        const saved = { ...process.env };

        before(async () => {
            search = await startFakeOpenSearch();
            Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
        });

        afterEach(() => {
            search.failNext(0);
            search.stallNext(0);
        });

        after(async () => {
            for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) if (saved[key] === undefined) delete process.env[key];
            await search.stop();
        });

        const store = (endpoint = search.endpoint) => new OpenSearchStore({ endpoint, index: "orders", region: REGION, requestTimeoutMs: 150 });

        it("answers 503 while the collection answers 503, and 200 once it recovers, with the same store", async () => {
            const { ask } = api(store());
            // Enough for the transport's retries and its pings of a connection it marked dead.
            search.failNext(10, 503);
            assertUnavailable(await ask(), "503 from OpenSearch");
            search.failNext(0);
            assert.equal((await ask()).statusCode, 200, "recovered");
        });

        it("answers 503 when throttled (429), and when requests time out", async () => {
            search.failNext(10, 429);
            assertUnavailable(await api(store()).ask(), "429 from OpenSearch");
            search.failNext(0);
            search.stallNext(10);
            assertUnavailable(await api(store()).ask(), "timeout");
        });

        it("answers 503 when nothing listens at the endpoint", async () => {
            const closed = createServer();
            await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
            const port = (closed.address() as AddressInfo).port;
            await new Promise((resolve) => closed.close(resolve));
            assertUnavailable(await api(store(`http://127.0.0.1:${port}`)).ask(), "connection refused");
        });

        it("answers a logged 500 when OpenSearch rejects the query (400)", async () => {
            search.failNext(10, 400);
            const { ask, errors } = api(store());
            assertBug(await ask(), "400 from OpenSearch");
            assert.equal(errors.length, 1);
        });
    });
});
