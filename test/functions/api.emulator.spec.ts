/**
 * The API against a real DynamoDB emulator (dynalite), once from the TypeScript sources and once
 * from the esbuild bundle, so a bundling mistake fails here. SNS has no allowed emulator: a local
 * recorder stands in for it (test/functions/helpers/fake-sns.ts).
 */
import { strict as assert } from "node:assert";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createApiHandler } from "../../functions/api/app";
import { createDocumentClient } from "../../functions/shared/clients";
import { SnsEventPublisher } from "../../functions/shared/event-publisher";
import { idempotencyLayout } from "../../functions/shared/idempotency-layout";
import { OrderStore } from "../../functions/shared/order-store";
import { ensureBundles, loadBundle, skipUnlessLambdaNode } from "./helpers/bundles";
import { CREDENTIALS, REGION, createTables, dynamoClient, startDynamo, type Emulator } from "./helpers/emulators";
import { startFakeSns } from "./helpers/fake-sns";
import { apiEvent, customer, lambdaContext, quietObservability, type RequestSpec } from "./helpers/lambda";

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const TOPIC = "arn:aws:sns:us-east-1:123456789012:orders-events";
const ORDER = { items: [{ sku: "BOOK-1", quantity: 2, unitPrice: 1250 }], currency: "EUR", note: "gift wrap" };

