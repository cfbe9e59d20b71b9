import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { AppError, badRequest, issuesToDetails } from "../../shared/errors";
import { classifySearchFailure, type OrderDocument } from "../../shared/search-store";
import type { ApiDeps } from "../deps";
import { json, query } from "../http";
import { callerOf } from "../identity";
import { searchQuery } from "../schemas";

/**
 * Seconds a client should wait before searching again. The transport has already made three
 * attempts (two retries on a connection failure or a 502/503/504) within the request, so an outage
 * that reaches the caller has lasted seconds, not milliseconds: an immediate retry would most likely
 * fail again and add load while the collection recovers (a 429 is OpenSearch Serverless asking for
 * less). Ten seconds is short enough for someone looking at a search box, and a minute of outage
 * costs a polite client six requests, not dozens.
 */
export const SEARCH_RETRY_AFTER_SECONDS = 10;

const unavailable = (message: string): AppError =>
    new AppError(503, "search_unavailable", message, { retryAfterSeconds: SEARCH_RETRY_AFTER_SECONDS }, { "retry-after": String(SEARCH_RETRY_AFTER_SECONDS) });

export async function searchOrders(deps: ApiDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const caller = callerOf(event);
    const parsed = searchQuery().safeParse(query(event, ["q", "limit"]));
    if (!parsed.success) throw badRequest("validation_failed", "The search query is not valid.", issuesToDetails(parsed.error.issues));
    const text = parsed.data.q.trim();
    if (text === "") throw badRequest("validation_failed", "The search text is blank.", { issues: [{ path: "q", message: "expected a search text" }] });
    if (!deps.search) throw unavailable("Search is not configured in this environment.");
    const limit = parsed.data.limit !== undefined ? Number(parsed.data.limit) : 20;
    let documents: OrderDocument[];
    try {
        documents = await deps.search.searchOrders(caller.customerId, text, limit);
    } catch (error) {
        const failure = classifySearchFailure(error);
        // Anything else (a 4xx for our own query, a bug) stays a 500 and is logged with its error by the handler.
        if (failure.kind !== "unavailable") throw error;
        // The reason and status only: OpenSearch's error messages echo the query, which is the customer's text.
        deps.observability.logger.warn("Search unavailable", { reason: failure.reason, ...(failure.status !== undefined ? { status: failure.status } : {}) });
        throw unavailable("Search is temporarily unavailable; retry later.");
    }
    return json(200, { orders: documents.map(({ customerId: _customerId, ...doc }) => doc) });
}
