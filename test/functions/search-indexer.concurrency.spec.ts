/**
 * Concurrent indexer runs on one order. The fake OpenSearch holds every document request at its gate
 * until the spec lets it through, so the order writes land in is chosen here: by hand for the race
 * the read-then-write upsert lost, and by fast-check's scheduler for every interleaving of several
 * runs (stream batches and queue batches, replays included). Whatever the order, the index ends at
 * the newest version, never holds an older one after a newer, and a removed order stays removed.
 */
import { strict as assert } from "node:assert";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from "aws-lambda";
import fc from "fast-check";
import type { Order } from "../../functions/shared/domain";
import { createSignedTransport } from "../../functions/shared/opensearch-transport";
import { OpenSearchStore, toDocument } from "../../functions/shared/search-store";
import { keys } from "../../functions/shared/table-keys";
import { createSearchIndexer } from "../../functions/search-indexer/indexer";
import { connectOrderIndex, removedDocument, type IndexedDocument, type OrderIndex } from "../../functions/search-indexer/order-index";
import { CREDENTIALS, REGION } from "./helpers/emulators";
import { startFakeOpenSearch, type FakeOpenSearch, type SeenRequest } from "./helpers/fake-opensearch";
import { lambdaContext, quietObservability } from "./helpers/lambda";

type Indexer = (event: DynamoDBStreamEvent | SQSEvent, context: Context) => Promise<DynamoDBBatchResponse>;

const ID = "01KCONCURRENT0000000000001";
const CUSTOMER = "race-customer";

/** Version `v` of the order; its note and total say which version it is, so the content is checked too. */
const orderAt = (v: number, patch: Partial<Order> = {}): Order => ({
    id: ID,
    customerId: CUSTOMER,
    email: "race@example.com",
    status: v % 2 === 0 ? "cancelled" : "open",
    items: [{ sku: "TEA-1", quantity: v, unitPrice: 100 }],
    currency: "GBP",
    total: v * 100,
    note: `version ${v}`,
    createdAt: "2025-03-01T10:00:00.000Z",
    updatedAt: `2025-03-01T10:00:0${v}.000Z`,
    version: v,
    ...patch,
});

let sequence = 5_000;
function streamRecord(eventName: "INSERT" | "MODIFY" | "REMOVE", o: Order): DynamoDBRecord {
    sequence += 1;
    const image = marshall({ ...keys.order(o.customerId, o.id), entity: "order", ...o }, { removeUndefinedValues: true }) as never;
    return {
        eventID: `c${sequence}`,
        eventName,
        eventSource: "aws:dynamodb",
        awsRegion: REGION,
        dynamodb: {
            Keys: marshall(keys.order(o.customerId, o.id)) as never,
            ...(eventName === "REMOVE" ? { OldImage: image } : { NewImage: image }),
            SequenceNumber: String(sequence),
            StreamViewType: "NEW_AND_OLD_IMAGES",
        },
    };
}

function queueRecord(o: Order): SQSRecord {
    sequence += 1;
    const type = o.status === "cancelled" ? "order.cancelled" : "order.created";
    return {
        messageId: `m${sequence}`,
        receiptHandle: "r",
        body: JSON.stringify({ type, id: `${o.id}.${type.slice("order.".length)}`, occurredAt: o.updatedAt, order: o }),
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:search",
        awsRegion: REGION,
    };
}

const isDocumentRequest = (request: SeenRequest): boolean => request.path.includes("/_doc/");

/**
 * The control: the read-then-write the indexer did before versioned writes, over the same signed
 * transport. It reads the document and writes (unversioned) unless the index holds the same or a newer
 * version; two runs can both read before either writes, and then the older write can land last.
 */
class ReadThenWriteIndex implements OrderIndex {
    private readonly transport: ReturnType<typeof createSignedTransport>;

    constructor(endpoint: string) {
        this.transport = createSignedTransport({ endpoint, region: REGION, service: "aoss", requestTimeoutMs: 5000 }, async () => CREDENTIALS);
    }

    async upsert(doc: IndexedDocument): Promise<"written" | "stale"> {
        const path = `/orders/_doc/${encodeURIComponent(doc.id)}`;
        const current = await this.transport.request({ method: "GET", path }, { ignore: [404] });
        const existing = (current.body as { _source?: { version?: unknown } } | undefined)?._source;
        if (current.statusCode === 200 && typeof existing?.version === "number" && existing.version >= doc.version) return "stale";
        await this.transport.request({ method: "PUT", path, body: doc as unknown as Record<string, unknown> });
        return "written";
    }
}

/** Polls until `ready()`, failing with `what` after a few seconds: the requests travel over real sockets. */
async function until(ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!ready()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
    }
}

