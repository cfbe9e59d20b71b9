/** The redrive command against local-aws-sqs: flag validation, the stack lookup, and a real move task. */
import { strict as assert } from "node:assert";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { lookupQueue, main } from "../../tools/redrive";
import { UsageError } from "../../tools/cli";
import { sqsClient, startSqs, type Emulator } from "./helpers/emulators";

describe("npm run redrive", function () {
    this.timeout(30_000);
    let emulator: Emulator;
    let sqs: SQSClient;
    const saved = { ...process.env };

    before(async () => {
        emulator = await startSqs();
        sqs = sqsClient(emulator.endpoint);
        Object.assign(process.env, { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" });
    });

    after(async () => {
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "PATH"]) {
            if (saved[key] === undefined) delete process.env[key];
            else process.env[key] = saved[key];
        }
        sqs.destroy();
        await emulator.stop();
    });

    it("rejects bad flags naming the flag and what is allowed", async () => {
        await assert.rejects(main(["--stack", "dev"]), (e: Error) => e instanceof UsageError && /--stack and --queue, or --dlq-arn/.test(e.message));
        await assert.rejects(main(["--dlq-arn", "not-an-arn"]), /--dlq-arn "not-an-arn" is invalid: expected an SQS queue ARN/);
        await assert.rejects(main(["--queue", "email", "--stack", "dev", "--bogus"]), /Unknown flag --bogus; allowed: --stack/);
        await assert.rejects(
            main(["--dlq-arn", "arn:aws:sqs:us-east-1:123456789012:q", "--rate", "9000"]),
            /--rate "9000" is invalid: expected an integer from 1 to 500/,
        );
    });

    it("says clearly when the Pulumi CLI is missing", async () => {
        process.env.PATH = mkdtempSync(path.join(tmpdir(), "empty-path-"));
        try {
            await assert.rejects(lookupQueue("dev", "email"), /Pulumi CLI is not installed.*--dlq-arn/);
        } finally {
            process.env.PATH = saved.PATH;
        }
    });

    it("finds the queue in the stack output and moves every DLQ message back to its source", async () => {
        const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "orders-email-dlq" }));
        const dlqArn = "arn:aws:sqs:us-east-1:123456789012:orders-email-dlq";
        const source = await sqs.send(
            new CreateQueueCommand({
                QueueName: "orders-email",
                Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
            }),
        );
        for (let i = 0; i < 3; i += 1) await sqs.send(new SendMessageCommand({ QueueUrl: dlq.QueueUrl, MessageBody: `dead-${i}` }));

        // A stand-in `pulumi` on PATH prints the stack output, exactly as `pulumi stack output queues --json` would.
        const bin = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
        const output = { email: { url: source.QueueUrl, arn: "arn:aws:sqs:us-east-1:123456789012:orders-email", dlqUrl: dlq.QueueUrl, dlqArn } };
        writeFileSync(
            path.join(bin, "pulumi"),
            `#!/bin/sh\n[ "$1 $2 $3 $4 $5 $6" = "stack output queues --json --stack dev" ] || exit 3\necho '${JSON.stringify(output)}'\n`,
        );
        chmodSync(path.join(bin, "pulumi"), 0o755);
        process.env.PATH = `${bin}${path.delimiter}${saved.PATH ?? ""}`;
        const lines: string[] = [];
        try {
            await assert.rejects(
                main(["--stack", "dev", "--queue", "nope", "--endpoint", emulator.endpoint]),
                /--queue "nope" is not a queue of stack "dev"; allowed: email/,
            );
            const code = await main(["--stack", "dev", "--queue", "email", "--endpoint", emulator.endpoint, "--poll-ms", "20"], undefined, (line) =>
                lines.push(line),
            );
            assert.equal(code, 0, lines.join("\n"));
        } finally {
            process.env.PATH = saved.PATH;
        }
        assert.match(lines.at(-1) ?? "", /Done: 3 message\(s\) moved/);
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
        assert.equal(Attributes?.ApproximateNumberOfMessages, "0");
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: source.QueueUrl, MaxNumberOfMessages: 10 }));
        assert.deepEqual(Messages.map((m) => m.Body).sort(), ["dead-0", "dead-1", "dead-2"]);
    });
});
