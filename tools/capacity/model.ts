/**
 * The capacity arithmetic, pure: every part of the platform is a limit whose need grows linearly with the
 * API's request rate (`need(r) = base + perRps x r`) against what the stack allows. A limit binds at the
 * rate where its need reaches what is allowed; the first bottleneck is the hard limit that binds at the
 * lowest rate. With a monthly growth rate, each limit is reached in the first month whose rate
 * (`rps x (1 + growth)^month`) needs more than it allows.
 */

/**
 * - `hard`: past it requests, messages or sends are refused or throttled;
 * - `soft`: past it the platform degrades without refusing anything (provisioned concurrency spills over
 *   to on-demand environments, each a cold start);
 * - `per-ip`: a limit on one client (WAF's rate-based rule), judged only when the number of clients is given.
 */
export type LimitKind = "hard" | "soft" | "per-ip";

export interface Limit {
    /** The part of the platform: `Lambda concurrency: api`, `DynamoDB writes`. */
    part: string;
    /** What need and allows count. */
    unit: string;
    /** Need at no traffic (an OCU floor). */
    base: number;
    /** Need per request a second. */
    perRps: number;
    /** What the stack allows. */
    allows: number;
    kind: LimitKind;
    /** Where `allows` comes from: a resource of the preview, a config key and its AWS default. */
    source: string;
    /** How the need is computed. */
    basis: string;
}

export interface LimitResult extends Limit {
    need: number;
    /** need / allows. */
    utilization: number;
    /** The request rate at which need reaches allows: 0 when it already does at no traffic; Infinity when traffic never makes it. */
    bindsAtRps: number;
    /** With a growth rate: the first month (0 = now) whose rate reaches the limit; null when it never does. */
    reachedInMonth?: number | null;
}

export interface CapacityResult {
    rps: number;
    limits: LimitResult[];
    /** The hard limit that binds at the lowest rate; undefined when none ever binds. */
    bottleneck?: LimitResult;
    /** The soft limit that binds first (where the platform starts to degrade). */
    firstDegradation?: LimitResult;
    /** Monthly growth as a fraction (0.1 = 10 %), when given. */
    growth?: number;
}

/** The rate at which a limit binds. */
export function bindsAt(limit: Pick<Limit, "base" | "perRps" | "allows">): number {
    if (limit.base >= limit.allows) return 0;
    if (limit.perRps <= 0) return Infinity;
    return (limit.allows - limit.base) / limit.perRps;
}

/** The first month m >= 0 with rps x (1 + growth)^m >= at; 0 when already there, null when never. */
export function monthReached(rps: number, at: number, growth: number): number | null {
    if (rps >= at) return 0;
    if (!Number.isFinite(at) || growth <= 0 || rps <= 0) return null;
    const months = Math.ceil(Math.log(at / rps) / Math.log(1 + growth));
    // Rounding can land a month early or late on an exact power: check the month found, and the one before.
    if (months > 0 && rps * (1 + growth) ** (months - 1) >= at) return months - 1;
    return rps * (1 + growth) ** months >= at ? months : months + 1;
}

function earliest(limits: LimitResult[]): LimitResult | undefined {
    let first: LimitResult | undefined;
    for (const l of limits) {
        if (!Number.isFinite(l.bindsAtRps)) continue;
        if (first === undefined || l.bindsAtRps < first.bindsAtRps) first = l;
    }
    return first;
}

/** Every limit at `rps`, the first bottleneck, the first degradation and, with `growth`, the month each is reached. */
export function evaluate(limits: readonly Limit[], rps: number, growth?: number): CapacityResult {
    const results: LimitResult[] = limits.map((l) => {
        const need = l.base + l.perRps * rps;
        const at = bindsAt(l);
        return {
            ...l,
            need,
            utilization: l.allows > 0 ? need / l.allows : Infinity,
            bindsAtRps: at,
            ...(growth !== undefined ? { reachedInMonth: monthReached(rps, at, growth) } : {}),
        };
    });
    return {
        rps,
        limits: results,
        bottleneck: earliest(results.filter((l) => l.kind === "hard")),
        firstDegradation: earliest(results.filter((l) => l.kind === "soft")),
        ...(growth !== undefined ? { growth } : {}),
    };
}
