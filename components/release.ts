import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RELEASE_STRATEGIES } from "../config";
import { PlatformContext, checkInt, invalid } from "./context";
import { LIVE_ALIAS } from "./function";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";

/** How a new version takes the `live` alias's traffic. */
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/** A function whose `live` alias the release shifts (a `Function` component satisfies it). */
export interface ReleaseTarget {
    /** Physical function name. */
    functionName: pulumi.Input<string>;
    /** Unqualified function ARN. */
    functionArn: pulumi.Input<string>;
    /** ARN of the `live` alias. */
    aliasArn: pulumi.Input<string>;
    /** The version the last `pulumi up` published: what the next release shifts `live` to. */
    latestVersion: pulumi.Input<string>;
    /**
     * Alarms that stop the release and roll `live` back when they fire: at least the function's
     * error-rate and duration alarms. At most 10 (a CodeDeploy limit).
     */
    rollbackAlarmNames: pulumi.Input<string>[];
}

export interface ReleaseArgs {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /**
     * The functions released this way, by workload name (lower case, used in resource names).
     * Each one's alias must be created with `releasedExternally: true`, so Pulumi does not move it.
     */
    functions: Record<string, ReleaseTarget>;
    /**
     * `blue-green`: all traffic moves to the new version at once (CodeDeploy `AllAtOnce`);
     * `rolling`: `stepPercent` more every `intervalMinutes` (`TimeBasedLinear`);
     * `canary`: `stepPercent` first, the rest after `intervalMinutes` (`TimeBasedCanary`).
     */
    strategy: ReleaseStrategy;
    /**
     * Share of traffic a rolling step or the canary moves (1 to 99). Ignored by `blue-green`.
     * @default 10
     */
    stepPercent?: number;
    /**
     * Minutes between rolling steps, or that the canary bakes (1 to 60). Ignored by `blue-green`.
     * Keep it at least as long as the rollback alarms need to fire (the error-rate alarm needs 3
     * breaching minutes), or a bad version takes all traffic before an alarm can stop it.
     * @default 5
     */
    intervalMinutes?: number;
}

/** The CodeDeploy traffic routing of a strategy: pure, so the specs check it for every input. */
export function trafficRouting(
    strategy: ReleaseStrategy,
    stepPercent: number,
    intervalMinutes: number,
): aws.types.input.codedeploy.DeploymentConfigTrafficRoutingConfig {
    switch (strategy) {
        case "blue-green":
            return { type: "AllAtOnce" };
        case "rolling":
            return { type: "TimeBasedLinear", timeBasedLinear: { percentage: stepPercent, interval: intervalMinutes } };
        case "canary":
            return { type: "TimeBasedCanary", timeBasedCanary: { percentage: stepPercent, interval: intervalMinutes } };
    }
}

/** CodeDeploy accepts at most this many alarms per deployment group. */
export const MAX_ROLLBACK_ALARMS = 10;

