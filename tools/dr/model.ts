/**
 * The recovery objectives a stack achieves, failure mode by failure mode, as they follow from its
 * configuration: how much data each failure loses (RPO) and how long the platform is down (RTO), each
 * figure the sum of steps that name their source (an AWS document, this stack's own settings, or an
 * assumption stated as one). config.ts rejects a stack whose targets its claimed failure modes cannot
 * meet; `npm run dr` prints the table; docs/runbooks/business-continuity.md is generated from it.
 *
 * Pure and free of the AWS provider: config.ts loads it before the program runs.
 */
import {
    BACKUP_START_WINDOW_MINUTES,
    FAILURE_MODES,
    PITR_RPO_MINUTES,
    REPLICATION_LATENCY_THRESHOLD_MS,
    backupIntervalHours,
    type DrStrategy,
    type FailureMode,
} from "../../components/defaults/backup";
import type { ReleaseStrategy } from "../../components/defaults/codedeploy";
import { ROLLBACK_DETECTION_MINUTES } from "../../components/defaults/rollback-window";

export { FAILURE_MODES, type FailureMode };

/** The configuration the objectives follow from (config.ts's keys of the same names). */
export interface RecoveryInputs {
    environment: string;
    rpoMinutes: number;
    rtoMinutes: number;
    drCopies: boolean;
    drRegion: string;
    drStrategy: DrStrategy;
    drAccountId: string;
    drVaultArn: string;
    drClaims: readonly FailureMode[];
    drStandbyOf: string;
    tableSizeGb: number;
    backupRetentionDays: number;
    backupFrequentRetentionDays: number;
    drMeasuredRestoreMinutes: number;
    releaseStrategy: ReleaseStrategy;
    releaseStepPercent: number;
    releaseIntervalMinutes: number;
    releaseBakeMinutes: number;
    availabilityZones: number;
    natGateways: string;
    searchStandbyReplicas: boolean;
}

/** One part of an RPO or RTO: minutes (Infinity: nothing bounds it) and where the figure comes from. */
export interface Step {
    label: string;
    minutes: number;
    source: string;
}

/** An RPO or RTO: the sum of its steps. */
export interface Objective {
    minutes: number;
    steps: Step[];
}

export interface ModeResult {
    mode: FailureMode;
    /** Listed in drClaims: the targets must hold for it, or config refuses the stack. */
    claimed: boolean;
    /** How the platform recovers, in one sentence. */
    recovery: string;
    rpo: Objective;
    rto: Objective;
    rpoMet: boolean;
    rtoMet: boolean;
    /** What else an operator must know (degraded parts, prerequisites). */
    notes: string[];
    /** What to change so the targets hold (empty when they do). */
    fixes: string[];
}

export interface RecoveryTable {
    targets: { rpoMinutes: number; rtoMinutes: number };
    strategy: DrStrategy;
    drCopies: boolean;
    drRegion: string;
    /** Hours between scheduled AWS Backup recovery points (the Backup component runs the same schedule). */
    backupIntervalHours: number;
    /**
     * Hours between the copies the DR region's vault receives: every recovery point, or under pilot-light
     * (whose replica covers the region's loss) only the daily one, where the plan keeps daily points apart.
     */
    drCopyIntervalHours: number;
    /** Minutes from a recovery point's start until its copy is in the DR vault (worst case assumed). */
    copyLagMinutes: number;
    modes: ModeResult[];
}

/** How a source is labelled: a document of AWS's, or an assumption of ours to be replaced by a measurement. */
const TEXT = { aws: "AWS", assumption: "assumption" } as const;

/**
 * Every figure the model uses, with its source. AWS publishes no duration for restores, copies or
 * deployments; those are assumptions, stated as such, to be replaced by measured values.
 */
