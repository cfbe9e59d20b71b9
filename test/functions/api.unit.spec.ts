/** API logic with AWS mocked (aws-sdk-client-mock): AWS failures, identity rules, config validation. */
import { strict as assert } from "node:assert";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoDBClient, PutItemCommand, DeleteItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { createApiHandler } from "../../functions/api/app";
import { loadApiConfig } from "../../functions/api/config";
import { decodeCursor, encodeCursor } from "../../functions/api/cursor";
import { loadEmailWorkerConfig } from "../../functions/email-worker/config";
import { renderEmail } from "../../functions/email-worker/render";
import { SnsEventPublisher } from "../../functions/shared/event-publisher";
import { orderIdFor, isOrderId } from "../../functions/shared/ids";
import { OrderStore } from "../../functions/shared/order-store";
import { apiEvent, customer, lambdaContext, quietObservability } from "./helpers/lambda";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:events";
const BODY = JSON.stringify({ items: [{ sku: "A-1", quantity: 3, unitPrice: 199 }], currency: "USD" });

function setup() {
    const raw = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const doc = DynamoDBDocumentClient.from(raw);
    const sns = new SNSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const rawMock = mockClient(raw);
    const docMock = mockClient(doc);
    const snsMock = mockClient(sns);
    const observability = quietObservability();
    const errors: unknown[] = [];
    observability.logger.error = (...args: unknown[]) => void errors.push(args);
    const handler = createApiHandler({
        store: new OrderStore(doc, "t"),
        publisher: new SnsEventPublisher(sns, TOPIC),
        idempotencyStore: new DynamoDBPersistenceLayer({ awsSdkV3Client: raw, tableName: "idem" }),
        observability,
        version: "9.9.9",
        now: () => new Date("2025-05-05T05:05:05.000Z"),
    });
    return { handler, rawMock, docMock, snsMock, observability, errors };
}

