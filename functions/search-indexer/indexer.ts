import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { Observability } from "../shared/observability";
import { toDocument, type SearchStore } from "../shared/search-store";
import { changeFromMessage, changeFromStream, type IndexChange } from "./changes";

export interface SearchIndexerDeps {
    search: SearchStore;
    observability: Observability;
}

export type SearchIndexerHandler = (event: DynamoDBStreamEvent | SQSEvent, context: Context) => Promise<DynamoDBBatchResponse | SQSBatchResponse>;

const isStreamEvent = (event: DynamoDBStreamEvent | SQSEvent): event is DynamoDBStreamEvent => event.Records[0]?.eventSource === "aws:dynamodb";

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
            if (isStreamEvent(event)) {
                logger.setCorrelationId(event.Records[0]?.eventID);
                return await processPartialResponse(event, (record: DynamoDBRecord) => apply(changeFromStream(record)), streamProcessor, {
                    context,
                    throwOnFullBatchFailure: false,
                });
            }
            logger.setCorrelationId(event.Records[0]?.messageId);
            return await processPartialResponse(event, (record: SQSRecord) => apply(changeFromMessage(record)), queueProcessor, {
                context,
                throwOnFullBatchFailure: false,
            });
        } finally {
            kpis.flush();
        }
    };
}
