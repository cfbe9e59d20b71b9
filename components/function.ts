import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, SEVERITIES, Severity, createAlarm, dlqDepthAlarm } from "./alarms";
import { functionConcurrencyAlarm, provisionedSpilloverAlarm } from "./capacity-alarms";
import { bundleHandler, handlerArchive } from "./bundle";
import { PlatformContext, checkInt, invalid } from "./context";
import { ROLLBACK_ALARM_WINDOW } from "./defaults/rollback-window";
import { deadLetterQueue } from "./dead-letter-queue";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";
import { GrantList, Grantee, KeyInput, keyArnOf, useKey } from "./grants";

import { FUNCTION_ARCHITECTURE, FUNCTION_RUNTIME, LIVE_ALIAS } from "./defaults/lambda";
import { CONSUME_ACTIONS, VISIBILITY_TIMEOUT_FACTOR } from "./defaults/sqs";
import {
    ESM_MIN_MAXIMUM_CONCURRENCY,
    MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY,
    PROVISIONED_SCALE_IN_COOLDOWN_SECONDS,
    PROVISIONED_SCALE_OUT_COOLDOWN_SECONDS,
    PROVISIONED_SCALING,
    PROVISIONED_UTILIZATION_TARGET,
    ScheduledCapacity,
    esmMaximumConcurrencyFor,
} from "./defaults/capacity";
import { timeZoneProblem } from "./defaults/kpis";

export { LIVE_ALIAS, VISIBILITY_TIMEOUT_FACTOR };

/** An SQS queue the function consumes (a QueueWithDlq satisfies it). */
export interface QueueSource {
    /** Logical name of the queue, used in child resource names. */
    name: string;
    /** ARN of the queue (an Output of the queue, so the mapping depends on it). */
    arn: pulumi.Output<string>;
    /** The queue's visibility timeout: at least 6 times the function's timeout. */
    visibilityTimeoutSeconds: number;
    /** The KMS key the queue is encrypted with: the function's role is named in its key policy. */
    kmsKey: KeyInput;
}

/** A DynamoDB stream the function consumes. */
export interface StreamSource {
    /** Logical name of the source, used in child resource names. */
    name: string;
    /** ARN of the table whose stream is read. */
    tableArn: pulumi.Input<string>;
    /** ARN of the stream (an Output of the table). */
    streamArn: pulumi.Input<string>;
    /** The KMS key the table (and so its stream) is encrypted with: the function's role is named in its key policy. */
    kmsKey: KeyInput;
    /**
     * Attempts per batch before the records go to the on-failure destination.
     * @default 5
     */
    maximumRetryAttempts?: number;
    /**
     * Records per batch.
     * @default 100
     */
    batchSize?: number;
    /**
     * Whether the mapping polls. A consumer whose downstream does not exist yet is created disabled,
     * so records wait in the stream instead of failing into the DLQ.
     * @default true
     */
    enabled?: boolean;
}

/**
 * Provisioned concurrency on the function's `live` alias, scaled by Application Auto Scaling. The
 * scalable target is the alias (`function:<name>:live`), not a version: when a release (CodeDeploy)
 * shifts the alias to a new version, Lambda moves the provisioned environments with it (split by the
 * weights while a canary or a rolling release runs), and the target, its policy and its schedule keep
 * applying without a change.
 */
export interface ProvisionedConcurrency {
    /** Fewest provisioned environments target tracking scales in to (1 to `max`); also the allocation on creation. */
    min: number;
    /** Most provisioned environments target tracking scales out to (`min` to the function's reserved concurrency). */
    max: number;
    /**
     * Share of the provisioned environments in use (LambdaProvisionedConcurrencyUtilization) that target
     * tracking keeps: above it, it provisions more; below, fewer (0.1 to 0.9).
     * @default 0.7
     */
    targetUtilization?: number;
    /**
     * Scheduled changes of the bounds (a business-hours floor, a night-time ceiling), in `timeZone`.
     * @default []
     * @example [{ schedule: "cron(0 7 ? * MON-FRI *)", min: 10, max: 60 }, { schedule: "cron(0 21 ? * * *)", min: 2, max: 20 }]
     */
    schedule?: ScheduledCapacity[];
    /**
     * IANA time zone of the schedule's cron and at expressions; daylight saving time is followed.
     * @default "UTC"
     */
    timeZone?: string;
}

/** Where a function runs inside a VPC: its subnets (private, in several AZs) and security groups. */
export interface FunctionVpc {
    /** Subnets for the function's network interfaces: private subnets, one per availability zone. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Security groups of the function's network interfaces (egress rules decide what it reaches). */
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The VPC's endpoints to AWS services, whose policies allow what the functions in the VPC do
     * there: the function hands each of its grants (not its own logs, traces or triggers, which
     * Lambda uses outside the VPC) to them.
     * @default none
     */
    endpoints?: VpcEndpointPolicies;
}

/** The policies of a VPC's service endpoints, made of the grants of the functions in it. */
export interface VpcEndpointPolicies {
    /** Adds a statement to the policy of the endpoint of its service, if the VPC has one. */
    allow(grant: Grant, from: string): void;
}

