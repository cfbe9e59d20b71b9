/**
 * The API's per-version failure signal, read the way CloudWatch reads it: the EMF records the real
 * Powertools Metrics write to stdout. One record per answered request, `ApiResponses` and
 * `ApiServerErrors` dimensioned exactly by service and FunctionVersion; the KPIs keep their own.
 */
import { strict as assert } from "node:assert";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { createApiHandler } from "../../functions/api/app";
import { SnsEventPublisher } from "../../functions/shared/event-publisher";
import { ApiMetric, createObservability, FUNCTION_VERSION_DIMENSION, SERVICE_DIMENSION } from "../../functions/shared/observability";
import { OrderStore } from "../../functions/shared/order-store";
import type { SearchStore } from "../../functions/shared/search-store";
import { apiEvent, customer, lambdaContext } from "./helpers/lambda";

interface EmfRecord {
    _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
    [key: string]: unknown;
}

const BODY = JSON.stringify({ items: [{ sku: "A-1", quantity: 2, unitPrice: 250 }], currency: "EUR" });

/** Everything written to stdout while `fn` runs, as the EMF records among it. */
async function emfOf(fn: () => Promise<unknown>): Promise<EmfRecord[]> {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
        chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
    }) as typeof process.stdout.write;
    try {
        await fn();
    } finally {
        process.stdout.write = write;
    }
    return chunks
        .join("")
        .split("\n")
        .filter((line) => line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as EmfRecord);
}

const metricNames = (record: EmfRecord): string[] => record._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((metric) => metric.Name));
const responseRecords = (records: EmfRecord[]) => records.filter((r) => metricNames(r).includes(ApiMetric.Responses));

describe("api response metrics (EMF)", () => {
    const saved = { ...process.env };

    function setup(options: { search?: SearchStore } = {}) {
        const raw = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
        const doc = DynamoDBDocumentClient.from(raw);
        const sns = new SNSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
        const rawMock = mockClient(raw);
        const docMock = mockClient(doc);
        const snsMock = mockClient(sns);
        rawMock.on(PutItemCommand).resolves({}).on(UpdateItemCommand).resolves({});
        snsMock.on(PublishCommand).resolves({ MessageId: "m" });
        // The metrics are the subject; the logger stays quiet.
        process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
        const observability = createObservability("orders-api", "Orders");
        const handler = createApiHandler({
            store: new OrderStore(doc, "t"),
            publisher: new SnsEventPublisher(sns, "arn:aws:sns:us-east-1:123456789012:events"),
            ...options,
            idempotencyStore: new DynamoDBPersistenceLayer({ awsSdkV3Client: raw, tableName: "idem" }),
            observability,
            version: "1.2.3",
        });
        const invoke = (event: APIGatewayProxyEvent, functionVersion: string) => handler(event, { ...lambdaContext(), functionVersion });
        return { invoke, docMock };
    }

    beforeEach(() => {
        // Either would silence the metrics this spec reads.
        delete process.env.POWERTOOLS_METRICS_DISABLED;
        delete process.env.POWERTOOLS_DEV;
    });

    afterEach(() => {
        for (const key of ["POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_DEV"]) {
            if (saved[key] === undefined) delete process.env[key];
            else process.env[key] = saved[key];
        }
    });

    it("writes one record per request, ApiResponses and ApiServerErrors (Count) in the namespace, dimensioned exactly by service and FunctionVersion", async () => {
        const { invoke, docMock } = setup();
        docMock.on(GetCommand).resolves({});
        const records = await emfOf(() => invoke(apiEvent({ method: "GET", path: "/health" }), "7"));
        const [record, ...more] = responseRecords(records);
        assert.equal(more.length, 0, "one record per request");
        assert.ok(record);
        assert.deepEqual(record._aws.CloudWatchMetrics, [
            {
                Namespace: "Orders",
                Dimensions: [[SERVICE_DIMENSION, FUNCTION_VERSION_DIMENSION]],
                Metrics: [
                    { Name: "ApiResponses", Unit: "Count" },
                    { Name: "ApiServerErrors", Unit: "Count" },
                ],
            },
        ]);
        assert.equal(record.service, "orders-api");
        assert.equal(record.FunctionVersion, "7");
        assert.equal(record.ApiResponses, 1);
        assert.equal(record.ApiServerErrors, 0, "a 200 is no server error");
    });

    it("counts every 5xx it answers as a server error: an unhandled failure (500), an unhealthy dependency (503), search not configured (503)", async () => {
        const { invoke, docMock } = setup();
        docMock.on(GetCommand).rejects(new Error("connect ECONNREFUSED"));
        docMock.on(PutCommand).rejects(Object.assign(new Error("boom"), { name: "InternalServerError", $metadata: { httpStatusCode: 500 } }));
        docMock.on(UpdateCommand).resolves({});
        const cases: Array<[string, APIGatewayProxyEvent, number]> = [
            ["health", apiEvent({ method: "GET", path: "/health" }), 503],
            ["create", apiEvent({ method: "POST", path: "/orders", claims: customer("u-1"), headers: { "idempotency-key": "abcdefgh-91" }, body: BODY }), 500],
            ["search", apiEvent({ method: "GET", path: "/orders/search", query: { q: "tea" }, claims: customer("u-1") }), 503],
        ];
        for (const [name, event, status] of cases) {
            let answered = 0;
            const records = await emfOf(async () => {
                answered = (await invoke(event, "12")).statusCode;
            });
            assert.equal(answered, status, name);
            const [record, ...more] = responseRecords(records);
            assert.equal(more.length, 0, `${name}: one record`);
            assert.equal(record?.ApiServerErrors, 1, `${name}: a ${status} is a server error`);
            assert.equal(record?.ApiResponses, 1);
            assert.equal(record?.FunctionVersion, "12");
        }
    });

    it("counts a caller's mistake (4xx) as a response, not as a server error", async () => {
        const { invoke } = setup();
        for (const [event, status] of [
            [apiEvent({ method: "GET", path: "/nowhere" }), 404],
            [apiEvent({ method: "DELETE", path: "/orders" }), 405],
            [apiEvent({ method: "POST", path: "/orders", claims: customer("u-2"), body: BODY }), 400],
            [apiEvent({ method: "GET", path: "/orders" }), 401],
        ] as const) {
            let answered = 0;
            const records = await emfOf(async () => {
                answered = (await invoke(event, "3")).statusCode;
            });
            assert.equal(answered, status);
            assert.deepEqual(
                responseRecords(records).map((r) => [r.ApiResponses, r.ApiServerErrors]),
                [[1, 0]],
                `${status}`,
            );
        }
    });

    it("names the version of each request only: a canary's records never carry the old version", async () => {
        const { invoke, docMock } = setup();
        docMock.on(GetCommand).resolves({});
        const records = await emfOf(async () => {
            await invoke(apiEvent({ method: "GET", path: "/health" }), "41");
            await invoke(apiEvent({ method: "GET", path: "/health" }), "42");
            await invoke(apiEvent({ method: "GET", path: "/health" }), "41");
        });
        assert.deepEqual(
            responseRecords(records).map((r) => r.FunctionVersion),
            ["41", "42", "41"],
        );
        assert.ok(
            responseRecords(records).every((r) => r._aws.CloudWatchMetrics[0]!.Dimensions.length === 1),
            "one dimension set per record",
        );
    });

    it("leaves the KPIs' dimensions alone: OrdersCreated by service only, OrderValue by service and currency", async () => {
        const { invoke, docMock } = setup();
        docMock.on(PutCommand).resolves({}).on(UpdateCommand).resolves({});
        let status = 0;
        const records = await emfOf(async () => {
            status = (
                await invoke(
                    apiEvent({ method: "POST", path: "/orders", claims: customer("u-3"), headers: { "idempotency-key": "abcdefgh-92" }, body: BODY }),
                    "5",
                )
            ).statusCode;
        });
        assert.equal(status, 201);
        const created = records.find((r) => metricNames(r).includes("OrdersCreated"));
        const value = records.find((r) => metricNames(r).includes("OrderValue"));
        assert.deepEqual(created?._aws.CloudWatchMetrics[0]!.Dimensions, [["service"]]);
        assert.deepEqual(value?._aws.CloudWatchMetrics[0]!.Dimensions, [["service", "currency"]]);
        for (const kpi of [created, value]) {
            assert.equal(kpi?.[FUNCTION_VERSION_DIMENSION], undefined, "no version on a KPI");
            assert.ok(!metricNames(kpi!).includes(ApiMetric.Responses), "KPIs and response metrics are separate records");
        }
        assert.equal(responseRecords(records).length, 1);
    });
});
