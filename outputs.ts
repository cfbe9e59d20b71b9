/**
 * The platform's output contract: what other stacks may read from it through `StackReference`.
 *
 * The contract is versioned `MAJOR.MINOR` and the platform publishes its version as the stack output
 * `contractVersion` (a string such as `"1.0"`), so a consumer can tell which contract a referenced stack
 * speaks before it reads anything else.
 *
 * Versioning rules:
 * - **Minor** (`1.0` -> `1.1`): adding an output, or adding a field to an object output. Existing consumers
 *   keep working: they never read what they do not know. Record the new key in {@link ADDED_IN_V1} with
 *   the new minor, so a consumer that reads it from an older stack gets an error naming both versions.
 * - **Major** (`1.x` -> `2.0`): removing, renaming or retyping an output (a narrower or different type, a
 *   field removed from an object). Add `PlatformOutputsV2`, its schema and a `platformOutputsV2` reader
 *   alongside the V1 ones, and keep V1 for a deprecation window of at least one release of every stack
 *   (dev, staging, prod) and 90 days, so consumers can move while some platform stacks still publish 1.x.
 *   Prefer a minor change first: add the new output next to the old one (marked `@deprecated`), and
 *   remove the old one in the next major.
 *
 * `index.ts` gathers its exports in one object checked against {@link PlatformOutputs} at compile time
 * (`satisfies` {@link ContractExports}): removing, retyping or adding an output without changing this file fails `tsc`.
 *
 * Stack outputs in this contract are never secrets: the validation errors below quote the values they reject.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Version of the contract this file describes; the platform exports it as `contractVersion`. */
export const CONTRACT_VERSION = "1.4";

/** The DLQ-bearing queue the platform fans domain events out to. */
export interface QueueOutputsV1 {
    url: string;
    arn: string;
    dlqUrl: string;
    dlqArn: string;
}

/** A workload function, its `live` alias and its asynchronous-invocation dead-letter queue. */
export interface FunctionOutputsV1 {
    name: string;
    aliasArn: string;
    dlqUrl: string;
    dlqArn: string;
}

/** What a CodeDeploy release of one function needs. */
export interface ReleaseOutputsV1 {
    application: string;
    deploymentGroup: string;
    functionName: string;
    alias: string;
    targetVersion: string;
}

/** A DNS record the sending domain must publish for Easy DKIM. */
export interface DkimRecordV1 {
    name: string;
    type: "CNAME";
    value: string;
}

/** A DNS record the edge's custom domain must publish (and keep) for ACM to issue and renew its certificate. */
export interface CertificateValidationRecordV1 {
    name: string;
    type: "CNAME";
    value: string;
}

/** The global-table replica a pilot-light stack keeps in its DR region: what its standby stack runs against. */
export interface TableReplicaV1 {
    tableName: string;
    tableArn: string;
    /** ARN of the replica's stream; empty until the replica exists. */
    streamArn: string;
    /** The replica's KMS key, in the DR region. */
    kmsKeyArn: string;
}

/** What survives the stack's region (tools/dr/model.ts, docs/runbooks/business-continuity.md). */
export interface DisasterRecoveryV1 {
    /** The region copies and the replica live in; empty where the stack keeps none (drCopies off). */
    region: string;
    /** How the stack survives a region loss (config `drStrategy`). */
    strategy: "backup-restore" | "pilot-light";
    /** The vault in `region` holding a copy of every recovery point; empty without copies. */
    backupVaultArn: string;
    /** The table's replica there (pilot-light), or null. */
    replica: TableReplicaV1 | null;
}

