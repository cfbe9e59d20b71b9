import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { PlatformContext } from "./context";
import { AlarmRouting, createAlarm } from "./alarms";

type Rule = aws.types.input.wafv2.WebAclRule;

/**
 * Requests a minute below which the blocked share is not judged: a handful of requests, a few of them
 * blocked, makes any share.
 */
export const WAF_BLOCKED_MIN_REQUESTS = 100;

/** AWS managed rule groups every web ACL runs, in priority order. */
export const MANAGED_RULE_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"] as const;

export interface FirewallArgs extends ComponentOptions<FirewallChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * `REGIONAL` (API Gateway, ALB) or `CLOUDFRONT`. A `CLOUDFRONT` ACL and its log group must live in
     * us-east-1: pass a context whose region is us-east-1 and a us-east-1 provider (`providers` option).
     */
    scope: "REGIONAL" | "CLOUDFRONT";
    /** Requests per 5 minutes from one IP address before the rate rule blocks it (100 to 2000000000). */
    rateLimit: number;
    /** Days WAF logs are kept. */
    logRetentionDays: number;
    /** ARN of the KMS key for the WAF log group. */
    logsKeyArn: pulumi.Input<string>;
    /**
     * The blocking-spike warning: when more than `ratePercent` of the ACL's requests (1 to 100) are
     * blocked in 3 of 5 minutes (from WAF_BLOCKED_MIN_REQUESTS a minute), an attack is under way or a
     * rule blocks real customers. `routing` must be of the ACL's region (us-east-1 for CLOUDFRONT).
     * @default none: no alarm
     */
    blockedAlarm?: { routing: AlarmRouting; ratePercent: number };
}

/** The kinds of child resources Firewall creates, and the arguments a `transform` of each may edit. */
export interface FirewallChildren extends ChildKinds {
    logGroup: aws.cloudwatch.LogGroupArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    webAcl: aws.wafv2.WebAclArgs;
    webAclLoggingConfiguration: aws.wafv2.WebAclLoggingConfigurationArgs;
}
const FIREWALL_CHILD_KINDS = ["logGroup", "metricAlarm", "webAcl", "webAclLoggingConfiguration"] as const;

/**
 * A WAFv2 web ACL with the AWS managed common, known-bad-inputs and IP-reputation rule groups and a
 * per-IP rate-based rule, metrics on the ACL and every rule, logging to an encrypted log group, and
 * (with `blockedAlarm`) a warning when the share of blocked requests spikes.
 */
export class Firewall extends Component<FirewallChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Web ACL ARN, to associate with a stage or distribution. */
    public readonly webAclArn: pulumi.Output<string>;
    /** Name of the log group receiving WAF logs. */
    public readonly logGroupName: pulumi.Output<string>;
    /** The ACL's CloudWatch metric name: the `WebACL` dimension of its `AWS/WAFV2` metrics. */
    public readonly webAclMetricName: string;

    constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:Firewall", "Firewall", name, FIREWALL_CHILD_KINDS, args, opts);
        if (args.scope !== "REGIONAL" && args.scope !== "CLOUDFRONT") {
            this.invalid("scope", args.scope, "allowed: REGIONAL, CLOUDFRONT");
        }
        if (args.scope === "CLOUDFRONT" && args.context.region !== "us-east-1") {
            this.invalid("context.region", args.context.region, "allowed for scope CLOUDFRONT: us-east-1, where global web ACLs live");
        }
        this.checkInt("rateLimit", args.rateLimit, 100, 2000000000);
        this.checkInt("logRetentionDays", args.logRetentionDays, 1, 3653);
        if (args.blockedAlarm) this.checkInt("blockedAlarm.ratePercent", args.blockedAlarm.ratePercent, 1, 100);
        const ctx = args.context;
        const metric = (suffix: string) => `${ctx.namePrefix}-${name}-${suffix}`.replace(/[^A-Za-z0-9_-]/g, "-");
        const visibility = (suffix: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: metric(suffix) });

        const rules: Rule[] = MANAGED_RULE_GROUPS.map((group, i) => ({
            name: group,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
            visibilityConfig: visibility(group),
        }));
        rules.push({
            name: "RateLimitPerIp",
            priority: rules.length + 1,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: args.rateLimit, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: visibility("rate-limit"),
        });

        const acl = this.create(
            "webAcl",
            aws.wafv2.WebAcl,
            `acl`,
            {
                name: `${ctx.namePrefix}-${name}`,
                scope: args.scope,
                defaultAction: { allow: {} },
                rules,
                visibilityConfig: visibility("acl"),
                tags: ctx.tags,
            },
            { parent: this },
        );
        // WAF only delivers to log groups whose name starts with `aws-waf-logs-`.
        const logGroup = this.create(
            "logGroup",
            aws.cloudwatch.LogGroup,
            `logs`,
            { name: `aws-waf-logs-${ctx.namePrefix}-${name}`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn, tags: ctx.tags },
            { parent: this },
        );
        this.create(
            "webAclLoggingConfiguration",
            aws.wafv2.WebAclLoggingConfiguration,
            `logging`,
            {
                resourceArn: acl.arn,
                logDestinationConfigs: [logGroup.arn],
                // Tokens and cookies never reach the logs.
                redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
            },
            { parent: this },
        );

        if (args.blockedAlarm) {
            // WAF publishes a count only for minutes that have one: a minute without blocked requests has no datapoint.
            // CloudFront ACLs publish in us-east-1 without a Region dimension.
            const dimensions: Record<string, string> = { WebACL: metric("acl"), Rule: "ALL", ...(args.scope === "REGIONAL" ? { Region: ctx.region } : {}) };
            const count = (metricName: string) => ({ namespace: "AWS/WAFV2", metricName, dimensions, stat: "Sum" });
            const { ratePercent, routing } = args.blockedAlarm;
            createAlarm(
                `${name}-blocked-rate`,
                {
                    description:
                        `More than ${ratePercent}% of the requests to ${ctx.namePrefix}-${name} are blocked: an attack under way (check the rate rule and the ` +
                        "sampled requests), or a managed rule blocking real customers after an update (count the rule in the sampled requests, then exclude it).",
                    severity: "warning",
                    signal: {
                        kind: "math",
                        expression: `IF(FILL(allowed, 0) + FILL(blocked, 0) >= ${WAF_BLOCKED_MIN_REQUESTS}, 100 * FILL(blocked, 0) / (FILL(allowed, 0) + FILL(blocked, 0)), 0)`,
                        label: "blocked requests (%)",
                        metrics: { allowed: count("AllowedRequests"), blocked: count("BlockedRequests") },
                    },
                    threshold: ratePercent,
                    comparisonOperator: "GreaterThanThreshold",
                    evaluationPeriods: 5,
                    datapointsToAlarm: 3,
                },
                routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags },
            );
        }

        this.webAclArn = acl.arn;
        this.logGroupName = logGroup.name;
        this.webAclMetricName = metric("acl");
        this.monitored = { webAcls: [{ scope: args.scope, metricName: this.webAclMetricName }] };
        this.registerOutputs({ webAclArn: this.webAclArn, logGroupName: this.logGroupName });
    }
}
