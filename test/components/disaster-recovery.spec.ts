import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, MockRun, REGION, installMocks, list, statementsBySid, testContext, testKeyArn } from "./harness";

// What each component keeps in the DR region: Backup's copies, DataStore's replica (or, in a standby, the
// replica it runs against), AuditTrail's replicated log files. One mock run for all of them.
const DR = "eu-central-1";
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/platform-prod-orders`;
const OTHER_VAULT = `arn:aws:backup:${DR}:210987654321:backup-vault:platform-recovery`;
const STREAM = `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/platform-prod-orders/stream/2026-01-01T00:00:00.000`;

describe("disaster recovery in the components (Backup dr, DataStore replica and standby, AuditTrail replication)", function () {
    let run: MockRun;
    let bk: typeof import("../../components/backup");
    let ds: typeof import("../../components/data-store");
    let at: typeof import("../../components/audit-trail");
    let routing: import("../../components/alarms").AlarmRouting;
    const providerOf = (r: { provider: string }) => r.provider.slice(0, r.provider.lastIndexOf("::"));
    const byName = (type: string, name: string) => run.one(type, name);

    before(async function () {
        run = installMocks({ stack: "prod" });
        bk = await import("../../components/backup");
        ds = await import("../../components/data-store");
        at = await import("../../components/audit-trail");
        const alerting = await import("../../components/alerting");
        const ctx = testContext("prod");
        routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: testKeyArn("messaging"), emails: ["a@example.com"], escalationMinutes: 15 })
            .routing;
        new bk.Backup("table-backup", {
            context: ctx,
            tableArn: TABLE,
            kmsKey: testKeyArn("data"),
            routing,
            retentionDays: 35,
            rpoMinutes: 240,
            rtoMinutes: 480,
            deletionProtection: true,
            dr: { region: DR, retentionDays: 90, copyLagMinutes: 32, crossAccountVaultArn: OTHER_VAULT },
        });
        // Hourly points kept 2 days and a daily one kept 35: as prod (pilot-light: the DR region gets daily
        // copies, the recovery account every point), and as a backup-restore stack (every point copied).
        const tiered = {
            context: ctx,
            tableArn: TABLE,
            kmsKey: testKeyArn("data"),
            routing,
            retentionDays: 35,
            frequentRetentionDays: 2,
            rpoMinutes: 5,
            rtoMinutes: 90,
        };
        new bk.Backup("tiered", {
            ...tiered,
            dr: { region: DR, retentionDays: 7, copyLagMinutes: 40, copyEveryPoint: false, crossAccountVaultArn: OTHER_VAULT },
        });
        new bk.Backup("tiered-all", { ...tiered, dr: { region: DR, retentionDays: 7, copyLagMinutes: 40 } });
        new ds.DataStore("orders", { context: ctx, kmsKey: testKeyArn("data"), routing, deletionProtection: true, replica: { region: DR } });
        new ds.DataStore("standby", {
            context: { ...ctx, region: DR, namePrefix: "platform-prod-dr" },
            kmsKey: `arn:aws:kms:${DR}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000`,
            routing,
            standby: { tableName: "platform-prod-orders", streamArn: STREAM },
        });
        new at.AuditTrail("audit", {
            context: ctx,
            logsKeyArn: testKeyArn("logs"),
            routing,
            logRetentionDays: 365,
            protect: true,
            replication: { region: DR, sourceKey: testKeyArn("logs") },
        });
        await run.settle();
    });

    describe("Backup with dr", function () {
        it("copies every recovery point to a vault in the DR region, and to the recovery account's, each kept drRetention days", function () {
            const [rule] = byName("aws:backup/plan:Plan", "table-backup-plan").inputs.rules;
            const drVault = byName("aws:backup/vault:Vault", "table-backup-dr-vault");
            assert.deepEqual(rule.copyActions, [
                { destinationVaultArn: drVault.outputs.arn, lifecycle: { deleteAfter: 90 } },
                { destinationVaultArn: OTHER_VAULT, lifecycle: { deleteAfter: 90 } },
            ]);
            // The primary's own recovery points keep their own retention.
            assert.deepEqual(rule.lifecycle, { deleteAfter: 35 });
        });

        it("frequent points kept short and a daily one kept long: two rules that never start in the same hour", function () {
            const rules = byName("aws:backup/plan:Plan", "tiered-plan").inputs.rules as {
                ruleName: string;
                schedule: string;
                lifecycle: { deleteAfter: number };
                copyActions?: { destinationVaultArn: string; lifecycle: { deleteAfter: number } }[];
            }[];
            const drVault = byName("aws:backup/vault:Vault", "tiered-dr-vault").outputs.arn;
            assert.deepEqual(
                rules.map((r) => [r.ruleName, r.schedule, r.lifecycle.deleteAfter]),
                [
                    ["every-1h-keep-2d", "cron(0 0-2,4-23 ? * * *)", 2],
                    ["daily-keep-35d", "cron(0 3 ? * * *)", 35],
                ],
            );
            // Pilot-light: the recovery account gets every point (its newest is what a compromise restores),
            // the DR region only the daily ones (the replica covers the region's loss); frequent copies are
            // kept no longer than the frequent points.
            assert.deepEqual(rules[0]!.copyActions, [{ destinationVaultArn: OTHER_VAULT, lifecycle: { deleteAfter: 2 } }]);
            assert.deepEqual(rules[1]!.copyActions, [
                { destinationVaultArn: drVault, lifecycle: { deleteAfter: 7 } },
                { destinationVaultArn: OTHER_VAULT, lifecycle: { deleteAfter: 7 } },
            ]);
            // A lock refuses points kept shorter than its minimum: the shortest rule's retention. It still keeps
            // every point for its own lifecycle.
            assert.equal(byName("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "tiered-vault-lock").inputs.minRetentionDays, 2);
            assert.equal(byName("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "tiered-dr-vault-lock").inputs.minRetentionDays, 7);
            assert.equal(byName("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "tiered-dr-vault-lock").deleteBeforeReplace, true);
        });

        it("copies every point to the DR region where its loss restores from them (backup-restore)", function () {
            const rules = byName("aws:backup/plan:Plan", "tiered-all-plan").inputs.rules as { copyActions?: { lifecycle: { deleteAfter: number } }[] }[];
            const drVault = byName("aws:backup/vault:Vault", "tiered-all-dr-vault").outputs.arn;
            assert.deepEqual(rules[0]!.copyActions, [{ destinationVaultArn: drVault, lifecycle: { deleteAfter: 2 } }]);
            assert.deepEqual(rules[1]!.copyActions, [{ destinationVaultArn: drVault, lifecycle: { deleteAfter: 7 } }]);
            // The DR vault now holds 2-day copies too: its lock must accept them.
            assert.equal(byName("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "tiered-all-dr-vault-lock").inputs.minRetentionDays, 2);
        });

        it("leaves room in the schedule for a late start and the copy: a 240-minute RPO gets 2-hourly backups, not 4-hourly", function () {
            assert.equal(byName("aws:backup/plan:Plan", "table-backup-plan").inputs.rules[0].schedule, "cron(0 0/2 ? * * *)");
            assert.equal(bk.backupSchedule(240).intervalHours, 4);
            assert.equal(bk.backupSchedule(240, 60 + 32).intervalHours, 2);
            // When no interval leaves room, hourly: the RPO of a region loss is then the DR model's to refuse.
            assert.equal(bk.backupSchedule(90, 92).intervalHours, 1);
        });

        it("creates the DR vault, its lock and its key in the DR region, through a provider for it that is a child of the component", function () {
            const provider = byName("pulumi:providers:aws", "table-backup-dr");
            assert.equal(provider.inputs.region, DR);
            assert.match(provider.parentUrn, /platform:backup:Backup::table-backup$/);
            for (const [type, name] of [
                ["aws:backup/vault:Vault", "table-backup-dr-vault"],
                ["aws:backup/vaultLockConfiguration:VaultLockConfiguration", "table-backup-dr-vault-lock"],
                ["aws:kms/key:Key", "table-backup-dr-key"],
                ["aws:kms/alias:Alias", "table-backup-dr-key-alias"],
            ] as const) {
                const r = byName(type, name);
                assert.equal(providerOf(r), provider.urn, name);
                assert.match(r.parentUrn, /::table-backup$/, name);
            }
            // The primary vault stays in the stack's region.
            assert.equal(byName("aws:backup/vault:Vault", "table-backup-vault").provider, "");
        });

        it("locks the DR vault for the copies' retention and protects it, its lock and its key in a protected stack", function () {
            const vault = byName("aws:backup/vault:Vault", "table-backup-dr-vault");
            const key = byName("aws:kms/key:Key", "table-backup-dr-key");
            assert.equal(vault.inputs.kmsKeyArn, key.outputs.arn);
            assert.equal(vault.inputs.forceDestroy, false);
            const lock = byName("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "table-backup-dr-vault-lock");
            assert.equal(lock.inputs.minRetentionDays, 90);
            assert.deepEqual(lock.propertyDependencies.backupVaultName, [vault.urn]);
            for (const r of [vault, lock, key]) assert.equal(r.protect, true, r.name);
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.deletionWindowInDays, 30);
        });

        it("the DR key lets only the backup role use it, and administers it for the account without using it", function () {
            const s = statementsBySid(byName("aws:kms/key:Key", "table-backup-dr-key").inputs.policy);
            assert.deepEqual(Object.keys(s).sort(), ["AllowGrantsForAwsResources", "AllowPlatformRoles", "KeyAdministration"]);
            assert.deepEqual(s.AllowPlatformRoles.Condition, {
                ArnEquals: { "aws:PrincipalArn": [`arn:aws:iam::${ACCOUNT}:role/platform-prod-table-backup`] },
            });
            assert.ok(!list(s.KeyAdministration.Action).includes("kms:Decrypt"));
        });

        it("the backup role may copy into exactly the two DR vaults, use the DR key, and restore only a table named after this one there", function () {
            const s = statementsBySid(byName("aws:iam/rolePolicy:RolePolicy", "table-backup-policy").inputs.policy);
            const drVault = byName("aws:backup/vault:Vault", "table-backup-dr-vault").outputs.arn as string;
            const drKey = byName("aws:kms/key:Key", "table-backup-dr-key").outputs.arn as string;
            assert.deepEqual(list(s.CopyToDrVaults.Resource), [drVault, OTHER_VAULT]);
            assert.deepEqual(list(s.CopyToDrVaults.Action), ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"]);
            assert.deepEqual(list(s.UseDrKey.Resource), [drKey]);
            assert.deepEqual(s.GrantDrKeyToAws.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
            assert.deepEqual(list(s.RestoreTableInDrRegion.Resource), [`arn:aws:dynamodb:${DR}:${ACCOUNT}:table/platform-prod-orders*`]);
        });

        it("alarms on failed copy jobs of the source vault, at warning, like failed backup jobs", function () {
            const a = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "table-backup-copy-jobs-failed");
            assert.deepEqual([a.inputs.namespace, a.inputs.metricName, a.inputs.statistic], ["AWS/Backup", "NumberOfCopyJobsFailed", "Sum"]);
            assert.deepEqual(a.propertyDependencies.dimensions, [byName("aws:backup/vault:Vault", "table-backup-vault").urn]);
            assert.deepEqual(a.propertyDependencies.alarmActions, [byName("aws:sns/topic:Topic", "alerts-warning").urn]);
            assert.equal(a.inputs.tags.severity, "warning");
            assert.match(a.inputs.alarmDescription, /to eu-central-1 or the recovery account failed/);
            // The stack's own region: CloudWatch alarms only watch metrics of their region.
            assert.equal(a.provider, "");
            byName("aws:cloudwatch/metricAlarm:MetricAlarm", "table-backup-copy-jobs-failed-escalated");
        });
    });

    describe("DataStore with a replica", function () {
        it("adds a global-table replica in the DR region with its own key, point-in-time recovery and deletion protection", function () {
            const table = byName("aws:dynamodb/table:Table", "orders-table");
            const key = byName("aws:kms/key:Key", "orders-replica-key");
            assert.deepEqual(table.inputs.replicas, [
                { regionName: DR, kmsKeyArn: key.outputs.arn, pointInTimeRecovery: true, propagateTags: true, deletionProtectionEnabled: true },
            ]);
            assert.equal(table.inputs.streamViewType, "NEW_AND_OLD_IMAGES", "global tables need both images");
            assert.equal(providerOf(key), byName("pulumi:providers:aws", "orders-dr").urn);
            assert.equal(byName("pulumi:providers:aws", "orders-dr").inputs.region, DR);
            assert.equal(key.protect, true);
        });

        it("the replica key is used only through DynamoDB in the DR region, by principals of this account", function () {
            const s = statementsBySid(byName("aws:kms/key:Key", "orders-replica-key").inputs.policy);
            assert.deepEqual(Object.keys(s).sort(), ["AllowDynamoDbForThisAccount", "AllowGrantsForAwsResources", "KeyAdministration"]);
            assert.deepEqual(s.AllowDynamoDbForThisAccount.Condition, {
                StringEquals: { "kms:ViaService": `dynamodb.${DR}.amazonaws.com`, "kms:CallerAccount": ACCOUNT },
            });
            assert.deepEqual(s.AllowDynamoDbForThisAccount.Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
        });

        it("alarms when writes take more than a minute to reach the replica, per receiving region", function () {
            const a = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-replication-latency");
            assert.equal(a.inputs.metricName, "ReplicationLatency");
            assert.deepEqual(a.inputs.dimensions, { TableName: "platform-prod-orders", ReceivingRegion: DR });
            assert.equal(a.inputs.threshold, 60_000);
            assert.deepEqual([a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm], [5, 3]);
            byName("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-replication-latency-escalated");
        });
    });

    describe("DataStore as a standby", function () {
        it("creates no table, and names the replica in its alarms", function () {
            assert.equal(run.ofType("aws:dynamodb/table:Table").filter((t) => t.name.startsWith("standby")).length, 0);
            const throttles = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "standby-throttles");
            const names = (throttles.inputs.metricQueries as { metric?: { dimensions: { TableName: string } } }[]).flatMap((q) =>
                q.metric ? [q.metric.dimensions.TableName] : [],
            );
            assert.ok(names.length > 0 && names.every((n) => n === "platform-prod-orders"), names.join(", "));
            assert.equal(run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("standby-replication")).length, 0);
        });

        it("refuses a stream of another table or region, and a standby that would also replicate or adopt", function () {
            const ctx = { ...testContext("prod"), region: DR };
            const args = { context: ctx, kmsKey: testKeyArn("data"), routing };
            assert.throws(
                () => new ds.DataStore("bad-stream", { ...args, standby: { tableName: "platform-prod-orders", streamArn: STREAM.replace(DR, REGION) } }),
                /DataStore: argument "standby.streamArn" is ".*"; allowed: the stream ARN of table platform-prod-orders in eu-central-1/,
            );
            assert.throws(
                () => new ds.DataStore("bad-table", { ...args, standby: { tableName: "platform-prod-other", streamArn: STREAM } }),
                /argument "standby.streamArn"/,
            );
            assert.throws(
                () => new ds.DataStore("bad-both", { ...args, replica: { region: REGION }, standby: { tableName: "platform-prod-orders", streamArn: STREAM } }),
                /argument "standby" is "with replica"; allowed: standby alone/,
            );
        });

        it("reads the primary's replica from its disasterRecovery output, and names a primary that has none", async function () {
            const { replicaFromOutput } = await import("../../components/standby-replica");
            const replica = { tableName: "platform-prod-orders", tableArn: STREAM.replace(/\/stream\/.*$/, ""), streamArn: STREAM, kmsKeyArn: testKeyArn("r") };
            const output = { region: DR, strategy: "pilot-light", backupVaultArn: "arn", replica };
            assert.deepEqual(replicaFromOutput("acme/platform/prod", DR, output), {
                tableName: replica.tableName,
                streamArn: STREAM,
                kmsKeyArn: replica.kmsKeyArn,
            });
            const refused = (value: unknown, message: RegExp) => assert.throws(() => replicaFromOutput("acme/platform/prod", DR, value), message);
            refused(undefined, /^Error: drPrimaryStack acme\/platform\/prod: has no disasterRecovery output: it predates contract 1\.4/);
            refused(
                { ...output, strategy: "backup-restore", replica: null },
                /replica is null \(drStrategy backup-restore\): the primary keeps no replica; set its drStrategy to pilot-light and drRegion to eu-central-1/,
            );
            refused({ ...output, region: "us-east-1" }, /keeps its replica in us-east-1, not in this stack's region eu-central-1/);
            refused({ ...output, replica: { ...replica, streamArn: "" } }, /has no streamArn: the replica is still being created/);
        });

        it("uses pinned replica values without reading the primary (the StackReference path: test/stacks/prod-dr.ts)", async function () {
            const { standbyReplica } = await import("../../components/standby-replica");
            const before = run.ofType("pulumi:pulumi:StackReference").length;
            const pinned = standbyReplica({ drPrimaryStack: "acme/platform/prod", drReplicaStreamArn: STREAM, drReplicaKeyArn: testKeyArn("r"), region: DR });
            assert.deepEqual(pinned, { tableName: "platform-prod-orders", streamArn: STREAM, kmsKeyArn: testKeyArn("r") });
            assert.equal(run.ofType("pulumi:pulumi:StackReference").length, before, "no StackReference for pinned values");
        });

        it("refuses a replica in the stack's own region or in no region", function () {
            const args = { context: testContext("prod"), kmsKey: testKeyArn("data"), routing };
            assert.throws(
                () => new ds.DataStore("same-region", { ...args, replica: { region: REGION } }),
                /argument "replica.region" is "eu-west-1"; allowed: an AWS region other than the stack's own/,
            );
            assert.throws(() => new ds.DataStore("no-region", { ...args, replica: { region: "" } }), /argument "replica.region" is ""/);
        });
    });

    describe("AuditTrail with replication", function () {
        it("replicates every KMS-encrypted log file to a bucket in the DR region, re-encrypted there, and never replicates deletions", function () {
            const rc = byName("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "audit-replication");
            const replica = byName("aws:s3/bucket:Bucket", "audit-replica");
            const key = byName("aws:kms/key:Key", "audit-replica-key");
            assert.equal(rc.inputs.bucket, `platform-prod-cloudtrail-${ACCOUNT}`);
            const [rule] = rc.inputs.rules;
            assert.deepEqual(rule.deleteMarkerReplication, { status: "Disabled" });
            assert.deepEqual(rule.sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
            assert.deepEqual(rule.destination, { bucket: replica.outputs.arn, encryptionConfiguration: { replicaKmsKeyId: key.outputs.arn } });
            assert.deepEqual(rule.filter, {});
            // After both buckets' versioning and the role's permissions.
            for (const dep of [
                byName("aws:s3/bucketVersioning:BucketVersioning", "audit-versioning"),
                byName("aws:iam/rolePolicy:RolePolicy", "audit-replication-policy"),
            ])
                assert.ok(rc.dependencies.includes(dep.urn), dep.name);
        });

        it("keeps the replica bucket, its access-log bucket and its key in the DR region, as secure as the trail's own", function () {
            const provider = byName("pulumi:providers:aws", "audit-dr");
            assert.equal(provider.inputs.region, DR);
            assert.equal(providerOf(byName("aws:kms/key:Key", "audit-replica-key")), provider.urn);
            for (const bucket of ["audit-replica", "audit-replica-logs"]) {
                const component = byName("platform:storage:SecureBucket", bucket);
                assert.match(component.parentUrn, /platform:observability:AuditTrail::audit$/);
                assert.equal(byName("aws:s3/bucket:Bucket", bucket).protect, true, bucket);
            }
            const sse = byName("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "audit-replica-encryption");
            assert.equal(sse.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, byName("aws:kms/key:Key", "audit-replica-key").outputs.arn);
            const logging = byName("aws:s3/bucketLogging:BucketLogging", "audit-replica-access-logs");
            assert.equal(logging.inputs.targetBucket, byName("aws:s3/bucket:Bucket", "audit-replica-logs").outputs.bucket ?? logging.inputs.targetBucket);
        });

        it("the replication role reads the trail bucket, writes only replicas, and uses each key through S3 in its own region", function () {
            const role = byName("aws:iam/role:Role", "audit-replication-role");
            assert.equal(role.inputs.name, "platform-prod-audit-replication");
            assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "s3.amazonaws.com");
            const s = statementsBySid(byName("aws:iam/rolePolicy:RolePolicy", "audit-replication-policy").inputs.policy);
            const source = `arn:aws:s3:::platform-prod-cloudtrail-${ACCOUNT}`;
            assert.deepEqual(list(s.ReadReplicationConfiguration.Resource), [source]);
            assert.deepEqual(list(s.ReadSourceVersions.Resource), [`${source}/*`]);
            assert.deepEqual(list(s.WriteReplicas.Action), ["s3:ReplicateObject", "s3:ReplicateTags"]);
            assert.deepEqual(s.DecryptSourceObjects.Condition, { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } });
            assert.deepEqual(list(s.DecryptSourceObjects.Resource), [testKeyArn("logs")]);
            assert.deepEqual(s.EncryptReplicas.Condition, { StringEquals: { "kms:ViaService": `s3.${DR}.amazonaws.com` } });
            // The replica key names the role, by its fixed name, before the role exists.
            const k = statementsBySid(byName("aws:kms/key:Key", "audit-replica-key").inputs.policy);
            assert.deepEqual(k.AllowPlatformRoles.Condition, {
                ArnEquals: { "aws:PrincipalArn": [`arn:aws:iam::${ACCOUNT}:role/platform-prod-audit-replication`] },
            });
        });

        it("refuses replication to the stack's own region", function () {
            const base = { context: testContext("prod"), logsKeyArn: testKeyArn("logs"), routing, logRetentionDays: 365 };
            assert.throws(
                () => new at.AuditTrail("bad-replication", { ...base, replication: { region: REGION, sourceKey: testKeyArn("logs") } }),
                /AuditTrail: argument "replication.region" is "eu-west-1"; allowed: an AWS region other than the stack's own/,
            );
        });
    });

    describe("Backup dr argument validation", function () {
        const args = () => ({
            context: testContext("prod"),
            tableArn: TABLE,
            kmsKey: testKeyArn("data"),
            routing: {
                topicArns: { critical: pulumi.output("c"), warning: pulumi.output("w"), info: pulumi.output("i") },
                escalationTopicArn: pulumi.output("e"),
                escalationMinutes: 30,
            },
            retentionDays: 7,
            rpoMinutes: 60,
            rtoMinutes: 240,
        });
        it("names dr.region, dr.retentionDays, dr.copyLagMinutes and dr.crossAccountVaultArn when they cannot work", function () {
            assert.throws(
                () => new bk.Backup("d1", { ...args(), dr: { region: REGION, retentionDays: 7 } }),
                /Backup: argument "dr.region" is "eu-west-1"; allowed: an AWS region other than the stack's own/,
            );
            assert.throws(
                () => new bk.Backup("d2", { ...args(), dr: { region: DR, retentionDays: 0 } }),
                /argument "dr.retentionDays" is 0; allowed: a whole number from 1 to 36500/,
            );
            assert.throws(
                () => new bk.Backup("d3", { ...args(), dr: { region: DR, retentionDays: 7, copyLagMinutes: -1 } }),
                /argument "dr.copyLagMinutes" is -1/,
            );
            assert.throws(
                () => new bk.Backup("d4", { ...args(), dr: { region: DR, retentionDays: 7, crossAccountVaultArn: OTHER_VAULT.replace(DR, "us-east-1") } }),
                /argument "dr.crossAccountVaultArn" is ".*"; allowed: the ARN of a backup vault in eu-central-1/,
            );
        });
    });
});
