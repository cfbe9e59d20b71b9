import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { epochSecondsIn, keys, normaliseEmail } from "./table-keys";

export type SuppressionReason = "bounce" | "complaint";

export interface FeedbackRecord {
    email: string;
    type: "bounce" | "complaint";
    subType: string;
    feedbackId: string;
    messageId: string;
    at: string;
}

/** How long a bounce or complaint is kept for audit before DynamoDB's TTL removes it. */
const FEEDBACK_RETENTION_DAYS = 400;

/**
 * The suppression list and the feedback log, both in the main table. The SES feedback handler
 * writes them; the email worker reads the list before every send.
 */
export class SuppressionList {
    constructor(
        private readonly db: DynamoDBDocumentClient,
        private readonly tableName: string,
    ) {}

    async isSuppressed(email: string): Promise<boolean> {
        const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.suppression(email), ConsistentRead: true }));
        return result.Item !== undefined;
    }

    /** Idempotent: a repeated notification keeps the first reason and date, and counts the repeat. */
    async suppress(email: string, reason: SuppressionReason, at: string): Promise<void> {
        await this.db.send(
            new UpdateCommand({
                TableName: this.tableName,
                Key: keys.suppression(email),
                UpdateExpression:
                    "SET email = :email, reason = if_not_exists(reason, :reason), suppressedAt = if_not_exists(suppressedAt, :at), lastEventAt = :at ADD events :one",
                ExpressionAttributeValues: { ":email": normaliseEmail(email), ":reason": reason, ":at": at, ":one": 1 },
            }),
        );
    }

    /** Keyed by the SES feedback id, so a redelivered notification overwrites itself instead of adding a row. */
    async recordFeedback(record: FeedbackRecord): Promise<void> {
        await this.db.send(
            new PutCommand({
                TableName: this.tableName,
                Item: {
                    ...keys.feedback(record.email, record.at, record.feedbackId),
                    entity: "feedback",
                    ...record,
                    email: normaliseEmail(record.email),
                    expiresAt: epochSecondsIn(FEEDBACK_RETENTION_DAYS),
                },
            }),
        );
    }
}
