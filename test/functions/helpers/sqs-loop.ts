import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/**
 * Plays the Lambda event source mapping against a real SQS emulator: receive a batch, invoke the
 * handler, delete what succeeded, and make reported failures visible again at once (instead of
 * waiting out a visibility timeout), so maxReceiveCount and the DLQ behave as in AWS.
 */
export async function pumpQueue(
    sqs: SQSClient,
    queueUrl: string,
    queueArn: string,
    handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    rounds: number,
): Promise<void> {
    let idle = 0;
    for (let round = 0; round < rounds;) {
        const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: 10,
                VisibilityTimeout: 30,
                WaitTimeSeconds: 0,
                MessageSystemAttributeNames: ["All"],
            }),
        );
        if (Messages.length === 0) {
            // A message made visible again a moment ago can take a tick to reappear in the emulator.
            if (++idle > 4) return;
            await new Promise((resolve) => setTimeout(resolve, 25));
            continue;
        }
        idle = 0;
        round += 1;
        const event: SQSEvent = {
            Records: Messages.map((m) => ({
                messageId: m.MessageId ?? "",
                receiptHandle: m.ReceiptHandle ?? "",
                body: m.Body ?? "",
                attributes: {
                    ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
                    SentTimestamp: "0",
                    SenderId: "test",
                    ApproximateFirstReceiveTimestamp: "0",
                },
                messageAttributes: {},
                md5OfBody: m.MD5OfBody ?? "",
                eventSource: "aws:sqs",
                eventSourceARN: queueArn,
                awsRegion: "us-east-1",
            })),
        };
        let failed = new Set<string>();
        try {
            const response = await handler(event);
            failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        } catch {
            failed = new Set(Messages.map((m) => m.MessageId ?? ""));
        }
        for (const m of Messages) {
            if (failed.has(m.MessageId ?? ""))
                await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
            else await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
    }
}