/**
 * What Lambda needs from the execution role to attach a function to a VPC (the actions of
 * AWSLambdaVPCAccessExecutionRole that create, find and remove its network interfaces).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"];

export interface FunctionArgs extends ComponentOptions<FunctionChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * Path of the handler's TypeScript entry file, which exports `handler`. Bundled with esbuild
     * when the program runs. A relative path is taken from the program's directory (where Pulumi runs
     * the program), also when the components are an installed package; the handler's own imports
     * resolve from its folder.
     * @example "functions/api/index.ts"
     */
    entry: string;
    /** Seconds before Lambda stops an invocation (1 to 900). */
    timeoutSeconds: number;
    /** Memory in MB (128 to 10240); CPU scales with it. */
    memoryMb: number;
    /** Concurrent executions reserved for (and capping) this function (1 to 1000). */
    reservedConcurrency: number;
    /**
     * Environment variables, encrypted at rest with `environmentKeyArn`.
     * @default {}
     */
    environment?: Record<string, pulumi.Input<string>>;
    /**
     * What the function may do beyond its logs, traces and its own triggers: exact actions on exact
     * resources. Grants for queue and stream sources are added by the component.
     * @default []
     */
    grants?: Grant[];
    /** Days the function's log group keeps logs. */
    logRetentionDays: number;
    /** ARN of the KMS key for the log group. */
    logsKeyArn: pulumi.Input<string>;
    /** ARN of the KMS key for environment variables. */
    environmentKeyArn: pulumi.Input<string>;
    /** The KMS key for the dead-letter queue of asynchronous invocations: the role is named in its key policy. */
    messagingKey: KeyInput;
    /** Where the function's alarms go. */
    routing: AlarmRouting;
    /** Errors per invocations (percent, over 5 minutes) that raises the critical error-rate alarm (1 to 100). */
    errorRatePercent: number;
    /** p99 duration as a percentage of the timeout that raises the warning duration alarm (10 to 100). */
    durationPercentOfTimeout: number;
    /**
     * SQS queues the function consumes through event source mappings on its `live` alias.
     * @default []
     */
    queueSources?: QueueSource[];
    /**
     * Most concurrent invocations each queue's event source mapping makes (`scalingConfig.maximumConcurrency`):
     * 2 (the AWS minimum) to `reservedConcurrency - 1`. Below the reserved concurrency, so the mapping never
     * polls a batch the function then throttles: a throttled batch goes back to the queue and counts as a
     * receive, and enough of them move good messages to the DLQ (the documented SQS-with-Lambda pitfall).
     * @default reservedConcurrency - 1
     */
    queueMaximumConcurrency?: number;
    /**
     * Provisioned concurrency on the `live` alias, between a minimum and a maximum, scaled by target tracking
     * on its utilization and by the schedule; with a spillover warning.
     * @default none: every environment starts on demand
     */
    provisionedConcurrency?: ProvisionedConcurrency;
    /**
     * DynamoDB streams the function consumes through event source mappings on its `live` alias.
     * @default []
     */
    streamSources?: StreamSource[];
    /**
     * The `live` alias is moved between versions by a release (CodeDeploy, see components/release.ts),
     * not by Pulumi. When true, Pulumi creates the alias on the first published version and then
     * ignores its `functionVersion` and `routingConfig`: a `pulumi up` only publishes the new version,
     * and the release shifts traffic to it (and back, on an alarm). When false, every `pulumi up`
     * points the alias straight at the new version: no gradual shift, no alarm rollback.
     * @default false
     */
    releasedExternally?: boolean;
    /**
     * An alarm on the failure rate of the version the last `pulumi up` published, from embedded
     * metrics the handler emits for every response it answers (`requestsMetric`) and every 5xx
     * (`failuresMetric`), dimensioned by `service` (the function's name) and the executed version.
     * A handler that answers a failure with a 500 is not a Lambda `Errors` datapoint, and a canary's
     * share of traffic is lost in the function-wide rate: this alarm judges the new version on its
     * own answers, and a release rolls back on it (`rollbackAlarmNames`).
     * @default none
     */
    versionFailureAlarm?: {
        /** CloudWatch namespace the handler's embedded metrics go to (POWERTOOLS_METRICS_NAMESPACE). */
        namespace: string;
        /** Metric counting every response. */
        requestsMetric: string;
        /** Metric counting every 5xx response. */
        failuresMetric: string;
        /** Dimension holding the executed version. */
        versionDimension: string;
        /** Share of the version's responses that are 5xx (percent, 1 to 100) that raises the critical alarm. */
        thresholdPercent: number;
    };
    /**
     * Handler export, as `file.export`.
     * @default "index.handler"
     */
    handler?: string;
    /**
     * Run the function in a VPC (to reach private endpoints such as an OpenSearch Serverless VPC
     * endpoint). The component adds the network-interface grants Lambda needs.
     * @default none: the function runs outside any VPC
     */
    vpc?: FunctionVpc;
    /**
     * CloudWatch namespace of the function's embedded (EMF) metrics: what its
     * `POWERTOOLS_METRICS_NAMESPACE` holds. Required with `metricAlarms`.
     * @default none
     */
    metricsNamespace?: string;
    /**
     * Alarms on metrics the handler emits itself (CloudWatch embedded metrics in its logs), in
     * `metricsNamespace` with the one dimension Powertools Metrics adds, `service` = the function's
     * name (the component sets `POWERTOOLS_SERVICE_NAME` to it). Routed by severity like every alarm.
     * @default []
     * @example [{ metricName: "EmailDeliveryUncertain", threshold: 0, severity: "warning", description: "... see docs/runbooks/email-delivery.md" }]
     */
    metricAlarms?: EmbeddedMetricAlarm[];
}

