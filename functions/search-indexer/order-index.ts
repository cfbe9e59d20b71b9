import type Transport from "@opensearch-project/opensearch/lib/Transport.js";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsCredentialIdentity } from "@smithy/types";
import { createSignedTransport } from "../shared/opensearch-transport";
import type { OrderDocument } from "../shared/search-store";
import { traceCall, type Tracer } from "../shared/tracing";

/**
 * What the index keeps of a removed order: its id and the version it was removed at. It has no
 * customer, so the API's search (a hard filter on `customerId`) never returns it. It stays so that a
 * late, older change of the order is refused by its version instead of bringing the order back.
 */
export interface RemovedOrderDocument {
    id: string;
    version: number;
    removed: true;
}

export type IndexedDocument = OrderDocument | RemovedOrderDocument;

export const removedDocument = (orderId: string, version: number): RemovedOrderDocument => ({ id: orderId, version, removed: true });

/**
 * The search index as the indexer writes it: every change, a removal included, is one document written
 * at the order's version, and the write is refused when the index holds a newer one.
 */
export interface OrderIndex {
    /** `stale`: the index already holds this version or a newer one (or the removal at this version), which wins. */
    upsert(doc: IndexedDocument): Promise<"written" | "stale">;
}

/** A 409 from a versioned write that is not a version conflict: something other than our versions refused it. */
export class UnexpectedConflictError extends Error {
    override readonly name = "UnexpectedConflictError";
}

function errorType(body: unknown): string | undefined {
    const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
    const type = typeof error === "object" && error !== null ? (error as { type?: unknown }).type : undefined;
    return typeof type === "string" ? type : undefined;
}

/** How a document is written (see below): at its order's version, a removal also over the image of that version. */
function versioning(doc: IndexedDocument): { version: number; version_type: "external" | "external_gte" } {
    return { version: doc.version, version_type: "removed" in doc ? "external_gte" : "external" };
}

/** What a 409 answer to a versioned write means: `stale` for a version conflict, else it is no answer of ours. */
function conflictOutcome(body: unknown): "stale" {
    const type = errorType(body);
    if (type === "version_conflict_engine_exception") return "stale";
    throw new UnexpectedConflictError(`OpenSearch refused the versioned write with 409 ${type ?? "and no error type"}, not a version conflict`);
}

/**
 * One document of a `_bulk` write that OpenSearch did not take: its HTTP status and error type only
 * (an error's reason can quote the document, which holds the customer's note). 429 and 5xx are worth retrying.
 */
export class BulkItemError extends Error {
    override readonly name = "BulkItemError";
    constructor(
        readonly status: number,
        readonly type: string | undefined,
    ) {
        super(`OpenSearch did not take the document: ${status} ${type ?? "(no error type)"}`);
    }
}

export type BulkOutcome = "written" | "stale" | BulkItemError;

/**
 * Writes with OpenSearch's external versioning: `PUT <index>/_doc/<id>?version=<order version>&version_type=external`
 * is one atomic compare-and-write on the document's shard, so two runs racing on one order cannot let
 * the older version land last, whatever the order their requests arrive in. The read-then-write the
 * indexer did before (read the document, write unless it holds the same or a newer version) could:
 * both runs read version 1, the run writing version 3 writes first, the one writing version 2 writes
 * last and wins (the control in test/functions/search-indexer.concurrency.spec.ts).
 *
 * - An order document is written with `external`: only a strictly greater version replaces what is
 *   there. The same version again is a replay (a redelivered record, or the Transport's own retry of a
 *   write that landed but whose answer was lost): it gets 409 `version_conflict_engine_exception` and is
 *   `stale`, not a failure, because the index already holds it.
 * - A removal replaces the document by a `RemovedOrderDocument` at the removed item's last version, with
 *   `external_gte`: a removal supersedes the image of the same version it removes, while an upsert of that
 *   version afterwards (a late MODIFY) is strictly not greater and is refused. A removal older than the
 *   document (the order was written again since) is refused too.
 * - Removals are documents, not `DELETE`s: OpenSearch keeps a deleted document's version only for
 *   `index.gc_deletes` (60 s by default), after which a late, older upsert would bring the order back.
 * - A document indexed before versioned writes has an internal `_version`, the count of its writes, not
 *   its order's version; one written more often than its order changed (the race above) refuses order
 *   versions up to that count as stale. The index is derived data: rebuild it once when this ships
 *   (docs/operations.md, "Rebuilding the search index").
 *
 * OpenSearch Serverless: custom document ids (`PUT <index>/_doc/<id>`) exist only in search collections
 * (the platform's collection type); time series and vector search collections take generated ids only,
 * so no per-order versioning of any kind is possible there. The AWS page of supported operations lists
 * operations, not their parameters, and names no restriction on `version`/`version_type`.
 */
