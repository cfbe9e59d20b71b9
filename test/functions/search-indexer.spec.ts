/**
 * The search indexer and the API's search route against a local OpenSearch stand-in that records the
 * signed requests. dynalite has no streams, so stream records are built here in the shape Lambda
 * delivers them (marshalled images, sequence numbers).
 */
import { createHash } from "node:crypto";
import { strict as assert } from "node:assert";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import type { Order } from "../../functions/shared/domain";
import { OpenSearchStore } from "../../functions/shared/search-store";
import { connectOrderIndex } from "../../functions/search-indexer/order-index";
import { keys } from "../../functions/shared/table-keys";
import { createSearchIndexer } from "../../functions/search-indexer/indexer";
import { ensureBundles, loadBundle, skipUnlessLambdaNode } from "./helpers/bundles";
import { CREDENTIALS, REGION } from "./helpers/emulators";
import { startFakeOpenSearch } from "./helpers/fake-opensearch";
import { apiEvent, customer, lambdaContext, quietObservability } from "./helpers/lambda";
import { createApiHandler } from "../../functions/api/app";
import type { ApiDeps } from "../../functions/api/deps";
import type { OrderStore } from "../../functions/shared/order-store";

const order = (n: number, patch: Partial<Order> = {}): Order => ({
    id: `01K${String(n).padStart(23, "0")}`,
    customerId: n % 2 === 0 ? "even-customer" : "odd-customer",
    email: `c${n}@example.com`,
    status: "open",
    items: [{ sku: `TEA-${n}`, quantity: 1, unitPrice: 500 }],
    currency: "GBP",
    total: 500,
    note: "blue teapot",
    createdAt: "2025-02-01T10:00:00.000Z",
    updatedAt: "2025-02-01T10:00:00.000Z",
    version: 1,
    ...patch,
});

let sequence = 0;
/**
 * A record as a NEW_AND_OLD_IMAGES stream delivers it: INSERT and MODIFY carry the new image, REMOVE
 * the old one (the item as it was when removed), which is where the removal's version comes from.
 */
function streamRecord(
    eventName: "INSERT" | "MODIFY" | "REMOVE",
    o: Order,
    image: Record<string, unknown> | null = { ...keys.order(o.customerId, o.id), entity: "order", ...o },
): DynamoDBRecord {
    sequence += 1;
    const marshalled = image ? (marshall(image, { removeUndefinedValues: true }) as never) : undefined;
    return {
        eventID: `e${sequence}`,
        eventName,
        eventSource: "aws:dynamodb",
        awsRegion: REGION,
        dynamodb: {
            Keys: marshall(keys.order(o.customerId, o.id)) as never,
            ...(marshalled ? (eventName === "REMOVE" ? { OldImage: marshalled } : { NewImage: marshalled }) : {}),
            SequenceNumber: String(sequence),
            StreamViewType: "NEW_AND_OLD_IMAGES",
        },
    };
}

type Indexer = (event: DynamoDBStreamEvent | SQSEvent, context: Context) => Promise<DynamoDBBatchResponse>;