export const FIGURES = {
    pitr: {
        minutes: PITR_RPO_MINUTES,
        source: `${TEXT.aws}: Amazon DynamoDB Developer Guide, "Point-in-time recovery for DynamoDB": LatestRestorableDateTime is typically 5 minutes before the current time`,
    },
    deletedTable: {
        minutes: PITR_RPO_MINUTES,
        source: `${TEXT.aws}: Amazon DynamoDB Developer Guide, "Point-in-time recovery for DynamoDB": deleting a table with point-in-time recovery on keeps a system backup for 35 days, restored like any point in time`,
    },
    azDurability: {
        minutes: 0,
        source: `${TEXT.aws}: Amazon DynamoDB Developer Guide, "Resilience and disaster recovery in Amazon DynamoDB": a table is replicated across the availability zones of its Region`,
    },
    replication: {
        minutes: REPLICATION_LATENCY_THRESHOLD_MS / 60_000,
        source: `${TEXT.aws}: Amazon DynamoDB Developer Guide, "Global tables: how it works": changes typically reach the other replicas within a second (ReplicationLatency); rounded up to a minute, and alarmed (orders-replication-latency)`,
    },
    startWindow: {
        minutes: BACKUP_START_WINDOW_MINUTES,
        source: `this stack's backup plan (components/backup.ts): a scheduled job may start up to its ${BACKUP_START_WINDOW_MINUTES}-minute start window late (AWS Backup Developer Guide, "Backup plan options and configuration")`,
    },
    restoreFloor: {
        minutes: 20,
        source: `${TEXT.aws}: Knowledge Center, "Why does my Amazon DynamoDB table restoration take a long time?": a point-in-time restore takes at least 20 minutes whatever the table's size and usually under an hour; AWS gives no formula and advises measuring it`,
    },
    restorePerGb: {
        minutes: 1,
        source: `${TEXT.assumption} (AWS publishes none): 1 minute per GB of table on top of the 20-minute floor (about 17 MB/s); record the time \`npm run restore\` measures in drMeasuredRestoreMinutes to replace it`,
    },
    measuredRestore: {
        source: "drMeasuredRestoreMinutes: the data step's elapsed time as `npm run restore` measured it on this stack",
    },
    copyBase: {
        minutes: 30,
        source: `${TEXT.assumption} (AWS publishes no copy duration): the copy job starts once the backup job completes and finishes a small table within 30 minutes; measure it with \`aws backup list-copy-jobs\` (CreationDate to CompletionDate)`,
    },
    copyPerGb: {
        minutes: 2,
        source: `${TEXT.assumption}: 2 minutes per GB of table crossing Regions (about 8 MB/s); a copy that fails is retried for up to 2 hours (AWS Backup Developer Guide, "Creating backup copies across AWS Regions") and raises the copy-job alarm`,
    },
    declare: {
        minutes: 15,
        source: `${TEXT.assumption}: the on-call engineer confirms the failure from its alarms and the incident commander picks the action (docs/runbooks/business-continuity.md)`,
    },
    detect: {
        minutes: ROLLBACK_DETECTION_MINUTES,
        source: `this stack's rollback alarms: ${ROLLBACK_DETECTION_MINUTES} breaching 1-minute datapoints (components/defaults/rollback-window.ts)`,
    },
    redeploy: {
        minutes: 10,
        source: `${TEXT.assumption}: a \`pulumi up\` that changes function configuration, roles and the stream mapping, before the release shifts traffic (measure it in the pipeline's deploy step)`,
    },
    fullDeploy: {
        minutes: 60,
        source: `${TEXT.assumption}: a first \`pulumi up\` of the whole platform in an empty Region or account, dominated by the CloudFront distribution and its certificate, the OpenSearch Serverless collection and the VPC (measure it with the Automation API suite, test/integration)`,
    },
    dnsSwitch: {
        minutes: 5,
        source: `${TEXT.assumption}: pointing the site's domain at the other distribution; Route 53 alias records take the target's TTL (AWS: Route 53 Developer Guide, "Choosing between alias and non-alias records"), clients' caches a few minutes more`,
    },
    userImport: {
        minutes: 15,
        source: `${TEXT.assumption}: a Cognito user import job of the users \`npm run export-users\` last exported (AWS: Cognito Developer Guide, "Importing users into a user pool from a CSV file"); passwords cannot be exported, so users reset theirs`,
    },
    azFailover: {
        minutes: 5,
        source: `${TEXT.aws}: Lambda, API Gateway, DynamoDB, SQS and SNS are Regional services spread over the Region's zones, and Lambda runs new execution environments in the VPC's other subnets ("Resilience in AWS Lambda"); ${TEXT.assumption}: 5 minutes of failed requests while it does`,
    },
} as const;

