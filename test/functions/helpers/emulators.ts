/**
 * Real local AWS emulators on loopback ports chosen by the OS, started and stopped by the specs.
 * DynamoDB: dynalite (in-memory; no transactions, streams or TTL). SQS: local-aws-sqs (DLQ,
 * StartMessageMoveTask). SES v2: aws-ses-v2-local (its /store shows what was "sent").
 */
import type { AddressInfo, Server } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import dynalite from "dynalite";
import { createSqsServer } from "local-aws-sqs";
import startSes from "aws-ses-v2-local";

export const REGION = "us-east-1";
export const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamo(): Promise<Emulator> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as unknown as Server;
  const port = await listen(server);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

export async function startSqs(): Promise<Emulator> {
  // Port 0 is not accepted by its option parser reliably, so find a free port first.
  const probe = (await import("node:net")).createServer();
  const port = await listen(probe);
  await close(probe);
  const server = await createSqsServer({ port, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false } as Parameters<typeof createSqsServer>[0]);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections?.();
      await close(server as unknown as Server);
    },
  };
}

export async function startSes2(): Promise<Emulator & { emails(): Promise<SesStoredEmail[]>; clear(): Promise<void> }> {
  const probe = (await import("node:net")).createServer();
  const port = await listen(probe);
  await close(probe);
  const server = (await startSes({ host: "127.0.0.1", port })) as unknown as Server & { closeAllConnections?: () => void };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: SesStoredEmail[] }).emails,
    clear: async () => {
      await fetch(`${endpoint}/clear-store`, { method: "POST" });
    },
    stop: async () => {
      server.closeAllConnections?.();
      await close(server);
    },
  };
}

export interface SesStoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

export const dynamoClient = (endpoint: string): DynamoDBClient => new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
export const sqsClient = (endpoint: string): SQSClient => new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS });
export const sesClient = (endpoint: string, maxAttempts = 1): SESv2Client => new SESv2Client({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts });

/** The tables functions/README.md asks the DataStore component for, built the same way here. */
export async function createTables(client: DynamoDBClient, tableName: string, idempotencyTableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
        { AttributeName: "gsi1pk", AttributeType: "S" },
        { AttributeName: "gsi1sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  if (idempotencyTableName !== tableName) {
    await client.send(
      new CreateTableCommand({
        TableName: idempotencyTableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
  }
  for (const name of new Set([tableName, idempotencyTableName])) {
    for (let i = 0; i < 50; i += 1) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === "ACTIVE") break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