describe("api handler with mocked AWS", () => {
    it("creates an order: writes it, publishes order.created with a type attribute, counts the KPIs", async () => {
        const { handler, rawMock, docMock, snsMock, observability } = setup();
        rawMock.on(PutItemCommand).resolves({}).on(UpdateItemCommand).resolves({});
        docMock.on(PutCommand).resolves({}).on(UpdateCommand).resolves({});
        snsMock.on(PublishCommand).resolves({ MessageId: "m" });
        const res = await handler(
            apiEvent({ method: "POST", path: "/orders", claims: customer("u-1"), headers: { "idempotency-key": "abcdefgh-1" }, body: BODY }),
            lambdaContext(),
        );
        assert.equal(res.statusCode, 201);
        const order = JSON.parse(res.body) as { id: string; total: number; customerId?: string };
        assert.equal(order.id, orderIdFor("u-1", "abcdefgh-1"));
        assert.equal(order.total, 597);
        assert.equal(order.customerId, undefined, "internal keys are not exposed");
        const put = docMock.commandCalls(PutCommand)[0]!.args[0].input;
        assert.equal(put.ConditionExpression, "attribute_not_exists(pk)");
        assert.equal(put.Item?.pk, "CUSTOMER#u-1");
        const publish = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
        assert.equal(publish.TopicArn, TOPIC);
        assert.deepEqual(publish.MessageAttributes?.type, { DataType: "String", StringValue: "order.created" });
        assert.equal(observability.kpis.counts.OrdersCreated, 1);
        assert.deepEqual(observability.kpis.values, [{ name: "OrderValue", value: 597, dimension: { name: "currency", value: "USD" } }]);
    });

    it("turns a DynamoDB outage into a 500 that names the request id and logs it, without the AWS message", async () => {
        const { handler, rawMock, docMock, errors } = setup();
        rawMock.on(PutItemCommand).resolves({}).on(DeleteItemCommand).resolves({});
        docMock.on(PutCommand).rejects(Object.assign(new Error("secret internal detail"), { name: "InternalServerError", $metadata: { httpStatusCode: 500 } }));
        const res = await handler(
            apiEvent({ method: "POST", path: "/orders", claims: customer("u-1"), headers: { "idempotency-key": "abcdefgh-2" }, body: BODY }),
            lambdaContext(),
        );
        assert.equal(res.statusCode, 500);
        const body = JSON.parse(res.body) as { error: { code: string; details: { requestId: string } } };
        assert.equal(body.error.code, "internal_error");
        assert.match(body.error.details.requestId, /^api-req-/);
        assert.ok(!res.body.includes("secret internal detail"));
        assert.equal(errors.length, 1);
    });

    it("reports 503 from /health when DynamoDB is unreachable", async () => {
        const { handler, docMock } = setup();
        docMock.on(GetCommand).rejects(new Error("connect ECONNREFUSED"));
        const res = await handler(apiEvent({ method: "GET", path: "/health" }), lambdaContext());
        assert.equal(res.statusCode, 503);
        assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, "unhealthy");
    });

    it("answers a /health probe with a query parameter 400 naming it, before reading DynamoDB: a malformed probe is not an outage", async () => {
        const { handler, docMock } = setup();
        docMock.on(GetCommand).rejects(new Error("connect ECONNREFUSED"));
        const res = await handler(apiEvent({ method: "GET", path: "/health", query: { deep: "true" } }), lambdaContext());
        assert.equal(res.statusCode, 400);
        const body = JSON.parse(res.body) as { error: { code: string; details: { parameter: string; allowed: string[] } } };
        assert.equal(body.error.code, "unknown_parameter");
        assert.deepEqual(body.error.details, { parameter: "deep", allowed: [] });
        assert.equal(docMock.commandCalls(GetCommand).length, 0, "the probe never reached DynamoDB");
    });

    it("answers 409 request_in_progress while the same key is still being processed", async () => {
        const { handler, rawMock, docMock, snsMock } = setup();
        const { ConditionalCheckFailedException } = await import("@aws-sdk/client-dynamodb");
        let firstRecord: Record<string, unknown> | undefined;
        rawMock.on(PutItemCommand).callsFake((input: { Item: Record<string, unknown> }) => {
            if (firstRecord) throw new ConditionalCheckFailedException({ message: "exists", $metadata: {}, Item: firstRecord as never });
            firstRecord = input.Item;
            return {};
        });
        rawMock.on(UpdateItemCommand).resolves({});
        let release: () => void = () => {};
        docMock.on(PutCommand).callsFake(() => new Promise((resolve) => (release = () => resolve({}))));
        docMock.on(UpdateCommand).resolves({});
        snsMock.on(PublishCommand).resolves({});
        const request = () =>
            handler(
                apiEvent({ method: "POST", path: "/orders", claims: customer("u-1"), headers: { "idempotency-key": "abcdefgh-3" }, body: BODY }),
                lambdaContext(),
            );
        const first = request();
        while (!firstRecord) await new Promise((resolve) => setImmediate(resolve));
        const second = await request();
        assert.equal(second.statusCode, 409);
        assert.equal((JSON.parse(second.body) as { error: { code: string } }).error.code, "request_in_progress");
        release();
        assert.equal((await first).statusCode, 201);
    });

    it("needs a verified email to order (403) and an Idempotency-Key (400), touching no data", async () => {
        const { handler, docMock, rawMock } = setup();
        const unverified = await handler(
            apiEvent({
                method: "POST",
                path: "/orders",
                claims: { sub: "u-2", email: "u2@example.com", email_verified: "false" },
                headers: { "idempotency-key": "abcdefgh-4" },
                body: BODY,
            }),
            lambdaContext(),
        );
        assert.equal(unverified.statusCode, 403);
        const noKey = await handler(apiEvent({ method: "POST", path: "/orders", claims: customer("u-2"), body: BODY }), lambdaContext());
        assert.equal(noKey.statusCode, 400);
        assert.equal((JSON.parse(noKey.body) as { error: { code: string } }).error.code, "missing_idempotency_key");
        const tooBig = await handler(
            apiEvent({
                method: "POST",
                path: "/orders",
                claims: customer("u-2"),
                headers: { "idempotency-key": "abcdefgh-5" },
                body: JSON.stringify({ items: [], currency: "USD", note: "x".repeat(20_000) }),
            }),
            lambdaContext(),
        );
        assert.equal(tooBig.statusCode, 413);
        assert.equal(docMock.calls().length + rawMock.calls().length, 0);
    });

    it("explains validation failures field by field", async () => {
        const { handler } = setup();
        const res = await handler(
            apiEvent({
                method: "POST",
                path: "/orders",
                claims: customer("u-3"),
                headers: { "idempotency-key": "abcdefgh-6" },
                body: JSON.stringify({ items: [{ sku: "A", quantity: 0, unitPrice: 1 }], currency: "XXX", coupon: "FREE" }),
            }),
            lambdaContext(),
        );
        assert.equal(res.statusCode, 400);
        const paths = (JSON.parse(res.body) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues.map((i) => i.path);
        assert.ok(paths.includes("items.0.quantity"));
        assert.ok(paths.includes("currency"));
        assert.ok(
            paths.some((p) => p === "" || p === "coupon"),
            "the unknown field is reported",
        );
    });

    it("serves an access token's caller: the machine client (sub = client id, no email) reads its own orders and cannot place one", async () => {
        const { handler, docMock } = setup();
        docMock.on(QueryCommand).resolves({ Items: [] });
        // Claims of a client-credentials access token as the Cognito authorizer passes them.
        const machine = {
            sub: "4bq1oh3k7r2m9v6c8s0d5e1f7g",
            client_id: "4bq1oh3k7r2m9v6c8s0d5e1f7g",
            token_use: "access",
            scope: "orders/orders.read orders/orders.write",
        };
        const read = await handler(apiEvent({ method: "GET", path: "/orders", claims: machine }), lambdaContext());
        assert.equal(read.statusCode, 200);
        assert.deepEqual(JSON.parse(read.body), { orders: [] });
        const query = docMock.commandCalls(QueryCommand)[0].args[0].input;
        assert.equal(query.ExpressionAttributeValues?.[":pk"], "CUSTOMER#4bq1oh3k7r2m9v6c8s0d5e1f7g");
        const write = await handler(
            apiEvent({ method: "POST", path: "/orders", claims: machine, headers: { "idempotency-key": "abcdefgh-7" }, body: BODY }),
            lambdaContext(),
        );
        assert.equal(write.statusCode, 403);
    });

    it("answers 405 with an Allow header for a known path and the wrong method", async () => {
        const { handler } = setup();
        const res = await handler(apiEvent({ method: "DELETE", path: "/orders" }), lambdaContext());
        assert.equal(res.statusCode, 405);
        assert.equal(res.headers?.allow, "GET, POST");
    });
});

