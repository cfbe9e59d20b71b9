// EventBridge (74): event bus permissions that do not admit anyone. A bus's policy is given either as a
// document (aws.cloudwatch.EventBusPolicy) or one statement at a time (aws.cloudwatch.EventPermission);
// AWS provider v7's aws.cloudwatch.EventBus itself takes no policy.

import type { Policies } from "../lib/policy-api";
import { grantsOf, reportOpenGrants } from "../lib/access";
import { readStatements, Statement } from "../lib/iam";
import { resourceRule, RuleContext, Subject } from "../lib/rule";
import { asRecord, asString, isUnknown, show, UNKNOWN_STRING } from "../lib/values";

export const EVENT_BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy";
export const EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission";

function busOf(props: Record<string, unknown>): string {
    const name = props.eventBusName;
    if (name === undefined || name === null || name === "") {
        return 'the "default" bus';
    }
    return isUnknown(name) ? "the bus" : `bus ${JSON.stringify(name)}`;
}

/** The statement AWS writes for an EventPermission, so the shared evaluator judges it. */
function permissionStatement(props: Record<string, unknown>): Statement {
    const principal = props.principal;
    const condition: Record<string, Record<string, unknown>> = {};
    const c = props.condition;
    if (isUnknown(c)) {
        condition.StringEquals = { "aws:PrincipalOrgID": UNKNOWN_STRING }; // computed: treated as set
    } else {
        const rec = asRecord(c);
        if (rec) {
            const type = isUnknown(rec.type) ? "StringEquals" : (asString(rec.type) ?? "StringEquals");
            const key = isUnknown(rec.key) ? "aws:PrincipalOrgID" : (asString(rec.key) ?? "");
            condition[type] = { [key]: rec.value };
        }
    }
    return {
        sid: asString(props.statementId),
        effect: "Allow",
        actions: [props.action ?? "events:PutEvents"],
        notActions: [],
        resources: [],
        notResources: [],
        principal: isUnknown(principal) ? principal : { AWS: principal },
        notPrincipal: undefined,
        condition,
    };
}

function checkDocument(subject: Subject, ctx: RuleContext<object>): void {
    const statements = readStatements(subject, "policy", subject.props.policy, ctx);
    if (statements) {
        reportOpenGrants(subject, "policy", statements, ctx, {
            lets: `act on ${busOf(subject.props)} (put events, or manage its rules)`,
            fix: 'name the sending accounts (Principal: { AWS: "arn:aws:iam::111122223333:root" })',
        });
    }
}

function checkPermission(subject: Subject, ctx: RuleContext<object>): void {
    const statement = permissionStatement(subject.props);
    const [grant] = grantsOf([statement]);
    if (!grant?.open) {
        return;
    }
    const sid = statement.sid ? ` (statementId ${JSON.stringify(statement.sid)})` : "";
    ctx.report(subject, {
        property: "principal",
        found: subject.props.principal,
        problem: `is ${show(subject.props.principal)}${subject.props.condition ? " with a condition that does not narrow who" : " with no condition"}${sid}: any AWS account may ${show(statement.actions[0])} on ${busOf(subject.props)}`,
        fix: 'set principal to the sending account id (e.g. "111122223333"), or keep "*" with condition: { key: "aws:PrincipalOrgID", type: "StringEquals", value: "o-..." }',
    });
}

export function eventBridgePolicies(): Policies {
    return [
        resourceRule(
            {
                id: "eventbridge-bus-not-public",
                no: 74,
                service: "EventBridge",
                kind: "R",
                checks: "Event bus policy (`aws.cloudwatch.EventBusPolicy`) and permissions (`aws.cloudwatch.EventPermission`) admit no `*` principal without a condition that narrows who (aws:PrincipalOrgID...).",
                why: "A bus open to every account lets anyone inject events that the bus's rules deliver to functions, queues and workflows as if they were the platform's own.",
                anchors: "ours (analogues: FSBP SQS.3, SNS.4 for queue and topic policies)",
                defaultLevel: "mandatory",
            },
            {
                types: [EVENT_BUS_POLICY, EVENT_PERMISSION],
                validate: (r, ctx) => (r.type === EVENT_PERMISSION ? checkPermission(r, ctx) : checkDocument(r, ctx)),
            },
        ),
    ];
}
