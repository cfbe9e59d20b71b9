import * as z from "zod/mini";

/** Amounts are integers in the currency's minor unit (cents), so totals never suffer float rounding. */
export const CURRENCIES = ["USD", "EUR", "GBP"] as const;
export type Currency = (typeof CURRENCIES)[number];
export type OrderStatus = "open" | "cancelled";

export interface OrderItem {
    sku: string;
    quantity: number;
    unitPrice: number;
}

export interface Order {
    id: string;
    customerId: string;
    email: string;
    status: OrderStatus;
    items: OrderItem[];
    currency: Currency;
    total: number;
    note?: string;
    createdAt: string;
    updatedAt: string;
    cancelledAt?: string;
    version: number;
}

export type OrderEventType = "order.created" | "order.cancelled";

/** The domain event published to SNS; `type` is also a message attribute for filter policies. */
export interface OrderEvent {
    type: OrderEventType;
    id: string;
    occurredAt: string;
    order: Order;
}

/** Event ids are deterministic so that republishing after a partial failure is deduplicated downstream. */
export function eventIdFor(orderId: string, type: OrderEventType): string {
    return `${orderId}.${type === "order.created" ? "created" : "cancelled"}`;
}

export function orderTotal(items: readonly OrderItem[]): number {
    return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}

const orderItemSchema = z.object({
    sku: z.string().check(z.minLength(1), z.maxLength(64)),
    quantity: z.number().check(z.int(), z.minimum(1), z.maximum(1000)),
    unitPrice: z.number().check(z.int(), z.minimum(0), z.maximum(100_000_000)),
});

export const orderSchema = z.object({
    id: z.string().check(z.minLength(1)),
    customerId: z.string().check(z.minLength(1)),
    email: z.string().check(z.minLength(3)),
    status: z.enum(["open", "cancelled"]),
    items: z.array(orderItemSchema).check(z.minLength(1)),
    currency: z.enum(CURRENCIES),
    total: z.number().check(z.int(), z.minimum(0)),
    note: z.optional(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    cancelledAt: z.optional(z.string()),
    version: z.number().check(z.int(), z.minimum(1)),
});

export const orderEventSchema = z.object({
    type: z.enum(["order.created", "order.cancelled"]),
    id: z.string().check(z.minLength(1), z.maxLength(128)),
    occurredAt: z.string(),
    order: orderSchema,
});

/** What a customer sees of an order: never the keys, the request hash or the outbox marker. */
export function publicOrder(order: Order): Omit<Order, "customerId"> {
    const { customerId: _customerId, ...rest } = order;
    return rest;
}
