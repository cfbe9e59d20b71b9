import type { DynamoDBRecord, SQSRecord } from "aws-lambda";
import * as z from "zod/mini";
import { orderEventSchema, orderSchema, type Order } from "../shared/domain";
import { unwrapSnsEnvelope } from "../shared/sqs-body";
import { keys as tableKeys } from "../shared/table-keys";
import { MalformedAttributeError, nativeImage, nativeValue } from "./attribute-values";

/** The string keys of a table item, as the stream record names them. */
export interface ItemKeys {
    pk: string;
    sk: string;
}

/**
 * What a record asks of the index. `remove` carries the version the order had when it was removed
 * (its OldImage), so a late, older change can be told apart from the removal (see order-index.ts).
 * `skip`: the item is not an order (a delivery ledger row, a suppression, a feedback log entry...).
 */
export type IndexChange = { kind: "upsert"; order: Order } | { kind: "remove"; orderId: string; version: number } | { kind: "skip"; keys: ItemKeys };

/**
 * A record that should be an order's change but cannot be read. The record fails (it is reported in
 * `batchItemFailures`), so Lambda retries it and then hands it to the on-failure destination: an order
 * that silently never reaches the index would be a search result missing, or one that should be gone.
 */
export class UnreadableRecordError extends Error {
    override readonly name = "UnreadableRecordError";
    /** The record's keys when they could be read, to find the item. */
    readonly keys: ItemKeys | undefined;

    constructor(reason: string, keys?: ItemKeys) {
        super(reason);
        this.keys = keys;
    }
}

