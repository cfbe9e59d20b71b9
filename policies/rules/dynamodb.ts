// DynamoDB rules (36-38).

import type { Policies } from "../lib/policy-api";
import { alarmsFor, alarmWatches, hasAlarmAction } from "../lib/alarms";
import { literalName } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { get, isSet, isUnknown } from "../lib/values";

export const TABLE = "aws:dynamodb/table:Table";

export function dynamodbPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "ddb-pitr",
                no: 36,
                service: "DynamoDB",
                kind: "R",
                checks: "Table has point-in-time recovery (`pointInTimeRecovery.enabled`).",
                why: "PITR is the only way back from a bad write or delete to any second of the last 35 days.",
                anchors: "NAG DDB3, FSBP DynamoDB.2, CKV_AWS_28, TRV enable_recovery",
                defaultLevel: "advisory",
            },
            {
                types: [TABLE],
                validate: (t, ctx) => {
                    const v = get(t.props, "pointInTimeRecovery", "enabled");
                    if (isUnknown(v)) {
                        ctx.defer("pointInTimeRecovery.enabled");
                    } else if (v !== true) {
                        ctx.report(t, {
                            property: "pointInTimeRecovery.enabled",
                            found: v,
                            expected: "true",
                            fix: "set pointInTimeRecovery: { enabled: true }",
                        });
                    }
                },
            },
        ),
        resourceRule<{ requireProtect: boolean }>(
            {
                id: "ddb-cmk-and-protection",
                no: 37,
                service: "DynamoDB / KMS",
                kind: "R",
                checks: "Table is encrypted with a customer KMS key (`serverSideEncryption.kmsKeyArn`), has `deletionProtectionEnabled`, and `protect` when `requireProtect` (prod).",
                why: "A CMK puts table reads under your key policy; deletion protection and `protect` stop a deploy or a console click from deleting the data.",
                anchors: "AG dynamodb-table-encryption-enabled (weaker), CKV_AWS_119, TRV table_customer_key, FSBP DynamoDB.6",
                defaultLevel: "advisory",
                config: {
                    requireProtect: { type: "boolean", default: false, description: "Require the Pulumi `protect` resource option (set true for prod)." },
                },
            },
            {
                types: [TABLE],
                validate: (t, ctx, args) => {
                    const enabled = get(t.props, "serverSideEncryption", "enabled");
                    const key = get(t.props, "serverSideEncryption", "kmsKeyArn");
                    if (enabled !== true && !isUnknown(enabled)) {
                        ctx.report(t, {
                            property: "serverSideEncryption.enabled",
                            found: enabled,
                            expected: "true with kmsKeyArn",
                            fix: "set serverSideEncryption: { enabled: true, kmsKeyArn: key.arn }",
                        });
                    } else if (!isSet(key)) {
                        ctx.report(t, {
                            property: "serverSideEncryption.kmsKeyArn",
                            found: key,
                            expected: "a customer-managed KMS key ARN",
                            fix: "set serverSideEncryption.kmsKeyArn: key.arn",
                        });
                    }
                    const dp = t.props.deletionProtectionEnabled;
                    if (isUnknown(dp)) {
                        ctx.defer("deletionProtectionEnabled");
                    } else if (dp !== true) {
                        ctx.report(t, { property: "deletionProtectionEnabled", found: dp, expected: "true", fix: "set deletionProtectionEnabled: true" });
                    }
                    if (ctx.config.requireProtect && !args.opts.protect) {
                        ctx.report(t, {
                            property: "opts.protect",
                            found: args.opts.protect,
                            expected: "true (requireProtect)",
                            fix: "pass { protect: true } in the resource options",
                        });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "ddb-errors-alarm",
                no: 38,
                service: "DynamoDB / CloudWatch",
                kind: "S",
                checks: "Each table has a `ThrottledRequests` or `SystemErrors` alarm (AWS/DynamoDB, TableName dimension linked to the table) with an action.",
                why: "Throttling and service errors surface as failed API calls long before anyone looks at the table's metrics.",
                anchors: "ours",
                defaultLevel: "disabled",
            },
            {
                primaryType: TABLE,
                subjectTypes: [TABLE],
                validate: (graph, ctx) => {
                    const alarms = alarmsFor(graph, "AWS/DynamoDB", ["ThrottledRequests", "SystemErrors", "ReadThrottleEvents", "WriteThrottleEvents"]);
                    for (const t of graph.ofType(TABLE)) {
                        if (!alarms.some((a) => alarmWatches(graph, a, t, ["TableName"], [literalName(t)]) && hasAlarmAction(a))) {
                            ctx.report(t, {
                                property: "(ThrottledRequests/SystemErrors alarm)",
                                problem: "has no AWS/DynamoDB ThrottledRequests or SystemErrors alarm with an action whose TableName comes from this table",
                                fix: 'add MetricAlarm { namespace: "AWS/DynamoDB", metricName: "SystemErrors", dimensions: { TableName: table.name }, alarmActions: [topic.arn] }',
                            });
                        }
                    }
                },
            },
        ),
    ];
}
