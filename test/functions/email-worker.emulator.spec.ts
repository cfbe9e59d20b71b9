/**
 * The email worker against real emulators: dynalite (ledger, suppression list), local-aws-sqs (queue,
 * DLQ with maxReceiveCount, StartMessageMoveTask) and aws-ses-v2-local (the outbox), with faults
 * injected: SES down for a while, a poison message, and a function that dies right after SES accepted.
 */
import { strict as assert } from "node:assert";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDocumentClient } from "../../functions/shared/clients";
import { createEmailWorker, definitelyNotSent } from "../../functions/email-worker/worker";
import { SuppressionList } from "../../functions/shared/suppression";
import type { OrderEvent } from "../../functions/shared/domain";
import { redrive } from "../../tools/redrive";
import { ensureBundles, loadBundle, skipUnlessLambdaNode } from "./helpers/bundles";
import { CREDENTIALS, REGION, createTables, dynamoClient, sesClient, sqsClient, startDynamo, startSes2, startSqs, type Emulator } from "./helpers/emulators";
import { startFaultyProxy } from "./helpers/faulty-proxy";
import { lambdaContext, quietObservability } from "./helpers/lambda";
import { pumpQueue } from "./helpers/sqs-loop";

const TABLE = "orders-email";
// maxReceiveCount as the platform sets it. local-aws-sqs also counts the ChangeMessageVisibility that
// returns a failed message to the queue as a receive, so a message gets 3 attempts here, not 5.
const MAX_RECEIVES = 5;
const ATTEMPTS_IN_EMULATOR = 3;

function orderEvent(n: number, type: OrderEvent["type"] = "order.created", email = `buyer${n}@example.com`): OrderEvent {
    const id = `01J${String(n).padStart(23, "0")}`;
    const order = {
        id,
        customerId: `c${n}`,
        email,
        status: type === "order.created" ? "open" : "cancelled",
        items: [{ sku: "MUG-<b>", quantity: 1, unitPrice: 900 }],
        currency: "USD",
        total: 900,
        createdAt: "2025-01-01T00:00:00.000Z",
        updatedAt: "2025-01-01T00:00:00.000Z",
        version: 1,
    } as OrderEvent["order"];
    return { type, id: `${id}.${type === "order.created" ? "created" : "cancelled"}`, occurredAt: order.createdAt, order };
}

