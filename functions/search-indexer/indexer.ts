import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { MalformedBatchError, batchRecords } from "../shared/batch-event";
import type { Observability } from "../shared/observability";
import { toDocument } from "../shared/search-store";
import { statusOf } from "../shared/tracing";
import { UnreadableRecordError, changeFromMessage, changeFromStream, type IndexChange } from "./changes";
import { removedDocument, type IndexedDocument, type OrderIndex } from "./order-index";

export interface SearchIndexerDeps {
    /** Versioned writes (order-index.ts): whatever the order of concurrent runs, an older version never wins. */
    search: OrderIndex;
    observability: Observability;
}

export type SearchIndexerHandler = (event: DynamoDBStreamEvent | SQSEvent, context: Context) => Promise<DynamoDBBatchResponse | SQSBatchResponse>;

const CONSUMER = "search-indexer";

/** DynamoDB Streams sequence numbers are decimal strings (StreamRecord.SequenceNumber in the Streams API reference). */
const SEQUENCE_NUMBER = /^\d+$/;

/** An identifier from the event, named in a message only if it is a short string. */
const quoted = (value: unknown): string => (typeof value === "string" && value.length > 0 && value.length <= 128 ? ` (${JSON.stringify(value)})` : "");

/**
 * The first record that could not be reported on its own, if any. Lambda identifies a failed record
 * by its `itemIdentifier` only: the stream record's `dynamodb.SequenceNumber`, the message's
 * `messageId`. Powertools' batch processor leaves a stream failure without a sequence number out of
 * `batchItemFailures` altogether, and Lambda takes a failure whose identifier is empty or missing as
 * the whole batch failing. Either way such a record is never reported alone, so it is refused here.
 */
function unreportable(source: "aws:dynamodb" | "aws:sqs", records: readonly (DynamoDBRecord | SQSRecord)[]): string | undefined {
    for (const [i, record] of records.entries()) {
        if (source === "aws:dynamodb") {
            const { eventID, dynamodb } = record as DynamoDBRecord;
            const sequenceNumber: unknown = typeof dynamodb === "object" && dynamodb !== null ? dynamodb.SequenceNumber : undefined;
            if (typeof sequenceNumber !== "string" || !SEQUENCE_NUMBER.test(sequenceNumber)) {
                return `record ${i}${quoted(eventID)} has ${sequenceNumber === undefined ? "no dynamodb.SequenceNumber" : "a dynamodb.SequenceNumber that is not a decimal string"}`;
            }
        } else {
            const { messageId } = record as SQSRecord;
            if (typeof messageId !== "string" || messageId === "")
                return `record ${i} has ${messageId === undefined ? "no messageId" : "an empty or non-string messageId"}`;
        }
    }
    return undefined;
}

/**
 * Keeps the OpenSearch index in step with the orders. Fed by the table's stream (ordered per order,
 * the preferred source) or by an SQS subscription to the domain events. Every write is versioned
 * (order-index.ts): a replayed change is acknowledged without effect, and an older version never
 * overwrites a newer one, nor brings back a removed order, even when runs overlap.
 *
 * Per record: an item that is not an order is skipped (debug log with its keys); a record that should
 * be an order's change but cannot be read fails with its reason (error log), and so does a write
 * OpenSearch did not take (warning): both are retried, then end in the stream's on-failure destination
 * (or the queue's DLQ). A version conflict is no failure: the index already holds that version or a newer one.
 */
export function createSearchIndexer(deps: SearchIndexerDeps): SearchIndexerHandler {
    const { logger, kpis } = deps.observability;
    const streamProcessor = new BatchProcessor(EventType.DynamoDBStreams);
    const queueProcessor = new BatchProcessor(EventType.SQS);

    async function apply(change: Exclude<IndexChange, { kind: "skip" }>, record: Record<string, unknown>): Promise<void> {
        const doc: IndexedDocument = change.kind === "upsert" ? toDocument(change.order) : removedDocument(change.orderId, change.version);
        let outcome: "written" | "stale";
        try {
            outcome = await deps.search.upsert(doc);
        } catch (error) {
            // The error's name and status only: OpenSearch's messages can quote the document, which holds the customer's note.
            logger.warn("The index did not take the change; the record is reported as failed and will be retried", {
                ...record,
                orderId: doc.id,
                version: doc.version,
                change: change.kind,
                error: { name: error instanceof Error ? error.name : typeof error, status: statusOf(error) },
            });
            throw error;
        }
        // Each metric name stays a literal in its own call: the dashboards' spec finds them by name.
        if (outcome === "written" && change.kind === "upsert") kpis.count("SearchDocumentsUpserted");
        else if (outcome === "written") kpis.count("SearchDocumentsDeleted");
        else
            logger.info("The index already holds this version of the order or a newer one; change skipped", {
                orderId: doc.id,
                version: doc.version,
                change: change.kind,
            });
    }

    function unreadable(error: unknown, record: Record<string, unknown>): never {
        if (error instanceof UnreadableRecordError) {
            logger.error("A record that should be an order's change cannot be read; it is reported as failed, to be retried and then sent on", {
                ...record,
                ...(error.keys ? { keys: error.keys } : {}),
                reason: error.message,
            });
        }
        throw error;
    }

    async function onStreamRecord(record: DynamoDBRecord): Promise<void> {
        const ids = { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber };
        let change: IndexChange;
        try {
            change = changeFromStream(record);
        } catch (error) {
            unreadable(error, ids);
        }
        if (change.kind === "skip") {
            logger.debug("Skipped a stream record of an item that is not an order", { ...ids, keys: change.keys });
            return;
        }
        await apply(change, ids);
    }

    async function onQueueRecord(record: SQSRecord): Promise<void> {
        const ids = { messageId: record.messageId };
        let change: IndexChange;
        try {
            change = changeFromMessage(record);
        } catch (error) {
            unreadable(error, ids);
        }
        if (change.kind !== "skip") await apply(change, ids);
    }

    return async (event, context) => {
        logger.addContext(context);
        try {
            const { source, records } = batchRecords<DynamoDBRecord | SQSRecord>(event, CONSUMER, ["aws:dynamodb", "aws:sqs"]);
            if (source === undefined) return { batchItemFailures: [] };
            const problem = unreportable(source === "aws:dynamodb" ? "aws:dynamodb" : "aws:sqs", records);
            if (problem !== undefined) {
                // Failing the invocation loses nothing: Lambda retries the batch, bisects it
                // (bisectBatchOnFunctionError) down to the record, and after maximumRetryAttempts sends
                // it to the on-failure destination. Acknowledging part of it, or reporting an empty
                // identifier, could drop the record unindexed; an event Lambda built always has the
                // identifiers, so this is a hand-made or corrupted event, and it is refused before any write.
                const message = `${CONSUMER} cannot report a failure of each record of this batch: ${problem}. The whole batch fails instead, so it is retried rather than acknowledged with a record not indexed`;
                logger.error("Batch refused: a record has no identifier to report it by", { reason: message });
                throw new MalformedBatchError(message);
            }
            if (source === "aws:dynamodb") {
                const stream = event as DynamoDBStreamEvent;
                logger.setCorrelationId(stream.Records[0]?.eventID);
                return await processPartialResponse(stream, onStreamRecord, streamProcessor, { context, throwOnFullBatchFailure: false });
            }
            const queue = event as SQSEvent;
            logger.setCorrelationId(queue.Records[0]?.messageId);
            return await processPartialResponse(queue, onQueueRecord, queueProcessor, { context, throwOnFullBatchFailure: false });
        } finally {
            kpis.flush();
        }
    };
}
