/**
 * Events no other spec sends (issue 12): requests that can be read more than one way, or that a
 * reader would have to repair silently. Each is a 400 naming what was wrong, in the API's one error
 * body, answered before DynamoDB or SNS is called; the well-formed neighbours of each still succeed.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { mockClient } from "aws-sdk-client-mock";
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { createApiHandler } from "../../functions/api/app";
import { encodeCursor } from "../../functions/api/cursor";
import { jsonTextProblem } from "../../functions/api/json-text";
import { SnsEventPublisher } from "../../functions/shared/event-publisher";
import { orderIdFor } from "../../functions/shared/ids";
import { OrderStore } from "../../functions/shared/order-store";
import { apiEvent, customer, lambdaContext, quietObservability, type RequestSpec } from "./helpers/lambda";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:events";
const ORDER = { items: [{ sku: "A-1", quantity: 3, unitPrice: 199 }], currency: "USD" };
const BODY = JSON.stringify(ORDER);

interface ErrorJson {
    error: { code: string; message: string; details: Record<string, unknown> };
}

function setup() {
    const raw = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const doc = DynamoDBDocumentClient.from(raw);
    const sns = new SNSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const rawMock = mockClient(raw);
    const docMock = mockClient(doc);
    const snsMock = mockClient(sns);
    // Every write succeeds, so a request that gets past the checks is answered 201, not a failure.
    rawMock.on(PutItemCommand).resolves({}).on(UpdateItemCommand).resolves({});
    docMock.on(PutCommand).resolves({}).on(UpdateCommand).resolves({}).on(QueryCommand).resolves({ Items: [] }).on(GetCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
    const handler = createApiHandler({
        store: new OrderStore(doc, "t"),
        publisher: new SnsEventPublisher(sns, TOPIC),
        idempotencyStore: new DynamoDBPersistenceLayer({ awsSdkV3Client: raw, tableName: "idem" }),
        observability: quietObservability(),
        version: "9.9.9",
        now: () => new Date("2025-05-05T05:05:05.000Z"),
    });
    const send = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handler(event, lambdaContext());
    const dependencyCalls = (): number => rawMock.calls().length + docMock.calls().length + snsMock.calls().length;
    return { send, rawMock, docMock, snsMock, dependencyCalls };
}

let keys = 0;
/** A fresh, valid Idempotency-Key per request, so no two creates in this file collide. */
const freshKey = (): string => `ambiguous-${String(++keys).padStart(6, "0")}`;

/** POST /orders as a verified customer; `overrides` replaces fields of the event API Gateway would send. */
function createEvent(spec: Partial<RequestSpec> = {}, overrides: Partial<Record<keyof APIGatewayProxyEvent, unknown>> = {}): APIGatewayProxyEvent {
    const event = apiEvent({
        method: "POST",
        path: "/orders",
        claims: customer("u-amb"),
        body: BODY,
        ...spec,
        headers: spec.headers ?? { "Idempotency-Key": freshKey() },
    });
    return { ...event, ...overrides } as APIGatewayProxyEvent;
}

function refused(res: APIGatewayProxyResult, code: string): ErrorJson["error"] {
    assert.equal(res.statusCode, 400, res.body);
    const body = JSON.parse(res.body) as ErrorJson;
    assert.equal(body.error.code, code, res.body);
    assert.equal(typeof body.error.message, "string");
    return body.error;
}

const base64 = (text: string | Uint8Array): string => Buffer.from(text).toString("base64");

