import { parse } from "@aws-lambda-powertools/parser";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, SNSEvent } from "aws-lambda";
import type { Observability } from "../shared/observability";
import { SuppressionList } from "../shared/suppression";
import { sesNotification, type SesNotification } from "./notification";

export interface SesFeedbackDeps {
    db: DynamoDBDocumentClient;
    tableName: string;
    observability: Observability;
}

export type SesFeedbackHandler = (event: SNSEvent, context: Context) => Promise<void>;

/**
 * Records bounces and complaints and suppresses the addresses the email worker must not write to
 * again: every complaint and every permanent bounce. Transient bounces are recorded only. All
 * writes are keyed so a redelivered notification changes nothing.
 */
export function createSesFeedbackHandler(deps: SesFeedbackDeps): SesFeedbackHandler {
    const { logger, kpis } = deps.observability;
    const list = new SuppressionList(deps.db, deps.tableName);

    async function handle(notification: SesNotification): Promise<void> {
        const kind = notification.eventType ?? notification.notificationType;
        const messageId = notification.mail.messageId;
        if (kind === "Bounce" && notification.bounce) {
            const { bounce } = notification;
            for (const { emailAddress } of bounce.bouncedRecipients) {
                await list.recordFeedback({
                    email: emailAddress,
                    type: "bounce",
                    subType: `${bounce.bounceType}/${bounce.bounceSubType ?? "General"}`,
                    feedbackId: bounce.feedbackId,
                    messageId,
                    at: bounce.timestamp,
                });
                kpis.count("BouncesRecorded");
                if (bounce.bounceType === "Permanent") {
                    await list.suppress(emailAddress, "bounce", bounce.timestamp);
                    kpis.count("AddressesSuppressed");
                }
            }
            return;
        }
        if (kind === "Complaint" && notification.complaint) {
            const { complaint } = notification;
            for (const { emailAddress } of complaint.complainedRecipients) {
                await list.recordFeedback({
                    email: emailAddress,
                    type: "complaint",
                    subType: complaint.complaintFeedbackType ?? "unspecified",
                    feedbackId: complaint.feedbackId,
                    messageId,
                    at: complaint.timestamp,
                });
                await list.suppress(emailAddress, "complaint", complaint.timestamp);
                kpis.count("ComplaintsRecorded");
                kpis.count("AddressesSuppressed");
            }
            return;
        }
        // Deliveries, sends, opens: the configuration set may publish them to the same topic; nothing to do.
        logger.debug("Ignoring SES notification", { kind });
    }

    return async (event, context) => {
        logger.addContext(context);
        const failures: string[] = [];
        try {
            for (const record of event.Records) {
                logger.setCorrelationId(record.Sns.MessageId);
                try {
                    await handle(parse(JSON.parse(record.Sns.Message), undefined, sesNotification) as SesNotification);
                } catch (error) {
                    logger.error("Could not process SES notification", { snsMessageId: record.Sns.MessageId, error: error as Error });
                    failures.push(record.Sns.MessageId);
                }
            }
        } finally {
            kpis.flush();
        }
        // SNS invokes asynchronously: throwing makes Lambda retry, then hand the event to the on-failure destination.
        if (failures.length > 0) throw new Error(`Failed to process SNS message(s): ${failures.join(", ")}`);
    };
}
