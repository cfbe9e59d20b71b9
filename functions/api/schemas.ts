import * as z from "zod/mini";
import { CURRENCIES } from "../shared/domain";

/**
 * Each schema is built on its first use and then reused: building them all costs about 2 ms of
 * cold start, for routes that a given execution environment may never serve.
 */
function once<T>(build: () => T): () => T {
    let built: T | undefined;
    return () => (built ??= build());
}

/** Strict objects: an unknown field is a client bug we report, not data we silently drop. */
export const createOrderBody = once(() =>
    z.strictObject({
        items: z
            .array(
                z.strictObject({
                    sku: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "expected 1-64 letters, digits, '.', '_' or '-'")),
                    quantity: z.number().check(z.int(), z.minimum(1), z.maximum(1000)),
                    unitPrice: z.number().check(z.int(), z.minimum(0), z.maximum(100_000_000)),
                }),
            )
            .check(z.minLength(1), z.maxLength(50)),
        currency: z.enum(CURRENCIES),
        note: z.optional(z.string().check(z.maxLength(500))),
    }),
);

export type CreateOrderBody = z.infer<ReturnType<typeof createOrderBody>>;

export const idempotencyKey = once(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/, "expected 8-64 letters, digits, '_' or '-'")));

export const listQuery = once(() =>
    z.strictObject({
        limit: z.optional(z.string().check(z.regex(/^(100|[1-9][0-9]?)$/, "expected an integer from 1 to 100"))),
        cursor: z.optional(z.string()),
    }),
);

export const searchQuery = once(() =>
    z.strictObject({
        q: z.string().check(z.minLength(1, "expected a search text"), z.maxLength(100)),
        limit: z.optional(z.string().check(z.regex(/^(50|[1-4][0-9]|[1-9])$/, "expected an integer from 1 to 50"))),
    }),
);