/** An alarm on one embedded metric of the function: the metric's statistic above a threshold. */
export interface EmbeddedMetricAlarm {
    /** Metric name as the handler emits it, e.g. `EmailDeliveryUncertain`. */
    metricName: string;
    /** The alarm breaches when the statistic of a period is greater than this. */
    threshold: number;
    /** Who is told: the severity topic the alarm notifies. */
    severity: Severity;
    /** What the alarm means and what to do (a runbook link), shown in the notification. */
    description: string;
    /**
     * Statistic per period: `Sum`, `Maximum`... or a percentile such as `p99`.
     * @default "Sum"
     */
    stat?: string;
    /**
     * Seconds per datapoint (60 or a multiple of 60).
     * @default 60
     */
    periodSeconds?: number;
    /**
     * Datapoints evaluated (1 to 1440).
     * @default 1: one breaching minute raises it
     */
    evaluationPeriods?: number;
    /**
     * Breaching datapoints of `evaluationPeriods` that raise the alarm.
     * @default evaluationPeriods
     */
    datapointsToAlarm?: number;
}

/** Physical name of a function and of its role: known before either exists, so key policies can name the role. */
export function functionResourceName(ctx: PlatformContext, name: string): string {
    return `${ctx.namePrefix}-${name}`;
}

/** ARN of the function's role, built from its fixed name (for key policies created before the role). */
export function functionRoleArn(ctx: PlatformContext, name: string): pulumi.Output<string> {
    return pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${functionResourceName(ctx, name)}`;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

// Statement ids of the grants the component adds itself.
const RESERVED_SIDS = [
    "WriteOwnLogs",
    "DeadLetter",
    "EncryptDeadLetters",
    "WriteTraces",
    "ConsumeQueues",
    "DecryptQueues",
    "ReadStreams",
    "ListStreams",
    "DecryptStreams",
    "VpcNetworkInterfaces",
];

/** The kinds of child resources Function creates, and the arguments a `transform` of each may edit. */
export interface FunctionChildren extends ChildKinds {
    alias: aws.lambda.AliasArgs;
    eventSourceMapping: aws.lambda.EventSourceMappingArgs;
    function: aws.lambda.FunctionArgs;
    logGroup: aws.cloudwatch.LogGroupArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    provisionedConcurrencyConfig: aws.lambda.ProvisionedConcurrencyConfigArgs;
    queue: aws.sqs.QueueArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
    scalableTarget: aws.appautoscaling.TargetArgs;
    scalingPolicy: aws.appautoscaling.PolicyArgs;
    scheduledAction: aws.appautoscaling.ScheduledActionArgs;
}
const FUNCTION_CHILD_KINDS = [
    "alias",
    "eventSourceMapping",
    "function",
    "logGroup",
    "metricAlarm",
    "provisionedConcurrencyConfig",
    "queue",
    "role",
    "rolePolicy",
    "scalableTarget",
    "scalingPolicy",
    "scheduledAction",
] as const;

/**
 * A Lambda function as the platform runs every one: an esbuild bundle on nodejs24.x/arm64, its own
 * role with exactly the grants it is given, an encrypted log group with retention, active tracing,
 * an encrypted environment, reserved concurrency, a `live` alias that every trigger targets, a
 * dead-letter queue for asynchronous invocations, and alarms routed by severity.
 */
export class Function extends Component<FunctionChildren> implements Grantee, Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    public readonly granteeName: string;
    /** ARN of the function's role from its fixed name: what key and data access policies name. */
    public readonly principalArn: pulumi.Output<string>;
    private readonly policy: GrantList;
    private readonly endpoints?: VpcEndpointPolicies;
    /** Physical function name. */
    public readonly functionName: pulumi.Output<string>;
    /** Function ARN (unqualified). */
    public readonly functionArn: pulumi.Output<string>;
    /** ARN of the `live` alias: what triggers and permissions target. */
    public readonly aliasArn: pulumi.Output<string>;
    /** API Gateway invoke ARN of the `live` alias. */
    public readonly aliasInvokeArn: pulumi.Output<string>;
    /** ARN of the function's own role. */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the function's log group. */
    public readonly logGroupName: pulumi.Output<string>;
    /** ARN of the dead-letter queue for failed asynchronous invocations and stream batches. */
    public readonly deadLetterQueueArn: pulumi.Output<string>;
    /** URL of that dead-letter queue. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** SHA-256 of the deployed bundle. */
    public readonly sourceHash: pulumi.Output<string>;
    /** The timeout, for sizing the visibility timeout of queues this function consumes. */
    public readonly timeoutSeconds: number;
    /** The function resource, for permissions that need it. */
    public readonly function: aws.lambda.Function;
    /** The `live` alias. */
    public readonly alias: aws.lambda.Alias;
    /** The version the last `pulumi up` published: the target of the next release. */
    public readonly latestVersion: pulumi.Output<string>;
    /** Name of the critical error-rate alarm: a release rolls back when it fires. */
    public readonly errorRateAlarmName: pulumi.Output<string>;
    /** Name of the p99 duration alarm: a release rolls back when it fires. */
    public readonly durationAlarmName: pulumi.Output<string>;
    /** ARNs of those alarms, in the same order as `rollbackAlarmNames`. */
    public readonly rollbackAlarmArns: pulumi.Output<string>[];
    /** Names of the alarms a release watches (error rate, p99 duration, then the version failure rate if any), in a fixed order. */
    public readonly rollbackAlarmNames: pulumi.Output<string>[];
    /** The reserved concurrency: the function's share of the account's, and its cap. */
    public readonly reservedConcurrency: number;
    /** Application Auto Scaling's id of the `live` alias (`function:<name>:live`) where it has provisioned concurrency. */
    public readonly scalableTargetResourceId?: pulumi.Output<string>;

    constructor(name: string, args: FunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:compute:Function", "Function", name, FUNCTION_CHILD_KINDS, args, opts);
        if (!NAME.test(name)) {
            this.invalid("name", name, "allowed: lower-case letters, digits and dashes, starting with a letter, at most 40 characters");
        }
        this.checkInt("timeoutSeconds", args.timeoutSeconds, 1, 900);
        this.checkInt("memoryMb", args.memoryMb, 128, 10240);
        this.checkInt("reservedConcurrency", args.reservedConcurrency, 1, 1000);
        this.checkInt("logRetentionDays", args.logRetentionDays, 1, 3653);
        this.checkInt("errorRatePercent", args.errorRatePercent, 1, 100);
        this.checkInt("durationPercentOfTimeout", args.durationPercentOfTimeout, 10, 100);
        if (args.versionFailureAlarm) {
            this.checkInt("versionFailureAlarm.thresholdPercent", args.versionFailureAlarm.thresholdPercent, 1, 100);
            for (const k of ["requestsMetric", "failuresMetric", "versionDimension"] as const) {
                if (!/^[A-Za-z0-9_.-]{1,255}$/.test(args.versionFailureAlarm[k])) {
                    this.invalid(
                        `versionFailureAlarm.${k}`,
                        args.versionFailureAlarm[k],
                        "allowed: a CloudWatch metric or dimension name (letters, digits, . _ -)",
                    );
                }
            }
        }
        if (!args.entry.endsWith(".ts") && !args.entry.endsWith(".js")) {
            this.invalid("entry", args.entry, "allowed: a .ts or .js handler file such as functions/api/index.ts");
        }
        const queueSources = args.queueSources ?? [];
        for (const q of queueSources) {
            if (q.visibilityTimeoutSeconds < VISIBILITY_TIMEOUT_FACTOR * args.timeoutSeconds) {
                this.invalid(
                    "queueSources",
                    `${q.name} visibilityTimeoutSeconds=${q.visibilityTimeoutSeconds}`,
                    `a queue's visibility timeout must be at least ${VISIBILITY_TIMEOUT_FACTOR} x timeoutSeconds (${VISIBILITY_TIMEOUT_FACTOR * args.timeoutSeconds})`,
                );
            }
        }
        let queueMaximumConcurrency = 0;
        if (queueSources.length > 0) {
            if (args.reservedConcurrency < MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY) {
                this.invalid(
                    "reservedConcurrency",
                    args.reservedConcurrency,
                    `allowed: at least ${MIN_QUEUE_CONSUMER_RESERVED_CONCURRENCY} for a queue consumer: its mappings poll at least ${ESM_MIN_MAXIMUM_CONCURRENCY} batches at once (the AWS minimum) and stay below the reservation`,
                );
            }
            const most = esmMaximumConcurrencyFor(args.reservedConcurrency);
            queueMaximumConcurrency = this.checkInt("queueMaximumConcurrency", args.queueMaximumConcurrency ?? most, ESM_MIN_MAXIMUM_CONCURRENCY, most);
        } else if (args.queueMaximumConcurrency !== undefined) {
            this.invalid("queueMaximumConcurrency", args.queueMaximumConcurrency, "allowed only with queueSources: it caps their event source mappings");
        }
        const pc = args.provisionedConcurrency;
        if (pc) {
            this.checkInt("provisionedConcurrency.max", pc.max, 1, args.reservedConcurrency);
            this.checkInt("provisionedConcurrency.min", pc.min, 1, pc.max);
            const target = pc.targetUtilization ?? PROVISIONED_UTILIZATION_TARGET;
            if (!Number.isFinite(target) || target < 0.1 || target > 0.9) {
                this.invalid(
                    "provisionedConcurrency.targetUtilization",
                    target,
                    "allowed: a fraction from 0.1 to 0.9 (0.7 keeps 30 % of the environments free for a burst)",
                );
            }
            (pc.schedule ?? []).forEach((s, i) => {
                this.checkInt(`provisionedConcurrency.schedule[${i}].max`, s.max, 1, args.reservedConcurrency);
                this.checkInt(`provisionedConcurrency.schedule[${i}].min`, s.min, 1, s.max);
                if (!/^(cron|rate|at)\(.+\)$/.test(s.schedule)) {
                    this.invalid(`provisionedConcurrency.schedule[${i}].schedule`, s.schedule, "allowed: cron(...), rate(...) or at(yyyy-mm-ddThh:mm:ss)");
                }
            });
            const zone = pc.timeZone ?? "UTC";
            const problem = timeZoneProblem(zone);
            if (problem !== undefined) {
                this.invalid("provisionedConcurrency.timeZone", zone, problem);
            }
        }
        const streamSources = args.streamSources ?? [];
        for (const s of streamSources) {
            if (s.maximumRetryAttempts !== undefined) {
                this.checkInt(`streamSources[${s.name}].maximumRetryAttempts`, s.maximumRetryAttempts, 0, 10000);
            }
        }
        if (args.vpc) {
            for (const k of ["subnetIds", "securityGroupIds"] as const) {
                const v = args.vpc[k];
                if (Array.isArray(v) && v.length === 0) {
                    this.invalid(`vpc.${k}`, v, "allowed: at least one id; a VPC function needs a subnet and a security group");
                }
            }
        }
        checkMetricAlarms(this.className, args);
        const extraGrants = args.grants ?? [];
        checkGrants(this.className, "grants", extraGrants);
        extraGrants.forEach((g) => this.checkSid(g, "grants"));

        const ctx = args.context;
        const physicalName = functionResourceName(ctx, name);
        this.granteeName = `Function "${name}"`;
        this.principalArn = functionRoleArn(ctx, name);
        const bundle = bundleHandler(args.entry);
        const sourceHash = pulumi.output(bundle.then((b) => b.sha256));

        const logGroup = this.create(
            "logGroup",
            aws.cloudwatch.LogGroup,
            `logs`,
            {
                name: `/aws/lambda/${physicalName}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.logsKeyArn,
                tags: ctx.tags,
            },
            { parent: this },
        );

        const dlq = deadLetterQueue(
            `${name}-dlq`,
            { queueName: `${physicalName}-dlq`, kmsKeyArn: keyArnOf(args.messagingKey), tags: ctx.tags },
            { parent: this },
            this.childHooks("queue"),
        );

        const role = this.create(
            "role",
            aws.iam.Role,
            `role`,
            {
                name: physicalName,
                description: `Execution role of ${physicalName}`,
                assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );

        const grants: Grant[] = [
            {
                sid: "WriteOwnLogs",
                actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
                resources: [pulumi.interpolate`${logGroup.arn}:log-stream:*`],
            },
            {
                sid: "DeadLetter",
                actions: ["sqs:SendMessage"],
                resources: [dlq.arn],
            },
            {
                // The dead-letter queue is encrypted: sending to it needs a data key.
                sid: "EncryptDeadLetters",
                actions: ["kms:GenerateDataKey", "kms:Decrypt"],
                resources: [keyArnOf(args.messagingKey)],
            },
            {
                sid: "WriteTraces",
                actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources: ["*"],
                anyResourceReason: 'X-Ray has no resource-level permissions for these actions; "*" is the only resource AWS accepts.',
            },
        ];
        if (queueSources.length > 0) {
            grants.push(
                {
                    sid: "ConsumeQueues",
                    actions: CONSUME_ACTIONS,
                    resources: queueSources.map((q) => q.arn),
                },
                { sid: "DecryptQueues", actions: ["kms:Decrypt"], resources: uniqueInputs(queueSources.map((q) => keyArnOf(q.kmsKey))) },
            );
        }
        if (streamSources.length > 0) {
            grants.push(
                {
                    sid: "ReadStreams",
                    actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                    resources: streamSources.map((s) => s.streamArn),
                },
                {
                    sid: "ListStreams",
                    actions: ["dynamodb:ListStreams"],
                    resources: streamSources.map((s) => pulumi.interpolate`${s.tableArn}/stream/*`),
                },
                { sid: "DecryptStreams", actions: ["kms:Decrypt"], resources: uniqueInputs(streamSources.map((s) => keyArnOf(s.kmsKey))) },
            );
        }
        if (args.vpc) {
            grants.push({
                sid: "VpcNetworkInterfaces",
                actions: VPC_NETWORK_INTERFACE_ACTIONS,
                resources: ["*"],
                anyResourceReason:
                    'AWS requires Resource "*" here: ec2:DescribeNetworkInterfaces has no resource-level permissions, and Lambda creates and deletes ' +
                    'the function\'s network interfaces under ids nobody knows in advance (AWSLambdaVPCAccessExecutionRole grants the same on "*").',
            });
        }
        for (const key of [args.messagingKey, ...queueSources.map((q) => q.kmsKey), ...streamSources.map((s) => s.kmsKey)]) {
            useKey(key, this.principalArn);
        }
        checkGrants(this.className, "grants", [...grants, ...extraGrants]);
        // Resources grant to the function after it exists (table.grantReadWrite(fn)): the policy is written once they all have.
        this.policy = new GrantList(`Function "${name}"`, (all) => policyDocument(all));
        grants.forEach((g) => this.policy.add(g));
        this.endpoints = args.vpc?.endpoints;
        extraGrants.forEach((g) => this.addGrant(g));
        const rolePolicy = this.create("rolePolicy", aws.iam.RolePolicy, `policy`, { role: role.name, policy: this.policy.document }, { parent: this });

        const fn = this.create(
            "function",
            aws.lambda.Function,
            `function`,
            {
                name: physicalName,
                description: pulumi.interpolate`${name} (bundle sha256 ${sourceHash.apply((h) => h.slice(0, 16))})`,
                runtime: FUNCTION_RUNTIME,
                architectures: [FUNCTION_ARCHITECTURE],
                handler: args.handler ?? "index.handler",
                code: handlerArchive(bundle),
                sourceCodeHash: sourceHash.apply((h) => Buffer.from(h, "hex").toString("base64")),
                role: role.arn,
                timeout: args.timeoutSeconds,
                memorySize: args.memoryMb,
                reservedConcurrentExecutions: args.reservedConcurrency,
                // Publish a version per change so the alias can move (and roll back) between versions.
                publish: true,
                tracingConfig: { mode: "Active" },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
                kmsKeyArn: args.environmentKeyArn,
                environment: {
                    variables: {
                        ...args.environment,
                        POWERTOOLS_SERVICE_NAME: name,
                        APP_VERSION: sourceHash.apply((h) => h.slice(0, 12)),
                    },
                },
                deadLetterConfig: { targetArn: dlq.arn },
                ...(args.vpc ? { vpcConfig: { subnetIds: args.vpc.subnetIds, securityGroupIds: args.vpc.securityGroupIds } } : {}),
                tags: { ...ctx.tags, "source-sha256": sourceHash },
            },
            { parent: this, dependsOn: [rolePolicy, logGroup] },
        );

        const alias = this.create(
            "alias",
            aws.lambda.Alias,
            `live`,
            { name: LIVE_ALIAS, functionName: fn.name, functionVersion: fn.version, description: "Traffic-serving alias; every trigger targets it." },
            // A release (CodeDeploy) owns which version the alias serves; Pulumi would otherwise move it
            // back to the latest version on the next `pulumi up`, undoing a rollback or a half-shifted canary.
            { parent: this, ignoreChanges: args.releasedExternally ? ["functionVersion", "routingConfig"] : [] },
        );

        for (const q of queueSources) {
            this.create(
                "eventSourceMapping",
                aws.lambda.EventSourceMapping,
                `${q.name}-source`,
                {
                    functionName: alias.arn,
                    eventSourceArn: q.arn,
                    batchSize: 10,
                    maximumBatchingWindowInSeconds: 1,
                    functionResponseTypes: ["ReportBatchItemFailures"],
                    scalingConfig: { maximumConcurrency: queueMaximumConcurrency },
                },
                { parent: this, dependsOn: [rolePolicy] },
            );
        }
        for (const s of streamSources) {
            this.create(
                "eventSourceMapping",
                aws.lambda.EventSourceMapping,
                `${s.name}-source`,
                {
                    functionName: alias.arn,
                    eventSourceArn: s.streamArn,
                    enabled: s.enabled ?? true,
                    startingPosition: "LATEST",
                    batchSize: s.batchSize ?? 100,
                    maximumRetryAttempts: s.maximumRetryAttempts ?? 5,
                    bisectBatchOnFunctionError: true,
                    functionResponseTypes: ["ReportBatchItemFailures"],
                    destinationConfig: { onFailure: { destinationArn: dlq.arn } },
                },
                { parent: this, dependsOn: [rolePolicy] },
            );
        }

        let scalableTargetResourceId: pulumi.Output<string> | undefined;
        if (pc) {
            // The allocation on creation; from then on Application Auto Scaling owns the number, and a
            // `pulumi up` must not reset what target tracking or the schedule set.
            const allocation = this.create(
                "provisionedConcurrencyConfig",
                aws.lambda.ProvisionedConcurrencyConfig,
                `provisioned`,
                { functionName: fn.name, qualifier: alias.name, provisionedConcurrentExecutions: pc.min },
                { parent: this, ignoreChanges: ["provisionedConcurrentExecutions"] },
            );
            const target = this.create(
                "scalableTarget",
                aws.appautoscaling.Target,
                `scaling-target`,
                {
                    serviceNamespace: PROVISIONED_SCALING.serviceNamespace,
                    scalableDimension: PROVISIONED_SCALING.scalableDimension,
                    // The alias, never a version: it follows every release CodeDeploy makes.
                    resourceId: pulumi.interpolate`function:${fn.name}:${alias.name}`,
                    minCapacity: pc.min,
                    maxCapacity: pc.max,
                    tags: ctx.tags,
                },
                { parent: this, dependsOn: [allocation] },
            );
            this.create(
                "scalingPolicy",
                aws.appautoscaling.Policy,
                `scaling-policy`,
                {
                    name: `${physicalName}-provisioned-utilization`,
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        targetValue: pc.targetUtilization ?? PROVISIONED_UTILIZATION_TARGET,
                        predefinedMetricSpecification: { predefinedMetricType: PROVISIONED_SCALING.predefinedMetricType },
                        scaleInCooldown: PROVISIONED_SCALE_IN_COOLDOWN_SECONDS,
                        scaleOutCooldown: PROVISIONED_SCALE_OUT_COOLDOWN_SECONDS,
                    },
                },
                { parent: this },
            );
            (pc.schedule ?? []).forEach((s, i) => {
                this.create(
                    "scheduledAction",
                    aws.appautoscaling.ScheduledAction,
                    `schedule-${i}`,
                    {
                        name: `${physicalName}-provisioned-${i}`,
                        serviceNamespace: target.serviceNamespace,
                        scalableDimension: target.scalableDimension,
                        resourceId: target.resourceId,
                        schedule: s.schedule,
                        timezone: pc.timeZone ?? "UTC",
                        scalableTargetAction: { minCapacity: s.min, maxCapacity: s.max },
                    },
                    { parent: this },
                );
            });
            scalableTargetResourceId = target.resourceId;
        }

        const tags = ctx.tags;
        const lambdaMetric = (metricName: string, stat: string) => ({
            namespace: "AWS/Lambda",
            metricName,
            dimensions: { FunctionName: fn.name },
            stat,
        });
        const errorRate = createAlarm(
            `${name}-error-rate`,
            {
                description: `${physicalName}: more than ${args.errorRatePercent}% of invocations failed in 3 of 5 minutes.`,
                severity: "critical",
                signal: {
                    kind: "math",
                    expression: "IF(invocations > 0, 100 * errors / invocations, 0)",
                    label: "Error rate (%)",
                    metrics: { errors: lambdaMetric("Errors", "Sum"), invocations: lambdaMetric("Invocations", "Sum") },
                },
                threshold: args.errorRatePercent,
                comparisonOperator: "GreaterThanThreshold",
                ...ROLLBACK_ALARM_WINDOW,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags },
        );
        createAlarm(
            `${name}-throttles`,
            {
                description: `${physicalName}: invocations throttled (reserved concurrency ${args.reservedConcurrency} exhausted).`,
                severity: "warning",
                signal: { kind: "metric", metric: lambdaMetric("Throttles", "Sum") },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags },
        );
        functionConcurrencyAlarm(`${name}-concurrency`, fn.name, physicalName, args.reservedConcurrency, args.routing, {
            parent: this,
            hooks: this.childHooks("metricAlarm"),
            tags,
        });
        if (pc) {
            const most = Math.max(pc.max, ...(pc.schedule ?? []).map((s) => s.max));
            provisionedSpilloverAlarm(`${name}-provisioned-spillover`, fn.name, physicalName, LIVE_ALIAS, most, args.routing, {
                parent: this,
                hooks: this.childHooks("metricAlarm"),
                tags,
            });
        }
        const durationThresholdMs = Math.round((args.timeoutSeconds * 1000 * args.durationPercentOfTimeout) / 100);
        const duration = createAlarm(
            `${name}-duration-p99`,
            {
                description: `${physicalName}: p99 duration above ${durationThresholdMs} ms (${args.durationPercentOfTimeout}% of the ${args.timeoutSeconds} s timeout).`,
                severity: "warning",
                signal: { kind: "metric", metric: lambdaMetric("Duration", "p99") },
                threshold: durationThresholdMs,
                comparisonOperator: "GreaterThanThreshold",
                ...ROLLBACK_ALARM_WINDOW,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags },
        );
        const rollbackAlarms = [errorRate.alarm, duration.alarm];
        const vf = args.versionFailureAlarm;
        if (vf) {
            const versionMetric = (metricName: string) => ({
                namespace: vf.namespace,
                metricName,
                dimensions: { service: name, [vf.versionDimension]: fn.version },
                stat: "Sum",
            });
            const versionFailures = createAlarm(
                `${name}-version-failure-rate`,
                {
                    description: `${physicalName}: more than ${vf.thresholdPercent}% of the newest version's responses were 5xx in 3 of 5 minutes (FunctionVersion dimension); a release of that version rolls back.`,
                    severity: "critical",
                    signal: {
                        kind: "math",
                        expression: "IF(requests > 0, 100 * failures / requests, 0)",
                        label: "5xx responses of the version (%)",
                        metrics: { failures: versionMetric(vf.failuresMetric), requests: versionMetric(vf.requestsMetric) },
                    },
                    threshold: vf.thresholdPercent,
                    comparisonOperator: "GreaterThanThreshold",
                    ...ROLLBACK_ALARM_WINDOW,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags },
            );
            rollbackAlarms.push(versionFailures.alarm);
        }
        dlqDepthAlarm(
            `${name}-dlq-depth`,
            dlq.name,
            `${physicalName}: failed asynchronous invocations or stream batches are waiting in ${physicalName}-dlq.`,
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags },
        );
        for (const m of args.metricAlarms ?? []) {
            createEmbeddedMetricAlarm(name, physicalName, args.metricsNamespace as string, m, args.routing, {
                parent: this,
                tags,
                hooks: this.childHooks("metricAlarm"),
            });
        }

        this.function = fn;
        this.alias = alias;
        this.functionName = fn.name;
        this.functionArn = fn.arn;
        this.aliasArn = alias.arn;
        this.aliasInvokeArn = alias.invokeArn;
        this.roleArn = role.arn;
        this.logGroupName = logGroup.name;
        this.deadLetterQueueArn = dlq.arn;
        this.deadLetterQueueUrl = dlq.url;
        this.monitored = { functions: [{ label: name, name: this.functionName }], deadLetterQueues: [{ label: `${name} DLQ`, name: dlq.name }] };
        this.sourceHash = sourceHash;
        this.timeoutSeconds = args.timeoutSeconds;
        this.reservedConcurrency = args.reservedConcurrency;
        this.scalableTargetResourceId = scalableTargetResourceId;
        this.latestVersion = fn.version;
        this.errorRateAlarmName = errorRate.alarm.name;
        this.durationAlarmName = duration.alarm.name;
        this.rollbackAlarmNames = rollbackAlarms.map((a) => a.name);
        this.rollbackAlarmArns = rollbackAlarms.map((a) => a.arn);
        this.registerOutputs({
            functionName: this.functionName,
            aliasArn: this.aliasArn,
            roleArn: this.roleArn,
            deadLetterQueueArn: this.deadLetterQueueArn,
            sourceHash: this.sourceHash,
            latestVersion: this.latestVersion,
            errorRateAlarmName: this.errorRateAlarmName,
            durationAlarmName: this.durationAlarmName,
        });
    }

    /** Adds a statement to the function's role policy (what `table.grantReadWrite(fn)` and the other grants call). */
    public addGrant(grant: Grant): void {
        this.checkSid(grant, "addGrant");
        this.policy.add(grant, "addGrant");
        this.endpoints?.allow(grant, this.granteeName);
    }

    private checkSid(grant: Grant, argument: string): void {
        if (RESERVED_SIDS.includes(grant.sid)) {
            this.invalid(
                argument,
                grant.sid,
                `statement ids ${RESERVED_SIDS.join(", ")} belong to the component's own grants; repeats statement id "${grant.sid}"`,
            );
        }
    }
}

function uniqueInputs(values: pulumi.Input<string>[]): pulumi.Input<string>[] {
    // Outputs cannot be compared before they resolve; dedupe what is comparable, keep the rest.
    const seen = new Set<pulumi.Input<string>>();
    return values.filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
}

const METRIC_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
const NAMESPACE = /^(?!AWS\/)[A-Za-z0-9_.\-/#:]{1,255}$/;

/** Validates `metricsNamespace` and `metricAlarms` up front, naming the argument and the alarm. */
function checkMetricAlarms(C: string, args: FunctionArgs): void {
    const alarms = args.metricAlarms ?? [];
    if (alarms.length === 0) {
        return;
    }
    const ns = args.metricsNamespace;
    if (ns === undefined || !NAMESPACE.test(ns)) {
        invalid(
            C,
            "metricsNamespace",
            ns,
            "allowed: the CloudWatch namespace the handler's embedded metrics go to (POWERTOOLS_METRICS_NAMESPACE, not AWS/...); required with metricAlarms",
        );
    }
    // An alarm on a namespace the handler does not write to would never fire.
    const emitted = args.environment?.POWERTOOLS_METRICS_NAMESPACE;
    if (typeof emitted === "string" && emitted !== ns) {
        invalid(
            C,
            "metricsNamespace",
            ns,
            `allowed: the namespace the handler emits to, environment.POWERTOOLS_METRICS_NAMESPACE = ${JSON.stringify(emitted)}`,
        );
    }
    const seen = new Set<string>();
    alarms.forEach((m, i) => {
        const at = `metricAlarms[${i}]`;
        if (typeof m.metricName !== "string" || !METRIC_NAME.test(m.metricName)) {
            invalid(C, `${at}.metricName`, m.metricName, "allowed: a CloudWatch metric name (letters, digits, . _ -), as the handler emits it");
        }
        if (seen.has(m.metricName)) {
            invalid(C, `${at}.metricName`, m.metricName, "allowed: one alarm per metric; this metric already has one");
        }
        seen.add(m.metricName);
        if (typeof m.threshold !== "number" || !Number.isFinite(m.threshold)) {
            invalid(C, `${at}.threshold`, m.threshold, "allowed: a finite number");
        }
        if (!(SEVERITIES as readonly string[]).includes(m.severity)) {
            invalid(C, `${at}.severity`, m.severity, `allowed: ${SEVERITIES.join(", ")}`);
        }
        if (typeof m.description !== "string" || m.description.trim() === "") {
            invalid(C, `${at}.description`, m.description, "allowed: what the alarm means and what to do, shown in the notification");
        }
        const period = m.periodSeconds ?? 60;
        if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
            invalid(C, `${at}.periodSeconds`, period, "allowed: 60 or a multiple of 60");
        }
        const evaluations = checkInt(C, `${at}.evaluationPeriods`, m.evaluationPeriods ?? 1, 1, 1440);
        checkInt(C, `${at}.datapointsToAlarm`, m.datapointsToAlarm ?? evaluations, 1, evaluations);
    });
}

/** One embedded-metric alarm, named after the function and the metric (`email-worker-email-delivery-uncertain`). */
function createEmbeddedMetricAlarm(
    name: string,
    physicalName: string,
    namespace: string,
    m: EmbeddedMetricAlarm,
    routing: AlarmRouting,
    opts: Parameters<typeof createAlarm>[3],
): void {
    const slug = m.metricName
        .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
        .replace(/[^A-Za-z0-9-]+/g, "-")
        .toLowerCase();
    const evaluationPeriods = m.evaluationPeriods ?? 1;
    createAlarm(
        `${name}-${slug}`,
        {
            description: `${physicalName}: ${m.metricName} above ${m.threshold}. ${m.description}`,
            severity: m.severity,
            // Powertools Metrics publishes with the default dimension service = POWERTOOLS_SERVICE_NAME only.
            signal: { kind: "metric", metric: { namespace, metricName: m.metricName, dimensions: { service: name }, stat: m.stat ?? "Sum" } },
            threshold: m.threshold,
            comparisonOperator: "GreaterThanThreshold",
            periodSeconds: m.periodSeconds ?? 60,
            evaluationPeriods,
            datapointsToAlarm: m.datapointsToAlarm ?? evaluationPeriods,
        },
        routing,
        opts,
    );
}