/** Every stack output of the platform, contract major version 1. */
export interface PlatformOutputsV1 {
    /** `MAJOR.MINOR` of the contract the stack publishes (this file's {@link CONTRACT_VERSION}). */
    contractVersion: string;
    /** Invoke URL of the REST API stage; `GET <apiUrl>/health` answers without auth. */
    apiUrl: string;
    /** REST API id. */
    apiId: string;
    /** Regional WAF web ACL in front of the API. */
    apiWebAclArn: string;
    /** Cognito user pool id. */
    userPoolId: string;
    /** App client ids: the web client (hosted UI, PKCE) and the machine client (client credentials). */
    userPoolClientIds: { web: string; machine: string };
    /** Base URL of the hosted sign-in domain. */
    authDomainUrl: string;
    /** The domain-event SNS topic (`order.created`, `order.cancelled` in the `type` message attribute). */
    eventTopicArn: string;
    /** Name of the single DynamoDB table. */
    tableName: string;
    /** ARN of the single DynamoDB table. */
    tableArn: string;
    /** Severity topics; consumer stacks route their own alarms here. */
    alertTopicArns: { critical: string; warning: string; info: string };
    /** Customer-managed KMS keys by data class. */
    kmsKeyArns: { data: string; logs: string; messaging: string };
    /** Event queues and their dead-letter queues, by name. */
    queues: Record<string, QueueOutputsV1>;
    /** Each workload function by name. */
    functionOutputs: Record<string, FunctionOutputsV1>;
    /** Per function: CodeDeploy application and group, and the version `pulumi up` published. */
    releases: Record<string, ReleaseOutputsV1>;
    /** AWS Backup vault holding the table's recovery points. */
    backupVaultArn: string;
    /** AWS Backup plan of the table. */
    backupPlanId: string;
    /** CloudFront domain (`dxxxx.cloudfront.net`). */
    distributionDomainName: string;
    /** CloudFront distribution id. */
    distributionId: string;
    /** S3 bucket the site is uploaded to. */
    siteBucketName: string;
    /** CNAME records the sending domain's DNS must publish before SES sends from it. */
    emailDkimRecords: DkimRecordV1[];
    /** Easy DKIM tokens of the sending domain. */
    emailDkimTokens: string[];
    /** SES configuration set every email goes through. */
    emailConfigurationSetName: string;
    /** OpenSearch Serverless collection endpoint, reachable only through its VPC endpoint. */
    searchEndpoint: string;
    /** VPC the search clients run in. */
    vpcId: string;
    /** CloudWatch console links to the stack's four dashboards. Since 1.1. */
    dashboardUrls: { application: string; infrastructure: string; business: string; security: string };
    /** Function names of the CodeDeploy lifecycle hooks every release's AppSpec names. Since 1.2. */
    releaseHooks: { beforeAllowTraffic: string; afterAllowTraffic: string };
    /**
     * CNAME records the edge's custom domain must publish before ACM issues the certificate the platform
     * requested for it (and `pulumi up` finishes); empty without a custom domain or with an own certificate. Since 1.3.
     */
    edgeCertificateValidationRecords: CertificateValidationRecordV1[];
    /** Where the stack's copies and its table's replica live, for a standby stack and the recovery commands. Since 1.4. */
    disasterRecovery: DisasterRecoveryV1;
}

/** The current contract. Consumers that want to follow majors deliberately name `PlatformOutputsV1`. */
export type PlatformOutputs = PlatformOutputsV1;

/**
 * The minor version of contract 1 that introduced each output. A new output gets the new minor here,
 * so reading it from a stack that publishes an older 1.x fails with both versions named.
 */
export const ADDED_IN_V1: { readonly [K in keyof PlatformOutputsV1]: number } = {
    contractVersion: 0,
    apiUrl: 0,
    apiId: 0,
    apiWebAclArn: 0,
    userPoolId: 0,
    userPoolClientIds: 0,
    authDomainUrl: 0,
    eventTopicArn: 0,
    tableName: 0,
    tableArn: 0,
    alertTopicArns: 0,
    kmsKeyArns: 0,
    queues: 0,
    functionOutputs: 0,
    releases: 0,
    backupVaultArn: 0,
    backupPlanId: 0,
    distributionDomainName: 0,
    distributionId: 0,
    siteBucketName: 0,
    emailDkimRecords: 0,
    emailDkimTokens: 0,
    emailConfigurationSetName: 0,
    searchEndpoint: 0,
    vpcId: 0,
    dashboardUrls: 1,
    releaseHooks: 2,
    edgeCertificateValidationRecords: 3,
    disasterRecovery: 4,
};

// ---------------------------------------------------------------------------------------------------
// Runtime validation. Shapes are checked strictly enough to catch a wrong output wired to a key (a
// queue URL where a topic ARN belongs), loosely enough for every partition and region.

