import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as fc from "fast-check";
import { parseConfig, recoveryInputs, type RawConfig } from "../../config";
import { backupSchedule } from "../../components/backup";
import { FAILURE_MODES, FIGURES, copyLagMinutes, objectiveProblems, recoveryTable, releaseMinutes, scheduleHours } from "../../tools/dr/model";
import { stackRecovery, stacksIn } from "../../tools/dr/cli";
import { REQUIRED, problemsFor } from "../shared/config-problems";

const REPO = path.resolve(__dirname, "..", "..");

const PROD_DR: RawConfig = {
    "platform:drCopies": "true",
    "platform:drRegion": "eu-central-1",
    "platform:drStrategy": "pilot-light",
    "platform:drClaims": '["bad-deploy", "bad-data", "table-deleted", "az-loss", "region-loss"]',
    "platform:rpoMinutes": "5",
    "platform:rtoMinutes": "90",
    "platform:releaseIntervalMinutes": "10",
    "platform:releaseBakeMinutes": "10",
    "platform:tableSizeGb": "5",
};
const tableFor = (raw: RawConfig) => recoveryTable(recoveryInputs(parseConfig({ ...REQUIRED, ...raw }, "platform", { skipRecoveryObjectives: true })));
const mode = (raw: RawConfig, m: string) => tableFor(raw).modes.find((x) => x.mode === m)!;