const UNBOUNDED = Number.POSITIVE_INFINITY;

function objective(steps: Step[]): Objective {
    return { minutes: steps.reduce((sum, s) => sum + s.minutes, 0), steps };
}

/** Minutes a copy needs to reach the DR vault after its backup job starts (assumed; see FIGURES). */
export function copyLagMinutes(tableSizeGb: number): number {
    return FIGURES.copyBase.minutes + Math.ceil(FIGURES.copyPerGb.minutes * tableSizeGb);
}

/** The hours between recovery points: room within the RPO for a late start and the copy, when copies are made. */
export function scheduleHours(inputs: Pick<RecoveryInputs, "rpoMinutes" | "drCopies" | "tableSizeGb">): number {
    return backupIntervalHours(inputs.rpoMinutes, inputs.drCopies ? FIGURES.startWindow.minutes + copyLagMinutes(inputs.tableSizeGb) : 0);
}

/**
 * As index.ts and components/backup.ts decide it: the plan keeps frequent points apart from a daily one
 * when it runs more than daily and keeps them shorter, and under pilot-light only the daily one is copied.
 */
function drCopyIntervalHours(inputs: RecoveryInputs, hours: number): number {
    const tiered = hours < 24 && inputs.backupFrequentRetentionDays < inputs.backupRetentionDays;
    return inputs.drStrategy === "pilot-light" && tiered ? 24 : hours;
}

/** Minutes a release takes from its first traffic shift to its end (CodeDeploy's configuration, then the bake). */
export function releaseMinutes(
    inputs: Pick<RecoveryInputs, "releaseStrategy" | "releaseStepPercent" | "releaseIntervalMinutes" | "releaseBakeMinutes">,
): number {
    const { releaseStrategy: strategy, releaseStepPercent: step, releaseIntervalMinutes: interval, releaseBakeMinutes: bake } = inputs;
    switch (strategy) {
        case "blue-green":
            return bake;
        case "canary":
            return interval + bake;
        case "rolling":
            return (Math.ceil(100 / step) - 1) * interval + bake;
    }
}

function releaseStep(inputs: RecoveryInputs): Step {
    const how =
        inputs.releaseStrategy === "blue-green"
            ? `all at once, then a ${inputs.releaseBakeMinutes}-minute bake`
            : inputs.releaseStrategy === "canary"
              ? `${inputs.releaseStepPercent} % for ${inputs.releaseIntervalMinutes} minutes, then the rest and a ${inputs.releaseBakeMinutes}-minute bake`
              : `${inputs.releaseStepPercent} % more every ${inputs.releaseIntervalMinutes} minutes, then a ${inputs.releaseBakeMinutes}-minute bake`;
    return {
        label: "release",
        minutes: releaseMinutes(inputs),
        source: `this stack's release (releaseStrategy ${inputs.releaseStrategy}: ${how}): the changed functions take traffic through CodeDeploy`,
    };
}

function restoreStep(inputs: RecoveryInputs, where: string): Step {
    if (inputs.drMeasuredRestoreMinutes > 0) {
        return { label: `restore ${where}`, minutes: inputs.drMeasuredRestoreMinutes, source: FIGURES.measuredRestore.source };
    }
    const perGb = Math.ceil(FIGURES.restorePerGb.minutes * inputs.tableSizeGb);
    return {
        label: `restore ${where}`,
        minutes: FIGURES.restoreFloor.minutes + perGb,
        source: `${FIGURES.restoreFloor.source}; ${FIGURES.restorePerGb.source} (tableSizeGb ${inputs.tableSizeGb}: ${perGb} minutes)`,
    };
}

const step = (label: string, figure: { minutes: number; source: string }): Step => ({ label, minutes: figure.minutes, source: figure.source });

