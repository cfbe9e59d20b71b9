/**
 * The single-table key layout. Every item has string keys `pk` and `sk`; orders are also indexed by
 * `gsi1pk`/`gsi1sk` (newest first per customer). Items that expire carry `expiresAt` (epoch
 * seconds), the table's TTL attribute. functions/README.md documents this for the DataStore component.
 */
export const GSI1 = "gsi1";
export const TTL_ATTRIBUTE = "expiresAt";

export const keys = {
    order: (customerId: string, orderId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: `ORDER#${orderId}` }),
    orderByCreated: (customerId: string, createdAt: string, orderId: string) => ({
        gsi1pk: `CUSTOMER#${customerId}`,
        gsi1sk: `ORDER#${createdAt}#${orderId}`,
    }),
    customerOrders: (customerId: string) => `CUSTOMER#${customerId}`,
    delivery: (eventId: string) => ({ pk: `DELIVERY#${eventId}`, sk: "EMAIL" }),
    suppression: (email: string) => ({ pk: `SUPPRESSION#${normaliseEmail(email)}`, sk: "SUPPRESSION" }),
    feedback: (email: string, at: string, feedbackId: string) => ({ pk: `FEEDBACK#${normaliseEmail(email)}`, sk: `${at}#${feedbackId}` }),
    health: () => ({ pk: "HEALTH", sk: "HEALTH" }),
};

/** SES treats the local part case-insensitively in practice; one canonical form keeps one suppression entry. */
export function normaliseEmail(email: string): string {
    return email.trim().toLowerCase();
}

export function epochSecondsIn(days: number, now: Date = new Date()): number {
    return Math.floor(now.getTime() / 1000) + days * 86_400;
}
