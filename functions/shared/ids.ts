import { createHash } from "node:crypto";

// Crockford base32: no I, L, O or U, so ids survive being read aloud or typed.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export const ORDER_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function encode(bytes: Uint8Array, length: number): string {
    let out = "";
    let buffer = 0;
    let bits = 0;
    for (const byte of bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5 && out.length < length) {
            out += ALPHABET[(buffer >>> (bits - 5)) & 31];
            bits -= 5;
        }
        buffer &= (1 << bits) - 1;
    }
    return out;
}

/**
 * The order id is derived from the caller and the Idempotency-Key, not random: a retry after a
 * crash between the write and the publish computes the same id and resumes that order instead of
 * creating a second one.
 */
export function orderIdFor(customerId: string, idempotencyKey: string): string {
    return encode(createHash("sha256").update(`${customerId}\u0000${idempotencyKey}`).digest(), 26);
}

export function isOrderId(value: string): boolean {
    return ORDER_ID_PATTERN.test(value);
}
