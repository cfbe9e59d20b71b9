/**
 * Moves the messages of a dead-letter queue back to its source queue with SQS StartMessageMoveTask
 * and reports progress until the task ends.
 *
 *   npm run redrive -- --stack <stack> --queue <name> [--rate <msgs/s>] [--region <r>] [--endpoint <url>]
 *   npm run redrive -- --dlq-arn <arn> [--source-arn <arn>] ...
 *
 * The queue ARNs come from the stack output `queues` (`pulumi stack output queues --json`), unless
 * --dlq-arn is given. Exit code: 0 when every message moved, 1 when the task failed, 2 on bad usage.
 */
import { execFile } from "node:child_process";
import { ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from "@aws-sdk/client-sqs";
import { parseFlags, UsageError, validated } from "./ops/args";

const USAGE =
    "Usage: npm run redrive -- --stack <stack> --queue <name> | --dlq-arn <arn> [--source-arn <arn>] [--rate <1-500>] [--region <region>] [--endpoint <url>] [--poll-ms <ms>]";
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

export interface RedriveOptions {
    dlqArn: string;
    sourceArn?: string;
    rate?: number;
    pollMs: number;
}

export interface QueueOutput {
    url: string;
    arn: string;
    dlqUrl: string;
    dlqArn: string;
}

export type RunCommand = (file: string, args: string[]) => Promise<string>;

const runCommand: RunCommand = (file, args) =>
    new Promise((resolve, reject) => {
        execFile(file, args, { timeout: 60_000, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) {
                if ((error as NodeJS.ErrnoException).code === "ENOENT") {
                    reject(
                        new UsageError(
                            `The Pulumi CLI is not installed (no "${file}" on PATH). Install it, or skip the stack lookup with --dlq-arn <arn> [--source-arn <arn>].`,
                        ),
                    );
                } else {
                    reject(new Error(`${file} ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
                }
                return;
            }
            resolve(stdout);
        });
    });

function isQueueOutput(value: unknown): value is QueueOutput {
    if (typeof value !== "object" || value === null) return false;
    const v = value as Record<string, unknown>;
    return ["url", "arn", "dlqUrl", "dlqArn"].every((key) => typeof v[key] === "string");
}

/** Reads the stack's `queues` output and picks one queue; an unknown name lists the ones that exist. */
export async function lookupQueue(stack: string, queue: string, run: RunCommand = runCommand): Promise<QueueOutput> {
    const stdout = await run("pulumi", ["stack", "output", "queues", "--json", "--stack", stack]);
    let parsed: unknown;
    try {
        parsed = JSON.parse(stdout);
    } catch {
        throw new Error(`Stack "${stack}" output "queues" is not JSON.`);
    }
    if (typeof parsed !== "object" || parsed === null) throw new Error(`Stack "${stack}" has no "queues" output map.`);
    const entry = (parsed as Record<string, unknown>)[queue];
    if (entry === undefined)
        throw new UsageError(`--queue "${queue}" is not a queue of stack "${stack}"; allowed: ${Object.keys(parsed).join(", ") || "(none)"}.`);
    if (!isQueueOutput(entry)) throw new Error(`Stack "${stack}" output queues.${queue} lacks url/arn/dlqUrl/dlqArn.`);
    return entry;
}

export interface Progress {
    status: string;
    moved: number;
    toMove?: number;
}

/** Starts the move task and polls it until it is no longer RUNNING. */
export async function redrive(sqs: SQSClient, options: RedriveOptions, report: (p: Progress) => void = () => {}): Promise<Progress> {
    const started = await sqs.send(
        new StartMessageMoveTaskCommand({
            SourceArn: options.dlqArn,
            ...(options.sourceArn ? { DestinationArn: options.sourceArn } : {}),
            ...(options.rate ? { MaxNumberOfMessagesPerSecond: options.rate } : {}),
        }),
    );
    for (;;) {
        const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: options.dlqArn, MaxResults: 10 }));
        const task = Results.find((r) => r.TaskHandle === started.TaskHandle) ?? Results[0];
        const progress: Progress = {
            status: task?.Status ?? "UNKNOWN",
            moved: Number(task?.ApproximateNumberOfMessagesMoved ?? 0),
            ...(task?.ApproximateNumberOfMessagesToMove !== undefined ? { toMove: Number(task.ApproximateNumberOfMessagesToMove) } : {}),
        };
        report(progress);
        if (progress.status !== "RUNNING" && progress.status !== "CANCELLING") {
            if (progress.status !== "COMPLETED") throw new Error(`Message move task ended ${progress.status}: ${task?.FailureReason ?? "no reason given"}`);
            return progress;
        }
        await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
}

export async function main(argv: readonly string[], run: RunCommand = runCommand, log: (line: string) => void = console.log): Promise<number> {
    const flags = parseFlags(
        argv,
        { stack: "value", queue: "value", "dlq-arn": "value", "source-arn": "value", rate: "value", region: "value", endpoint: "value", "poll-ms": "value" },
        USAGE,
    );
    const get = (name: string) => flags.get(name) as string | undefined;
    let dlqArn = get("dlq-arn");
    let sourceArn = get("source-arn");
    if (dlqArn) {
        validated("dlq-arn", dlqArn, SQS_ARN, "an SQS queue ARN such as arn:aws:sqs:us-east-1:123456789012:orders-email-dlq");
        if (sourceArn) validated("source-arn", sourceArn, SQS_ARN, "an SQS queue ARN");
    } else {
        const stack = get("stack");
        const queue = get("queue");
        if (!stack || !queue) throw new UsageError(`Give --stack and --queue, or --dlq-arn. ${USAGE}`);
        validated("stack", stack, /^[A-Za-z0-9_./-]{1,100}$/, "a Pulumi stack name such as dev or org/project/prod");
        validated("queue", queue, /^[A-Za-z0-9_-]{1,80}$/, "a queue name from the stack's queues output");
        if (sourceArn) validated("source-arn", sourceArn, SQS_ARN, "an SQS queue ARN");
        const found = await lookupQueue(stack, queue, run);
        dlqArn = found.dlqArn;
        sourceArn ??= found.arn;
    }
    const rateText = get("rate");
    const rate =
        rateText === undefined ? undefined : Number(validated("rate", rateText, /^([1-9]\d?|[1-4]\d\d|500)$/, "an integer from 1 to 500 messages per second"));
    const pollMs = Number(validated("poll-ms", get("poll-ms") ?? "2000", /^\d{2,6}$/, "milliseconds between progress checks, 10 to 999999"));
    const region = get("region");
    if (region) validated("region", region, /^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1");
    const endpoint = get("endpoint");
    if (endpoint) validated("endpoint", endpoint, /^https?:\/\/[^\s]+$/, "an http(s) URL, for a local SQS emulator");

    const sqs = new SQSClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
    log(`Moving messages from ${dlqArn} to ${sourceArn ?? "their original source queue"}${rate ? ` at ${rate}/s` : ""}`);
    try {
        const final = await redrive(sqs, { dlqArn, ...(sourceArn ? { sourceArn } : {}), ...(rate ? { rate } : {}), pollMs }, (p) =>
            log(`  ${p.status}: ${p.moved}${p.toMove !== undefined ? `/${p.toMove}` : ""} moved`),
        );
        log(`Done: ${final.moved} message(s) moved.`);
        return 0;
    } catch (error) {
        log(`Redrive failed: ${(error as Error).message}`);
        return 1;
    } finally {
        sqs.destroy();
    }
}

if (require.main === module) {
    main(process.argv.slice(2))
        .then((code) => process.exit(code))
        .catch((error: unknown) => {
            console.error(error instanceof Error ? error.message : String(error));
            process.exit(error instanceof UsageError ? 2 : 1);
        });
}
