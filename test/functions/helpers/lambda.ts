import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Logger } from "@aws-lambda-powertools/logger";
import { KpiRecorder, ResponseMetrics, type Observability } from "../../../functions/shared/observability";
import { NO_TRACING } from "../../../functions/shared/tracing";

let counter = 0;

export function lambdaContext(remainingMs = 30_000, functionName = "test-fn"): Context {
    counter += 1;
    const deadline = Date.now() + remainingMs;
    return {
        callbackWaitsForEmptyEventLoop: false,
        functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
        memoryLimitInMB: "256",
        awsRequestId: `req-${counter}`,
        logGroupName: `/aws/lambda/${functionName}`,
        logStreamName: "stream",
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
    };
}

/** A KPI recorder that remembers what the code counted, so specs can assert on business metrics. */
export class RecordingKpis extends KpiRecorder {
    readonly counts: Record<string, number> = {};
    readonly values: Array<{ name: string; value: number; dimension: { name: string; value: string } }> = [];

    override count(name: Parameters<KpiRecorder["count"]>[0], value = 1): void {
        this.counts[name] = (this.counts[name] ?? 0) + value;
    }

    override value(name: Parameters<KpiRecorder["value"]>[0], value: number, dimension: { name: string; value: string }): void {
        this.values.push({ name, value, dimension });
    }

    override flush(): void {}
}

/** Response metrics remembered instead of printed. */
export class RecordingResponses extends ResponseMetrics {
    readonly recorded: Array<{ statusCode: number; functionVersion: string }> = [];

    override record(statusCode: number, functionVersion: string): void {
        this.recorded.push({ statusCode, functionVersion });
    }
}

/** Silent logger and metrics, no tracing: the specs assert on behaviour, not on log lines. */
export function quietObservability(): Observability & { kpis: RecordingKpis; responses: RecordingResponses } {
    const metrics = new Metrics({ namespace: "Test", serviceName: "test" });
    return {
        logger: new Logger({ serviceName: "test", logLevel: "SILENT" }),
        metrics,
        kpis: new RecordingKpis(metrics),
        responses: new RecordingResponses(metrics),
        tracer: NO_TRACING,
    };
}

export interface RequestSpec {
    method: string;
    path: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    body?: string | null;
    /** Cognito claims as the REST API authorizer passes them; omit for an anonymous call. */
    claims?: Record<string, string>;
}

export function apiEvent(spec: RequestSpec): APIGatewayProxyEvent {
    counter += 1;
    return {
        httpMethod: spec.method,
        path: spec.path,
        resource: "/{proxy+}",
        headers: spec.headers ?? {},
        multiValueHeaders: {},
        queryStringParameters: spec.query ?? null,
        multiValueQueryStringParameters: spec.query ? Object.fromEntries(Object.entries(spec.query).map(([k, v]) => [k, [v]])) : null,
        pathParameters: null,
        stageVariables: null,
        body: spec.body ?? null,
        isBase64Encoded: false,
        requestContext: {
            requestId: `api-req-${counter}`,
            ...(spec.claims ? { authorizer: { claims: spec.claims } } : {}),
        } as APIGatewayProxyEvent["requestContext"],
    };
}

export const customer = (sub: string, email = `${sub}@example.com`): Record<string, string> => ({ sub, email, email_verified: "true" });
