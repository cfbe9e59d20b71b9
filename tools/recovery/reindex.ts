/**
 * Rebuilds (or feeds) the OpenSearch Serverless index from the orders table: a parallel scan of the
 * table, each order item read and serialized exactly as the search indexer reads a stream record
 * (`changeFromStream`, `toDocument`) and written with the indexer's own versioned writes
 * (`VersionedOrderIndex.upsertMany`, one `_bulk` request per batch), a progress line, a checkpoint
 * (each segment's LastEvaluatedKey, the counts, the items that failed) to resume from, and at the end
 * the index's document count checked against the orders the table holds.
 *
 *   npm run reindex -- --stack <name> [--from-table NAME] [--checkpoint FILE] [--via direct|indexer] ...
 *
 * `--via direct` (the default) writes the collection itself: run it where the collection's VPC
 * endpoint is reachable, as a principal its data access policy lets write the index (see
 * docs/runbooks/rebuild-search-index.md). `--via indexer` hands the items to the deployed search-indexer
 * function as stream records instead (Lambda Invoke), which reaches the collection from its VPC with
 * its own role: it works from anywhere, but cannot read the index back, so there is no count check.
 *
 * Versioned writes make the whole run safe beside the live stream and safe to repeat: a document the
 * index already holds at that version or newer comes back `stale`, which is no failure.
 *
 * Exit code: 0 every order written (or current) and the count matches, 1 an item failed or the index
 * holds fewer order documents than the table has orders, 2 bad usage, a stack that cannot be read or a
 * checkpoint of another run.
 */
import * as path from "node:path";
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsCredentialIdentity } from "@smithy/types";
import type Transport from "@opensearch-project/opensearch/lib/Transport.js";
import type { DynamoDBRecord } from "aws-lambda";
import { changeFromStream, UnreadableRecordError, type ItemKeys } from "../../functions/search-indexer/changes";
import { BulkItemError, VersionedOrderIndex, type BulkOutcome } from "../../functions/search-indexer/order-index";
import { createSignedTransport } from "../../functions/shared/opensearch-transport";
import { toDocument, type OrderDocument } from "../../functions/shared/search-store";
import { defineCommand, integer, matching, oneOf, runProcess, UsageError } from "../cli";
import { stackName } from "../ops/stack-outputs";
import {
    arnParts,
    awsError,
    duration,
    freshSegments,
    PROCESS_OPTIONS,
    ProgressLine,
    readState,
    RecoveryFailed,
    Refused,
    region,
    scanTable,
    shortStack,
    sleep,
    stackOutputs,
    STATE_DIR,
    StackOutputsError,
    stringOutput,
    writeState,
    type Key,
    type SegmentState,
} from "./common";

const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const INDEX = /^[a-z0-9][a-z0-9_-]{0,79}$/;
/** The indexer's function in the stack outputs `functionOutputs` and `releases`. */
const INDEXER = "search-indexer";
/** Attempts of a document OpenSearch answered 429 or 5xx, or of a batch the indexer function failed. */
const ATTEMPTS = 4;

