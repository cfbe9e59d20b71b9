/**
 * Property-based input specs: thousands of generated requests per route, run in-process against the
 * handler (DynamoDB is dynalite on loopback). Whatever the input, the API never answers 5xx, every
 * 4xx carries the error body, anonymous callers get 401, and bad requests write nothing.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createApiHandler, type ApiHandler } from "../../functions/api/app";
import { jsonTextProblem } from "../../functions/api/json-text";
import { matchRoute } from "../../functions/api/router";
import { createDocumentClient } from "../../functions/shared/clients";
import type { OrderEvent } from "../../functions/shared/domain";
import { idempotencyLayout } from "../../functions/shared/idempotency-layout";
import { OrderStore } from "../../functions/shared/order-store";
import type { OrderDocument, SearchStore } from "../../functions/shared/search-store";
import { createTables, dynamoClient, startDynamo, type Emulator } from "./helpers/emulators";
import { apiEvent, lambdaContext, quietObservability, type RequestSpec } from "./helpers/lambda";

const TABLE = "orders-props";
const RUNS_PER_ROUTE = 1000;
const ALLOWED = new Set([200, 201, 400, 401, 403, 404, 405, 409, 413]);
/** Refusals of ambiguous input (test/functions/api.ambiguous-input.spec.ts) that no request generated here deserves. */
const NEVER_HERE = new Set(["ambiguous_header", "duplicate_key", "invalid_unicode", "invalid_utf8", "invalid_base64", "invalid_body", "invalid_header"]);

class MemorySearch implements SearchStore {
    async searchOrders(): Promise<OrderDocument[]> {
        return [];
    }
}

const subs = ["user-1", "user-2", "3f1c2b7e-0000-4000-8000-000000000001"];
const validClaims = fc.constantFrom(...subs).map((sub) => ({ sub, email: `${sub}@example.com`, email_verified: "true" }));
const claims = fc.oneof(
    { weight: 4, arbitrary: validClaims },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.record({ sub: fc.string({ maxLength: 200 }) }) },
    { weight: 1, arbitrary: fc.record({ sub: fc.constantFrom(...subs), email: fc.string(), email_verified: fc.constantFrom("false", "true", "") }) },
    { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })) },
);

