import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ACCOUNT, MockRun, REGION, Recorded, installMocks, json, statementsBySid, testContext, testKeyArn } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const REPO = path.join(__dirname, "..", "..");

/** The hour (0-23) and weekday (Mon..Sun) of a UTC instant in a time zone, as Scheduler's cron reads them. */
function localTime(t: Date, timeZone: string): { hour: number; day: string } {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, hour: "2-digit", hourCycle: "h23", weekday: "short" }).formatToParts(t);
    return { hour: Number(parts.find((p) => p.type === "hour")!.value), day: parts.find((p) => p.type === "weekday")!.value };
}

/** Whether a `cron(* H-H ? * DAY,DAY *)` expression (the shape BusinessKpis writes) fires at `t` in `timeZone`. */
function heartbeatAt(cron: string, timeZone: string, t: Date): boolean {
    const [, hours, days] = /^cron\(\* (\d+(?:-\d+)?) \? \* ([A-Z,]+) \*\)$/.exec(cron)!;
    const [from, to] = hours.split("-").map(Number);
    const { hour, day } = localTime(t, timeZone);
    return days.split(",").includes(day.toUpperCase()) && hour >= from && hour <= (to ?? from);
}

/**
 * The no-order alarm as CloudWatch evaluates it, minute by minute over one UTC day: a minute's datapoint
 * is the Sum of OrdersCreated (the heartbeat's 0 plus real orders), present when the heartbeat fired or an
 * order came; the alarm breaches when its last `evaluationPeriods` minutes all have a datapoint below the
 * threshold (missing minutes are not breaching). Returns the minutes (UTC) at which it enters ALARM: the
 * end of the minute whose datapoint completed the window.
 */
function alarmTransitions(alarm: Recorded, cron: string, timeZone: string, day: string, orderMinutes: Set<number>): number[] {
    const n: number = alarm.inputs.evaluationPeriods;
    assert.equal(alarm.inputs.datapointsToAlarm, n);
    assert.equal(alarm.inputs.treatMissingData, "notBreaching");
    const start = Date.parse(`${day}T00:00:00Z`);
    const points: (number | undefined)[] = [];
    const out: number[] = [];
    let inAlarm = false;
    for (let m = 0; m < 24 * 60; m++) {
        const beat = heartbeatAt(cron, timeZone, new Date(start + m * 60_000));
        const orders = orderMinutes.has(m) ? 1 : 0;
        points.push(beat || orders > 0 ? orders : undefined);
        const window = points.slice(-n);
        const breaching = window.length === n && window.every((v) => v !== undefined && v < alarm.inputs.threshold);
        if (breaching && !inAlarm) out.push(m + 1);
        inAlarm = breaching;
    }
    return out;
}

