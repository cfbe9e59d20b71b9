import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Order, OrderEventType } from "./domain";
import { GSI1, keys } from "./table-keys";

export interface StoredOrder {
    order: Order;
    requestHash: string;
    /** The event written with the order but not yet published to SNS (a one-slot outbox). */
    unpublished?: OrderEventType;
}

export type CreateResult = { created: true; stored: StoredOrder } | { created: false; stored: StoredOrder };
export type CancelResult = { outcome: "cancelled"; stored: StoredOrder } | { outcome: "not_found" } | { outcome: "not_open"; stored: StoredOrder };

export interface OrderPage {
    orders: Order[];
    /** The last order of the page, to continue after; absent on the last page. */
    last?: { createdAt: string; id: string };
}

const ORDER_FIELDS = ["id", "customerId", "email", "status", "items", "currency", "total", "note", "createdAt", "updatedAt", "cancelledAt", "version"] as const;

function toStored(item: Record<string, unknown>): StoredOrder {
    const order = Object.fromEntries(ORDER_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as unknown as Order;
    const unpublished = item.unpublished as OrderEventType | undefined;
    return { order, requestHash: String(item.requestHash ?? ""), ...(unpublished ? { unpublished } : {}) };
}

export class OrderStore {
    constructor(
        private readonly db: DynamoDBDocumentClient,
        private readonly tableName: string,
    ) {}

    /** Writes a new order; if the id exists already (a retry), returns what is stored instead. */
    async create(order: Order, requestHash: string): Promise<CreateResult> {
        const item = {
            ...keys.order(order.customerId, order.id),
            ...keys.orderByCreated(order.customerId, order.createdAt, order.id),
            entity: "order",
            ...order,
            requestHash,
            unpublished: "order.created" satisfies OrderEventType,
        };
        try {
            await this.db.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }));
            return { created: true, stored: toStored(item) };
        } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            const existing = await this.get(order.customerId, order.id);
            if (!existing) throw error;
            return { created: false, stored: existing };
        }
    }

    async get(customerId: string, orderId: string): Promise<StoredOrder | undefined> {
        const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.order(customerId, orderId), ConsistentRead: true }));
        return result.Item ? toStored(result.Item) : undefined;
    }

    async list(customerId: string, limit: number, after?: { createdAt: string; id: string }): Promise<OrderPage> {
        const result = await this.db.send(
            new QueryCommand({
                TableName: this.tableName,
                IndexName: GSI1,
                KeyConditionExpression: "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
                ExpressionAttributeValues: { ":pk": keys.customerOrders(customerId), ":prefix": "ORDER#" },
                ScanIndexForward: false,
                Limit: limit,
                // The start key is rebuilt from the caller's own partition, so a forged cursor can only move within it.
                ExclusiveStartKey: after ? { ...keys.order(customerId, after.id), ...keys.orderByCreated(customerId, after.createdAt, after.id) } : undefined,
            }),
        );
        const orders = (result.Items ?? []).map((item) => toStored(item).order);
        const lastOrder = orders[orders.length - 1];
        return { orders, ...(result.LastEvaluatedKey && lastOrder ? { last: { createdAt: lastOrder.createdAt, id: lastOrder.id } } : {}) };
    }

    /** Cancels only an open order; the condition makes two concurrent cancels produce exactly one. */
    async cancel(customerId: string, orderId: string, now: string): Promise<CancelResult> {
        try {
            const result = await this.db.send(
                new UpdateCommand({
                    TableName: this.tableName,
                    Key: keys.order(customerId, orderId),
                    ConditionExpression: "attribute_exists(pk) AND #status = :open",
                    UpdateExpression: "SET #status = :cancelled, cancelledAt = :now, updatedAt = :now, version = version + :one, unpublished = :event",
                    ExpressionAttributeNames: { "#status": "status" },
                    ExpressionAttributeValues: { ":open": "open", ":cancelled": "cancelled", ":now": now, ":one": 1, ":event": "order.cancelled" },
                    ReturnValues: "ALL_NEW",
                }),
            );
            return { outcome: "cancelled", stored: toStored(result.Attributes ?? {}) };
        } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            const existing = await this.get(customerId, orderId);
            return existing ? { outcome: "not_open", stored: existing } : { outcome: "not_found" };
        }
    }

    /** Clears the outbox marker once SNS has the event; conditional so a newer marker is never lost. */
    async markPublished(customerId: string, orderId: string, type: OrderEventType): Promise<void> {
        try {
            await this.db.send(
                new UpdateCommand({
                    TableName: this.tableName,
                    Key: keys.order(customerId, orderId),
                    UpdateExpression: "REMOVE unpublished",
                    ConditionExpression: "unpublished = :type",
                    ExpressionAttributeValues: { ":type": type },
                }),
            );
        } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
    }

    /** A strongly consistent read of a fixed key: proves the table is reachable with this role. */
    async ping(): Promise<void> {
        await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.health(), ConsistentRead: true }));
    }
}