describe("search indexer against a signed OpenSearch endpoint", function () {
    this.timeout(30_000);
    let search: Awaited<ReturnType<typeof startFakeOpenSearch>>;
    let indexer: Indexer;
    const saved = { ...process.env };

    before(async () => {
        search = await startFakeOpenSearch();
        // The signer reads credentials through the SDK's default chain: environment variables, as on Lambda.
        Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
        indexer = createSearchIndexer({
            search: connectOrderIndex({ endpoint: search.endpoint, index: "orders", region: REGION }),
            observability: quietObservability(),
        }) as Indexer;
    });

    after(async () => {
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) if (saved[key] === undefined) delete process.env[key];
        await search.stop();
    });

    it("indexes new orders with SigV4 requests for aoss that carry the payload hash", async () => {
        const result = await indexer({ Records: [streamRecord("INSERT", order(1))] }, lambdaContext());
        assert.deepEqual(result.batchItemFailures, []);
        assert.equal(search.docs.get(order(1).id)?.status, "open");
        const put = search.requests.find((r) => r.method === "PUT")!;
        assert.match(
            String(put.headers.authorization),
            /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/aoss\/aws4_request, SignedHeaders=[^ ]*x-amz-content-sha256/,
        );
        assert.equal(put.headers["x-amz-content-sha256"], createHash("sha256").update(put.body).digest("hex"));
        assert.deepEqual(put.query, { version: "1", version_type: "external" }, "written at the order's version, atomically");
        assert.ok(!search.requests.some((r) => "refresh" in r.query), "OpenSearch Serverless rejects refresh=true");
        assert.ok(!search.requests.some((r) => r.method === "GET" && r.path.includes("/_doc/")), "no read before the write: the version check is OpenSearch's");
        assert.equal(search.versions.get(order(1).id), 1);
    });

    it("applies a cancel, ignores a late older version, and keeps removed orders removed", async () => {
        const o = order(2);
        await indexer({ Records: [streamRecord("INSERT", o), streamRecord("MODIFY", { ...o, status: "cancelled", version: 2 })] }, lambdaContext());
        assert.equal(search.docs.get(o.id)?.status, "cancelled");
        const late: SQSEvent = {
            Records: [
                {
                    messageId: "m1",
                    receiptHandle: "r",
                    body: JSON.stringify({ type: "order.created", id: `${o.id}.created`, occurredAt: o.createdAt, order: o }),
                    attributes: {} as never,
                    messageAttributes: {},
                    md5OfBody: "",
                    eventSource: "aws:sqs",
                    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:search",
                    awsRegion: REGION,
                },
            ],
        };
        const lateResult = await indexer(late, lambdaContext());
        assert.deepEqual(lateResult.batchItemFailures, []);
        assert.equal(search.docs.get(o.id)?.status, "cancelled", "an older event never overwrites a newer state");
        const cancelled = { ...o, status: "cancelled" as const, version: 2 };
        const removed = await indexer({ Records: [streamRecord("REMOVE", cancelled)] }, lambdaContext());
        assert.deepEqual(removed.batchItemFailures, []);
        assert.deepEqual(search.docs.get(o.id), { id: o.id, version: 2, removed: true }, "the removal is kept at the version removed");
        const store = new OpenSearchStore({ endpoint: search.endpoint, index: "orders", region: REGION });
        assert.ok(!(await store.searchOrders(o.customerId, "teapot", 50)).some((d) => d.id === o.id), "a removed order is not found");
        const again = await indexer({ Records: [streamRecord("REMOVE", cancelled)] }, lambdaContext());
        assert.deepEqual(again.batchItemFailures, [], "removing twice is not an error");
        const resurrect = await indexer({ Records: [streamRecord("MODIFY", cancelled)] }, lambdaContext());
        assert.deepEqual(resurrect.batchItemFailures, []);
        assert.equal(search.docs.get(o.id)?.removed, true, "a late image of the version removed does not bring the order back");
    });

    it("keeps a newer document when a late removal of an older version arrives", async () => {
        const o = order(6);
        await indexer({ Records: [streamRecord("INSERT", o), streamRecord("MODIFY", { ...o, status: "cancelled", version: 3 })] }, lambdaContext());
        const late = await indexer({ Records: [streamRecord("REMOVE", { ...o, version: 2 })] }, lambdaContext());
        assert.deepEqual(late.batchItemFailures, [], "an older removal is acknowledged: the newer document already won");
        assert.equal(search.docs.get(o.id)?.status, "cancelled");
        assert.equal(search.versions.get(o.id), 3);
    });

    it("reports only the failing record of a batch, and ignores items that are not orders", async () => {
        const bad = streamRecord("INSERT", order(3), { ...keys.order("x", order(3).id), id: order(3).id, status: "weird" });
        const ledger: DynamoDBRecord = {
            ...streamRecord("INSERT", order(5)),
            dynamodb: {
                Keys: marshall({ pk: "DELIVERY#x", sk: "EMAIL" }) as never,
                NewImage: marshall({ pk: "DELIVERY#x", sk: "EMAIL" }) as never,
                SequenceNumber: "999",
            },
        };
        const good = streamRecord("INSERT", order(4));
        const result = await indexer({ Records: [bad, ledger, good] }, lambdaContext());
        assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: bad.dynamodb!.SequenceNumber }]);
        assert.ok(search.docs.has(order(4).id));
    });

    it("fails the record while OpenSearch is down and succeeds on the retry", async () => {
        search.failNext(10);
        const record = streamRecord("INSERT", order(7));
        const failed = await indexer({ Records: [record] }, lambdaContext());
        assert.equal(failed.batchItemFailures.length, 1);
        search.failNext(0);
        const retried = await indexer({ Records: [record] }, lambdaContext());
        assert.deepEqual(retried.batchItemFailures, []);
        assert.ok(search.docs.has(order(7).id));
    });

    it("searches only the caller's documents", async () => {
        const store = new OpenSearchStore({ endpoint: search.endpoint, index: "orders", region: REGION });
        const found = await store.searchOrders("even-customer", "teapot", 10);
        assert.ok(found.length > 0);
        assert.ok(found.every((d) => d.customerId === "even-customer"));
    });

    it("serves GET /orders/search from the index, scoped to the caller, without internal fields", async () => {
        const api = createApiHandler({
            store: {} as OrderStore,
            publisher: { publish: async () => {} },
            search: new OpenSearchStore({ endpoint: search.endpoint, index: "orders", region: REGION }),
            idempotencyStore: {} as ApiDeps["idempotencyStore"],
            observability: quietObservability(),
            version: "test",
        });
        const res = await api(apiEvent({ method: "GET", path: "/orders/search", query: { q: "teapot" }, claims: customer("odd-customer") }), lambdaContext());
        assert.equal(res.statusCode, 200);
        const { orders } = JSON.parse(res.body) as { orders: Array<Record<string, unknown>> };
        assert.ok(orders.length > 0);
        assert.ok(
            orders.every((o) => o.customerId === undefined && /^01K0+[13579]$/.test(String(o.id))),
            "only the caller's orders",
        );
        const blank = await api(apiEvent({ method: "GET", path: "/orders/search", query: { q: "   " }, claims: customer("odd-customer") }), lambdaContext());
        assert.equal(blank.statusCode, 400);
    });

    it("runs the same way from its bundle", async function () {
        skipUnlessLambdaNode(this);
        const bundles = await ensureBundles();
        const loaded = loadBundle<{ handler: Indexer }>(bundles.get("search-indexer")!.file, {
            SEARCH_ENDPOINT: search.endpoint,
            SEARCH_INDEX: "orders",
            AWS_REGION: REGION,
            AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
            POWERTOOLS_SERVICE_NAME: "search-indexer",
            POWERTOOLS_METRICS_NAMESPACE: "Test",
            POWERTOOLS_LOG_LEVEL: "SILENT",
            POWERTOOLS_METRICS_DISABLED: "true",
            APP_VERSION: "1.0.0",
        });
        try {
            search.requests.length = 0;
            for (const version of [1, 2]) {
                // Apart in time: a Transport that sniffs at an interval of 0 ms would sniff before the second write.
                await new Promise((resolve) => setTimeout(resolve, 5));
                const result = await loaded.module.handler(
                    { Records: [streamRecord(version === 1 ? "INSERT" : "MODIFY", order(9, { version }))] },
                    lambdaContext(),
                );
                assert.deepEqual(result.batchItemFailures, []);
            }
            assert.equal(search.versions.get(order(9).id), 2);
            await new Promise((resolve) => setTimeout(resolve, 50));
            assert.deepEqual(
                search.requests.map((r) => `${r.method} ${r.path}`),
                [`PUT /orders/_doc/${order(9).id}`, `PUT /orders/_doc/${order(9).id}`],
                "one versioned write per change, and no sniffing (GET /_nodes/_all/http)",
            );
        } finally {
            loaded.restore();
        }
    });
});
