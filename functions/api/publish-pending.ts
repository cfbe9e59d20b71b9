import { eventIdFor, type OrderEvent } from "../shared/domain";
import type { StoredOrder } from "../shared/order-store";
import type { ApiDeps } from "./deps";

/**
 * Publishes the order's pending event and clears the marker. The marker is written with the order, so
 * a crash between the write and the publish is repaired by the client's retry (same Idempotency-Key,
 * or a second cancel). Event ids are deterministic: a repeat publish is deduplicated by consumers.
 */
export async function publishPending(deps: ApiDeps, stored: StoredOrder): Promise<void> {
    const type = stored.unpublished;
    if (!type) return;
    const { order } = stored;
    const event: OrderEvent = {
        type,
        id: eventIdFor(order.id, type),
        occurredAt: type === "order.created" ? order.createdAt : (order.cancelledAt ?? order.updatedAt),
        order,
    };
    await deps.publisher.publish(event);
    await deps.store.markPublished(order.customerId, order.id, type);
}
