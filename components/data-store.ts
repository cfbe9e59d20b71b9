import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, MetricRef, createAlarm } from "./alarms";
import { PlatformContext } from "./context";
import { Grant } from "./iam";
import { Grantee, KeyInput, grantKeyUse, keyArnOf, pascal } from "./grants";
import { createDrKey, drContext, drKeyPolicy, drProvider } from "./dr-keys";
import { REPLICATION_LATENCY_THRESHOLD_MS } from "./defaults/backup";
import { KEY_USE_VIA } from "./defaults/kms";

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
    /**
     * An existing table to adopt by name (Pulumi `import`) instead of the one this store made: a table
     * `npm run restore` restored and configured to match what this component declares (stream, TTL,
     * PITR, encryption, deletion protection, tags), or the import fails with the properties that
     * differ and nothing changes. The table the store had leaves the stack's state; Pulumi deletes it
     * unless `deletionProtection` (whose `retainOnDelete` keeps it in AWS; its `protect` must first be
     * lifted from the state, `pulumi state unprotect <urn>`, which tools/recovery/restore.ts prints).
     * @default none: the table `<namePrefix>-<name>`
     */
    adoptTableName?: string;
    /**
     * A DynamoDB global-table replica of the table in another region (the pilot-light strategy):
     * encrypted with a key the component creates there (through a provider for that region, a child
     * of this component), with point-in-time recovery and, with `deletionProtection`, deletion
     * protection of its own. A standby stack in that region runs against it (`standby`), and an alarm
     * watches the replication latency, which is the RPO of a region loss.
     * @default none (the table lives in the stack's region only)
     */
    replica?: { region: string };
    /**
     * Run against another stack's global-table replica in this stack's region instead of a table of
     * its own (the standby of a pilot-light primary, Pulumi.prod-dr.yaml): the component creates no
     * table, and grants, alarms and outputs name the replica. `kmsKey` is then the replica's key (the
     * primary's key policy lets this account use it through DynamoDB). Both may be outputs of a
     * StackReference to the primary: the stream ARN is checked against the table once it is known.
     * @default none (the component creates its table)
     */
    standby?: { tableName: pulumi.Input<string>; streamArn: pulumi.Input<string> };
}

/** The kinds of child resources DataStore creates, and the arguments a `transform` of each may edit. */
export interface DataStoreChildren extends ChildKinds {
    alias: aws.kms.AliasArgs;
    key: aws.kms.KeyArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    table: aws.dynamodb.TableArgs;
}
const DATA_STORE_CHILD_KINDS = ["alias", "key", "metricAlarm", "table"] as const;

/** Where a global-table replica lives and what the standby in that region needs of it. */
export interface TableReplicaOutputs {
    region: string;
    tableName: pulumi.Output<string>;
    tableArn: pulumi.Output<string>;
    /** ARN of the replica's stream (known once the replica exists). */
    streamArn: pulumi.Output<string | undefined>;
    kmsKeyArn: pulumi.Output<string>;
}