const FUNCTION_KEY = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Releases of each function's `live` alias through AWS CodeDeploy, with automatic rollback.
 *
 * Who does what:
 * - `pulumi up` builds the bundle and publishes a new Lambda version (`publish: true`). It does not
 *   move `live`: the Function component ignores the alias's `functionVersion`/`routingConfig` once it
 *   exists (`releasedExternally`), so Pulumi never fights CodeDeploy over which version serves.
 * - The operator or CI then starts a CodeDeploy deployment in the function's deployment group with an
 *   AppSpec naming the alias, its current version and `latestVersion` (see the `releases` stack output
 *   and docs/runbooks/release-and-rollback.md). CodeDeploy shifts `live` by the strategy's traffic
 *   routing, watches the rollback alarms throughout, and on an alarm or a failure moves `live` back to
 *   the version it served before.
 *
 * One CodeDeploy application per stack, one deployment config (built from the strategy), and one
 * deployment group per function (each watching that function's alarms), all sharing one service role
 * with exactly the Lambda and CloudWatch actions CodeDeploy for Lambda uses, on these functions only.
 */
export class Release extends pulumi.ComponentResource {
    /** Name of the CodeDeploy application. */
    public readonly applicationName: pulumi.Output<string>;
    /** Name of the deployment config (the traffic routing). */
    public readonly deploymentConfigName: pulumi.Output<string>;
    /** Deployment group name by function. */
    public readonly deploymentGroupNames: Record<string, pulumi.Output<string>>;
    /** ARN of the CodeDeploy service role. */
    public readonly serviceRoleArn: pulumi.Output<string>;
    /**
     * What a release pipeline needs per function: application, deployment group, function, alias and
     * the version to release.
     */
    public readonly releases: pulumi.Output<
        Record<string, { application: string; deploymentGroup: string; functionName: string; alias: string; targetVersion: string }>
    >;

    constructor(name: string, args: ReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:release:Release", name, {}, opts);
        const C = "Release";
        if (!(RELEASE_STRATEGIES as readonly string[]).includes(args.strategy)) {
            invalid(C, "strategy", args.strategy, `allowed: ${RELEASE_STRATEGIES.join(", ")}`);
        }
        const stepPercent = checkInt(C, "stepPercent", args.stepPercent ?? 10, 1, 99);
        const intervalMinutes = checkInt(C, "intervalMinutes", args.intervalMinutes ?? 5, 1, 60);
        const entries = Object.entries(args.functions);
        if (entries.length === 0) {
            invalid(C, "functions", args.functions, "allowed: at least one function to release");
        }
        for (const [key, f] of entries) {
            if (!FUNCTION_KEY.test(key)) {
                invalid(C, "functions", key, "allowed keys: lower-case letters, digits and dashes, starting with a letter, at most 40 characters");
            }
            const n = f.rollbackAlarmNames.length;
            if (n === 0 || n > MAX_ROLLBACK_ALARMS) {
                invalid(
                    C,
                    `functions.${key}.rollbackAlarmNames`,
                    `${n} alarms`,
                    `allowed: 1 to ${MAX_ROLLBACK_ALARMS}; a release without an alarm cannot roll back on its own`,
                );
            }
        }
        const ctx = args.context;
        const prefix = ctx.namePrefix;

        const application = new aws.codedeploy.Application(
            `${name}-app`,
            { name: `${prefix}-functions`, computePlatform: "Lambda", tags: ctx.tags },
            { parent: this },
        );

        // The name carries the routing, so a change of strategy creates a new config before the
        // groups move to it (CodeDeploy configs cannot be updated in place).
        const routing = trafficRouting(args.strategy, stepPercent, intervalMinutes);
        const suffix = args.strategy === "blue-green" ? "all-at-once" : `${args.strategy}-${stepPercent}pct-${intervalMinutes}min`;
        const config = new aws.codedeploy.DeploymentConfig(
            `${name}-config`,
            { deploymentConfigName: `${prefix}-${suffix}`, computePlatform: "Lambda", trafficRoutingConfig: routing },
            { parent: this },
        );

        const roleName = `${prefix}-codedeploy`;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: roleName,
                description: `CodeDeploy service role: shifts the ${LIVE_ALIAS} aliases of ${prefix} functions`,
                assumeRolePolicy: assumeRolePolicy("codedeploy.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        // The actions of AWSCodeDeployRoleForLambdaLimited that a Lambda deployment without lifecycle
        // hooks or S3-stored AppSpecs uses, on these functions' aliases and alarms instead of "*".
        // (Add lambda:InvokeFunction on a hook function here if a group gets lifecycle hooks.)
        const targets = entries.map(([, f]) => f);
        const grants: Grant[] = [
            {
                sid: "ShiftLiveAliases",
                actions: ["lambda:GetAlias", "lambda:UpdateAlias"],
                // Lambda authorizes alias calls on the function ARN or the alias-qualified ARN.
                resources: targets.flatMap((f) => [f.functionArn, f.aliasArn]),
            },
            {
                sid: "ReadProvisionedConcurrency",
                actions: ["lambda:GetProvisionedConcurrencyConfig"],
                resources: targets.map((f) => f.aliasArn),
            },
            {
                sid: "ReadRollbackAlarms",
                actions: ["cloudwatch:DescribeAlarms"],
                resources: targets.flatMap((f) =>
                    f.rollbackAlarmNames.map((a) => pulumi.interpolate`arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${a}`),
                ),
            },
        ];
        checkGrants(C, "grants", grants);
        const policy = new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: policyDocument(grants) }, { parent: this });

        const groupNames: Record<string, pulumi.Output<string>> = {};
        const releases: Record<string, pulumi.Output<{ application: string; deploymentGroup: string; functionName: string; alias: string; targetVersion: string }>> =
            {};
        for (const [key, f] of entries) {
            const group = new aws.codedeploy.DeploymentGroup(
                `${name}-${key}`,
                {
                    appName: application.name,
                    deploymentGroupName: `${prefix}-${key}`,
                    serviceRoleArn: role.arn,
                    deploymentConfigName: config.deploymentConfigName,
                    deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
                    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
                    // If CloudWatch cannot be read, stop rather than release blind.
                    alarmConfiguration: { enabled: true, alarms: f.rollbackAlarmNames, ignorePollAlarmFailure: false },
                    tags: ctx.tags,
                },
                { parent: this, dependsOn: [policy] },
            );
            groupNames[key] = group.deploymentGroupName;
            releases[key] = pulumi.output({
                application: application.name,
                deploymentGroup: group.deploymentGroupName,
                functionName: f.functionName,
                alias: LIVE_ALIAS,
                targetVersion: f.latestVersion,
            });
        }

        this.applicationName = application.name;
        this.deploymentConfigName = config.deploymentConfigName;
        this.deploymentGroupNames = groupNames;
        this.serviceRoleArn = role.arn;
        this.releases = pulumi.output(releases);
        this.registerOutputs({
            applicationName: this.applicationName,
            deploymentConfigName: this.deploymentConfigName,
            serviceRoleArn: this.serviceRoleArn,
            releases: this.releases,
        });
    }
}
