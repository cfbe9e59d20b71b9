import * as z from "zod/mini";
import { baseShape, loadConfig, vars } from "../shared/config";

const searchIndexerEnv = z.object({
    ...baseShape,
    SEARCH_ENDPOINT: vars.httpsUrl,
    SEARCH_INDEX: vars.indexName,
    AWS_REGION: vars.region,
});

export type SearchIndexerConfig = z.infer<typeof searchIndexerEnv>;

export const loadSearchIndexerConfig = (env: NodeJS.ProcessEnv = process.env): SearchIndexerConfig => loadConfig("search-indexer", searchIndexerEnv, env);
