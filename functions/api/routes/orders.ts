import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { publicOrder } from "../../shared/domain";
import { badRequest, conflict, issuesToDetails, notFound } from "../../shared/errors";
import { isOrderId } from "../../shared/ids";
import { decodeCursor, encodeCursor } from "../cursor";
import type { ApiDeps } from "../deps";
import { bodyText, json, query } from "../http";
import { callerOf } from "../identity";
import { publishPending } from "../publish-pending";
import { listQuery } from "../schemas";

const DEFAULT_PAGE_SIZE = 20;

function orderIdParam(id: string): string {
    if (!isOrderId(id)) throw badRequest("invalid_order_id", "Order ids are 26 characters of Crockford base32.", { id: id.slice(0, 64) });
    return id;
}

export async function listOrders(deps: ApiDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const caller = callerOf(event);
    const parsed = listQuery().safeParse(query(event, ["limit", "cursor"]));
    if (!parsed.success) throw badRequest("validation_failed", "The query is not valid.", issuesToDetails(parsed.error.issues));
    const after = parsed.data.cursor !== undefined ? decodeCursor(parsed.data.cursor) : undefined;
    const limit = parsed.data.limit !== undefined ? Number(parsed.data.limit) : DEFAULT_PAGE_SIZE;
    const page = await deps.store.list(caller.customerId, limit, after);
    return json(200, { orders: page.orders.map(publicOrder), ...(page.last ? { nextCursor: encodeCursor(page.last) } : {}) });
}

/** Another customer's order is looked up in the caller's own partition, so it is simply not found. */
export async function getOrder(deps: ApiDeps, event: APIGatewayProxyEvent, id: string): Promise<APIGatewayProxyResult> {
    const caller = callerOf(event);
    query(event, []);
    const stored = await deps.store.get(caller.customerId, orderIdParam(id));
    if (!stored) throw notFound("No such order.");
    return json(200, publicOrder(stored.order));
}

export async function cancelOrder(deps: ApiDeps, event: APIGatewayProxyEvent, id: string): Promise<APIGatewayProxyResult> {
    const caller = callerOf(event);
    query(event, []);
    // Decoded as the create route's body is, so "{}" sent base64-encoded is still no body.
    const body = bodyText(event)?.trim();
    if (body !== undefined && body !== "" && body !== "{}") {
        throw badRequest("unexpected_body", "Cancelling takes no body.");
    }
    const now = (deps.now ?? (() => new Date()))().toISOString();
    const result = await deps.store.cancel(caller.customerId, orderIdParam(id), now);
    if (result.outcome === "not_found") throw notFound("No such order.");
    // A cancel whose event never reached SNS (a crash after the update) is repaired by the retry.
    await publishPending(deps, result.stored);
    if (result.outcome === "not_open") {
        throw conflict("order_not_open", `The order is ${result.stored.order.status}; only an open order can be cancelled.`, {
            status: result.stored.order.status,
        });
    }
    deps.observability.kpis.count("OrdersCancelled");
    return json(200, publicOrder(result.stored.order));
}
