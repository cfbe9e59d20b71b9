/**
 * The records of a batch event (SQS, DynamoDB Streams), checked before a consumer touches them: Lambda
 * only ever sends `{ Records: [...] }` from one source, so anything else is an invocation by hand or a
 * misrouted trigger, refused as a whole with what was expected, never half processed.
 */

/** An event a consumer cannot read as a batch; the invocation fails with this message. */
export class MalformedBatchError extends Error {
    override readonly name = "MalformedBatchError";
}

function shape(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value !== "object") return `a ${typeof value}`;
    const keys = Object.keys(value);
    return keys.length === 0 ? "an empty object" : `an object with ${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", ..." : ""}`;
}

/**
 * The event's records and the one source they all come from (`undefined` for an empty batch, which the
 * release hooks send to check that a new version starts).
 * @param consumer who is reading, for the message
 * @param sources the `eventSource` values it accepts, such as `aws:sqs`
 * @throws MalformedBatchError naming what was expected and what came: no `Records` list, a record that is
 * not an object, a source not accepted, or records from two sources
 */
export function batchRecords<R>(event: unknown, consumer: string, sources: readonly string[]): { source: string | undefined; records: R[] } {
    const expected = `a batch event from ${sources.join(" or ")} ({ "Records": [...] })`;
    const records = (event as { Records?: unknown } | null)?.Records;
    if (typeof event !== "object" || event === null || !Array.isArray(records)) {
        throw new MalformedBatchError(`${consumer} expected ${expected}; got ${records === undefined ? shape(event) : `"Records" as ${shape(records)}`}`);
    }
    const bySource = new Map<string, number[]>();
    records.forEach((record: unknown, i) => {
        const source = typeof record === "object" && record !== null ? (record as { eventSource?: unknown }).eventSource : undefined;
        if (typeof source !== "string" || !sources.includes(source)) {
            throw new MalformedBatchError(
                `${consumer} expected ${expected}; record ${i} is ${typeof source === "string" ? `from ${source}` : shape(record) + " without an eventSource"}, which it does not read`,
            );
        }
        const at = bySource.get(source);
        if (at === undefined) bySource.set(source, [i]);
        else at.push(i);
    });
    if (bySource.size > 1) {
        const mix = [...bySource].map(([s, at]) => `${s} (record${at.length > 1 ? "s" : ""} ${at.join(", ")})`).join(" and ");
        throw new MalformedBatchError(`${consumer} expected ${expected} from one source; the batch mixes ${mix}, so none of it is processed`);
    }
    return { source: [...bySource.keys()][0], records: records as R[] };
}
