/**
 * The coverage gate: the platform's own catalogue of incident scenarios (drills/*.json) against dev, staging
 * and prod, one offline preview (update mode) per stack reused by every scenario. A stack fails when a
 * scenario is not detected in time, reaches the wrong severity, escalates to no one new, or a release that
 * should roll back does not (or does so only in its very last minute); the catalogue itself fails when a
 * failure the platform must survive has no scenario, or a scenario does not state its severity, its
 * minutes per stack (stricter in prod than in dev) and, with a release, whether it rolls back.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluator } from "../../tools/drill/evaluate";
import { buildModel, displayName, type DrillModel } from "../../tools/drill/model";
import { renderText } from "../../tools/drill/render";
import { runScenario, type ScenarioResult } from "../../tools/drill/run";
import { appliesToStack, checkScenario, loadScenario, type Scenario, type StackMinutes } from "../../tools/drill/scenario";
import { stackPreviews } from "../shared/stack-previews";

const REPO = path.resolve(__dirname, "..", "..");
const DRILLS = path.join(REPO, "drills");
const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];

/** The failures the platform must survive (issue 13), each with its scenario file. */
const REQUIRED: Record<string, string> = {
    "API 5xx burst": "api-5xx-burst",
    "API latency regression": "api-latency-regression",
    "a bad release during a canary (prod)": "bad-release-canary",
    "a bad release during a rolling release (staging)": "bad-release-rolling",
    "a bad release during a blue/green release (dev)": "bad-release-blue-green",
    "api function errors": "api-function-errors",
    "api function throttles": "api-function-throttles",
    "email-worker errors": "email-worker-errors",
    "email-worker throttles": "email-worker-throttles",
    "search-indexer errors": "search-indexer-errors",
    "search-indexer throttles": "search-indexer-throttles",
    "ses-feedback errors": "ses-feedback-errors",
    "ses-feedback throttles": "ses-feedback-throttles",
    "a poison message reaching a DLQ": "poison-message-dlq",
    "the email queue backing up": "email-queue-backlog",
    "DynamoDB system errors": "dynamodb-system-errors",
    "DynamoDB throttling": "dynamodb-throttling",
    "SES bounce rate, warning then critical": "ses-bounce-rate",
    "SES complaint rate, warning then critical": "ses-complaint-rate",
    "OpenSearch errors": "opensearch-errors",
    "CloudFront 5xx": "cloudfront-5xx",
    "a WAF blocking spike": "waf-blocking-spike",
    "a backup job failure": "backup-job-failure",
    "a failed copy of a recovery point to the DR region (staging, prod)": "backup-copy-failure",
    "the global-table replica falling behind (prod, pilot-light)": "replication-lag",
    "root account use": "root-account-use",
    "unauthorized API calls": "unauthorized-api-calls",
    "trail changes": "trail-changes",
    "a KMS key disabled or scheduled for deletion": "kms-key-disabled",
    "SNS delivery failures to the pager": "pager-delivery-failures",
    "no orders during business hours (prod)": "no-orders-business-hours",
    "a cancellation-rate spike": "cancellation-rate-spike",
    "threat-detection findings undelivered (failed deliveries, DLQ)": "threat-findings-undelivered",
    // Scaling triggers (issue 14): each limit warns before it binds.
    "a function's concurrency near its reserved concurrency": "api-concurrency-near-limit",
    "provisioned concurrency spilling over (staging, prod)": "api-provisioned-spillover",
    "API requests throttled (429)": "api-throttled-requests",
    "the API's request rate near its stage throttle": "api-request-rate-near-throttle",
    "the account's Lambda concurrency near its quota": "account-concurrency-near-quota",
    "SES sends near the sending rate": "ses-send-rate-near-quota",
    "OpenSearch OCUs near the configured maximum": "opensearch-ocus-near-max",
    "a high-severity GuardDuty finding": "guardduty-high-finding",
    "a critical Security Hub finding (where Security Hub runs)": "securityhub-critical-finding",
};

/**
 * Warnings whose escalation cannot be drilled, and why (a real limit the scenario's description states):
 * every other warning scenario must escalate to someone new.
 */