describe("email worker against dynalite, local SQS and local SES", function () {
    this.timeout(60_000);
    let dynamo: Emulator;
    let sqsEmu: Emulator;
    let ses: Awaited<ReturnType<typeof startSes2>>;
    let proxy: Awaited<ReturnType<typeof startFaultyProxy>>;
    let raw: DynamoDBClient;
    let sqs: SQSClient;
    let queue: { url: string; arn: string; dlqUrl: string; dlqArn: string };
    let diesAfterSend = false;
    let worker: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
    const invoke = (event: SQSEvent) => worker(event, lambdaContext());

    before(async () => {
        [dynamo, sqsEmu, ses] = await Promise.all([startDynamo(), startSqs(), startSes2()]);
        proxy = await startFaultyProxy(ses.endpoint);
        raw = dynamoClient(dynamo.endpoint);
        await createTables(raw, TABLE, TABLE);
        // Simulates Lambda killing the function after SES accepted the message but before the ledger said so.
        raw.middlewareStack.add(
            (next) => async (args) => {
                const input = args.input as { ExpressionAttributeValues?: Record<string, { S?: string }> };
                if (diesAfterSend && input.ExpressionAttributeValues?.[":sent"]?.S === "SENT") throw new Error("Task timed out after 3.00 seconds");
                return next(args);
            },
            { step: "initialize", name: "injectTimeoutAfterSend" },
        );
        sqs = sqsClient(sqsEmu.endpoint);
        const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "email-dlq" }));
        const dlqArn = `arn:aws:sqs:us-east-1:123456789012:email-dlq`;
        const main = await sqs.send(
            new CreateQueueCommand({
                QueueName: "email",
                Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVES }) },
            }),
        );
        queue = { url: main.QueueUrl!, arn: "arn:aws:sqs:us-east-1:123456789012:email", dlqUrl: dlq.QueueUrl!, dlqArn };
        worker = createEmailWorker({
            db: createDocumentClient(raw),
            tableName: TABLE,
            ses: sesClient(proxy.endpoint),
            fromAddress: "orders@shop.example",
            configurationSet: "orders",
            observability: quietObservability(),
        });
    });

    after(async () => {
        sqs.destroy();
        await Promise.all([dynamo.stop(), sqsEmu.stop(), ses.stop(), proxy.stop()]);
    });

    beforeEach(async () => {
        diesAfterSend = false;
        proxy.failNext(0);
        await ses.clear();
    });

    const send = (body: unknown) =>
        sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: typeof body === "string" ? body : JSON.stringify(body) }));
    const depth = async (url: string) => {
        const { Attributes = {} } = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        );
        return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    };
    const emailsTo = async (address: string) => (await ses.emails()).filter((e) => e.destination.to.includes(address));

    it("sends one confirmation through the configuration set, with customer text escaped", async () => {
        const event = orderEvent(1);
        await send({ Type: "Notification", Message: JSON.stringify(event) });
        await pumpQueue(sqs, queue.url, queue.arn, invoke, 5);
        const sent = await emailsTo("buyer1@example.com");
        assert.equal(sent.length, 1);
        assert.equal(sent[0]!.subject, `Order ${event.order.id} confirmed`);
        assert.equal(sent[0]!.from, "orders@shop.example");
        assert.ok(sent[0]!.body.html?.includes("MUG-&lt;b&gt;"), "HTML-escaped SKU");
        assert.ok(!sent[0]!.body.html?.includes("<b>"));
        assert.equal(await depth(queue.url), 0);
    });

    it("sends once when SQS delivers the same event twice, even in one batch", async () => {
        const event = orderEvent(2);
        await send(event);
        await send(event);
        await pumpQueue(sqs, queue.url, queue.arn, invoke, 5);
        await send(event);
        await pumpQueue(sqs, queue.url, queue.arn, invoke, 5);
        assert.equal((await emailsTo("buyer2@example.com")).length, 1);
    });

    it("does not send again after the function died right after SES accepted the message", async () => {
        const event = orderEvent(3, "order.cancelled");
        diesAfterSend = true;
        await send(event);
        await pumpQueue(sqs, queue.url, queue.arn, invoke, 1);
        diesAfterSend = false;
        await pumpQueue(sqs, queue.url, queue.arn, invoke, 5);
        const sent = await emailsTo("buyer3@example.com");
        assert.equal(sent.length, 1, "exactly one cancellation email");
        assert.match(sent[0]!.subject, /cancelled/);
        assert.equal(await depth(queue.dlqUrl), 0, "the redelivery is acknowledged, not dead-lettered");
    });

    it("skips suppressed addresses", async () => {
        await new SuppressionList(createDocumentClient(raw), TABLE).suppress("Bounced@Example.com", "bounce", "2025-01-01T00:00:00.000Z");
        await send(orderEvent(4, "order.created", "bounced@example.com"));
        await pumpQueue(sqs, queue.url, queue.arn, invoke, 5);
        assert.equal((await emailsTo("bounced@example.com")).length, 0);
        assert.equal(await depth(queue.url), 0);
    });

    it("rides out a short SES outage by retrying, and sends exactly once", async () => {
        proxy.failNext(ATTEMPTS_IN_EMULATOR - 1);
        await send(orderEvent(5));
        await pumpQueue(sqs, queue.url, queue.arn, invoke, MAX_RECEIVES + 2);
        assert.equal((await emailsTo("buyer5@example.com")).length, 1);
        assert.equal(await depth(queue.dlqUrl), 0);
    });

    it("dead-letters a poison message and a long outage's event, and a redrive then delivers the event once", async () => {
        proxy.failNext(1000);
        await send("{not json");
        await send(orderEvent(6));
        await pumpQueue(sqs, queue.url, queue.arn, invoke, MAX_RECEIVES + 3);
        assert.equal(await depth(queue.url), 0);
        assert.equal(await depth(queue.dlqUrl), 2, "both messages are in the DLQ, none dropped");
        assert.equal((await emailsTo("buyer6@example.com")).length, 0);

        proxy.failNext(0);
        const progress = await redrive(sqs, { dlqArn: queue.dlqArn, sourceArn: queue.arn, pollMs: 20 });
        assert.equal(progress.status, "COMPLETED");
        assert.equal(progress.moved, 2);
        await pumpQueue(sqs, queue.url, queue.arn, invoke, MAX_RECEIVES + 3);
        assert.equal((await emailsTo("buyer6@example.com")).length, 1, "the order's email arrives exactly once");
        assert.equal(await depth(queue.dlqUrl), 1, "only the poison message is back in the DLQ");
    });

    it("classifies SES failures: an answer or a refused connection is retryable, a timeout is not", () => {
        assert.equal(definitelyNotSent({ $metadata: { httpStatusCode: 503 } }), true);
        assert.equal(definitelyNotSent(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })), true);
        assert.equal(definitelyNotSent(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })), false);
        assert.equal(definitelyNotSent(new Error("TimeoutError")), false);
    });

    it("runs the same way from its bundle", async function () {
        skipUnlessLambdaNode(this);
        const bundles = await ensureBundles();
        const loaded = loadBundle<{ handler: typeof worker }>(bundles.get("email-worker")!.file, {
            TABLE_NAME: TABLE,
            SES_CONFIGURATION_SET: "orders",
            SES_FROM_ADDRESS: "orders@shop.example",
            AWS_REGION: REGION,
            AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
            AWS_ENDPOINT_URL_SESV2: ses.endpoint,
            POWERTOOLS_SERVICE_NAME: "email-worker",
            POWERTOOLS_METRICS_NAMESPACE: "Test",
            POWERTOOLS_LOG_LEVEL: "SILENT",
            POWERTOOLS_METRICS_DISABLED: "true",
            APP_VERSION: "1.0.0",
        });
        try {
            const event = orderEvent(7);
            await send(event);
            await send(event);
            await pumpQueue(sqs, queue.url, queue.arn, (e) => loaded.module.handler(e, lambdaContext()), 5);
            assert.equal((await emailsTo("buyer7@example.com")).length, 1);
        } finally {
            loaded.restore();
        }
    });
});
