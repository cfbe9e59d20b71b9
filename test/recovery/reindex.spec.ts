/**
 * npm run reindex against dynalite (the table, its parallel scan) and the OpenSearch stand-in (the
 * signed `_bulk` writes and the count): the indexer's own reading and versioned writes, the checkpoint
 * a crashed run resumes from, failures retried by the next run, the count check, and --via indexer
 * handing the items to the real search-indexer handler (through a mocked Lambda Invoke).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BatchWriteItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import type { Order } from "../../functions/shared/domain";
import { keys } from "../../functions/shared/table-keys";
import { createSignedTransport } from "../../functions/shared/opensearch-transport";
import { createSearchIndexer } from "../../functions/search-indexer/indexer";
import { VersionedOrderIndex } from "../../functions/search-indexer/order-index";
import { UsageError } from "../../tools/cli";
import { exitCodeOf } from "../../tools/recovery/common";
import { main, type ReindexCheckpoint, type ReindexIo } from "../../tools/recovery/reindex";
import { CREDENTIALS, REGION, createTables, dynamoClient, startDynamo, type Emulator } from "../functions/helpers/emulators";
import { startFakeOpenSearch, type FakeOpenSearch } from "../functions/helpers/fake-opensearch";
import { lambdaContext, quietObservability } from "../functions/helpers/lambda";

const TABLE = "platform-test-orders";
const ORDERS = 23;

const order = (n: number, patch: Partial<Order> = {}): Order => ({
    id: `01K${String(n).padStart(23, "0")}`,
    customerId: `customer-${n % 4}`,
    email: `c${n}@example.com`,
    status: n % 5 === 0 ? "cancelled" : "open",
    items: [{ sku: `TEA-${n}`, quantity: 1, unitPrice: 500 }],
    currency: "GBP",
    total: 500,
    note: "blue, teapot",
    createdAt: "2025-02-01T10:00:00.000Z",
    updatedAt: "2025-02-01T10:00:00.000Z",
    version: 1 + (n % 3),
    ...patch,
});
const item = (o: Order) => marshall({ ...keys.order(o.customerId, o.id), ...keys.orderByCreated(o.customerId, o.createdAt, o.id), entity: "order", ...o });

describe("npm run reindex", function () {
    this.timeout(30_000);
    let dynamo: Emulator;
    let db: DynamoDBClient;
    let search: FakeOpenSearch;
    let dir: string;
    let outputsFile: string;
    let lambda: AwsClientStub<LambdaClient>;

    const io = (over: Partial<ReindexIo> = {}): ReindexIo & { lines: string[] } => {
        const lines: string[] = [];
        return {
            lines,
            out: (l) => lines.push(l),
            progress: () => {},
            tty: false,
            cwd: dir,
            dynamodb: () => db,
            lambda: () => new LambdaClient({ region: REGION, credentials: CREDENTIALS }),
            transport: (_endpoint, region) =>
                createSignedTransport({ endpoint: search.endpoint, region, service: "aoss", requestTimeoutMs: 5000 }, async () => CREDENTIALS),
            sleep: async () => {},
            ...over,
        };
    };
    const run = (argv: string[], over: Partial<ReindexIo> = {}) => {
        const ran = io(over);
        const err: string[] = [];
        return exitCodeOf(
            "reindex",
            () => main(argv, ran),
            (l) => err.push(l),
        ).then((code) => ({ code, out: ran.lines, err }));
    };
    const checkpoint = (name: string) => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as ReindexCheckpoint;

    before(async () => {
        // Made here, not when the file loads: a mock replaces send() of every client of its class until restored.
        lambda = mockClient(LambdaClient);
        dynamo = await startDynamo();
        db = dynamoClient(dynamo.endpoint);
        await createTables(db, TABLE, TABLE);
        const items = [
            ...Array.from({ length: ORDERS }, (_, i) => item(order(i + 1))),
            // Not orders: the indexer skips them.
            marshall({ ...keys.health(), entity: "health" }),
            marshall({ ...keys.delivery("01K-event.created"), entity: "delivery", expiresAt: 1 }),
        ];
        for (let i = 0; i < items.length; i += 25)
            await db.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
        search = await startFakeOpenSearch();
        dir = mkdtempSync(path.join(tmpdir(), "reindex-spec-"));
        outputsFile = path.join(dir, "outputs.json");
        writeFileSync(
            outputsFile,
            JSON.stringify({
                tableName: TABLE,
                tableArn: `arn:aws:dynamodb:${REGION}:123456789012:table/${TABLE}`,
                searchEndpoint: `https://abc123.${REGION}.aoss.amazonaws.com`,
                functionOutputs: { "search-indexer": { name: "platform-test-search-indexer" } },
                releases: { "search-indexer": { alias: "live", targetVersion: "7" } },
            }),
        );
    });

    beforeEach(() => {
        lambda.reset();
        search.docs.clear();
        search.versions.clear();
        search.requests.length = 0;
        search.gate = undefined;
    });

    after(async () => {
        lambda.restore();
        await search.stop();
        await dynamo.stop();
    });

    it("writes every order with the indexer's document and version in signed _bulk requests, skips the rest, and checks the count", async () => {
        lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { SEARCH_INDEX: "orders-v2" } } });
        const r = await run(["--stack", "test", "--outputs", outputsFile, "--segments", "3", "--batch", "5", "--checkpoint", "a.json"]);
        assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
        // The index of the version pulumi up published: releases.search-indexer.targetVersion.
        assert.deepEqual(lambda.commandCalls(GetFunctionConfigurationCommand)[0]!.args[0].input, {
            FunctionName: "platform-test-search-indexer",
            Qualifier: "7",
        });
        assert.equal(search.docs.size, ORDERS);
        const o = order(10);
        assert.deepEqual(search.docs.get(o.id), {
            id: o.id,
            customerId: o.customerId,
            status: "cancelled",
            currency: "GBP",
            total: 500,
            skus: ["TEA-10"],
            note: "blue, teapot",
            createdAt: o.createdAt,
            updatedAt: o.updatedAt,
            version: o.version,
        });
        assert.equal(search.versions.get(o.id), o.version, "written at the order's version (external versioning)");
        const bulks = search.requests.filter((q) => q.method === "POST" && q.path === "/orders-v2/_bulk");
        assert.ok(bulks.length >= Math.ceil(ORDERS / 5), `batches of at most 5 (${bulks.length} bulk requests)`);
        assert.ok(
            bulks.every((q) => String(q.headers.authorization).includes("/aoss/aws4_request") && q.headers["x-amz-content-sha256"]),
            "SigV4 for aoss",
        );
        assert.ok(!search.requests.some((q) => q.method === "PUT"), "no single-document writes");
        const c = checkpoint("a.json");
        assert.deepEqual(c.counts, { items: ORDERS, written: ORDERS, stale: 0, acknowledged: 0, skipped: 0 }, "the filter keeps non-orders out of the scan");
        assert.ok(c.completedAt && c.segments.every((s) => s.done));
        assert.match(r.out.join("\n"), new RegExp(`The index orders-v2 holds ${ORDERS} order document\\(s\\) for the table's ${ORDERS} order\\(s\\)\\.`));

        // Again with --fresh: the index already holds every version, so each comes back stale, which is no failure.
        const again = await run(["--stack", "test", "--outputs", outputsFile, "--index", "orders-v2", "--checkpoint", "a.json", "--fresh"]);
        assert.equal(again.code, 0, again.out.join("\n"));
        assert.deepEqual(checkpoint("a.json").counts, { items: ORDERS, written: 0, stale: ORDERS, acknowledged: 0, skipped: 0 });
    });

    it("resumes a crashed run from its checkpoint: finished pages are not read again", async () => {
        let scans = 0;
        const crashing = {
            send: (command: unknown) => {
                if (command instanceof ScanCommand && ++scans === 4)
                    return Promise.reject(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));
                return db.send(command as never);
            },
        } as unknown as DynamoDBClient;
        const first = await run(
            ["--stack", "test", "--outputs", outputsFile, "--index", "orders", "--segments", "2", "--page-size", "4", "--checkpoint", "b.json"],
            {
                dynamodb: () => crashing,
            },
        );
        assert.equal(first.code, 1);
        assert.match(
            first.err.join("\n"),
            /^The scan of platform-test-orders stopped: TimeoutError: socket hang up\. Progress is saved in .*b\.json: run the same command again/,
        );
        const saved = checkpoint("b.json");
        assert.ok(!saved.completedAt && saved.segments.some((s) => s.lastKey || s.done), "some progress was saved");
        const before = saved.counts.written;
        assert.ok(before > 0 && before < ORDERS);

        const resumedScans: ScanCommand[] = [];
        const watching = { send: (c: unknown) => (c instanceof ScanCommand && resumedScans.push(c), db.send(c as never)) } as unknown as DynamoDBClient;
        const second = await run(
            ["--stack", "test", "--outputs", outputsFile, "--index", "orders", "--segments", "2", "--page-size", "4", "--checkpoint", "b.json"],
            {
                dynamodb: () => watching,
            },
        );
        assert.equal(second.code, 0, second.out.join("\n"));
        assert.match(second.out[0]!, /^Resuming the run of .* from .*b\.json\.$/);
        for (const s of saved.segments)
            if (s.done) assert.ok(!resumedScans.some((c) => c.input.Segment === s.segment), `segment ${s.segment} was done: not scanned again`);
            else if (s.lastKey)
                assert.deepEqual(resumedScans.find((c) => c.input.Segment === s.segment)!.input.ExclusiveStartKey, s.lastKey, "continues after its last page");
        const done = checkpoint("b.json");
        assert.equal(done.counts.written + done.counts.stale, ORDERS, "every order exactly once in the counts");
        assert.equal(search.docs.size, ORDERS);

        // Another run's flags against this checkpoint: refused, naming what differs.
        const other = await run([
            "--stack",
            "test",
            "--outputs",
            outputsFile,
            "--index",
            "orders-v9",
            "--segments",
            "2",
            "--page-size",
            "4",
            "--checkpoint",
            "b.json",
        ]);
        assert.equal(other.code, 2);
        assert.match(
            other.err[0]!,
            /^--checkpoint .*b\.json is of another run \(target "orders", not "orders-v9"\): give the same flags to resume it, --fresh to start over/,
        );
    });

    it("reports an unreadable order item and what OpenSearch refused, exits 1, and retries them first on the next run", async () => {
        const broken = order(99);
        await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...item(broken), total: { S: "lots" } } }));
        // Documents OpenSearch refuses: one 400 for the first bulk request's second document.
        search.gate = async (q) => {
            if (q.path.endsWith("/_bulk") && !search.requests.some((p) => p !== q && p.path.endsWith("/_bulk"))) search.failNext(1, 400);
        };
        try {
            const first = await run(["--stack", "test", "--outputs", outputsFile, "--index", "orders", "--checkpoint", "c.json"]);
            assert.equal(first.code, 1);
            const text = first.out.join("\n");
            assert.match(text, new RegExp(`failed: CUSTOMER#${broken.customerId} ORDER#${broken.id}: unreadable: its NewImage is not an order: total`));
            assert.doesNotMatch(text, /lots/, "never the item's values");
            assert.match(
                first.err[0]!,
                /^\d+ order item\(s\) were not indexed \(listed above and in .*c\.json\)\. Fix the cause and run the same command again/,
            );
            const failed = checkpoint("c.json").failures;
            assert.ok(failed.length >= 2 && failed.some((f) => /the bulk request failed/.test(f.reason)), JSON.stringify(failed));

            search.gate = undefined;
            await db.send(new PutItemCommand({ TableName: TABLE, Item: item(broken) }));
            const second = await run(["--stack", "test", "--outputs", outputsFile, "--index", "orders", "--checkpoint", "c.json"]);
            assert.equal(second.code, 0, second.out.join("\n"));
            assert.match(second.out.join("\n"), new RegExp(`Retrying the ${failed.length} item\\(s\\) the last run could not write\\.`));
            assert.equal(checkpoint("c.json").failures.length, 0);
            assert.ok(search.docs.has(broken.id));
        } finally {
            await db.send(
                new BatchWriteItemCommand({ RequestItems: { [TABLE]: [{ DeleteRequest: { Key: marshall(keys.order(broken.customerId, broken.id)) } }] } }),
            );
        }
    });

    it("fails when the index shows fewer order documents than the table has orders", async () => {
        // Documents that vanish before the count (a delete by someone else, the wrong index): the count says so.
        search.gate = async (q) => {
            if (q.path.endsWith("/_search")) for (const id of [...search.docs.keys()].slice(0, 2)) search.docs.delete(id);
        };
        const r = await run(["--stack", "test", "--outputs", outputsFile, "--index", "orders", "--checkpoint", "d.json", "--count-wait-s", "0"]);
        assert.equal(r.code, 1);
        assert.match(
            r.err[0]!,
            new RegExp(`^The index orders shows ${ORDERS - 2} order document\\(s\\), the table ${ORDERS} order\\(s\\): 2 missing after 0 s\\.`),
        );
    });

    it("--via indexer hands the items to the search-indexer function as stream records, which its own handler indexes", async () => {
        const transport = createSignedTransport(
            { endpoint: search.endpoint, region: REGION, service: "aoss", requestTimeoutMs: 5000 },
            async () => CREDENTIALS,
        );
        const handler = createSearchIndexer({ search: new VersionedOrderIndex({ index: "orders" }, transport), observability: quietObservability() });
        lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
            assert.equal(input.FunctionName, "platform-test-search-indexer:live");
            const event = JSON.parse(new TextDecoder().decode(input.Payload)) as DynamoDBStreamEvent;
            const answer = await handler(event, lambdaContext() as Context);
            return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer)) };
        });
        const r = await run([
            "--stack",
            "test",
            "--outputs",
            outputsFile,
            "--via",
            "indexer",
            "--indexer-version",
            "live",
            "--checkpoint",
            "e.json",
            "--batch",
            "10",
        ]);
        assert.equal(r.code, 0, r.out.join("\n"));
        assert.equal(search.docs.size, ORDERS, "the indexer's handler wrote every order");
        assert.deepEqual(checkpoint("e.json").counts, { items: ORDERS, written: 0, stale: 0, acknowledged: ORDERS, skipped: 0 });
        assert.match(r.out.join("\n"), /The document count is not checked: --via indexer cannot read the index\./);
        // Batches of at most 10 records: per page of each of the 4 segments.
        assert.ok(lambda.commandCalls(InvokeCommand).length >= Math.ceil(ORDERS / 10));
        assert.ok(
            lambda
                .commandCalls(InvokeCommand)
                .every((c) => (JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)) as DynamoDBStreamEvent).Records.length <= 10),
        );
    });

    it("refuses bad flags, naming the flag and what is allowed, before reading anything", async () => {
        const cases: Array<[string[], RegExp]> = [
            [["--outputs", outputsFile], /^--stack is required/],
            [["--stack", "test", "--segments", "0"], /^--segments "0" is invalid: expected an integer from 1 to 64\.$/],
            [["--stack", "test", "--batch", "501"], /^--batch "501" is invalid: expected an integer from 1 to 500\.$/],
            [["--stack", "test", "--index", "Orders"], /^--index "Orders" is invalid: expected an index name/],
            [["--stack", "test", "--indexer-version", "latest"], /^--indexer-version "latest" is invalid: expected published, live or a version number\.$/],
            [["--stack", "test", "--via", "indexer", "--index", "orders"], /^--index is for --via direct/],
            [["--stack", "test", "--from-table", "a b"], /^--from-table "a b" is invalid: expected a DynamoDB table name/],
            [["--stack", "te st"], /^--stack "te st" is invalid: expected a stack name/],
        ];
        for (const [argv, message] of cases)
            await assert.rejects(
                main(argv, io({ dynamodb: () => assert.fail("no table read") })),
                (e: Error) => e instanceof UsageError && message.test(e.message),
                argv.join(" "),
            );
        const missing = await run(["--stack", "test", "--outputs", path.join(dir, "nope.json")]);
        assert.equal(missing.code, 2);
        assert.match(missing.err[0]!, /^--outputs .*nope\.json: no such file; save it with `pulumi stack output --json --stack test > /);
    });
});
