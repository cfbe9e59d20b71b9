// Every rule of the pack, one file per service, in rule-set order. Importing this file does not start
// the policy server (index.ts does).

import type { Policies } from "../lib/policy-api";
import { accessPolicies } from "./access";
import { cloudTrailPolicies } from "./cloudtrail";
import { ecrPolicies } from "./ecr";
import { eventBridgePolicies } from "./eventbridge";
import { networkPolicies } from "./network";
import { secretsPolicies } from "./secrets";
import { stepFunctionsPolicies } from "./stepfunctions";
import { apigatewayPolicies } from "./apigateway";
import { cloudfrontPolicies } from "./cloudfront";
import { cloudwatchPolicies } from "./cloudwatch";
import { cognitoPolicies } from "./cognito";
import { dynamodbPolicies } from "./dynamodb";
import { iamPolicies } from "./iam";
import { kmsPolicies } from "./kms";
import { lambdaPolicies } from "./lambda";
import { logsPolicies } from "./logs";
import { opensearchPolicies } from "./opensearch";
import { s3Policies } from "./s3";
import { sesPolicies } from "./ses";
import { snsPolicies } from "./sns";
import { sqsPolicies } from "./sqs";
import { wafPolicies } from "./waf";

import { ruleInfos } from "../lib/rule";

function ruleNumber(id: string): number {
    return ruleInfos().find((r) => r.meta.id === id)?.meta.no ?? 0;
}

let cached: Policies | undefined;

/** The pack's policies (built once per process). */
export function allPolicies(): Policies {
    if (!cached) {
        const policies = [
            ...lambdaPolicies(),
            ...apigatewayPolicies(),
            ...cloudfrontPolicies(),
            ...s3Policies(),
            ...dynamodbPolicies(),
            ...sqsPolicies(),
            ...snsPolicies(),
            ...logsPolicies(),
            ...cloudwatchPolicies(),
            ...sesPolicies(),
            ...opensearchPolicies(),
            ...wafPolicies(),
            ...cognitoPolicies(),
            ...iamPolicies(),
            ...kmsPolicies(),
            ...accessPolicies(),
            ...secretsPolicies(),
            ...networkPolicies(),
            ...stepFunctionsPolicies(),
            ...cloudTrailPolicies(),
            ...ecrPolicies(),
            ...eventBridgePolicies(),
        ];
        cached = policies.sort((a, b) => ruleNumber(a.name) - ruleNumber(b.name));
    }
    return cached;
}
