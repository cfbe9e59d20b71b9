import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { Context } from "aws-lambda";
import { loadPostTrafficConfig } from "./config";
import { runLifecycleHook, type HookResult, type LifecycleHookEvent } from "./hook";
import { postTrafficChecks } from "./post-traffic";

// CodeDeploy's AfterAllowTraffic hook (named in the AppSpec by tools/ops/release.sh).
const config = loadPostTrafficConfig();
const logger = new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME });
const codedeploy = new CodeDeployClient({ maxAttempts: 3 });
const checks = postTrafficChecks({
    codedeploy,
    cloudwatch: new CloudWatchClient({ maxAttempts: 3 }),
    cognito: new CognitoIdentityProviderClient({ maxAttempts: 3 }),
    targets: config.RELEASE_TARGETS,
    bakeMinutes: config.BAKE_MINUTES,
    api: {
        url: config.API_URL,
        tokenUrl: config.TOKEN_URL,
        userPoolId: config.USER_POOL_ID,
        machineClientId: config.MACHINE_CLIENT_ID,
        machineScope: config.MACHINE_SCOPE,
    },
});

export const handler = (event: LifecycleHookEvent, context: Context): Promise<HookResult> =>
    runLifecycleHook("AfterAllowTraffic", event, { codedeploy, logger, remainingMs: () => context.getRemainingTimeInMillis() }, checks);