export const COMMAND = defineCommand({
    name: "reindex",
    synopsis:
        "--stack <name> [--from-table NAME] [--checkpoint FILE] [--fresh] [--via direct|indexer] [--index NAME] [--indexer-version published|live|<n>] [--segments N] [--batch N] [--page-size N] [--region R] [--outputs FILE]",
    summary:
        "Rebuilds the search index from the orders table: a parallel scan, each order serialized and written with the search indexer's own versioned writes (bulk), a progress line, a checkpoint to resume from, and the index's document count checked against the table.",
    flags: {
        stack: { type: "string", value: "<name>", description: "required: the stack whose table and index (stack outputs)", parse: stackName },
        "from-table": {
            type: "string",
            value: "NAME",
            description: "scan this table instead of the stack's (a restored copy, for instance)",
            defaultText: "the stack output tableName",
            parse: matching(TABLE, "a DynamoDB table name (3 to 255 letters, digits, '_', '-' and '.')"),
        },
        checkpoint: {
            type: "string",
            value: "FILE",
            description: "where the run's progress is kept; a run with the same flags resumes from it",
            defaultText: `${STATE_DIR}/reindex-<stack>.json`,
        },
        fresh: { type: "boolean", description: "start over: ignore (and replace) the checkpoint of an earlier run" },
        via: {
            type: "string",
            value: "direct|indexer",
            description:
                "direct: bulk writes to the collection (needs its VPC endpoint and a data access policy that lets you write); indexer: invoke the search-indexer function with the items as stream records (no count check)",
            default: "direct",
            parse: oneOf(["direct", "indexer"] as const),
        },
        index: {
            type: "string",
            value: "NAME",
            description: "with --via direct: the index to write",
            defaultText: "the SEARCH_INDEX of the indexer version --indexer-version names",
            parse: matching(INDEX, "an index name (lower-case letters, digits, '-' and '_')"),
        },
        "indexer-version": {
            type: "string",
            value: "published|live|<n>",
            description:
                "the search-indexer version whose index is written (and, with --via indexer, that is invoked): the one pulumi up published, the one live serves, or a number",
            default: "published",
            parse: matching(/^(published|live|[1-9]\d{0,9})$/, "published, live or a version number"),
        },
        segments: { type: "string", value: "N", description: "parallel scan segments (TotalSegments)", default: "4", parse: integer(1, 64) },
        batch: { type: "string", value: "N", description: "documents per bulk request, or records per invocation", default: "50", parse: integer(1, 500) },
        "page-size": {
            type: "string",
            value: "N",
            description: "items per Scan page (a checkpoint is saved after each page; smaller pages read the table more gently)",
            default: "500",
            parse: integer(1, 10000),
        },
        region: { type: "string", value: "R", description: "the table's region", defaultText: "the region of the stack output tableArn", parse: region },
        "count-wait-s": {
            type: "string",
            value: "S",
            description:
                "seconds to wait for the index's count to reach the table's (OpenSearch Serverless shows new documents to searches after a few seconds)",
            default: "60",
            parse: integer(0, 3600, "seconds"),
        },
        outputs: {
            type: "string",
            value: "FILE",
            description: "the stack's outputs as `pulumi stack output --json` printed them",
            defaultText: "ask the Pulumi CLI",
        },
    },
    epilog: "Exit code: 0 every order written or current and the count matches, 1 an item failed or documents are missing, 2 bad usage, an unreadable stack or a checkpoint of another run.",
});

export type ReindexVia = "direct" | "indexer";

/** What a run keeps in its checkpoint file. */
export interface ReindexCheckpoint {
    version: 1;
    stack: string;
    table: string;
    region: string;
    via: ReindexVia;
    /** The index written (direct) or the function version invoked (indexer). */
    target: string;
    totalSegments: number;
    segments: SegmentState[];
    counts: ReindexCounts;
    /** Order items that were not written: retried first by the next run. */
    failures: Array<{ keys: ItemKeys; reason: string }>;
    startedAt: string;
    updatedAt: string;
    completedAt?: string;
}

export interface ReindexCounts {
    /** Items the scan read (after the order filter). */
    items: number;
    /** Order documents the index took. */
    written: number;
    /** Orders the index already held at their version or newer. */
    stale: number;
    /** Orders the indexer function acknowledged (written or stale: it does not say which). */
    acknowledged: number;
    /** Items that are not orders. */
    skipped: number;
}

/** An order item ready to write: its keys, the item as the table holds it, and its document. */
interface Pending {
    keys: ItemKeys;
    item: Key;
    doc: OrderDocument;
}

type Outcome = "written" | "stale" | "acknowledged" | { error: string; retry: boolean };

/** Where the documents go: the collection (bulk) or the indexer function. */
interface Sink {
    describe: string;
    write(batch: readonly Pending[]): Promise<Outcome[]>;
    /** Order documents (not removal markers) in the index, when the sink can read it. */
    count?(): Promise<number>;
}

export interface ReindexIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** Progress text (a redrawn line on a terminal). @default stderr */
    progress?: (text: string) => void;
    tty?: boolean;
    env?: NodeJS.ProcessEnv;
    dynamodb?: (region: string) => DynamoDBClient;
    lambda?: (region: string) => LambdaClient;
    /** The signed Transport to the collection. @default createSignedTransport with the default credential chain */
    transport?: (endpoint: string, region: string) => Pick<Transport, "request">;
    sleep?: (ms: number) => Promise<void>;
    now?: () => Date;
    /** Where relative paths start. @default process.cwd() */
    cwd?: string;
}

