/** The Lambda artifacts: one CommonJS bundle per function, small, with a source map, byte-for-byte reproducible. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync } from "node:fs";
import { execFile, execFileSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { bundleAll, FUNCTION_NAMES, lambdaNode, SAMPLE_FUNCTION_ENV } from "../../tools/bundle";
import { ensureBundles } from "./helpers/bundles";
import { startFakeOpenSearch } from "./helpers/fake-opensearch";

// 400 KB until X-Ray tracing: the X-Ray SDK and Powertools Tracer add 33 to 46 KB per bundle even after
// components/bundle-options.ts trims them to their Lambda path (functions/README.md, "Bundle notes").
const MAX_BYTES = 420 * 1024;

const FULL_ENV = { PATH: process.env.PATH ?? "", ...SAMPLE_FUNCTION_ENV };

describe("function bundles", function () {
    this.timeout(60_000);

    it("builds every function to <name>/index.js under the size budget, with a source map", async () => {
        const bundles = await ensureBundles();
        assert.deepEqual([...bundles.keys()], [...FUNCTION_NAMES]);
        for (const [name, result] of bundles) {
            assert.equal(path.basename(path.dirname(result.file)), name);
            assert.ok(result.bytes <= MAX_BYTES, `${name} is ${result.bytes} bytes; the budget is ${MAX_BYTES}`);
            const code = readFileSync(result.file, "utf8");
            assert.ok(/\/\/# sourceMappingURL=index\.js\.map\s*$/.test(code.slice(-200)), `${name} links its source map`);
            // Loaded from a temp dir by a bare node: it resolves nothing from node_modules, so the SDK is inside.
            const probe = execFileSync(lambdaNode(), ["-e", `process.stdout.write(typeof require(${JSON.stringify(result.file)}).handler)`], {
                env: FULL_ENV,
                cwd: tmpdir(),
            });
            assert.equal(probe.toString(), "function", `${name} exports handler`);
            const map = JSON.parse(readFileSync(`${result.file}.map`, "utf8")) as { sources: string[] };
            assert.ok(map.sources.includes(`functions/${name}/index.ts`), `${name}'s map points at its source`);
        }
    });

    it("is deterministic: a second build elsewhere gives the same bytes", async () => {
        const first = await ensureBundles();
        const second = await bundleAll({ outDir: mkdtempSync(path.join(tmpdir(), "bundles-again-")) });
        for (const result of second) assert.equal(result.sha256, first.get(result.name)!.sha256, `${result.name} differs between builds`);
    });

    describe("with tracing on, as in Lambda", () => {
        /**
         * Runs in a fresh process, as Lambda does: loads the api bundle, answers GET /health and a
         * search as two invocations, then lets the process end by itself (a socket or timer the tracer
         * left open would hang it, and the spec would time out).
         */
        const INVOKE = `
      const { handler } = require(process.argv[1]);
      const context = (n) => ({ functionName: "api", functionVersion: "3", awsRequestId: "r" + n, getRemainingTimeInMillis: () => 10000, invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:api:live", memoryLimitInMB: "256", logGroupName: "g", logStreamName: "s", callbackWaitsForEmptyEventLoop: true });
      const claims = { sub: "cust-secret-9", email: "secret9@example.com", email_verified: "true" };
      const event = (path, query) => ({ httpMethod: "GET", path, resource: "/{proxy+}", headers: {}, multiValueHeaders: {}, queryStringParameters: query, multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])), pathParameters: null, stageVariables: null, body: null, isBase64Encoded: false, requestContext: { requestId: "api" + path, authorizer: { claims } } });
      (async () => {
        const health = await handler(event("/health", null), context(1));
        const search = await handler(event("/orders/search", { q: "teapot" }), context(2));
        process.stdout.write("\\nRESULT " + JSON.stringify([health.statusCode, search.statusCode]) + "\\n");
      })().catch((error) => { console.error(error); process.exitCode = 1; });
    `;
        const TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

        let dynamo: Server;
        let search: Awaited<ReturnType<typeof startFakeOpenSearch>>;
        let daemon: Socket;
        const received: string[] = [];

        before(async () => {
            // DynamoDB answers GetItem with no item: the health check's probe.
            dynamo = createServer((req, res) => {
                req.resume();
                req.on("end", () => res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "REQ" }).end("{}"));
            });
            await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", resolve));
            search = await startFakeOpenSearch();
            daemon = createSocket("udp4");
            daemon.on("message", (message) => received.push(message.toString("utf8")));
            await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
        });

        after(async () => {
            daemon.close();
            await search.stop();
            await new Promise((resolve) => dynamo.close(resolve));
        });

        async function invoke(extraEnv: Record<string, string>): Promise<number[]> {
            const bundles = await ensureBundles();
            const { stdout } = await promisify(execFile)(lambdaNode(), ["-e", INVOKE, bundles.get("api")!.file], {
                env: {
                    ...FULL_ENV,
                    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
                    SEARCH_ENDPOINT: search.endpoint,
                    POWERTOOLS_LOG_LEVEL: "SILENT",
                    POWERTOOLS_METRICS_DISABLED: "true",
                    ...extraEnv,
                },
                cwd: tmpdir(),
                timeout: 20_000,
            });
            const result = /RESULT (.*)/.exec(stdout);
            assert.ok(result, `the bundle answered: ${stdout.slice(-500)}`);
            return JSON.parse(result[1]!) as number[];
        }

        it("answers and exits with no daemon and no trace header", async () => {
            assert.deepEqual(await invoke({}), [200, 200]);
        });

        it("answers and exits when the trace is sampled but no daemon listens", async () => {
            const closed = createSocket("udp4");
            await new Promise<void>((resolve) => closed.bind(0, "127.0.0.1", resolve));
            const port = closed.address().port;
            closed.close();
            assert.deepEqual(await invoke({ _X_AMZN_TRACE_ID: TRACE_HEADER, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` }), [200, 200]);
        });

        it("sends the daemon the handler, DynamoDB and OpenSearch subsegments, annotated, without customer data", async () => {
            received.length = 0;
            const daemonAddress = `127.0.0.1:${daemon.address().port}`;
            assert.deepEqual(await invoke({ _X_AMZN_TRACE_ID: TRACE_HEADER, AWS_XRAY_DAEMON_ADDRESS: daemonAddress }), [200, 200]);
            // UDP: give the last datagrams a moment to arrive.
            await new Promise((resolve) => setTimeout(resolve, 200));
            interface Doc {
                name: string;
                trace_id?: string;
                annotations?: Record<string, unknown>;
                aws?: Record<string, unknown>;
                subsegments?: Doc[];
            }
            const docs: Doc[] = [];
            const flatten = (doc: Doc): void => {
                docs.push(doc);
                for (const child of doc.subsegments ?? []) flatten(child);
            };
            for (const message of received) {
                const [header, body] = message.split("\n");
                assert.deepEqual(JSON.parse(header!), { format: "json", version: 1 });
                flatten(JSON.parse(body!) as Doc);
            }
            const handlers = docs.filter((d) => d.name === "## index.handler");
            assert.deepEqual(
                handlers.map((d) => d.annotations),
                [
                    { ColdStart: true, Service: "orders", route: "health", status: 200 },
                    { ColdStart: false, Service: "orders", route: "searchOrders", status: 200 },
                ],
            );
            assert.ok(
                docs.every((d) => d.trace_id === undefined || d.trace_id === "1-5759e988-bd862e3fe1be46a994272793"),
                "all in the invocation's trace",
            );
            const dynamoCall = docs.find((d) => d.name === "DynamoDB");
            assert.equal(dynamoCall?.aws?.operation, "GetItem");
            assert.equal(dynamoCall?.aws?.table_name, "orders");
            const searchCall = docs.find((d) => d.name === "opensearch.search");
            assert.deepEqual(searchCall?.annotations, { index: "orders", operation: "search", status: 200 });
            for (const secret of ["teapot", "cust-secret-9", "secret9@example.com"])
                assert.ok(!received.join("").includes(secret), `no "${secret}" in the trace`);
        });
    });

    it("fails a cold start with a message naming the missing variables", async () => {
        const bundles = await ensureBundles();
        const file = bundles.get("email-worker")!.file;
        assert.throws(
            () => execFileSync(lambdaNode(), ["-e", `require(${JSON.stringify(file)})`], { env: { PATH: process.env.PATH ?? "" }, stdio: "pipe" }),
            (error: { stderr: Buffer }) =>
                /SES_FROM_ADDRESS is required/.test(error.stderr.toString()) && /TABLE_NAME is required/.test(error.stderr.toString()),
        );
    });
});
