/**
 * Restores the stack's orders table into a NEW table, checks it, and prints how to point the stack at it.
 *
 *   npm run restore -- --stack <name> --to <ISO time|latest> [--from-recovery-point <ARN|newest>] [--region R] [--dry-run]
 *
 * Steps, each of which a rerun skips when done (the state file, and names derived from the restore
 * point, so a run cut short by a crash or a closed terminal continues where it was):
 *
 * 1. the restore point: point-in-time recovery of the table (DescribeContinuousBackups gives the
 *    window), the system backup DynamoDB kept of a deleted table, or an AWS Backup recovery point
 *    (ListRecoveryPointsByResource, in the stack's region or, for a copy, the DR region);
 * 2. the target `<table>-restored-<yyyymmddThhmmssZ of the point>`, which must not exist: nothing is
 *    ever overwritten;
 * 3. RestoreTableToPointInTime, RestoreTableFromBackup or AWS Backup StartRestoreJob (with an
 *    idempotency token), encrypted with the data key, on demand;
 * 4. the waiters (the restore job, then `waitUntilTableExists`);
 * 5. what a restore does not carry, set as the program declares it (components/data-store.ts): the
 *    stream, TTL, point-in-time recovery, deletion protection and the tags, so that `pulumi up` can
 *    adopt the table (Pulumi `import` refuses a table whose settings differ);
 * 6. verification: the items counted (a parallel scan) against the source's DescribeTable ItemCount,
 *    and a sample of the keys read back with GetItem;
 *
 * then the config change and `pulumi up` that repoint the stack, and the time since the first run
 * started: the measured RTO of the data step.
 *
 * Exit code: 0 restored and verified (or, with --dry-run, the plan), 1 the restore or the verification
 * failed (the restored table is left for inspection), 2 bad usage, a stack that cannot be read, a
 * target that exists or a restore point that cannot be had: then nothing was changed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    DynamoDBClient,
    GetItemCommand,
    ListBackupsCommand,
    ListTagsOfResourceCommand,
    RestoreTableFromBackupCommand,
    RestoreTableToPointInTimeCommand,
    TagResourceCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
    waitUntilTableExists,
    type TableDescription,
    type Tag,
} from "@aws-sdk/client-dynamodb";
import {
    BackupClient,
    DescribeRestoreJobCommand,
    ListRecoveryPointsByResourceCommand,
    StartRestoreJobCommand,
    type RecoveryPointByResource,
} from "@aws-sdk/client-backup";
import { parse as parseYaml } from "yaml";
import { TTL_ATTRIBUTE } from "../../functions/shared/table-keys";
import { defineCommand, integer, matching, runProcess, UsageError } from "../cli";
import { stackName } from "../ops/stack-outputs";
import {
    arnParts,
    awsError,
    duration,
    freshSegments,
    isoInstant,
    PROCESS_OPTIONS,
    readState,
    RecoveryFailed,
    Refused,
    region as regionFlag,
    scanTable,
    shortStack,
    sleep,
    stackOutputs,
    STATE_DIR,
    stringOutput,
    writeState,
    type Key,
} from "./common";

const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const RECOVERY_POINT = /^arn:aws[a-z-]*:(backup|dynamodb):[a-z]{2}(-[a-z]+)+-\d:\d{12}:\S+$/;
const KMS_KEY = /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/;
const ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** Pulumi's project (Pulumi.yaml `name`), in the table's URN. */
const PROJECT = "platform";

