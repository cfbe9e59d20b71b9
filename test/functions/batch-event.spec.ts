/**
 * Events no trigger sends: the queue and stream consumers refuse what is not a batch from their own
 * source, as a whole and with what they expected, instead of a TypeError or half a batch acknowledged.
 */
import { strict as assert } from "node:assert";
import type { SESv2Client } from "@aws-sdk/client-sesv2";
import type { Context, DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { MalformedBatchError, batchRecords } from "../../functions/shared/batch-event";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createEmailWorker } from "../../functions/email-worker/worker";
import { createSearchIndexer } from "../../functions/search-indexer/indexer";
import type { OrderIndex } from "../../functions/search-indexer/order-index";
import { lambdaContext, quietObservability } from "./helpers/lambda";

const sqsRecord = (id: string) => ({ messageId: id, eventSource: "aws:sqs", body: "{}" });
const streamRecord = (id: string) => ({ eventID: id, eventSource: "aws:dynamodb", dynamodb: { SequenceNumber: id } });

/** Every dependency throws: a refused event must be refused before any of them is touched. */
const untouchable = <T extends object>(what: string): T =>
    new Proxy({} as T, {
        get: (_, prop) => {
            if (prop === "then") return undefined;
            throw new Error(`${what}.${String(prop)} was used`);
        },
    });

describe("consumers on events no trigger sends", () => {
    type Consumer = (event: unknown, context: Context) => Promise<unknown>;
    const emailWorker = createEmailWorker({
        db: untouchable<DynamoDBDocumentClient>("dynamodb"),
        tableName: "t",
        ses: untouchable<SESv2Client>("ses"),
        fromAddress: "orders@shop.example",
        configurationSet: "orders",
        observability: quietObservability(),
    }) as Consumer;
    const indexer = createSearchIndexer({ search: untouchable<OrderIndex>("search"), observability: quietObservability() }) as Consumer;

    const cases: [string, unknown, RegExp][] = [
        ["no Records", { detail: {} }, /expected a batch event from .* \({ "Records": \[\.\.\.\] }\); got an object with detail$/],
        ["Records not a list", { Records: { 0: sqsRecord("a") } }, /; got "Records" as an object with 0$/],
        ["null", null, /; got null$/],
        ["a record from another source", { Records: [{ eventSource: "aws:kinesis", eventID: "k" }] }, /record 0 is from aws:kinesis, which it does not read$/],
        ["a record that is not an object", { Records: ["hello"] }, /record 0 is a string without an eventSource/],
    ];
    for (const [what, event, message] of cases) {
        it(`email-worker and search-indexer refuse ${what}, naming what they expected`, async () => {
            await assert.rejects(
                emailWorker(event, lambdaContext()),
                (e: Error) =>
                    e instanceof MalformedBatchError && /^email-worker expected a batch event from aws:sqs /.test(e.message) && message.test(e.message),
            );
            await assert.rejects(
                indexer(event, lambdaContext()),
                (e: Error) =>
                    e instanceof MalformedBatchError &&
                    /^search-indexer expected a batch event from aws:dynamodb or aws:sqs /.test(e.message) &&
                    message.test(e.message),
            );
        });
    }

    it("the email worker refuses stream records: it reads queue messages only", async () => {
        await assert.rejects(emailWorker({ Records: [streamRecord("1")] }, lambdaContext()), /record 0 is from aws:dynamodb, which it does not read/);
    });

    it("the indexer refuses a batch that mixes the stream and the queue as a whole, touching nothing", async () => {
        const mixed = { Records: [streamRecord("1"), sqsRecord("m1"), streamRecord("2")] };
        await assert.rejects(
            indexer(mixed as unknown as DynamoDBStreamEvent, lambdaContext()),
            /the batch mixes aws:dynamodb \(records 0, 2\) and aws:sqs \(record 1\), so none of it is processed$/,
        );
    });

    it("both take the empty batch the release hooks send, and report nothing failed", async () => {
        assert.deepEqual(await emailWorker({ Records: [] } satisfies SQSEvent, lambdaContext()), { batchItemFailures: [] });
        assert.deepEqual(await indexer({ Records: [] } satisfies SQSEvent, lambdaContext()), { batchItemFailures: [] });
    });

    it("batchRecords gives the one source of a well-formed batch", () => {
        assert.deepEqual(batchRecords({ Records: [sqsRecord("a"), sqsRecord("b")] }, "c", ["aws:sqs"]).source, "aws:sqs");
        assert.equal(batchRecords({ Records: [] }, "c", ["aws:sqs"]).source, undefined);
    });
});