describe("BusinessKpis component", function () {
    let run: MockRun;
    let mod: typeof import("../../components/business-kpis");
    let routing: import("../../components/alarms").AlarmRouting;

    before(async function () {
        run = installMocks({ stack: "prod" });
        mod = await import("../../components/business-kpis");
        const { Alerting } = await import("../../components/alerting");
        routing = new Alerting("alerts", {
            context: testContext("prod"),
            kmsKeyArn: testKeyArn("messaging"),
            emails: ["team@example.com"],
            escalationEmails: ["lead@example.com"],
            escalationMinutes: 15,
        }).routing;
        new mod.BusinessKpis("kpis", {
            context: testContext("prod"),
            routing,
            namespace: "platform-prod",
            noOrderMinutes: 30,
            businessHours: "Mon-Fri 08:00-20:00",
            timeZone: "Europe/Paris",
            cancellationRatePercent: 10,
            cancellationMinOrders: 20,
        });
        // A stack without customers: the same resources, the heartbeat disabled.
        new mod.BusinessKpis("quiet", {
            context: testContext("prod"),
            routing,
            namespace: "platform-prod",
            noOrderMinutes: 60,
            businessHours: "none",
            cancellationRatePercent: 50,
        });
        await run.settle();
    });

    const alarm = (name: string) => run.one(ALARM, name);
    const topicUrn = (tier: string) => run.one("aws:sns/topic:Topic", `alerts-${tier}`).urn;

    it("alarms on the order counts the API handler emits and the business dashboard charts", async function () {
        const { BUSINESS_KPIS } = await import("../../components/dashboards");
        const api = BUSINESS_KPIS.find((k) => k.service === mod.ORDER_KPIS.service);
        assert.ok(api?.metrics.includes(mod.ORDER_KPIS.created) && api.metrics.includes(mod.ORDER_KPIS.cancelled));
        const handlers = ["functions/api/routes/create-order.ts", "functions/api/routes/orders.ts"]
            .map((f) => fs.readFileSync(path.join(REPO, f), "utf8"))
            .join("\n");
        for (const m of [mod.ORDER_KPIS.created, mod.ORDER_KPIS.cancelled]) {
            assert.ok(handlers.includes(`kpis.count("${m}")`), `the API counts ${m}`);
        }
    });

    describe("no order during business hours", function () {
        it("is a warning on OrdersCreated (Sum per minute below 1) for 30 of 30 minutes, missing minutes not breaching", function () {
            const a = alarm("kpis-no-orders");
            assert.deepEqual(
                [a.inputs.namespace, a.inputs.metricName, a.inputs.dimensions, a.inputs.statistic, a.inputs.period],
                ["platform-prod", "OrdersCreated", { service: "api" }, "Sum", 60],
            );
            assert.deepEqual(
                [a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm, a.inputs.treatMissingData],
                ["LessThanThreshold", 1, 30, 30, "notBreaching"],
            );
            assert.equal(a.inputs.tags.severity, "warning");
            assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn("warning")]);
            assert.deepEqual(a.propertyDependencies.okActions, [topicUrn("warning")]);
            assert.match(a.inputs.alarmDescription, /no order was created for 30 minutes during business hours \(Mon-Fri 08:00-20:00, Europe\/Paris\)/);
        });

        it("escalates escalationMinutes after the warning, not with it: its twin's window is 30 + 15 minutes", function () {
            const twin = alarm("kpis-no-orders-escalated");
            assert.deepEqual([twin.inputs.evaluationPeriods, twin.inputs.datapointsToAlarm, twin.inputs.period], [45, 45, 60]);
            assert.deepEqual([twin.inputs.metricName, twin.inputs.comparisonOperator, twin.inputs.threshold], ["OrdersCreated", "LessThanThreshold", 1]);
            assert.deepEqual(twin.propertyDependencies.alarmActions, [topicUrn("escalation")]);
            assert.equal(twin.inputs.tags.severity, "escalation");
        });

        it("is armed by a heartbeat schedule: every minute of the open hours, in the business's time zone, adding 0 to OrdersCreated", function () {
            const s = run.one("aws:scheduler/schedule:Schedule", "kpis-business-hours");
            assert.equal(s.inputs.scheduleExpression, "cron(* 8-19 ? * MON,TUE,WED,THU,FRI *)");
            assert.equal(s.inputs.scheduleExpressionTimezone, "Europe/Paris");
            assert.equal(s.inputs.state, "ENABLED");
            assert.deepEqual(s.inputs.flexibleTimeWindow, { mode: "OFF" });
            assert.deepEqual(s.propertyDependencies.groupName, [run.one("aws:scheduler/scheduleGroup:ScheduleGroup", "kpis-schedules").urn]);
            assert.equal(s.inputs.target.arn, "arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData");
            assert.deepEqual(JSON.parse(s.inputs.target.input), {
                Namespace: "platform-prod",
                MetricData: [{ MetricName: "OrdersCreated", Dimensions: [{ Name: "service", Value: "api" }], Value: 0, Unit: "Count" }],
            });
            assert.deepEqual(s.inputs.target.retryPolicy, { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 2 });
            assert.deepEqual(s.propertyDependencies["target"], [run.one("aws:iam/role:Role", "kpis-scheduler-role").urn]);
            assert.ok(
                s.dependencies.includes(run.one("aws:iam/rolePolicy:RolePolicy", "kpis-scheduler-policy").urn),
                "the role may put the metric before the first beat",
            );
        });

        it("fires only after 30 open minutes without an order: 08:30 Paris time, winter and summer; never at night or on a Saturday", function () {
            const a = alarm("kpis-no-orders");
            const cron = run.one("aws:scheduler/schedule:Schedule", "kpis-business-hours").inputs.scheduleExpression as string;
            const at = (h: number, m = 0) => h * 60 + m;
            // Monday 2026-01-12, CET (UTC+1): no order at all fires at 08:30 local = 07:30 UTC, once.
            assert.deepEqual(alarmTransitions(a, cron, "Europe/Paris", "2026-01-12", new Set()), [at(7, 30)]);
            // Monday 2026-07-13, CEST (UTC+2): the schedule follows daylight saving time.
            assert.deepEqual(alarmTransitions(a, cron, "Europe/Paris", "2026-07-13", new Set()), [at(6, 30)]);
            // Orders all morning, then none from 14:00 local: fires at 14:30 local.
            const morning = new Set(Array.from({ length: at(13, 0) - at(7, 0) }, (_, i) => at(7, 0) + i));
            assert.deepEqual(alarmTransitions(a, cron, "Europe/Paris", "2026-01-12", morning), [at(13, 30)]);
            // An order every 20 minutes keeps it quiet all day; Saturday has no business hours at all.
            const steady = new Set(Array.from({ length: 72 }, (_, i) => i * 20));
            assert.deepEqual(alarmTransitions(a, cron, "Europe/Paris", "2026-01-12", steady), []);
            assert.deepEqual(alarmTransitions(a, cron, "Europe/Paris", "2026-01-17", new Set()), []);
        });

        it("a stack without business hours keeps the same resources with the heartbeat disabled, so the alarm is never armed", function () {
            const s = run.one("aws:scheduler/schedule:Schedule", "quiet-business-hours");
            assert.equal(s.inputs.state, "DISABLED");
            assert.equal(s.inputs.scheduleExpressionTimezone, "UTC");
            const kinds = (c: string) =>
                run.resources
                    .filter((r) => r.parentUrn.endsWith(`::${c}`))
                    .map((r) => `${r.type} ${r.name.slice(c.length)}`)
                    .sort();
            assert.deepEqual(kinds("quiet"), kinds("kpis"));
            assert.match(alarm("quiet-no-orders").inputs.alarmDescription, /\(not armed: this stack has no business hours\)/);
        });
    });

    describe("cancellation rate", function () {
        it("is a warning when more than 10 % of an hour's orders are cancelled, judged from 20 orders an hour", function () {
            const a = alarm("kpis-cancellation-rate");
            const [signal, ...metrics] = a.inputs.metricQueries as any[];
            assert.deepEqual(signal, {
                id: "signal",
                expression: "IF(created >= 20, 100 * FILL(cancelled, 0) / created, 0)",
                label: "cancelled per created (%)",
                returnData: true,
            });
            assert.deepEqual(
                metrics.map((q) => [q.id, q.returnData, q.metric.namespace, q.metric.metricName, q.metric.dimensions, q.metric.stat, q.metric.period]),
                [
                    ["created", false, "platform-prod", "OrdersCreated", { service: "api" }, "Sum", 3600],
                    ["cancelled", false, "platform-prod", "OrdersCancelled", { service: "api" }, "Sum", 3600],
                ],
            );
            assert.deepEqual(
                [a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.evaluationPeriods, a.inputs.treatMissingData],
                ["GreaterThanThreshold", 10, 1, "notBreaching"],
            );
            assert.equal(a.inputs.tags.severity, "warning");
            assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn("warning")]);
            assert.equal(alarm("quiet-cancellation-rate").inputs.threshold, 50);
        });

        it("escalates after the hour it is judged on plus escalationMinutes", function () {
            const twin = alarm("kpis-cancellation-rate-escalated");
            // 60 + 15 minutes, in whole hourly datapoints.
            assert.equal(twin.inputs.evaluationPeriods, 2);
            assert.equal(twin.inputs.datapointsToAlarm, 2);
            assert.deepEqual(twin.propertyDependencies.alarmActions, [topicUrn("escalation")]);
        });
    });

    describe("exact permissions and the heartbeat's own alarm", function () {
        it("the scheduler role is assumed by EventBridge Scheduler for this account's schedule group only", function () {
            const role = run.one("aws:iam/role:Role", "kpis-scheduler-role");
            assert.equal(role.inputs.name, "platform-prod-kpis-scheduler");
            assert.deepEqual(json(role.inputs.assumeRolePolicy).Statement, [
                {
                    Effect: "Allow",
                    Principal: { Service: "scheduler.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: {
                        StringEquals: {
                            "aws:SourceAccount": ACCOUNT,
                            "aws:SourceArn": `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/platform-prod-kpis`,
                        },
                    },
                },
            ]);
            assert.equal(run.one("aws:scheduler/scheduleGroup:ScheduleGroup", "kpis-schedules").inputs.name, "platform-prod-kpis");
        });

        it("may only put metric data, and only into the KPI namespace (PutMetricData has no resource ARN)", function () {
            const policy = run.one("aws:iam/rolePolicy:RolePolicy", "kpis-scheduler-policy");
            assert.deepEqual(policy.propertyDependencies.role, [run.one("aws:iam/role:Role", "kpis-scheduler-role").urn]);
            assert.deepEqual(statementsBySid(policy.inputs.policy), {
                PutBusinessHoursHeartbeat: {
                    Sid: "PutBusinessHoursHeartbeat",
                    Effect: "Allow",
                    Action: "cloudwatch:PutMetricData",
                    Resource: "*",
                    Condition: { StringEquals: { "cloudwatch:namespace": "platform-prod" } },
                },
            });
        });

        it("a dropped heartbeat raises a warning: the no-order alarm would be blind", function () {
            const a = alarm("kpis-heartbeat-dropped");
            assert.deepEqual([a.inputs.namespace, a.inputs.metricName, a.inputs.statistic], ["AWS/Scheduler", "InvocationDroppedCount", "Sum"]);
            assert.deepEqual(a.propertyDependencies.dimensions, [run.one("aws:scheduler/scheduleGroup:ScheduleGroup", "kpis-schedules").urn]);
            assert.deepEqual([a.inputs.comparisonOperator, a.inputs.threshold], ["GreaterThanThreshold", 0]);
            assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn("warning")]);
        });
    });

    describe("business hours", function () {
        it("become one cron expression over the open hours, days by name", function () {
            const cron = (text: string) => mod.businessHoursCron(mod.parseBusinessHours(text).hours!);
            assert.equal(cron("Mon-Fri 08:00-20:00"), "cron(* 8-19 ? * MON,TUE,WED,THU,FRI *)");
            assert.equal(cron("Sat-Sun 10:00-24:00"), "cron(* 10-23 ? * SAT,SUN *)");
            assert.equal(cron("Sun,Mon 09:00-10:00"), "cron(* 9 ? * MON,SUN *)");
            assert.equal(cron("mon-wed,fri 00:00-24:00"), "cron(* 0-23 ? * MON,TUE,WED,FRI *)");
            assert.deepEqual(mod.parseBusinessHours("none"), {});
        });

        it("validates its arguments, naming the argument and what is allowed", function () {
            const base = {
                context: testContext("prod"),
                routing,
                namespace: "platform-prod",
                noOrderMinutes: 30,
                businessHours: "Mon-Fri 08:00-20:00",
                cancellationRatePercent: 10,
            };
            assert.throws(
                () => new mod.BusinessKpis("b1", { ...base, businessHours: "Mon-Fri 09:00-17:00", noOrderMinutes: 480 }),
                /BusinessKpis: argument "noOrderMinutes" is 480; allowed: fewer minutes than the 480 a business day of "Mon-Fri 09:00-17:00" has/,
            );
            assert.throws(
                () => new mod.BusinessKpis("b2", { ...base, businessHours: "weekdays" }),
                /argument "businessHours" is "weekdays"; is not a business-hours window/,
            );
            assert.throws(
                () => new mod.BusinessKpis("b3", { ...base, timeZone: "Paris" }),
                /argument "timeZone" is "Paris"; is not a time zone of the IANA tz database/,
            );
            assert.throws(
                () => new mod.BusinessKpis("b4", { ...base, cancellationRatePercent: 0 }),
                /argument "cancellationRatePercent" is 0; allowed: a whole number from 1 to 100/,
            );
            assert.throws(
                () => new mod.BusinessKpis("b5", { ...base, noOrderMinutes: 4 }),
                /argument "noOrderMinutes" is 4; allowed: a whole number from 5 to 1439/,
            );
            assert.throws(() => new mod.BusinessKpis("b6", { ...base, namespace: "platform prod" }), /argument "namespace" is "platform prod"/);
        });
    });
});
