import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { parse } from "@aws-lambda-powertools/parser";
import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { batchRecords } from "../shared/batch-event";
import { orderEventSchema, type OrderEvent } from "../shared/domain";
import type { Observability } from "../shared/observability";
import { unwrapSnsEnvelope } from "../shared/sqs-body";
import { SuppressionList } from "../shared/suppression";
import { DeliveryLedger } from "./delivery-ledger";
import { renderEmail } from "./render";

export interface EmailWorkerDeps {
    db: DynamoDBDocumentClient;
    tableName: string;
    ses: SESv2Client;
    fromAddress: string;
    configurationSet: string;
    observability: Observability;
    now?: () => Date;
}

export type EmailWorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * True when SES certainly did not accept the message: it answered with an error, or the connection
 * was refused before anything was sent. Anything else (a timeout, a reset) may have reached SES.
 */
export function definitelyNotSent(error: unknown): boolean {
    if (typeof error !== "object" || error === null) return false;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (typeof status === "number") return true;
    const code = (error as { code?: unknown }).code;
    return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
}

export function createEmailWorker(deps: EmailWorkerDeps): EmailWorkerHandler {
    const { logger, kpis } = deps.observability;
    const ledger = new DeliveryLedger(deps.db, deps.tableName);
    const suppression = new SuppressionList(deps.db, deps.tableName);
    const processor = new BatchProcessor(EventType.SQS);
    const now = () => (deps.now ?? (() => new Date()))().toISOString();

    async function deliver(event: OrderEvent): Promise<void> {
        const to = event.order.email;
        if (await suppression.isSuppressed(to)) {
            const claim = await ledger.claim(event.id, now(), "SUPPRESSED");
            if (claim.claimed) kpis.count("EmailsSuppressed");
            logger.info("Recipient is suppressed; not sending", { eventId: event.id });
            return;
        }
        const claim = await ledger.claim(event.id, now());
        if (!claim.claimed) {
            kpis.count("DuplicateEventsSkipped");
            if (claim.status === "SENDING") logger.warn("An earlier attempt may have sent this email; not sending again", { eventId: event.id });
            return;
        }
        const email = renderEmail(event);
        let messageId: string | undefined;
        try {
            const result = await deps.ses.send(
                new SendEmailCommand({
                    FromEmailAddress: deps.fromAddress,
                    Destination: { ToAddresses: [to] },
                    ConfigurationSetName: deps.configurationSet,
                    Content: {
                        Simple: {
                            Subject: { Data: email.subject, Charset: "UTF-8" },
                            Body: { Text: { Data: email.text, Charset: "UTF-8" }, Html: { Data: email.html, Charset: "UTF-8" } },
                        },
                    },
                    EmailTags: [
                        { Name: "event", Value: event.type.replace(".", "_") },
                        { Name: "order", Value: event.order.id },
                    ],
                }),
            );
            messageId = result.MessageId ?? "unknown";
        } catch (error) {
            if (definitelyNotSent(error)) {
                kpis.count("EmailSendFailures");
                await ledger.release(event.id, (error as Error).name ?? "Error");
                throw error;
            }
            // At most once wins over at least once: an ambiguous send is not repeated, it is counted and alarmed on.
            kpis.count("EmailDeliveryUncertain");
            logger.error("SES send outcome unknown; the event will not be sent again", { eventId: event.id, error: error as Error });
            return;
        }
        await ledger.markSent(event.id, messageId, now());
        kpis.count("EmailsSent");
    }

    async function handleRecord(record: SQSRecord): Promise<void> {
        // A malformed message throws here and is reported as failed, so SQS retries it and finally moves it to the DLQ.
        const event = parse(unwrapSnsEnvelope(record.body), undefined, orderEventSchema) as OrderEvent;
        logger.appendKeys({ eventId: event.id, eventType: event.type });
        try {
            await deliver(event);
        } finally {
            logger.removeKeys(["eventId", "eventType"]);
        }
    }

    return async (event, context) => {
        logger.addContext(context);
        try {
            batchRecords(event, "email-worker", ["aws:sqs"]);
            logger.setCorrelationId(event.Records[0]?.messageId);
            return await processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
        } finally {
            kpis.flush();
        }
    };
}