/** A scanned item as the stream would carry it: what the indexer reads, so both read an item alike. */
function asStreamRecord(item: Key, sequence: number, awsRegion: string): DynamoDBRecord {
    return {
        eventID: `reindex-${sequence}`,
        eventName: "INSERT",
        eventSource: "aws:dynamodb",
        awsRegion,
        dynamodb: {
            Keys: { pk: item.pk, sk: item.sk } as never,
            NewImage: item as never,
            SequenceNumber: String(sequence),
            StreamViewType: "NEW_AND_OLD_IMAGES",
        },
    };
}

function keysOf(item: Key): ItemKeys {
    return { pk: item.pk?.S ?? "?", sk: item.sk?.S ?? "?" };
}

function bulkSink(index: VersionedOrderIndex, transport: Pick<Transport, "request">, name: string): Sink {
    return {
        describe: `index ${name} (bulk)`,
        async write(batch) {
            let outcomes: BulkOutcome[];
            try {
                outcomes = await index.upsertMany(batch.map((p) => p.doc));
            } catch (error) {
                // The whole request failed (the Transport already retried it): every document is retried.
                const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
                return batch.map(() => ({
                    error: `the bulk request failed: ${awsError(error)}`,
                    retry: status === undefined || status === 429 || status >= 500,
                }));
            }
            return outcomes.map((o) => (o instanceof BulkItemError ? { error: o.message, retry: o.status === 429 || o.status >= 500 } : o));
        },
        async count() {
            // _search with size 0, not _count: _search is what OpenSearch Serverless lists for aoss:ReadDocument.
            const answer = await transport.request({
                method: "POST",
                path: `/${encodeURIComponent(name)}/_search`,
                body: { size: 0, track_total_hits: true, query: { bool: { must_not: [{ term: { removed: true } }] } } },
            });
            const total = (answer.body as { hits?: { total?: { value?: unknown } | number } }).hits?.total;
            const value = typeof total === "number" ? total : total?.value;
            if (typeof value !== "number") throw new RecoveryFailed(`The index ${name} answered the count without hits.total.`);
            return value;
        },
    };
}

function indexerSink(lambda: LambdaClient, functionName: string, awsRegion: string): Sink {
    let sequence = 0;
    return {
        describe: `function ${functionName} (stream records)`,
        async write(batch) {
            const records = batch.map((p) => asStreamRecord(p.item, (sequence += 1), awsRegion));
            let answer;
            try {
                answer = await lambda.send(
                    new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify({ Records: records })) }),
                );
            } catch (error) {
                return batch.map(() => ({ error: `Lambda Invoke failed: ${awsError(error)}`, retry: true }));
            }
            const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : "";
            if (answer.FunctionError)
                return batch.map(() => ({ error: `the function failed the batch (${answer.FunctionError}): ${text.slice(0, 200)}`, retry: true }));
            let failed: Set<string>;
            try {
                const body = JSON.parse(text) as { batchItemFailures?: Array<{ itemIdentifier?: string }> };
                failed = new Set((body.batchItemFailures ?? []).map((f) => String(f.itemIdentifier)));
            } catch {
                return batch.map(() => ({ error: `the function answered ${text.slice(0, 100) || "nothing"}, not { batchItemFailures }`, retry: false }));
            }
            return records.map((r) =>
                failed.has(r.dynamodb!.SequenceNumber!)
                    ? { error: "the indexer reported it failed (its log has the reason, eventID " + r.eventID + ")", retry: true }
                    : "acknowledged",
            );
        },
    };
}

