import Transport from "@opensearch-project/opensearch/lib/Transport.js";
import type TransportSerializer from "@opensearch-project/opensearch/lib/Serializer.js";
import { ConnectionPool } from "@opensearch-project/opensearch/lib/pool/index.js";
import { AwsSigv4Signer } from "@opensearch-project/opensearch/aws-v3";
import { EventEmitter } from "node:events";
import type { Order } from "./domain";
import { PlainJsonSerializer } from "./search-serializer";

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

export interface SearchStore {
  /** Writes the document unless the index already holds the same or a newer version of it. */
  upsert(doc: OrderDocument): Promise<"written" | "stale">;
  remove(orderId: string): Promise<void>;
  searchOrders(customerId: string, query: string, size: number): Promise<OrderDocument[]>;
}

export interface OpenSearchOptions {
  endpoint: string;
  index: string;
  region: string;
  /** `aoss` for OpenSearch Serverless; `es` for a managed domain. */
  service?: "aoss" | "es";
  requestTimeoutMs?: number;
}

interface HitsBody {
  hits?: { hits?: Array<{ _source?: OrderDocument }> };
}

/**
 * OpenSearch through the client library's Transport and its AWS SigV4 signer (service `aoss`). The
 * signer adds `x-amz-content-sha256`, which OpenSearch Serverless requires. We use the Transport
 * rather than `new Client()` because the Client eagerly loads every API namespace (about 250 KB
 * minified), which would break the bundle-size budget for an API that uses three endpoints.
 */
export class OpenSearchStore implements SearchStore {
  private readonly transport: Transport;

  constructor(private readonly options: OpenSearchOptions) {
    const signer = AwsSigv4Signer({ region: options.region, service: options.service ?? "aoss" });
    const emitter = new EventEmitter();
    const emit = emitter.emit.bind(emitter);
    const connectionPool = new ConnectionPool({ Connection: signer.Connection, emit, sniffEnabled: false } as ConstructorParameters<typeof ConnectionPool>[0]);
    connectionPool.addConnection(options.endpoint);
    this.transport = new signer.Transport({
      emit,
      connectionPool,
      serializer: new PlainJsonSerializer() as unknown as TransportSerializer,
      maxRetries: 2,
      requestTimeout: options.requestTimeoutMs ?? 5000,
      sniffEndpoint: "_nodes/_all/http",
      sniffOnStart: false,
      sniffInterval: 0,
      sniffOnConnectionFault: false,
    });
  }

  private docPath(id: string): string {
    return `/${encodeURIComponent(this.options.index)}/_doc/${encodeURIComponent(id)}`;
  }

  async upsert(doc: OrderDocument): Promise<"written" | "stale"> {
    // Reading first keeps a late, older event (SQS does not preserve order) from overwriting a newer state.
    const current = await this.transport.request({ method: "GET", path: this.docPath(doc.id) }, { ignore: [404] });
    const existing = (current.body as { _source?: OrderDocument } | undefined)?._source;
    if (current.statusCode === 200 && existing && existing.version >= doc.version) return "stale";
    await this.transport.request({ method: "PUT", path: this.docPath(doc.id), body: doc as unknown as Record<string, unknown> });
    return "written";
  }

  async remove(orderId: string): Promise<void> {
    await this.transport.request({ method: "DELETE", path: this.docPath(orderId) }, { ignore: [404] });
  }

  async searchOrders(customerId: string, query: string, size: number): Promise<OrderDocument[]> {
    const response = await this.transport.request({
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
    return (body.hits?.hits ?? []).flatMap((hit) => (hit._source && hit._source.customerId === customerId ? [hit._source] : []));
  }
}
