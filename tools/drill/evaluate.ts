// The drill's alarm evaluator: every metric and composite alarm, minute by minute, the way CloudWatch
// evaluates them, from a scenario's synthetic metric data.
//
// Metric data model (what scenario writers can rely on):
// - A series' `points` are [minute, value] steps: a value holds from its minute until the next point.
//   Before the first point the metric has no data. A value that is not a finite number (NaN, or a
//   JSON null if the scenario reader passes it through) is a gap: no data until the next point.
// - Each minute a series has data is ONE SAMPLE with that value. An alarm's period (60, 300, ...
//   seconds, aligned to multiples of the period from minute 0) aggregates the samples of its minutes
//   with the query's statistic:
//     Sum         the sum of the samples             (series stat Sum, 5 x 2 per minute -> 10 in 5 min)
//     Average     the mean of the samples            (stat Average 0.3 every minute -> 0.3)
//     Minimum     the smallest sample
//     Maximum     the largest sample
//     SampleCount the number of samples, i.e. minutes with data; but when the series' own stat is
//                 SampleCount, its values are counts and are added up (10 per minute -> 50 in 5 min)
//     pNN         the nearest-rank percentile of the samples: the ceil(NN/100 x n)-th smallest
//   So a series' `stat` says what its values mean; the alarm's statistic says how a period combines
//   them. Asking Average of an Average series averages the minute averages (unweighted); asking Sum of
//   an Average series adds the averages up, which is seldom what a writer means but is predictable.
// - Several series matching one metric are several sources of that metric: their samples pool (two
//   Sum series add up, an Average is over both).
// - A series matches a query's metric when namespace and metricName are equal, the dimension NAMES are
//   the same set (CloudWatch identifies a metric by its full dimension set, so a series with fewer or
//   more dimensions is another metric), and each value is equal, or `*` in the series (the stack's own
//   value), or unknown in the query (`*` or the engine's unknown sentinel of a create preview).
//
// Alarm evaluation:
// - At the end of each minute, every alarm whose period just closed is evaluated (60 s: every minute;
//   300 s: at minutes 4, 9, ...); its state holds in between. Composite alarms are evaluated after the
//   metric alarms, every minute, on the states those have at that minute.
// - M of N with treatMissingData follows the CloudWatch User Guide, "Configuring how CloudWatch alarms
//   treat missing data" (How alarm state is evaluated when data is missing; Avoiding premature
//   transitions to alarm state): see evaluateWindow. The evaluation range is N + 2 datapoints (the
//   guide's tables: 3 evaluation periods, 5 datapoints retrieved); periods before minute 0 are missing.
// - Alarms on AWS/DynamoDB metrics always ignore missing data, whatever treatMissingData says
//   (PutMetricAlarm API reference, TreatMissingData).
// - Every alarm starts INSUFFICIENT_DATA; only changes are recorded.

import { UNKNOWN } from "../preview/wire";
import { evaluateRule, parseRuleCached, ruleAlarmNames, type RuleNode } from "./composite";
import { evaluateToSeries, MetricMathError, parseCached, referencedIds } from "./metric-math";
import type {
    AlarmModel,
    AlarmState,
    AlarmStateAt,
    ComparisonOperator,
    CompositeAlarmModel,
    Evaluator,
    MetricAlarmModel,
    MetricId,
    MetricQuery,
    MetricSeries,
    TreatMissingData,
} from "./types";

/** An alarm that cannot be evaluated as given; the message names the alarm and what is allowed. */
export class AlarmEvaluationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AlarmEvaluationError";
    }
}

/** Datapoints retrieved beyond evaluationPeriods (the guide's example: 3 evaluation periods, a range of 5). */
export const EXTRA_RANGE_DATAPOINTS = 2;