/** The RPO of a recovery point copied out of the region: its schedule, a late start and the copy. */
function copiedPointRpo(inputs: RecoveryInputs, hours: number, lag: number, where: string): Step[] {
    return [
        {
            label: `${hours === 1 ? "hourly" : `every ${hours} h`} backups`,
            minutes: hours * 60,
            source: `this stack's backup plan: the longest AWS Backup interval that leaves room within rpoMinutes (${inputs.rpoMinutes}) for a late start and the copy, hourly at most`,
        },
        step("start window", FIGURES.startWindow),
        {
            label: `copy lag to ${where}`,
            minutes: lag,
            source: `${FIGURES.copyBase.source}; ${FIGURES.copyPerGb.source} (tableSizeGb ${inputs.tableSizeGb})`,
        },
    ];
}

const unbounded = (label: string, source: string): Objective => objective([{ label, minutes: UNBOUNDED, source }]);

/** The objectives of every failure mode for one stack's configuration. */
export function recoveryTable(inputs: RecoveryInputs): RecoveryTable {
    const hours = scheduleHours(inputs);
    const lag = copyLagMinutes(inputs.tableSizeGb);
    const release = releaseStep(inputs);
    const claims = new Set(inputs.drClaims);
    const modes: ModeResult[] = [];
    const add = (mode: FailureMode, r: Omit<ModeResult, "mode" | "claimed" | "rpoMet" | "rtoMet" | "fixes">, fixes: (m: ModeResult) => string[]) => {
        const result: ModeResult = {
            mode,
            claimed: claims.has(mode),
            ...r,
            rpoMet: r.rpo.minutes <= inputs.rpoMinutes,
            rtoMet: r.rto.minutes <= inputs.rtoMinutes,
            fixes: [],
        };
        result.fixes = result.rpoMet && result.rtoMet ? [] : fixes(result);
        modes.push(result);
    };
    const raise = (m: ModeResult): string[] => [
        ...(m.rpoMet || !Number.isFinite(m.rpo.minutes) ? [] : [`raise rpoMinutes to ${m.rpo.minutes}`]),
        ...(m.rtoMet || !Number.isFinite(m.rto.minutes) ? [] : [`raise rtoMinutes to ${m.rto.minutes}`]),
    ];
    const fasterRestore = (m: ModeResult): string[] =>
        m.rtoMet
            ? []
            : [
                  inputs.drMeasuredRestoreMinutes > 0
                      ? "shorten the release (releaseIntervalMinutes, releaseBakeMinutes)"
                      : "record the restore time `npm run restore` measures in drMeasuredRestoreMinutes (the estimate assumes 1 minute per GB)",
              ];

    add(
        "bad-deploy",
        {
            recovery:
                "A release that breaks rolls back by itself on its alarms (CodeDeploy); a bad infrastructure change is reverted and redeployed by the pipeline (docs/runbooks/release-and-rollback.md).",
            rpo: objective([
                { label: "no data lost", minutes: 0, source: "a deploy changes code and infrastructure, not data; a deploy that writes bad data is bad-data" },
            ]),
            rto: objective([
                step("detection", FIGURES.detect),
                step("declare", FIGURES.declare),
                step("pulumi up of the previous commit", FIGURES.redeploy),
                release,
            ]),
            notes: [
                "A bad function version alone is rolled back within the release, before it completes; the figure is the worst case, a reverted infrastructure change.",
            ],
        },
        (m) => [...raise(m), "shorten the release (releaseIntervalMinutes, releaseBakeMinutes)"],
    );

    add(
        "bad-data",
        {
            recovery:
                "Restore the table to a new one as of just before the bad write with `npm run restore`, verify it, apply the config change it prints and `pulumi up`; then rebuild the search index with `npm run reindex`.",
            rpo: objective([step("point-in-time recovery", FIGURES.pitr)]),
            rto: objective([
                step("declare", FIGURES.declare),
                restoreStep(inputs, "in the region"),
                step("pulumi up to repoint the stack", FIGURES.redeploy),
                release,
            ]),
            notes: ["Search answers from the old index until `npm run reindex` has rebuilt it; orders are served meanwhile."],
        },
        (m) => [...raise(m), ...fasterRestore(m)],
    );

    add(
        "table-deleted",
        {
            recovery:
                "Restore the deleted table's system backup (point-in-time recovery keeps it 35 days) or its newest recovery point with `npm run restore`, then `pulumi up` and `npm run reindex`.",
            rpo: objective([step("system backup of the deleted table", FIGURES.deletedTable)]),
            rto: objective([
                step("declare", FIGURES.declare),
                restoreStep(inputs, "in the region"),
                step("pulumi up to repoint the stack", FIGURES.redeploy),
                release,
            ]),
            notes: ["deletionProtection on the table (prod) refuses a deletion unless it is turned off first."],
        },
        (m) => [...raise(m), ...fasterRestore(m)],
    );

    const azNotes = [
        ...(inputs.availabilityZones < 3 ? [`The VPC spans ${inputs.availabilityZones} zones: losing one halves the search clients' capacity.`] : []),
        ...(inputs.natGateways === "Single"
            ? ["One NAT gateway: what leaves the VPC without an endpoint stops when its zone is lost (the API's path uses VPC endpoints)."]
            : []),
        ...(inputs.searchStandbyReplicas
            ? []
            : ["No OpenSearch standby replicas: search may be unavailable until AWS restores the zone; orders are served meanwhile."]),
    ];
    add(
        "az-loss",
        {
            recovery: "Nothing to do: every service the platform uses spreads over the Region's zones; watch the alarms.",
            rpo: objective([step("replicated across zones", FIGURES.azDurability)]),
            rto: objective([step("failover within the region", FIGURES.azFailover)]),
            notes: azNotes,
        },
        (m) => raise(m),
    );

    const regionNotes = [
        "Cognito users live in one Region: the standby's pool gets them from the last `npm run export-users`, and they reset their passwords.",
        ...(inputs.drStandbyOf === ""
            ? []
            : [
                  `This stack is the standby of ${inputs.drStandbyOf}: while ${inputs.drStandbyOf} serves, losing this Region loses the standby and ${inputs.drStandbyOf}'s replica (its region-loss row falls back to its copies until both are rebuilt); the figures here apply once this stack serves.`,
              ]),
    ];
    if (!inputs.drCopies) {
        add(
            "region-loss",
            {
                recovery: "None: nothing of the table is kept outside the Region.",
                rpo: unbounded("no copy outside the region", "drCopies is false: AWS Backup copies, the replica and the trail's replication are off"),
                rto: unbounded("nothing to restore", "drCopies is false: there is no copy of the table to restore from"),
                notes: regionNotes,
            },
            () => ["set drCopies true and drRegion to another Region"],
        );
    } else if (inputs.drStrategy === "pilot-light") {
        add(
            "region-loss",
            {
                recovery: `Fail over to the standby in ${inputs.drRegion} (Pulumi.prod-dr.yaml), which already runs against the table's replica: import the users, point the domain at its distribution (docs/runbooks/region-failover.md).`,
                rpo: objective([step("global-table replication", FIGURES.replication)]),
                rto: objective([
                    step("declare", FIGURES.declare),
                    step("import users into the standby", FIGURES.userImport),
                    step("switch the domain", FIGURES.dnsSwitch),
                ]),
                notes: [...regionNotes, "The standby bills all the time: the replica's writes and storage, and its own OCUs, NAT gateways and alarms."],
            },
            (m) => raise(m),
        );
    } else {
        add(
            "region-loss",
            {
                recovery: `Restore the newest recovery point copied to ${inputs.drRegion} with \`npm run restore -- --from-recovery-point ARN\` and deploy the platform there (docs/runbooks/region-failover.md).`,
                rpo: objective(copiedPointRpo(inputs, hours, lag, inputs.drRegion)),
                rto: objective([
                    step("declare", FIGURES.declare),
                    restoreStep(inputs, `in ${inputs.drRegion}`),
                    step("deploy the platform there", FIGURES.fullDeploy),
                    step("import users", FIGURES.userImport),
                    step("switch the domain", FIGURES.dnsSwitch),
                ]),
                notes: [
                    ...regionNotes,
                    "Search finds nothing there until `npm run reindex` has rebuilt the index from the restored table; orders are served meanwhile.",
                ],
            },
            (m) => [
                ...(inputs.drStandbyOf === "" ? ["set drStrategy pilot-light (a replica in the DR Region, RPO about a minute)"] : []),
                ...raise(m),
                ...fasterRestore(m),
            ],
        );
    }

    const crossAccount = inputs.drVaultArn !== "";
    if (!crossAccount || !inputs.drCopies) {
        add(
            "account-compromise",
            {
                recovery: "None the stack can count on: every copy is in the compromised account (docs/runbooks/account-compromise.md).",
                rpo: unbounded(
                    "no copy outside the account",
                    "drVaultArn is empty: an administrator of this account can remove the vaults' governance-mode locks, delete the recovery points, the replica and the keys",
                ),
                rto: unbounded("nothing to restore", "no recovery point outside the account to restore from"),
                notes: [],
            },
            () => [
                inputs.drCopies
                    ? "set drAccountId and drVaultArn (a vault in another account of the organization, in drRegion)"
                    : "set drCopies true, drRegion, drAccountId and drVaultArn",
            ],
        );
    } else {
        add(
            "account-compromise",
            {
                recovery: `In the recovery account ${inputs.drAccountId}: restore the newest recovery point its vault holds and deploy the platform there (docs/runbooks/account-compromise.md).`,
                rpo: objective(copiedPointRpo(inputs, hours, lag, `account ${inputs.drAccountId}`)),
                rto: objective([
                    step("declare", FIGURES.declare),
                    restoreStep(inputs, `in account ${inputs.drAccountId}`),
                    step("deploy the platform there", FIGURES.fullDeploy),
                    step("import users", FIGURES.userImport),
                    step("switch the domain", FIGURES.dnsSwitch),
                ]),
                notes: [
                    "The recovery account is prepared beforehand: a member of the same organization with cross-account backup on, SES production access and the quotas the platform needs.",
                ],
            },
            (m) => [...raise(m), ...fasterRestore(m)],
        );
    }

    return {
        targets: { rpoMinutes: inputs.rpoMinutes, rtoMinutes: inputs.rtoMinutes },
        strategy: inputs.drStrategy,
        drCopies: inputs.drCopies,
        drRegion: inputs.drRegion,
        backupIntervalHours: hours,
        drCopyIntervalHours: drCopyIntervalHours(inputs, hours),
        copyLagMinutes: lag,
        modes: FAILURE_MODES.map((m) => modes.find((r) => r.mode === m)!),
    };
}

