/**
 * Types for the OpenSearch client's signer factory, `lib/aws/shared.js`, which the package ships
 * without a declaration. `giveAwsV4Signer(loader)` is what the library's own `aws-v3` entry calls,
 * with a loader that imports `@aws-sdk/credential-provider-node` dynamically.
 */
declare module "@opensearch-project/opensearch/lib/aws/shared.js" {
    import type { AwsSigv4Signer } from "@opensearch-project/opensearch/aws-v3";
    import type { AwsCredentialIdentity } from "@smithy/types";

    export function giveAwsV4Signer(loadCredentials: () => Promise<AwsCredentialIdentity>): typeof AwsSigv4Signer;
}
