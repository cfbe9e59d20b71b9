import type * as pulumi from "@pulumi/pulumi";
import type { SecurityMetric } from "./audit-trail";

/** A function, queue or topic as a chart names it. */
export interface Named {
    /** Label on the chart. */
    label: string;
    /** The resource's name: the metric dimension's value. */
    name: pulumi.Input<string>;
}

/** The scope of a WAF web ACL: `REGIONAL` in front of an API, `CLOUDFRONT` in front of a distribution. */
export type WebAclScope = "REGIONAL" | "CLOUDFRONT";

/**
 * What a component gives the dashboards to chart: each of its resources a chart watches, named by the
 * metric dimensions CloudWatch publishes it under. A component gives only what it owns; the
 * {@link Dashboards} component gathers the lists in the order its components are given, so a chart
 * reads in the order of the program.
 */
export interface Monitored {
    /** Functions, labelled by their Powertools service name (dimension `FunctionName`). */
    functions?: Named[];
    /** Queues with a consumer: the age of their oldest message is the backlog. */
    queues?: Named[];
    /** Dead-letter queues: any depth is a failure waiting to be redriven. */
    deadLetterQueues?: Named[];
    /** SNS topics whose failed deliveries are charted. */
    topics?: Named[];
    /** A REST API stage (dimensions `ApiName`, `Stage`) and whether its cache is on. */
    restApi?: { name: pulumi.Input<string>; stage: pulumi.Input<string>; cacheEnabled: boolean };
    /** A DynamoDB table (dimension `TableName`). */
    table?: { name: pulumi.Input<string> };
    /** A CloudFront distribution (dimension `DistributionId`, in us-east-1). */
    distribution?: { id: pulumi.Input<string> };
    /** WAF web ACLs by the metric name their rules publish under (dimension `WebACL`). */
    webAcls?: { scope: WebAclScope; metricName: string }[];
    /** An OpenSearch Serverless collection (dimensions `CollectionName`, `CollectionId`). */
    searchCollection?: { name: pulumi.Input<string>; id: pulumi.Input<string> };
    /** A Cognito user pool and the app client users sign in through (dimensions `UserPool`, `UserPoolClient`). */
    userPool?: { id: pulumi.Input<string>; signInClientId: pulumi.Input<string> };
    /** CloudTrail metric filters and their alarms, in their namespace. */
    securityEvents?: { namespace: string; metrics: SecurityMetric[] };
}

/** A component the dashboards can chart. */
export interface Monitorable {
    readonly monitored: Monitored;
}