// The order key layout, taken from the one place that writes it: pk=CUSTOMER#<customer>, sk=ORDER#<id>.
const { pk: CUSTOMER_PREFIX, sk: ORDER_PREFIX } = tableKeys.order("", "");
/** What the order store writes as the `entity` attribute of an order item (order-store.ts). */
const ORDER_ENTITY = "order";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A value named in a message without quoting more than a short string of it. */
function describe(value: unknown): string {
    if (typeof value === "string") return value.length <= 32 ? JSON.stringify(value) : "a long string";
    if (value === undefined) return "missing";
    if (value === null) return "null";
    return Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

/** One key attribute: every item of the table has string keys (the table declares pk and sk as S). */
function keyOf(keyImage: Record<string, unknown>, name: keyof ItemKeys): string {
    if (!(name in keyImage)) throw new UnreadableRecordError(`its Keys have no ${name}`);
    let value: unknown;
    try {
        value = nativeValue(keyImage[name], `Keys.${name}`);
    } catch (error) {
        throw new UnreadableRecordError(error instanceof MalformedAttributeError ? error.message : `Keys.${name} cannot be read`);
    }
    if (typeof value !== "string") throw new UnreadableRecordError(`its key ${name} is ${describe(value)}, not a string (S); the table's keys are strings`);
    return value;
}

/** The `entity` an image claims, if it carries a readable one; an unreadable one claims nothing. */
function entityOf(image: unknown): string | undefined {
    if (!isRecord(image) || !isRecord(image.entity)) return undefined;
    const entity = image.entity.S;
    return typeof entity === "string" ? entity : undefined;
}

function issuesOf(error: z.core.$ZodError): string {
    // Paths and messages only: zod's messages name the expected type, never the value received.
    return error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(the whole value)"}: ${issue.message}`)
        .join("; ");
}

function positiveVersion(value: unknown): number | undefined {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

/**
 * A stream record as an index change. An item is an order when its sort key is `ORDER#<id>` (the key
 * layout of table-keys.ts) or an image says `entity: "order"`; anything else is skipped. An order's
 * record must then be readable whole, or it fails with the reason:
 *
 * - keys: a `Keys` map with string `pk` and `sk`, `pk` `CUSTOMER#<customer>`, `sk` `ORDER#<id>`;
 * - INSERT and MODIFY: a `NewImage` of well-formed attribute values that parses as an order whose id
 *   and customer are the keys' (an image filed under another key would index the wrong document);
 * - REMOVE: an `OldImage` with the order's `version` (the stream view type is NEW_AND_OLD_IMAGES).
 *
 * @throws UnreadableRecordError with what is wrong; never with an attribute's value
 */
export function changeFromStream(record: DynamoDBRecord): IndexChange {
    const stream: unknown = record.dynamodb;
    if (!isRecord(stream)) throw new UnreadableRecordError("it has no dynamodb object");
    if (!isRecord(stream.Keys)) throw new UnreadableRecordError("it has no dynamodb.Keys map");
    const keys: ItemKeys = { pk: keyOf(stream.Keys, "pk"), sk: keyOf(stream.Keys, "sk") };
    const entities = [entityOf(stream.NewImage), entityOf(stream.OldImage)].filter((e): e is string => e !== undefined);
    const keyedAsOrder = keys.sk.startsWith(ORDER_PREFIX);
    if (!keyedAsOrder && !entities.includes(ORDER_ENTITY)) return { kind: "skip", keys };

    const fail = (reason: string): never => {
        throw new UnreadableRecordError(reason, keys);
    };
    if (!keyedAsOrder || !keys.pk.startsWith(CUSTOMER_PREFIX)) {
        const claim = keyedAsOrder ? "its sort key is an order's" : `its image says entity "${ORDER_ENTITY}"`;
        fail(`${claim}, but its keys are not an order's (pk ${CUSTOMER_PREFIX}<customer>, sk ${ORDER_PREFIX}<id>)`);
    }
    const other = entities.find((e) => e !== ORDER_ENTITY);
    if (other !== undefined) fail(`its keys are an order's, but its image says entity ${describe(other)}`);
    const orderId = keys.sk.slice(ORDER_PREFIX.length);
    const customerId = keys.pk.slice(CUSTOMER_PREFIX.length);
    if (orderId === "" || customerId === "") fail(`its keys name no ${orderId === "" ? "order id" : "customer"}`);

    const eventName: unknown = record.eventName;
    if (eventName === "INSERT" || eventName === "MODIFY") {
        // The stream must carry new images (NEW_IMAGE or NEW_AND_OLD_IMAGES); without one nothing can be indexed.
        if (!isRecord(stream.NewImage)) return fail(`${eventName} has no NewImage; set the stream view type to NEW_AND_OLD_IMAGES`);
        let image: Record<string, unknown>;
        try {
            image = nativeImage(stream.NewImage, "NewImage");
        } catch (error) {
            if (!(error instanceof MalformedAttributeError)) throw error;
            return fail(error.message);
        }
        const parsed = z.safeParse(orderSchema, image);
        if (!parsed.success) return fail(`its NewImage is not an order: ${issuesOf(parsed.error)}`);
        const order = parsed.data as Order;
        if (order.id !== orderId || order.customerId !== customerId) fail("its NewImage's id or customerId is not the one its keys name");
        return { kind: "upsert", order };
    }
    if (eventName === "REMOVE") {
        // Without the old image the removal has no version, and an unversioned delete could remove a newer document.
        if (!isRecord(stream.OldImage))
            return fail("REMOVE has no OldImage, so the version removed is unknown; set the stream view type to NEW_AND_OLD_IMAGES");
        if (!("version" in stream.OldImage)) return fail("its OldImage has no version");
        let version: unknown;
        try {
            version = nativeValue(stream.OldImage.version, "OldImage.version");
        } catch (error) {
            if (!(error instanceof MalformedAttributeError)) throw error;
            return fail(error.message);
        }
        const removed = positiveVersion(version);
        if (removed === undefined) return fail(`its OldImage.version is ${describe(version)}, not a whole number of at least 1`);
        return { kind: "remove", orderId, version: removed };
    }
    return fail(`its eventName is ${describe(eventName)}, not one of INSERT, MODIFY, REMOVE`);
}

/**
 * A queue message (the domain event, raw or in its SNS envelope) as an index change: every event
 * carries the whole order at its version, so each is an upsert.
 * @throws UnreadableRecordError if the body is not JSON or not an order event
 */
export function changeFromMessage(record: SQSRecord): IndexChange {
    const body: unknown = record.body;
    if (typeof body !== "string") throw new UnreadableRecordError(`its body is ${describe(body)}, not a string`);
    let event: unknown;
    try {
        event = unwrapSnsEnvelope(body);
    } catch {
        throw new UnreadableRecordError("its body is not JSON");
    }
    const parsed = z.safeParse(orderEventSchema, event);
    if (!parsed.success) throw new UnreadableRecordError(`its body is not an order event: ${issuesOf(parsed.error)}`);
    return { kind: "upsert", order: parsed.data.order as Order };
}
