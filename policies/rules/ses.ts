// SES rule (49).

import type { Policies } from "../lib/policy-api";
import { alarmsFor, hasAlarmAction } from "../lib/alarms";
import { literalName, Node, refers, sameKnown } from "../lib/graph";
import { stackRule } from "../lib/rule";
import { asArray, get, isUnknown } from "../lib/values";

export const CONFIGURATION_SET_V2 = "aws:sesv2/configurationSet:ConfigurationSet";
export const EVENT_DESTINATION_V2 = "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination";
export const CONFIGURATION_SET_V1 = "aws:ses/configurationSet:ConfigurationSet";
export const EVENT_DESTINATION_V1 = "aws:ses/eventDestination:EventDestination";

export function sesPolicies(): Policies {
    return [
        stackRule(
            {
                id: "ses-tls-and-reputation",
                no: 49,
                service: "SES",
                kind: "S",
                checks: "Configuration set requires TLS; it has an event destination for bounces and complaints; bounce-rate and complaint-rate alarms exist.",
                why: "SES suspends accounts whose bounce or complaint rate is too high; you need the events to suppress addresses and the alarms to act before AWS does.",
                anchors: "CKV_AWS_365 (TLS only); rest ours",
                defaultLevel: "advisory",
            },
            {
                subjectTypes: [CONFIGURATION_SET_V2, CONFIGURATION_SET_V1],
                validate: (graph, ctx) => {
                    const sets = graph.ofType(CONFIGURATION_SET_V2, CONFIGURATION_SET_V1);
                    for (const cs of sets) {
                        const v2 = cs.type === CONFIGURATION_SET_V2;
                        const tls = get(cs.props, "deliveryOptions", "tlsPolicy");
                        if (isUnknown(tls)) {
                            ctx.defer(`${cs.name}.deliveryOptions.tlsPolicy`);
                        } else if (tls !== (v2 ? "REQUIRE" : "Require")) {
                            ctx.report(cs, {
                                property: "deliveryOptions.tlsPolicy",
                                found: tls,
                                expected: v2 ? '"REQUIRE"' : '"Require"',
                                fix: `set deliveryOptions: { tlsPolicy: "${v2 ? "REQUIRE" : "Require"}" }`,
                            });
                        }
                        const csName = literalName(cs, v2 ? "configurationSetName" : "name");
                        const dests: { node: Node; types: unknown[] }[] = v2
                            ? graph
                                  .ofType(EVENT_DESTINATION_V2)
                                  .filter((d) => refers(d, "configurationSetName", cs, () => sameKnown(d.props.configurationSetName, csName)))
                                  .map((d) => ({ node: d, types: asArray(get(d.props, "eventDestination", "matchingEventTypes")) }))
                            : graph
                                  .ofType(EVENT_DESTINATION_V1)
                                  .filter((d) => refers(d, "configurationSetName", cs, () => sameKnown(d.props.configurationSetName, csName)))
                                  .map((d) => ({ node: d, types: asArray(d.props.matchingTypes) }));
                        const covered = (t: string) => dests.some((d) => d.types.some((x) => typeof x === "string" && x.toUpperCase() === t));
                        const missing = ["BOUNCE", "COMPLAINT"].filter((t) => !covered(t));
                        if (missing.length > 0) {
                            ctx.report(cs, {
                                property: "(event destination)",
                                problem: `has no event destination for ${missing.join(" and ")} events`,
                                fix: `add ${v2 ? "aws.sesv2.ConfigurationSetEventDestination" : "aws.ses.EventDestination"} { configurationSetName: set.${v2 ? "configurationSetName" : "name"}, matching types BOUNCE and COMPLAINT, SNS destination }`,
                            });
                        }
                    }
                    if (sets.length > 0) {
                        for (const metric of ["Reputation.BounceRate", "Reputation.ComplaintRate"]) {
                            if (!alarmsFor(graph, "AWS/SES", [metric]).some(hasAlarmAction)) {
                                ctx.report(sets[0], {
                                    property: `(${metric} alarm)`,
                                    problem: `has no AWS/SES ${metric} alarm with an action in the stack`,
                                    fix: `add MetricAlarm { namespace: "AWS/SES", metricName: "${metric}", threshold: ${metric.endsWith("BounceRate") ? "0.05" : "0.001"}, alarmActions: [topic.arn] }`,
                                });
                            }
                        }
                    }
                },
            },
        ),
    ];
}
