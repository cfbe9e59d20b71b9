/**
 * What one request of each API route costs the platform behind it, read from the handlers in functions/:
 * DynamoDB read and write request units (idempotency records included), SNS publishes, OpenSearch queries,
 * and the asynchronous work it starts (an order email, search index writes). The capacity model multiplies
 * these by the request rate and the mix; test/tools/capacity.spec.ts fails when a handler's DynamoDB calls
 * change and `DYNAMODB_CALLS` below (the inventory this table was read from) does not.
 *
 * Units are on-demand request units on the happy path (a route that answers 4xx does less):
 * - a strongly consistent read of an item up to 4 KB is 1 RRU; an eventually consistent one (a GSI query) 0.5
 *   per 4 KB read;
 * - a write is 1 WRU per KB of the larger of the item before and after, and the same again for each GSI
 *   that projects the item (gsi1 projects ALL, components/data-store.ts);
 * - an order item is taken as 2 KB (a handful of lines, the customer's email, keys), a delivery, suppression
 *   or idempotency record as under 1 KB except the idempotency record that holds the response (2 KB).
 */

/** The routes of the API (index.ts), as `METHOD /path`. */
export const ROUTES = ["GET /health", "GET /orders", "POST /orders", "GET /orders/search", "GET /orders/{id}", "POST /orders/{id}/cancel"] as const;
export type Route = (typeof ROUTES)[number];

/** One DynamoDB call a request makes, and what it costs. */
export interface DynamoCall {
    /** The call as the code makes it. */
    call: string;
    /** Request units of one call. */
    units: number;
    /** Where the call is: file and function. */
    at: string;
}

export interface RouteAccess {
    /** The route's handler. */
    handler: string;
    reads: DynamoCall[];
    writes: DynamoCall[];
    /** SNS Publish calls (domain events). */
    publishes: number;
    /** OpenSearch queries. */
    searchQueries: number;
    /** Domain events the email queue's filter (order.created, order.cancelled) lets through: one email each. */
    emails: number;
    /** Order items the request writes: each is a stream record the search indexer turns into an index write. */
    indexedChanges: number;
}

const ORDER_STORE = "functions/shared/order-store.ts";
const IDEMPOTENCY = "functions/api/routes/create-order.ts (Powertools makeIdempotent, DynamoDBPersistenceLayer)";

export const ACCESS_PATTERNS: Record<Route, RouteAccess> = {
    "GET /health": {
        handler: "functions/api/routes/health.ts",
        reads: [{ call: "GetItem (consistent) health key", units: 1, at: `${ORDER_STORE} OrderStore.ping` }],
        writes: [],
        publishes: 0,
        searchQueries: 0,
        emails: 0,
        indexedChanges: 0,
    },
    "GET /orders": {
        handler: "functions/api/routes/orders.ts listOrders",
        // A page of 20 orders of 2 KB from gsi1 (eventually consistent): 40 KB, 10 x 0.5 RRU.
        reads: [{ call: "Query gsi1 Limit 20", units: 5, at: `${ORDER_STORE} OrderStore.list` }],
        writes: [],
        publishes: 0,
        searchQueries: 0,
        emails: 0,
        indexedChanges: 0,
    },
    "POST /orders": {
        handler: "functions/api/routes/create-order.ts",
        reads: [],
        writes: [
            { call: "PutItem idempotency record INPROGRESS (conditional)", units: 1, at: IDEMPOTENCY },
            { call: "PutItem order (conditional) + gsi1", units: 4, at: `${ORDER_STORE} OrderStore.create` },
            { call: "UpdateItem REMOVE unpublished + gsi1", units: 4, at: `${ORDER_STORE} OrderStore.markPublished` },
            { call: "UpdateItem idempotency record COMPLETED with the response", units: 2, at: IDEMPOTENCY },
        ],
        publishes: 1,
        searchQueries: 0,
        emails: 1,
        indexedChanges: 2,
    },
    "GET /orders/search": {
        handler: "functions/api/routes/search.ts",
        reads: [],
        writes: [],
        publishes: 0,
        searchQueries: 1,
        emails: 0,
        indexedChanges: 0,
    },
    "GET /orders/{id}": {
        handler: "functions/api/routes/orders.ts getOrder",
        reads: [{ call: "GetItem (consistent) order", units: 1, at: `${ORDER_STORE} OrderStore.get` }],
        writes: [],
        publishes: 0,
        searchQueries: 0,
        emails: 0,
        indexedChanges: 0,
    },
    "POST /orders/{id}/cancel": {
        handler: "functions/api/routes/orders.ts cancelOrder",
        reads: [],
        writes: [
            { call: "UpdateItem status cancelled (conditional) + gsi1", units: 4, at: `${ORDER_STORE} OrderStore.cancel` },
            { call: "UpdateItem REMOVE unpublished + gsi1", units: 4, at: `${ORDER_STORE} OrderStore.markPublished` },
        ],
        publishes: 1,
        searchQueries: 0,
        emails: 1,
        indexedChanges: 2,
    },
};