const validItem = fc.record({
    sku: fc.stringMatching(/^[A-Z][A-Z0-9-]{0,10}$/),
    quantity: fc.integer({ min: 1, max: 1000 }),
    unitPrice: fc.integer({ min: 0, max: 100_000_000 }),
});
const validOrder = fc.record(
    { items: fc.array(validItem, { minLength: 1, maxLength: 5 }), currency: fc.constantFrom("USD", "EUR", "GBP") },
    { requiredKeys: ["items", "currency"] },
);
const body = fc.oneof(
    { weight: 3, arbitrary: validOrder.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: validOrder.map((o) => JSON.stringify({ ...o, extra: true })) },
    { weight: 1, arbitrary: validOrder.map((o) => JSON.stringify({ ...o, items: o.items.map((i) => ({ ...i, quantity: i.quantity + 0.5 })) })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
    { weight: 1, arbitrary: fc.constant("x".repeat(17 * 1024)) },
    { weight: 1, arbitrary: fc.constant(null) },
);
const idempotencyKey = fc.oneof(
    fc.integer({ min: 0, max: 19 }).map((i) => `key-${String(i).padStart(8, "0")}`),
    fc.string({ maxLength: 80 }),
    fc.constant(undefined),
);
const contentType = fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded");
const orderId = fc.oneof(
    fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom("search", "%E0%A4%A", "..", "0".repeat(26)),
);
const queryParams = fc.dictionary(
    fc.constantFrom("limit", "cursor", "q", "page", ""),
    fc.oneof(fc.string({ maxLength: 120 }), fc.integer({ min: -5, max: 500 }).map(String)),
    { maxKeys: 3 },
);
const method = (preferred: string) =>
    fc.oneof({ weight: 5, arbitrary: fc.constant(preferred) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS") });

function request(route: string): fc.Arbitrary<RequestSpec> {
    const common = { claims, query: fc.option(queryParams, { nil: undefined }) };
    switch (route) {
        case "health":
            return fc.record({ ...common, method: method("GET"), path: fc.constantFrom("/health", "/health/", "/api/health"), body: fc.constant(null) });
        case "createOrder":
            return fc
                .record({ ...common, method: method("POST"), path: fc.constant("/orders"), body, key: idempotencyKey, contentType })
                .map(({ key, contentType: ct, ...r }) => ({
                    ...r,
                    headers: { ...(key !== undefined ? { "Idempotency-Key": key } : {}), ...(ct !== undefined ? { "Content-Type": ct } : {}) },
                }));
        case "listOrders":
            return fc.record({ ...common, method: method("GET"), path: fc.constant("/orders"), body: fc.constant(null) });
        case "searchOrders":
            return fc.record({ ...common, method: method("GET"), path: fc.constant("/orders/search"), body: fc.constant(null) });
        case "getOrder":
            return fc.record({ ...common, method: method("GET"), path: orderId.map((id) => `/orders/${id}`), body: fc.constant(null) });
        default:
            return fc.record({
                ...common,
                method: method("POST"),
                path: orderId.map((id) => `/orders/${id}/cancel`),
                body: fc.oneof(fc.constant(null), fc.constant("{}"), fc.string({ maxLength: 30 })),
            });
    }
}

describe("api handler: property-based input", function () {
    this.timeout(120_000);
    let dynamo: Emulator;
    let handler: ApiHandler;
    const published: OrderEvent[] = [];
    const createdIds = new Set<string>();

    before(async () => {
        dynamo = await startDynamo();
        const raw = dynamoClient(dynamo.endpoint);
        await createTables(raw, TABLE, `${TABLE}-idem`);
        handler = createApiHandler({
            store: new OrderStore(createDocumentClient(raw), TABLE),
            publisher: { publish: async (event) => void published.push(event) },
            search: new MemorySearch(),
            idempotencyStore: new DynamoDBPersistenceLayer({ awsSdkV3Client: raw, ...idempotencyLayout(`${TABLE}-idem`, TABLE, "props") }),
            observability: quietObservability(),
            version: "test",
        });
    });

    after(() => dynamo.stop());

    for (const route of ["health", "createOrder", "listOrders", "searchOrders", "getOrder", "cancelOrder"]) {
        it(`${route}: never a 5xx, every 4xx with the error body, anonymous callers rejected`, async () => {
            await fc.assert(
                fc.asyncProperty(request(route), async (spec) => {
                    const result = await handler(apiEvent(spec), lambdaContext());
                    assert.ok(
                        ALLOWED.has(result.statusCode),
                        `unexpected status ${result.statusCode} for ${JSON.stringify(spec).slice(0, 300)}: ${result.body}`,
                    );
                    assert.match(String(result.headers?.["content-type"]), /^application\/json/);
                    const parsed = JSON.parse(result.body) as { error?: { code: unknown; message: unknown; details: unknown }; id?: string };
                    if (result.statusCode >= 400) {
                        assert.equal(typeof parsed.error?.code, "string");
                        assert.equal(typeof parsed.error?.message, "string");
                        assert.equal(typeof parsed.error?.details, "object");
                        assert.notEqual(parsed.error?.details, null);
                        // Every body here is JSON.stringify's or ASCII text, every header given once: none is ambiguous.
                        assert.ok(!NEVER_HERE.has(String(parsed.error?.code)), `${String(parsed.error?.code)} for ${JSON.stringify(spec).slice(0, 300)}`);
                    }
                    const matched = matchRoute(spec.method, spec.path);
                    if (matched.kind === "match" && matched.match.route !== "health" && spec.claims === undefined) assert.equal(result.statusCode, 401);
                    if (result.statusCode === 201 && parsed.id) createdIds.add(parsed.id);
                }),
                { numRuns: RUNS_PER_ROUTE, seed: 4242 + route.length, endOnFailure: true },
            );
        });
    }

    it("wrote exactly one order per successful create, and one order.created event for each", async () => {
        const db = createDocumentClient(dynamoClient(dynamo.endpoint));
        const { Items = [] } = await db.send(
            new ScanCommand({ TableName: TABLE, FilterExpression: "entity = :order", ExpressionAttributeValues: { ":order": "order" } }),
        );
        assert.ok(createdIds.size >= 10, `the generators produced valid orders (${createdIds.size})`);
        assert.deepEqual(new Set(Items.map((i) => i.id as string)), createdIds);
        const createdEvents = new Set(published.filter((e) => e.type === "order.created").map((e) => e.order.id));
        assert.deepEqual(createdEvents, createdIds);
    });
});

/** Whether a string survives UTF-8 unchanged: a reference for the scanner that shares none of its code. */
const wellFormed = (text: string): boolean => Buffer.from(text, "utf8").toString("utf8") === text;

function everyString(value: unknown, test: (text: string) => boolean): boolean {
    if (typeof value === "string") return test(value);
    if (Array.isArray(value)) return value.every((v) => everyString(v, test));
    if (typeof value === "object" && value !== null) return Object.entries(value).every(([k, v]) => test(k) && everyString(v, test));
    return true;
}

describe("JSON body scanner (duplicate keys, lone surrogates): property-based", () => {
    // One UTF-16 unit at a time, lone surrogates included, so pairs form by chance as well as not.
    const codeUnit = fc.oneof(
        { weight: 8, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
    );

    it("finds nothing in any JSON that JSON.stringify wrote from Unicode strings, compact or indented", () => {
        fc.assert(
            fc.property(fc.jsonValue({ stringUnit: "binary" }), fc.constantFrom(undefined, 2, "\t"), (value, indent) => {
                assert.equal(jsonTextProblem(JSON.stringify(value, null, indent)), undefined);
            }),
            { numRuns: 2000, seed: 12 },
        );
    });

    it("reports a lone surrogate exactly when some key or string is not Unicode", () => {
        fc.assert(
            fc.property(fc.jsonValue({ stringUnit: codeUnit }), (value) => {
                const problem = jsonTextProblem(JSON.stringify(value));
                assert.equal(problem?.kind === "lone_surrogate", !everyString(value, wellFormed));
                assert.notEqual(problem?.kind, "duplicate_key");
            }),
            { numRuns: 2000, seed: 12 },
        );
    });

    it("finds a key repeated in an object at any depth, naming the key and the object's path", () => {
        const step = fc.oneof(
            fc.record({ kind: fc.constant("array" as const), before: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }) }),
            fc.record({ kind: fc.constant("object" as const), key: fc.string({ unit: "binary", maxLength: 6 }) }),
        );
        fc.assert(
            fc.property(
                fc.dictionary(fc.string({ unit: "binary", maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 }),
                fc.nat(),
                fc.jsonValue({ maxDepth: 2 }),
                fc.array(step, { maxLength: 5 }),
                (object, pick, repeated, steps) => {
                    const names = Object.keys(object);
                    const key = names[pick % names.length]!;
                    let text = `${JSON.stringify(object).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(repeated)}}`;
                    const path: string[] = [];
                    for (const s of [...steps].reverse()) {
                        if (s.kind === "array") {
                            text = `[${[...s.before.map((v) => JSON.stringify(v)), text].join(",")}]`;
                            path.unshift(String(s.before.length));
                        } else {
                            text = `{${JSON.stringify(s.key)}:${text}}`;
                            path.unshift(s.key);
                        }
                    }
                    assert.deepEqual(jsonTextProblem(text), { kind: "duplicate_key", key, path: path.join(".") });
                },
            ),
            { numRuns: 1000, seed: 12 },
        );
    });
});
