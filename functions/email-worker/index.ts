import { SESv2Client } from "@aws-sdk/client-sesv2";
import { createDocumentClient } from "../shared/clients";
import { createObservability } from "../shared/observability";
import { loadEmailWorkerConfig } from "./config";
import { createEmailWorker } from "./worker";

const config = loadEmailWorkerConfig();

export const handler = createEmailWorker({
  db: createDocumentClient(),
  tableName: config.TABLE_NAME,
  // One attempt: the SDK's automatic retry could repeat a send that SES already accepted. SQS retries instead.
  ses: new SESv2Client({ maxAttempts: 1 }),
  fromAddress: config.SES_FROM_ADDRESS,
  configurationSet: config.SES_CONFIGURATION_SET,
  observability: createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE),
});
