import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import { weeklyFirings } from "../../tools/cost/cron";
import { ACCOUNT, MockRun, REGION, installMocks, list, statementsBySid, testContext, valueOf } from "./harness";

const KEY = (k: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${k}`;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/platform-dev-orders`;

describe("Backup component", function () {
    let run: MockRun;
    let bk: typeof import("../../components/backup");
    let prod: import("../../components/backup").Backup;

    before(async function () {
        run = installMocks();
        bk = await import("../../components/backup");
        const alertMod = await import("../../components/alerting");
        const alerting = new alertMod.Alerting("alerts", {
            context: testContext(),
            kmsKeyArn: KEY("messaging"),
            emails: ["a@example.com"],
            escalationMinutes: 15,
        });
        const common = { tableArn: TABLE, kmsKey: KEY("data"), routing: alerting.routing };
        new bk.Backup("table-backup", { ...common, context: testContext(), retentionDays: 7, rpoMinutes: 1440, rtoMinutes: 1440 });
        prod = new bk.Backup("prod-backup", {
            ...common,
            context: testContext("prod"),
            retentionDays: 35,
            rpoMinutes: 5,
            rtoMinutes: 60,
            deletionProtection: true,
        });
        await run.settle();
    });

    describe("RPO -> schedule", function () {
        it("runs as often as the RPO needs, hourly at most, daily at least", function () {
            const hours = (rpo: number) => bk.backupSchedule(rpo).intervalHours;
            assert.equal(hours(5), 1);
            assert.equal(hours(59), 1);
            assert.equal(hours(60), 1);
            assert.equal(hours(119), 1);
            assert.equal(hours(240), 4);
            assert.equal(hours(300), 4);
            assert.equal(hours(420), 6);
            assert.equal(hours(720), 12);
            assert.equal(hours(1439), 12);
            assert.equal(hours(1440), 24);
            assert.equal(hours(10080), 24);
            assert.deepEqual(bk.backupSchedule(1440), { intervalHours: 24, expression: "cron(0 3 ? * * *)", rpoMetBy: "backup" });
            assert.deepEqual(bk.backupSchedule(240), { intervalHours: 4, expression: "cron(0 0/4 ? * * *)", rpoMetBy: "backup" });
            assert.deepEqual(bk.backupSchedule(60), { intervalHours: 1, expression: "cron(0 * ? * * *)", rpoMetBy: "backup" });
        });

        it("a frequent rule fires every interval from midnight except the daily point's hour, and nowhere else", function () {
            assert.equal(bk.frequentScheduleExpression(1), "cron(0 0-2,4-23 ? * * *)");
            assert.equal(bk.frequentScheduleExpression(2), "cron(0 0/2 ? * * *)");
            assert.equal(bk.frequentScheduleExpression(3), "cron(0 0,6,9,12,15,18,21 ? * * *)");
            for (const h of bk.BACKUP_INTERVAL_HOURS.filter((x) => x < 24)) {
                const hours = new Set(weeklyFirings(bk.frequentScheduleExpression(h)).filter((x) => x < 24));
                const every = new Set(Array.from({ length: 24 / h }, (_, i) => i * h));
                assert.ok(!hours.has(bk.DAILY_BACKUP_HOUR), `${h}h: skips ${bk.DAILY_BACKUP_HOUR}:00`);
                assert.deepEqual(
                    [...hours].sort((a, b) => a - b),
                    [...every].filter((x) => x !== bk.DAILY_BACKUP_HOUR),
                    `${h}h`,
                );
            }
        });

        it("refuses frequent points kept longer than the daily one, naming the argument and what is allowed", function () {
            const ctx = testContext();
            assert.throws(
                () =>
                    new bk.Backup("too-long", {
                        context: ctx,
                        tableArn: TABLE,
                        kmsKey: KEY("data"),
                        routing: { topicArns: {} } as never,
                        retentionDays: 7,
                        frequentRetentionDays: 8,
                        rpoMinutes: 60,
                        rtoMinutes: 120,
                    }),
                /frequentRetentionDays.*8.*7/,
            );
        });

        it("under an hour, point-in-time recovery meets the RPO and the vault gets hourly copies", function () {
            assert.deepEqual(bk.backupSchedule(5), { intervalHours: 1, expression: "cron(0 * ? * * *)", rpoMetBy: "pitr" });
            assert.equal(bk.backupSchedule(30).rpoMetBy, "pitr");
        });

        it("for every RPO it accepts, the interval is no longer than the RPO unless PITR covers it, and divides a day", function () {
            fc.assert(
                fc.property(fc.integer({ min: 5, max: 10080 }), (rpo) => {
                    const s = bk.backupSchedule(rpo);
                    assert.ok(s.intervalHours * 60 <= rpo || s.rpoMetBy === "pitr");
                    assert.equal(24 % s.intervalHours, 0);
                    // Never more frequent than needed: the next longer interval would break the RPO.
                    const next = bk.BACKUP_INTERVAL_HOURS.find((h) => h > s.intervalHours);
                    assert.ok(next === undefined || next * 60 > rpo);
                }),
            );
        });

        it("rejects an RPO nothing here can meet, naming rpoMinutes", function () {
            assert.throws(
                () => bk.backupSchedule(4),
                /Backup: argument "rpoMinutes" is 4; allowed: a whole number of minutes of at least 5: DynamoDB point-in-time recovery/,
            );
            assert.throws(() => bk.backupSchedule(1), /argument "rpoMinutes" is 1/);
            assert.throws(() => bk.backupSchedule(12.5), /argument "rpoMinutes" is 12.5/);
        });
    });

    describe("vault", function () {
        it("is encrypted with the data key and carries the RPO/RTO targets", function () {
            const v = run.one("aws:backup/vault:Vault", "table-backup-vault");
            assert.equal(v.inputs.name, "platform-dev-table-backup");
            assert.equal(v.inputs.kmsKeyArn, KEY("data"));
            assert.equal(v.inputs.tags["rpo-minutes"], "1440");
            assert.equal(v.inputs.tags["rto-minutes"], "1440");
            assert.equal(v.parentUrn.split("::").pop(), "table-backup");
        });

        it("is locked (governance mode) for the retention period in every stack", function () {
            for (const [name, days] of [
                ["table-backup", 7],
                ["prod-backup", 35],
            ] as const) {
                const lock = run.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", `${name}-vault-lock`);
                assert.equal(lock.inputs.minRetentionDays, days);
                assert.equal(lock.inputs.changeableForDays, undefined, "compliance mode is an operator decision");
                assert.deepEqual(lock.propertyDependencies.backupVaultName, [run.one("aws:backup/vault:Vault", `${name}-vault`).urn]);
            }
        });

        it("with deletionProtection, vault, lock and plan are protected and the vault never force-destroyed", function () {
            for (const [name, protect] of [
                ["table-backup", false],
                ["prod-backup", true],
            ] as const) {
                const v = run.one("aws:backup/vault:Vault", `${name}-vault`);
                assert.equal(v.protect, protect, name);
                assert.equal(v.inputs.forceDestroy, !protect, name);
                const lock = run.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", `${name}-vault-lock`);
                assert.equal(lock.protect, protect, name);
                // A replacement made before the old lock's deletion would be deleted with it: the vault left unlocked.
                assert.equal(lock.deleteBeforeReplace, true, `${name}: the old lock goes first`);
                assert.equal(run.one("aws:backup/plan:Plan", `${name}-plan`).protect, protect, name);
            }
        });
    });

    describe("plan and selection", function () {
        it("maps RPO to the schedule and retention to the lifecycle", function () {
            const dev = run.one("aws:backup/plan:Plan", "table-backup-plan");
            assert.equal(dev.inputs.name, "platform-dev-table-backup");
            const [rule] = dev.inputs.rules;
            assert.equal(rule.schedule, "cron(0 3 ? * * *)");
            assert.equal(rule.scheduleExpressionTimezone, "Etc/UTC");
            assert.deepEqual(rule.lifecycle, { deleteAfter: 7 });
            assert.equal(rule.startWindow, 60);
            assert.equal(rule.completionWindow, 1440);
            assert.equal(rule.ruleName, "every-24h-keep-7d");
            assert.deepEqual(dev.propertyDependencies.rules, [run.one("aws:backup/vault:Vault", "table-backup-vault").urn]);
            const p = run.one("aws:backup/plan:Plan", "prod-backup-plan");
            assert.equal(p.inputs.rules[0].schedule, "cron(0 * ? * * *)");
            assert.deepEqual(p.inputs.rules[0].lifecycle, { deleteAfter: 35 });
            assert.equal(p.inputs.rules[0].completionWindow, 120);
            assert.equal(p.inputs.tags["rpo-met-by"], "pitr");
            assert.equal(prod.schedule.rpoMetBy, "pitr");
        });

        it("selects exactly the table, with the component's own role", function () {
            const sel = run.one("aws:backup/selection:Selection", "table-backup-selection");
            assert.deepEqual(sel.inputs.resources, [TABLE]);
            assert.deepEqual(sel.propertyDependencies.planId, [run.one("aws:backup/plan:Plan", "table-backup-plan").urn]);
            assert.deepEqual(sel.propertyDependencies.iamRoleArn, [run.one("aws:iam/role:Role", "table-backup-role").urn]);
        });

        it("exports the vault ARN and plan id", async function () {
            assert.equal(await valueOf(prod.vaultArn), `arn:aws:backup:${REGION}:${ACCOUNT}:platform-prod-prod-backup`);
            assert.equal(await valueOf(prod.planId), "prod-backup-plan-id");
        });
    });

    describe("role", function () {
        it("is trusted by AWS Backup in this account only and has no managed policy", function () {
            const role = run.one("aws:iam/role:Role", "table-backup-role");
            assert.equal(role.inputs.name, "platform-dev-table-backup");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
                {
                    Effect: "Allow",
                    Principal: { Service: "backup.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                },
            ]);
            assert.equal(run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        });

        it("backs up and restores only this table, writes only its vault, uses only the data key", function () {
            const s = statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", "table-backup-policy").inputs.policy);
            const vault = `arn:aws:backup:${REGION}:${ACCOUNT}:platform-dev-table-backup`;
            const expected: Record<string, [string[], string[]]> = {
                BackupTable: [["dynamodb:DescribeTable", "dynamodb:CreateBackup"], [TABLE]],
                ManageTableBackups: [["dynamodb:DescribeBackup", "dynamodb:DeleteBackup"], [`${TABLE}/backup/*`]],
                AdvancedTableBackup: [["dynamodb:StartAwsBackupJob", "dynamodb:ListTagsOfResource"], [TABLE]],
                WriteVault: [["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"], [vault]],
                UseDataKey: [["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [KEY("data")]],
                GrantDataKeyToAws: [["kms:CreateGrant"], [KEY("data")]],
                RestoreTable: [
                    [
                        "dynamodb:RestoreTableFromAwsBackup",
                        "dynamodb:DescribeTable",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem",
                        "dynamodb:BatchWriteItem",
                        "dynamodb:Query",
                        "dynamodb:Scan",
                    ],
                    [`${TABLE}*`],
                ],
                RestoreFromTableBackup: [["dynamodb:RestoreTableFromBackup"], [`${TABLE}*/backup/*`]],
            };
            assert.deepEqual(Object.keys(s).sort(), Object.keys(expected).sort());
            for (const [sid, [actions, resources]] of Object.entries(expected)) {
                assert.deepEqual(list(s[sid].Action), actions, sid);
                assert.deepEqual(list(s[sid].Resource), resources, sid);
            }
            assert.deepEqual(s.GrantDataKeyToAws.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
        });

        it("has a fixed name, so the data key's policy can name it before it exists", async function () {
            assert.equal(await valueOf(bk.backupRoleArn(testContext(), "table-backup")), `arn:aws:iam::${ACCOUNT}:role/platform-dev-table-backup`);
        });
    });

    describe("alarm", function () {
        it("alarms on failed backup jobs of the vault, routed to the warning topic", function () {
            const a = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "table-backup-jobs-failed");
            assert.equal(a.inputs.namespace, "AWS/Backup");
            assert.equal(a.inputs.metricName, "NumberOfBackupJobsFailed");
            assert.equal(a.inputs.dimensions.BackupVaultName, "platform-dev-table-backup");
            assert.deepEqual(a.propertyDependencies.dimensions, [run.one("aws:backup/vault:Vault", "table-backup-vault").urn]);
            assert.equal(a.inputs.statistic, "Sum");
            assert.equal(a.inputs.threshold, 0);
            assert.equal(a.inputs.comparisonOperator, "GreaterThanThreshold");
            assert.equal(a.inputs.actionsEnabled, true);
            assert.deepEqual(a.propertyDependencies.alarmActions, [run.one("aws:sns/topic:Topic", "alerts-warning").urn]);
            assert.equal(a.inputs.tags.severity, "warning");
            run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "table-backup-jobs-failed-escalated");
        });
    });

    describe("argument validation", function () {
        const args = () => ({
            context: testContext(),
            tableArn: TABLE,
            kmsKey: KEY("data"),
            routing: {
                topicArns: { critical: pulumi.output("c"), warning: pulumi.output("w"), info: pulumi.output("i") },
                escalationTopicArn: pulumi.output("e"),
                escalationMinutes: 30,
            },
            retentionDays: 7,
            rpoMinutes: 60,
            rtoMinutes: 240,
        });
        it("names retentionDays, rpoMinutes, rtoMinutes and name when they are out of range", function () {
            assert.throws(
                () => new bk.Backup("v1", { ...args(), retentionDays: 0 }),
                /Backup: argument "retentionDays" is 0; allowed: a whole number from 1 to 36500/,
            );
            assert.throws(
                () => new bk.Backup("v2", { ...args(), rpoMinutes: 3 }),
                /Backup: argument "rpoMinutes" is 3; allowed: a whole number of minutes of at least 5/,
            );
            assert.throws(
                () => new bk.Backup("v3", { ...args(), rtoMinutes: 2 }),
                /Backup: argument "rtoMinutes" is 2; allowed: a whole number from 5 to 10080/,
            );
            assert.throws(() => new bk.Backup("Bad_Name", args()), /Backup: argument "name" is "Bad_Name"/);
        });
    });
});
