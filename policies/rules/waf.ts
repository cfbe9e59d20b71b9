// WAFv2 rules (53, 54).

import type { Policies } from "../lib/policy-api";
import { refers, sameKnown } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asRecord, asString, get, isUnknown } from "../lib/values";

export const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
export const WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration";

function camelRules(props: Record<string, unknown>): { rules: Record<string, unknown>[]; unknown: boolean } {
    if (isUnknown(props.rules) || isUnknown(props.ruleJson)) {
        return { rules: [], unknown: true };
    }
    const rules = asArray(props.rules).map((r) => asRecord(r) ?? {});
    const json = asString(props.ruleJson);
    if (json) {
        try {
            // ruleJson uses the WAF API's PascalCase shape; map the parts we read.
            for (const r of asArray(JSON.parse(json) as unknown)) {
                const rec = asRecord(r) ?? {};
                const st = asRecord(rec.Statement) ?? {};
                const vc = asRecord(rec.VisibilityConfig) ?? {};
                rules.push({
                    name: rec.Name,
                    statement: {
                        managedRuleGroupStatement: st.ManagedRuleGroupStatement ? { name: asRecord(st.ManagedRuleGroupStatement)?.Name } : undefined,
                        rateBasedStatement: st.RateBasedStatement,
                    },
                    visibilityConfig: { cloudwatchMetricsEnabled: vc.CloudWatchMetricsEnabled },
                });
            }
        } catch {
            // reported below as missing rules
        }
    }
    return { rules, unknown: false };
}

export function wafPolicies(): Policies {
    return [
        resourceRule<{ requiredManagedRuleGroups: string[] }>(
            {
                id: "waf-acl-baseline",
                no: 53,
                service: "WAFv2",
                kind: "R",
                checks: "Web ACL has the AWS Common and KnownBadInputs (Log4j) managed rule groups and a rate-based rule; CloudWatch metrics on the ACL and every rule.",
                why: "An empty web ACL blocks nothing; the managed groups cover the OWASP basics and a rate rule caps floods from one address.",
                anchors: "FSBP WAF.10, WAF.12, CKV_AWS_175, CKV_AWS_192, CKV_AWS_342",
                defaultLevel: "advisory",
                config: {
                    requiredManagedRuleGroups: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
                        description: "AWS managed rule groups every web ACL must use.",
                    },
                },
            },
            {
                types: [WEB_ACL],
                validate: (acl, ctx) => {
                    if (isUnknown(get(acl.props, "visibilityConfig", "cloudwatchMetricsEnabled"))) {
                        ctx.defer("visibilityConfig.cloudwatchMetricsEnabled");
                    } else if (get(acl.props, "visibilityConfig", "cloudwatchMetricsEnabled") !== true) {
                        ctx.report(acl, {
                            property: "visibilityConfig.cloudwatchMetricsEnabled",
                            found: get(acl.props, "visibilityConfig", "cloudwatchMetricsEnabled"),
                            expected: "true",
                            fix: "set visibilityConfig.cloudwatchMetricsEnabled: true",
                        });
                    }
                    const { rules, unknown } = camelRules(acl.props);
                    if (unknown) {
                        ctx.defer("rules");
                        return;
                    }
                    const groups = rules.map((r) => asString(get(r, "statement", "managedRuleGroupStatement", "name"))).filter((x): x is string => !!x);
                    for (const g of ctx.config.requiredManagedRuleGroups) {
                        if (!groups.includes(g)) {
                            ctx.report(acl, {
                                property: "rules",
                                problem: `has no rule using the managed rule group ${g}`,
                                fix: `add a rule { statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "${g}" } }, overrideAction: { none: {} } }`,
                            });
                        }
                    }
                    if (!rules.some((r) => asRecord(get(r, "statement", "rateBasedStatement")) !== undefined)) {
                        ctx.report(acl, {
                            property: "rules",
                            problem: "has no rate-based rule",
                            fix: 'add a rule { statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } }, action: { block: {} } }',
                        });
                    }
                    rules.forEach((r, i) => {
                        const v = get(r, "visibilityConfig", "cloudwatchMetricsEnabled");
                        if (v !== true && !isUnknown(v)) {
                            ctx.report(acl, {
                                property: `rules[${i}].visibilityConfig.cloudwatchMetricsEnabled`,
                                found: v,
                                expected: "true",
                                fix: `set visibilityConfig.cloudwatchMetricsEnabled: true on rule "${asString(r.name) ?? i}"`,
                            });
                        }
                    });
                },
            },
        ),
        stackRule(
            {
                id: "waf-logging",
                no: 54,
                service: "WAFv2",
                kind: "S",
                checks: "Each web ACL has a `WebAclLoggingConfiguration` whose resourceArn comes from it.",
                why: "Without logs you cannot tell which rule blocked a customer or what an attack looked like.",
                anchors: "CKV2_AWS_31, NAG-NIST WAFv2LoggingEnabled",
                defaultLevel: "advisory",
            },
            {
                primaryType: WEB_ACL,
                subjectTypes: [WEB_ACL],
                validate: (graph, ctx) => {
                    const logs = graph.ofType(WEB_ACL_LOGGING);
                    for (const acl of graph.ofType(WEB_ACL)) {
                        if (!logs.some((l) => refers(l, "resourceArn", acl, () => sameKnown(l.props.resourceArn, acl.props.arn)))) {
                            ctx.report(acl, {
                                property: "(WebAclLoggingConfiguration)",
                                problem: "has no aws.wafv2.WebAclLoggingConfiguration whose resourceArn comes from this web ACL",
                                fix: 'add WebAclLoggingConfiguration { resourceArn: acl.arn, logDestinationConfigs: [logGroup.arn] } (log group name must start with "aws-waf-logs-")',
                            });
                        }
                    }
                },
            },
        ),
    ];
}
