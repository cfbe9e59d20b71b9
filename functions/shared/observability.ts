import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { ApiMetric, FUNCTION_VERSION_DIMENSION } from "./metric-names";
import { createTracer, type Tracer } from "./tracing";

export { MetricUnit };
export type { Logger, Metrics, Tracer };
export { ApiMetric, FUNCTION_VERSION_DIMENSION, SERVICE_DIMENSION } from "./metric-names";

/** Business KPIs and operational counters, emitted as CloudWatch embedded metrics. */
export const Kpi = {
    OrdersCreated: "OrdersCreated",
    OrderValue: "OrderValue",
    OrdersCancelled: "OrdersCancelled",
    EmailsSent: "EmailsSent",
    EmailsSuppressed: "EmailsSuppressed",
    EmailSendFailures: "EmailSendFailures",
    EmailDeliveryUncertain: "EmailDeliveryUncertain",
    DuplicateEventsSkipped: "DuplicateEventsSkipped",
    SearchDocumentsUpserted: "SearchDocumentsUpserted",
    SearchDocumentsDeleted: "SearchDocumentsDeleted",
    BouncesRecorded: "BouncesRecorded",
    ComplaintsRecorded: "ComplaintsRecorded",
    AddressesSuppressed: "AddressesSuppressed",
} as const;

export interface Observability {
    logger: Logger;
    metrics: Metrics;
    kpis: KpiRecorder;
    /** Per-response metrics of the API, apart from the KPIs so only they carry the version dimension. */
    responses: ResponseMetrics;
    tracer: Tracer;
}

/** Service name and namespace come from POWERTOOLS_* variables, validated by the function's config. */
export function createObservability(serviceName: string, namespace: string): Observability {
    const metrics = new Metrics({ serviceName, namespace });
    return {
        logger: new Logger({ serviceName }),
        metrics,
        kpis: new KpiRecorder(metrics),
        responses: new ResponseMetrics(new Metrics({ serviceName, namespace })),
        tracer: createTracer(serviceName),
    };
}

/**
 * One EMF record per answered request with `ApiResponses` and `ApiServerErrors`, dimensioned by
 * service and `FunctionVersion`: while CodeDeploy shifts an alias, the new version's failures are
 * told apart from the old one's. Its own Metrics instance, because a request dimension added to the
 * KPIs' instance would split every KPI by version too.
 */
export class ResponseMetrics {
    constructor(private readonly metrics: Metrics) {}

    record(statusCode: number, functionVersion: string): void {
        this.metrics.addDimension(FUNCTION_VERSION_DIMENSION, functionVersion);
        this.metrics.addMetric(ApiMetric.Responses, MetricUnit.Count, 1);
        this.metrics.addMetric(ApiMetric.ServerErrors, MetricUnit.Count, statusCode >= 500 ? 1 : 0);
        // Clears the dimension again, so the next request's version is the only one.
        this.metrics.publishStoredMetrics();
    }
}

/**
 * Emits stored metrics at the end of an invocation, only if any were added: Powertools warns on an
 * empty flush, which would put a warning in every health-check log.
 */
export class KpiRecorder {
    private pending = 0;

    constructor(private readonly metrics: Metrics) {}

    count(name: (typeof Kpi)[keyof typeof Kpi], value = 1): void {
        this.metrics.addMetric(name, MetricUnit.Count, value);
        this.pending += 1;
    }

    /** A value with its own dimension (for example an amount per currency), emitted at once. */
    value(name: (typeof Kpi)[keyof typeof Kpi], value: number, dimension: { name: string; value: string }): void {
        const single = this.metrics.singleMetric();
        single.addDimension(dimension.name, dimension.value);
        single.addMetric(name, MetricUnit.NoUnit, value);
    }

    flush(): void {
        if (this.pending === 0) return;
        this.pending = 0;
        this.metrics.publishStoredMetrics();
    }
}