export class VersionedOrderIndex implements OrderIndex {
    constructor(
        private readonly options: { index: string; tracer?: Tracer },
        private readonly transport: Pick<Transport, "request">,
    ) {}

    async upsert(doc: IndexedDocument): Promise<"written" | "stale"> {
        const path = `/${encodeURIComponent(this.options.index)}/_doc/${encodeURIComponent(doc.id)}`;
        const response = await traceCall(this.options.tracer, "opensearch.index", { index: this.options.index, operation: "index" }, async (annotate) => {
            const answer = await this.transport.request(
                {
                    method: "PUT",
                    path,
                    querystring: versioning(doc),
                    body: doc as unknown as Record<string, unknown>,
                },
                // A 409 is an answer to read, not an error to retry: see above.
                { ignore: [409] },
            );
            if (typeof answer.statusCode === "number") annotate("status", answer.statusCode);
            return answer;
        });
        if (response.statusCode !== 409) return "written";
        return conflictOutcome(response.body);
    }

    /**
     * Many writes in one `POST <index>/_bulk`, each versioned exactly as `upsert` writes it (one atomic
     * compare-and-write per document): the outcome of each document, in order. A request OpenSearch
     * refuses whole throws, as `upsert` does. What rebuilds the index from the table (tools/recovery/reindex.ts).
     */
    async upsertMany(docs: readonly IndexedDocument[]): Promise<BulkOutcome[]> {
        if (docs.length === 0) return [];
        const bulkBody = docs.flatMap((doc) => [{ index: { _id: doc.id, ...versioning(doc) } }, doc as unknown as Record<string, unknown>]);
        const response = await traceCall(this.options.tracer, "opensearch.bulk", { index: this.options.index, operation: "bulk" }, async (annotate) => {
            const answer = await this.transport.request({ method: "POST", path: `/${encodeURIComponent(this.options.index)}/_bulk`, bulkBody });
            if (typeof answer.statusCode === "number") annotate("status", answer.statusCode);
            return answer;
        });
        const items = (response.body as { items?: unknown } | undefined)?.items;
        if (!Array.isArray(items) || items.length !== docs.length) {
            throw new Error(`OpenSearch answered the bulk write of ${docs.length} documents with ${Array.isArray(items) ? items.length : "no"} items`);
        }
        return items.map((item: unknown): BulkOutcome => {
            const result = typeof item === "object" && item !== null ? (item as { index?: { status?: unknown; error?: unknown } }).index : undefined;
            const status = typeof result?.status === "number" ? result.status : 0;
            if (status >= 200 && status < 300) return "written";
            if (status === 409) {
                try {
                    return conflictOutcome(result);
                } catch {
                    return new BulkItemError(status, errorType(result));
                }
            }
            return new BulkItemError(status, errorType(result));
        });
    }
}

export interface OrderIndexOptions {
    endpoint: string;
    index: string;
    region: string;
    requestTimeoutMs?: number;
    /** Each write becomes an `opensearch.index` subsegment annotated with the index and status. */
    tracer?: Tracer;
}

/**
 * The index over the client library's Transport with its SigV4 signer for `aoss`, built now: the
 * indexer writes on every invocation, so the Transport belongs in the init phase. The credential
 * loader is the one `OpenSearchStore` uses (a default provider chain, the environment provider inside
 * the bundles), imported statically so the SDK is not wrapped in lazy initializers.
 */
export function connectOrderIndex(options: OrderIndexOptions): VersionedOrderIndex {
    const loadCredentials = (): Promise<AwsCredentialIdentity> => defaultProvider()();
    const transport = createSignedTransport(
        { endpoint: options.endpoint, region: options.region, service: "aoss", requestTimeoutMs: options.requestTimeoutMs ?? 5000 },
        loadCredentials,
    );
    return new VersionedOrderIndex({ index: options.index, ...(options.tracer ? { tracer: options.tracer } : {}) }, transport);
}
