import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, MetricRef, createAlarm } from "./alarms";
import { PlatformContext } from "./context";
import { Grant } from "./iam";
import { Grantee, KeyInput, grantKeyUse, keyArnOf, pascal } from "./grants";

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
    /** The KMS key the table (and its stream) is encrypted with: every grantee of the table is named in its key policy. */
    kmsKey: KeyInput;
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
export class DataStore extends Component<DataStoreChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Physical table name. */
    public readonly tableName: pulumi.Output<string>;
    /** Table ARN. */
    public readonly tableArn: pulumi.Output<string>;
    /** ARN of the table's stream. */
    public readonly streamArn: pulumi.Output<string>;
    /** The key the table is encrypted with. */
    public readonly kmsKey: KeyInput;
    private readonly context: PlatformContext;
    /** Grantees that already have the key statement: one per role, however many table grants it gets. */
    private readonly keyGrantees = new Set<Grantee>();

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
                serverSideEncryption: { enabled: true, kmsKeyArn: keyArnOf(args.kmsKey) },
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
        this.monitored = { table: { name: table.name } };
        this.tableArn = table.arn;
        this.streamArn = table.streamArn;
        this.kmsKey = args.kmsKey;
        this.context = ctx;
        this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn, streamArn: this.streamArn });
    }

    /**
     * Lets the grantee read and write items: `GetItem`, `PutItem`, `UpdateItem`, `DeleteItem` and
     * `Query` on the table (not its indexes: `grantQuery`), or the subset `actions` names, and use
     * the table's key through DynamoDB. Returns the table statement.
     */
    public grantReadWrite(grantee: Grantee, options: TableGrantOptions<ItemAction> = {}): Grant {
        return this.grantItems(grantee, "grantReadWrite", ITEM_READ_WRITE, options);
    }

    /** Lets the grantee write items (`PutItem`, `UpdateItem`, `DeleteItem`, or the subset `actions` names) and use the key. */
    public grantWrite(grantee: Grantee, options: TableGrantOptions<WriteAction> = {}): Grant {
        return this.grantItems(grantee, "grantWrite", ITEM_WRITE, options);
    }

    /**
     * Lets the grantee query one global secondary index (`index`, one of TABLE_SCHEMA's) and use the key.
     * @param options.sid Statement id. @default `Query<Table><Index>` (`QueryOrdersGsi1`)
     */
    public grantQuery(grantee: Grantee, options: { index: string; sid?: string; keySid?: string }): Grant {
        const names = TABLE_SCHEMA.indexes.map((i) => i.name as string);
        if (!names.includes(options.index)) {
            this.invalid("grantQuery.index", options.index, `allowed: ${names.join(", ")} (the table's global secondary indexes)`);
        }
        const grant: Grant = {
            sid: options.sid ?? `Query${pascal(this.componentName)}${pascal(options.index)}`,
            actions: ["dynamodb:Query"],
            resources: [pulumi.interpolate`${this.tableArn}/index/${options.index}`],
        };
        grantee.addGrant(grant);
        this.grantKey(grantee, options.keySid);
        return grant;
    }

    private grantItems<A extends string>(grantee: Grantee, method: string, all: readonly A[], options: TableGrantOptions<A>): Grant {
        const actions = options.actions ?? all;
        const unknown = actions.filter((a) => !all.includes(a));
        if (actions.length === 0 || unknown.length > 0) {
            this.invalid(`${method}.actions`, actions, `allowed: a non-empty subset of ${all.join(", ")}`);
        }
        const grant: Grant = {
            sid: options.sid ?? `${pascal(this.componentName)}${method === "grantWrite" ? "Write" : "ReadWrite"}`,
            actions: all.filter((a) => actions.includes(a)).map((a) => `dynamodb:${a}`),
            resources: [this.tableArn],
        };
        grantee.addGrant(grant);
        this.grantKey(grantee, options.keySid);
        return grant;
    }

    private grantKey(grantee: Grantee, keySid: string | undefined): void {
        if (this.keyGrantees.has(grantee)) {
            return;
        }
        this.keyGrantees.add(grantee);
        grantKeyUse(this.kmsKey, grantee, { via: "dynamodb", sid: keySid ?? `Use${pascal(this.componentName)}Key` }, this.context);
    }
}

/** Item actions of `grantReadWrite`, in the order statements list them. */
export const ITEM_READ_WRITE = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"] as const;
export type ItemAction = (typeof ITEM_READ_WRITE)[number];
/** Item actions of `grantWrite`. */
export const ITEM_WRITE = ["PutItem", "UpdateItem", "DeleteItem"] as const;
export type WriteAction = (typeof ITEM_WRITE)[number];

export interface TableGrantOptions<A extends string> {
    /** Statement id of the table statement. @default `<Table>ReadWrite` or `<Table>Write` */
    sid?: string;
    /** Fewer actions than the method's: a subset of them. @default all of the method's */
    actions?: A[];
    /** Statement id of the key statement, added once per grantee. @default `Use<Table>Key` */
    keySid?: string;
}
