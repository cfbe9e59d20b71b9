import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { AlarmRouting, MetricRef, createAlarm } from "./alarms";
import { PlatformContext } from "./context";

/**
 * The single-table layout of the reference workload (functions/shared/table-keys.ts):
 * `pk`/`sk` for items by owner, `gsi1` (`gsi1pk`/`gsi1sk`) for a customer's orders newest first,
 * `expiresAt` (epoch seconds) for idempotency and delivery records that expire.
 */
export const TABLE_SCHEMA = {
    hashKey: "pk",
    rangeKey: "sk",
    indexes: [{ name: "gsi1", hashKey: "gsi1pk", rangeKey: "gsi1sk" }],
    ttlAttribute: "expiresAt",
} as const;

// Operations the workload performs; throttles and system errors are reported per operation.
const OPERATIONS = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "TransactWriteItems", "BatchWriteItem"] as const;

export interface DataStoreArgs extends ComponentOptions<DataStoreChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the KMS key the table (and its stream) is encrypted with. */
    kmsKeyArn: pulumi.Input<string>;
    /** Where the table's alarms go. */
    routing: AlarmRouting;
    /**
     * DynamoDB deletion protection plus Pulumi `protect`: a deploy can never drop the table.
     * @default false
     */
    deletionProtection?: boolean;
}

/** The kinds of child resources DataStore creates, and the arguments a `transform` of each may edit. */
export interface DataStoreChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    table: aws.dynamodb.TableArgs;
}
const DATA_STORE_CHILD_KINDS = ["metricAlarm", "table"] as const;

/**
 * The workload's DynamoDB single table: on-demand, point-in-time recovery, KMS, a stream of new and
 * old images for the search indexer, TTL for records that expire, and alarms on throttling and
 * system errors.
 */
export class DataStore extends Component<DataStoreChildren> {
    /** Physical table name. */
    public readonly tableName: pulumi.Output<string>;
    /** Table ARN. */
    public readonly tableArn: pulumi.Output<string>;
    /** ARN of the table's stream. */
    public readonly streamArn: pulumi.Output<string>;
    /** ARN of the key the table is encrypted with. */
    public readonly kmsKeyArn: pulumi.Input<string>;

    constructor(name: string, args: DataStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:DataStore", "DataStore", name, DATA_STORE_CHILD_KINDS, args, opts);
        const ctx = args.context;
        const protect = args.deletionProtection ?? false;
        const attrs = [TABLE_SCHEMA.hashKey, TABLE_SCHEMA.rangeKey, ...TABLE_SCHEMA.indexes.flatMap((i) => [i.hashKey, i.rangeKey])];

        const table = this.create(
            "table",
            aws.dynamodb.Table,
            `table`,
            {
                name: `${ctx.namePrefix}-${name}`,
                billingMode: "PAY_PER_REQUEST",
                hashKey: TABLE_SCHEMA.hashKey,
                rangeKey: TABLE_SCHEMA.rangeKey,
                attributes: attrs.map((a) => ({ name: a, type: "S" })),
                globalSecondaryIndexes: TABLE_SCHEMA.indexes.map((i) => ({
                    name: i.name,
                    hashKey: i.hashKey,
                    rangeKey: i.rangeKey,
                    projectionType: "ALL",
                })),
                pointInTimeRecovery: { enabled: true },
                serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
                deletionProtectionEnabled: protect,
                streamEnabled: true,
                streamViewType: "NEW_AND_OLD_IMAGES",
                ttl: { attributeName: TABLE_SCHEMA.ttlAttribute, enabled: true },
                tags: { ...ctx.tags, "data-class": "data" },
            },
            { parent: this, protect },
        );

        const perOperation = (metricName: string): Record<string, MetricRef> =>
            Object.fromEntries(
                OPERATIONS.map((op) => [
                    `${metricName.toLowerCase()}${op.toLowerCase()}`,
                    { namespace: "AWS/DynamoDB", metricName, dimensions: { TableName: table.name, Operation: op }, stat: "Sum" },
                ]),
            );
        const sumOf = (metrics: Record<string, MetricRef>) => `SUM([${Object.keys(metrics).join(", ")}])`;
        const throttled = perOperation("ThrottledRequests");
        createAlarm(
            `${name}-throttles`,
            {
                description: `${ctx.namePrefix}-${name}: requests throttled (on-demand limits or a hot partition).`,
                severity: "warning",
                signal: { kind: "math", expression: sumOf(throttled), label: "Throttled requests", metrics: throttled },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 2,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );
        const systemErrors = perOperation("SystemErrors");
        createAlarm(
            `${name}-system-errors`,
            {
                description: `${ctx.namePrefix}-${name}: DynamoDB returned 5xx errors.`,
                severity: "critical",
                signal: { kind: "math", expression: sumOf(systemErrors), label: "System errors", metrics: systemErrors },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 2,
            },
            args.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
        );

        this.tableName = table.name;
        this.tableArn = table.arn;
        this.streamArn = table.streamArn;
        this.kmsKeyArn = args.kmsKeyArn;
        this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn, streamArn: this.streamArn });
    }
}
