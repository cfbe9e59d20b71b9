import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { MAX_ROLLBACK_ALARMS, RELEASE_CHECKS, RELEASE_STRATEGIES, type ReleaseCheck, type ReleaseStrategy } from "./defaults/codedeploy";

export { MAX_ROLLBACK_ALARMS, type ReleaseStrategy };

/** Where the release hooks' handlers are, beside the components (not in the program that uses them). */
const HOOK_SOURCES = path.join(__dirname, "..", "functions", "release-hooks");
import { PlatformContext } from "./context";
import { Function, FunctionArgs, LIVE_ALIAS } from "./function";
import { Grant, assumeRolePolicy, checkGrants, policyDocument } from "./iam";
import { KeyInput, keyArnOf, keyUseGrant, useKey } from "./grants";
import { MIN_BAKE_MINUTES, ROLLBACK_DETECTION_MINUTES } from "./defaults/rollback-window";

/** A function whose `live` alias the release shifts (a `Function` component satisfies most of it). */
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
     * error-rate and duration alarms, and for an API what its callers see (the stage's 5xx rate and
     * latency) and the new version's own failure rate. At most 10 (a CodeDeploy limit).
     */
    rollbackAlarmNames: pulumi.Input<string>[];
    /**
     * How the lifecycle hooks check a new version: `http-api` invokes it as API Gateway would before
     * the shift and smoke-tests the API after it; `event-batch` hands it an empty batch before the
     * shift. Both bake on the rollback alarms after it.
     */
    check: ReleaseCheck;
}

/** The machine client and API the hooks smoke-test through. */
export interface ReleaseSmokeArgs {
    /** Invoke URL of the API stage. */
    apiUrl: pulumi.Input<string>;
    /** `https://<cognito domain>/oauth2/token`. */
    tokenUrl: pulumi.Input<string>;
    /** ARN of the user pool (the hook reads the machine client's secret from it). */
    userPoolArn: pulumi.Input<string>;
    /** Id of the user pool. */
    userPoolId: pulumi.Input<string>;
    /** Id of the machine app client (client credentials). */
    machineClientId: pulumi.Input<string>;
    /**
     * Scope the smoke checks ask for.
     * @default "orders/orders.read"
     */
    scope?: string;
}

/** What the hook functions share with every other function of the stack. */
export type HookFunctionDefaults = Pick<
    FunctionArgs,
    "logRetentionDays" | "logsKeyArn" | "environmentKeyArn" | "messagingKey" | "routing" | "errorRatePercent"
>;

