import { createDocumentClient, createDynamoClient } from "../shared/clients";
import { createObservability } from "../shared/observability";
import { traceHandler } from "../shared/tracing";
import { loadEmailWorkerConfig } from "./config";
import { createSesClient } from "./ses-client";
import { createEmailWorker } from "./worker";

const config = loadEmailWorkerConfig();
const observability = createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE);
const { tracer } = observability;

export const handler = traceHandler(
    tracer,
    createEmailWorker({
        db: createDocumentClient(createDynamoClient(tracer)),
        tableName: config.TABLE_NAME,
        ses: createSesClient(tracer),
        fromAddress: config.SES_FROM_ADDRESS,
        configurationSet: config.SES_CONFIGURATION_SET,
        observability,
    }),
);
