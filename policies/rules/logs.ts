// CloudWatch Logs rules (44, 45).

import type { Policies } from "../lib/policy-api";
import { resourceRule } from "../lib/rule";
import { asNumber, isSet, isUnknown, show } from "../lib/values";

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

export function logsPolicies(): Policies {
    return [
        resourceRule<{ minimumRetentionDays: number }>(
            {
                id: "log-group-retention",
                no: 44,
                service: "CloudWatch Logs",
                kind: "R",
                checks: "Log group sets `retentionInDays` at or above the environment's minimum (config); 0 (never expire) counts as not set.",
                why: "Without retention logs are kept (and billed) forever; too short a retention loses the evidence an investigation needs.",
                anchors: "NAG-SL CloudWatchLogGroupRetentionPeriod, CKV_AWS_66, CKV_AWS_338, CT.CLOUDWATCH.PR.2",
                defaultLevel: "mandatory",
                config: {
                    minimumRetentionDays: { type: "integer", minimum: 1, default: 7, description: "Minimum retentionInDays for this environment." },
                },
            },
            {
                types: [LOG_GROUP],
                validate: (g, ctx) => {
                    const v = g.props.retentionInDays;
                    const min = ctx.config.minimumRetentionDays;
                    if (isUnknown(v)) {
                        ctx.defer("retentionInDays");
                        return;
                    }
                    const n = asNumber(v);
                    if (n === undefined) {
                        ctx.report(g, { property: "retentionInDays", found: v, expected: `>= ${min}`, fix: `set retentionInDays: ${min} or more` });
                    } else if (n === 0) {
                        // The provider's 0 is CloudWatch's "Never expire": the same as leaving retention unset.
                        ctx.report(g, {
                            property: "retentionInDays",
                            found: v,
                            problem: `is ${show(v)}, which keeps the logs forever (never expire), expected >= ${min} (minimumRetentionDays in this environment)`,
                            fix: `set retentionInDays to at least ${min}`,
                        });
                    } else if (n < min) {
                        ctx.report(g, {
                            property: "retentionInDays",
                            found: n,
                            expected: `>= ${min} (minimumRetentionDays in this environment)`,
                            fix: `set retentionInDays to at least ${min}`,
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "log-group-kms",
                no: 45,
                service: "CloudWatch Logs / KMS",
                kind: "R",
                checks: "Log group is encrypted with a KMS key (`kmsKeyId`).",
                why: "Logs contain request data and identifiers; a CMK puts reading them under a key policy.",
                anchors: "NAG-NIST CloudWatchLogGroupEncrypted, CKV_AWS_158, TRV log_group_customer_key, CT.CLOUDWATCH.PR.3",
                defaultLevel: "advisory",
            },
            {
                types: [LOG_GROUP],
                validate: (g, ctx) => {
                    if (!isSet(g.props.kmsKeyId)) {
                        ctx.report(g, {
                            property: "kmsKeyId",
                            found: undefined,
                            expected: "a KMS key ARN (key policy must allow logs.<region>.amazonaws.com)",
                            fix: "set kmsKeyId: key.arn",
                        });
                    }
                },
            },
        ),
    ];
}
