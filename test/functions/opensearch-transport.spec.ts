/**
 * The signed OpenSearch transport (functions/shared/opensearch-transport.ts) never sniffs. The client
 * library's Transport sniffs (`GET /_nodes/_all/http`, then replaces its connections by the nodes
 * listed) whenever `sniffInterval` is a number, 0 included, and OpenSearch Serverless has no `_nodes`
 * API: every request would cost a second, failing one. The fake OpenSearch records every request.
 */
import { strict as assert } from "node:assert";
import { EventEmitter } from "node:events";
import Connection from "@opensearch-project/opensearch/lib/Connection.js";
import Transport from "@opensearch-project/opensearch/lib/Transport.js";
import { ConnectionPool } from "@opensearch-project/opensearch/lib/pool/index.js";
import Serializer from "@opensearch-project/opensearch/lib/Serializer.js";
import type { OrderDocument } from "../../functions/shared/search-store";
import { OpenSearchStore } from "../../functions/shared/search-store";
import { connectOrderIndex, removedDocument } from "../../functions/search-indexer/order-index";
import { CREDENTIALS, REGION } from "./helpers/emulators";
import { startFakeOpenSearch, type FakeOpenSearch } from "./helpers/fake-opensearch";

const doc = (version: number): OrderDocument => ({
    id: "01KSNIFF000000000000000001",
    customerId: "sniff-customer",
    status: "open",
    currency: "EUR",
    total: 100,
    skus: ["TEA-1"],
    createdAt: "2025-04-01T10:00:00.000Z",
    updatedAt: "2025-04-01T10:00:00.000Z",
    version,
});

/** Longer than the Transport's clock step: an interval of 0 ms has passed by the next request. */
const pause = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const sniffs = (fake: FakeOpenSearch) => fake.requests.filter((r) => r.path.includes("_nodes"));

describe("the signed OpenSearch transport", function () {
    this.timeout(30_000);
    let search: FakeOpenSearch;
    const saved = { ...process.env };

    before(async () => {
        search = await startFakeOpenSearch();
        Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
    });

    beforeEach(() => {
        search.requests.length = 0;
        search.docs.clear();
        search.versions.clear();
    });

    after(async () => {
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) if (saved[key] === undefined) delete process.env[key];
        await search.stop();
    });

    it("sends no _nodes request across many writes of the indexer and searches of the API, only the calls made", async () => {
        const index = connectOrderIndex({ endpoint: search.endpoint, index: "orders", region: REGION });
        const store = new OpenSearchStore({ endpoint: search.endpoint, index: "orders", region: REGION });
        for (let version = 1; version <= 5; version += 1) {
            await pause();
            assert.equal(await index.upsert(doc(version)), "written");
            await pause();
            await store.searchOrders("sniff-customer", "tea", 5);
        }
        await pause();
        assert.equal(await index.upsert(removedDocument(doc(5).id, 5)), "written");
        // A sniff is sent beside the request that triggers it, and may arrive after that request's answer.
        await pause(50);
        assert.deepEqual(
            sniffs(search).map((r) => `${r.method} ${r.path}`),
            [],
            "no sniffing: OpenSearch Serverless has no _nodes API",
        );
        assert.deepEqual(
            search.requests.map((r) => `${r.method} ${r.path}`),
            [...Array.from({ length: 5 }, () => [`PUT /orders/_doc/${doc(1).id}`, "POST /orders/_search"]).flat(), `PUT /orders/_doc/${doc(1).id}`],
            "one request per call, nothing besides",
        );
    });

    it("control: the library's Transport does sniff with sniffInterval 0, which the fake records", async () => {
        const emitter = new EventEmitter();
        const emit = emitter.emit.bind(emitter);
        const connectionPool = new ConnectionPool({ Connection, emit, sniffEnabled: true } as ConstructorParameters<typeof ConnectionPool>[0]);
        connectionPool.addConnection(search.endpoint);
        const transport = new Transport({
            emit,
            connectionPool,
            serializer: new Serializer(),
            maxRetries: 0,
            requestTimeout: 5000,
            sniffEndpoint: "_nodes/_all/http",
            sniffInterval: 0,
        });
        for (let i = 0; i < 3; i += 1) {
            await pause();
            await transport.request({
                method: "POST",
                path: "/orders/_search",
                body: { query: { bool: { filter: [{ term: { c: "x" } }], must: [{ multi_match: { query: "x" } }] } } },
            });
        }
        await pause(50);
        assert.ok(sniffs(search).length > 0, "with a number as sniffInterval, the Transport sniffs");
        assert.ok(sniffs(search).every((r) => r.method === "GET" && r.path === "/_nodes/_all/http"));
    });
});
