/**
 * Enough of AWS's 6-field cron expressions (`cron(minutes hours day-of-month month day-of-week year)`) to
 * count what a schedule does in a week: which hours a backup rule runs, when a scheduled capacity change
 * takes effect. Day-of-month, month and year are taken as every one (`*` or `?`); anything else is refused.
 */
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function values(field: string, min: number, max: number, names: string[] = []): Set<number> {
    const out = new Set<number>();
    const num = (t: string) => {
        const named = names.indexOf(t.toUpperCase());
        const n = named >= 0 ? named + min : Number(t);
        if (!Number.isInteger(n) || n < min || n > max) throw new Error(`"${t}" is not from ${min} to ${max}`);
        return n;
    };
    for (const part of field.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) throw new Error(`step "${stepText}" is not a whole number above 0`);
        let lo: number;
        let hi: number;
        if (range === "*" || range === "?") [lo, hi] = [min, max];
        else if (range!.includes("-")) [lo, hi] = range!.split("-").map(num) as [number, number];
        else [lo, hi] = [num(range!), stepText === undefined ? num(range!) : max];
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

/** The hours of a week (0 = Sunday 00:00 ... 167) at which the expression fires, with the minute it fires at. */
export function weeklyFirings(expression: string): number[] {
    const m = /^cron\((.+)\)$/.exec(expression.trim());
    if (!m) throw new Error(`${expression}: not a cron(...) expression`);
    const fields = m[1]!.trim().split(/\s+/);
    if (fields.length !== 6) throw new Error(`${expression}: a cron expression has 6 fields`);
    const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
    for (const [name, f] of [
        ["day-of-month", dom],
        ["month", month],
        ["year", year],
    ] as const) {
        if (f !== "*" && f !== "?") throw new Error(`${expression}: ${name} "${f}" is not supported here (only * or ?)`);
    }
    const perHour = values(minutes, 0, 59).size;
    const hourSet = values(hours, 0, 23);
    // AWS numbers days 1 (SUN) to 7 (SAT).
    const daySet = new Set([...values(dow, 1, 7, DAYS)].map((d) => d - 1));
    const out: number[] = [];
    for (let day = 0; day < 7; day++) {
        if (!daySet.has(day)) continue;
        for (const h of hourSet) for (let i = 0; i < perHour; i++) out.push(day * 24 + h);
    }
    return out.sort((a, b) => a - b);
}

/** Times a day the expression fires, averaged over a week. */
export function firingsPerDay(expression: string): number {
    return weeklyFirings(expression).length / 7;
}

/**
 * Hour by hour over a week, the value in effect when each scheduled change sets it from its firing on
 * (the week wraps: before the first firing, the last one's value holds). Without changes, `initial`.
 */
export function weeklyAverage(initial: number, changes: { schedule: string; value: number }[]): number {
    const events = changes.flatMap((c) => weeklyFirings(c.schedule).map((hour) => ({ hour, value: c.value }))).sort((a, b) => a.hour - b.hour);
    if (events.length === 0) return initial;
    let current = events[events.length - 1]!.value;
    let total = 0;
    for (let hour = 0, e = 0; hour < 168; hour++) {
        while (e < events.length && events[e]!.hour <= hour) current = events[e++]!.value;
        total += current;
    }
    return total / 168;
}
