import { CodeDeployClient, DeploymentCreator, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import type { Logger } from "@aws-lambda-powertools/logger";
import { lambdaRevision, type LambdaRevision } from "./appspec";

/** What CodeDeploy sends a lifecycle hook function. */
export interface LifecycleHookEvent {
    DeploymentId?: unknown;
    LifecycleEventHookExecutionId?: unknown;
}

/** The deployment a hook judges: its group and the alias shift it makes. */
export interface Deployment extends LambdaRevision {
    deploymentId: string;
    applicationName: string;
    deploymentGroupName: string;
    /** The deployment CodeDeploy started to roll back this one, if it is an automatic rollback. */
    rollsBack?: string;
}

/** One thing a hook checked, as it appears in the hook's log line and result. */
export interface Outcome {
    name: string;
    ok: boolean;
    detail: string;
}

export interface HookResult {
    status: "Succeeded" | "Failed";
    deploymentId: string;
    outcomes: Outcome[];
}

/** What every hook needs; tests hand in mocked clients and a fake clock. */
export interface HookDeps {
    codedeploy: CodeDeployClient;
    logger: Pick<Logger, "info" | "error">;
    /** Milliseconds the invocation has left (Lambda's context.getRemainingTimeInMillis). */
    remainingMs: () => number;
}

/**
 * Time kept back from the invocation's deadline to report the status: a hook killed by its own
 * timeout reports nothing, and CodeDeploy then waits an hour before it fails the deployment.
 */
export const REPORT_RESERVE_MS = 5_000;

const ID = /^[A-Za-z0-9_-]{1,128}$/;

function idOf(event: LifecycleHookEvent, key: keyof LifecycleHookEvent): string {
    const value = event?.[key];
    if (typeof value !== "string" || !ID.test(value)) {
        throw new Error(
            `the event has no valid ${key} (${value === undefined ? "missing" : JSON.stringify(value).slice(0, 80)}): this function is a CodeDeploy lifecycle hook and ` +
                "cannot report a status without it; CodeDeploy fails the hook when it times out, which rolls the deployment back",
        );
    }
    return value;
}

/** Reads the deployment and the function version it shifts to, from the AppSpec it was started with. */
export async function readDeployment(codedeploy: CodeDeployClient, deploymentId: string): Promise<Deployment> {
    const { deploymentInfo: info } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    const content = info?.revision?.appSpecContent?.content;
    if (!info?.applicationName || !info.deploymentGroupName) throw new Error(`deployment ${deploymentId} has no application or deployment group`);
    if (typeof content !== "string") {
        throw new Error(
            `deployment ${deploymentId} was not started with an AppSpecContent revision (revisionType ${info.revision?.revisionType ?? "none"}); start it as tools/ops/release.sh does`,
        );
    }
    const rollsBack =
        info.creator === DeploymentCreator.CodeDeployRollback ? (info.rollbackInfo?.rollbackTriggeringDeploymentId ?? "an earlier deployment") : undefined;
    return {
        deploymentId,
        applicationName: info.applicationName,
        deploymentGroupName: info.deploymentGroupName,
        ...lambdaRevision(content),
        ...(rollsBack ? { rollsBack } : {}),
    };
}

class Deadline extends Error {}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () => reject(new Deadline(`timed out: the checks did not finish within the ${Math.max(0, Math.round(ms / 1000))} s the hook had left`)),
            Math.max(0, ms),
        );
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs one lifecycle hook: reads the deployment, runs the checks before the invocation's deadline,
 * and reports Succeeded only when every check passed. A check that fails, throws or does not finish
 * in time reports Failed, and CodeDeploy rolls the deployment back. An event without ids, or a
 * status CodeDeploy did not accept, throws: there is nothing to report to, or the report was lost.
 */
export async function runLifecycleHook(
    hook: string,
    event: LifecycleHookEvent,
    deps: HookDeps,
    checks: (deployment: Deployment, deadlineMs: number) => Promise<Outcome[]>,
): Promise<HookResult> {
    let deploymentId: string;
    let executionId: string;
    try {
        deploymentId = idOf(event, "DeploymentId");
        executionId = idOf(event, "LifecycleEventHookExecutionId");
    } catch (error) {
        deps.logger.error(`${hook}: ${errorText(error)}`);
        throw error;
    }

    let outcomes: Outcome[];
    try {
        const budget = deps.remainingMs() - REPORT_RESERVE_MS;
        const started = Date.now();
        const deployment = await within(readDeployment(deps.codedeploy, deploymentId), budget);
        // A rollback restores the version that served before; checks (and alarms still in ALARM from the
        // bad version) must never hold it back.
        outcomes = deployment.rollsBack
            ? [
                  {
                      name: "rollback",
                      ok: true,
                      detail: `automatic rollback of ${deployment.rollsBack} to version ${deployment.targetVersion}: not held back by checks`,
                  },
              ]
            : await within(checks(deployment, started + budget), budget - (Date.now() - started));
        if (outcomes.length === 0) outcomes = [{ name: "checks", ok: false, detail: "no check ran, so nothing proves the new version works" }];
    } catch (error) {
        outcomes = [{ name: error instanceof Deadline ? "deadline" : "deployment", ok: false, detail: errorText(error) }];
    }
    const status = outcomes.every((o) => o.ok) ? "Succeeded" : "Failed";
    const log = status === "Succeeded" ? deps.logger.info.bind(deps.logger) : deps.logger.error.bind(deps.logger);
    log(`${hook}: ${status}`, { deploymentId, outcomes });
    await deps.codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: executionId, status }));
    return { status, deploymentId, outcomes };
}
