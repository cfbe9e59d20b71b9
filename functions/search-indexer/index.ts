import { createObservability } from "../shared/observability";
import { traceHandler } from "../shared/tracing";
import { loadSearchIndexerConfig } from "./config";
import { createSearchIndexer } from "./indexer";
import { connectOrderIndex } from "./order-index";

const config = loadSearchIndexerConfig();
const observability = createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE);
const { tracer } = observability;

export const handler = traceHandler(
    tracer,
    createSearchIndexer({
        // Every invocation writes to OpenSearch: the signed transport is built during init, not on first use.
        search: connectOrderIndex({ endpoint: config.SEARCH_ENDPOINT, index: config.SEARCH_INDEX, region: config.AWS_REGION, tracer }),
        observability,
    }),
);
