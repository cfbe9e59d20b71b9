import { createDocumentClient, createDynamoClient } from "../shared/clients";
import { createObservability } from "../shared/observability";
import { traceHandler } from "../shared/tracing";
import { loadSesFeedbackConfig } from "./config";
import { createSesFeedbackHandler } from "./feedback";

const config = loadSesFeedbackConfig();
const observability = createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE);
const { tracer } = observability;

export const handler = traceHandler(
    tracer,
    createSesFeedbackHandler({
        db: createDocumentClient(createDynamoClient(tracer)),
        tableName: config.TABLE_NAME,
        observability,
    }),
);
