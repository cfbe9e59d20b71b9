import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { traceAwsClient, type Tracer } from "./tracing";

/*
 * Factories for the SDK clients. Each handler's index.ts calls them once at module load, so one
 * client (and its keep-alive connection pool) serves every invocation of an execution environment.
 * Endpoints are not configured here: the SDK honours AWS_ENDPOINT_URL_<SERVICE>, which is how the
 * tests and the dev server point the same code at local emulators. Each client is traced: X-Ray
 * shows every call as a subsegment (a no-op outside Lambda).
 */

export function createDynamoClient(tracer: Tracer): DynamoDBClient {
    return traceAwsClient(tracer, new DynamoDBClient({ maxAttempts: 3 }));
}

/** Shares the middleware stack of `client`, its tracing included. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
    return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createSnsClient(tracer: Tracer): SNSClient {
    return traceAwsClient(tracer, new SNSClient({ maxAttempts: 3 }));
}