export const COMMAND = defineCommand({
    name: "restore",
    synopsis: [
        "--stack <name> --to <ISO time|latest> [--region R] [--target NAME] [--dry-run]",
        "--stack <name> --to <ISO time|latest> --from-recovery-point <ARN|newest> [--region R] [--kms-key ARN] [--role-arn ARN] [--dry-run]",
    ],
    summary:
        "Restores the stack's orders table into a new table (point-in-time recovery, or an AWS Backup recovery point in the stack's or the DR region), waits for it, configures what a restore does not carry, verifies it (item count, a sample of keys read back), and prints the config change and pulumi up that point the stack at it, with the measured time. Never overwrites; a rerun continues where a run stopped.",
    flags: {
        stack: {
            type: "string",
            value: "<name>",
            description: "required: the stack whose table (stack outputs tableName, tableArn, kmsKeyArns, backupVaultArn)",
            parse: stackName,
        },
        to: {
            type: "string",
            value: "<ISO time|latest>",
            description:
                "required: the moment to restore, before the damage (an ISO 8601 time with its zone, such as 2026-11-24T20:55:00Z), or latest; with a recovery point, the newest moment it may hold",
            parse: (text): Date | "latest" => (text === "latest" ? "latest" : isoInstant(text)),
        },
        "from-recovery-point": {
            type: "string",
            value: "<ARN|newest>",
            description:
                "restore an AWS Backup recovery point of the table instead of point-in-time recovery; newest: the newest completed one no later than --to",
            defaultText: "point-in-time recovery",
            parse: (text) =>
                text === "newest"
                    ? text
                    : matching(
                          RECOVERY_POINT,
                          "newest or a recovery point ARN such as arn:aws:backup:eu-west-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45",
                      )(text),
        },
        region: {
            type: "string",
            value: "R",
            description: "where to restore: the stack's region, or the DR region (a recovery point copied there)",
            defaultText: "the region of the recovery point ARN, else the table's",
            parse: regionFlag,
        },
        target: {
            type: "string",
            value: "NAME",
            description: "the new table's name (it must not exist)",
            defaultText: "<table>-restored-<time of the restore point>",
            parse: matching(TABLE, "a DynamoDB table name (3 to 255 letters, digits, '_', '-' and '.')"),
        },
        "kms-key": {
            type: "string",
            value: "ARN",
            description: "the KMS key the new table is encrypted with, in its region",
            defaultText: "the stack output kmsKeyArns.data (the table's region only)",
            parse: matching(KMS_KEY, "a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        },
        "role-arn": {
            type: "string",
            value: "ARN",
            description: "with a recovery point: the role AWS Backup restores with",
            defaultText: "the stack's backup role (named as its backupVaultArn's vault)",
            parse: matching(ROLE, "an IAM role ARN such as arn:aws:iam::123456789012:role/platform-prod-table-backup"),
        },
        "repoint-stack": {
            type: "string",
            value: "<name>",
            description: "the stack the printed commands point at the new table",
            defaultText: "--stack, or <stack>-dr for a restore in another region",
            parse: stackName,
        },
        sample: { type: "string", value: "N", description: "keys read back with GetItem to verify", default: "25", parse: integer(0, 1000) },
        "count-tolerance": {
            type: "string",
            value: "PCT",
            description: "how far below the source's ItemCount (refreshed by DynamoDB about every 6 hours) the restored count may be",
            default: "10",
            parse: integer(0, 100, "percent"),
        },
        "wait-minutes": {
            type: "string",
            value: "MIN",
            description: "how long to wait for the restore before giving up (a rerun waits again)",
            default: "720",
            parse: integer(1, 10080, "minutes"),
        },
        state: { type: "string", value: "FILE", description: "where the restore's progress is kept", defaultText: `${STATE_DIR}/restore-<stack>.json` },
        outputs: {
            type: "string",
            value: "FILE",
            description: "the stack's outputs as `pulumi stack output --json` printed them",
            defaultText: "ask the Pulumi CLI",
        },
        "dry-run": { type: "boolean", description: "resolve the restore point and the target, check nothing is in the way, print the plan; change nothing" },
    },
    epilog: "Exit code: 0 restored and verified (or the plan of --dry-run), 1 the restore or its verification failed (the new table is kept), 2 bad usage, an unreadable stack, a target that exists or a restore point that cannot be had (nothing changed).",
});

type PointKind = "pitr" | "system-backup" | "recovery-point";

/** What the state file holds: the request, what it resolved to, and each step's time once done. */
export interface RestoreState {
    version: 1;
    request: { stack: string; to: string; from?: string; region: string; target?: string };
    source: { table: string; arn: string; region: string };
    point: { kind: PointKind; time: string; arn?: string };
    region: string;
    target: string;
    kmsKey: string;
    roleArn?: string;
    startedAt: string;
    /** Written before the restore is asked for, so a crash right after it is known to be ours. */
    restore?: { requestedAt: string; jobId?: string };
    restoredAt?: string;
    configuredAt?: string;
    verified?: { at: string; items: number; sourceItems?: number; sampled: number; problems: string[] };
    completedAt?: string;
}

export interface RestoreIo {
    out?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    dynamodb?: (region: string) => DynamoDBClient;
    backup?: (region: string) => BackupClient;
    now?: () => Date;
    sleep?: (ms: number) => Promise<void>;
    /** The waiters' delays, in seconds. @default 5 to 60 */
    waiterDelays?: { min: number; max: number };
    random?: () => number;
}

/** The URN of the stack's orders table (DataStore "orders" at the top of the program): what `pulumi state unprotect` takes. */
export function tableUrn(stack: string): string {
    return `urn:pulumi:${shortStack(stack)}::${PROJECT}::platform:data:DataStore$aws:dynamodb/table:Table::orders-table`;
}

/** `20261124T205500Z`: the restore point in a table name. */
export function stamp(time: Date): string {
    return time
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z")
        .replace(/[-:]/g, "");
}

export function targetName(table: string, point: Date): string {
    return `${table}-restored-${stamp(point)}`;
}

const isNotFound = (error: unknown) =>
    (error as { name?: string }).name === "ResourceNotFoundException" || (error as { name?: string }).name === "TableNotFoundException";

async function describe(client: DynamoDBClient, table: string, timeoutMs?: number): Promise<TableDescription | undefined> {
    try {
        return (await client.send(new DescribeTableCommand({ TableName: table }), timeoutMs ? { abortSignal: AbortSignal.timeout(timeoutMs) } : {})).Table;
    } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
    }
}

/** What the program declares of the table that a restore does not carry, as the stack file says it (when the source table is gone). */
function declaredByStackFile(cwd: string, stack: string): { deletionProtection: boolean; tags: Record<string, string> } | undefined {
    const file = path.join(cwd, `Pulumi.${shortStack(stack)}.yaml`);
    if (!existsSync(file)) return undefined;
    const config = ((parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
    const environment = config[`${PROJECT}:environment`];
    return {
        deletionProtection: config[`${PROJECT}:deletionProtection`] === true,
        // components/context.ts and data-store.ts: the context's tags and the data class.
        tags: {
            project: PROJECT,
            stack: shortStack(stack),
            ...(typeof environment === "string" ? { environment } : {}),
            "managed-by": "pulumi",
            "data-class": "data",
        },
    };
}

async function tagsOf(client: DynamoDBClient, arn: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let next: string | undefined;
    do {
        const page = await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn, ...(next ? { NextToken: next } : {}) }));
        for (const t of page.Tags ?? []) if (t.Key && t.Value !== undefined && !t.Key.startsWith("aws:")) tags[t.Key] = t.Value;
        next = page.NextToken;
    } while (next);
    return tags;
}

async function recoveryPoints(backup: BackupClient, resourceArn: string): Promise<RecoveryPointByResource[]> {
    const points: RecoveryPointByResource[] = [];
    let next: string | undefined;
    do {
        const page = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: resourceArn, ...(next ? { NextToken: next } : {}) }));
        points.push(...(page.RecoveryPoints ?? []));
        next = page.NextToken;
    } while (next);
    return points;
}

/** The text given to a flag (`--to T` or `--to=T`), for a message that quotes it as written. */
function givenText(argv: readonly string[], flag: string): string | undefined {
    for (let i = 0; i < argv.length; i += 1) {
        if (argv[i] === flag) return argv[i + 1];
        if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1);
    }
    return undefined;
}

function parseFlags(argv: readonly string[], now: Date) {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) return undefined;
    const v = parsed.values;
    if (v.stack === undefined) throw new UsageError(`--stack is required: the stack whose table to restore. ${COMMAND.seeHelp}`);
    if (v.to === undefined)
        throw new UsageError(`--to is required: the moment to restore (an ISO 8601 time such as 2026-11-24T20:55:00Z, or latest). ${COMMAND.seeHelp}`);
    if (v.to !== "latest" && v.to.getTime() > now.getTime())
        throw new UsageError(
            `--to ${JSON.stringify(givenText(argv, "--to") ?? v.to.toISOString())} is in the future (it is ${now.toISOString()}): a restore goes back in time; give a moment before the damage, or latest.`,
        );
    const from = v["from-recovery-point"];
    if (from !== undefined && from !== "newest" && v.region !== undefined && arnParts(from).region !== v.region)
        throw new UsageError(`--from-recovery-point is in ${arnParts(from).region}, not --region ${v.region}: a recovery point is restored in its own region.`);
    if (from === undefined && v["role-arn"] !== undefined)
        throw new UsageError("--role-arn is for --from-recovery-point: point-in-time recovery runs as you, not as AWS Backup.");
    return { ...v, stack: v.stack, to: v.to, toText: v.to === "latest" ? "latest" : v.to.toISOString() };
}

