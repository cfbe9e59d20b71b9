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
import { defineCommand, integer, matching, runProcess, UsageError } from "./cli";

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

export const COMMAND = defineCommand({
    name: "redrive",
    synopsis: [
        "--stack <stack> --queue <name> [--source-arn <arn>] [--rate <1-500>] [--region <region>] [--endpoint <url>] [--poll-ms <ms>]",
        "--dlq-arn <arn> [--source-arn <arn>] [--rate <1-500>] [--region <region>] [--endpoint <url>] [--poll-ms <ms>]",
    ],
    summary: "Moves the messages of a dead-letter queue back to its source queue with SQS StartMessageMoveTask and reports progress until the task ends.",
    flags: {
        stack: {
            type: "string",
            value: "<stack>",
            description: "with --queue: read the queue ARNs from the stack output `queues`",
            parse: matching(/^[A-Za-z0-9_./-]{1,100}$/, "a Pulumi stack name such as dev or org/project/prod"),
        },
        queue: {
            type: "string",
            value: "<name>",
            description: "with --stack: a queue name from the stack's queues output",
            parse: matching(/^[A-Za-z0-9_-]{1,80}$/, "a queue name from the stack's queues output"),
        },
        "dlq-arn": {
            type: "string",
            value: "<arn>",
            description: "the dead-letter queue, instead of --stack and --queue",
            parse: matching(SQS_ARN, "an SQS queue ARN such as arn:aws:sqs:us-east-1:123456789012:orders-email-dlq"),
        },
        "source-arn": {
            type: "string",
            value: "<arn>",
            description: "where the messages go",
            defaultText: "the stack's source queue, or each message's original source queue",
            parse: matching(SQS_ARN, "an SQS queue ARN"),
        },
        rate: {
            type: "string",
            value: "<1-500>",
            description: "messages per second",
            defaultText: "as fast as SQS moves them",
            parse: integer(1, 500, "messages per second"),
        },
        region: {
            type: "string",
            value: "<region>",
            description: "the queues' region",
            defaultText: "AWS_REGION, as the SDK reads it",
            parse: matching(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1"),
        },
        endpoint: {
            type: "string",
            value: "<url>",
            description: "an SQS endpoint, for a local emulator",
            defaultText: "AWS's",
            parse: matching(/^https?:\/\/[^\s]+$/, "an http(s) URL, for a local SQS emulator"),
        },
        "poll-ms": {
            type: "string",
            value: "<ms>",
            description: "milliseconds between progress checks",
            default: "2000",
            parse: integer(10, 999999, "milliseconds"),
        },
    },
    epilog: "Exit code: 0 every message moved, 1 the task failed, 2 bad usage.",
});

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

export async function main(
    argv: readonly string[],
    run: RunCommand = runCommand,
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        log(COMMAND.help);
        return 0;
    }
    const { stack, queue, rate, region, endpoint, "poll-ms": pollMs } = parsed.values;
    let { "dlq-arn": dlqArn, "source-arn": sourceArn } = parsed.values;
    if (dlqArn === undefined) {
        if (!stack || !queue) throw new UsageError(`Give --stack and --queue, or --dlq-arn. ${COMMAND.seeHelp}`);
        const found = await lookupQueue(stack, queue, run);
        dlqArn = found.dlqArn;
        sourceArn ??= found.arn;
    }

    const sqs = new SQSClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
    log(`Moving messages from ${dlqArn} to ${sourceArn ?? "their original source queue"}${rate ? ` at ${rate}/s` : ""}`);
    try {
        const final = await redrive(sqs, { dlqArn, ...(sourceArn ? { sourceArn } : {}), ...(rate ? { rate } : {}), pollMs }, (p) =>
            log(`  ${p.status}: ${p.moved}${p.toMove !== undefined ? `/${p.toMove}` : ""} moved`),
        );
        log(`Done: ${final.moved} message(s) moved.`);
        return 0;
    } catch (error) {
        err(`Redrive failed: ${(error as Error).message}`);
        return 1;
    } finally {
        sqs.destroy();
    }
}

if (require.main === module) {
    // Every failure's message says what went wrong (a usage error also what is allowed): the message alone.
    runProcess("redrive", () => main(process.argv.slice(2)), { explained: () => true, exit: "always" });
}
