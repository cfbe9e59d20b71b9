/**
 * The indexer on records no test sent before: records without keys, keys of the wrong type, images
 * with malformed attribute values, removals without an old image, records without a sequence number,
 * items of other entities. Each record ends one way only: written, skipped as not an order (a debug
 * line naming its keys), or reported failed with its reason logged; a record that cannot be reported
 * by its own identifier fails the whole invocation instead. Nothing is acknowledged unwritten.
 */
import { strict as assert } from "node:assert";
import { Logger, type LogItem } from "@aws-lambda-powertools/logger";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from "aws-lambda";
import fc from "fast-check";
import type { Order } from "../../functions/shared/domain";
import { MalformedBatchError } from "../../functions/shared/batch-event";
import { keys } from "../../functions/shared/table-keys";
import { createSearchIndexer } from "../../functions/search-indexer/indexer";
import type { IndexedDocument, OrderIndex } from "../../functions/search-indexer/order-index";
import { lambdaContext, quietObservability } from "./helpers/lambda";

type Indexer = (event: DynamoDBStreamEvent | SQSEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/** Keeps every log item instead of printing it, at DEBUG, so specs can read what the indexer said. */
class CapturingLogger extends Logger {
    readonly lines: Array<Record<string, unknown>> = [];

    protected override printLog(_level: number, log: LogItem): void {
        this.lines.push(log.getAttributes());
    }
}

/** An index that takes every write, remembering it. */
class MemoryIndex implements OrderIndex {
    readonly writes: IndexedDocument[] = [];

    async upsert(doc: IndexedDocument): Promise<"written" | "stale"> {
        this.writes.push(doc);
        return "written";
    }
}

function setup() {
    const logger = new CapturingLogger({ serviceName: "search-indexer", logLevel: "DEBUG" });
    const index = new MemoryIndex();
    const observability = { ...quietObservability(), logger };
    const indexer = createSearchIndexer({ search: index, observability }) as Indexer;
    const lines = (level: string) => logger.lines.filter((l) => l.level === level);
    return { indexer, index, logger, lines, kpis: observability.kpis };
}

const order = (n: number, patch: Partial<Order> = {}): Order => ({
    id: `01K${String(n).padStart(23, "0")}`,
    customerId: `customer-${n}`,
    email: `c${n}@example.com`,
    status: "open",
    items: [{ sku: `TEA-${n}`, quantity: 1, unitPrice: 500 }],
    currency: "GBP",
    total: 500,
    note: "secret note",
    createdAt: "2025-02-01T10:00:00.000Z",
    updatedAt: "2025-02-01T10:00:00.000Z",
    version: 1,
    ...patch,
});

type Json = Record<string, unknown>;
const item = (o: Order): Json => ({ ...keys.order(o.customerId, o.id), ...keys.orderByCreated(o.customerId, o.createdAt, o.id), entity: "order", ...o });
const image = (value: Json): Json => marshall(value, { removeUndefinedValues: true }) as Json;

let sequence = 1_000;
/** A stream record of any shape, with a fresh sequence number unless `dynamodb` says otherwise. */
function record(eventName: unknown, dynamodb: Json | undefined): DynamoDBRecord {
    sequence += 1;
    return {
        eventID: `e${sequence}`,
        eventName,
        eventSource: "aws:dynamodb",
        awsRegion: "us-east-1",
        dynamodb: dynamodb === undefined ? undefined : { SequenceNumber: String(sequence), StreamViewType: "NEW_AND_OLD_IMAGES", ...dynamodb },
    } as unknown as DynamoDBRecord;
}
const insert = (o: Order, newImage: Json = image(item(o))) => record("INSERT", { Keys: image(keys.order(o.customerId, o.id)), NewImage: newImage });
const seq = (r: DynamoDBRecord): string => r.dynamodb!.SequenceNumber!;

/** A NewImage of `o` with one attribute replaced by a raw attribute value. */
const withAttribute = (o: Order, name: string, value: unknown): Json => ({ ...image(item(o)), [name]: value });

describe("search indexer on adversarial stream and queue records", () => {
    describe("records that should be orders but cannot be read fail, with their reason logged", () => {
        const o = order(1);
        const orderKeys = image(keys.order(o.customerId, o.id));
        const cases: Array<[string, DynamoDBRecord, RegExp]> = [
            ["no Keys", record("INSERT", { NewImage: image(item(o)) }), /no dynamodb\.Keys map/],
            ["Keys that are a list", record("INSERT", { Keys: [orderKeys], NewImage: image(item(o)) }), /no dynamodb\.Keys map/],
            ["no partition key", record("INSERT", { Keys: { sk: { S: `ORDER#${o.id}` } }, NewImage: image(item(o)) }), /Keys have no pk/],
            ["a numeric sort key", record("INSERT", { Keys: { pk: { S: "CUSTOMER#c" }, sk: { N: "5" } } }), /key sk is a number, not a string \(S\)/],
            ["a sort key S that holds a number", record("INSERT", { Keys: { pk: { S: "CUSTOMER#c" }, sk: { S: 5 } } }), /Keys\.sk is a malformed S value/],
            [
                "a key that is no attribute value",
                record("INSERT", { Keys: { pk: "CUSTOMER#c", sk: { S: "ORDER#1" } } }),
                /Keys\.pk is not a DynamoDB attribute value/,
            ],
            ["an INSERT without NewImage", record("INSERT", { Keys: orderKeys }), /INSERT has no NewImage; set the stream view type to NEW_AND_OLD_IMAGES/],
            ["a MODIFY whose NewImage is a string", record("MODIFY", { Keys: orderKeys, NewImage: "{}" }), /MODIFY has no NewImage/],
            ["a non-numeric N", insert(o, withAttribute(o, "total", { N: "five hundred" })), /NewImage\.total is a malformed N value/],
            ["an N of Infinity", insert(o, withAttribute(o, "total", { N: "1e400" })), /NewImage\.total is a malformed N value/],
            ["an S holding a number", insert(o, withAttribute(o, "total", { S: 500 })), /NewImage\.total is a malformed S value/],
            [
                "a type DynamoDB does not have",
                insert(o, withAttribute(o, "note", { X: "x" })),
                /NewImage\.note has the type key "X", which DynamoDB does not have/,
            ],
            ["an attribute with two type keys", insert(o, withAttribute(o, "total", { N: "500", S: "500" })), /NewImage\.total has 2 type keys/],
            ["an attribute with no type key", insert(o, withAttribute(o, "total", {})), /NewImage\.total has no type key/],
            [
                "a malformed value deep in a list",
                insert(o, withAttribute(o, "items", { L: [{ M: { sku: { S: "TEA" }, quantity: { N: "1.2.3" }, unitPrice: { N: "5" } } }] })),
                /NewImage\.items\[0\]\.quantity is a malformed N value/,
            ],
            ["a NULL that is not true", insert(o, withAttribute(o, "note", { NULL: false })), /NewImage\.note is a malformed NULL value/],
            ["an image that is not an order", insert(o, withAttribute(o, "status", { S: "weird" })), /NewImage is not an order: status: /],
            ["an order without a version", insert(o, image({ ...item(o), version: undefined })), /NewImage is not an order: version: /],
            ["a version of 0", insert(o, withAttribute(o, "version", { N: "0" })), /NewImage is not an order: version: /],
            ["a version beyond 2^53", insert(o, withAttribute(o, "version", { N: "9007199254740993" })), /NewImage is not an order: version: /],
            ["an image filed under another order's key", insert(o, image(item(order(2)))), /NewImage's id or customerId is not the one its keys name/],
            ["a REMOVE without OldImage", record("REMOVE", { Keys: orderKeys }), /REMOVE has no OldImage, so the version removed is unknown/],
            ["a REMOVE whose OldImage has no version", record("REMOVE", { Keys: orderKeys, OldImage: image({ id: o.id }) }), /OldImage has no version/],
            [
                "a REMOVE with a string version",
                record("REMOVE", { Keys: orderKeys, OldImage: { version: { S: "2" } } }),
                /OldImage\.version is "2", not a whole number/,
            ],
            [
                "a REMOVE with a fractional version",
                record("REMOVE", { Keys: orderKeys, OldImage: { version: { N: "1.5" } } }),
                /not a whole number of at least 1/,
            ],
            [
                "a REMOVE with a malformed version",
                record("REMOVE", { Keys: orderKeys, OldImage: { version: { N: "" } } }),
                /OldImage\.version is a malformed N value/,
            ],
            [
                "an eventName no stream sends",
                record("UPSERT", { Keys: orderKeys, NewImage: image(item(o)) }),
                /eventName is "UPSERT", not one of INSERT, MODIFY, REMOVE/,
            ],
            ["no eventName", record(undefined, { Keys: orderKeys, NewImage: image(item(o)) }), /eventName is missing, not one of INSERT, MODIFY, REMOVE/],
            [
                "an order sort key under another entity's partition",
                record("INSERT", { Keys: image({ pk: "DELIVERY#x", sk: `ORDER#${o.id}` }), NewImage: image(item(o)) }),
                /its sort key is an order's, but its keys are not an order's \(pk CUSTOMER#<customer>, sk ORDER#<id>\)/,
            ],
            [
                "an image saying entity order under keys that are not an order's",
                record("INSERT", { Keys: image({ pk: "DELIVERY#x", sk: "EMAIL" }), NewImage: image({ pk: "DELIVERY#x", sk: "EMAIL", entity: "order" }) }),
                /image says entity "order", but its keys are not an order's/,
            ],
            [
                "an order's keys with an image of another entity",
                insert(o, withAttribute(o, "entity", { S: "delivery" })),
                /keys are an order's, but its image says entity "delivery"/,
            ],
            ["an order sort key without an id", record("INSERT", { Keys: image({ pk: "CUSTOMER#c", sk: "ORDER#" }) }), /keys name no order id/],
            ["an order key without a customer", record("INSERT", { Keys: image({ pk: "CUSTOMER#", sk: "ORDER#1" }) }), /keys name no customer/],
        ];

        for (const [what, bad, reason] of cases) {
            it(`${what}: only that record is reported, with an error line giving the reason`, async () => {
                const { indexer, index, lines } = setup();
                const good = insert(order(9));
                const result = await indexer({ Records: [bad, good] }, lambdaContext());
                assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: seq(bad) }]);
                assert.deepEqual(
                    index.writes.map((w) => w.id),
                    [order(9).id],
                    "the good record is still written",
                );
                const errors = lines("ERROR");
                assert.equal(errors.length, 1);
                assert.equal(errors[0]!.sequenceNumber, seq(bad));
                assert.match(String(errors[0]!.reason), reason);
                assert.ok(!JSON.stringify(errors).includes("secret note"), "the reason quotes no attribute value");
            });
        }
    });

    describe("items that are not orders are skipped with a debug line naming their keys", () => {
        const items: Array<[string, Json, Json | undefined]> = [
            ["an email delivery ledger row", keys.delivery("01KX.created"), { ...keys.delivery("01KX.created"), expiresAt: 1 }],
            ["a suppression", keys.suppression("a@example.com"), { ...keys.suppression("a@example.com"), reason: "bounce" }],
            ["a feedback log entry", keys.feedback("a@example.com", "2025-01-01T00:00:00Z", "f1"), undefined],
            ["an idempotency record", { pk: "IDEMPOTENCY#orders", sk: "3f2a" }, { pk: "IDEMPOTENCY#orders", sk: "3f2a", status: "COMPLETED" }],
            ["the health probe key", keys.health(), undefined],
            ["a customer item that is not an order", { pk: "CUSTOMER#c1", sk: "PROFILE" }, { pk: "CUSTOMER#c1", sk: "PROFILE", entity: "profile" }],
        ];
        for (const [what, itemKeys, newImage] of items) {
            for (const eventName of ["INSERT", "MODIFY", "REMOVE"] as const) {
                it(`${what} (${eventName})`, async () => {
                    const { indexer, index, lines } = setup();
                    const skipped = record(eventName, {
                        Keys: image(itemKeys),
                        ...(newImage && eventName !== "REMOVE" ? { NewImage: image(newImage) } : {}),
                        ...(newImage && eventName !== "INSERT" ? { OldImage: image(newImage) } : {}),
                    });
                    const result = await indexer({ Records: [skipped] }, lambdaContext());
                    assert.deepEqual(result.batchItemFailures, []);
                    assert.deepEqual(index.writes, []);
                    const debug = lines("DEBUG").filter((l) => l.message === "Skipped a stream record of an item that is not an order");
                    assert.equal(debug.length, 1);
                    assert.deepEqual(debug[0]!.keys, itemKeys);
                    assert.equal(debug[0]!.sequenceNumber, seq(skipped));
                    assert.deepEqual(lines("ERROR"), []);
                });
            }
        }

        it("an item that is not an order is skipped even when its image is malformed: it is never read", async () => {
            const { indexer, index } = setup();
            const ledger = record("MODIFY", { Keys: image(keys.delivery("e1")), NewImage: { expiresAt: { N: "soon" }, x: { Q: 1 } } });
            assert.deepEqual((await indexer({ Records: [ledger] }, lambdaContext())).batchItemFailures, []);
            assert.deepEqual(index.writes, []);
        });
    });

    describe("a record without a usable sequence number cannot be reported alone: the whole batch fails", () => {
        const o = order(3);
        const cases: Array<[string, DynamoDBRecord]> = [
            ["no SequenceNumber", { ...insert(o), dynamodb: { ...insert(o).dynamodb, SequenceNumber: undefined } } as DynamoDBRecord],
            ["an empty SequenceNumber", { ...insert(o), dynamodb: { ...insert(o).dynamodb, SequenceNumber: "" } } as DynamoDBRecord],
            ["a numeric SequenceNumber", { ...insert(o), dynamodb: { ...insert(o).dynamodb, SequenceNumber: 7 } } as unknown as DynamoDBRecord],
            ["a SequenceNumber that is not decimal", { ...insert(o), dynamodb: { ...insert(o).dynamodb, SequenceNumber: "abc" } } as DynamoDBRecord],
            ["no dynamodb object at all", record("INSERT", undefined)],
            ["a dynamodb that is a string", { ...insert(o), dynamodb: "x" } as unknown as DynamoDBRecord],
        ];
        for (const [what, bad] of cases) {
            it(`${what}: the invocation fails before any write, naming the record`, async () => {
                const { indexer, index, lines } = setup();
                const event = { Records: [insert(order(4)), bad, insert(order(5))] };
                await assert.rejects(
                    indexer(event, lambdaContext()),
                    (e: Error) =>
                        e instanceof MalformedBatchError &&
                        /^search-indexer cannot report a failure of each record of this batch: record 1 \("e\d+"\) has /.test(e.message) &&
                        /The whole batch fails instead, so it is retried rather than acknowledged/.test(e.message),
                );
                assert.deepEqual(index.writes, [], "nothing is written before the batch is refused, so nothing is half done");
                assert.equal(lines("ERROR").length, 1);
            });
        }

        it("a queue message without a messageId fails the whole batch too", async () => {
            const { indexer, index } = setup();
            const message = { messageId: "", body: "{}", eventSource: "aws:sqs" } as unknown as SQSRecord;
            await assert.rejects(indexer({ Records: [message] }, lambdaContext()), /record 0 has an empty or non-string messageId/);
            const none = { body: "{}", eventSource: "aws:sqs" } as unknown as SQSRecord;
            await assert.rejects(indexer({ Records: [none] }, lambdaContext()), /record 0 has no messageId/);
            assert.deepEqual(index.writes, []);
        });
    });

    describe("queue messages", () => {
        const message = (messageId: string, body: unknown): SQSRecord => ({ messageId, body, eventSource: "aws:sqs" }) as unknown as SQSRecord;
        const event = (o: Order) => JSON.stringify({ type: "order.created", id: `${o.id}.created`, occurredAt: o.createdAt, order: o });

        it("a body that is not JSON, not an order event, or not a string fails that message with its reason", async () => {
            const { indexer, index, lines } = setup();
            const o = order(6);
            const result = await indexer(
                {
                    Records: [
                        message("m1", "{not json"),
                        message("m2", JSON.stringify({ type: "order.shipped", order: o })),
                        message("m3", 42),
                        message("m4", event(o)),
                        message("m5", JSON.stringify({ Type: "Notification", Message: event(order(7)) })),
                    ],
                },
                lambdaContext(),
            );
            assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: "m1" }, { itemIdentifier: "m2" }, { itemIdentifier: "m3" }]);
            assert.deepEqual(index.writes.map((w) => w.id).sort(), [o.id, order(7).id].sort());
            assert.deepEqual(
                lines("ERROR").map((l) => [l.messageId, l.reason]),
                [
                    ["m1", "its body is not JSON"],
                    ["m2", lines("ERROR")[1]!.reason],
                    ["m3", "its body is a number, not a string"],
                ],
            );
            assert.match(String(lines("ERROR")[1]!.reason), /^its body is not an order event: type: /);
            assert.ok(!JSON.stringify(lines("ERROR")).includes("secret note"));
        });
    });

    it("a write the index refuses fails the record with a warning naming the error, not its message", async () => {
        const logger = new CapturingLogger({ serviceName: "search-indexer", logLevel: "DEBUG" });
        const refusing: OrderIndex = {
            upsert: async () => {
                throw Object.assign(new Error("mapper_parsing_exception: failed to parse [note] secret note"), {
                    name: "ResponseError",
                    meta: { statusCode: 400 },
                });
            },
        };
        const indexer = createSearchIndexer({ search: refusing, observability: { ...quietObservability(), logger } }) as Indexer;
        const r = insert(order(8));
        assert.deepEqual((await indexer({ Records: [r] }, lambdaContext())).batchItemFailures, [{ itemIdentifier: seq(r) }]);
        const warnings = logger.lines.filter((l) => l.level === "WARN");
        assert.equal(warnings.length, 1);
        assert.deepEqual(warnings[0]!.error, { name: "ResponseError", status: 400 });
        assert.ok(!JSON.stringify(logger.lines).includes("secret note"));
    });

    it("an attribute named __proto__ is a plain attribute: the order is read and nothing is polluted", async () => {
        const { indexer, index } = setup();
        const o = order(10);
        const poisoned = JSON.parse(JSON.stringify(image(item(o))).replace(/^\{/, '{"__proto__":{"M":{"polluted":{"BOOL":true}}},')) as Json;
        assert.deepEqual((await indexer({ Records: [insert(o, poisoned)] }, lambdaContext())).batchItemFailures, []);
        assert.equal(index.writes[0]?.id, o.id);
        assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    });

    it("property: any mix of good, mutated and foreign records is accounted for, each exactly once", async () => {
        // A record is mutated by replacing or dropping one part of it with arbitrary JSON.
        const part = fc.constantFrom("Keys", "Keys.pk", "Keys.sk", "NewImage", "OldImage", "eventName", "NewImage.attribute");
        const junk = fc.oneof(fc.jsonValue(), fc.constant(undefined));
        const kind = fc.oneof(
            fc.record({ kind: fc.constant("order" as const), eventName: fc.constantFrom("INSERT", "MODIFY", "REMOVE") }),
            fc.record({ kind: fc.constant("foreign" as const), eventName: fc.constantFrom("INSERT", "MODIFY", "REMOVE") }),
            fc.record({ kind: fc.constant("mutated" as const), eventName: fc.constantFrom("INSERT", "MODIFY", "REMOVE"), part, junk }),
        );
        await fc.assert(
            fc.asyncProperty(fc.array(kind, { minLength: 1, maxLength: 12 }), async (specs) => {
                const { indexer, index, lines } = setup();
                const records = specs.map((spec, i) => {
                    const o = order(100 + i);
                    const full: Json = {
                        Keys: image(keys.order(o.customerId, o.id)),
                        ...(spec.eventName !== "REMOVE" ? { NewImage: image(item(o)) } : {}),
                        ...(spec.eventName !== "INSERT" ? { OldImage: image(item(o)) } : {}),
                    };
                    if (spec.kind === "foreign") return record(spec.eventName, { Keys: image(keys.delivery(`e${i}`)) });
                    if (spec.kind === "order") return record(spec.eventName, full);
                    const [top, inner] = spec.part.split(".") as [string, string | undefined];
                    let eventName: unknown = spec.eventName;
                    if (top === "eventName") eventName = spec.junk;
                    else if (inner === undefined) full[top] = spec.junk;
                    else if (typeof full[top] === "object" && full[top] !== null) {
                        (full[top] as Json)[inner === "attribute" ? "total" : inner] = spec.junk;
                    }
                    return record(eventName, full);
                });
                const result = await indexer({ Records: records }, lambdaContext());
                const reported = result.batchItemFailures.map((f) => f.itemIdentifier);
                const skipped = lines("DEBUG").map((l) => l.sequenceNumber);
                const failedWithReason = lines("ERROR").map((l) => l.sequenceNumber);
                const all = records.map(seq);
                assert.ok(
                    reported.every((id) => typeof id === "string" && /^\d+$/.test(id) && all.includes(id)),
                    "every failure names a record of the batch",
                );
                assert.deepEqual([...failedWithReason].sort(), [...reported].sort(), "every failure has its reason logged, and only failures");
                assert.ok(!reported.some((id) => skipped.includes(id)));
                assert.equal(reported.length + skipped.length + index.writes.length, records.length, "each record written, skipped or reported");
                for (const [i, spec] of specs.entries()) {
                    if (spec.kind === "order")
                        assert.ok(!reported.includes(seq(records[i]!)) && !skipped.includes(seq(records[i]!)), "a good order is written");
                    if (spec.kind === "foreign") assert.ok(skipped.includes(seq(records[i]!)), "another entity's item is skipped");
                }
            }),
            { numRuns: 200 },
        );
    });
});
