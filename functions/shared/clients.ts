import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";

/*
 * Factories for the SDK clients. Each handler's index.ts calls them once at module load, so one
 * client (and its keep-alive connection pool) serves every invocation of an execution environment.
 * Endpoints are not configured here: the SDK honours AWS_ENDPOINT_URL_<SERVICE>, which is how the
 * tests and the dev server point the same code at local emulators.
 */

export function createDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 3 });
}

export function createDocumentClient(client: DynamoDBClient = createDynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createSnsClient(): SNSClient {
  return new SNSClient({ maxAttempts: 3 });
}
