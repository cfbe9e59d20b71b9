import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient, GetDeploymentGroupCommand } from "@aws-sdk/client-codedeploy";
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { runSmokeChecks } from "../shared/smoke-checks";
import type { TargetKind } from "./config";
import type { Deployment, Outcome } from "./hook";

export interface PostTrafficDeps {
    codedeploy: CodeDeployClient;
    cloudwatch: CloudWatchClient;
    cognito: CognitoIdentityProviderClient;
    targets: Record<string, TargetKind>;
    /** Minutes the alarms must stay quiet after all traffic has moved. */
    bakeMinutes: number;
    /** Where the API smoke checks go and who they authenticate as. */
    api: { url: string; tokenUrl: string; userPoolId: string; machineClientId: string; machineScope: string };
    /** @default 20 000: a rollback alarm evaluates once a minute, so three looks per evaluation. */
    pollMs?: number;
    /** Injected for tests. @default real time */
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    /** Injected for tests. @default global fetch */
    fetch?: typeof fetch;
}

/** Time the smoke checks may take before the bake starts; the hook's timeout adds it to the bake. */
export const SMOKE_BUDGET_MS = 90_000;

async function smokeOutcomes(deps: PostTrafficDeps): Promise<Outcome[]> {
    const { api } = deps;
    let clientSecret: string | undefined;
    try {
        const res = await deps.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: api.userPoolId, ClientId: api.machineClientId }));
        clientSecret = res.UserPoolClient?.ClientSecret;
    } catch (error) {
        return [{ name: "machine client secret", ok: false, detail: `DescribeUserPoolClient failed: ${(error as Error).message}` }];
    }
    if (!clientSecret)
        return [{ name: "machine client secret", ok: false, detail: `app client ${api.machineClientId} has no secret, so it cannot use client credentials` }];
    const results = await runSmokeChecks(
        { apiUrl: api.url, machine: { tokenUrl: api.tokenUrl, clientId: api.machineClientId, clientSecret, scope: api.machineScope }, timeoutMs: 10_000 },
        deps.fetch ? { fetch: deps.fetch } : {},
    );
    return results.filter((r) => !r.skipped).map((r) => ({ name: `smoke: ${r.name}`, ok: r.ok, detail: r.detail }));
}

async function rollbackAlarms(deps: PostTrafficDeps, d: Deployment): Promise<string[]> {
    const { deploymentGroupInfo: group } = await deps.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: d.applicationName, deploymentGroupName: d.deploymentGroupName }),
    );
    const config = group?.alarmConfiguration;
    const names = (config?.alarms ?? []).map((a) => a.name).filter((n): n is string => typeof n === "string" && n !== "");
    if (!config?.enabled || names.length === 0) {
        throw new Error(`deployment group ${d.deploymentGroupName} has no enabled rollback alarms: nothing tells a good version from a bad one`);
    }
    return names;
}

/**
 * Watches the deployment group's own rollback alarms (the ones CodeDeploy watches) for the bake
 * window, failing at the first one in ALARM or missing. CodeDeploy stops watching alarms once the
 * last hook reports, so for an all-at-once release this window is the only time a bad version can
 * still roll back by itself.
 */
async function bake(deps: PostTrafficDeps, d: Deployment, deadlineMs: number): Promise<Outcome> {
    const now = deps.now ?? Date.now;
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const bakeMs = deps.bakeMinutes * 60_000;
    const name = `bake: rollback alarms quiet for ${deps.bakeMinutes} min`;
    const end = now() + bakeMs;
    if (end > deadlineMs) {
        return {
            name,
            ok: false,
            detail: `the bake of ${deps.bakeMinutes} min does not fit in the ${Math.round((deadlineMs - now()) / 1000)} s the hook has left: raise the hook's timeout or lower releaseBakeMinutes`,
        };
    }
    const alarms = await rollbackAlarms(deps, d);
    for (;;) {
        const res = await deps.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarms, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }));
        const found = [...(res.MetricAlarms ?? []), ...(res.CompositeAlarms ?? [])];
        const missing = alarms.filter((a) => !found.some((f) => f.AlarmName === a));
        if (missing.length > 0) return { name, ok: false, detail: `rollback alarm${missing.length > 1 ? "s" : ""} not found: ${missing.join(", ")}` };
        const firing = found.filter((f) => f.StateValue === "ALARM");
        if (firing.length > 0) {
            return { name, ok: false, detail: firing.map((f) => `${f.AlarmName} is in ALARM (${f.StateReason ?? "no reason given"})`).join("; ") };
        }
        const left = end - now();
        if (left <= 0) return { name, ok: true, detail: `${alarms.length} alarms stayed out of ALARM: ${alarms.join(", ")}` };
        await sleep(Math.min(deps.pollMs ?? 20_000, left));
    }
}

/**
 * AfterAllowTraffic: all traffic now reaches the new version. An API version must pass the smoke
 * checks through the API (as the machine client), then every target must keep its rollback alarms
 * quiet for the bake window before the deployment may succeed.
 */
export function postTrafficChecks(deps: PostTrafficDeps): (d: Deployment, deadlineMs: number) => Promise<Outcome[]> {
    return async (d, deadlineMs) => {
        const kind = deps.targets[d.functionName];
        if (!kind) {
            return [
                {
                    name: "target",
                    ok: false,
                    detail: `${d.functionName} is not a function this hook validates (it knows ${Object.keys(deps.targets).join(", ")})`,
                },
            ];
        }
        const outcomes = kind === "http-api" ? await smokeOutcomes(deps) : [];
        if (outcomes.some((o) => !o.ok)) return outcomes;
        return [...outcomes, await bake(deps, d, deadlineMs)];
    };
}
