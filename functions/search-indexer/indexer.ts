import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { batchRecords } from "../shared/batch-event";
import type { Observability } from "../shared/observability";
import { toDocument, type SearchStore } from "../shared/search-store";
import { changeFromMessage, changeFromStream, type IndexChange } from "./changes";

export interface SearchIndexerDeps {
    search: SearchStore;
    observability: Observability;
}

export type SearchIndexerHandler = (event: DynamoDBStreamEvent | SQSEvent, context: Context) => Promise<DynamoDBBatchResponse | SQSBatchResponse>;

/**
 * Keeps the OpenSearch index in step with the orders. Fed by the table's stream (ordered per order,
 * the preferred source) or by an SQS subscription to the domain events. Writes are idempotent: a
 * replayed change rewrites the same document, and an older version never overwrites a newer one.
 */
export function createSearchIndexer(deps: SearchIndexerDeps): SearchIndexerHandler {
    const { logger, kpis } = deps.observability;
    const streamProcessor = new BatchProcessor(EventType.DynamoDBStreams);
    const queueProcessor = new BatchProcessor(EventType.SQS);

    async function apply(change: IndexChange): Promise<void> {
        if (change.kind === "ignore") return;
        if (change.kind === "delete") {
            await deps.search.remove(change.orderId);
            kpis.count("SearchDocumentsDeleted");
            return;
        }
        const outcome = await deps.search.upsert(toDocument(change.order));
        if (outcome === "written") kpis.count("SearchDocumentsUpserted");
        else logger.info("Index already holds a newer version; change skipped", { orderId: change.order.id, version: change.order.version });
    }

    return async (event, context) => {
        logger.addContext(context);
        try {
            const { source } = batchRecords<DynamoDBRecord | SQSRecord>(event, "search-indexer", ["aws:dynamodb", "aws:sqs"]);
            if (source === "aws:dynamodb") {
                const stream = event as DynamoDBStreamEvent;
                logger.setCorrelationId(stream.Records[0]?.eventID);
                return await processPartialResponse(stream, (record: DynamoDBRecord) => apply(changeFromStream(record)), streamProcessor, {
                    context,
                    throwOnFullBatchFailure: false,
                });
            }
            const queue = event as SQSEvent;
            logger.setCorrelationId(queue.Records[0]?.messageId);
            return await processPartialResponse(queue, (record: SQSRecord) => apply(changeFromMessage(record)), queueProcessor, {
                context,
                throwOnFullBatchFailure: false,
            });
        } finally {
            kpis.flush();
        }
    };
}