/**
 * The workload's DynamoDB single table: on-demand, point-in-time recovery, KMS, a stream of new and
 * old images for the search indexer, TTL for records that expire, and alarms on throttling and
 * system errors. Optionally a global-table replica in another region (`replica`), or, in a standby
 * stack, another stack's replica instead of a table of its own (`standby`).
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
    /** The global-table replica in the DR region (undefined without `replica`). */
    public readonly replica?: TableReplicaOutputs;
    private readonly context: PlatformContext;
    /** Grantees that already have the key statement: one per role, however many table grants it gets. */
    private readonly keyGrantees = new Set<Grantee>();

    constructor(name: string, args: DataStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:DataStore", "DataStore", name, DATA_STORE_CHILD_KINDS, args, opts);
        const ctx = args.context;
        const protect = args.deletionProtection ?? false;
        const attrs = [TABLE_SCHEMA.hashKey, TABLE_SCHEMA.rangeKey, ...TABLE_SCHEMA.indexes.flatMap((i) => [i.hashKey, i.rangeKey])];
        const adopt = args.adoptTableName;
        if (adopt !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(adopt)) {
            this.invalid("adoptTableName", adopt, "allowed: a DynamoDB table name (3 to 255 letters, digits, '_', '-' and '.')");
        }
        const { replica, standby } = args;
        if (replica !== undefined && (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(replica.region) || replica.region === ctx.region)) {
            this.invalid("replica.region", replica.region, `allowed: an AWS region other than the stack's own (${ctx.region}), such as eu-central-1`);
        }
        if (standby !== undefined) {
            if (replica !== undefined || adopt !== undefined) {
                this.invalid(
                    "standby",
                    replica !== undefined ? "with replica" : "with adoptTableName",
                    "allowed: standby alone: a standby runs against its primary's replica, which it neither replicates nor replaces (replica, adoptTableName)",
                );
            }
        }
        // The stream must be the table's in this region: checked now when both are text (pinned in
        // config), once known when they come from the primary's outputs through a StackReference.
        const checkStream = (t: string, s: string): string => {
            const stream = new RegExp(`^arn:${ctx.partition}:dynamodb:${ctx.region}:\\d{12}:table/${t.replace(/[.]/g, "\\.")}/stream/[0-9T:.-]+$`);
            if (!stream.test(s)) {
                this.invalid(
                    "standby.streamArn",
                    s,
                    `allowed: the stream ARN of table ${t} in ${ctx.region} (arn:${ctx.partition}:dynamodb:${ctx.region}:<account>:table/${t}/stream/<label>)`,
                );
            }
            return s;
        };
        const standbyStream =
            standby === undefined
                ? undefined
                : typeof standby.tableName === "string" && typeof standby.streamArn === "string"
                  ? pulumi.output(checkStream(standby.tableName, standby.streamArn))
                  : pulumi.all([standby.tableName, standby.streamArn]).apply(([t, s]) => checkStream(t, s));
        const replicaKey = replica === undefined ? undefined : this.replicaKey(ctx, name, replica.region, protect);

        const table =
            standby !== undefined
                ? undefined
                : this.create(
                      "table",
                      aws.dynamodb.Table,
                      `table`,
                      {
                          name: adopt ?? `${ctx.namePrefix}-${name}`,
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
                          // The pilot-light replica: writes reach it within about a second, with its own PITR and key.
                          ...(replica === undefined || replicaKey === undefined
                              ? {}
                              : {
                                    replicas: [
                                        {
                                            regionName: replica.region,
                                            kmsKeyArn: replicaKey.arn,
                                            pointInTimeRecovery: true,
                                            propagateTags: true,
                                            deletionProtectionEnabled: protect,
                                        },
                                    ],
                                }),
                      },
                      // retainOnDelete: a protected table that leaves the state (an adopted one replaces it) stays in AWS.
                      { parent: this, protect, retainOnDelete: protect, ...(adopt !== undefined ? { import: adopt } : {}) },
                  );

        const tableName = table?.name ?? pulumi.output(standby!.tableName);
        const tableArn = table?.arn ?? standbyStream!.apply((s) => s.replace(/\/stream\/.*$/, ""));
        const perOperation = (metricName: string): Record<string, MetricRef> =>
            Object.fromEntries(
                OPERATIONS.map((op) => [
                    `${metricName.toLowerCase()}${op.toLowerCase()}`,
                    { namespace: "AWS/DynamoDB", metricName, dimensions: { TableName: tableName, Operation: op }, stat: "Sum" },
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

        if (table !== undefined && replica !== undefined && replicaKey !== undefined) {
            // ReplicationLatency is reported in the table's region per receiving region: the lag is what a
            // region loss would lose, so it stays within the minute the recovery model assumes.
            createAlarm(
                `${name}-replication-latency`,
                {
                    description: `${ctx.namePrefix}-${name}: writes take more than a minute to reach the replica in ${replica.region}; a region loss now loses more than the pilot-light strategy promises. See docs/runbooks/business-continuity.md.`,
                    severity: "warning",
                    signal: {
                        kind: "metric",
                        metric: {
                            namespace: "AWS/DynamoDB",
                            metricName: "ReplicationLatency",
                            dimensions: { TableName: table.name, ReceivingRegion: replica.region },
                            stat: "Average",
                        },
                    },
                    threshold: REPLICATION_LATENCY_THRESHOLD_MS,
                    comparisonOperator: "GreaterThanThreshold",
                    evaluationPeriods: 5,
                    datapointsToAlarm: 3,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
            );
            const arn = pulumi.output(table.arn).apply((a) => a.replace(`:dynamodb:${ctx.region}:`, `:dynamodb:${replica.region}:`));
            this.replica = {
                region: replica.region,
                tableName: table.name,
                tableArn: arn,
                streamArn: table.replicas.apply((rs) => rs?.find((r) => r.regionName === replica.region)?.streamArn),
                kmsKeyArn: replicaKey.arn,
            };
        }

        this.tableName = tableName;
        this.monitored = { table: { name: tableName } };
        this.tableArn = tableArn;
        this.streamArn = table?.streamArn ?? standbyStream!;
        this.kmsKey = args.kmsKey;
        this.context = ctx;
        this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn, streamArn: this.streamArn });
    }

    /**
     * The replica's key in the DR region. Its users are roles of the standby stack, created after it
     * and unknown here: the policy lets this account's principals use it through DynamoDB in that
     * region only (as the AWS managed key aws/dynamodb does), so the table's IAM grants decide who.
     */
    private replicaKey(stackCtx: PlatformContext, name: string, region: string, protect: boolean): aws.kms.Key {
        const ctx = drContext(stackCtx, region);
        const provider = drProvider(this, name, region);
        const useThroughDynamoDb = {
            Sid: "AllowDynamoDbForThisAccount",
            Effect: "Allow",
            Principal: { AWS: pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root` },
            Action: [...KEY_USE_VIA.dynamodb, "kms:CreateGrant"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": `dynamodb.${region}.amazonaws.com`, "kms:CallerAccount": ctx.accountId } },
        };
        return createDrKey(
            this,
            `${name}-replica`,
            {
                ctx,
                use: `${name}-replica`,
                description: `${ctx.namePrefix}-${name} global-table replica in ${region}`,
                policy: drKeyPolicy(ctx, [], [useThroughDynamoDb]),
                dataClass: "data",
                protect,
                provider,
            },
            { key: this.childHooks("key"), alias: this.childHooks("alias") },
        );
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
