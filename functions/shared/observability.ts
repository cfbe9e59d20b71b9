import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

export { MetricUnit };
export type { Logger, Metrics };

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
}

/** Service name and namespace come from POWERTOOLS_* variables, validated by the function's config. */
export function createObservability(serviceName: string, namespace: string): Observability {
  const metrics = new Metrics({ serviceName, namespace });
  return { logger: new Logger({ serviceName }), metrics, kpis: new KpiRecorder(metrics) };
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
