import { createObservability } from "../shared/observability";
import { createSignedTransport } from "../shared/opensearch-transport";
import { OpenSearchStore } from "../shared/search-store";
import { traceHandler } from "../shared/tracing";
import { loadSearchIndexerConfig } from "./config";
import { createSearchIndexer } from "./indexer";

const config = loadSearchIndexerConfig();
const observability = createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE);
const { tracer } = observability;

export const handler = traceHandler(
    tracer,
    createSearchIndexer({
        // Every invocation writes to OpenSearch: build the signed transport during init, not on first use.
        search: OpenSearchStore.connected(
            { endpoint: config.SEARCH_ENDPOINT, index: config.SEARCH_INDEX, region: config.AWS_REGION, tracer },
            createSignedTransport,
        ),
        observability,
    }),
);