/** `181 minutes (hourly backups 60 + start window 60 + copy lag 61)`, or `unbounded (why)`. */
export function describeObjective(o: Objective): string {
    if (!Number.isFinite(o.minutes)) {
        return `unbounded (${o.steps.find((s) => !Number.isFinite(s.minutes))?.label ?? "no bound"})`;
    }
    const total = `${o.minutes} minute${o.minutes === 1 ? "" : "s"}`;
    if (o.steps.length === 1) {
        return `${total} (${o.steps[0]!.label})`;
    }
    return `${total} (${o.steps.map((s) => `${s.label} ${s.minutes}`).join(" + ")})`;
}

/**
 * One line per claimed failure mode whose targets this configuration cannot meet: the targets, what it
 * achieves and what to change. `project` prefixes the keys as config errors name them.
 */
export function objectiveProblems(table: RecoveryTable, project: string): string[] {
    const k = (key: string) => `${project}:${key}`;
    return table.modes
        .filter((m) => m.claimed && !(m.rpoMet && m.rtoMet))
        .map((m) => {
            const failing = [
                ...(m.rpoMet ? [] : [`${k("rpoMinutes")} ${table.targets.rpoMinutes}`]),
                ...(m.rtoMet ? [] : [`${k("rtoMinutes")} ${table.targets.rtoMinutes}`]),
            ];
            const achieved = [...(m.rpoMet ? [] : [`an RPO of ${describeObjective(m.rpo)}`]), ...(m.rtoMet ? [] : [`an RTO of ${describeObjective(m.rto)}`])];
            const fixes = m.fixes.map((f) =>
                f.replace(/\b(rpoMinutes|rtoMinutes|drStrategy|drCopies|drRegion|drAccountId|drVaultArn|drClaims|drMeasuredRestoreMinutes)\b/g, (key) =>
                    k(key),
                ),
            );
            return `${failing.join(" and ")} cannot be met for ${m.mode} (claimed in ${k("drClaims")}): this configuration achieves ${achieved.join(" and ")}; ${[...fixes, `remove ${m.mode} from ${k("drClaims")}`].join(", or ")}`;
        });
}