const text = z.string().min(1, "must be a non-empty string");
const arnOf = (service: string, resource: string, example: string) =>
    z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}`), `must be ${example}`);
const https = z.string().regex(/^https:\/\/[^\s/]+\.[^\s/]+/, "must be an https:// URL");
const sqsUrl = z
    .string()
    .regex(
        /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[\w-]+(\.fifo)?$/,
        "must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)",
    );
const sqsArn = arnOf("sqs", "[\\w-]+(\\.fifo)?$", "an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)");
const snsArn = arnOf("sns", "[\\w-]+(\\.fifo)?$", "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)");
const kmsKeyArn = arnOf("kms", "key/[\\w-]+$", "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)");

const queueV1 = z.object({ url: sqsUrl, arn: sqsArn, dlqUrl: sqsUrl, dlqArn: sqsArn });
const functionV1 = z.object({
    name: text,
    aliasArn: arnOf("lambda", "function:[\\w-]+:[\\w-]+$", "a Lambda alias ARN (arn:aws:lambda:<region>:<account>:function:<name>:<alias>)"),
    dlqUrl: sqsUrl,
    dlqArn: sqsArn,
});
const cnameRecord = z.object({ name: text, type: z.literal("CNAME"), value: text });
const releaseV1 = z.object({ application: text, deploymentGroup: text, functionName: text, alias: text, targetVersion: text });

/** Runtime schema of {@link PlatformOutputsV1}; outputs it does not name are allowed (later minors add them). */
export const platformOutputsV1Schema = z.object({
    contractVersion: z.string().regex(/^\d+\.\d+$/, 'must be "MAJOR.MINOR", such as "1.0"'),
    apiUrl: https,
    apiId: text,
    apiWebAclArn: arnOf("wafv2", "regional/webacl/", "a regional WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/...)"),
    userPoolId: z.string().regex(/^[a-z0-9-]+_[0-9A-Za-z]+$/, "must be a Cognito user pool id (<region>_<id>)"),
    userPoolClientIds: z.object({ web: text, machine: text }),
    authDomainUrl: https,
    eventTopicArn: snsArn,
    tableName: text,
    tableArn: arnOf("dynamodb", "table/[\\w.-]+$", "a DynamoDB table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)"),
    alertTopicArns: z.object({ critical: snsArn, warning: snsArn, info: snsArn }),
    kmsKeyArns: z.object({ data: kmsKeyArn, logs: kmsKeyArn, messaging: kmsKeyArn }),
    queues: z.record(z.string(), queueV1),
    functionOutputs: z.record(z.string(), functionV1),
    releases: z.record(z.string(), releaseV1),
    backupVaultArn: arnOf("backup", "backup-vault:|vault/", "an AWS Backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)"),
    backupPlanId: text,
    distributionDomainName: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, "must be a domain name (dxxxx.cloudfront.net)"),
    distributionId: text,
    siteBucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    emailDkimRecords: z.array(cnameRecord),
    emailDkimTokens: z.array(text),
    emailConfigurationSetName: text,
    searchEndpoint: https,
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "must be a VPC id (vpc-...)"),
    dashboardUrls: z.object({ application: https, infrastructure: https, business: https, security: https }),
    releaseHooks: z.object({ beforeAllowTraffic: text, afterAllowTraffic: text }),
    edgeCertificateValidationRecords: z.array(cnameRecord),
    disasterRecovery: z.object({
        region: z.string(),
        strategy: z.enum(["backup-restore", "pilot-light"]),
        backupVaultArn: z.union([
            z.literal(""),
            arnOf("backup", "backup-vault:|vault/", "an AWS Backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)"),
        ]),
        replica: z
            .object({
                tableName: text,
                tableArn: arnOf("dynamodb", "table/[\\w.-]+$", "a DynamoDB table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)"),
                streamArn: z.string(),
                kmsKeyArn,
            })
            .nullable(),
    }),
});

/** Compiles only when `T` is `true`; the error shows what `T` is instead. */
export type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : { schema: A; contract: B }) : { schema: A; contract: B };
/** The schema and the interface describe the same thing: tsc fails here when one changes alone. */
export type SchemaMatchesContractV1 = Assert<Same<z.infer<typeof platformOutputsV1Schema>, PlatformOutputsV1>>;

/**
 * What a program exports to publish a contract: every output, as its value or a `pulumi.Output` of it.
 * Gather the exports in one object and check it with `satisfies ContractExports`: `tsc` then names each
 * output that is missing, not in the contract (an object literal's excess property) or of another type.
 */
export type ContractExports<Contract = PlatformOutputs> = { [K in keyof Contract]-?: Contract[K] | pulumi.Output<Contract[K]> };

// ---------------------------------------------------------------------------------------------------
// Errors and checks, pure so they can be used (and tested) outside a Pulumi program.

/** A referenced stack does not meet the contract. A `RunError`: Pulumi prints its message without a stack trace. */
export class PlatformContractError extends pulumi.RunError {
    constructor(message: string) {
        // No stack frames: Pulumi never prints a RunError's stack, yet formats it for its logs, and under
        // ts-node that maps every frame through the source maps of the program's dependencies (20 s here).
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            super(message);
        } finally {
            Error.stackTraceLimit = limit;
        }
        this.name = "PlatformContractError";
    }
}

/** One supported major version: its number, the newest minor this file knows, its schema per key and when each key was added. */
interface ContractSpec<C> {
    major: number;
    minor: number;
    fields: Readonly<Record<string, z.ZodType>>;
    addedIn: { readonly [K in keyof C]: number };
}

const V1: ContractSpec<PlatformOutputsV1> = {
    major: 1,
    minor: Number(CONTRACT_VERSION.split(".")[1]),
    fields: platformOutputsV1Schema.shape,
    addedIn: ADDED_IN_V1,
};

function show(value: unknown): string {
    const s = value === undefined ? "undefined" : JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Parses a referenced stack's `contractVersion` and checks its major against the one this reader supports.
 * @returns the stack's minor version
 * @throws PlatformContractError naming the stack, the version found and the versions supported
 */
export function checkContractVersion(stack: string, found: unknown, major = V1.major): number {
    const supported = `supported: ${major}.x; this reader implements ${major}.${major === V1.major ? V1.minor : 0}`;
    if (found === undefined) {
        throw new PlatformContractError(
            `Platform stack '${stack}' has no 'contractVersion' output, so it predates the versioned output contract (${supported}). Deploy a current platform to that stack.`,
        );
    }
    const m = typeof found === "string" ? /^(\d+)\.(\d+)$/.exec(found) : null;
    if (!m) {
        throw new PlatformContractError(
            `Platform stack '${stack}' output 'contractVersion': ${show(found)} is not a "MAJOR.MINOR" version string (${supported}).`,
        );
    }
    if (Number(m[1]) !== major) {
        throw new PlatformContractError(
            `Platform stack '${stack}' publishes output contract ${String(found)}, which this reader does not support (${supported}). ` +
                (Number(m[1]) > major
                    ? `Use the reader for contract ${m[1]}.x from outputs.ts, or reference a platform stack still on ${major}.x.`
                    : `Upgrade the platform stack to contract ${major}.x, or use the reader for contract ${m[1]}.x while it is still in outputs.ts.`),
        );
    }
    return Number(m[2]);
}

/**
 * Validates one output value against the contract. `stackMinor` is the referenced stack's minor version: an
 * output added in a later minor is reported as such rather than as merely missing.
 * @throws PlatformContractError naming the stack, the output key (and the path inside it) and what was wrong
 */
export function checkOutput<K extends keyof PlatformOutputsV1>(stack: string, key: K, value: unknown, stackMinor: number): PlatformOutputsV1[K] {
    return checkAgainst(V1, stack, key, value, stackMinor);
}

function checkAgainst<C, K extends keyof C & string>(spec: ContractSpec<C>, stack: string, key: K, value: unknown, stackMinor: number): C[K] {
    if (value === undefined) {
        const since = spec.addedIn[key];
        throw new PlatformContractError(
            since > stackMinor
                ? `Platform stack '${stack}' has no output '${key}': it was added in contract ${spec.major}.${since} and the stack publishes ${spec.major}.${stackMinor}. Deploy a newer platform to that stack.`
                : `Platform stack '${stack}' has no output '${key}', which contract ${spec.major}.${stackMinor} requires.`,
        );
    }
    const field = spec.fields[key];
    const result = field.safeParse(value);
    if (!result.success) {
        const problems = result.error.issues.map((issue) => {
            const at = issue.path.reduce<string>((p, seg) => (typeof seg === "number" ? `${p}[${seg}]` : `${p}.${String(seg)}`), key);
            return `'${at}': ${show(valueAt(value, issue.path))} ${issue.message.replace(/^Invalid input: /, "is invalid: ")}`;
        });
        throw new PlatformContractError(`Platform stack '${stack}' output ${problems.join("; ")} (contract ${spec.major}.${spec.minor}, outputs.ts).`);
    }
    return result.data as C[K];
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
    let cur = value;
    for (const seg of path) {
        cur = typeof cur === "object" && cur !== null ? (cur as Record<PropertyKey, unknown>)[seg] : undefined;
    }
    return cur;
}

/**
 * Validates a whole set of stack outputs (a referenced stack's, or a preview report's) against contract 1.
 * @throws PlatformContractError for the version first, then for the first output that is wrong
 */
export function validatePlatformOutputs(stack: string, outputs: Record<string, unknown>): PlatformOutputsV1 {
    const minor = checkContractVersion(stack, outputs.contractVersion);
    const out: Partial<Record<keyof PlatformOutputsV1, unknown>> = {};
    for (const key of Object.keys(V1.addedIn) as (keyof PlatformOutputsV1)[]) {
        out[key] = checkOutput(stack, key, outputs[key], minor);
    }
    return out as PlatformOutputsV1;
}

// ---------------------------------------------------------------------------------------------------
// The reader consumer stacks use.

/** Each output of a contract as a typed `pulumi.Output`. */
export type PlatformOutputRefs<C = PlatformOutputsV1> = { readonly [K in keyof C]-?: pulumi.Output<C[K]> };

function reader<C>(spec: ContractSpec<C>, ref: pulumi.StackReference): PlatformOutputRefs<C> {
    // The stack's version, read and checked once; every output waits for it, so a major mismatch is
    // reported as such instead of as the first output whose shape changed.
    const minor = pulumi.all([ref.name, ref.getOutput("contractVersion")]).apply(([stack, version]) => checkContractVersion(stack, version, spec.major));
    const cache = new Map<string, pulumi.Output<unknown>>();
    const refs: Record<string, pulumi.Output<unknown>> = {};
    for (const key of Object.keys(spec.addedIn) as (keyof C & string)[]) {
        // Getters, so a consumer only requires the outputs it reads: one added in a later minor does not
        // break a consumer that never reads it from an older stack.
        Object.defineProperty(refs, key, {
            enumerable: true,
            get: () => {
                let out = cache.get(key);
                if (!out) {
                    out = pulumi
                        .all([ref.name, minor, ref.getOutput(key)])
                        .apply(([stack, stackMinor, value]) => checkAgainst(spec, stack, key, value, stackMinor));
                    cache.set(key, out);
                }
                return out;
            },
        });
    }
    // Each property above is the Output of its key's checked value, which is what the mapped type says.
    return refs as unknown as PlatformOutputRefs<C>;
}

/**
 * Typed, validated access to a platform stack's outputs through a `StackReference`.
 *
 * Each property is a `pulumi.Output` of that output's value, read on first access. Resolving one first
 * checks the referenced stack's `contractVersion` (a major other than 1 fails, naming the version found and
 * the versions supported), then the value against {@link platformOutputsV1Schema} (a wrong value fails,
 * naming the output key, the path inside it and what was wrong). Failures are {@link PlatformContractError}s,
 * which fail the Pulumi program during preview.
 *
 * @example
 * const platform = platformOutputs(new pulumi.StackReference("acme/platform/prod"));
 * new aws.sns.TopicSubscription("orders", { topic: platform.eventTopicArn, protocol: "sqs", endpoint: queue.arn });
 */
export function platformOutputs(ref: pulumi.StackReference): PlatformOutputRefs<PlatformOutputsV1> {
    return reader(V1, ref);
}

/** {@link platformOutputs} by its major version, for consumers that pin one across a major change. */
export const platformOutputsV1 = platformOutputs;