describe("function building blocks", () => {
    it("derives stable, well-formed order ids from the caller and key", () => {
        assert.equal(orderIdFor("a", "k"), orderIdFor("a", "k"));
        assert.notEqual(orderIdFor("a", "k"), orderIdFor("b", "k"));
        assert.ok(isOrderId(orderIdFor("a", "k")));
    });

    it("round-trips cursors and rejects forged ones", () => {
        const position = { createdAt: "2025-01-01T00:00:00.000Z", id: orderIdFor("a", "k") };
        assert.deepEqual(decodeCursor(encodeCursor(position)), position);
        assert.throws(() => decodeCursor(Buffer.from(JSON.stringify(["x", "y"])).toString("base64url")), /cursor/);
    });

    it("fails the cold start with the names of the bad variables", () => {
        assert.throws(
            () => loadApiConfig({ TABLE_NAME: "t" }),
            (error: Error) =>
                /IDEMPOTENCY_TABLE_NAME is required/.test(error.message) && /EVENT_TOPIC_ARN is required/.test(error.message) && /"api"/.test(error.message),
        );
        assert.throws(
            () =>
                loadEmailWorkerConfig({
                    TABLE_NAME: "t",
                    SES_FROM_ADDRESS: "not-an-email",
                    SES_CONFIGURATION_SET: "cs",
                    POWERTOOLS_SERVICE_NAME: "s",
                    POWERTOOLS_METRICS_NAMESPACE: "n",
                    APP_VERSION: "1",
                }),
            /SES_FROM_ADDRESS="not-an-email" is invalid/,
        );
    });

    it("renders cancellation emails distinctly from confirmations", () => {
        const order = {
            id: "01ABC",
            customerId: "c",
            email: "e@x.io",
            status: "cancelled" as const,
            items: [{ sku: "S", quantity: 2, unitPrice: 150 }],
            currency: "EUR" as const,
            total: 300,
            createdAt: "",
            updatedAt: "",
            version: 2,
        };
        const email = renderEmail({ type: "order.cancelled", id: "01ABC.cancelled", occurredAt: "", order });
        assert.equal(email.subject, "Order 01ABC cancelled");
        assert.match(email.text, /€3\.00/);
    });
});