const NO_ESCALATION: Record<string, string> = {
    "backup-job-failure": "a failed job is one 5-minute datapoint: the alarm is back to OK before its escalation twin can fire",
    "backup-copy-failure": "a failed copy is one 5-minute datapoint: the alarm is back to OK before its escalation twin can fire",
};

const files = fs
    .readdirSync(DRILLS)
    .filter((f) => f.endsWith(".json"))
    .sort();
const catalogue: Array<{ file: string; scenario: Scenario }> = files.map((f) => ({
    file: `drills/${f}`,
    scenario: loadScenario(path.join(DRILLS, f), `drills/${f}`),
}));

/** A per-stack minutes object names every stack it runs on, and is no looser in prod than in staging, nor in staging than in dev. */
function checkPerStack(what: string, value: StackMinutes, stacks: readonly Stack[]): void {
    if (stacks.length === 1) return;
    assert.equal(typeof value, "object", `${what}: one number for every stack; give each stack its own minutes, stricter in prod than in dev`);
    const minutes = value as Record<string, number>;
    for (const stack of stacks) assert.ok(Number.isInteger(minutes[stack]), `${what}: names no minutes for ${stack}`);
    // The stacks it runs on, loosest first (dev, staging, prod): never looser further on, and stricter at the end.
    const order = STACKS.filter((s) => stacks.includes(s)).map((s) => minutes[s]!);
    const names = STACKS.filter((s) => stacks.includes(s));
    assert.ok(
        order.every((m, i) => i === 0 || m <= order[i - 1]!),
        `${what}: ${[...names].reverse().join(" <= ")} (${JSON.stringify(value)})`,
    );
    assert.ok(order[order.length - 1]! < order[0]!, `${what}: stricter in ${names[names.length - 1]} than in ${names[0]} (${JSON.stringify(value)})`);
}

