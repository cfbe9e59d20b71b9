/**
 * What the recovery commands (restore, reindex, export-users) share: the stack's outputs (from the
 * Pulumi CLI, as tools/ops/stack-outputs.ts reads them, or from a saved `pulumi stack output --json`),
 * flag validators, the refusal that exits 2, state files written atomically, a parallel table scan
 * that can resume, and a progress line.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { exitCodeOf as commandExitCodeOf, InvalidValue, matching } from "../cli";
import { readStackOutputs, StackOutputsError, stringOutput } from "../ops/stack-outputs";

export { stringOutput, StackOutputsError };

/** The command refused to act (a target that exists, a restore point outside the window...): nothing was done, exit 2. */
export class Refused extends Error {
    override readonly name = "Refused";
}

/** A failure the command explains in its message (a restore job that failed, a verification that did not pass): exit 1. */
export class RecoveryFailed extends Error {
    override readonly name = "RecoveryFailed";
}

/** Where the commands keep their state and checkpoint files by default, relative to where they run. */
export const STATE_DIR = ".recovery";

export const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const region = matching(REGION, "an AWS region such as eu-west-1");

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 instant with its zone (`2026-11-24T20:55:00Z`, `2026-11-24T21:55+01:00`): a restore
 * point must not depend on the operator's time zone. Calendar dates are checked (no 2026-02-30).
 */
export function isoInstant(text: string): Date {
    const m = ISO_TIME.exec(text);
    const expected = "is invalid: expected an ISO 8601 time with its zone, such as 2026-11-24T20:55:00Z";
    if (!m) throw new InvalidValue(`${expected}.`);
    const date = new Date(text);
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (Number.isNaN(date.getTime()) || month < 1 || month > 12 || day < 1 || day > days || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)
        throw new InvalidValue(`${expected} (${text} is no such time).`);
    return date;
}

/** `s3://bucket/key`: a bucket name as S3 allows it and a key that names an object (not a prefix). */
export function s3Url(text: string): { bucket: string; key: string } {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(\S+)$/.exec(text);
    const expected = "is invalid: expected s3://<bucket>/<key>, such as s3://acme-dr-exports/users/prod.json";
    if (!m || m[1]!.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(m[1]!)) throw new InvalidValue(`${expected}.`);
    if (m[2]!.endsWith("/")) throw new InvalidValue(`${expected} (the key ends with "/": name the object, not a prefix).`);
    if (Buffer.byteLength(m[2]!) > 1024) throw new InvalidValue(`${expected} (the key is longer than S3's 1024 bytes).`);
    return { bucket: m[1]!, key: m[2]! };
}

/** A stack's outputs: from `--outputs FILE` (what `pulumi stack output --json` printed), else from the Pulumi CLI. */
export async function stackOutputs(stack: string, outputsFile: string | undefined, env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
    if (outputsFile === undefined)
        return readStackOutputs(stack, env ? { env } : {}).catch((error: unknown) => {
            // Without the CLI (a machine that cannot log in to the Pulumi service), saved outputs do.
            if (error instanceof StackOutputsError && /could not run/.test(error.message))
                throw new StackOutputsError(
                    `${error.message.replace(/ Install the Pulumi CLI.*$/, "")} Install the Pulumi CLI and log in, or give --outputs FILE.`,
                );
            throw error;
        });
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(outputsFile, "utf8"));
    } catch (error) {
        const e = error as NodeJS.ErrnoException;
        throw new StackOutputsError(
            `--outputs ${outputsFile}: ${e.code === "ENOENT" ? "no such file" : `not JSON (${e.message})`}; save it with \`pulumi stack output --json --stack ${stack} > ${outputsFile}\`.`,
        );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new StackOutputsError(
            `--outputs ${outputsFile}: expected the object \`pulumi stack output --json\` prints, not ${JSON.stringify(parsed)?.slice(0, 60)}.`,
        );
    return parsed as Record<string, unknown>;
}

/** The region and account of an ARN (`arn:aws:dynamodb:eu-west-1:123456789012:table/x`). */
export function arnParts(arn: string): { partition: string; service: string; region: string; account: string; resource: string } {
    const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(arn);
    if (!m) throw new StackOutputsError(`${JSON.stringify(arn)} is not an ARN.`);
    return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

/** The last part of a possibly qualified stack name (`acme/platform/prod` is `prod`): what names files. */
export function shortStack(stack: string): string {
    return stack.split("/").pop()!;
}

/** A state file's JSON, or undefined when there is none; a file that is not JSON is refused (exit 2). */
export function readState<T>(file: string, flag: string): T | undefined {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new Refused(`${flag} ${file} cannot be read: ${(error as Error).message}.`);
    }
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new Refused(`${flag} ${file} is not JSON (a write was cut short?); move it aside to start over.`);
    }
}

/** Writes JSON through a temporary file and a rename, so a crash leaves the old state or the new one, never half. */
export function writeState(file: string, value: unknown): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(temp, file);
}

