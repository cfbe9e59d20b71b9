/**
 * npm run restore against aws-sdk-client-mock stand-ins of DynamoDB and AWS Backup (no emulator has
 * restores): the point-in-time and recovery-point paths, the waiters, what is configured, the
 * verification and its failure, the refusal to overwrite, a rerun after a crash, and bad flags.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    DynamoDBClient,
    GetItemCommand,
    ListTagsOfResourceCommand,
    ResourceNotFoundException,
    RestoreTableToPointInTimeCommand,
    ScanCommand,
    TagResourceCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
    type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { BackupClient, DescribeRestoreJobCommand, ListRecoveryPointsByResourceCommand, StartRestoreJobCommand } from "@aws-sdk/client-backup";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { UsageError } from "../../tools/cli";
import { exitCodeOf } from "../../tools/recovery/common";
import { main, tableUrn, targetName, type RestoreIo, type RestoreState } from "../../tools/recovery/restore";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const DR = "eu-central-1";
const TABLE = "platform-prod-orders";
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/data`;
const DR_KEY = `arn:aws:kms:${DR}:${ACCOUNT}:key/dr-data`;
const NOW = new Date("2026-11-24T22:00:00Z");
const POINT = "2026-11-24T20:55:00Z";
const TARGET = `${TABLE}-restored-20261124T205500Z`;

const notFound = () => new ResourceNotFoundException({ message: "Requested resource not found", $metadata: {} });

describe("npm run restore", function () {
    this.timeout(20_000);
    let ddb: AwsClientStub<DynamoDBClient>;
    let backup: AwsClientStub<BackupClient>;
    let dir: string;
    let outputs: string;
    /** The tables the mock knows, by name; a restore adds its target CREATING, and DescribeTable makes it ACTIVE after `creating` reads. */
    let tables: Map<string, TableDescription>;
    let creating: number;
    let scanItems: number;
    /** How many restore requests fail before one goes through. */
    let failRestore: number;

    const io = (lines: string[], over: Partial<RestoreIo> = {}): RestoreIo => {
        let tick = 0;
        return {
            out: (l) => lines.push(l),
            cwd: dir,
            dynamodb: (region) => new DynamoDBClient({ region, credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
            backup: (region) => new BackupClient({ region, credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
            // Each reading of the clock a minute later: the measured time is the state's, not the wall clock's.
            now: () => new Date(NOW.getTime() + 60_000 * tick++),
            sleep: async () => {},
            waiterDelays: { min: 0.001, max: 0.002 },
            random: () => 0.5,
            ...over,
        };
    };
    const run = async (argv: string[], over: Partial<RestoreIo> = {}) => {
        const lines: string[] = [];
        const err: string[] = [];
        const code = await exitCodeOf(
            "restore",
            () => main(argv, io(lines, over)),
            (l) => err.push(l),
        );
        return { code, out: lines.join("\n"), err: err.join("\n") };
    };
    const state = (file = "restore-prod.json") => JSON.parse(readFileSync(path.join(dir, ".recovery", file), "utf8")) as RestoreState;

    before(() => {
        // Made here, not when the file loads: a mock replaces send() of every client of its class until restored.
        ddb = mockClient(DynamoDBClient);
        backup = mockClient(BackupClient);
    });

    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), "restore-spec-"));
        outputs = path.join(dir, "outputs.json");
        writeFileSync(
            outputs,
            JSON.stringify({
                tableName: TABLE,
                tableArn: TABLE_ARN,
                kmsKeyArns: { data: KEY },
                backupVaultArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:platform-prod-table-backup`,
            }),
        );
        ddb.reset();
        backup.reset();
        creating = 2;
        scanItems = 40;
        failRestore = 0;
        tables = new Map([[TABLE, { TableName: TABLE, TableArn: TABLE_ARN, TableStatus: "ACTIVE", ItemCount: 42, DeletionProtectionEnabled: true }]]);
        ddb.on(DescribeTableCommand).callsFake(async ({ TableName }: { TableName: string }) => {
            const t = tables.get(TableName);
            if (!t) throw notFound();
            if (t.TableStatus === "CREATING" && --creating <= 0) t.TableStatus = "ACTIVE";
            return { Table: { ...t } };
        });
        ddb.on(DescribeContinuousBackupsCommand).resolves({
            ContinuousBackupsDescription: { ContinuousBackupsStatus: "DISABLED", PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" } },
        });
        ddb.on(DescribeContinuousBackupsCommand, { TableName: TABLE }).resolves({
            ContinuousBackupsDescription: {
                ContinuousBackupsStatus: "ENABLED",
                PointInTimeRecoveryDescription: {
                    PointInTimeRecoveryStatus: "ENABLED",
                    EarliestRestorableDateTime: new Date("2026-10-20T00:00:00Z"),
                    LatestRestorableDateTime: new Date("2026-11-24T21:55:00Z"),
                },
            },
        });
        ddb.on(RestoreTableToPointInTimeCommand).callsFake(async ({ TargetTableName }: { TargetTableName: string }) => {
            if (failRestore && failRestore-- > 0) throw Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });
            if (tables.has(TargetTableName)) throw Object.assign(new Error("Table already exists"), { name: "TableAlreadyExistsException" });
            tables.set(TargetTableName, {
                TableName: TargetTableName,
                TableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TargetTableName}`,
                TableStatus: "CREATING",
            });
            return {};
        });
        ddb.on(UpdateTableCommand).resolves({});
        ddb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } });
        ddb.on(UpdateTimeToLiveCommand).resolves({});
        ddb.on(UpdateContinuousBackupsCommand).resolves({});
        ddb.on(ListTagsOfResourceCommand).callsFake(async ({ ResourceArn }: { ResourceArn: string }) =>
            ResourceArn === TABLE_ARN
                ? {
                      Tags: [
                          { Key: "stack", Value: "prod" },
                          { Key: "data-class", Value: "data" },
                          { Key: "aws:backup:source-resource", Value: "x" },
                      ],
                  }
                : { Tags: [] },
        );
        ddb.on(TagResourceCommand).resolves({});
        ddb.on(ScanCommand).callsFake(async ({ Segment }: { Segment: number }) => ({
            Items: Array.from({ length: scanItems / 4 }, (_, i) => ({ pk: { S: `CUSTOMER#c${Segment}` }, sk: { S: `ORDER#${i}` } })),
            ScannedCount: scanItems / 4,
        }));
        ddb.on(GetItemCommand).callsFake(async ({ Key }: { Key: Record<string, unknown> }) => ({ Item: Key }));
    });

    after(() => {
        ddb.restore();
        backup.restore();
    });

    it("restores the point in time into a new table, waits, configures, verifies, and prints the repoint and the measured time", async () => {
        const r = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(r.code, 0, `${r.out}\n${r.err}`);
        const restore = ddb.commandCalls(RestoreTableToPointInTimeCommand);
        assert.equal(restore.length, 1);
        assert.deepEqual(restore[0]!.args[0].input, {
            SourceTableArn: TABLE_ARN,
            TargetTableName: TARGET,
            RestoreDateTime: new Date(POINT),
            BillingModeOverride: "PAY_PER_REQUEST",
            SSESpecificationOverride: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: KEY },
        });
        // The waiter read CREATING before ACTIVE.
        assert.ok(ddb.commandCalls(DescribeTableCommand, { TableName: TARGET }).length >= 3);
        // What the restore does not carry, as the program declares it.
        const updates = ddb.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
        assert.deepEqual(updates, [
            { TableName: TARGET, StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } },
            { TableName: TARGET, DeletionProtectionEnabled: true },
        ]);
        assert.deepEqual(ddb.commandCalls(UpdateTimeToLiveCommand)[0]!.args[0].input.TimeToLiveSpecification, { Enabled: true, AttributeName: "expiresAt" });
        assert.deepEqual(ddb.commandCalls(UpdateContinuousBackupsCommand)[0]!.args[0].input, {
            TableName: TARGET,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        });
        assert.deepEqual(ddb.commandCalls(TagResourceCommand)[0]!.args[0].input.Tags, [
            { Key: "stack", Value: "prod" },
            { Key: "data-class", Value: "data" },
        ]);
        // Verified: a parallel scan of keys, and the sample read back.
        assert.equal(ddb.commandCalls(ScanCommand).length, 4);
        assert.ok(ddb.commandCalls(ScanCommand).every((c) => c.args[0].input.TableName === TARGET && c.args[0].input.TotalSegments === 4));
        assert.equal(ddb.commandCalls(GetItemCommand).length, 25);
        assert.ok(ddb.commandCalls(GetItemCommand).every((c) => c.args[0].input.ConsistentRead === true));
        assert.match(r.out, new RegExp(`verified ${TARGET}: 40 items \\(${TABLE}: about 42\\), 25 of 25 sampled keys read back\\.`));
        assert.match(r.out, /Measured RTO of the data step: \d+ min \d\d s \(restore .*, configure .*, verify .*\)\./);
        assert.ok(r.out.includes(`pulumi state unprotect '${tableUrn("prod")}' --stack prod --yes`), r.out);
        assert.ok(r.out.includes(`pulumi config set tableName ${TARGET} --stack prod`));
        assert.ok(r.out.includes("pulumi up --stack prod"));
        assert.ok(r.out.includes("tools/ops/release.sh prod"));
        assert.match(r.out, /pulumi config set drMeasuredRestoreMinutes \d+ --stack prod$/m, "the measurement, for npm run dr");
        const s = state();
        assert.ok(s.completedAt && s.verified?.problems.length === 0);

        // Rerun: finished, says so and prints the result again without touching AWS.
        const calls = ddb.calls().length;
        const again = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(again.code, 0);
        assert.match(again.out, /^This restore finished at /);
        assert.equal(ddb.calls().length, calls, "nothing asked of AWS");
    });

    it("names the target after the restore point: latest is resolved to the newest restorable second and kept", async () => {
        const r = await run(["--stack", "prod", "--to", "latest", "--outputs", outputs, "--dry-run"]);
        assert.equal(r.code, 0, r.err);
        assert.ok(r.out.includes(`into ${targetName(TABLE, new Date("2026-11-24T21:55:00Z"))} (${REGION})`), r.out);
        assert.equal(targetName(TABLE, new Date("2026-11-24T21:55:00Z")), `${TABLE}-restored-20261124T215500Z`);
        assert.equal(ddb.commandCalls(RestoreTableToPointInTimeCommand).length, 0, "a dry run changes nothing");
        assert.ok(!existsSync(path.join(dir, ".recovery")), "and writes no state");
    });

    it("refuses to overwrite a table that exists, and says what to do", async () => {
        tables.set(TARGET, { TableName: TARGET, TableStatus: "ACTIVE" });
        const r = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(r.code, 2);
        assert.match(r.err, new RegExp(`^The target table ${TARGET} exists in ${REGION}: refusing to overwrite it\\.`));
        assert.equal(ddb.commandCalls(RestoreTableToPointInTimeCommand).length, 0);
        assert.equal(ddb.commandCalls(UpdateTableCommand).length, 0);
    });

    it("fails verification when the restored table holds far fewer items than the source, and keeps it", async () => {
        scanItems = 8;
        const r = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(r.code, 1);
        assert.match(r.out, new RegExp(`verification: ${TARGET} holds 8 items, more than 10 % below the 42 of ${TABLE}'s DescribeTable`));
        assert.match(
            r.err,
            new RegExp(`^The restored table ${TARGET} did not pass verification \\(above\\)\\. It is kept for inspection; the stack still uses ${TABLE}\\.`),
        );
        assert.ok(!r.out.includes("pulumi config set"), "no repoint for a table that failed");
        const s = state();
        assert.ok(!s.completedAt && s.verified!.problems.length === 1);

        // A sampled key that cannot be read back fails it too; a rerun verifies again and does not restore again.
        scanItems = 40;
        ddb.on(GetItemCommand).resolves({});
        const again = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(again.code, 1);
        assert.match(again.out, /verification: 25 of 25 sampled keys could not be read back/);
        assert.equal(ddb.commandCalls(RestoreTableToPointInTimeCommand).length, 1);
    });

    it("continues after a crash: the restore is asked for once, and the time runs from the first start", async () => {
        // The process dies right after the restore was requested (the line that says so is never printed).
        const crash = (l: string) => {
            if (l.includes("restore requested")) throw new Error("SIGKILL");
        };
        const lines: string[] = [];
        await assert.rejects(main(["--stack", "prod", "--to", POINT, "--outputs", outputs], { ...io(lines), out: crash }), /SIGKILL/);
        const cut = state();
        assert.ok(cut.restore && !cut.restoredAt, "the state says the restore was asked for");

        const r = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(r.code, 0, `${r.out}\n${r.err}`);
        assert.match(r.out, new RegExp(`^Continuing the restore into ${TARGET} started at ${cut.startedAt}`));
        assert.equal(ddb.commandCalls(RestoreTableToPointInTimeCommand).length, 1, "not asked again");
        assert.equal(state().startedAt, cut.startedAt);

        // Another restore while this state file is unfinished is refused; this one is finished, so a new one may start.
        const other = await run(["--stack", "prod", "--to", "2026-11-24T20:00:00Z", "--outputs", outputs, "--dry-run"]);
        assert.equal(other.code, 0, other.err);
    });

    it("a request that failed is asked again by the next run, and another restore over an unfinished one is refused", async () => {
        failRestore = 1;
        const first = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(first.code, 1);
        assert.match(first.err, /^Starting the restore into .* failed: TimeoutError: connect ETIMEDOUT\. Nothing was created; run the command again/);
        const other = await run(["--stack", "prod", "--to", "2026-11-24T20:00:00Z", "--outputs", outputs]);
        assert.equal(other.code, 2);
        assert.match(
            other.err,
            /^--state .*restore-prod\.json holds an unfinished restore of prod to 2026-11-24T20:55:00\.000Z \(into .*\): run that again to finish it/,
        );
        const again = await run(["--stack", "prod", "--to", POINT, "--outputs", outputs]);
        assert.equal(again.code, 0, again.err);
        assert.equal(ddb.commandCalls(RestoreTableToPointInTimeCommand).length, 2, "asked again, into the same name");
        assert.ok(ddb.commandCalls(RestoreTableToPointInTimeCommand).every((c) => c.args[0].input.TargetTableName === TARGET));
    });

    it("restores the newest recovery point copied to the DR region, with the backup role, and waits for the job", async () => {
        const rp = (id: string, created: string, status: "COMPLETED" | "PARTIAL" = "COMPLETED") => ({
            RecoveryPointArn: `arn:aws:backup:${DR}:${ACCOUNT}:recovery-point:${id}`,
            CreationDate: new Date(created),
            Status: status,
            BackupVaultName: "platform-prod-table-backup-dr",
        });
        backup
            .on(ListRecoveryPointsByResourceCommand)
            .resolvesOnce({ RecoveryPoints: [rp("a", "2026-11-24T19:00:00Z"), rp("b", "2026-11-24T21:00:00Z")], NextToken: "p2" })
            .resolves({
                RecoveryPoints: [rp("c", "2026-11-24T20:00:00Z"), rp("d", "2026-11-24T20:30:00Z", "PARTIAL")],
            });
        backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: "job-1" });
        backup
            .on(DescribeRestoreJobCommand)
            .resolvesOnce({ Status: "RUNNING", PercentDone: "40%" })
            .callsFake(async () => {
                const name = `${TABLE}-restored-20261124T200000Z`;
                tables.set(name, { TableName: name, TableArn: `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/${name}`, TableStatus: "ACTIVE" });
                return { Status: "COMPLETED" };
            });
        const r = await run(["--stack", "prod", "--to", POINT, "--from-recovery-point", "newest", "--region", DR, "--kms-key", DR_KEY, "--outputs", outputs]);
        assert.equal(r.code, 0, `${r.out}\n${r.err}`);
        const start = backup.commandCalls(StartRestoreJobCommand)[0]!.args[0].input;
        assert.equal(start.RecoveryPointArn, `arn:aws:backup:${DR}:${ACCOUNT}:recovery-point:c`, "the newest COMPLETED point no later than --to");
        assert.equal(start.IamRoleArn, `arn:aws:iam::${ACCOUNT}:role/platform-prod-table-backup`);
        assert.deepEqual(start.Metadata, { targetTableName: `${TABLE}-restored-20261124T200000Z`, encryptionType: "KMS", kmsMasterKeyArn: DR_KEY });
        assert.match(start.IdempotencyToken!, /^[0-9a-f]{32}$/);
        assert.equal(backup.commandCalls(ListRecoveryPointsByResourceCommand)[1]!.args[0].input.NextToken, "p2", "every page of recovery points");
        assert.match(r.out, /restore job job-1: RUNNING 40%/);
        // In another region: the DR stack is repointed, and no state unprotect (it has no old table).
        assert.ok(r.out.includes(`pulumi config set tableName ${TABLE}-restored-20261124T200000Z --stack prod-dr`), r.out);
        assert.ok(!r.out.includes("pulumi state unprotect"));
    });

    it("refuses a recovery point made after --to, and one the region does not have", async () => {
        const arn = `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:late`;
        backup
            .on(ListRecoveryPointsByResourceCommand)
            .resolves({ RecoveryPoints: [{ RecoveryPointArn: arn, CreationDate: new Date("2026-11-24T21:00:00Z"), Status: "COMPLETED" }] });
        const late = await run(["--stack", "prod", "--to", POINT, "--from-recovery-point", arn, "--outputs", outputs]);
        assert.equal(late.code, 2);
        assert.match(late.err, /was made at 2026-11-24T21:00:00\.000Z, after --to 2026-11-24T20:55:00\.000Z: it may hold the damage/);
        const unknown = await run(["--stack", "prod", "--to", POINT, "--from-recovery-point", `${arn}-other`, "--outputs", outputs]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.err, /is not a recovery point of platform-prod-orders in eu-west-1; its completed ones: .*late/);
        assert.equal(backup.commandCalls(StartRestoreJobCommand).length, 0);
    });

    it("refuses a time outside the point-in-time window", async () => {
        const r = await run(["--stack", "prod", "--to", "2026-09-01T00:00:00Z", "--outputs", outputs]);
        assert.equal(r.code, 2);
        assert.match(
            r.err,
            /^--to 2026-09-01T00:00:00\.000Z is outside platform-prod-orders's point-in-time recovery window, 2026-10-20T00:00:00\.000Z to 2026-11-24T21:55:00\.000Z: for an older moment restore a recovery point/,
        );
    });

    it("refuses bad flags, naming the flag and what is allowed, before any AWS call", async () => {
        const cases: Array<[string[], RegExp]> = [
            [["--to", POINT], /^--stack is required/],
            [["--stack", "prod"], /^--to is required/],
            [
                ["--stack", "prod", "--to", "yesterday"],
                /^--to "yesterday" is invalid: expected an ISO 8601 time with its zone, such as 2026-11-24T20:55:00Z\.$/,
            ],
            [["--stack", "prod", "--to", "2026-11-24T20:55:00"], /^--to "2026-11-24T20:55:00" is invalid: expected an ISO 8601 time with its zone/],
            [["--stack", "prod", "--to", "2026-13-01T00:00:00Z"], /^--to "2026-13-01T00:00:00Z" is invalid: .*\(2026-13-01T00:00:00Z is no such time\)\.$/],
            [
                ["--stack", "prod", "--to", "2026-11-25T00:00:00Z"],
                /^--to "2026-11-25T00:00:00Z" is in the future \(it is 2026-11-24T22:00:00\.000Z\): a restore goes back in time/,
            ],
            [
                ["--stack", "prod", "--to", POINT, "--from-recovery-point", "arn:aws:s3:::bucket"],
                /^--from-recovery-point "arn:aws:s3:::bucket" is invalid: expected newest or a recovery point ARN/,
            ],
            [["--stack", "prod", "--to", POINT, "--region", "mars-1"], /^--region "mars-1" is invalid: expected an AWS region such as eu-west-1\.$/],
            [
                ["--stack", "prod", "--to", POINT, "--region", DR, "--outputs", outputs],
                /^--region eu-central-1 is not the table's region \(eu-west-1\): point-in-time recovery restores only in the table's own region/,
            ],
            [
                ["--stack", "prod", "--to", POINT, "--from-recovery-point", "newest", "--region", DR, "--outputs", outputs],
                /^--kms-key is required for a restore in eu-central-1/,
            ],
            [
                ["--stack", "prod", "--to", POINT, "--from-recovery-point", "newest", "--region", DR, "--kms-key", KEY, "--outputs", outputs],
                /^--kms-key is in eu-west-1, not eu-central-1/,
            ],
            [["--stack", "prod", "--to", POINT, "--role-arn", `arn:aws:iam::${ACCOUNT}:role/r`], /^--role-arn is for --from-recovery-point/],
            [["--stack", "prod", "--to", POINT, "--target", "x"], /^--target "x" is invalid: expected a DynamoDB table name/],
            [
                ["--stack", "prod", "--to", POINT, "--count-tolerance", "101"],
                /^--count-tolerance "101" is invalid: expected an integer from 0 to 100 percent\.$/,
            ],
        ];
        for (const [argv, message] of cases)
            await assert.rejects(main(argv, io([])), (e: Error) => e instanceof UsageError && message.test(e.message), argv.join(" "));
        assert.equal(ddb.calls().length + backup.calls().length, 0, "nothing asked of AWS");
    });
});
