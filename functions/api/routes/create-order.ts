import { createHash } from "node:crypto";
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { publicOrder, orderTotal, type Order } from "../../shared/domain";
import { badRequest, conflict, issuesToDetails } from "../../shared/errors";
import { orderIdFor } from "../../shared/ids";
import type { ApiDeps } from "../deps";
import { header, json, jsonBody } from "../http";
import { callerOf, requireVerifiedEmail } from "../identity";
import { publishPending } from "../publish-pending";
import { createOrderBody, idempotencyKey, type CreateOrderBody } from "../schemas";

interface CreateOrderCommand {
    customerId: string;
    idempotencyKey: string;
    email: string;
    body: CreateOrderBody;
}

interface CachedResponse {
    statusCode: number;
    body: unknown;
}

/** How long a key is remembered: a client retrying within a day gets the first answer back. */
const KEY_TTL_SECONDS = 24 * 60 * 60;

function hashOf(body: CreateOrderBody): string {
    const canonical = JSON.stringify({ items: body.items, currency: body.currency, note: body.note ?? null });
    return createHash("sha256").update(canonical).digest("hex");
}

/** Powertools' configuration and the idempotent operation, built on the first POST /orders (see below). */
function createIdempotentOrder(deps: ApiDeps): { config: IdempotencyConfig; create: (command: CreateOrderCommand) => Promise<CachedResponse> } {
    // Powertools keys the record on (caller, key) and fingerprints the body: the same key with a
    // different body is an IdempotencyValidationError, which the route turns into a 409.
    const config = new IdempotencyConfig({
        eventKeyJmesPath: "[customerId, idempotencyKey]",
        payloadValidationJmesPath: "body",
        expiresAfterSeconds: KEY_TTL_SECONDS,
    });

    const create = makeIdempotent(
        async (command: CreateOrderCommand): Promise<CachedResponse> => {
            const now = (deps.now ?? (() => new Date()))().toISOString();
            const requestHash = hashOf(command.body);
            const order: Order = {
                id: orderIdFor(command.customerId, command.idempotencyKey),
                customerId: command.customerId,
                email: command.email,
                status: "open",
                items: command.body.items,
                currency: command.body.currency,
                total: orderTotal(command.body.items),
                ...(command.body.note !== undefined ? { note: command.body.note } : {}),
                createdAt: now,
                updatedAt: now,
                version: 1,
            };
            const result = await deps.store.create(order, requestHash);
            // Past the idempotency window the order itself still remembers which body created it.
            if (!result.created && result.stored.requestHash !== requestHash) {
                throw conflict("idempotency_key_reused", "This Idempotency-Key was used with a different body.");
            }
            await publishPending(deps, result.stored);
            if (result.created) {
                deps.observability.kpis.count("OrdersCreated");
                deps.observability.kpis.value("OrderValue", order.total, { name: "currency", value: order.currency });
            }
            return { statusCode: 201, body: publicOrder(result.stored.order) };
        },
        { persistenceStore: typeof deps.idempotencyStore === "function" ? deps.idempotencyStore() : deps.idempotencyStore, config },
    );
    return { config, create };
}

export function createOrderRoute(deps: ApiDeps): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
    // Built on the first POST and reused: an execution environment that serves only reads never pays for it.
    let idempotent: ReturnType<typeof createIdempotentOrder> | undefined;

    return async (event, context) => {
        const caller = callerOf(event);
        const email = requireVerifiedEmail(caller);
        const key = header(event, "idempotency-key");
        if (key === undefined) throw badRequest("missing_idempotency_key", "POST /orders needs an Idempotency-Key header.");
        const keyResult = idempotencyKey().safeParse(key);
        if (!keyResult.success)
            throw badRequest("invalid_idempotency_key", "The Idempotency-Key header is malformed.", issuesToDetails(keyResult.error.issues));
        const parsed = createOrderBody().safeParse(jsonBody(event));
        if (!parsed.success) throw badRequest("validation_failed", "The order is not valid.", issuesToDetails(parsed.error.issues));

        idempotent ??= createIdempotentOrder(deps);
        const { config, create } = idempotent;
        // Lets Powertools expire an in-progress record when this invocation times out, so a retry can resume.
        config.registerLambdaContext(context);
        try {
            const response = await create({ customerId: caller.customerId, idempotencyKey: key, email, body: parsed.data });
            return json(response.statusCode, response.body);
        } catch (error) {
            if (error instanceof IdempotencyValidationError) {
                throw conflict("idempotency_key_reused", "This Idempotency-Key was used with a different body.");
            }
            if (error instanceof IdempotencyAlreadyInProgressError) {
                throw conflict("request_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly.");
            }
            throw error;
        }
    };
}