/** Holds document requests at the fake's gate; the spec lets each through by hand. */
function turnstile(fake: FakeOpenSearch) {
    const held: Array<{ request: SeenRequest; pass: () => void }> = [];
    fake.gate = (request) => (isDocumentRequest(request) ? new Promise<void>((pass) => held.push({ request, pass })) : Promise.resolve());
    return {
        held: () => held.map((h) => h.request),
        waitFor: (count: number) => until(() => held.length >= count, `${count} held requests`),
        /** Lets through the first held request that matches. */
        async pass(matches: (request: SeenRequest) => boolean): Promise<void> {
            const at = held.findIndex((h) => matches(h.request));
            assert.notEqual(at, -1, "a held request matches");
            const [{ pass }] = held.splice(at, 1) as [{ request: SeenRequest; pass: () => void }];
            pass();
            // The fake answers as soon as the request is let through; give its answer a turn to leave.
            await new Promise((resolve) => setImmediate(resolve));
        },
    };
}

describe("search indexer under concurrent runs on one order", function () {
    this.timeout(120_000);
    let search: FakeOpenSearch;
    const saved = { ...process.env };
    /** Several execution environments, each with its own connection, as concurrent Lambda invocations have. */
    let environments: Indexer[];
    const environment = (index: OrderIndex): Indexer => createSearchIndexer({ search: index, observability: quietObservability() }) as Indexer;
    const versioned = () => connectOrderIndex({ endpoint: search.endpoint, index: "orders", region: REGION });

    before(async () => {
        search = await startFakeOpenSearch();
        Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
        environments = [0, 1, 2, 3].map(() => environment(versioned()));
    });

    beforeEach(() => {
        search.gate = undefined;
        search.failNext(0);
        search.docs.clear();
        search.versions.clear();
        search.requests.length = 0;
    });

    after(async () => {
        search.gate = undefined;
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) if (saved[key] === undefined) delete process.env[key];
        await search.stop();
    });

    /** Two runs write versions 2 and 3 of an order indexed at version 1; version 3's write lands first. */
    async function raceTwoRuns(first: Indexer, second: Indexer, readsFirst: boolean) {
        assert.deepEqual((await first({ Records: [streamRecord("INSERT", orderAt(1))] }, lambdaContext())).batchItemFailures, []);
        const gate = turnstile(search);
        const older = first({ Records: [streamRecord("MODIFY", orderAt(2))] }, lambdaContext());
        const newer = second({ Records: [streamRecord("MODIFY", orderAt(3))] }, lambdaContext());
        if (readsFirst) {
            // Both runs read version 1 before either writes.
            await gate.waitFor(2);
            assert.deepEqual(
                gate.held().map((r) => r.method),
                ["GET", "GET"],
            );
            await gate.pass(() => true);
            await gate.pass(() => true);
        }
        await gate.waitFor(2);
        assert.ok(gate.held().every((r) => r.method === "PUT"));
        await gate.pass((r) => JSON.parse(r.body).version === 3);
        await until(() => search.docs.get(ID)?.version === 3, "version 3 written");
        await gate.pass((r) => JSON.parse(r.body).version === 2);
        return Promise.all([older, newer]);
    }

    it("control: with a read-then-write upsert, this interleaving lets the older version win", async () => {
        const legacy = () => environment(new ReadThenWriteIndex(search.endpoint));
        const results = await raceTwoRuns(legacy(), legacy(), true);
        assert.deepEqual(
            results.map((r) => r.batchItemFailures),
            [[], []],
        );
        assert.equal(search.docs.get(ID)?.version, 2, "the race the versioned index closes: version 2 overwrote version 3");
    });

    it("the same interleaving with versioned writes: the older write gets 409, is acknowledged, and version 3 stays", async () => {
        const results = await raceTwoRuns(environments[0]!, environments[1]!, false);
        assert.deepEqual(
            results.map((r) => r.batchItemFailures),
            [[], []],
            "a version conflict is not a failure",
        );
        assert.deepEqual(search.docs.get(ID), toDocument(orderAt(3)));
        assert.equal(search.versions.get(ID), 3);
        const puts = search.requests.filter((r) => r.method === "PUT" && r.path === `/orders/_doc/${ID}`);
        assert.deepEqual(
            puts.map((r) => r.query),
            [1, 2, 3].map((v) => ({ version: String(v), version_type: "external" })),
        );
    });

    describe("the versioned index, write by write", () => {
        it("a replay of the same version, or an older version, is stale and leaves the document alone", async () => {
            const index = versioned();
            assert.equal(await index.upsert(toDocument(orderAt(2))), "written");
            assert.equal(await index.upsert(toDocument(orderAt(2))), "stale", "the same version again: a redelivery, or the Transport's retry");
            assert.equal(await index.upsert(toDocument(orderAt(1))), "stale");
            assert.deepEqual(search.docs.get(ID), toDocument(orderAt(2)));
            assert.equal(await index.upsert(toDocument(orderAt(3))), "written");
        });

        it("a removal supersedes its own version; the image of that version cannot bring the order back; an older removal is refused", async () => {
            const index = versioned();
            await index.upsert(toDocument(orderAt(2)));
            assert.equal(await index.upsert(removedDocument(ID, 1)), "stale", "a removal older than the document");
            assert.deepEqual(search.docs.get(ID), toDocument(orderAt(2)));
            assert.equal(await index.upsert(removedDocument(ID, 2)), "written");
            assert.equal(await index.upsert(toDocument(orderAt(2))), "stale", "a late MODIFY of the version removed");
            assert.equal(await index.upsert(toDocument(orderAt(1))), "stale");
            assert.equal(await index.upsert(removedDocument(ID, 2)), "written", "a replayed removal rewrites the same removal");
            assert.deepEqual(search.docs.get(ID), { id: ID, version: 2, removed: true });
            const found = await new OpenSearchStore({ endpoint: search.endpoint, index: "orders", region: REGION }).searchOrders(CUSTOMER, "version", 10);
            assert.deepEqual(found, [], "a removed order is not a search result");
        });

        it("a 409 that is not a version conflict fails the record instead of being taken for one", async () => {
            // Every request answers 409 injected_exception, none a version conflict.
            search.failNext(10, 409);
            const record = streamRecord("INSERT", orderAt(1));
            const result = await environments[0]!({ Records: [record] }, lambdaContext());
            search.failNext(0);
            assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: record.dynamodb!.SequenceNumber }]);
            assert.equal(search.docs.has(ID), false);
        });
    });

    it("property: whatever the interleaving of concurrent runs, the newest version wins and the document never goes back", async () => {
        // Versions 1..n of the order, maybe removed at n; every change is delivered once or twice (at
        // least once delivery), each delivery to one of the runs, in any position within its batch.
        const scenario = fc.integer({ min: 2, max: 5 }).chain((n) =>
            fc.record({
                n: fc.constant(n),
                removed: fc.boolean(),
                sources: fc.tuple(
                    fc.constant("stream" as const),
                    fc.array(fc.constantFrom("stream" as const, "queue" as const), { minLength: 1, maxLength: 3 }),
                ),
                deliveries: fc.array(fc.array(fc.record({ run: fc.nat(), rank: fc.double({ noNaN: true }) }), { minLength: 1, maxLength: 2 }), {
                    minLength: n + 1,
                    maxLength: n + 1,
                }),
            }),
        );
        await fc.assert(
            fc.asyncProperty(fc.scheduler(), scenario, async (s, { n, removed, sources: [firstSource, otherSources], deliveries }) => {
                search.docs.clear();
                search.versions.clear();
                const sources = [firstSource, ...otherSources];
                const batches: Array<Array<{ rank: number; stream: DynamoDBRecord; queue: SQSRecord | undefined }>> = sources.map(() => []);
                const changes = n + (removed ? 1 : 0);
                for (let c = 0; c < changes; c += 1) {
                    const removal = c === n;
                    const o = orderAt(removal ? n : c + 1);
                    for (const { run, rank } of deliveries[c]!) {
                        // A removal travels only on the stream (the domain events have none): the first run reads the stream.
                        const to = removal ? 0 : run % sources.length;
                        batches[to]!.push({
                            rank,
                            stream: streamRecord(removal ? "REMOVE" : c === 0 ? "INSERT" : "MODIFY", o),
                            queue: removal ? undefined : queueRecord(o),
                        });
                    }
                }
                const events = batches.map((batch, r) => {
                    const sorted = [...batch].sort((a, b) => a.rank - b.rank);
                    return sources[r] === "queue" ? { Records: sorted.map((d) => d.queue!) } : { Records: sorted.map((d) => d.stream) };
                });
                const writes = batches.reduce((sum, batch) => sum + batch.length, 0);

                // What the index held each time a write was let through, and at the end.
                const seen: Array<{ version: number; removed: boolean }> = [];
                const snapshot = (): void => {
                    seen.push({ version: search.versions.get(ID) ?? 0, removed: search.docs.get(ID)?.removed === true });
                };
                search.gate = (request) =>
                    isDocumentRequest(request)
                        ? s
                              .schedule(
                                  Promise.resolve(),
                                  `${(JSON.parse(request.body) as { removed?: boolean }).removed ? "removal" : "upsert"} v${request.query.version}`,
                              )
                              .then(snapshot)
                        : Promise.resolve();
                try {
                    const runs = events.map((event, r) => environments[r]!(event as DynamoDBStreamEvent | SQSEvent, lambdaContext()));
                    // Every write is sent at once (a batch's records are processed concurrently): hold them all,
                    // then the scheduler lets them through one at a time in an order of its choosing.
                    await until(() => s.count() === writes, `${writes} writes held`);
                    const results = await s.waitFor(Promise.all(runs));
                    snapshot();
                    assert.deepEqual(
                        results.map((r) => r.batchItemFailures),
                        events.map(() => []),
                        "no write is a failure, stale ones included",
                    );
                } finally {
                    search.gate = undefined;
                }
                const newest = removed ? removedDocument(ID, n) : toDocument(orderAt(n));
                assert.deepEqual(search.docs.get(ID), newest, "the newest change wins");
                assert.equal(search.versions.get(ID), n);
                for (const [i, now] of seen.entries()) {
                    const before = seen[i - 1];
                    if (!before) continue;
                    assert.ok(now.version >= before.version, `the index went back from version ${before.version} to ${now.version}`);
                    if (now.version === before.version) assert.ok(now.removed || !before.removed, "a removed order came back");
                }
            }),
            { numRuns: 100 },
        );
    });
});
