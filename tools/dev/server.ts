import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { createApiHandler } from "../../functions/api/app";
import { createEmailWorker } from "../../functions/email-worker/worker";
import { createDocumentClient } from "../../functions/shared/clients";
import type { EventPublisher } from "../../functions/shared/event-publisher";
import { idempotencyLayout } from "../../functions/shared/idempotency-layout";
import { createObservability } from "../../functions/shared/observability";
import { OrderStore } from "../../functions/shared/order-store";
import { OpenSearchStore } from "../../functions/shared/search-store";
import { startDynamo, startSes2, startSqs, type Emulator } from "./emulators";
import { readBody, toApiGatewayEvent } from "./http-to-event";
import { pollQueue } from "./queue-poller";
import { createTables } from "./tables";

export interface DevServerOptions {
    port?: number;
    host?: string;
    /** An OpenSearch endpoint for GET /orders/search; without one the route answers 503. */
    searchEndpoint?: string;
    log?: (line: string) => void;
}

export interface DevServer {
    url: string;
    sesEndpoint: string;
    stop(): Promise<void>;
}

const TABLE = "orders-local";
const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The workload on one machine with no AWS account: the API over HTTP, DynamoDB (dynalite), the
 * domain events fanned out to an SQS queue (local-aws-sqs, standing in for SNS -> SQS) that the real
 * email worker drains, and SES (aws-ses-v2-local, whose page lists the emails "sent").
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
    const log = options.log ?? console.log;
    const emulators: Emulator[] = [];
    const dynamo = await startDynamo();
    emulators.push(dynamo);
    const sqsEmulator = await startSqs();
    emulators.push(sqsEmulator);
    const ses = await startSes2();
    emulators.push(ses);

    const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
    await createTables(raw, TABLE, `${TABLE}-idempotency`);
    const sqs = new SQSClient({ endpoint: sqsEmulator.endpoint, region: REGION, credentials: CREDENTIALS });
    const dlqArn = "arn:aws:sqs:us-east-1:123456789012:email-dlq";
    await sqs.send(new CreateQueueCommand({ QueueName: "email-dlq" }));
    const queue = await sqs.send(
        new CreateQueueCommand({ QueueName: "email", Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) } }),
    );
    const queueUrl = queue.QueueUrl as string;

    // What SNS does in AWS: deliver each event to the subscribed queue, wrapped in a notification envelope.
    const publisher: EventPublisher = {
        publish: async (event) => {
            await sqs.send(
                new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ Type: "Notification", Message: JSON.stringify(event) }) }),
            );
        },
    };
    const api = createApiHandler({
        store: new OrderStore(createDocumentClient(raw), TABLE),
        publisher,
        ...(options.searchEndpoint ? { search: new OpenSearchStore({ endpoint: options.searchEndpoint, index: "orders", region: REGION }) } : {}),
        idempotencyStore: new DynamoDBPersistenceLayer({ awsSdkV3Client: raw, ...idempotencyLayout(`${TABLE}-idempotency`, TABLE, "orders-api") }),
        observability: createObservability("orders-api", "Local"),
        version: "local",
    });
    const worker = createEmailWorker({
        db: createDocumentClient(raw),
        tableName: TABLE,
        ses: new SESv2Client({ endpoint: ses.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 }),
        fromAddress: "orders@localhost.test",
        configurationSet: "local",
        observability: createObservability("email-worker", "Local"),
    });
    const poller = pollQueue(sqs, queueUrl, "arn:aws:sqs:us-east-1:123456789012:email", worker);

    let invocation = 0;
    const server: Server = createServer((req, res) => {
        void (async () => {
            try {
                const event = toApiGatewayEvent(req, await readBody(req));
                invocation += 1;
                const result = await api(event, {
                    awsRequestId: event.requestContext.requestId,
                    functionName: "api-local",
                    functionVersion: "$LATEST",
                    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:api-local",
                    memoryLimitInMB: "256",
                    logGroupName: "local",
                    logStreamName: String(invocation),
                    callbackWaitsForEmptyEventLoop: false,
                    getRemainingTimeInMillis: () => 29_000,
                    done: () => undefined,
                    fail: () => undefined,
                    succeed: () => undefined,
                });
                res.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) }).end(result.body);
            } catch (error) {
                res.writeHead(500, { "content-type": "application/json" }).end(
                    JSON.stringify({ error: { code: "dev_server_error", message: (error as Error).message, details: {} } }),
                );
            }
        })();
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
    const address = server.address() as AddressInfo;
    const url = `http://${options.host ?? "127.0.0.1"}:${address.port}`;
    log(`API        ${url}   (act as a customer with the header "x-dev-user: <id>")`);
    log(`SES outbox ${ses.endpoint}   (emails the worker sent)`);
    log(`DynamoDB   ${dynamo.endpoint}   SQS ${sqsEmulator.endpoint}`);

    return {
        url,
        sesEndpoint: ses.endpoint,
        stop: async () => {
            await poller.stop();
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
            sqs.destroy();
            raw.destroy();
            for (const emulator of emulators.reverse()) await emulator.stop();
        },
    };
}
