/**
 * createAlarm's escalation twin: it fires once the signal has breached for escalationMinutes, and never in
 * the same evaluation as its warning (drills/ses-bounce-rate.json found prod's 15-minute SES warnings
 * escalating the minute they fired: their one datapoint already spanned the 15 escalation minutes).
 */
import { strict as assert } from "node:assert";
import { MockRun, installMocks, testContext } from "./harness";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/messaging";

describe("createAlarm: the escalation twin of a warning", function () {
    let run: MockRun;

    before(async function () {
        run = installMocks({ stack: "prod" });
        const { Alerting } = await import("../../components/alerting");
        const { createAlarm } = await import("../../components/alarms");
        const alerting = new Alerting("esc", {
            context: testContext("prod"),
            kmsKeyArn: KEY,
            emails: ["team@example.com"],
            escalationEmails: ["lead@example.com"],
            escalationMinutes: 15,
        });
        const warning = (name: string, periodSeconds: number, evaluationPeriods: number, datapointsToAlarm = evaluationPeriods) =>
            createAlarm(
                name,
                {
                    description: name,
                    severity: "warning",
                    signal: { kind: "metric", metric: { namespace: "N", metricName: name, dimensions: {}, stat: "Maximum" } },
                    threshold: 1,
                    comparisonOperator: "GreaterThanThreshold",
                    periodSeconds,
                    evaluationPeriods,
                    datapointsToAlarm,
                },
                alerting.routing,
                { parent: alerting },
            );
        warning("per-minute", 60, 5, 3);
        warning("five-minute", 300, 1);
        warning("quarter-hour", 900, 1);
        warning("hourly", 3600, 1);
        warning("long-window", 300, 6, 3);
        await run.settle();
    });

    const twin = (name: string) => {
        const a = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", `${name}-escalated`);
        return [a.inputs.period, a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm];
    };

    it("breaches for escalationMinutes in every datapoint, when that outlasts the warning's own datapoints", function () {
        assert.deepEqual(twin("per-minute"), [60, 15, 15]);
        assert.deepEqual(twin("five-minute"), [300, 3, 3]);
    });

    it("needs escalationMinutes more than its warning when the warning's datapoints already span them: never together", function () {
        // One 15-minute datapoint is the warning; the twin needs a second one (15 minutes later).
        assert.deepEqual(twin("quarter-hour"), [900, 2, 2]);
        assert.deepEqual(twin("hourly"), [3600, 2, 2]);
        // 3 breaching 5-minute datapoints raise the warning; 15 escalation minutes are 3 more.
        assert.deepEqual(twin("long-window"), [300, 6, 6]);
    });
});