/** Reads the outputs and resolves what the run reads and writes; nothing is written yet. */
async function resolve(values: Values, io: ReindexIo) {
    const stack = values.stack;
    const outputs = await stackOutputs(stack, values.outputs, io.env);
    const table = values["from-table"] ?? stringOutput(outputs, stack, "tableName");
    const tableRegion = values.region ?? arnParts(stringOutput(outputs, stack, "tableArn")).region;
    const functionName = stringOutput(outputs, stack, `functionOutputs.${INDEXER}.name`);
    const requested = values["indexer-version"];
    const qualifier =
        requested === "published"
            ? stringOutput(outputs, stack, `releases.${INDEXER}.targetVersion`)
            : requested === "live"
              ? stringOutput(outputs, stack, `releases.${INDEXER}.alias`)
              : requested;
    const lambda = (io.lambda ?? ((r) => new LambdaClient({ region: r, maxAttempts: 5 })))(tableRegion);
    if (values.via === "indexer") return { stack, table, tableRegion, lambda, target: `${functionName}:${qualifier}`, functionName, qualifier, outputs };
    let index = values.index;
    if (index === undefined) {
        try {
            const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: qualifier }));
            index = config.Environment?.Variables?.SEARCH_INDEX;
        } catch (error) {
            throw new StackOutputsError(
                `Reading SEARCH_INDEX of ${functionName}:${qualifier} (Lambda GetFunctionConfiguration) failed: ${awsError(error)}. Give --index NAME, or allow lambda:GetFunctionConfiguration.`,
            );
        }
        if (!index || !INDEX.test(index))
            throw new StackOutputsError(`${functionName}:${qualifier} has no SEARCH_INDEX an index can be named by; give --index NAME.`);
    }
    return { stack, table, tableRegion, lambda, target: index, functionName, qualifier, outputs };
}

type Values = NonNullable<ReturnType<typeof parsedValues>>;
function parsedValues(argv: readonly string[]) {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) return undefined;
    const v = parsed.values;
    if (v.stack === undefined) throw new UsageError(`--stack is required: the stack whose table and index to use. ${COMMAND.seeHelp}`);
    if (v.index !== undefined && v.via === "indexer")
        throw new UsageError(
            `--index is for --via direct; with --via indexer the function writes the index its SEARCH_INDEX names (choose it with --indexer-version).`,
        );
    return { ...v, stack: v.stack };
}

/** The aoss region from the collection endpoint's host, `<id>.<region>.aoss.amazonaws.com`. */
function endpointRegion(endpoint: string, fallback: string): string {
    return /\.([a-z]{2}(?:-[a-z]+)+-\d)\.aoss\.amazonaws\.com/.exec(endpoint)?.[1] ?? fallback;
}