export interface ReleaseArgs extends ComponentOptions<ReleaseChildren> {
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
     * At least the rollback alarms' detection time (ROLLBACK_DETECTION_MINUTES), or a bad version
     * takes more traffic before an alarm can stop it.
     * @default 5
     */
    intervalMinutes?: number;
    /**
     * Minutes the AfterAllowTraffic hook watches the rollback alarms once all traffic has moved,
     * before the deployment may succeed (MIN_BAKE_MINUTES to 12: the rollback alarms' detection time
     * and two minutes of margin, so a version failing from its first minute is rolled back before the
     * release completes; at most what one Lambda invocation of 15 minutes holds, smoke checks
     * included). For `blue-green` this is the only alarm window there is.
     */
    bakeMinutes: number;
    /** The API and machine client the hooks check an `http-api` target through. */
    smoke: ReleaseSmokeArgs;
    /**
     * Settings the two hook functions share with the stack's other functions (the stack's function
     * defaults will do: only these fields are read).
     */
    hookFunction: HookFunctionDefaults;
    /**
     * Topic told of every failed, stopped or rolled-back deployment (the warning topic), and the
     * key it is encrypted with (the CodeDeploy role uses it to publish, and is named in its key policy).
     */
    notifications: { topicArn: pulumi.Input<string>; kmsKey: KeyInput };
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

/** The longest bake one hook invocation holds: 15 minutes of Lambda, less the smoke checks and reporting. */
export const MAX_BAKE_MINUTES = 12;

/** Deployment events that reach the notification topic as they happen. */
export const RELEASE_TRIGGER_EVENTS = ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"];

const FUNCTION_KEY = /^[a-z][a-z0-9-]{0,39}$/;

/** Workload names of the two hook functions, under the Release component's name. */
export function releaseHookNames(name: string): { beforeAllowTraffic: string; afterAllowTraffic: string } {
    return { beforeAllowTraffic: `${name}-pre-traffic`, afterAllowTraffic: `${name}-post-traffic` };
}

/** The kinds of child resources Release creates, and the arguments a `transform` of each may edit. */
export interface ReleaseChildren extends ChildKinds {
    application: aws.codedeploy.ApplicationArgs;
    deploymentConfig: aws.codedeploy.DeploymentConfigArgs;
    deploymentGroup: aws.codedeploy.DeploymentGroupArgs;
    role: aws.iam.RoleArgs;
    rolePolicy: aws.iam.RolePolicyArgs;
}
const RELEASE_CHILD_KINDS = ["application", "deploymentConfig", "deploymentGroup", "role", "rolePolicy"] as const;

/**
 * Releases of each function's `live` alias through AWS CodeDeploy, checked by lifecycle hooks and
 * rolled back automatically.
 *
 * Who does what:
 * - `pulumi up` builds the bundle and publishes a new Lambda version (`publish: true`). It does not
 *   move `live`: the Function component ignores the alias's `functionVersion`/`routingConfig` once it
 *   exists (`releasedExternally`), so Pulumi never fights CodeDeploy over which version serves.
 * - The operator or CI then starts a CodeDeploy deployment in the function's deployment group with an
 *   AppSpec naming the alias, its current version, `latestVersion` and the two hooks (see the
 *   `releases` and `releaseHooks` stack outputs and docs/runbooks/release-and-rollback.md).
 * - BeforeAllowTraffic invokes the new version directly; CodeDeploy then shifts `live` by the
 *   strategy's traffic routing, watching the rollback alarms; AfterAllowTraffic smoke-tests the API
 *   and bakes on the same alarms. A failed hook, a hook that never reports, or an alarm moves `live`
 *   back to the version it served before, and the warning topic hears of it.
 *
 * One CodeDeploy application per stack, one deployment config (built from the strategy), one
 * deployment group per function (each watching that function's alarms), all sharing one service role
 * with exactly the Lambda, CloudWatch and SNS actions CodeDeploy for Lambda uses, on these resources only.
 */
export class Release extends Component<ReleaseChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Name of the CodeDeploy application. */
    public readonly applicationName: pulumi.Output<string>;
    /** Name of the deployment config (the traffic routing). */
    public readonly deploymentConfigName: pulumi.Output<string>;
    /** Deployment group name by function. */
    public readonly deploymentGroupNames: Record<string, pulumi.Output<string>>;
    /** ARN of the CodeDeploy service role. */
    public readonly serviceRoleArn: pulumi.Output<string>;
    /** The BeforeAllowTraffic and AfterAllowTraffic hook functions. */
    public readonly hooks: { beforeAllowTraffic: Function; afterAllowTraffic: Function };
    /** Physical names of the hook functions, as an AppSpec's `Hooks` section names them. */
    public readonly hookFunctionNames: pulumi.Output<{ beforeAllowTraffic: string; afterAllowTraffic: string }>;
    /**
     * What a release pipeline needs per function: application, deployment group, function, alias and
     * the version to release.
     */
    public readonly releases: pulumi.Output<
        Record<string, { application: string; deploymentGroup: string; functionName: string; alias: string; targetVersion: string }>
    >;

