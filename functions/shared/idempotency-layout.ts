import { TTL_ATTRIBUTE } from "./table-keys";

export interface IdempotencyLayout {
    tableName: string;
    keyAttr: string;
    expiryAttr: string;
    sortKeyAttr?: string;
    staticPkValue?: string;
}

/**
 * Where Powertools keeps idempotency records. A dedicated table (the default deployment) uses the
 * Powertools layout: hash key `id`, TTL `expiration`. When IDEMPOTENCY_TABLE_NAME names the main table
 * the records live beside the orders under `pk = IDEMPOTENCY#<service>`, `sk = <hash>`, sharing its TTL
 * attribute; that concentrates them in one partition, acceptable only at low request rates.
 */
export function idempotencyLayout(idempotencyTable: string, mainTable: string, serviceName: string): IdempotencyLayout {
    if (idempotencyTable !== mainTable) return { tableName: idempotencyTable, keyAttr: "id", expiryAttr: "expiration" };
    return { tableName: mainTable, keyAttr: "pk", sortKeyAttr: "sk", staticPkValue: `IDEMPOTENCY#${serviceName}`, expiryAttr: TTL_ATTRIBUTE };
}