/** What the email worker does per email (functions/email-worker/worker.ts), and the SES feedback handler per bounce or complaint. */
export const WORKER_ACCESS = {
    "email-worker": {
        handler: "functions/email-worker/worker.ts",
        reads: [{ call: "GetItem (consistent) suppression", units: 1, at: "functions/shared/suppression.ts SuppressionList.isSuppressed" }],
        writes: [
            { call: "PutItem delivery claim (conditional)", units: 1, at: "functions/email-worker/delivery-ledger.ts DeliveryLedger.claim" },
            { call: "UpdateItem delivery SENT", units: 1, at: "functions/email-worker/delivery-ledger.ts DeliveryLedger.markSent" },
        ],
        sesSends: 1,
    },
    "ses-feedback": {
        handler: "functions/ses-feedback/feedback.ts",
        reads: [] as DynamoCall[],
        writes: [
            { call: "PutItem feedback record", units: 1, at: "functions/shared/suppression.ts SuppressionList.recordFeedback" },
            { call: "UpdateItem suppression", units: 1, at: "functions/shared/suppression.ts SuppressionList.suppress" },
        ],
        sesSends: 0,
    },
} as const;

/**
 * Assumptions the model states in its output (measure and adjust them: docs/capacity.md):
 * - `feedbackPerEmail`: bounces and complaints per email sent (SES reviews an account at 5 % bounces);
 * - `searchQueriesPerOcu` / `indexWritesPerOcu`: what one OCU serves per second (AWS publishes no figure;
 *   these are conservative for small documents and simple match queries);
 * - `indexerBatch`: records per search-indexer invocation at load (its stream mapping's batch size is 100;
 *   a busy stream fills batches of about this size).
 */
export const ASSUMPTIONS = {
    feedbackPerEmail: 0.02,
    searchQueriesPerOcu: 50,
    indexWritesPerOcu: 200,
    indexerBatch: 10,
} as const;

/**
 * Every DynamoDB command each handler file sends (`new <X>Command(`, lib-dynamodb or client-dynamodb), and
 * the Powertools idempotent operations: the inventory `ACCESS_PATTERNS` was read from. A spec counts them
 * in functions/ and fails on any difference, so a new or removed call cannot go unnoticed here.
 */
export const DYNAMODB_CALLS: Record<string, Record<string, number>> = {
    "functions/shared/order-store.ts": { PutCommand: 1, GetCommand: 2, QueryCommand: 1, UpdateCommand: 2 },
    "functions/email-worker/delivery-ledger.ts": { PutCommand: 1, GetCommand: 1, UpdateCommand: 2 },
    "functions/shared/suppression.ts": { GetCommand: 1, UpdateCommand: 1, PutCommand: 1 },
    "functions/api/routes/create-order.ts": { makeIdempotent: 1 },
};