    constructor(name: string, args: ReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:release:Release", "Release", name, RELEASE_CHILD_KINDS, args, opts);
        if (!(RELEASE_STRATEGIES as readonly string[]).includes(args.strategy)) {
            this.invalid("strategy", args.strategy, `allowed: ${RELEASE_STRATEGIES.join(", ")}`);
        }
        const stepPercent = this.checkInt("stepPercent", args.stepPercent ?? 10, 1, 99);
        const intervalMinutes = this.checkInt("intervalMinutes", args.intervalMinutes ?? 5, 1, 60);
        const detection = ROLLBACK_DETECTION_MINUTES;
        if (args.strategy !== "blue-green" && intervalMinutes < detection) {
            this.invalid(
                "intervalMinutes",
                intervalMinutes,
                `allowed: at least ${detection}, the minutes a rollback alarm needs to fire; a shorter ${args.strategy === "rolling" ? "step" : "canary bake"} shifts more traffic to a bad version before any alarm can stop it`,
            );
        }
        const bakeMinutes = this.checkInt("bakeMinutes", args.bakeMinutes, 1, MAX_BAKE_MINUTES);
        if (bakeMinutes < MIN_BAKE_MINUTES) {
            this.invalid(
                "bakeMinutes",
                bakeMinutes,
                `allowed: ${MIN_BAKE_MINUTES} to ${MAX_BAKE_MINUTES}, the ${detection} minutes a rollback alarm needs to fire and 2 of margin; a shorter bake lets a release failing from its first minute succeed before, or as, a rollback alarm fires`,
            );
        }
        const entries = Object.entries(args.functions);
        if (entries.length === 0) {
            this.invalid("functions", args.functions, "allowed: at least one function to release");
        }
        for (const [key, f] of entries) {
            if (!FUNCTION_KEY.test(key)) {
                this.invalid("functions", key, "allowed keys: lower-case letters, digits and dashes, starting with a letter, at most 40 characters");
            }
            const n = f.rollbackAlarmNames.length;
            if (n === 0 || n > MAX_ROLLBACK_ALARMS) {
                this.invalid(
                    `functions.${key}.rollbackAlarmNames`,
                    `${n} alarms`,
                    `allowed: 1 to ${MAX_ROLLBACK_ALARMS}; a release without an alarm cannot roll back on its own`,
                );
            }
            if (!(RELEASE_CHECKS as readonly string[]).includes(f.check)) {
                this.invalid(`functions.${key}.check`, f.check, `allowed: ${RELEASE_CHECKS.join(", ")}`);
            }
        }
        const ctx = args.context;
        const prefix = ctx.namePrefix;
        const appName = `${prefix}-functions`;
        const groupName = (key: string) => `${prefix}-${key}`;
        // Built from the fixed names, so the hooks' policies need neither the groups nor the hooks first.
        const groupArns = entries.map(
            ([key]) => pulumi.interpolate`arn:${ctx.partition}:codedeploy:${ctx.region}:${ctx.accountId}:deploymentgroup:${appName}/${groupName(key)}`,
        );
        const alarmArn = (alarm: pulumi.Input<string>) => pulumi.interpolate`arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${alarm}`;
        const targets = entries.map(([, f]) => f);

        // The hooks. Both are ordinary platform functions (logs, tracing, DLQ, alarms), invoked by
        // CodeDeploy by name: they are release tooling, never released through CodeDeploy themselves.
        const hookNames = releaseHookNames(name);
        const targetKinds = pulumi.jsonStringify(
            pulumi.all(targets.map((f) => pulumi.output(f.functionName))).apply((names) => Object.fromEntries(names.map((n, i) => [n, targets[i].check]))),
        );
        const scope = args.smoke.scope ?? "orders/orders.read";
        // Only these settings: the stack's function defaults also say how workload functions are released.
        const { logRetentionDays, logsKeyArn, environmentKeyArn, messagingKey, routing: alarmRouting, errorRatePercent } = args.hookFunction;
        const hookCommon = {
            logRetentionDays,
            logsKeyArn,
            environmentKeyArn,
            messagingKey,
            routing: alarmRouting,
            errorRatePercent,
            context: ctx,
            memoryMb: 256,
            // One deployment per group at a time; a few spare for retries of the asynchronous invoke.
            reservedConcurrency: Math.max(2, entries.length),
        };
        const readDeployments: Grant = { sid: "ReadDeployments", actions: ["codedeploy:GetDeployment"], resources: groupArns };
        const reportStatus: Grant = { sid: "ReportHookStatus", actions: ["codedeploy:PutLifecycleEventHookExecutionStatus"], resources: groupArns };
        const before = new Function(
            hookNames.beforeAllowTraffic,
            {
                ...hookCommon,
                entry: path.join(HOOK_SOURCES, "before-allow-traffic.ts"),
                // Two invocations of the new version, each bounded by that function's own timeout (at most 30 s here).
                timeoutSeconds: 120,
                durationPercentOfTimeout: 80,
                environment: { RELEASE_TARGETS: targetKinds, MACHINE_CLIENT_ID: args.smoke.machineClientId, MACHINE_SCOPE: scope },
                grants: [
                    readDeployments,
                    reportStatus,
                    {
                        sid: "InvokeNewVersions",
                        actions: ["lambda:InvokeFunction"],
                        // Qualified ARNs only: the hook calls a version, never the function's $LATEST.
                        resources: targets.map((f) => pulumi.interpolate`${f.functionArn}:*`),
                    },
                ],
            },
            { parent: this },
        );
        const after = new Function(
            hookNames.afterAllowTraffic,
            {
                ...hookCommon,
                entry: path.join(HOOK_SOURCES, "after-allow-traffic.ts"),
                // The bake, plus the smoke checks (SMOKE_BUDGET_MS in the hook) and the report.
                timeoutSeconds: bakeMinutes * 60 + 120,
                // Its duration is the bake by design, so a duration alarm would fire on every release.
                durationPercentOfTimeout: 100,
                environment: {
                    RELEASE_TARGETS: targetKinds,
                    MACHINE_CLIENT_ID: args.smoke.machineClientId,
                    MACHINE_SCOPE: scope,
                    API_URL: args.smoke.apiUrl,
                    TOKEN_URL: args.smoke.tokenUrl,
                    USER_POOL_ID: args.smoke.userPoolId,
                    BAKE_MINUTES: String(bakeMinutes),
                },
                grants: [
                    { ...readDeployments, actions: ["codedeploy:GetDeployment", "codedeploy:GetDeploymentGroup"] },
                    reportStatus,
                    {
                        sid: "ReadRollbackAlarms",
                        actions: ["cloudwatch:DescribeAlarms"],
                        resources: targets.flatMap((f) => f.rollbackAlarmNames.map(alarmArn)),
                    },
                    { sid: "ReadMachineClient", actions: ["cognito-idp:DescribeUserPoolClient"], resources: [args.smoke.userPoolArn] },
                ],
            },
            { parent: this },
        );

        const application = this.create(
            "application",
            aws.codedeploy.Application,
            `app`,
            { name: appName, computePlatform: "Lambda", tags: ctx.tags },
            { parent: this },
        );

        // The name carries the routing, so a change of strategy creates a new config before the
        // groups move to it (CodeDeploy configs cannot be updated in place).
        const routing = trafficRouting(args.strategy, stepPercent, intervalMinutes);
        const suffix = args.strategy === "blue-green" ? "all-at-once" : `${args.strategy}-${stepPercent}pct-${intervalMinutes}min`;
        const config = this.create(
            "deploymentConfig",
            aws.codedeploy.DeploymentConfig,
            `config`,
            { deploymentConfigName: `${prefix}-${suffix}`, computePlatform: "Lambda", trafficRoutingConfig: routing },
            { parent: this },
        );

        const roleName = `${prefix}-codedeploy`;
        const role = this.create(
            "role",
            aws.iam.Role,
            `role`,
            {
                name: roleName,
                description: `CodeDeploy service role: shifts the ${LIVE_ALIAS} aliases of ${prefix} functions`,
                assumeRolePolicy: assumeRolePolicy("codedeploy.amazonaws.com", { StringEquals: { "aws:SourceAccount": ctx.accountId } }),
                tags: ctx.tags,
            },
            { parent: this },
        );
        // The actions of AWSCodeDeployRoleForLambdaLimited a Lambda deployment with lifecycle hooks
        // and trigger notifications uses, on these functions, alarms, hooks and topic instead of "*".
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
            { sid: "ReadRollbackAlarms", actions: ["cloudwatch:DescribeAlarms"], resources: targets.flatMap((f) => f.rollbackAlarmNames.map(alarmArn)) },
            { sid: "InvokeLifecycleHooks", actions: ["lambda:InvokeFunction"], resources: [before.functionArn, after.functionArn] },
            { sid: "PublishReleaseEvents", actions: ["sns:Publish"], resources: [args.notifications.topicArn] },
            keyUseGrant(keyArnOf(args.notifications.kmsKey), ctx.region, { via: "sns", sid: "EncryptReleaseEvents" }),
        ];
        // By its fixed name: the key policy need not wait for the role.
        useKey(args.notifications.kmsKey, pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${roleName}`);
        checkGrants(this.className, "grants", grants);
        const policy = this.create("rolePolicy", aws.iam.RolePolicy, `policy`, { role: role.name, policy: policyDocument(grants) }, { parent: this });

        const groupNames: Record<string, pulumi.Output<string>> = {};
        const releases: Record<
            string,
            pulumi.Output<{ application: string; deploymentGroup: string; functionName: string; alias: string; targetVersion: string }>
        > = {};
        for (const [key, f] of entries) {
            const group = this.create(
                "deploymentGroup",
                aws.codedeploy.DeploymentGroup,
                `${key}`,
                {
                    appName: application.name,
                    deploymentGroupName: groupName(key),
                    serviceRoleArn: role.arn,
                    deploymentConfigName: config.deploymentConfigName,
                    deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
                    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
                    // If CloudWatch cannot be read, stop rather than release blind.
                    alarmConfiguration: { enabled: true, alarms: f.rollbackAlarmNames, ignorePollAlarmFailure: false },
                    // People hear of a failed or rolled-back release as it happens, not from the next smoke run.
                    triggerConfigurations: [
                        { triggerName: `${prefix}-${key}-release`, triggerTargetArn: args.notifications.topicArn, triggerEvents: RELEASE_TRIGGER_EVENTS },
                    ],
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
        this.hooks = { beforeAllowTraffic: before, afterAllowTraffic: after };
        // A hook that fails or times out is a release that rolls back: the hooks are charted with the workload.
        this.monitored = {
            functions: [before, after].flatMap((f) => f.monitored.functions ?? []),
            deadLetterQueues: [before, after].flatMap((f) => f.monitored.deadLetterQueues ?? []),
        };
        this.hookFunctionNames = pulumi.output({ beforeAllowTraffic: before.functionName, afterAllowTraffic: after.functionName });
        this.releases = pulumi.output(releases);
        this.registerOutputs({
            applicationName: this.applicationName,
            deploymentConfigName: this.deploymentConfigName,
            serviceRoleArn: this.serviceRoleArn,
            hookFunctionNames: this.hookFunctionNames,
            releases: this.releases,
        });
    }
}
