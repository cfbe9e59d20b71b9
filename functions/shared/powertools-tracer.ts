import { Tracer } from "@aws-lambda-powertools/tracer";

/**
 * Powertools' Tracer, behind a module of its own so tracing.ts can load it only when tracing is on.
 * `require("@aws-lambda-powertools/tracer")` there would make esbuild pick the package's CommonJS
 * build, and with it all of `@aws-lambda-powertools/commons`; imported from here, it gets the ES
 * build, tree-shaken, and still loads only when this module does.
 *
 * HTTP capture is off: the SDK clients are traced by their own middleware and OpenSearch by
 * `traceCall`, so patching `http`/`https` would only add a second, anonymous subsegment per call,
 * and would record request URLs, which carry order ids.
 */
export function createPowertoolsTracer(serviceName: string): Tracer {
    return new Tracer({ serviceName, captureHTTPsRequests: false });
}
