import { Logger } from "@aws-lambda-powertools/logger";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Context } from "aws-lambda";
import { loadPreTrafficConfig } from "./config";
import { runLifecycleHook, type HookResult, type LifecycleHookEvent } from "./hook";
import { preTrafficChecks } from "./pre-traffic";

// CodeDeploy's BeforeAllowTraffic hook (named in the AppSpec by tools/ops/release.sh).
const config = loadPreTrafficConfig();
const logger = new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME });
const codedeploy = new CodeDeployClient({ maxAttempts: 3 });
const checks = preTrafficChecks({
    lambda: new LambdaClient({ maxAttempts: 2 }),
    targets: config.RELEASE_TARGETS,
    machineClientId: config.MACHINE_CLIENT_ID,
    machineScope: config.MACHINE_SCOPE,
});

export const handler = (event: LifecycleHookEvent, context: Context): Promise<HookResult> =>
    runLifecycleHook("BeforeAllowTraffic", event, { codedeploy, logger, remainingMs: () => context.getRemainingTimeInMillis() }, checks);
