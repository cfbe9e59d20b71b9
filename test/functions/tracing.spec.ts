/**
 * X-Ray tracing in process: which clients carry the X-Ray middleware, what each downstream call
 * records (and what it must never record), the handler subsegment, and the AsyncLocalStorage
 * context store the bundles use in place of cls-hooked. The bundles themselves are traced end to
 * end, against a stand-in daemon, in bundle.spec.ts.
 *
 * The X-Ray SDK is loaded here with that same context store (see loadXRay), so this process never
 * gets cls-hooked's async hook, which would slow every later spec.
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Module from "node:module";
import * as path from "node:path";
import type { Context } from "aws-lambda";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { createDocumentClient, createDynamoClient, createSnsClient } from "../../functions/shared/clients";
import { createSesClient } from "../../functions/email-worker/ses-client";
import { OpenSearchStore, type OrderDocument } from "../../functions/shared/search-store";
import { connectOrderIndex, removedDocument } from "../../functions/search-indexer/order-index";
import { createTracer, NO_TRACING, traceCall, traceHandler, type Tracer } from "../../functions/shared/tracing";
import * as shim from "../../functions/shared/xray-context";
import { CREDENTIALS, REGION } from "./helpers/emulators";
import { startFakeOpenSearch } from "./helpers/fake-opensearch";
import { lambdaContext } from "./helpers/lambda";

type XRay = typeof import("aws-xray-sdk-core");
type Entity = InstanceType<XRay["Segment"]> | InstanceType<XRay["Subsegment"]>;

const LAMBDA_ENV = { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x" };
const XRAY_MIDDLEWARE = "XRaySDKInstrumentation";

/** The X-Ray SDK with the bundles' context store registered in place of cls-hooked/context. */
function loadXRay(): XRay {
    const xrayDir = path.dirname(require.resolve("aws-xray-sdk-core"));
    const clsFile = require.resolve("cls-hooked/context", { paths: [xrayDir] });
    if (!require.cache[clsFile]) {
        const stand = new Module(clsFile);
        stand.filename = clsFile;
        stand.loaded = true;
        stand.exports = shim;
        require.cache[clsFile] = stand;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const xray = require("aws-xray-sdk-core") as XRay;
    assert.ok(xray.getNamespace() instanceof shim.Namespace, "the X-Ray SDK uses the AsyncLocalStorage context store");
    return xray;
}

/** A tracer as Lambda gets it: Powertools' own, enabled because AWS_EXECUTION_ENV is set. */
function lambdaTracer(): Tracer {
    const saved = process.env.AWS_EXECUTION_ENV;
    process.env.AWS_EXECUTION_ENV = LAMBDA_ENV.AWS_EXECUTION_ENV;
    try {
        return createTracer("orders", process.env);
    } finally {
        if (saved === undefined) delete process.env.AWS_EXECUTION_ENV;
        else process.env.AWS_EXECUTION_ENV = saved;
    }
}

interface Doc {
    name: string;
    namespace?: string;
    annotations?: Record<string, unknown>;
    metadata?: unknown;
    aws?: Record<string, unknown>;
    fault?: boolean;
    error?: boolean;
    throttle?: boolean;
    subsegments?: Doc[];
}

/** What X-Ray would receive for an entity: its document, subsegments included. */
const documentOf = (entity: Entity): Doc => JSON.parse(entity.format()) as Doc;

describe("tracing", function () {
    this.timeout(30_000);
    let xray: XRay;
    const savedContextMissing = process.env.AWS_XRAY_CONTEXT_MISSING;

    before(() => {
        xray = loadXRay();
    });

    after(() => {
        // Powertools sets it on load; leave the environment as it was.
        if (savedContextMissing === undefined) delete process.env.AWS_XRAY_CONTEXT_MISSING;
    });

    /** Runs `fn` with a fresh segment as the current one, as Lambda's facade segment is during an invocation. */
    async function inSegment<T>(fn: (segment: InstanceType<XRay["Segment"]>) => Promise<T>): Promise<{ result: T; segment: InstanceType<XRay["Segment"]> }> {
        const segment = new xray.Segment("test");
        const result = await xray.getNamespace().runPromise(async () => {
            xray.setSegment(segment);
            return fn(segment);
        });
        return { result, segment };
    }

    describe("outside Lambda", () => {
        it("is off, and loads no X-Ray SDK, without AWS_EXECUTION_ENV or with POWERTOOLS_TRACE_ENABLED=false", () => {
            assert.equal(createTracer("orders", {}), NO_TRACING);
            assert.equal(createTracer("orders", { ...LAMBDA_ENV, POWERTOOLS_TRACE_ENABLED: "false" }), NO_TRACING);
            assert.equal(createTracer("orders", { ...LAMBDA_ENV, POWERTOOLS_TRACE_ENABLED: "FALSE" }), NO_TRACING);
            const client = createDynamoClient(NO_TRACING);
            assert.ok(!client.middlewareStack.identify().some((entry) => entry.startsWith(XRAY_MIDDLEWARE)), "an untraced client has no X-Ray middleware");
        });

        it("leaves handlers and calls as they are", async () => {
            const handler = async (event: number): Promise<number> => event * 2;
            assert.equal(traceHandler(NO_TRACING, handler), handler);
            assert.equal(await traceCall(NO_TRACING, "opensearch.search", { index: "orders" }, async () => 7), 7);
        });
    });

    describe("in Lambda", () => {
        let tracer: Tracer;
        before(() => {
            tracer = lambdaTracer();
            assert.ok(tracer.isTracingEnabled());
        });

        it("instruments every SDK client the functions create: DynamoDB (and its document client), SNS, SES", () => {
            const dynamo = createDynamoClient(tracer);
            for (const [name, client] of [
                ["DynamoDB", dynamo],
                ["DynamoDB document client", createDocumentClient(dynamo)],
                ["SNS", createSnsClient(tracer)],
                ["SESv2", createSesClient(tracer)],
            ] as const) {
                assert.ok(
                    client.middlewareStack.identify().some((entry) => entry.startsWith(XRAY_MIDDLEWARE)),
                    `${name} carries the X-Ray middleware`,
                );
            }
        });

        it("records a DynamoDB call as a DynamoDB subsegment with the operation and table", async () => {
            const savedEnv = { ...process.env };
            const server: Server = createServer((req, res) => {
                req.resume();
                req.on("end", () => res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "REQ1" }).end("{}"));
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                // The factory leaves endpoint, region and credentials to the environment, as Lambda and the emulators set them.
                Object.assign(process.env, {
                    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                    AWS_REGION: REGION,
                    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
                    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
                });
                const client = createDynamoClient(tracer);
                const { segment } = await inSegment(() =>
                    client.send(new GetItemCommand({ TableName: "orders", Key: { pk: { S: "HEALTH" }, sk: { S: "HEALTH" } } })),
                );
                const calls = (documentOf(segment).subsegments ?? []).filter((s) => s.name === "DynamoDB");
                assert.equal(calls.length, 1, "one subsegment per call");
                assert.equal(calls[0]!.namespace, "aws");
                assert.equal(calls[0]!.aws?.operation, "GetItem");
                assert.equal(calls[0]!.aws?.table_name, "orders");
                assert.ok(!JSON.stringify(calls[0]).includes("HEALTH"), "keys are not recorded");
            } finally {
                for (const key of ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
                    if (savedEnv[key] === undefined) delete process.env[key];
                    else process.env[key] = savedEnv[key];
                }
                await new Promise((resolve) => server.close(resolve));
            }
        });

        describe("OpenSearch calls", () => {
            let search: Awaited<ReturnType<typeof startFakeOpenSearch>>;
            const saved = { ...process.env };
            before(async () => {
                search = await startFakeOpenSearch();
                Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
            });
            beforeEach(() => {
                search.docs.clear();
                search.versions.clear();
            });
            afterEach(() => {
                search.failNext(0);
                search.stallNext(0);
            });
            after(async () => {
                for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) if (saved[key] === undefined) delete process.env[key];
                await search.stop();
            });

            const doc: OrderDocument = {
                id: "01KTEST",
                customerId: "cust-secret-7",
                status: "open",
                currency: "GBP",
                total: 500,
                skus: ["TEA-1"],
                note: "blue teapot",
                createdAt: "2025-01-01T00:00:00.000Z",
                updatedAt: "2025-01-01T00:00:00.000Z",
                version: 1,
            };
            const timeout = (requestTimeoutMs?: number) => (requestTimeoutMs ? { requestTimeoutMs } : {});
            // What production builds: the search indexer's versioned index, the API's search store.
            const index = (requestTimeoutMs?: number) =>
                connectOrderIndex({ endpoint: search.endpoint, index: "orders", region: REGION, tracer, ...timeout(requestTimeoutMs) });
            const store = (requestTimeoutMs?: number) =>
                new OpenSearchStore({ endpoint: search.endpoint, index: "orders", region: REGION, tracer, ...timeout(requestTimeoutMs) });
            /** Every OpenSearch call the functions make: the indexer's write and the API's search. */
            const calls = [
                { name: "opensearch.index", operation: "index", run: (requestTimeoutMs?: number) => index(requestTimeoutMs).upsert(doc) },
                {
                    name: "opensearch.search",
                    operation: "search",
                    run: (requestTimeoutMs?: number) => store(requestTimeoutMs).searchOrders("cust-secret-7", "my private words", 5),
                },
            ] as const;

            it("records the indexer's versioned writes as opensearch.index and the API's search as opensearch.search, with index and status, and no customer data", async () => {
                const { segment, result } = await inSegment(async () => {
                    const written = await index().upsert(doc);
                    // A replay: OpenSearch answers 409 version conflict, which is the write's answer, not a failure.
                    const replayed = await index().upsert(doc);
                    const found = await store().searchOrders("cust-secret-7", "teapot", 5);
                    const removed = await index().upsert(removedDocument(doc.id, doc.version));
                    return { written, replayed, found: found.map((d) => d.id), removed };
                });
                assert.deepEqual(result, { written: "written", replayed: "stale", found: [doc.id], removed: "written" });
                const recorded = (documentOf(segment).subsegments ?? []).filter((s) => s.name.startsWith("opensearch."));
                assert.deepEqual(
                    recorded.map((c) => [c.name, c.namespace, c.annotations]),
                    [
                        ["opensearch.index", "remote", { index: "orders", operation: "index", status: 201 }],
                        ["opensearch.index", "remote", { index: "orders", operation: "index", status: 409 }],
                        ["opensearch.search", "remote", { index: "orders", operation: "search", status: 200 }],
                        ["opensearch.index", "remote", { index: "orders", operation: "index", status: 200 }],
                    ],
                    "one subsegment per request; the indexer reads nothing before it writes",
                );
                for (const flag of ["fault", "error", "throttle"] as const)
                    assert.ok(!recorded.some((c) => c[flag] === true), `a version conflict is no ${flag}: the index already holds that version`);
                const trace = JSON.stringify(documentOf(segment));
                for (const secret of ["cust-secret-7", "teapot", "TEA-1"]) assert.ok(!trace.includes(secret), `the trace holds no "${secret}"`);
            });

            it("flags a 5xx as a fault, a 429 as a throttle, a 400 as an error, with the status and the error's name only, on writes and searches", async () => {
                const cases: Array<[number, Partial<Doc>]> = [
                    [503, { fault: true }],
                    [429, { throttle: true, error: true }],
                    [400, { error: true }],
                ];
                for (const [status, flags] of cases) {
                    for (const call of calls) {
                        // Enough for the transport's retries and its pings of a connection it marked dead.
                        search.failNext(10, status);
                        const { segment, result } = await inSegment(() =>
                            call.run().then(
                                () => undefined,
                                (error: unknown) => error,
                            ),
                        );
                        search.failNext(0);
                        const label = `${call.name}, status ${status}`;
                        assert.equal((result as Error | undefined)?.name, "ResponseError", label);
                        const recorded = (documentOf(segment).subsegments ?? []).find((s) => s.name === call.name)!;
                        assert.deepEqual(recorded.annotations, { index: "orders", operation: call.operation, status, error: "ResponseError" }, label);
                        for (const flag of ["fault", "error", "throttle"] as const)
                            assert.equal(recorded[flag] === true, flags[flag] === true, `${label}: ${flag}`);
                        const text = JSON.stringify(recorded);
                        for (const secret of ["private words", "blue teapot", "cust-secret-7"])
                            assert.ok(!text.includes(secret), `${label}: no "${secret}" recorded`);
                    }
                }
            });

            it("flags a timeout as a fault named TimeoutError, on writes and searches", async () => {
                for (const call of calls) {
                    search.stallNext(10);
                    const { segment } = await inSegment(() =>
                        call.run(100).then(
                            () => undefined,
                            (error: unknown) => error,
                        ),
                    );
                    search.stallNext(0);
                    const recorded = (documentOf(segment).subsegments ?? []).find((s) => s.name === call.name)!;
                    assert.deepEqual(recorded.annotations, { index: "orders", operation: call.operation, error: "TimeoutError" }, call.name);
                    assert.equal(recorded.fault, true, call.name);
                }
            });
        });

        it("runs a handler in a `## index.handler` subsegment, current while it runs, with ColdStart and Service", async () => {
            const saved = process.env._HANDLER;
            process.env._HANDLER = "index.handler";
            try {
                let inside: Entity | undefined;
                const handler = traceHandler(tracer, async (_event: unknown, _context: Context) => {
                    inside = tracer.getSegment();
                    tracer.putAnnotation("route", "health");
                    return { statusCode: 200, body: "customer data" };
                });
                const { segment, result } = await inSegment(async (facade) => {
                    const answer = await handler({}, lambdaContext());
                    assert.equal(tracer.getSegment(), facade, "the segment is restored afterwards");
                    return answer;
                });
                assert.equal(result.statusCode, 200);
                const handlerDoc = (documentOf(segment).subsegments ?? []).find((s) => s.name === "## index.handler")!;
                assert.ok(handlerDoc, "the handler subsegment is recorded");
                assert.equal(inside?.name, "## index.handler", "calls inside the handler nest under it");
                assert.equal(handlerDoc.annotations?.Service, "orders");
                assert.equal(typeof handlerDoc.annotations?.ColdStart, "boolean");
                assert.equal(handlerDoc.annotations?.route, "health");
                assert.ok(!JSON.stringify(handlerDoc).includes("customer data"), "the response is not recorded");
            } finally {
                if (saved === undefined) delete process.env._HANDLER;
                else process.env._HANDLER = saved;
            }
        });

        it("records a handler's failure and still throws it", async () => {
            const handler = traceHandler(tracer, async () => {
                throw new Error("boom");
            });
            const { segment, result } = await inSegment(() =>
                handler({}, lambdaContext()).then(
                    () => undefined,
                    (error: unknown) => error,
                ),
            );
            assert.equal((result as Error).message, "boom");
            const handlerDoc = (documentOf(segment).subsegments ?? []).find((s) => s.name.startsWith("## "))!;
            assert.equal(handlerDoc.fault, true);
        });
    });

    describe("the bundles' X-Ray context store (AsyncLocalStorage)", () => {
        it("gives each run its own context, across awaits, inheriting from the enclosing one", async () => {
            const ns = shim.createNamespace("spec-runs");
            ns.enter(ns.createContext());
            ns.set("segment", "process");
            const seen = await Promise.all(
                ["a", "b"].map((name) =>
                    ns.runPromise(async () => {
                        assert.equal(ns.get("segment"), "process", "a run starts from the enclosing context");
                        ns.set("segment", name);
                        await new Promise((resolve) => setTimeout(resolve, name === "a" ? 20 : 1));
                        return ns.get("segment");
                    }),
                ),
            );
            assert.deepEqual(seen, ["a", "b"], "concurrent runs do not see each other's values");
            assert.equal(ns.get("segment"), "process", "nor does the enclosing context");
            shim.destroyNamespace("spec-runs");
        });

        it("keeps a context entered outside any run active where no run is, as Lambda mode needs", async () => {
            const ns = shim.createNamespace("spec-enter");
            assert.throws(() => ns.set("segment", "x"), /No context available/);
            assert.equal(ns.get("segment"), undefined);
            const context = ns.createContext();
            ns.enter(context);
            ns.set("segment", "facade");
            // A callback the runtime schedules later, from outside any run: it still sees the entered context.
            const later = await new Promise((resolve) => setImmediate(() => resolve(ns.get("segment"))));
            assert.equal(later, "facade");
            ns.exit(context);
            assert.equal(ns.get("segment"), undefined);
            shim.destroyNamespace("spec-enter");
            assert.equal(shim.getNamespace("spec-enter"), undefined);
        });

        it("binds a function to the context it was bound in, and tags errors with their context", () => {
            const ns = shim.createNamespace("spec-bind");
            const bound = ns.runAndReturn(() => {
                ns.set("segment", "bound");
                return ns.bind(() => ns.get("segment"));
            });
            assert.equal(bound(), "bound");
            const error = (() => {
                try {
                    ns.run(() => {
                        throw new Error("inside");
                    });
                } catch (caught) {
                    return caught as Record<string, unknown>;
                }
                return {};
            })();
            assert.ok(error[shim.ERROR_SYMBOL], "the error carries its context, as cls-hooked's do");
            shim.destroyNamespace("spec-bind");
        });
    });
});