/** `1 h 02 min`, `4 min 05 s`, `12.3 s`. */
export function duration(ms: number): string {
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    const s = Math.round(ms / 1000);
    if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export type Key = Record<string, AttributeValue>;

/** Where one segment of a parallel scan stands: the key to start after, or done. */
export interface SegmentState {
    segment: number;
    lastKey?: Key;
    done: boolean;
}

export function freshSegments(total: number): SegmentState[] {
    return Array.from({ length: total }, (_, segment) => ({ segment, done: false }));
}

export interface ScanOptions {
    client: DynamoDBClient;
    table: string;
    totalSegments: number;
    /** Updated in place as pages are handled: what a checkpoint saves. */
    segments: SegmentState[];
    /** Items per page. @default 500 */
    pageSize?: number;
    projection?: { expression: string; names: Record<string, string> };
    filter?: { expression: string; names?: Record<string, string>; values: Key };
    /**
     * Each page, in order within its segment (segments run at once). The segment's position moves past
     * the page only once this resolves, so a crash replays the page: what it does must be safe twice.
     */
    onPage: (segment: number, items: Key[], scanned: number) => Promise<void>;
    /** After a page is handled and its segment has moved past it (`segments` is what to save now). */
    afterPage?: (segment: number) => Promise<void> | void;
}

/** A parallel scan (`Segment`/`TotalSegments`) from where `segments` stand, until every segment is done. */
export async function scanTable(options: ScanOptions): Promise<void> {
    const run = async (state: SegmentState): Promise<void> => {
        while (!state.done) {
            const page = await options.client.send(
                new ScanCommand({
                    TableName: options.table,
                    Segment: state.segment,
                    TotalSegments: options.totalSegments,
                    Limit: options.pageSize ?? 500,
                    ...(state.lastKey ? { ExclusiveStartKey: state.lastKey } : {}),
                    ...(options.projection ? { ProjectionExpression: options.projection.expression } : {}),
                    ...(options.filter ? { FilterExpression: options.filter.expression, ExpressionAttributeValues: options.filter.values } : {}),
                    ...(options.projection || options.filter?.names
                        ? { ExpressionAttributeNames: { ...options.projection?.names, ...options.filter?.names } }
                        : {}),
                }),
            );
            await options.onPage(state.segment, page.Items ?? [], page.ScannedCount ?? 0);
            if (page.LastEvaluatedKey) state.lastKey = page.LastEvaluatedKey;
            else {
                delete state.lastKey;
                state.done = true;
            }
            await options.afterPage?.(state.segment);
        }
    };
    await Promise.all(options.segments.filter((s) => s.segment < options.totalSegments).map(run));
}

/**
 * A progress bar on a terminal (one line, redrawn), or a line every `everyMs` elsewhere (CI logs).
 * `total` may be unknown or an estimate (DynamoDB's ItemCount is refreshed about every 6 hours).
 */
export class ProgressLine {
    private lastPrint = 0;
    private drawn = false;

    constructor(
        private readonly write: (text: string) => void,
        private readonly tty: boolean,
        private readonly everyMs = 5000,
        private readonly now: () => number = Date.now,
    ) {}

    update(done: number, total: number | undefined, detail: string, force = false): void {
        const t = this.now();
        if (!force && t - this.lastPrint < (this.tty ? 100 : this.everyMs)) return;
        this.lastPrint = t;
        const share = total && total > 0 ? Math.min(1, done / total) : undefined;
        if (this.tty) {
            const width = 24;
            const bar = share === undefined ? "" : `[${"#".repeat(Math.round(share * width)).padEnd(width, ".")}] ${(share * 100).toFixed(0).padStart(3)}% `;
            this.write(`\r${bar}${done}${total ? `/~${total}` : ""} items  ${detail}\x1b[K`);
            this.drawn = true;
        } else this.write(`${done}${total ? `/~${total}` : ""} items  ${detail}\n`);
    }

    /** Ends the bar's line on a terminal. */
    end(): void {
        if (this.tty && this.drawn) this.write("\n");
        this.drawn = false;
    }
}

/**
 * A recovery command's exit code from its run: 2 and the message alone for bad flags, a stack that
 * cannot be read or a refusal (nothing was done), 1 and the message alone for a failure it explains,
 * 1 and the stack for anything unforeseen.
 */
export function exitCodeOf(command: string, run: () => Promise<number>, err: (line: string) => void): Promise<number> {
    return commandExitCodeOf(command, run, err, PROCESS_OPTIONS.explained, PROCESS_OPTIONS.refused);
}

/** How a recovery command runs as the process (tools/cli.ts `runProcess`): the exit codes of `exitCodeOf` above. */
export const PROCESS_OPTIONS = {
    explained: (error: unknown) => error instanceof RecoveryFailed,
    refused: (error: unknown) => error instanceof StackOutputsError || error instanceof Refused,
    exit: "always",
} as const;

/** An AWS error's name and message, for a line that says what failed underneath. */
export function awsError(error: unknown): string {
    const e = error as { name?: string; message?: string };
    return `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message ?? String(error)}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
