// CloudTrail (69): a trail that records every region, can prove its log files intact and encrypts
// them with a KMS key.

import type { Policies } from "../lib/policy-api";
import { resourceRule } from "../lib/rule";
import { isSet, isUnknown } from "../lib/values";

export const TRAIL = "aws:cloudtrail/trail:Trail";

export function cloudTrailPolicies(): Policies {
    return [
        resourceRule(
            {
                id: "cloudtrail-trail-hardening",
                no: 69,
                service: "CloudTrail",
                kind: "R",
                checks: "Trail has `isMultiRegionTrail: true`, `enableLogFileValidation: true`, a `kmsKeyId`, and logging not turned off (`enableLogging`).",
                why: "A single-region trail misses activity in the other regions, where an intruder goes first; unvalidated log files can be edited unnoticed; unencrypted ones are readable by anyone with read access to the bucket.",
                anchors:
                    "FSBP CloudTrail.1, CloudTrail.2, CloudTrail.4, CKV_AWS_67, CKV_AWS_36, CKV_AWS_35, TRV AWS-0014, AWS-0016, AWS-0015, NAG-NIST CloudTrailEncryptionEnabled, CloudTrailLogFileValidationEnabled",
                defaultLevel: "advisory",
            },
            {
                types: [TRAIL],
                validate: (t, ctx) => {
                    const p = t.props;
                    if (p.enableLogging === false) {
                        ctx.report(t, {
                            property: "enableLogging",
                            found: false,
                            expected: "true (the default)",
                            fix: "remove enableLogging: false; a trail that does not log records nothing",
                        });
                    }
                    if (p.isMultiRegionTrail !== true && !isUnknown(p.isMultiRegionTrail)) {
                        ctx.report(t, {
                            property: "isMultiRegionTrail",
                            found: p.isMultiRegionTrail,
                            expected: "true",
                            fix: "set isMultiRegionTrail: true (and keep includeGlobalServiceEvents: true) so activity in every region is recorded",
                        });
                    }
                    if (p.enableLogFileValidation !== true && !isUnknown(p.enableLogFileValidation)) {
                        ctx.report(t, {
                            property: "enableLogFileValidation",
                            found: p.enableLogFileValidation,
                            expected: "true",
                            fix: "set enableLogFileValidation: true so CloudTrail writes signed digest files",
                        });
                    }
                    if (!isSet(p.kmsKeyId)) {
                        ctx.report(t, {
                            property: "kmsKeyId",
                            found: p.kmsKeyId,
                            expected: "a customer-managed KMS key ARN",
                            fix: "set kmsKeyId: key.arn (its key policy must let cloudtrail.amazonaws.com call kms:GenerateDataKey* with aws:SourceArn the trail's ARN)",
                        });
                    }
                },
            },
        ),
    ];
}