describe("api handler: ambiguous and malformed input (issue 12)", () => {
    describe("headers, from headers and multiValueHeaders alike", () => {
        it("refuses two different Idempotency-Key values in multiValueHeaders, naming the header, before any dependency", async () => {
            const { send, dependencyCalls } = setup();
            const res = await send(
                createEvent({ headers: { "Idempotency-Key": "abcdefgh-b" } }, { multiValueHeaders: { "Idempotency-Key": ["abcdefgh-a", "abcdefgh-b"] } }),
            );
            const error = refused(res, "ambiguous_header");
            assert.match(error.message, /"Idempotency-Key" has 2 different values/);
            assert.deepEqual(error.details, { header: "idempotency-key", names: ["Idempotency-Key"], values: 2 });
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses Idempotency-Key and idempotency-key with different values in headers, naming both spellings", async () => {
            const { send, dependencyCalls } = setup();
            const res = await send(createEvent({ headers: { "Idempotency-Key": "abcdefgh-1", "idempotency-key": "abcdefgh-2" } }));
            const error = refused(res, "ambiguous_header");
            assert.equal(error.details.header, "idempotency-key");
            assert.deepEqual(error.details.names, ["Idempotency-Key", "idempotency-key"]);
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses headers and multiValueHeaders that disagree on one header's value", async () => {
            const { send, dependencyCalls } = setup();
            const res = await send(createEvent({ headers: { "Idempotency-Key": "abcdefgh-1" } }, { multiValueHeaders: { "idempotency-key": ["abcdefgh-9"] } }));
            const error = refused(res, "ambiguous_header");
            assert.deepEqual(error.details.names, ["Idempotency-Key", "idempotency-key"]);
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses two Content-Type values, and one value joining two media types with a comma", async () => {
            const { send, dependencyCalls } = setup();
            const twoLines = await send(
                createEvent(
                    { headers: { "Idempotency-Key": freshKey(), "Content-Type": "text/plain" } },
                    { multiValueHeaders: { "Content-Type": ["application/json", "text/plain"] } },
                ),
            );
            assert.equal(refused(twoLines, "ambiguous_header").details.header, "content-type");
            // Would pass the JSON media type test on its first member alone.
            const folded = await send(
                createEvent({ headers: { "Idempotency-Key": freshKey(), "Content-Type": "application/json; charset=utf-8, text/html" } }),
            );
            const error = refused(folded, "ambiguous_header");
            assert.deepEqual(error.details, { header: "content-type", names: ["Content-Type"], values: 2 });
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses an ambiguous header on every route: /health does not ping DynamoDB, GET /orders does not query", async () => {
            const { send, dependencyCalls } = setup();
            const health = await send({
                ...apiEvent({ method: "GET", path: "/health" }),
                multiValueHeaders: { "content-type": ["application/json", "application/xml"] },
            });
            assert.equal(refused(health, "ambiguous_header").details.header, "content-type");
            const list = await send(
                apiEvent({ method: "GET", path: "/orders", claims: customer("u-amb"), headers: { Authorization: "a", authorization: "b" } }),
            );
            assert.equal(refused(list, "ambiguous_header").details.header, "authorization");
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses a header value that is not a string instead of reading around it", async () => {
            const { send, dependencyCalls } = setup();
            const res = await send(createEvent({}, { multiValueHeaders: { "Idempotency-Key": [42] } }));
            const error = refused(res, "invalid_header");
            assert.deepEqual(error.details, { header: "Idempotency-Key", allowed: ["string"] });
            assert.equal(dependencyCalls(), 0);
        });
    });

    describe("bodies", () => {
        it("refuses a base64 body that is not UTF-8 (a stray 0xFF, an encoded surrogate, a truncated sequence)", async () => {
            const { send, dependencyCalls } = setup();
            const prefix = Buffer.from('{"items":[{"sku":"A-1","quantity":1,"unitPrice":1}],"currency":"USD","note":"');
            for (const bad of [[0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0xaf]]) {
                const bytes = Buffer.concat([prefix, Buffer.from(bad), Buffer.from('"}')]);
                const res = await send(createEvent({ body: base64(bytes) }, { isBase64Encoded: true }));
                const error = refused(res, "invalid_utf8");
                assert.deepEqual(error.details, { encoding: "utf-8" });
            }
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses a body marked base64 that has characters outside the alphabet, which a decoder would skip", async () => {
            const { send, dependencyCalls } = setup();
            const encoded = base64(BODY);
            for (const body of [`${encoded.slice(0, 8)}*${encoded.slice(8)}`, `${encoded} `, `${encoded.replace(/=+$/, "")}AA`, BODY]) {
                const res = await send(createEvent({ body }, { isBase64Encoded: true }));
                assert.deepEqual(refused(res, "invalid_base64").details, { encoding: "base64" });
            }
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses a lone surrogate, escaped or raw, naming the field's path", async () => {
            const { send, dependencyCalls } = setup();
            const cases: Array<[string, string, boolean]> = [
                [BODY.replace(/}$/, ',"note":"hi \\ud800"}'), "note", false],
                ['{"items":[{"sku":"A-1\\udc00","quantity":1,"unitPrice":1}],"currency":"USD"}', "items.0.sku", false],
                [BODY.replace(/}$/, ',"note":"raw \ud83d"}'), "note", false],
                [BODY.replace(/}$/, ',"note":"b64 \\udfff"}'), "note", true],
            ];
            for (const [body, path, encoded] of cases) {
                const res = await send(createEvent({ body: encoded ? base64(body) : body }, encoded ? { isBase64Encoded: true } : {}));
                const error = refused(res, "invalid_unicode");
                assert.deepEqual(error.details, { path });
                assert.match(error.message, new RegExp(`"${path.replace(/\./g, "\\.")}" contains a lone UTF-16 surrogate`));
            }
            assert.equal(dependencyCalls(), 0);
        });

        it("refuses a key given twice in one object, anywhere in the body, naming the key and where", async () => {
            const { send, dependencyCalls } = setup();
            const cases: Array<[string, string, string]> = [
                ['{"items":[{"sku":"A-1","quantity":1,"unitPrice":1}],"currency":"USD","currency":"EUR"}', "currency", ""],
                [
                    '{"items":[{"sku":"A-1","quantity":1,"unitPrice":1},{"sku":"B","quantity":1,"quantity":900,"unitPrice":1}],"currency":"USD"}',
                    "quantity",
                    "items.1",
                ],
                // Equal once decoded: JSON.parse would keep the second without a word.
                ['{"items":[{"sku":"A-1","quantity":1,"unitPrice":1}],"currency":"USD","\\u0063urrency":"GBP"}', "currency", ""],
            ];
            for (const [body, key, path] of cases) {
                const res = await send(createEvent({ body }));
                const error = refused(res, "duplicate_key");
                assert.deepEqual(error.details, { key, path });
                assert.match(error.message, new RegExp(`"${key}" appears more than once`));
            }
            assert.equal(dependencyCalls(), 0);
        });

        it("scans past the body limit's worst shapes: 10,000 nested levels, 5,000 keys, strings full of escapes", () => {
            const depth = 10_000;
            const nested = '{"k":['.repeat(depth) + '"\\u0022,\\"k\\":"' + "]}".repeat(depth);
            assert.equal(jsonTextProblem(nested), undefined);
            const wide = `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":"\\"{\\"k${i}\\":1}"`).join(",")},"k4999":0}`;
            assert.deepEqual(jsonTextProblem(wide), { kind: "duplicate_key", key: "k4999", path: "" });
            const deepDuplicate = '[{"a":'.repeat(3) + '{"x":1,"x":2}' + "}]".repeat(3);
            assert.deepEqual(jsonTextProblem(deepDuplicate), { kind: "duplicate_key", key: "x", path: "0.a.0.a.0.a" });
        });

        it("refuses a body that is not a string or null (object, number, array, boolean) with a 400, not a TypeError", async () => {
            const { send, dependencyCalls } = setup();
            for (const [body, type] of [
                [{ items: [] }, "object"],
                [42, "number"],
                [["x"], "array"],
                [true, "boolean"],
            ] as const) {
                const created = await send(createEvent({}, { body }));
                assert.deepEqual(refused(created, "invalid_body").details, { field: "body", type, allowed: ["string", "null"] });
                // The cancel route used to call body.trim() on it.
                const cancelled = await send({
                    ...apiEvent({ method: "POST", path: `/orders/${orderIdFor("u-amb", "k")}/cancel`, claims: customer("u-amb") }),
                    body,
                } as unknown as APIGatewayProxyEvent);
                assert.equal(refused(cancelled, "invalid_body").details.type, type);
            }
            const flag = await send(createEvent({ body: base64(BODY) }, { isBase64Encoded: "false" }));
            assert.deepEqual(refused(flag, "invalid_body").details, { field: "isBase64Encoded", type: "string", allowed: ["boolean"] });
            assert.equal(dependencyCalls(), 0);
        });
    });

    describe("cursors and query parameters", () => {
        const forged = (createdAt: string): string => Buffer.from(JSON.stringify([createdAt, orderIdFor("u-amb", "k")]), "utf8").toString("base64url");

        for (const [label, createdAt] of [
            ["month 13", "2025-13-01T00:00:00.000Z"],
            ["February 30", "2025-02-30T00:00:00.000Z"],
            ["February 29 of a common year", "2025-02-29T12:00:00.000Z"],
            ["hour 24", "2025-01-01T24:00:00.000Z"],
            ["a leap second", "2016-12-31T23:59:60.000Z"],
            ["a date without a time", "2025-01-01"],
            ["a non-ISO string", "yesterday"],
        ] as const) {
            it(`refuses a cursor whose timestamp is ${label}, before querying DynamoDB`, async () => {
                const { send, dependencyCalls } = setup();
                const res = await send(apiEvent({ method: "GET", path: "/orders", claims: customer("u-amb"), query: { cursor: forged(createdAt) } }));
                const error = refused(res, "invalid_cursor");
                assert.equal(error.details.parameter, "cursor");
                assert.match(String(error.details.reason), /timestamp/);
                assert.equal(dependencyCalls(), 0);
            });
        }

        it("refuses queryStringParameters and multiValueQueryStringParameters that disagree", async () => {
            const { send, dependencyCalls } = setup();
            const event = apiEvent({ method: "GET", path: "/orders", claims: customer("u-amb"), query: { limit: "5" } });
            const res = await send({ ...event, multiValueQueryStringParameters: { limit: ["50"] } });
            assert.deepEqual(refused(res, "repeated_parameter").details, { parameter: "limit" });
            assert.equal(dependencyCalls(), 0);
        });
    });

    describe("well-formed requests still succeed (no false positives)", () => {
        it("takes a single header in any casing, and the same value repeated in either map or casing", async () => {
            const { send, docMock } = setup();
            const key = freshKey();
            const variants: APIGatewayProxyEvent[] = [
                createEvent({ headers: { "IDEMPOTENCY-KEY": freshKey(), "CONTENT-TYPE": "application/json" } }),
                createEvent({ headers: { "Idempotency-Key": key, "idempotency-key": key } }, { multiValueHeaders: { "Idempotency-Key": [key, key] } }),
                createEvent(
                    { headers: { "Idempotency-Key": freshKey(), "Content-Type": "application/json; charset=utf-8" } },
                    { multiValueHeaders: { "content-type": ["application/json;charset=UTF-8", "Application/JSON; charset=utf-8"] } },
                ),
                // A quoted comma is part of a parameter, not a second media type.
                createEvent({ headers: { "Idempotency-Key": freshKey(), "Content-Type": 'application/json; profile="a,b"' } }),
            ];
            for (const event of variants) {
                const res = await send(event);
                assert.equal(res.statusCode, 201, res.body);
            }
            assert.equal(docMock.commandCalls(PutCommand).length, variants.length);
        });

        it("does not judge list headers it never reads: different Accept, Via and X-Forwarded-For values pass", async () => {
            const { send } = setup();
            const res = await send(
                createEvent(
                    { headers: { "Idempotency-Key": freshKey(), Accept: "application/json" } },
                    {
                        multiValueHeaders: {
                            Accept: ["application/json", "text/plain"],
                            Via: ["1.1 a.cloudfront.net (CloudFront)", "1.1 proxy"],
                            "X-Forwarded-For": ["203.0.113.1", "198.51.100.2"],
                        },
                    },
                ),
            );
            assert.equal(res.statusCode, 201, res.body);
        });

        it("stores a base64 body with multi-byte UTF-8 (é, emoji, a surrogate-pair escape) exactly as sent", async () => {
            const { send, docMock } = setup();
            const note = "café ☕ 👩‍💻 naïve 😀";
            const cases = [
                { body: base64(JSON.stringify({ ...ORDER, note })), isBase64Encoded: true },
                { body: JSON.stringify({ ...ORDER, note }), isBase64Encoded: false },
                // "\ud83d\ude00" is a surrogate pair: one emoji, not a lone surrogate.
                { body: base64(BODY.replace(/}$/, ',"note":"café ☕ 👩‍💻 naïve \\ud83d\\ude00"}')), isBase64Encoded: true },
            ];
            for (const { body, isBase64Encoded } of cases) {
                const res = await send(createEvent({ body }, { isBase64Encoded }));
                assert.equal(res.statusCode, 201, res.body);
                assert.equal((JSON.parse(res.body) as { note: string }).note, note);
            }
            const stored = docMock.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.note as string);
            assert.deepEqual(stored, [note, note, note]);
        });

        it("takes equal keys in different objects and key-like text inside strings", async () => {
            const { send } = setup();
            const body = JSON.stringify({
                items: [
                    { sku: "A-1", quantity: 1, unitPrice: 1 },
                    { sku: "A-2", quantity: 2, unitPrice: 2 },
                ],
                currency: "USD",
                note: '{"currency":"EUR","currency":"GBP"} \\ud800 "quoted"',
            });
            const res = await send(createEvent({ body }));
            assert.equal(res.statusCode, 201, res.body);
        });

        it("pages with a real cursor, a leap day included, and cancels with a base64 {} body", async () => {
            const { send, docMock } = setup();
            const id = orderIdFor("u-amb", "k");
            for (const createdAt of ["2025-05-05T05:05:05.000Z", "2024-02-29T23:59:59.999Z"]) {
                const res = await send(
                    apiEvent({ method: "GET", path: "/orders", claims: customer("u-amb"), query: { cursor: encodeCursor({ createdAt, id }) } }),
                );
                assert.equal(res.statusCode, 200, res.body);
            }
            const starts = docMock.commandCalls(QueryCommand).map((call) => call.args[0].input.ExclusiveStartKey?.gsi1sk as string);
            assert.deepEqual(starts, [`ORDER#2025-05-05T05:05:05.000Z#${id}`, `ORDER#2024-02-29T23:59:59.999Z#${id}`]);
            // The order does not exist: a 404 shows the body was taken as none and DynamoDB was asked.
            docMock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: "no", $metadata: {} }));
            const cancel = await send({
                ...apiEvent({ method: "POST", path: `/orders/${id}/cancel`, claims: customer("u-amb") }),
                body: base64("{}"),
                isBase64Encoded: true,
            });
            assert.equal(cancel.statusCode, 404, cancel.body);
            assert.equal(docMock.commandCalls(UpdateCommand).length, 1);
        });

        it("property: a valid order, any Unicode note, any header casing, repeated or not, plain or base64, is created", async () => {
            const { send } = setup();
            const casing = fc.constantFrom("Idempotency-Key", "idempotency-key", "IDEMPOTENCY-KEY");
            await fc.assert(
                fc.asyncProperty(
                    fc.string({ unit: "grapheme", maxLength: 40 }),
                    fc.boolean(),
                    fc.uniqueArray(casing, { minLength: 1, maxLength: 3 }),
                    fc.boolean(),
                    async (note, encoded, spellings, alsoMulti) => {
                        const key = freshKey();
                        const text = JSON.stringify({ ...ORDER, note });
                        const headers = Object.fromEntries(spellings.map((name) => [name, key]));
                        const event = createEvent(
                            { headers, body: encoded ? base64(text) : text },
                            { isBase64Encoded: encoded, ...(alsoMulti ? { multiValueHeaders: { [spellings[0]!]: [key, key] } } : {}) },
                        );
                        const res = await send(event);
                        assert.equal(res.statusCode, 201, `${res.body} for ${JSON.stringify({ note, encoded, spellings, alsoMulti })}`);
                        assert.equal((JSON.parse(res.body) as { note: string }).note, note);
                    },
                ),
                { numRuns: 150, seed: 12 },
            );
        });
    });
});
