import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { epochSecondsIn, keys } from "../shared/table-keys";

export type DeliveryStatus = "SENDING" | "SENT" | "FAILED" | "SUPPRESSED";

export type ClaimResult = { claimed: true } | { claimed: false; status: DeliveryStatus };

/** Longer than SQS retention (14 days) plus a redrive: an event can't outlive its ledger entry. */
const LEDGER_RETENTION_DAYS = 30;

/**
 * One row per event: the claim that makes "at most one email per event" hold across duplicate SQS
 * deliveries, concurrent consumers and timeouts. A row is claimed (SENDING) before SES is called and
 * only a definite SES refusal releases it (FAILED) for a retry. A function that dies after SES
 * accepted the message leaves SENDING behind, and every later delivery of that event is skipped.
 * Powertools Idempotency is not used here on purpose: it expires in-progress records after a
 * timeout and would then run the send a second time.
 */
export class DeliveryLedger {
    constructor(
        private readonly db: DynamoDBDocumentClient,
        private readonly tableName: string,
    ) {}

    async claim(eventId: string, at: string, initial: "SENDING" | "SUPPRESSED" = "SENDING"): Promise<ClaimResult> {
        try {
            await this.db.send(
                new PutCommand({
                    TableName: this.tableName,
                    Item: {
                        ...keys.delivery(eventId),
                        entity: "delivery",
                        eventId,
                        status: initial,
                        claimedAt: at,
                        expiresAt: epochSecondsIn(LEDGER_RETENTION_DAYS),
                    },
                    ConditionExpression: "attribute_not_exists(pk) OR #status = :failed",
                    ExpressionAttributeNames: { "#status": "status" },
                    ExpressionAttributeValues: { ":failed": "FAILED" },
                }),
            );
            return { claimed: true };
        } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            return { claimed: false, status: (await this.status(eventId)) ?? "SENDING" };
        }
    }

    async status(eventId: string): Promise<DeliveryStatus | undefined> {
        const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.delivery(eventId), ConsistentRead: true }));
        return result.Item?.status as DeliveryStatus | undefined;
    }

    async markSent(eventId: string, messageId: string, at: string): Promise<void> {
        await this.db.send(
            new UpdateCommand({
                TableName: this.tableName,
                Key: keys.delivery(eventId),
                UpdateExpression: "SET #status = :sent, messageId = :messageId, sentAt = :at",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":sent": "SENT", ":messageId": messageId, ":at": at },
            }),
        );
    }

    /** Only for a send SES definitely refused: the next delivery may claim the row again. */
    async release(eventId: string, reason: string): Promise<void> {
        await this.db.send(
            new UpdateCommand({
                TableName: this.tableName,
                Key: keys.delivery(eventId),
                UpdateExpression: "SET #status = :failed, lastError = :reason ADD attempts :one",
                ConditionExpression: "#status = :sending",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":failed": "FAILED", ":sending": "SENDING", ":reason": reason.slice(0, 500), ":one": 1 },
            }),
        );
    }
}
