import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildHooks, createChild } from "./component";
import { PlatformContext, accountRoot } from "./context";
import { inheritedProviderArgs } from "./edge";
import { ADMIN_ACTIONS, KEY_DELETION_WINDOW_DAYS, KEY_USE_ACTIONS } from "./encryption";

/**
 * What the components that keep a copy in the DR region share: a provider for that region and a
 * customer-managed key there. KMS keys are regional, so a copy, a replica or a replicated object in
 * the DR region is encrypted with a key of that region; each component owns its own key (one data
 * class each, as the Encryption component does in the stack's region).
 */

/**
 * A provider for the DR region, a child of `parent`, that acts as the stack's default provider does
 * (same credentials, account and default tags: Edge's `inheritedProviderArgs`), only in another region.
 */
export function drProvider(parent: pulumi.Resource, name: string, region: string): aws.Provider {
    return new aws.Provider(`${name}-dr`, inheritedProviderArgs(region), { parent });
}

/** The context of the DR region: the same account, names and tags, another region. */
export function drContext(ctx: PlatformContext, region: string): PlatformContext {
    return { ...ctx, region };
}

/**
 * The key policy of a DR key: administration for the account (never use), grants for AWS services
 * acting for the account, and use for exactly `roleArns` (named by `aws:PrincipalArn`, so a role may
 * be created after the key) and for the statements a component adds (`extra`).
 */
export function drKeyPolicy(ctx: PlatformContext, roleArns: pulumi.Input<string>[], extra: Record<string, unknown>[] = []): pulumi.Output<string> {
    const root = accountRoot(ctx);
    // In a key policy, Resource "*" means "this key": nothing narrower exists there.
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: root }, Action: ADMIN_ACTIONS, Resource: "*" },
            {
                Sid: "AllowGrantsForAwsResources",
                Effect: "Allow",
                Principal: { AWS: root },
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            ...(roleArns.length === 0
                ? []
                : [
                      {
                          Sid: "AllowPlatformRoles",
                          Effect: "Allow",
                          Principal: { AWS: root },
                          Action: [...KEY_USE_ACTIONS, "kms:CreateGrant"],
                          Resource: "*",
                          Condition: { ArnEquals: { "aws:PrincipalArn": roleArns } },
                      },
                  ]),
            ...extra,
        ],
    });
}

/**
 * A customer-managed key in the DR region with the platform's key hygiene (yearly rotation, the
 * longest deletion window) and an alias `alias/<prefix>-<use>`, both children of `parent` through
 * `provider`.
 */
export function createDrKey(
    parent: pulumi.Resource,
    name: string,
    args: { ctx: PlatformContext; use: string; description: string; policy: pulumi.Input<string>; dataClass: string; protect: boolean; provider: aws.Provider },
    hooks: { key?: ChildHooks<aws.kms.KeyArgs>; alias?: ChildHooks<aws.kms.AliasArgs> } = {},
): aws.kms.Key {
    const key = createChild(
        aws.kms.Key,
        `${name}-key`,
        {
            description: args.description,
            enableKeyRotation: true,
            rotationPeriodInDays: 365,
            deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
            policy: args.policy,
            tags: { ...args.ctx.tags, "data-class": args.dataClass, "dr-copy": "true" },
        },
        { parent, provider: args.provider, protect: args.protect },
        hooks.key,
    );
    createChild(
        aws.kms.Alias,
        `${name}-key-alias`,
        { name: `alias/${args.ctx.namePrefix}-${args.use}`, targetKeyId: key.keyId },
        { parent, provider: args.provider },
        hooks.alias,
    );
    return key;
}
