import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildHooks, createChild } from "./component";

import { MESSAGE_RETENTION_SECONDS } from "./defaults/sqs";

export { MESSAGE_RETENTION_SECONDS };

/**
 * A dead-letter queue as every component makes one: the longest retention SQS allows, encrypted with
 * the given key, tagged `role: dead-letter` (which `npm run redrive` and the policy pack recognise).
 */
export function deadLetterQueue(
    name: string,
    args: { queueName: string; kmsKeyArn: pulumi.Input<string>; tags: Record<string, string> },
    opts: pulumi.CustomResourceOptions,
    hooks?: ChildHooks<aws.sqs.QueueArgs>,
): aws.sqs.Queue {
    return createChild(
        aws.sqs.Queue,
        name,
        {
            name: args.queueName,
            messageRetentionSeconds: MESSAGE_RETENTION_SECONDS,
            kmsMasterKeyId: args.kmsKeyArn,
            tags: { ...args.tags, role: "dead-letter" },
        },
        opts,
        hooks,
    );
}