export function evaluationRange(evaluationPeriods: number): number {
    return evaluationPeriods + EXTRA_RANGE_DATAPOINTS;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export type ParsedStatistic = { kind: "Sum" | "Average" | "Minimum" | "Maximum" | "SampleCount" } | { kind: "percentile"; p: number };

const STATISTICS_ALLOWED = "Sum, Average, Minimum, Maximum, SampleCount or a percentile pNN (p50, p90, p99, p99.9)";

/** Parses a statistic; `where` names its owner in the error. */
export function parseStatistic(stat: string, where: string): ParsedStatistic {
    if (stat === "Sum" || stat === "Average" || stat === "Minimum" || stat === "Maximum" || stat === "SampleCount") {
        return { kind: stat };
    }
    const m = /^p(\d{1,2}(\.\d+)?|100(\.0+)?)$/.exec(stat);
    if (m) {
        return { kind: "percentile", p: Number(m[1]) };
    }
    throw new AlarmEvaluationError(`${where}: statistic "${stat}" is not one the drill computes; use ${STATISTICS_ALLOWED}`);
}

/** The nearest-rank percentile: the ceil(p/100 x n)-th smallest value (the smallest for p0). */
export function nearestRank(values: readonly number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * One period's value of a statistic from its samples (see the data model above); `sampleCount` is
 * the samples' count with SampleCount series counting their values. NaN when there is no sample.
 */
export function aggregate(stat: ParsedStatistic, samples: readonly number[], sampleCount: number = samples.length): number {
    if (samples.length === 0) {
        return NaN;
    }
    switch (stat.kind) {
        case "Sum":
            return samples.reduce((a, b) => a + b, 0);
        case "Average":
            return samples.reduce((a, b) => a + b, 0) / samples.length;
        case "Minimum":
            return Math.min(...samples);
        case "Maximum":
            return Math.max(...samples);
        case "SampleCount":
            return sampleCount;
        case "percentile":
            return nearestRank(samples, stat.p);
    }
}

// ---------------------------------------------------------------------------------------------
// Metric data

function isUnknownValue(v: string): boolean {
    return v === "*" || v.includes(UNKNOWN);
}

/** Whether a scenario series is data for the metric a query names (see the data model above). */
export function seriesMatches(metric: MetricId, series: MetricSeries): boolean {
    if (metric.namespace !== series.namespace || metric.metricName !== series.metricName) {
        return false;
    }
    const names = Object.keys(metric.dimensions);
    const seriesDims = series.dimensions ?? {};
    if (names.length !== Object.keys(seriesDims).length) {
        return false;
    }
    for (const name of names) {
        if (!Object.prototype.hasOwnProperty.call(seriesDims, name)) {
            return false;
        }
        const want = String(metric.dimensions[name]);
        const have = String(seriesDims[name]);
        if (have !== "*" && !isUnknownValue(want) && have !== want) {
            return false;
        }
    }
    return true;
}

function describeSeries(s: MetricSeries): string {
    const dims = Object.entries(s.dimensions ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    return `series ${s.namespace}/${s.metricName}${dims ? `{${dims}}` : ""}`;
}

/** A series' value per minute 0..minutes-1, NaN where it has no data. */
export function minuteValues(series: MetricSeries, minutes: number): Float64Array {
    const points = Array.isArray(series.points) ? series.points : [];
    for (const p of points) {
        if (!Array.isArray(p) || typeof p[0] !== "number" || !Number.isFinite(p[0])) {
            throw new AlarmEvaluationError(`${describeSeries(series)}: every point must be [minute, value] with a numeric minute, got ${JSON.stringify(p)}`);
        }
    }
    // A stable sort keeps the later of two points at the same minute last, so it wins.
    const sorted = [...points].sort((a, b) => a[0] - b[0]);
    const out = new Float64Array(minutes).fill(NaN);
    let current = NaN;
    let next = 0;
    for (let t = 0; t < minutes; t++) {
        while (next < sorted.length && sorted[next][0] <= t) {
            const v: unknown = sorted[next][1];
            current = typeof v === "number" && Number.isFinite(v) ? v : NaN;
            next++;
        }
        out[t] = current;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// M of N and missing data

export interface MissingDataRule {
    evaluationPeriods: number;
    datapointsToAlarm: number;
    treatMissingData: TreatMissingData;
}

/** How evaluateWindow reached its state. */
export interface WindowOutcome {
    state: AlarmState;
    /**
     * datapoints: enough real datapoints, or the real ones decide it (treatMissingData not needed);
     * filled: missing datapoints filled as breaching or not breaching; premature: the guide's
     * premature-alarm rule; noData: every datapoint of the range is missing; undecided: too few real
     * datapoints, all breaching and too recent (missing: INSUFFICIENT_DATA; ignore: state kept).
     */
    basis: "datapoints" | "filled" | "premature" | "noData" | "undecided";
    /** Indexes into the window of the real datapoints evaluated, oldest first. */
    used: number[];
    /** Breaching datapoints counted, filled ones included. */
    breaching: number;
    /** Missing datapoints filled by treatMissingData. */
    filled: number;
}

/**
 * The state of an alarm from its evaluation range: `window` holds the range's datapoints oldest first
 * (true breaching, false not breaching, undefined missing). Per the CloudWatch User Guide,
 * "Configuring how CloudWatch alarms treat missing data":
 * - no datapoint missing, or at least N real ones: the N most recent real datapoints are evaluated and
 *   treatMissingData is not used;
 * - fewer than N real ones: breaching / notBreaching fill the N - real missing datapoints (all real
 *   ones are included); missing / ignore evaluate the real ones, which decide when M of them breach
 *   (ALARM) or one does not (OK: the alarm cannot be shown to breach); when all of them breach but
 *   fewer than M, the premature-alarm rule applies: ALARM if the oldest breaching datapoint is at
 *   least M datapoints old (nothing but breaching or missing since), else INSUFFICIENT_DATA for
 *   missing and the current state for ignore (the guide's tables, rows "- - X - -", "- - - X -");
 * - every datapoint missing: missing -> INSUFFICIENT_DATA, ignore -> the current state,
 *   breaching -> ALARM, notBreaching -> OK.
 * In every evaluated case, ALARM when at least M datapoints breach, otherwise OK.
 */
export function evaluateWindow(window: readonly (boolean | undefined)[], rule: MissingDataRule, current: AlarmState): WindowOutcome {
    const n = rule.evaluationPeriods;
    const m = rule.datapointsToAlarm;
    const treat = rule.treatMissingData;
    const real: number[] = [];
    window.forEach((d, i) => {
        if (d !== undefined) {
            real.push(i);
        }
    });
    if (real.length === 0) {
        const state: AlarmState = treat === "missing" ? "INSUFFICIENT_DATA" : treat === "ignore" ? current : treat === "breaching" ? "ALARM" : "OK";
        const filled = treat === "breaching" || treat === "notBreaching" ? n : 0;
        return { state, basis: "noData", used: [], breaching: treat === "breaching" ? n : 0, filled };
    }
    if (real.length >= n) {
        const used = real.slice(real.length - n);
        const breaching = used.filter((i) => window[i]).length;
        return { state: breaching >= m ? "ALARM" : "OK", basis: "datapoints", used, breaching, filled: 0 };
    }
    const breaching = real.filter((i) => window[i]).length;
    if (treat === "breaching" || treat === "notBreaching") {
        const filled = n - real.length;
        const total = breaching + (treat === "breaching" ? filled : 0);
        return { state: total >= m ? "ALARM" : "OK", basis: "filled", used: real, breaching: total, filled };
    }
    if (breaching >= m) {
        return { state: "ALARM", basis: "datapoints", used: real, breaching, filled: 0 };
    }
    if (breaching < real.length) {
        return { state: "OK", basis: "datapoints", used: real, breaching, filled: 0 };
    }
    const age = window.length - real[0];
    if (treat === "missing" && age >= m) {
        return { state: "ALARM", basis: "premature", used: real, breaching, filled: 0 };
    }
    return { state: treat === "missing" ? "INSUFFICIENT_DATA" : current, basis: "undecided", used: real, breaching, filled: 0 };
}

// ---------------------------------------------------------------------------------------------
// Comparison

const OPERATORS: Partial<Record<ComparisonOperator, { symbol: string; breaches: (v: number, threshold: number) => boolean }>> = {
    GreaterThanOrEqualToThreshold: { symbol: ">=", breaches: (v, t) => v >= t },
    GreaterThanThreshold: { symbol: ">", breaches: (v, t) => v > t },
    LessThanThreshold: { symbol: "<", breaches: (v, t) => v < t },
    LessThanOrEqualToThreshold: { symbol: "<=", breaches: (v, t) => v <= t },
};

const BAND_OPERATORS: ComparisonOperator[] = ["LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"];

/** Whether a datapoint breaches; anomaly-band operators are refused (they need a band, see compile). */
export function breaches(operator: ComparisonOperator, value: number, threshold: number): boolean {
    const op = OPERATORS[operator];
    if (!op) {
        throw new AlarmEvaluationError(`comparison operator ${operator} is not one the drill evaluates; use ${Object.keys(OPERATORS).join(", ")}`);
    }
    return op.breaches(value, threshold);
}

// ---------------------------------------------------------------------------------------------
// Compiling alarms against a scenario's data

interface CompiledMetricAlarm {
    alarm: MetricAlarmModel;
    minutesPerPeriod: number;
    /** The alarm's datapoint per period (NaN: none). */
    values: Float64Array;
    range: number;
    rule: MissingDataRule;
    symbol: string;
    breaches: (v: number) => boolean;
    /** Why treatMissingData is not the alarm's own, for the reason text. */
    treatNote?: string;
}

function isPositiveInteger(v: unknown): v is number {
    return typeof v === "number" && Number.isInteger(v) && v >= 1;
}

class DataIndex {
    private readonly minuteCache = new Map<MetricSeries, Float64Array>();
    private readonly queryCache = new Map<string, Float64Array>();
    constructor(
        readonly data: readonly MetricSeries[],
        readonly minutes: number,
    ) {}

    private values(series: MetricSeries): Float64Array {
        let v = this.minuteCache.get(series);
        if (!v) {
            v = minuteValues(series, this.minutes);
            this.minuteCache.set(series, v);
        }
        return v;
    }

    /**
     * Per period, the statistic over the samples of every matching series. Shared by every query of
     * the same metric, statistic and period: an escalation twin watches its alarm's very signal.
     */
    query(metric: MetricId, stat: ParsedStatistic, minutesPerPeriod: number, periods: number): Float64Array {
        const dims = Object.keys(metric.dimensions)
            .sort()
            .map((k) => `${k}=${metric.dimensions[k]}`)
            .join("\u0000");
        const key = [metric.namespace, metric.metricName, dims, JSON.stringify(stat), minutesPerPeriod, periods].join("\u0001");
        let out = this.queryCache.get(key);
        if (!out) {
            out = this.aggregateQuery(metric, stat, minutesPerPeriod, periods);
            this.queryCache.set(key, out);
        }
        return out;
    }

    private aggregateQuery(metric: MetricId, stat: ParsedStatistic, minutesPerPeriod: number, periods: number): Float64Array {
        const sources = this.data.filter((s) => seriesMatches(metric, s)).map((s) => ({ values: this.values(s), counts: s.stat === "SampleCount" }));
        const out = new Float64Array(periods).fill(NaN);
        // Only a percentile needs the samples themselves; the other statistics are running totals.
        const samples: number[] | undefined = stat.kind === "percentile" ? [] : undefined;
        for (let p = 0; p < periods; p++) {
            let n = 0;
            let sum = 0;
            let min = Infinity;
            let max = -Infinity;
            let sampleCount = 0;
            if (samples) {
                samples.length = 0;
            }
            for (const src of sources) {
                for (let t = p * minutesPerPeriod; t < (p + 1) * minutesPerPeriod; t++) {
                    const v = src.values[t];
                    if (Number.isNaN(v)) {
                        continue;
                    }
                    n++;
                    sum += v;
                    min = v < min ? v : min;
                    max = v > max ? v : max;
                    sampleCount += src.counts ? v : 1;
                    samples?.push(v);
                }
            }
            if (n === 0) {
                continue;
            }
            switch (stat.kind) {
                case "Sum":
                    out[p] = sum;
                    break;
                case "Average":
                    out[p] = sum / n;
                    break;
                case "Minimum":
                    out[p] = min;
                    break;
                case "Maximum":
                    out[p] = max;
                    break;
                case "SampleCount":
                    out[p] = sampleCount;
                    break;
                case "percentile":
                    out[p] = nearestRank(samples as number[], stat.p);
                    break;
            }
        }
        return out;
    }
}

function compileMetricAlarm(alarm: MetricAlarmModel, index: DataIndex): CompiledMetricAlarm {
    const name = `alarm "${alarm.alarmName}"`;
    const fail = (detail: string): never => {
        throw new AlarmEvaluationError(`${name}: ${detail}`);
    };
    if (BAND_OPERATORS.includes(alarm.comparisonOperator)) {
        fail(
            `comparison operator ${alarm.comparisonOperator} compares with an anomaly detection band (ANOMALY_DETECTION_BAND, thresholdMetricId), which needs a trained model the drill does not have; it evaluates ${Object.keys(OPERATORS).join(", ")}`,
        );
    }
    const op =
        OPERATORS[alarm.comparisonOperator] ??
        fail(`comparison operator "${String(alarm.comparisonOperator)}" is not one of ${Object.keys(OPERATORS).join(", ")}`);
    if (typeof alarm.threshold !== "number" || !Number.isFinite(alarm.threshold)) {
        fail(`threshold must be a number, got ${JSON.stringify(alarm.threshold)}`);
    }
    const n = alarm.evaluationPeriods;
    const m = alarm.datapointsToAlarm ?? n;
    if (!isPositiveInteger(n)) {
        fail(`evaluationPeriods must be a whole number of at least 1, got ${JSON.stringify(n)}`);
    }
    if (!isPositiveInteger(m) || m > n) {
        fail(`datapointsToAlarm must be a whole number from 1 to evaluationPeriods (${n}), got ${JSON.stringify(m)}`);
    }
    const treat: TreatMissingData = alarm.treatMissingData ?? "missing";
    if (!["missing", "ignore", "breaching", "notBreaching"].includes(treat)) {
        fail(`treatMissingData "${String(treat)}" is not one of missing, ignore, breaching, notBreaching`);
    }

    const queries: MetricQuery[] = alarm.queries ?? [];
    if (queries.length === 0) {
        fail("it has no metric and no metric queries");
    }
    const ids = new Set<string>();
    for (const q of queries) {
        if (ids.has(q.id)) {
            fail(`two metric queries have the id "${q.id}"`);
        }
        ids.add(q.id);
    }
    const metricQueries = queries.filter((q): q is Extract<MetricQuery, { metric: unknown }> => "metric" in q);
    // CloudWatch requires every metric of an alarm to use the same period, and takes the period from
    // the metrics when there are metric queries; the alarm's own period covers a single metric.
    const periods = [...new Set(metricQueries.map((q) => q.metric.periodSeconds))];
    if (periods.length > 1) {
        fail(`its metric queries use different periods (${periods.join(", ")} s); CloudWatch requires one period for every metric of an alarm`);
    }
    const periodSeconds = periods[0] ?? alarm.periodSeconds;
    if (!isPositiveInteger(periodSeconds) || periodSeconds % 60 !== 0) {
        fail(
            `period ${JSON.stringify(periodSeconds)} s is not a multiple of 60; the drill's data is per minute (high-resolution 10 and 30 s periods are not modelled)`,
        );
    }
    const minutesPerPeriod = periodSeconds / 60;
    const periodCount = Math.floor(index.minutes / minutesPerPeriod);

    const series = new Map<string, Float64Array>();
    const byId = new Map(queries.map((q) => [q.id, q]));
    const resolving: string[] = [];
    const resolve = (id: string): Float64Array | undefined => {
        const done = series.get(id);
        if (done) {
            return done;
        }
        const q = byId.get(id);
        if (!q) {
            return undefined;
        }
        if (resolving.includes(id)) {
            fail(`metric queries refer to each other in a cycle: ${[...resolving.slice(resolving.indexOf(id)), id].join(" -> ")}`);
        }
        resolving.push(id);
        let values: Float64Array;
        if ("metric" in q) {
            const stat = parseStatistic(q.metric.stat, `${name}, query "${id}"`);
            values = index.query(q.metric, stat, minutesPerPeriod, periodCount);
        } else {
            try {
                values = evaluateToSeries(q.expression, {
                    length: periodCount,
                    lookup: resolve,
                    metricIds: metricQueries.map((mq) => mq.id),
                    knownIds: [...ids],
                });
            } catch (e) {
                if (e instanceof MetricMathError) {
                    fail(`query "${id}": ${e.message}`);
                }
                throw e;
            }
        }
        resolving.pop();
        series.set(id, values);
        return values;
    };
    for (const q of queries) {
        if ("expression" in q) {
            try {
                const node = parseCached(q.expression);
                // Every id is checked here, even in a branch the data never reaches.
                for (const ref of referencedIds(node)) {
                    if (!ids.has(ref)) {
                        fail(`query "${q.id}": metric math "${q.expression}": unknown id "${ref}"; the alarm's query ids are: ${[...ids].join(", ")}`);
                    }
                }
            } catch (e) {
                if (e instanceof MetricMathError) {
                    fail(`query "${q.id}": ${e.message}`);
                }
                throw e;
            }
        }
        resolve(q.id);
    }

    const returned = queries.filter((q) => q.returnData);
    let chosen: MetricQuery | undefined;
    if (returned.length === 1) {
        chosen = returned[0];
    } else if (returned.length === 0 && queries.length === 1) {
        chosen = queries[0];
    } else if (returned.length === 0 && queries.filter((q) => "expression" in q).length === 1) {
        chosen = queries.find((q) => "expression" in q);
    }
    if (!chosen) {
        return fail(
            `exactly one metric query must have returnData true (the alarm's value); ${returned.length ? `${returned.map((q) => q.id).join(", ")} do` : "none does"}`,
        );
    }

    const dynamo = metricQueries.some((q) => q.metric.namespace === "AWS/DynamoDB");
    const effective: TreatMissingData = dynamo ? "ignore" : treat;
    return {
        alarm,
        minutesPerPeriod,
        values: series.get(chosen.id) as Float64Array,
        range: evaluationRange(n),
        rule: { evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: effective },
        symbol: op.symbol,
        breaches: (v) => op.breaches(v, alarm.threshold),
        treatNote: dynamo && treat !== "ignore" ? "AWS/DynamoDB alarms always ignore missing data" : undefined,
    };
}

interface CompiledComposite {
    alarm: CompositeAlarmModel;
    rule: RuleNode;
    children: string[];
}

/** Composites in an order where each comes after the composites its rule names. */
function compileComposites(composites: CompositeAlarmModel[], known: Set<string>): CompiledComposite[] {
    const compiled = new Map<string, CompiledComposite>();
    for (const alarm of composites) {
        let rule: RuleNode;
        try {
            rule = parseRuleCached(alarm.alarmRule);
        } catch (e) {
            throw new AlarmEvaluationError(`composite alarm "${alarm.alarmName}": ${(e as Error).message}`);
        }
        const children = ruleAlarmNames(rule);
        for (const child of children) {
            if (!known.has(child)) {
                throw new AlarmEvaluationError(
                    `composite alarm "${alarm.alarmName}": its rule names alarm "${child}", which is not an alarm of the stack (rule: ${alarm.alarmRule})`,
                );
            }
        }
        compiled.set(alarm.alarmName, { alarm, rule, children });
    }
    const ordered: CompiledComposite[] = [];
    const done = new Set<string>();
    const visiting: string[] = [];
    const visit = (name: string): void => {
        const c = compiled.get(name);
        if (!c || done.has(name)) {
            return;
        }
        if (visiting.includes(name)) {
            throw new AlarmEvaluationError(`composite alarms name each other in a cycle: ${[...visiting.slice(visiting.indexOf(name)), name].join(" -> ")}`);
        }
        visiting.push(name);
        c.children.forEach(visit);
        visiting.pop();
        done.add(name);
        ordered.push(c);
    };
    composites.forEach((c) => visit(c.alarmName));
    return ordered;
}

// ---------------------------------------------------------------------------------------------
// Reasons

function fmt(v: number): string {
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** Values newest first, at most five, so a reason stays one short line. */
function listValues(values: number[]): string {
    const newest = [...values].reverse();
    const shown = newest.slice(0, 5).map(fmt);
    return newest.length > 5 ? `${shown.join(", ")}, ...` : shown.join(", ");
}

function reasonFor(c: CompiledMetricAlarm, outcome: WindowOutcome, window: Float64Array): string {
    const { evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat } = c.rule;
    const threshold = `${c.symbol} ${fmt(c.alarm.threshold)}`;
    const values = listValues(outcome.used.map((i) => window[i]));
    const note = c.treatNote ? `; ${c.treatNote}` : "";
    const needed = outcome.state === "ALARM" ? "" : `, ${m} needed`;
    switch (outcome.basis) {
        case "datapoints": {
            const short = outcome.used.length < n ? `; ${n - outcome.used.length} missing, not counted` : "";
            return `${outcome.breaching} of ${outcome.used.length} datapoints ${threshold}${needed} (${values})${short}${note}`;
        }
        case "filled":
            return `${outcome.breaching} of ${n} datapoints ${threshold}${needed} (${values}; ${outcome.filled} missing treated as ${treat === "breaching" ? "breaching" : "not breaching"})`;
        case "premature":
            return `${outcome.breaching} datapoint${outcome.breaching === 1 ? "" : "s"} ${threshold} (${values}), the oldest ${window.length - outcome.used[0]} periods ago and only missing data since${note}`;
        case "noData":
            return `no datapoints in the last ${window.length} periods (treatMissingData ${treat}${treat === "ignore" ? ": state kept" : ""})${note}`;
        case "undecided":
            return `only ${outcome.used.length} of ${n} datapoints, all ${threshold} (${values}), too recent to decide${treat === "ignore" ? " (treatMissingData ignore: state kept)" : ""}${note}`;
    }
}

function compositeReason(c: CompiledComposite, result: boolean, stateOf: (name: string) => AlarmState): string {
    const shown = c.children.slice(0, 5).map((n) => `${n} ${stateOf(n)}`);
    const more = c.children.length > 5 ? `, and ${c.children.length - 5} more` : "";
    return `rule ${result ? "TRUE" : "FALSE"}${shown.length ? ` (${shown.join(", ")}${more})` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// The evaluator

/**
 * Evaluates every alarm minute by minute over minutes 0..minutes-1 (see the model at the top of this
 * file) and returns each alarm's state changes by alarm name, in time order (an alarm that never
 * leaves INSUFFICIENT_DATA has an empty list). Throws AlarmEvaluationError, naming the alarm, for an
 * alarm the drill cannot evaluate: unknown statistic, id or function, anomaly-band operator, a
 * composite naming an alarm the stack does not have.
 */
export function evaluate(alarms: AlarmModel[], data: MetricSeries[], minutes: number): Map<string, AlarmStateAt[]> {
    if (!Number.isInteger(minutes) || minutes < 0) {
        throw new AlarmEvaluationError(`minutes must be a whole number of at least 0, got ${JSON.stringify(minutes)}`);
    }
    const names = new Set<string>();
    for (const a of alarms) {
        if (names.has(a.alarmName)) {
            const urns = alarms.filter((b) => b.alarmName === a.alarmName).map((b) => b.urn);
            throw new AlarmEvaluationError(
                `two alarms are named "${a.alarmName}" (${urns.join(", ")}); CloudWatch alarm names are unique per account and region`,
            );
        }
        names.add(a.alarmName);
    }
    for (const s of data) {
        if (s.stat !== undefined) {
            parseStatistic(s.stat, describeSeries(s));
        }
    }
    const index = new DataIndex(data, minutes);
    const metricAlarms = alarms.filter((a): a is MetricAlarmModel => a.kind === "metric").map((a) => compileMetricAlarm(a, index));
    const composites = compileComposites(
        alarms.filter((a): a is CompositeAlarmModel => a.kind === "composite"),
        names,
    );

    const state = new Map<string, AlarmState>();
    const changes = new Map<string, AlarmStateAt[]>();
    for (const a of alarms) {
        state.set(a.alarmName, "INSUFFICIENT_DATA");
        changes.set(a.alarmName, []);
    }
    const stateOf = (name: string): AlarmState => state.get(name) ?? "INSUFFICIENT_DATA";
    const record = (name: string, at: AlarmStateAt) => {
        state.set(name, at.state);
        (changes.get(name) as AlarmStateAt[]).push(at);
    };

    // Each alarm's datapoints classified once (-1 missing, 0 not breaching, 1 breaching), and the
    // length of the run of equal classes ending at the period last evaluated: when that run is longer
    // than the range, the window equals the previous one and so does the outcome (for ignore too: it
    // keeps the state the previous evaluation left), so the evaluation is skipped. Periods before
    // minute 0 are an endless run of missing datapoints.
    const runners = metricAlarms.map((c) => {
        const classes = new Int8Array(c.values.length);
        for (let p = 0; p < classes.length; p++) {
            const v = c.values[p];
            classes[p] = Number.isNaN(v) ? -1 : c.breaches(v) ? 1 : 0;
        }
        return {
            c,
            classes,
            window: new Array<boolean | undefined>(c.range),
            windowValues: new Float64Array(c.range),
            previous: -1,
            run: Infinity,
            evaluated: false,
        };
    });
    for (let t = 0; t < minutes; t++) {
        for (const r of runners) {
            const c = r.c;
            if ((t + 1) % c.minutesPerPeriod !== 0) {
                continue;
            }
            const period = (t + 1) / c.minutesPerPeriod - 1;
            const cls = r.classes[period];
            r.run = cls === r.previous ? r.run + 1 : 1;
            r.previous = cls;
            if (r.evaluated && r.run > c.range) {
                continue;
            }
            r.evaluated = true;
            for (let i = 0; i < c.range; i++) {
                const p = period - c.range + 1 + i;
                const k = p >= 0 ? r.classes[p] : -1;
                r.windowValues[i] = p >= 0 ? c.values[p] : NaN;
                r.window[i] = k === -1 ? undefined : k === 1;
            }
            const current = stateOf(c.alarm.alarmName);
            const outcome = evaluateWindow(r.window, c.rule, current);
            if (outcome.state !== current) {
                const newest = outcome.used.length ? r.windowValues[outcome.used[outcome.used.length - 1]] : undefined;
                record(c.alarm.alarmName, {
                    minute: t,
                    state: outcome.state,
                    ...(newest === undefined ? {} : { value: newest }),
                    reason: reasonFor(c, outcome, r.windowValues),
                });
            }
        }
        for (const c of composites) {
            const result = evaluateRule(c.rule, stateOf);
            const next: AlarmState = result ? "ALARM" : "OK";
            if (next !== stateOf(c.alarm.alarmName)) {
                record(c.alarm.alarmName, { minute: t, state: next, reason: compositeReason(c, result, stateOf) });
            }
        }
    }
    return changes;
}

export const evaluator: Evaluator = { evaluate };
