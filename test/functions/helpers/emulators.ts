/** Clients for the emulators started by tools/dev/emulators.ts, with dummy credentials. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SESv2Client } from "@aws-sdk/client-sesv2";

export { startDynamo, startSqs, startSes2, type Emulator, type SesStoredEmail } from "../../../tools/dev/emulators";
export { createTables } from "../../../tools/dev/tables";

export const REGION = "us-east-1";
export const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export const dynamoClient = (endpoint: string): DynamoDBClient => new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
export const sqsClient = (endpoint: string): SQSClient => new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS });
export const sesClient = (endpoint: string, maxAttempts = 1): SESv2Client =>
    new SESv2Client({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts });
