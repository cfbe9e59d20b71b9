import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";

const IDLE_MS = 250;

/**
 * What Lambda's SQS event source mapping does, for the dev server: receive batches, invoke the
 * handler, delete what succeeded and release what it reported as failed.
 */
export function pollQueue(
    sqs: SQSClient,
    queueUrl: string,
    queueArn: string,
    handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
): { stop(): Promise<void> } {
    let running = true;
    const loop = (async () => {
        while (running) {
            try {
                const { Messages = [] } = await sqs.send(
                    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }),
                );
                if (Messages.length === 0) {
                    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
                    continue;
                }
                const event: SQSEvent = {
                    Records: Messages.map((m) => ({
                        messageId: m.MessageId ?? "",
                        receiptHandle: m.ReceiptHandle ?? "",
                        body: m.Body ?? "",
                        attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "local", ApproximateFirstReceiveTimestamp: "0" },
                        messageAttributes: {},
                        md5OfBody: m.MD5OfBody ?? "",
                        eventSource: "aws:sqs",
                        eventSourceARN: queueArn,
                        awsRegion: "us-east-1",
                    })),
                };
                const context = { awsRequestId: `poll-${Date.now()}`, functionName: "email-worker-local", getRemainingTimeInMillis: () => 29_000 } as Context;
                const failed = new Set((await handler(event, context)).batchItemFailures.map((f) => f.itemIdentifier));
                for (const m of Messages) {
                    if (failed.has(m.MessageId ?? ""))
                        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 2 }));
                    else await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
                }
            } catch (error) {
                if (running) console.error("email queue poller:", (error as Error).message);
                await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
            }
        }
    })();
    return {
        stop: async () => {
            running = false;
            await loop;
        },
    };
}
