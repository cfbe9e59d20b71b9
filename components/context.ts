import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Facts about the account and stack every component needs to build exact ARNs and names. Built once
 * in the composition root and handed to each component, so no component runs its own invokes.
 */
export interface PlatformContext {
    /** Prefix of every physical name: `<project>-<stack>`, so two stacks never clash in one account. */
    namePrefix: string;
    /** AWS region the stack deploys to, e.g. `eu-west-1`. */
    region: string;
    /** AWS partition, e.g. `aws`. */
    partition: string;
    /** The 12-digit account id. An Output: it comes from the caller identity. */
    accountId: pulumi.Input<string>;
    /** Tags every taggable resource carries (environment, project, stack). */
    tags: Record<string, string>;
}

/** Builds the context from the stack: region from `aws:region`, account from the caller identity. */
export function platformContext(args: { project: string; stack: string; environment: string }): PlatformContext {
    const region = new pulumi.Config("aws").require("region");
    // Partition follows from the region; looking it up would be one more invoke for a fixed answer.
    const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    const accountId = aws.getCallerIdentityOutput().accountId;
    return {
        namePrefix: `${args.project}-${args.stack}`,
        region,
        partition,
        accountId,
        tags: { project: args.project, stack: args.stack, environment: args.environment, "managed-by": "pulumi" },
    };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>` with the context's account. */
export function arn(ctx: PlatformContext, service: string, resource: string, opts: { global?: boolean } = {}): pulumi.Output<string> {
    const region = opts.global ? "" : ctx.region;
    return pulumi.interpolate`arn:${ctx.partition}:${service}:${region}:${ctx.accountId}:${resource}`;
}

/** The account root principal: grants to it delegate to IAM policies in the same account. */
export function accountRoot(ctx: PlatformContext): pulumi.Output<string> {
    return pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root`;
}

/**
 * Throws an error that names the argument, its value and what is allowed, for checks outside a
 * component's constructor (components use `Component.invalid`, which names the resource too). A
 * `RunError`: Pulumi prints its message without a JavaScript stack.
 */
export function invalid(component: string, argument: string, value: unknown, allowed: string): never {
    throw new pulumi.RunError(`${component}: argument "${argument}" is ${JSON.stringify(value)}; ${allowed}`);
}

/** Checks a whole number in a closed range, naming the argument when it is not. */
export function checkInt(component: string, argument: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        invalid(component, argument, value, `allowed: a whole number from ${min} to ${max}`);
    }
    return value;
}