export function describeCatalogue(): void {
    describe("the incident catalogue and its coverage gate (drills/ on dev, staging and prod)", function () {
        this.timeout(120_000);
        const models = {} as Record<Stack, DrillModel>;
        const results = {} as Record<Stack, ScenarioResult[]>;

        before(async function () {
            const all = await stackPreviews();
            const reports = STACKS.map((stack) => all.find((r) => r.stack === stack)!);
            reports.forEach((report, i) => {
                const stack = STACKS[i]!;
                const model = buildModel(report);
                models[stack] = model;
                // Bad input (a metric no alarm watches, a glob matching no alarm) throws here, naming the file.
                for (const { file, scenario } of catalogue) checkScenario(scenario, model, file);
                results[stack] = catalogue.map(({ file, scenario }) => runScenario(model, scenario, evaluator, file));
            });
        });

        describe("the catalogue", () => {
            it("has a scenario for every failure the platform must survive", () => {
                const names = new Set(catalogue.map((c) => path.basename(c.file, ".json")));
                const missing = Object.entries(REQUIRED).filter(([, file]) => !names.has(file));
                assert.deepEqual(missing, [], "drills/ lacks these scenarios");
                for (const { file, scenario } of catalogue) assert.equal(scenario.name, path.basename(file, ".json"), `${file}: named after its file`);
            });

            it("every scenario says what fails, its severity, within how many minutes per stack someone hears of it, and whether a release rolls back", () => {
                for (const { file, scenario } of catalogue) {
                    const e = scenario.expect;
                    const stacks = STACKS.filter((s) => appliesToStack(scenario, s));
                    assert.ok((scenario.description ?? "").length > 80, `${file}: a description from the operator's point of view`);
                    assert.ok((e.alarms ?? e.rules ?? []).length > 0, `${file}: names the alarms that must fire (or the rules its events must match)`);
                    assert.ok(e.severity !== undefined, `${file}: states its severity`);
                    assert.ok(e.withinMinutes !== undefined, `${file}: states within how many minutes someone must hear of it`);
                    assert.ok(e.notify && e.notify.length > 0, `${file}: states who must hear of it`);
                    checkPerStack(`${file}: expect.withinMinutes`, e.withinMinutes, stacks);
                    if (scenario.release) assert.ok(e.rollback !== undefined, `${file}: a release is under way, so it states whether it rolls back`);
                    if (e.severity === "warning" && !(scenario.name in NO_ESCALATION))
                        assert.ok(
                            e.escalatesWithinMinutes !== undefined,
                            `${file}: a warning that lasts must escalate to someone new (or be listed in NO_ESCALATION)`,
                        );
                    if (e.escalatesWithinMinutes !== undefined) checkPerStack(`${file}: expect.escalatesWithinMinutes`, e.escalatesWithinMinutes, stacks);
                }
                for (const name of Object.keys(NO_ESCALATION)) {
                    const s = catalogue.find((c) => c.scenario.name === name)?.scenario;
                    assert.ok(s, `NO_ESCALATION names ${name}, which drills/ does not have`);
                    assert.match(s.description ?? "", /never fires|not told/, `${name}: its description states the limit`);
                }
            });

            it("every scenario runs on some stack, and each release strategy on the stack that uses it", () => {
                for (const [i, { file }] of catalogue.entries()) {
                    const ran = STACKS.filter((s) => results[s][i]!.skipped === undefined);
                    assert.ok(ran.length > 0, `${file} is skipped on every stack: ${STACKS.map((s) => results[s][i]!.skipped).join("; ")}`);
                }
                const ranOn = (name: string) => STACKS.filter((s) => results[s].find((r) => r.name === name)!.skipped === undefined);
                assert.deepEqual(ranOn("bad-release-canary"), ["prod"]);
                assert.deepEqual(ranOn("bad-release-rolling"), ["staging"]);
                assert.deepEqual(ranOn("bad-release-blue-green"), ["dev"]);
                assert.deepEqual(ranOn("no-orders-business-hours"), ["prod"]);
                assert.deepEqual(ranOn("securityhub-critical-finding"), ["staging", "prod"], "Security Hub runs where threatDetection is full");
            });
        });

        for (const stack of STACKS) {
            describe(`on ${stack}`, () => {
                for (const [i, { file }] of catalogue.entries()) {
                    it(`${path.basename(file, ".json")}: detected in time, at its severity, escalated to someone new, rolled back as stated`, function () {
                        const r = results[stack][i]!;
                        // Not for this stack (its stacks, its release strategy): pending, not passed (the test above checks it runs elsewhere).
                        if (r.skipped !== undefined) this.skip();
                        const report = () => `\n${renderText(models[stack], [r])}`;
                        assert.deepEqual(r.failures, [], `${file} on ${stack}:${report()}`);
                        // Every alarm that fires on the way reaches someone (no topic CloudWatch cannot publish to, no alarm without a subscriber).
                        for (const e of r.timeline) {
                            if (e.kind !== "state" || e.to !== "ALARM") continue;
                            const heard = r.timeline.some(
                                (n) => (n.kind === "notify" || n.kind === "escalate") && n.alarm === e.alarm && n.minute === e.minute && n.endpoints.length > 0,
                            );
                            const alarm = models[stack].alarms.find((a) => a.alarmName === e.alarm)!;
                            assert.ok(heard, `${file} on ${stack}: ${displayName(alarm)} reached ALARM at t+${e.minute}m and told no one${report()}`);
                        }
                        // Every rule an event matches delivers it to someone (a topic EventBridge may publish to, with a subscriber).
                        for (const e of r.timeline) {
                            if (e.kind !== "event") continue;
                            const heard = r.timeline.some((n) => n.kind === "notify" && n.alarm === e.rule && n.minute === e.minute && n.endpoints.length > 0);
                            assert.ok(heard, `${file} on ${stack}: rule ${e.rule} matched an event at t+${e.minute}m and told no one${report()}`);
                        }
                        // A rollback in the release's very last minute races its hook's success report: at least a minute of margin.
                        if (typeof r.release === "object" && r.rolledBackAtMinute !== null)
                            assert.ok(
                                r.rolledBackAtMinute <= r.release.endsAtMinute - 2,
                                `${file} on ${stack}: rolled back at t+${r.rolledBackAtMinute}m, in the last minute of a release that completes at t+${r.release.endsAtMinute}m: no margin${report()}`,
                            );
                    });
                }
            });
        }
    });
}