for (const variant of ["source", "bundle"] as const) {
    describe(`api handler against dynalite (${variant})`, function () {
        this.timeout(30_000);
        let dynamo: Emulator;
        let sns: Awaited<ReturnType<typeof startFakeSns>>;
        let started = false;
        let handler: Handler;
        let restore = () => {};
        const tableName = `orders-${variant}`;
        // The bundle runs the single-table idempotency layout, the sources a separate table: both are supported.
        const idempotencyTable = variant === "bundle" ? tableName : `${tableName}-idempotency`;

        const call = async (spec: RequestSpec) => {
            const result = await handler(apiEvent(spec), lambdaContext());
            return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown>, headers: result.headers ?? {} };
        };
        const create = (sub: string, key: string, body: unknown = ORDER) =>
            call({
                method: "POST",
                path: "/orders",
                claims: customer(sub),
                headers: { "Idempotency-Key": key, "content-type": "application/json" },
                body: JSON.stringify(body),
            });

        before(async function () {
            if (variant === "bundle") skipUnlessLambdaNode(this);
            dynamo = await startDynamo();
            sns = await startFakeSns();
            started = true;
            const raw = dynamoClient(dynamo.endpoint);
            await createTables(raw, tableName, idempotencyTable);
            if (variant === "source") {
                handler = createApiHandler({
                    store: new OrderStore(createDocumentClient(raw), tableName),
                    publisher: new SnsEventPublisher(new SNSClient({ endpoint: sns.endpoint, region: REGION, credentials: CREDENTIALS }), TOPIC),
                    idempotencyStore: new DynamoDBPersistenceLayer({ awsSdkV3Client: raw, ...idempotencyLayout(idempotencyTable, tableName, "orders-api") }),
                    observability: quietObservability(),
                    version: "1.2.3",
                });
            } else {
                const bundles = await ensureBundles();
                const loaded = loadBundle<{ handler: Handler }>(bundles.get("api")!.file, {
                    TABLE_NAME: tableName,
                    IDEMPOTENCY_TABLE_NAME: idempotencyTable,
                    EVENT_TOPIC_ARN: TOPIC,
                    SEARCH_INDEX: "orders",
                    AWS_REGION: REGION,
                    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
                    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
                    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
                    AWS_ENDPOINT_URL_SNS: sns.endpoint,
                    POWERTOOLS_SERVICE_NAME: "orders-api",
                    POWERTOOLS_METRICS_NAMESPACE: "Test",
                    POWERTOOLS_LOG_LEVEL: "SILENT",
                    POWERTOOLS_METRICS_DISABLED: "true",
                    APP_VERSION: "1.2.3",
                });
                handler = loaded.module.handler;
                restore = loaded.restore;
            }
        });

        after(async () => {
            restore();
            // Nothing started where the bundle variant was skipped.
            if (!started) return;
            await dynamo.stop();
            await sns.stop();
        });

        it("reports healthy with the deployed version", async () => {
            const res = await call({ method: "GET", path: "/health" });
            assert.equal(res.status, 200);
            assert.deepEqual(res.body, { status: "ok", version: "1.2.3", checks: { dynamodb: "ok" } });
            assert.equal(res.headers["x-content-type-options"], "nosniff");
        });

        it("creates an order once per Idempotency-Key and publishes order.created once", async () => {
            const before = sns.published.length;
            const first = await create("alice", "key-create-0001");
            assert.equal(first.status, 201);
            assert.equal(first.body.total, 2500);
            assert.equal(first.body.status, "open");
            const again = await create("alice", "key-create-0001");
            assert.equal(again.status, 201);
            assert.deepEqual(again.body, first.body, "a retry returns the first result");
            const created = sns.published.slice(before);
            assert.equal(created.length, 1);
            assert.equal(created[0]!.typeAttribute, "order.created");
            const event = JSON.parse(created[0]!.message) as { type: string; id: string; order: { id: string } };
            assert.equal(event.type, "order.created");
            assert.equal(event.order.id, first.body.id);
        });

        it("answers 409 when a key is reused with a different body, and writes nothing", async () => {
            await create("alice", "key-conflict-01");
            const before = sns.published.length;
            const res = await create("alice", "key-conflict-01", { ...ORDER, note: "different" });
            assert.equal(res.status, 409);
            assert.equal((res.body.error as { code: string }).code, "idempotency_key_reused");
            assert.equal(sns.published.length, before);
        });

        it("lists only the caller's orders, newest first, across pages with an opaque cursor", async () => {
            for (let i = 0; i < 5; i += 1) await create("bob", `key-bob-list-${i}`);
            await create("carol", "key-carol-list-0");
            const seen: string[] = [];
            let cursor: string | undefined;
            do {
                const res = await call({ method: "GET", path: "/orders", claims: customer("bob"), query: { limit: "2", ...(cursor ? { cursor } : {}) } });
                assert.equal(res.status, 200);
                const orders = res.body.orders as Array<{ id: string; createdAt: string }>;
                assert.ok(orders.length <= 2);
                seen.push(...orders.map((o) => o.id));
                const times = orders.map((o) => o.createdAt);
                assert.deepEqual(times, [...times].sort().reverse(), "newest first");
                cursor = res.body.nextCursor as string | undefined;
            } while (cursor);
            assert.equal(seen.length, 5);
            assert.equal(new Set(seen).size, 5);
            const badCursor = await call({ method: "GET", path: "/orders", claims: customer("bob"), query: { cursor: "not-a-cursor" } });
            assert.equal(badCursor.status, 400);
        });

        it("hides another customer's order behind a 404 and never returns its data", async () => {
            const mine = await create("dave", "key-dave-0001");
            const id = mine.body.id as string;
            const theirs = await call({ method: "GET", path: `/orders/${id}`, claims: customer("eve") });
            assert.equal(theirs.status, 404);
            assert.ok(!JSON.stringify(theirs.body).includes("BOOK-1"));
            const own = await call({ method: "GET", path: `/orders/${id}`, claims: customer("dave") });
            assert.equal(own.status, 200);
            assert.equal(own.body.id, id);
            const cancelTheirs = await call({ method: "POST", path: `/orders/${id}/cancel`, claims: customer("eve") });
            assert.equal(cancelTheirs.status, 404);
        });

        it("cancels an open order once: the second cancel is a 409 and only one order.cancelled is published", async () => {
            const order = await create("frank", "key-frank-0001");
            const before = sns.published.length;
            const first = await call({ method: "POST", path: `/orders/${order.body.id as string}/cancel`, claims: customer("frank") });
            assert.equal(first.status, 200);
            assert.equal(first.body.status, "cancelled");
            assert.equal(first.body.version, 2);
            const second = await call({ method: "POST", path: `/orders/${order.body.id as string}/cancel`, claims: customer("frank") });
            assert.equal(second.status, 409);
            assert.equal((second.body.error as { code: string }).code, "order_not_open");
            const cancelled = sns.published.slice(before).map((m) => JSON.parse(m.message) as { type: string });
            assert.deepEqual(
                cancelled.map((e) => e.type),
                ["order.cancelled"],
            );
        });

        it("after a move to a new user pool, a customer sees the orders of their old sub through custom:customer_id", async () => {
            const placed = await create("ivan-old-sub", "key-ivan-move01");
            assert.equal(placed.status, 201);
            // The import gave a new sub and set custom:customer_id to the old one (tools/recovery/export-users.ts).
            const moved = { ...customer("ivan-new-sub", "ivan-old-sub@example.com"), "custom:customer_id": "ivan-old-sub" };
            const list = await call({ method: "GET", path: "/orders", claims: moved });
            assert.equal(list.status, 200);
            assert.deepEqual(
                (list.body.orders as { id: string }[]).map((o) => o.id),
                [placed.body.id],
            );
            const own = await call({ method: "GET", path: `/orders/${placed.body.id as string}`, claims: moved });
            assert.equal(own.status, 200, "the order itself too");
            // The new sub alone, without the attribute, is another customer with no orders.
            const bare = await call({ method: "GET", path: "/orders", claims: customer("ivan-new-sub") });
            assert.deepEqual(bare.body.orders, []);
            // A malformed id is refused, not read as someone's.
            const forged = await call({ method: "GET", path: "/orders", claims: { ...moved, "custom:customer_id": "ivan' OR 1=1 --" } });
            assert.equal(forged.status, 401);
        });

        it("rejects anonymous and forged callers with 401 and writes nothing", async () => {
            const db = createDocumentClient(dynamoClient(dynamo.endpoint));
            const count = async () => (await db.send(new ScanCommand({ TableName: tableName, Select: "COUNT" }))).Count;
            const before = await count();
            const anonymous = await call({
                method: "POST",
                path: "/orders",
                headers: { "Idempotency-Key": "key-anon-0001", "x-test-identity": "alice" },
                body: JSON.stringify(ORDER),
            });
            assert.equal(anonymous.status, 401);
            const forged = await call({ method: "GET", path: "/orders", claims: { sub: "alice' OR 1=1 --" } });
            assert.equal(forged.status, 401);
            assert.equal(await count(), before);
        });

        if (variant === "source") {
            it("resumes an order whose event failed to publish when the client retries with the same key", async () => {
                sns.failNext(3);
                const before = sns.published.length;
                const failed = await create("gina", "key-gina-retry1");
                assert.equal(failed.status, 500);
                assert.equal((failed.body.error as { code: string }).code, "internal_error");
                assert.ok((failed.body.error as { details: { requestId?: string } }).details.requestId, "a 5xx carries the request id");
                const retried = await create("gina", "key-gina-retry1");
                assert.equal(retried.status, 201);
                const list = await call({ method: "GET", path: "/orders", claims: customer("gina") });
                assert.equal((list.body.orders as unknown[]).length, 1, "no duplicate order");
                const events = sns.published.slice(before);
                assert.equal(events.length, 1, "the pending order.created is published by the retry");
            });
        }
    });
}
