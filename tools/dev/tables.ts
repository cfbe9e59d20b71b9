import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Creates the tables functions/README.md asks the DataStore component for: the single table with
 * `pk`/`sk` and the `gsi1` index, and (when named differently) the Powertools idempotency table.
 * Used by the dev server and the specs, so both run against the documented schema.
 */
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
        for (let i = 0; i < 100; i += 1) {
            const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
            if (Table?.TableStatus === "ACTIVE") break;
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
    }
}
