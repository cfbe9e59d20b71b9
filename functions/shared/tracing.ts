import type { Tracer as PowertoolsTracer } from "@aws-lambda-powertools/tracer";
import type { Context } from "aws-lambda";

/** The part of Powertools' Tracer the functions use, so tracing can be absent without loading it. */
export type Tracer = Pick<
    PowertoolsTracer,
    | "isTracingEnabled"
    | "getSegment"
    | "setSegment"
    | "putAnnotation"
    | "annotateColdStart"
    | "addServiceNameAnnotation"
    | "addErrorAsMetadata"
    | "captureAWSv3Client"
>;

/** What X-Ray accepts as an annotation value (annotations are indexed and searchable). */
export type Annotation = string | number | boolean;

type TraceEntity = NonNullable<ReturnType<Tracer["getSegment"]>>;

/** Tracing switched off: every call is a no-op and the X-Ray SDK is never loaded. */
export const NO_TRACING: Tracer = {
    isTracingEnabled: () => false,
    getSegment: () => undefined,
    setSegment: () => {},
    putAnnotation: () => {},
    annotateColdStart: () => {},
    addServiceNameAnnotation: () => {},
    addErrorAsMetadata: () => {},
    captureAWSv3Client: (client) => client,
};

/**
 * The function's tracer: Powertools' Tracer inside Lambda (AWS_EXECUTION_ENV is set) unless
 * POWERTOOLS_TRACE_ENABLED=false, else `NO_TRACING`. Powertools makes the same decision, but only
 * after loading the X-Ray SDK, whose context tracking then slows every promise of the process:
 * tests, the dev server and tools that import the functions' code never load it.
 */
export function createTracer(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracer {
    if (!env.AWS_EXECUTION_ENV || env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === "false") return NO_TRACING;
    // Loaded here, not imported: see above. esbuild still bundles it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createPowertoolsTracer } = require("./powertools-tracer") as typeof import("./powertools-tracer");
    return createPowertoolsTracer(serviceName);
}

/** Adds the X-Ray middleware to an SDK v3 client, so each AWS call is a subsegment named after the service. */
export function traceAwsClient<T extends Parameters<Tracer["captureAWSv3Client"]>[0]>(tracer: Tracer, client: T): T {
    return tracer.captureAWSv3Client(client);
}

/**
 * Runs one Lambda invocation in a `## <handler>` subsegment with the ColdStart and Service
 * annotations, as Powertools' middy middleware does, without its response capture: responses hold
 * customer data (orders, email addresses), which has no place in a trace.
 */
export function traceHandler<E, R>(tracer: Tracer, handler: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
    if (!tracer.isTracingEnabled()) return handler;
    return async (event, context) => {
        const lambdaSegment = tracer.getSegment();
        if (!lambdaSegment) return handler(event, context);
        const handlerSegment = lambdaSegment.addNewSubsegment(`## ${process.env._HANDLER ?? "index.handler"}`);
        tracer.setSegment(handlerSegment);
        tracer.annotateColdStart();
        tracer.addServiceNameAnnotation();
        try {
            return await handler(event, context);
        } catch (error) {
            tracer.addErrorAsMetadata(error as Error);
            throw error;
        } finally {
            handlerSegment.close();
            tracer.setSegment(lambdaSegment);
        }
    };
}

/** Sets annotations on the subsegment of the call in progress (a status known only once it answered). */
export type Annotate = (key: string, value: Annotation) => void;

/**
 * Records a downstream call the SDK middleware does not see (OpenSearch) as a `remote` subsegment of
 * the current (sub)segment. The subsegment is never made the active segment: the indexer runs a
 * batch's records concurrently, and switching the active segment from several calls at once would
 * nest them under each other. On failure it is flagged (throttle for 429, error for other 4xx,
 * fault otherwise) and annotated with the error's name only: OpenSearch's messages echo the query,
 * that is the customer's search text.
 */
export async function traceCall<T>(
    tracer: Tracer | undefined,
    name: string,
    annotations: Record<string, Annotation>,
    call: (annotate: Annotate) => Promise<T>,
): Promise<T> {
    const parent: TraceEntity | undefined = tracer?.isTracingEnabled() ? tracer.getSegment() : undefined;
    if (!parent) return call(() => {});
    const subsegment = parent.addNewSubsegment(name);
    subsegment.addAttribute("namespace", "remote");
    for (const [key, value] of Object.entries(annotations)) subsegment.addAnnotation(key, value);
    const annotate: Annotate = (key, value) => subsegment.addAnnotation(key, value);
    try {
        return await call(annotate);
    } catch (error) {
        const status = statusOf(error);
        if (status !== undefined) annotate("status", status);
        annotate("error", error instanceof Error ? error.name : typeof error);
        if (status === 429) {
            subsegment.addThrottleFlag();
            subsegment.addErrorFlag();
        } else if (status !== undefined && status >= 400 && status < 500) {
            subsegment.addErrorFlag();
        } else {
            subsegment.addFaultFlag();
        }
        throw error;
    } finally {
        subsegment.close();
    }
}

/** The HTTP status of a failed call, where the error carries one (OpenSearch's ResponseError does, in `meta`). */
export function statusOf(error: unknown): number | undefined {
    if (typeof error !== "object" || error === null) return undefined;
    const meta = (error as { meta?: { statusCode?: unknown } }).meta;
    const status = meta?.statusCode ?? (error as { statusCode?: unknown }).statusCode;
    return typeof status === "number" && Number.isInteger(status) && status > 0 ? status : undefined;
}
