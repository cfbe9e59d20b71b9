import { fromEnv } from "@aws-sdk/credential-provider-env";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles (see components/bundle-options.ts).
 * Lambda always hands a function its role's credentials in environment variables, so the node
 * chain's SSO, INI, process and IMDS providers (and the STS/SSO clients they pull in, over 100 KB)
 * are dead weight that only slows the cold start.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): AwsCredentialIdentityProvider => fromEnv(init);