export async function main(argv: readonly string[], io: RestoreIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const now = io.now ?? (() => new Date());
    const flags = parseFlags(argv, now());
    if (flags === undefined) {
        out(COMMAND.help);
        return 0;
    }
    const cwd = io.cwd ?? process.cwd();
    const stack = flags.stack;
    const outputs = await stackOutputs(stack, flags.outputs, io.env);
    const table = stringOutput(outputs, stack, "tableName");
    const tableArn = stringOutput(outputs, stack, "tableArn");
    const source = arnParts(tableArn);
    const from = flags["from-recovery-point"];
    const region = flags.region ?? (from !== undefined && from !== "newest" ? arnParts(from).region : source.region);
    const crossRegion = region !== source.region;
    if (crossRegion && from === undefined)
        throw new UsageError(
            `--region ${region} is not the table's region (${source.region}): point-in-time recovery restores only in the table's own region; give --from-recovery-point <ARN|newest> for a recovery point copied to ${region}.`,
        );
    let kmsKey = flags["kms-key"];
    if (kmsKey === undefined) {
        if (crossRegion)
            throw new UsageError(
                `--kms-key is required for a restore in ${region}: the stack's data key is in ${source.region}; give the DR region's key (the DR vault's).`,
            );
        kmsKey = stringOutput(outputs, stack, "kmsKeyArns.data");
    }
    if (arnParts(kmsKey).region !== region)
        throw new UsageError(`--kms-key is in ${arnParts(kmsKey).region}, not ${region}: a table is encrypted with a key of its own region.`);
    const roleArn =
        from === undefined
            ? undefined
            : (flags["role-arn"] ??
              `arn:${source.partition}:iam::${source.account}:role/${arnParts(stringOutput(outputs, stack, "backupVaultArn")).resource.replace(/^backup-vault:/, "")}`);

    const dynamodb = io.dynamodb ?? ((r: string) => new DynamoDBClient({ region: r, maxAttempts: 8 }));
    const target = dynamodb(region);
    const sourceClient = dynamodb(source.region);
    const backup = (io.backup ?? ((r: string) => new BackupClient({ region: r, maxAttempts: 8 })))(region);
    const wait = io.sleep ?? sleep;

    const file = path.resolve(cwd, flags.state ?? path.join(STATE_DIR, `restore-${shortStack(stack)}.json`));
    const request: RestoreState["request"] = {
        stack,
        to: flags.toText,
        ...(from !== undefined ? { from } : {}),
        region,
        ...(flags.target !== undefined ? { target: flags.target } : {}),
    };
    let state = readState<RestoreState>(file, "--state");
    if (state !== undefined && JSON.stringify(state.request) !== JSON.stringify(request)) {
        if (!state.completedAt)
            throw new Refused(
                `--state ${file} holds an unfinished restore of ${state.request.stack} to ${state.request.to}${state.request.from ? ` from ${state.request.from}` : ""} (into ${state.target}): run that again to finish it, give --state FILE for another restore, or move the file aside.`,
            );
        state = undefined;
    }
    if (state?.completedAt) {
        out(`This restore finished at ${state.completedAt} (state ${file}; to restore once more, move it aside or give --state FILE).`);
        report(state, flags, out);
        return 0;
    }

    if (state === undefined) {
        const point = await resolvePoint();
        const name = flags.target ?? targetName(table, new Date(point.time));
        if (name.length > 255) throw new Refused(`The target name ${name} is longer than DynamoDB's 255 characters; give --target NAME.`);
        if (await describe(target, name))
            throw new Refused(
                `The target table ${name} exists in ${region}: refusing to overwrite it. If an earlier run of this command made it and its state file is gone, check it and adopt it by hand; else give --target NAME.`,
            );
        state = {
            version: 1,
            request,
            source: { table, arn: tableArn, region: source.region },
            point,
            region,
            target: name,
            kmsKey,
            ...(roleArn ? { roleArn } : {}),
            startedAt: now().toISOString(),
        };
        if (flags["dry-run"]) {
            out(`Plan (dry run, nothing changed):`);
            out(`  restore ${describePoint(state)} of ${table} into ${name} (${region}), encrypted with ${kmsKey}${roleArn ? `, as ${roleArn}` : ""};`);
            out(`  then wait for it, set its stream, TTL, point-in-time recovery, deletion protection and tags as the program declares them,`);
            out(`  count its items against ${table}'s and read back ${flags.sample} of its keys.`);
            printRepoint(state, flags, out);
            return 0;
        }
        writeState(file, state);
        out(`Restoring ${describePoint(state)} of ${table} into ${name} (${region}); state ${file}.`);
    } else {
        if (flags["dry-run"]) {
            out(`A restore into ${state.target} is under way (state ${file}, started ${state.startedAt}); a run without --dry-run continues it.`);
            return 0;
        }
        out(`Continuing the restore into ${state.target} started at ${state.startedAt} (state ${file}).`);
    }
    const s: RestoreState = state;
    const save = () => writeState(file, s);

    // 3. Ask for the restore, once: the state says so before the call, so a crash after it is recognised.
    if (!s.restore) {
        s.restore = { requestedAt: now().toISOString() };
        save();
        try {
            await startRestore(s);
        } catch (error) {
            if ((error as { name?: string }).name !== "TableAlreadyExistsException") {
                delete s.restore;
                save();
                throw new RecoveryFailed(
                    `Starting the restore into ${s.target} failed: ${awsError(error)}. Nothing was created; run the command again once the cause is fixed.`,
                );
            }
            // The request went through on a run that stopped before it could say so.
        }
        save();
        out(`  restore requested${s.restore.jobId ? ` (AWS Backup restore job ${s.restore.jobId})` : ""}.`);
    } else if (s.point.kind === "recovery-point" && !s.restore.jobId) {
        // A crash between StartRestoreJob and the save: the idempotency token gets the same job back.
        await startRestore(s);
        save();
    } else if (!s.restoredAt && !(await describe(target, s.target))) {
        // Asked for, but no table: a request that never reached AWS, asked again (the same name and token).
        if (s.point.kind !== "recovery-point")
            await startRestore(s).catch((error: unknown) => {
                if ((error as { name?: string }).name !== "TableAlreadyExistsException") throw error;
            });
    }

    // 4. Wait.
    if (!s.restoredAt) {
        const deadline = Date.now() + flags["wait-minutes"] * 60_000;
        if (s.restore.jobId) {
            let last = "";
            for (;;) {
                const job = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: s.restore.jobId }));
                const line = `${job.Status}${job.PercentDone ? ` ${job.PercentDone}` : ""}`;
                if (line !== last) out(`  restore job ${s.restore.jobId}: ${line}`);
                last = line;
                if (job.Status === "COMPLETED") break;
                if (job.Status === "FAILED" || job.Status === "ABORTED")
                    throw new RecoveryFailed(`The AWS Backup restore job ${s.restore.jobId} ended ${job.Status}: ${job.StatusMessage ?? "no reason given"}.`);
                if (Date.now() > deadline)
                    throw new RecoveryFailed(
                        `The restore job ${s.restore.jobId} is still ${job.Status} after ${flags["wait-minutes"]} minutes; run the command again to keep waiting.`,
                    );
                await wait(Math.min(30_000, (io.waiterDelays?.min ?? 5) * 1000));
            }
        }
        try {
            await waitUntilTableExists(
                {
                    client: target,
                    maxWaitTime: Math.max(1, Math.round((deadline - Date.now()) / 1000)),
                    minDelay: io.waiterDelays?.min ?? 5,
                    maxDelay: io.waiterDelays?.max ?? 60,
                },
                { TableName: s.target },
            );
        } catch (error) {
            throw new RecoveryFailed(`The table ${s.target} did not become ACTIVE (${awsError(error).slice(0, 300)}); run the command again to keep waiting.`);
        }
        s.restoredAt = now().toISOString();
        save();
        out(`  ${s.target} is ACTIVE (${duration(Date.parse(s.restoredAt) - Date.parse(s.restore.requestedAt))} after the request).`);
    }

    // 5. What a restore does not carry, as the program declares it: each checked first, so a rerun skips what is done.
    if (!s.configuredAt) {
        await configure(s);
        s.configuredAt = now().toISOString();
        save();
    }

    // 6. Verify (again on every run until it passes: the table is not touched by it).
    const verified = await verify(s);
    s.verified = verified;
    save();
    if (verified.problems.length > 0) {
        for (const p of verified.problems) out(`  verification: ${p}`);
        throw new RecoveryFailed(
            `The restored table ${s.target} did not pass verification (above). It is kept for inspection; the stack still uses ${s.source.table}. Run the command again to verify again, or restore another point with --to.`,
        );
    }
    s.completedAt = now().toISOString();
    save();
    report(s, flags, out);
    return 0;

    async function resolvePoint(): Promise<RestoreState["point"]> {
        const to = flags!.to;
        if (from !== undefined) {
            let points: RecoveryPointByResource[];
            try {
                points = await recoveryPoints(backup, tableArn);
            } catch (error) {
                throw new Refused(
                    `Listing the recovery points of ${tableArn} in ${region} (AWS Backup ListRecoveryPointsByResource) failed: ${awsError(error)}.`,
                );
            }
            const completed = points.filter((p) => p.Status === "COMPLETED" && p.RecoveryPointArn && p.CreationDate);
            const newest = (list: RecoveryPointByResource[]) => [...list].sort((a, b) => b.CreationDate!.getTime() - a.CreationDate!.getTime());
            const shown = newest(completed)
                .slice(0, 5)
                .map((p) => `${p.RecoveryPointArn} (${p.CreationDate!.toISOString()})`)
                .join(", ");
            let chosen: RecoveryPointByResource | undefined;
            if (from === "newest") {
                chosen = newest(completed).find((p) => to === "latest" || p.CreationDate!.getTime() <= to.getTime());
                if (!chosen)
                    throw new Refused(
                        `No completed recovery point of ${table} in ${region} is from ${to === "latest" ? "any time" : `${flags!.toText} or before`}${shown ? `; the newest: ${shown}` : " (none at all: is the copy to this region set up?)"}.`,
                    );
            } else {
                const found = points.find((p) => p.RecoveryPointArn === from);
                if (!found)
                    throw new Refused(
                        `--from-recovery-point ${from} is not a recovery point of ${table} in ${region}${shown ? `; its completed ones: ${shown}` : ""}.`,
                    );
                if (found.Status !== "COMPLETED") throw new Refused(`--from-recovery-point ${from} is ${found.Status ?? "of unknown status"}, not COMPLETED.`);
                if (to !== "latest" && found.CreationDate && found.CreationDate.getTime() > to.getTime())
                    throw new Refused(
                        `--from-recovery-point ${from} was made at ${found.CreationDate.toISOString()}, after --to ${flags!.toText}: it may hold the damage; choose one from before (or --from-recovery-point newest).`,
                    );
                chosen = found;
            }
            return { kind: "recovery-point", time: chosen.CreationDate!.toISOString(), arn: chosen.RecoveryPointArn! };
        }
        let window;
        try {
            window = (await sourceClient.send(new DescribeContinuousBackupsCommand({ TableName: table }))).ContinuousBackupsDescription
                ?.PointInTimeRecoveryDescription;
        } catch (error) {
            if (!isNotFound(error)) throw new Refused(`DescribeContinuousBackups of ${table} failed: ${awsError(error)}.`);
            return systemBackup(to);
        }
        if (window?.PointInTimeRecoveryStatus !== "ENABLED" || !window.EarliestRestorableDateTime || !window.LatestRestorableDateTime)
            throw new Refused(
                `Point-in-time recovery of ${table} is ${window?.PointInTimeRecoveryStatus ?? "not set up"}: restore a recovery point instead (--from-recovery-point newest).`,
            );
        const [earliest, latest] = [window.EarliestRestorableDateTime, window.LatestRestorableDateTime];
        if (to === "latest") return { kind: "pitr", time: latest.toISOString() };
        if (to.getTime() < earliest.getTime() || to.getTime() > latest.getTime())
            throw new Refused(
                `--to ${flags!.toText} is outside ${table}'s point-in-time recovery window, ${earliest.toISOString()} to ${latest.toISOString()}${to.getTime() < earliest.getTime() ? ": for an older moment restore a recovery point (--from-recovery-point newest)" : ": the newest restorable moment is a few minutes behind now; give latest"}.`,
            );
        return { kind: "pitr", time: to.toISOString() };
    }

    /** The table is gone: DynamoDB kept a system backup of it when it was deleted (point-in-time recovery was on). */
    async function systemBackup(to: Date | "latest"): Promise<RestoreState["point"]> {
        const { BackupSummaries = [] } = await sourceClient.send(new ListBackupsCommand({ TableName: table, BackupType: "SYSTEM" }));
        const newest = BackupSummaries.filter((b) => b.BackupStatus === "AVAILABLE" && b.BackupArn && b.BackupCreationDateTime).sort(
            (a, b) => b.BackupCreationDateTime!.getTime() - a.BackupCreationDateTime!.getTime(),
        )[0];
        if (!newest)
            throw new Refused(
                `${table} does not exist and has no system backup (DynamoDB keeps one for 35 days after a delete): restore a recovery point (--from-recovery-point newest).`,
            );
        if (to !== "latest" && newest.BackupCreationDateTime!.getTime() > to.getTime())
            throw new Refused(
                `${table} was deleted at ${newest.BackupCreationDateTime!.toISOString()}; its system backup holds it as it was then, after --to ${flags!.toText}: give --to latest for that, or restore an older recovery point (--from-recovery-point newest).`,
            );
        return { kind: "system-backup", time: newest.BackupCreationDateTime!.toISOString(), arn: newest.BackupArn! };
    }

    async function startRestore(st: RestoreState): Promise<void> {
        const sse = { Enabled: true, SSEType: "KMS" as const, KMSMasterKeyId: st.kmsKey };
        if (st.point.kind === "pitr") {
            await target.send(
                new RestoreTableToPointInTimeCommand({
                    SourceTableArn: st.source.arn,
                    TargetTableName: st.target,
                    RestoreDateTime: new Date(st.point.time),
                    BillingModeOverride: "PAY_PER_REQUEST",
                    SSESpecificationOverride: sse,
                }),
            );
        } else if (st.point.kind === "system-backup") {
            await target.send(
                new RestoreTableFromBackupCommand({
                    BackupArn: st.point.arn,
                    TargetTableName: st.target,
                    BillingModeOverride: "PAY_PER_REQUEST",
                    SSESpecificationOverride: sse,
                }),
            );
        } else {
            const job = await backup.send(
                new StartRestoreJobCommand({
                    RecoveryPointArn: st.point.arn,
                    IamRoleArn: st.roleArn,
                    ResourceType: "DynamoDB",
                    Metadata: { targetTableName: st.target, encryptionType: "KMS", kmsMasterKeyArn: st.kmsKey },
                    // The same request again (a rerun after a crash) gets the same job, not a second restore.
                    IdempotencyToken: createHash("sha256").update(`${st.point.arn}\n${st.target}`).digest("hex").slice(0, 32),
                }),
            );
            if (!job.RestoreJobId) throw new Error("StartRestoreJob answered without a RestoreJobId");
            st.restore!.jobId = job.RestoreJobId;
        }
    }

    async function waitActive(): Promise<void> {
        await waitUntilTableExists(
            { client: target, maxWaitTime: 3600, minDelay: io.waiterDelays?.min ?? 5, maxDelay: io.waiterDelays?.max ?? 60 },
            { TableName: s.target },
        );
    }

    async function configure(st: RestoreState): Promise<void> {
        const sourceTable = crossRegion ? undefined : await describe(sourceClient, st.source.table, 20_000).catch(() => undefined);
        const declared = declaredByStackFile(cwd, stack);
        const wantProtection = sourceTable?.DeletionProtectionEnabled ?? declared?.deletionProtection ?? true;
        const wantTags = sourceTable?.TableArn ? await tagsOf(sourceClient, sourceTable.TableArn) : declared?.tags;
        const restored = await describe(target, st.target);
        if (!restored?.TableArn) throw new RecoveryFailed(`${st.target} is not there any more.`);
        const done: string[] = [];
        const stream = restored.StreamSpecification;
        if (!stream?.StreamEnabled || stream.StreamViewType !== "NEW_AND_OLD_IMAGES") {
            await target.send(
                new UpdateTableCommand({ TableName: st.target, StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }),
            );
            await waitActive();
            done.push("stream NEW_AND_OLD_IMAGES");
        }
        if ((restored.DeletionProtectionEnabled ?? false) !== wantProtection) {
            await target.send(new UpdateTableCommand({ TableName: st.target, DeletionProtectionEnabled: wantProtection }));
            await waitActive();
            done.push(`deletion protection ${wantProtection ? "on" : "off"}`);
        }
        const ttl = (await target.send(new DescribeTimeToLiveCommand({ TableName: st.target }))).TimeToLiveDescription;
        if (!(ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING") || ttl.AttributeName !== TTL_ATTRIBUTE) {
            await target.send(new UpdateTimeToLiveCommand({ TableName: st.target, TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE } }));
            done.push(`TTL on ${TTL_ATTRIBUTE}`);
        }
        const pitr = (await target.send(new DescribeContinuousBackupsCommand({ TableName: st.target }))).ContinuousBackupsDescription
            ?.PointInTimeRecoveryDescription;
        if (pitr?.PointInTimeRecoveryStatus !== "ENABLED") {
            await target.send(
                new UpdateContinuousBackupsCommand({ TableName: st.target, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
            );
            done.push("point-in-time recovery");
        }
        if (wantTags) {
            const have = await tagsOf(target, restored.TableArn);
            const missing: Tag[] = Object.entries(wantTags)
                .filter(([k, v]) => have[k] !== v)
                .map(([Key, Value]) => ({ Key, Value }));
            if (missing.length > 0) {
                await target.send(new TagResourceCommand({ ResourceArn: restored.TableArn, Tags: missing }));
                done.push(`tags ${missing.map((t) => t.Key).join(", ")}`);
            }
        } else out(`  no tags to copy: ${st.source.table} cannot be read and there is no Pulumi.${shortStack(stack)}.yaml here; pulumi up will tag the table.`);
        out(`  configured ${st.target}: ${done.length > 0 ? done.join("; ") : "nothing left to set"}.`);
    }

    async function verify(st: RestoreState): Promise<NonNullable<RestoreState["verified"]>> {
        const problems: string[] = [];
        const wanted = flags!.sample;
        const random = io.random ?? Math.random;
        const sample: Key[] = [];
        let items = 0;
        await scanTable({
            client: target,
            table: st.target,
            totalSegments: 4,
            segments: freshSegments(4),
            pageSize: 1000,
            // The table's keys (functions/shared/table-keys.ts): every item has string pk and sk.
            projection: { expression: "#pk, #sk", names: { "#pk": "pk", "#sk": "sk" } },
            onPage: async (_segment, page) => {
                for (const key of page) {
                    items += 1;
                    // Reservoir sampling: every key read has the same chance to be checked.
                    if (sample.length < wanted) sample.push(key);
                    else {
                        const at = Math.floor(random() * items);
                        if (at < wanted) sample[at] = key;
                    }
                }
            },
        });
        let sourceItems: number | undefined;
        try {
            // The source may be in a region that is down: a short wait, not the SDK's retries.
            sourceItems = (await describe(sourceClient, st.source.table, 20_000))?.ItemCount;
        } catch (error) {
            out(`  ${st.source.table} cannot be read in ${st.source.region} (${awsError(error).slice(0, 120)}): the count is not compared.`);
        }
        const tolerance = flags!["count-tolerance"];
        if (items === 0) problems.push(`${st.target} holds no items${sourceItems ? `, ${st.source.table} about ${sourceItems}` : ""}.`);
        else if (sourceItems !== undefined && items < sourceItems * (1 - tolerance / 100))
            problems.push(
                `${st.target} holds ${items} items, more than ${tolerance} % below the ${sourceItems} of ${st.source.table}'s DescribeTable (an estimate DynamoDB refreshes about every 6 hours; --count-tolerance allows more).`,
            );
        let unreadable = 0;
        for (const key of sample) {
            try {
                const { Item } = await target.send(new GetItemCommand({ TableName: st.target, Key: key, ConsistentRead: true }));
                if (!Item) unreadable += 1;
            } catch (error) {
                unreadable += 1;
                if (unreadable === 1) problems.push(`GetItem on ${st.target} failed: ${awsError(error)}.`);
            }
        }
        if (unreadable > 0) problems.push(`${unreadable} of ${sample.length} sampled keys could not be read back from ${st.target}.`);
        out(
            `  verified ${st.target}: ${items} items${sourceItems !== undefined ? ` (${st.source.table}: about ${sourceItems})` : ""}, ${sample.length - unreadable} of ${sample.length} sampled keys read back.`,
        );
        return { at: now().toISOString(), items, ...(sourceItems !== undefined ? { sourceItems } : {}), sampled: sample.length, problems };
    }
}

function describePoint(s: RestoreState): string {
    if (s.point.kind === "pitr") return `the state at ${s.point.time} (point-in-time recovery)`;
    if (s.point.kind === "system-backup") return `the system backup ${s.point.arn} (${s.point.time}, when the table was deleted)`;
    return `the recovery point ${s.point.arn} (${s.point.time})`;
}

type Flags = NonNullable<ReturnType<typeof parseFlags>>;

/** The commands that point a stack at the restored table, for the region it is in. */
export function repointCommands(s: Pick<RestoreState, "request" | "source" | "region" | "target">, repointStack?: string): string[] {
    const crossRegion = s.region !== s.source.region;
    const stack = repointStack ?? (crossRegion ? `${shortStack(s.request.stack)}-dr` : s.request.stack);
    const lines: string[] = [];
    if (!crossRegion)
        lines.push(
            `pulumi state unprotect '${tableUrn(stack)}' --stack ${stack} --yes   # only where deletionProtection is on: Pulumi drops the old table from its state (retainOnDelete keeps it in AWS)`,
        );
    lines.push(
        `pulumi config set tableName ${s.target} --stack ${stack}`,
        `pulumi preview --stack ${stack}   # expect the table imported (=>), nothing else replaced`,
        `pulumi up --stack ${stack}`,
        `tools/ops/release.sh ${stack}   # live moves to the versions whose TABLE_NAME is ${s.target}`,
    );
    return lines;
}

function printRepoint(s: RestoreState, flags: Flags, out: (line: string) => void): void {
    const lines = repointCommands(s, flags["repoint-stack"]);
    out("");
    out(`To point the stack at ${s.target} (docs/runbooks/restore-table.md):`);
    for (const line of lines) out(`  ${line}`);
    out(`Then rebuild the search index from it into a fresh index (its stream is new, and the index can be newer): docs/runbooks/rebuild-search-index.md.`);
}

function report(s: RestoreState, flags: Flags, out: (line: string) => void): void {
    const at = (t: string | undefined) => (t ? Date.parse(t) : NaN);
    const step = (from: string | undefined, to: string | undefined) => (Number.isNaN(at(from)) || Number.isNaN(at(to)) ? "?" : duration(at(to) - at(from)));
    out("");
    out(`Restored ${describePoint(s)} of ${s.source.table} into ${s.target} (${s.region}): ${s.verified?.items ?? "?"} items, verified.`);
    out(
        `Measured RTO of the data step: ${step(s.startedAt, s.completedAt)} (restore ${step(s.restore?.requestedAt, s.restoredAt)}, configure ${step(s.restoredAt, s.configuredAt)}, verify ${step(s.configuredAt, s.completedAt)}).`,
    );
    printRepoint(s, flags, out);
    const minutes = Math.max(1, Math.ceil((at(s.completedAt) - at(s.startedAt)) / 60_000));
    if (s.region === s.source.region && !Number.isNaN(minutes))
        out(`Keep the measurement for npm run dr (instead of its estimate): pulumi config set drMeasuredRestoreMinutes ${minutes} --stack ${s.request.stack}`);
}

if (require.main === module) {
    runProcess("restore", () => main(process.argv.slice(2)), PROCESS_OPTIONS);
}