export async function main(argv: readonly string[], io: ReindexIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const values = parsedValues(argv);
    if (values === undefined) {
        out(COMMAND.help);
        return 0;
    }
    const cwd = io.cwd ?? process.cwd();
    const now = io.now ?? (() => new Date());
    const wait = io.sleep ?? sleep;
    const r = await resolve(values, io);
    const dynamodb = (io.dynamodb ?? ((region: string) => new DynamoDBClient({ region, maxAttempts: 8 })))(r.tableRegion);

    let sink: Sink;
    if (values.via === "indexer") sink = indexerSink(r.lambda, r.target, r.tableRegion);
    else {
        const endpoint = stringOutput(r.outputs, values.stack, "searchEndpoint");
        const aossRegion = endpointRegion(endpoint, r.tableRegion);
        const transport =
            io.transport?.(endpoint, aossRegion) ??
            createSignedTransport({ endpoint, region: aossRegion, service: "aoss", requestTimeoutMs: 30_000 }, (): Promise<AwsCredentialIdentity> =>
                defaultProvider()(),
            );
        sink = bulkSink(new VersionedOrderIndex({ index: r.target }, transport), transport, r.target);
    }

    const file = path.resolve(cwd, values.checkpoint ?? path.join(STATE_DIR, `reindex-${shortStack(values.stack)}.json`));
    const fresh = (): ReindexCheckpoint => ({
        version: 1,
        stack: values.stack,
        table: r.table,
        region: r.tableRegion,
        via: values.via,
        target: r.target,
        totalSegments: values.segments,
        segments: freshSegments(values.segments),
        counts: { items: 0, written: 0, stale: 0, acknowledged: 0, skipped: 0 },
        failures: [],
        startedAt: now().toISOString(),
        updatedAt: now().toISOString(),
    });
    const checkpoint = values.fresh ? undefined : readState<ReindexCheckpoint>(file, "--checkpoint");
    if (checkpoint !== undefined) {
        const mine = { stack: values.stack, table: r.table, via: values.via, target: r.target, totalSegments: values.segments };
        const differs = (Object.keys(mine) as Array<keyof typeof mine>).filter((k) => checkpoint![k] !== mine[k]);
        if (checkpoint.version !== 1 || !Array.isArray(checkpoint.segments) || differs.length > 0)
            throw new Refused(
                `--checkpoint ${file} is of another run (${differs.map((k) => `${k} ${JSON.stringify(checkpoint![k])}, not ${JSON.stringify(mine[k])}`).join("; ") || "another format"}): give the same flags to resume it, --fresh to start over, or --checkpoint FILE for a new one.`,
            );
        out(`Resuming the run of ${checkpoint.startedAt} from ${file}${checkpoint.completedAt ? " (its scan is complete)" : ""}.`);
    }
    const state = checkpoint ?? fresh();
    const save = (() => {
        // Saves run one after another: segments finish pages at once, and each save writes the whole state.
        let chain = Promise.resolve();
        return () => {
            state.updatedAt = now().toISOString();
            chain = chain.then(() => writeState(file, state));
            return chain;
        };
    })();
    await save();
    out(`Reindexing ${r.table} (${r.tableRegion}) into ${sink.describe}, ${values.segments} segment(s); checkpoint ${file}.`);

    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: r.table })).catch((error: unknown) => {
        throw new Refused(`--from-table ${r.table}: DescribeTable in ${r.tableRegion} failed: ${awsError(error)}.`);
    });
    const estimate = Table?.ItemCount;
    const progress = new ProgressLine(io.progress ?? ((t) => process.stderr.write(t)), io.tty ?? process.stderr.isTTY === true);
    const started = Date.now();
    const show = (force = false) => {
        const c = state.counts;
        const rate = c.items / Math.max(0.001, (Date.now() - started) / 1000);
        progress.update(
            c.items,
            estimate,
            `written ${c.written} stale ${c.stale}${c.acknowledged ? ` acknowledged ${c.acknowledged}` : ""} skipped ${c.skipped} failed ${state.failures.length}  ${rate.toFixed(0)}/s`,
            force,
        );
    };

    /** Writes order items in batches, retrying what is worth retrying; the failures it gives up on. */
    async function writeAll(pending: Pending[], delta: ReindexCounts, failures: ReindexCheckpoint["failures"]): Promise<void> {
        for (let at = 0; at < pending.length; at += values!.batch) {
            let batch = pending.slice(at, at + values!.batch);
            for (let attempt = 1; batch.length > 0; attempt += 1) {
                const outcomes = await sink.write(batch);
                const again: Pending[] = [];
                outcomes.forEach((o, i) => {
                    if (o === "written" || o === "stale" || o === "acknowledged") delta[o] += 1;
                    else if (o.retry && attempt < ATTEMPTS) again.push(batch[i]!);
                    else failures.push({ keys: batch[i]!.keys, reason: o.error });
                });
                batch = again;
                if (batch.length > 0) await wait(200 * 2 ** attempt);
            }
        }
    }

    /** Items as order documents, the way the indexer reads a stream record; the others counted or failed. */
    function read(items: Key[], delta: ReindexCounts, failures: ReindexCheckpoint["failures"]): Pending[] {
        const pending: Pending[] = [];
        for (const item of items) {
            delta.items += 1;
            try {
                const change = changeFromStream(asStreamRecord(item, 1, r.tableRegion));
                if (change.kind === "upsert") pending.push({ keys: keysOf(item), item, doc: toDocument(change.order) });
                else delta.skipped += 1;
            } catch (error) {
                if (!(error instanceof UnreadableRecordError)) throw error;
                failures.push({ keys: keysOf(item), reason: `unreadable: ${error.message}` });
            }
        }
        return pending;
    }

    const add = (delta: ReindexCounts) => {
        for (const k of Object.keys(delta) as Array<keyof ReindexCounts>) state.counts[k] += delta[k];
    };
    const zero = (): ReindexCounts => ({ items: 0, written: 0, stale: 0, acknowledged: 0, skipped: 0 });

    // The items an earlier run could not write go first, read again by their keys.
    if (state.failures.length > 0) {
        const retry = state.failures;
        out(`Retrying the ${retry.length} item(s) the last run could not write.`);
        const delta = zero();
        const failures: ReindexCheckpoint["failures"] = [];
        const items: Key[] = [];
        for (const { keys } of retry) {
            const { Item } = await dynamodb.send(
                new GetItemCommand({ TableName: r.table, Key: { pk: { S: keys.pk }, sk: { S: keys.sk } }, ConsistentRead: true }),
            );
            if (Item) items.push(Item);
            else out(`  ${keys.pk} ${keys.sk} is no longer in the table: nothing to index.`);
        }
        await writeAll(read(items, delta, failures), delta, failures);
        // Counted once: these items were counted as scanned when they first failed.
        delta.items = 0;
        add(delta);
        state.failures = failures;
        await save();
    }

    const pendingBySegment = new Map<number, { delta: ReindexCounts; failures: ReindexCheckpoint["failures"] }>();
    await scanTable({
        client: dynamodb,
        table: r.table,
        totalSegments: state.totalSegments,
        segments: state.segments,
        pageSize: values["page-size"],
        // Read after the filter is applied, so the scan reads the whole table; only orders come back.
        filter: { expression: "begins_with(#sk, :order)", names: { "#sk": "sk" }, values: { ":order": { S: "ORDER#" } } },
        onPage: async (segment, items) => {
            const delta = zero();
            const failures: ReindexCheckpoint["failures"] = [];
            await writeAll(read(items, delta, failures), delta, failures);
            pendingBySegment.set(segment, { delta, failures });
        },
        afterPage: async (segment) => {
            const page = pendingBySegment.get(segment);
            pendingBySegment.delete(segment);
            if (page) {
                add(page.delta);
                state.failures.push(...page.failures);
            }
            show();
            await save();
        },
    }).catch((error: unknown) => {
        progress.end();
        throw new RecoveryFailed(
            `The scan of ${r.table} stopped: ${awsError(error)}. Progress is saved in ${file}: run the same command again to continue from there.`,
        );
    });
    show(true);
    progress.end();
    state.completedAt ??= now().toISOString();
    await save();

    const c = state.counts;
    const indexed = c.written + c.stale + c.acknowledged;
    out(
        `Scanned ${c.items} order item(s) in ${duration(Date.now() - started)}: ${c.written} written, ${c.stale} already current, ${c.acknowledged} acknowledged by the indexer, ${c.skipped} not orders, ${state.failures.length} failed.`,
    );
    if (state.failures.length > 0) {
        for (const f of state.failures.slice(0, 10)) out(`  failed: ${f.keys.pk} ${f.keys.sk}: ${f.reason}`);
        if (state.failures.length > 10) out(`  ... and ${state.failures.length - 10} more (all in ${file})`);
        throw new RecoveryFailed(
            `${state.failures.length} order item(s) were not indexed (listed above and in ${file}). Fix the cause and run the same command again: those items are retried first.`,
        );
    }
    if (!sink.count) {
        out(
            `Every order was acknowledged by ${r.target} (written, or already current). The document count is not checked: --via indexer cannot read the index.`,
        );
        return 0;
    }
    // OpenSearch Serverless makes new documents visible to searches a few seconds after the write.
    const deadline = Date.now() + values["count-wait-s"] * 1000;
    let count = await sink.count();
    while (count < indexed && Date.now() < deadline) {
        await wait(Math.min(5000, Math.max(0, deadline - Date.now())));
        count = await sink.count();
    }
    if (count < indexed)
        throw new RecoveryFailed(
            `The index ${r.target} shows ${count} order document(s), the table ${indexed} order(s): ${indexed - count} missing after ${values["count-wait-s"]} s. Run the same command with --fresh to write every order again.`,
        );
    out(
        `The index ${r.target} holds ${count} order document(s) for the table's ${indexed} order(s)${
            count > indexed
                ? ` (${count - indexed} more: orders created since the scan reached them, or documents of orders the table no longer has; rebuild into a fresh index for an exact copy)`
                : ""
        }.`,
    );
    return 0;
}

if (require.main === module) {
    runProcess("reindex", () => main(process.argv.slice(2)), PROCESS_OPTIONS);
}
