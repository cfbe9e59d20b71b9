import { SESv2Client } from "@aws-sdk/client-sesv2";
import { traceAwsClient, type Tracer } from "../shared/tracing";

/**
 * One attempt: the SDK's automatic retry could repeat a send that SES already accepted; SQS retries
 * instead. Traced, so each send is an `SESv2` subsegment.
 */
export function createSesClient(tracer: Tracer): SESv2Client {
    return traceAwsClient(tracer, new SESv2Client({ maxAttempts: 1 }));
}