describe("recovery objectives (tools/dr/model.ts) and the check in loadConfig", () => {
    describe("the project's stacks", () => {
        it("every stack file meets the targets of every mode it claims, and prod claims region loss", () => {
            assert.deepEqual(stacksIn(REPO), ["dev", "staging", "prod", "prod-dr"]);
            for (const stack of stacksIn(REPO)) {
                const { table } = stackRecovery(REPO, stack);
                assert.deepEqual(objectiveProblems(table, "platform"), [], stack);
            }
            const prod = stackRecovery(REPO, "prod").table;
            assert.ok(prod.modes.find((m) => m.mode === "region-loss")!.claimed, "prod claims region-loss");
            assert.equal(prod.strategy, "pilot-light");
            // A prod stack must not lose more than its RPO with its region: about a minute of replication.
            assert.equal(prod.modes.find((m) => m.mode === "region-loss")!.rpo.minutes, 1);
        });

        it("the standby (prod-dr) stands by for prod in prod's drRegion, with prod's targets", () => {
            const standby = stackRecovery(REPO, "prod-dr");
            const prod = stackRecovery(REPO, "prod");
            assert.equal(standby.standbyOf, "prod");
            assert.equal(standby.region, prod.table.drRegion);
            assert.deepEqual(standby.table.targets, prod.table.targets);
            assert.equal(standby.table.drRegion, prod.region, "its copies go back to prod's region");
        });
    });

    describe("what each failure mode achieves, and from what", () => {
        it("PITR gives about 5 minutes of RPO in the region; the table's size and the release set the RTO", () => {
            const bad = mode(PROD_DR, "bad-data");
            assert.equal(bad.rpo.minutes, FIGURES.pitr.minutes);
            // declare 15 + restore (20-minute floor + 5 GB) + repoint 10 + canary (10) and bake (10)
            assert.deepEqual(
                bad.rto.steps.map((s) => [s.label, s.minutes]),
                [
                    ["declare", 15],
                    ["restore in the region", 25],
                    ["pulumi up to repoint the stack", 10],
                    ["release", 20],
                ],
            );
            assert.match(bad.rto.steps[1]!.source, /Knowledge Center.*at least 20 minutes/);
            assert.match(bad.rto.steps[1]!.source, /assumption/);
        });

        it("a measured restore time replaces the estimate, and says where it comes from", () => {
            const step = mode({ ...PROD_DR, "platform:drMeasuredRestoreMinutes": "42" }, "bad-data").rto.steps[1]!;
            assert.equal(step.minutes, 42);
            assert.match(step.source, /drMeasuredRestoreMinutes: the data step's elapsed time as `npm run restore` measured it/);
        });

        it("region loss: the copy schedule, a late start and the copy lag under backup-restore; a minute of replication under pilot-light; unbounded without copies", () => {
            const restore = mode({ ...PROD_DR, "platform:drStrategy": "backup-restore", "platform:rpoMinutes": "240" }, "region-loss");
            assert.deepEqual(
                restore.rpo.steps.map((s) => [s.label, s.minutes]),
                [
                    ["every 2 h backups", 120],
                    ["start window", 60],
                    ["copy lag to eu-central-1", copyLagMinutes(5)],
                ],
            );
            assert.ok(restore.rto.steps.some((s) => s.label === "deploy the platform there"));
            assert.equal(mode(PROD_DR, "region-loss").rpo.minutes, 1);
            const none = mode({}, "region-loss");
            assert.equal(none.rpo.minutes, Number.POSITIVE_INFINITY);
            assert.equal(none.rto.minutes, Number.POSITIVE_INFINITY);
        });

        it("account compromise is bounded only by copies in another account", () => {
            assert.equal(mode(PROD_DR, "account-compromise").rpo.minutes, Number.POSITIVE_INFINITY);
            const cross = mode(
                {
                    ...PROD_DR,
                    "platform:drAccountId": "210987654321",
                    "platform:drVaultArn": "arn:aws:backup:eu-central-1:210987654321:backup-vault:platform-recovery",
                },
                "account-compromise",
            );
            assert.ok(Number.isFinite(cross.rpo.minutes) && Number.isFinite(cross.rto.minutes));
            assert.match(cross.recovery, /210987654321/);
        });

        it("every step of every mode names its source", () => {
            for (const raw of [{}, PROD_DR, { ...PROD_DR, "platform:drStrategy": "backup-restore" }]) {
                for (const m of tableFor(raw).modes) for (const s of [...m.rpo.steps, ...m.rto.steps]) assert.ok(s.source.length > 20, `${m.mode} ${s.label}`);
            }
            assert.deepEqual(
                tableFor({}).modes.map((m) => m.mode),
                [...FAILURE_MODES],
            );
        });

        it("a release lasts its shifts and its bake, per strategy", () => {
            const r = (releaseStrategy: "blue-green" | "rolling" | "canary", step: number, interval: number, bake: number) =>
                releaseMinutes({ releaseStrategy, releaseStepPercent: step, releaseIntervalMinutes: interval, releaseBakeMinutes: bake });
            assert.equal(r("blue-green", 10, 10, 5), 5);
            assert.equal(r("canary", 10, 10, 10), 20);
            assert.equal(r("rolling", 25, 3, 5), 14, "25 % every 3 minutes: three waits, then the bake");
            assert.equal(r("rolling", 30, 3, 5), 14, "30 %: four shifts, the last one partial");
        });

        it("the Backup component runs the schedule the model counts on", () => {
            fc.assert(
                fc.property(fc.integer({ min: 5, max: 10080 }), fc.boolean(), fc.integer({ min: 1, max: 2000 }), (rpo, copies, size) => {
                    const hours = scheduleHours({ rpoMinutes: rpo, drCopies: copies, tableSizeGb: size });
                    assert.equal(backupSchedule(rpo, copies ? FIGURES.startWindow.minutes + copyLagMinutes(size) : 0).intervalHours, hours);
                }),
            );
        });
    });

    describe("loadConfig refuses targets the claimed modes cannot meet: one line per mode, naming the target, what is achieved and what to change", () => {
        it("an RTO a restore cannot meet", () => {
            assert.deepEqual(problemsFor({ ...PROD_DR, "platform:rtoMinutes": "60", "platform:drClaims": '["bad-data"]' }), [
                "platform:rtoMinutes 60 cannot be met for bad-data (claimed in platform:drClaims): this configuration achieves an RTO of 70 minutes " +
                    "(declare 15 + restore in the region 25 + pulumi up to repoint the stack 10 + release 20); raise platform:rtoMinutes to 70, or record the restore time " +
                    "`npm run restore` measures in platform:drMeasuredRestoreMinutes (the estimate assumes 1 minute per GB), or remove bad-data from platform:drClaims",
            ]);
        });

        it("a region loss under backup-restore with a 5-minute RPO: pilot-light is the way", () => {
            const problems = problemsFor({ ...PROD_DR, "platform:drStrategy": "backup-restore", "platform:drClaims": '["region-loss"]' });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(
                problems[0]!,
                /^platform:rpoMinutes 5 and platform:rtoMinutes 90 cannot be met for region-loss \(claimed in platform:drClaims\): this configuration achieves an RPO of 160 minutes \(hourly backups 60 \+ start window 60 \+ copy lag to eu-central-1 40\) and an RTO of 120 minutes \(.*\); set platform:drStrategy pilot-light \(a replica in the DR Region, RPO about a minute\), or raise platform:rpoMinutes to 160, or raise platform:rtoMinutes to 120, .*or remove region-loss from platform:drClaims$/,
            );
        });

        it("a region loss without copies, and an account compromise without a recovery account: unbounded, and what to set", () => {
            const problems = problemsFor({ "platform:drClaims": '["region-loss", "account-compromise"]' });
            assert.deepEqual(problems, [
                "platform:rpoMinutes 60 and platform:rtoMinutes 240 cannot be met for region-loss (claimed in platform:drClaims): this configuration achieves an RPO of unbounded (no copy outside the region) and an RTO of unbounded (nothing to restore); set platform:drCopies true and platform:drRegion to another Region, or remove region-loss from platform:drClaims",
                "platform:rpoMinutes 60 and platform:rtoMinutes 240 cannot be met for account-compromise (claimed in platform:drClaims): this configuration achieves an RPO of unbounded (no copy outside the account) and an RTO of unbounded (nothing to restore); set platform:drCopies true, platform:drRegion, platform:drAccountId and platform:drVaultArn, or remove account-compromise from platform:drClaims",
            ]);
        });

        it("modes not claimed are shown, never refused", () => {
            assert.deepEqual(problemsFor({}), []);
            assert.equal(mode({}, "region-loss").claimed, false);
        });

        it("accepts a configuration exactly when every claimed mode meets both targets (any targets, strategy, size)", () => {
            fc.assert(
                fc.property(
                    fc.integer({ min: 5, max: 2000 }),
                    fc.integer({ min: 5, max: 2000 }),
                    fc.constantFrom("backup-restore", "pilot-light"),
                    fc.integer({ min: 1, max: 500 }),
                    fc.subarray([...FAILURE_MODES]),
                    (rpo, rto, strategy, size, claims) => {
                        const raw = {
                            ...PROD_DR,
                            "platform:rpoMinutes": String(rpo),
                            "platform:rtoMinutes": String(rto),
                            "platform:drStrategy": strategy,
                            "platform:tableSizeGb": String(size),
                            "platform:drClaims": JSON.stringify(claims),
                        };
                        const unmet = tableFor(raw).modes.filter((m) => claims.includes(m.mode) && !(m.rpoMet && m.rtoMet));
                        const problems = problemsFor(raw);
                        assert.equal(problems.length, unmet.length, problems.join("\n"));
                        unmet.forEach((m, i) => assert.match(problems[i]!, new RegExp(`cannot be met for ${m.mode} `)));
                    },
                ),
                { numRuns: 200 },
            );
        });
    });

    describe("the DR keys must fit together", () => {
        const cases: Array<[string, RawConfig, RegExp]> = [
            [
                "copies without a region",
                { "platform:drCopies": "true" },
                /^platform:drCopies is true but platform:drRegion is empty: name the region copies go to/,
            ],
            ["the stack's own region", { "platform:drRegion": "eu-west-1" }, /^platform:drRegion: "eu-west-1" is the stack's own aws:region/],
            [
                "pilot-light without copies",
                { "platform:drStrategy": "pilot-light", "platform:drRegion": "eu-central-1" },
                /^platform:drStrategy is pilot-light but platform:drCopies is false/,
            ],
            ["an account without its vault", { "platform:drAccountId": "210987654321" }, /^platform:drAccountId is set but platform:drVaultArn is empty/],
            [
                "a vault of another account",
                {
                    "platform:drCopies": "true",
                    "platform:drRegion": "eu-central-1",
                    "platform:drAccountId": "210987654321",
                    "platform:drVaultArn": "arn:aws:backup:eu-central-1:123456789012:backup-vault:vault",
                },
                /^platform:drVaultArn: .* is a vault of account 123456789012, not of platform:drAccountId 210987654321/,
            ],
            [
                "a vault in another region",
                {
                    "platform:drCopies": "true",
                    "platform:drRegion": "eu-central-1",
                    "platform:drAccountId": "210987654321",
                    "platform:drVaultArn": "arn:aws:backup:us-east-1:210987654321:backup-vault:vault",
                },
                /^platform:drVaultArn: .* is in us-east-1, not in platform:drRegion eu-central-1/,
            ],
            [
                "a vault without copies",
                { "platform:drAccountId": "210987654321", "platform:drVaultArn": "arn:aws:backup:eu-central-1:210987654321:backup-vault:vault" },
                /^platform:drVaultArn is set but platform:drCopies is false/,
            ],
            [
                "a standby with no way to its replica",
                { "platform:drStandbyOf": "prod" },
                /^platform:drStandbyOf is "prod" but neither platform:drPrimaryStack nor drReplicaStreamArn and drReplicaKeyArn are set: name the primary's stack \(`pulumi config set drPrimaryStack <organization>\/platform\/prod`\)/,
            ],
            [
                "a standby with half its replica pinned",
                { "platform:drStandbyOf": "prod", "platform:drReplicaKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000" },
                /^platform:drReplicaStreamArn is empty but the other of drReplicaStreamArn and drReplicaKeyArn is set: pin both/,
            ],
            [
                "a primary's stack reference that names another stack",
                { "platform:drStandbyOf": "prod", "platform:drPrimaryStack": "acme/platform/staging" },
                /^platform:drPrimaryStack: "acme\/platform\/staging" is not stack prod of project platform: name the primary this stack is the standby of \(<organization>\/platform\/prod\)$/,
            ],
            [
                "a primary's stack reference of another project",
                { "platform:drStandbyOf": "prod", "platform:drPrimaryStack": "acme/shop/prod" },
                /^platform:drPrimaryStack: "acme\/shop\/prod" is not stack prod of project platform/,
            ],
            [
                "a primary's stack reference without a standby",
                { "platform:drPrimaryStack": "acme/platform/prod" },
                /^platform:drPrimaryStack is set but platform:drStandbyOf is empty/,
            ],
            [
                "replica ARNs without a standby",
                { "platform:drReplicaKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000" },
                /^platform:drReplicaKeyArn is set but platform:drStandbyOf is empty/,
            ],
        ];
        for (const [what, raw, expected] of cases) {
            it(`refuses ${what}, in one line`, () => {
                const problems = problemsFor(raw);
                assert.equal(problems.length, 1, problems.join("\n"));
                assert.match(problems[0]!, expected);
            });
        }

        it("refuses a standby's replica in another region, of another stack's table or account, or a standby that would replicate", () => {
            const standby = {
                "platform:drStandbyOf": "prod",
                "platform:drReplicaStreamArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/platform-prod-orders/stream/2026-01-01T00:00:00.000",
                "platform:drReplicaKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000",
            };
            assert.deepEqual(problemsFor(standby), []);
            assert.deepEqual(
                problemsFor({ "platform:drStandbyOf": "prod", "platform:drPrimaryStack": "organization/platform/prod" }),
                [],
                "the reference alone",
            );
            assert.deepEqual(problemsFor({ ...standby, "platform:drPrimaryStack": "organization/platform/prod" }), [], "pinned values beside it");
            assert.match(
                problemsFor({ ...standby, "aws:region": "eu-central-1" })[0]!,
                /^platform:drReplicaStreamArn: .* is in eu-west-1, not in this stack's aws:region eu-central-1: a standby runs in its primary's drRegion/,
            );
            assert.match(
                problemsFor({
                    ...standby,
                    "platform:drReplicaStreamArn": standby["platform:drReplicaStreamArn"].replace("platform-prod-orders", "platform-staging-orders"),
                })[0]!,
                /is the stream of table platform-staging-orders, not of stack prod's \(platform-prod-\.\.\.\)/,
            );
            assert.match(
                problemsFor({ ...standby, "platform:drReplicaKeyArn": standby["platform:drReplicaKeyArn"].replace("123456789012", "210987654321") })[0]!,
                /is a key of account 210987654321, the replica's stream of account 123456789012/,
            );
            assert.match(
                problemsFor({ ...standby, "platform:drCopies": "true", "platform:drRegion": "eu-central-1", "platform:drStrategy": "pilot-light" }).join("\n"),
                /platform:drStrategy is pilot-light but platform:drStandbyOf is set: a standby's table is its primary's replica/,
            );
        });
    });
});
