import { strict as assert } from "node:assert";
import { ACCOUNT, MockRun, Recorded, installMocks, testContext, functionTestArgs, testKeyArn } from "./harness";

describe("scaling: provisioned concurrency, mapping maximum concurrency and the scaling triggers", function () {
    let run: MockRun;
    let fnMod: typeof import("../../components/function");
    let capMod: typeof import("../../components/capacity-alarms");
    let args: (over?: Partial<import("../../components/function").FunctionArgs>) => import("../../components/function").FunctionArgs;
    let queue: import("../../components/queue-with-dlq").QueueWithDlq;

    const alarm = (name: string): Recorded => run.one("aws:cloudwatch/metricAlarm:MetricAlarm", name);
    const topicArn = (sev: string) => `arn:aws:sns:eu-west-1:${ACCOUNT}:platform-dev-alerts-${sev}`;

    before(async function () {
        run = installMocks();
        fnMod = await import("../../components/function");
        capMod = await import("../../components/capacity-alarms");
        const queueMod = await import("../../components/queue-with-dlq");
        const alertMod = await import("../../components/alerting");
        const ctx = testContext();
        const alerting = new alertMod.Alerting("alerts", {
            context: ctx,
            kmsKeyArn: testKeyArn("messaging"),
            emails: ["a@example.com"],
            escalationMinutes: 15,
        });
        args = (over = {}) => functionTestArgs(ctx, alerting.routing, over);
        queue = new queueMod.QueueWithDlq("jobs", {
            context: ctx,
            kmsKey: testKeyArn("messaging"),
            consumerTimeoutSeconds: 10,
            maxReceiveCount: 5,
            maxAgeSeconds: 600,
            routing: alerting.routing,
        });
        new fnMod.Function("web", {
            ...args({ reservedConcurrency: 40 }),
            provisionedConcurrency: {
                min: 2,
                max: 30,
                schedule: [
                    { schedule: "cron(0 7 ? * MON-FRI *)", min: 10, max: 40 },
                    { schedule: "cron(0 21 ? * * *)", min: 2, max: 30 },
                ],
                timeZone: "Europe/Paris",
            },
        });
        new fnMod.Function("consumer", { ...args({ reservedConcurrency: 7 }), queueSources: [queue] });
        new fnMod.Function("narrow", { ...args({ reservedConcurrency: 7 }), queueSources: [queue], queueMaximumConcurrency: 2 });
        new capMod.CapacityAlarms("capacity", {
            context: ctx,
            routing: alerting.routing,
            accountConcurrencyQuota: 1000,
            sesSendingQuotaPerSecond: 14,
            sesSendingQuotaPer24h: 50000,
            searchMaxIndexingOcus: 10,
            searchMaxSearchOcus: 20,
        });
        await run.settle();
    });

    describe("provisioned concurrency on the live alias", () => {
        it("allocates the minimum on the alias once, then leaves the number to Application Auto Scaling", () => {
            const pc = run.one("aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig", "web-provisioned");
            assert.equal(pc.inputs.qualifier, "live");
            assert.equal(pc.inputs.functionName, "platform-dev-web");
            assert.equal(pc.inputs.provisionedConcurrentExecutions, 2);
        });

        it("scales the alias, not a version: resource id function:<name>:live, between min and max", () => {
            const target = run.one("aws:appautoscaling/target:Target", "web-scaling-target");
            assert.equal(target.inputs.resourceId, "function:platform-dev-web:live");
            assert.equal(target.inputs.scalableDimension, "lambda:function:ProvisionedConcurrency");
            assert.equal(target.inputs.serviceNamespace, "lambda");
            assert.deepEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [2, 30]);
            const pcUrn = run.one("aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig", "web-provisioned").urn;
            assert.ok(target.dependencies.includes(pcUrn), "registered after the allocation exists");
        });

        it("tracks LambdaProvisionedConcurrencyUtilization at 0.7, scaling out at once and in slowly", () => {
            const policy = run.one("aws:appautoscaling/policy:Policy", "web-scaling-policy");
            assert.equal(policy.inputs.policyType, "TargetTrackingScaling");
            assert.equal(policy.inputs.resourceId, "function:platform-dev-web:live");
            const t = policy.inputs.targetTrackingScalingPolicyConfiguration;
            assert.equal(t.targetValue, 0.7);
            assert.equal(t.predefinedMetricSpecification.predefinedMetricType, "LambdaProvisionedConcurrencyUtilization");
            assert.equal(t.scaleOutCooldown, 0);
            assert.ok(t.scaleInCooldown >= 60);
        });

        it("schedules each change of the bounds in its time zone", () => {
            const s = run.one("aws:appautoscaling/scheduledAction:ScheduledAction", "web-schedule-0");
            assert.equal(s.inputs.schedule, "cron(0 7 ? * MON-FRI *)");
            assert.equal(s.inputs.timezone, "Europe/Paris");
            assert.deepEqual(s.inputs.scalableTargetAction, { minCapacity: 10, maxCapacity: 40 });
            assert.equal(run.one("aws:appautoscaling/scheduledAction:ScheduledAction", "web-schedule-1").inputs.resourceId, "function:platform-dev-web:live");
        });

        it("warns on spillover, routed to the warning topic and tagged, on the alias's own metric", () => {
            const a = alarm("web-provisioned-spillover");
            assert.equal(a.inputs.metricName, "ProvisionedConcurrencySpilloverInvocations");
            assert.deepEqual(a.inputs.dimensions, { FunctionName: "platform-dev-web", Resource: "platform-dev-web:live" });
            assert.deepEqual(a.inputs.alarmActions, [topicArn("warning")]);
            assert.equal(a.inputs.tags.severity, "warning");
            assert.match(a.inputs.alarmDescription, /at most 40/, "names the largest scheduled maximum");
            alarm("web-provisioned-spillover-escalated");
        });

        it("creates none of it for a function without provisioned concurrency", () => {
            assert.deepEqual(
                run.ofType("aws:appautoscaling/target:Target").map((t) => t.name),
                ["web-scaling-target"],
            );
            assert.throws(() => alarm("consumer-provisioned-spillover"), /found 0/);
        });
    });

    describe("SQS event source mappings", () => {
        it("cap their concurrency below the reserved concurrency (reserved - 1 by default)", () => {
            const esm = run.one("aws:lambda/eventSourceMapping:EventSourceMapping", "consumer-jobs-source");
            assert.deepEqual(esm.inputs.scalingConfig, { maximumConcurrency: 6 });
            const narrow = run.one("aws:lambda/eventSourceMapping:EventSourceMapping", "narrow-jobs-source");
            assert.deepEqual(narrow.inputs.scalingConfig, { maximumConcurrency: 2 });
        });
    });

    describe("scaling triggers", () => {
        it("warn at 80 % of each function's reserved concurrency", () => {
            const a = alarm("consumer-concurrency");
            assert.equal(a.inputs.metricName, "ConcurrentExecutions");
            assert.deepEqual(a.inputs.dimensions, { FunctionName: "platform-dev-consumer" });
            assert.equal(a.inputs.statistic, "Maximum");
            assert.equal(a.inputs.threshold, 5.6);
            assert.equal(a.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
            assert.deepEqual(a.inputs.okActions, [topicArn("warning")]);
            assert.equal(alarm("web-concurrency").inputs.threshold, 32);
        });

        it("warn at 80 % of the account's quotas, as config states them", () => {
            const account = alarm("capacity-account-concurrency");
            assert.equal(account.inputs.threshold, 800);
            assert.deepEqual(account.inputs.dimensions, {});
            assert.equal(alarm("capacity-ses-send-rate").inputs.threshold, 672);
            const daily = alarm("capacity-ses-daily-quota");
            assert.equal(daily.inputs.period, 3600);
            assert.equal(daily.inputs.threshold, 1666.667);
            assert.ok(
                daily.inputs.period * alarm("capacity-ses-daily-quota-escalated").inputs.evaluationPeriods <= 86400,
                "CloudWatch evaluates at most a day",
            );
            const ocus = alarm("capacity-search-ocus");
            assert.equal(ocus.inputs.namespace, "AWS/AOSS");
            assert.equal(ocus.inputs.metricName, "SearchOCU");
            assert.equal(ocus.inputs.threshold, 16);
            assert.deepEqual(ocus.inputs.dimensions, { ClientId: ACCOUNT });
            assert.equal(alarm("capacity-indexing-ocus").inputs.threshold, 8);
            for (const a of run
                .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                .filter((r) => r.name.startsWith("capacity-") && !r.name.endsWith("-escalated"))) {
                assert.equal(a.inputs.tags.severity, "warning", a.name);
                assert.deepEqual(a.inputs.alarmActions, [topicArn("warning")], a.name);
            }
        });
    });

    describe("refuses capacity that cannot work, naming the argument", () => {
        const cases: [string, Partial<import("../../components/function").FunctionArgs>, RegExp][] = [
            [
                "a queue consumer reserving 2",
                { reservedConcurrency: 2, queueSources: [] },
                /argument "reservedConcurrency" is 2; allowed: at least 3 for a queue consumer/,
            ],
            [
                "a mapping at the reservation",
                { reservedConcurrency: 5, queueMaximumConcurrency: 5 },
                /argument "queueMaximumConcurrency" is 5; allowed: a whole number from 2 to 4/,
            ],
            ["a mapping below the AWS minimum", { reservedConcurrency: 5, queueMaximumConcurrency: 1 }, /argument "queueMaximumConcurrency" is 1/],
            [
                "provisioned beyond the reservation",
                { reservedConcurrency: 5, provisionedConcurrency: { min: 1, max: 6 } },
                /argument "provisionedConcurrency.max" is 6; allowed: a whole number from 1 to 5/,
            ],
            [
                "a minimum above the maximum",
                { reservedConcurrency: 5, provisionedConcurrency: { min: 4, max: 3 } },
                /argument "provisionedConcurrency.min" is 4/,
            ],
            [
                "a utilization target of 1",
                { provisionedConcurrency: { min: 1, max: 2, targetUtilization: 1 } },
                /argument "provisionedConcurrency.targetUtilization" is 1/,
            ],
            [
                "a schedule beyond the reservation",
                { reservedConcurrency: 5, provisionedConcurrency: { min: 1, max: 2, schedule: [{ schedule: "cron(0 7 ? * * *)", min: 1, max: 9 }] } },
                /argument "provisionedConcurrency.schedule\[0\].max" is 9/,
            ],
            [
                "a time zone that is not one",
                { provisionedConcurrency: { min: 1, max: 2, timeZone: "Mars/Olympus" } },
                /argument "provisionedConcurrency.timeZone" is "Mars\/Olympus"/,
            ],
        ];
        for (const [what, over, message] of cases) {
            it(what, () => {
                const withQueue = "queueSources" in over || "queueMaximumConcurrency" in over ? { queueSources: [queue] } : {};
                const { queueSources: _ignored, ...rest } = over;
                assert.throws(() => new fnMod.Function(`bad-${what.replace(/[^a-z]+/g, "-").slice(0, 30)}`, { ...args(rest), ...withQueue }), message);
            });
        }
        it("a mapping maximum without a queue", () => {
            assert.throws(
                () => new fnMod.Function("no-queue", args({ queueMaximumConcurrency: 3 })),
                /argument "queueMaximumConcurrency" is 3; allowed only with queueSources/,
            );
        });
        it("a daily SES quota below the per-second rate", () => {
            assert.throws(
                () =>
                    new capMod.CapacityAlarms("bad-capacity", {
                        context: testContext(),
                        routing: { topicArns: {} as never, escalationTopicArn: undefined as never, escalationMinutes: 15 },
                        accountConcurrencyQuota: 1000,
                        sesSendingQuotaPerSecond: 14,
                        sesSendingQuotaPer24h: 10,
                        searchMaxIndexingOcus: 10,
                        searchMaxSearchOcus: 10,
                    }),
                /argument "sesSendingQuotaPer24h" is 10; allowed: at least sesSendingQuotaPerSecond \(14\)/,
            );
        });
    });
});
