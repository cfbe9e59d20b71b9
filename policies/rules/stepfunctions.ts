// Step Functions (67-68): execution logging and X-Ray tracing of state machines.

import type { Policies } from "../lib/policy-api";
import { resourceRule } from "../lib/rule";
import { asRecord, asString, get, isSet, isUnknown } from "../lib/values";

export const STATE_MACHINE = "aws:sfn/stateMachine:StateMachine";

/** Log levels from the most to the least detailed: a level logs everything the ones after it log. */
const LEVELS = ["ALL", "ERROR", "FATAL"] as const;
type LogLevel = (typeof LEVELS)[number];

const LOGGING_FIX =
    'set loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: pulumi.interpolate`${logGroup.arn}:*` } ' +
    "(the role needs logs:CreateLogDelivery, logs:GetLogDelivery, logs:UpdateLogDelivery, logs:DeleteLogDelivery, logs:ListLogDeliveries, " +
    "logs:PutResourcePolicy, logs:DescribeResourcePolicies and logs:DescribeLogGroups)";

export function stepFunctionsPolicies(): Policies {
    return [
        resourceRule<{ minimumLevel: LogLevel }>(
            {
                id: "sfn-logging",
                no: 67,
                service: "Step Functions",
                kind: "R",
                checks: "State machine has `loggingConfiguration` with a `level` other than OFF (at least `minimumLevel`: ERROR in staging and prod) and a `logDestination` log group.",
                why: "Without execution logs a failed or stuck workflow leaves nothing to investigate (an EXPRESS workflow keeps no execution history at all).",
                anchors: "NAG SF1, FSBP StepFunctions.1, CKV_AWS_285, CT.STEPFUNCTIONS.PR.1",
                defaultLevel: "advisory",
                config: {
                    minimumLevel: {
                        type: "string",
                        enum: [...LEVELS],
                        default: "FATAL",
                        description:
                            "Least detailed log level accepted: FATAL (execution failures only), ERROR (also state errors) or ALL (every event). OFF is never accepted.",
                    },
                },
            },
            {
                types: [STATE_MACHINE],
                validate: (sm, ctx) => {
                    const logging = sm.props.loggingConfiguration;
                    if (isUnknown(logging)) {
                        ctx.defer("loggingConfiguration");
                        return;
                    }
                    const cfg = asRecord(logging);
                    if (!cfg) {
                        ctx.report(sm, {
                            property: "loggingConfiguration",
                            found: logging,
                            expected: "a logging configuration (level ERROR or ALL)",
                            fix: LOGGING_FIX,
                        });
                        return;
                    }
                    const level = cfg.level;
                    if (isUnknown(level)) {
                        ctx.defer("loggingConfiguration.level");
                    } else {
                        const name = asString(level)?.toUpperCase() ?? "OFF";
                        const rank = LEVELS.indexOf(name as LogLevel);
                        const minimum = LEVELS.indexOf(ctx.config.minimumLevel);
                        if (rank < 0 || rank > minimum) {
                            const names = LEVELS.slice(0, minimum + 1);
                            const accepted = names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}` : names[0];
                            ctx.report(sm, {
                                property: "loggingConfiguration.level",
                                found: level,
                                problem: `is ${level === undefined ? "not set (OFF)" : JSON.stringify(level)}, expected ${accepted}`,
                                fix: `set loggingConfiguration.level: "${minimum === 0 ? "ALL" : "ERROR"}" (with a logDestination log group)`,
                            });
                            return;
                        }
                    }
                    if (!isSet(cfg.logDestination)) {
                        ctx.report(sm, {
                            property: "loggingConfiguration.logDestination",
                            found: cfg.logDestination,
                            expected: "the ARN of a CloudWatch log group, ending in :*",
                            fix: "set logDestination: pulumi.interpolate`${logGroup.arn}:*` (a log group with retention and KMS)",
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "sfn-xray-tracing",
                no: 68,
                service: "Step Functions",
                kind: "R",
                checks: "State machine has `tracingConfiguration.enabled: true`.",
                why: "X-Ray follows an execution through the functions, queues and services it calls; without it a slow or failing step is found by guesswork.",
                anchors: "NAG SF2, CKV_AWS_284, CT.STEPFUNCTIONS.PR.2",
                defaultLevel: "advisory",
            },
            {
                types: [STATE_MACHINE],
                validate: (sm, ctx) => {
                    const enabled = get(sm.props, "tracingConfiguration", "enabled");
                    if (enabled === true || isUnknown(enabled)) {
                        return;
                    }
                    ctx.report(sm, {
                        property: "tracingConfiguration.enabled",
                        found: enabled,
                        expected: "true",
                        fix: "set tracingConfiguration: { enabled: true } (the role needs xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules and xray:GetSamplingTargets)",
                    });
                },
            },
        ),
    ];
}
