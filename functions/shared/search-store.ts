import type Transport from "@opensearch-project/opensearch/lib/Transport.js";
import type { ApiResponse, TransportRequestOptions, TransportRequestParams } from "@opensearch-project/opensearch/lib/Transport.js";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { Order } from "./domain";
import type { SignedTransportOptions } from "./opensearch-transport";
import { statusOf, traceCall, type Tracer } from "./tracing";

/** What the search index holds for an order: enough to show a result list, scoped by customer. */
export interface OrderDocument {
    id: string;
    customerId: string;
    status: Order["status"];
    currency: Order["currency"];
    total: number;
    skus: string[];
    note?: string;
    createdAt: string;
    updatedAt: string;
    version: number;
}

export function toDocument(order: Order): OrderDocument {
    return {
        id: order.id,
        customerId: order.customerId,
        status: order.status,
        currency: order.currency,
        total: order.total,
        skus: order.items.map((item) => item.sku),
        ...(order.note !== undefined ? { note: order.note } : {}),
        createdAt: order.createdAt,
        updatedAt: order.updatedAt,
        version: order.version,
    };
}

/**
 * The index as the API reads it. The search indexer writes it through its own versioned index
 * (search-indexer/order-index.ts), which also keeps removed orders as markers without a customer:
 * the customer filter never returns them.
 */
export interface SearchStore {
    searchOrders(customerId: string, query: string, size: number): Promise<OrderDocument[]>;
}

export interface OpenSearchOptions {
    endpoint: string;
    index: string;
    region: string;
    /** `aoss` for OpenSearch Serverless; `es` for a managed domain. */
    service?: "aoss" | "es";
    requestTimeoutMs?: number;
    /** Each search becomes an `opensearch.search` subsegment annotated with the index and status. */
    tracer?: Tracer;
}

/**
 * Why a search call failed, as far as the caller is concerned. `unavailable`: OpenSearch could not
 * answer (timeout, connection refused or reset, no living connection, a 5xx or a 429) and a retry
 * later may succeed. `failed`: anything else, above all a 4xx, which means our own request was wrong
 * (a bug to fix, not an outage to wait out).
 */
export function classifySearchFailure(error: unknown): { kind: "unavailable" | "failed"; reason: string; status?: number } {
    const name = error instanceof Error ? error.name : typeof error;
    const status = statusOf(error);
    if (name === "ResponseError" && status !== undefined) {
        return { kind: status >= 500 || status === 429 ? "unavailable" : "failed", reason: name, status };
    }
    // The OpenSearch client's own names; matched by name so the API's cold start need not load the library.
    const outage = name === "TimeoutError" || name === "ConnectionError" || name === "NoLivingConnectionsError";
    return { kind: outage ? "unavailable" : "failed", reason: name };
}

interface HitsBody {
    hits?: { hits?: Array<{ _source?: OrderDocument }> };
}

/**
 * What the library's `aws-v3` signer does for credentials: a fresh default provider chain each time
 * the signer needs (new) credentials. Inside the bundles that chain is the environment provider
 * (components/bundle-options.ts).
 */
const loadCredentials = (): Promise<AwsCredentialIdentity> => defaultProvider()();

const transportOptions = (options: OpenSearchOptions): SignedTransportOptions => ({
    endpoint: options.endpoint,
    region: options.region,
    service: options.service ?? "aoss",
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
});

/**
 * The API's search, through the client library's Transport and its AWS SigV4 signer (service `aoss`).
 * The signer adds `x-amz-content-sha256`, which OpenSearch Serverless requires. We use the Transport
 * rather than `new Client()` because the Client eagerly loads every API namespace (about 250 KB
 * minified), which would break the bundle-size budget for an API that uses one endpoint.
 *
 * The Transport (and the client library behind it) is loaded and built on the first request, then
 * reused: the API's cold start does not pay for it unless the search route runs. The search indexer,
 * which writes on every invocation, builds its own during init (`connectOrderIndex`).
 */
export class OpenSearchStore implements SearchStore {
    private transport?: Promise<Transport>;

    constructor(private readonly options: OpenSearchOptions) {}

    private connect(): Promise<Transport> {
        this.transport ??= import("./opensearch-transport")
            .then(({ createSignedTransport }) => createSignedTransport(transportOptions(this.options), loadCredentials))
            .catch((error: unknown) => {
                // Not cached: the next request tries again.
                this.transport = undefined;
                throw error;
            });
        return this.transport;
    }

    private async send(operation: "search", params: TransportRequestParams, options?: TransportRequestOptions): Promise<ApiResponse> {
        // Connecting (the first request's import of the client library) stays outside the subsegment, so it is not taken for OpenSearch latency.
        const transport = await this.connect();
        return traceCall(this.options.tracer, `opensearch.${operation}`, { index: this.options.index, operation }, async (annotate) => {
            const response = await transport.request(params, options);
            if (typeof response.statusCode === "number") annotate("status", response.statusCode);
            return response;
        });
    }

    async searchOrders(customerId: string, query: string, size: number): Promise<OrderDocument[]> {
        const response = await this.send("search", {
            method: "POST",
            path: `/${encodeURIComponent(this.options.index)}/_search`,
            body: {
                size,
                query: {
                    bool: {
                        // The customer filter is a hard filter, not a scoring hint: nobody sees another customer's orders.
                        filter: [{ term: { "customerId.keyword": customerId } }],
                        must: [{ multi_match: { query, fields: ["id^3", "skus^2", "note", "status"], lenient: true } }],
                    },
                },
                sort: [{ _score: "desc" }],
            },
        });
        const body = response.body as HitsBody;
        // A removed order's marker (search-indexer/order-index.ts) has no customerId, so it never matches.
        return (body.hits?.hits ?? []).flatMap((hit) => (hit._source && hit._source.customerId === customerId ? [hit._source] : []));
    }
}
