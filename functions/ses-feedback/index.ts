import { createDocumentClient } from "../shared/clients";
import { createObservability } from "../shared/observability";
import { loadSesFeedbackConfig } from "./config";
import { createSesFeedbackHandler } from "./feedback";

const config = loadSesFeedbackConfig();

export const handler = createSesFeedbackHandler({
  db: createDocumentClient(),
  tableName: config.TABLE_NAME,
  observability: createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE),
});
