import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { createDocumentClient, createDynamoClient, createSnsClient } from "../shared/clients";
import { SnsEventPublisher } from "../shared/event-publisher";
import { createObservability } from "../shared/observability";
import { OrderStore } from "../shared/order-store";
import { OpenSearchStore } from "../shared/search-store";
import { idempotencyLayout } from "../shared/idempotency-layout";
import { traceHandler } from "../shared/tracing";
import { createApiHandler } from "./app";
import { loadApiConfig } from "./config";

// Cold start: validate the environment and create the clients once per execution environment. The SNS
// client and the idempotency persistence layer serve only writes: they are created on the first one.
const config = loadApiConfig();
const observability = createObservability(config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE);
const { tracer } = observability;
const dynamo = createDynamoClient(tracer);

export const handler = traceHandler(
    tracer,
    createApiHandler({
        store: new OrderStore(createDocumentClient(dynamo), config.TABLE_NAME),
        publisher: new SnsEventPublisher(() => createSnsClient(tracer), config.EVENT_TOPIC_ARN),
        ...(config.SEARCH_ENDPOINT
            ? { search: new OpenSearchStore({ endpoint: config.SEARCH_ENDPOINT, index: config.SEARCH_INDEX, region: config.AWS_REGION, tracer }) }
            : {}),
        idempotencyStore: () =>
            new DynamoDBPersistenceLayer({
                awsSdkV3Client: dynamo,
                ...idempotencyLayout(config.IDEMPOTENCY_TABLE_NAME, config.TABLE_NAME, config.POWERTOOLS_SERVICE_NAME),
            }),
        observability,
        version: config.APP_VERSION,
    }),
);
