import { createObservability } from "../shared/observability";
import { OpenSearchStore } from "../shared/search-store";
import { loadSearchIndexerConfig } from "./config";
import { createSearchIndexer } from "./indexer";

const config = loadSearchIndexerConfig();

export const handler = createSearchIndexer({
  search: new OpenSearchStore({ endpoint: config.SEARCH_ENDPOINT, index: config.SEARCH_INDEX, region: config.AWS_REGION }),
  observability: createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE),
});
