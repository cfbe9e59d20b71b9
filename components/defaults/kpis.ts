/**
 * Business-hours and time-zone rules shared by config.ts and the BusinessKpis component: a business
 * window is "<days> HH:00-HH:00", for example "Mon-Fri 08:00-20:00", or "none". Whole hours only: the
 * window becomes one EventBridge Scheduler cron expression whose hour field lists the open hours.
 */

/** Days of the week as the business-hours text names them, Monday first, and as cron names them. */
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A stack with no business hours (no real customers): the no-order alarm never arms. */
export const NO_BUSINESS_HOURS = "none";

/** Open days and hours: open from `startHour`:00 to `endHour`:00 on each of `days`, in the stack's time zone. */
export interface BusinessHours {
    days: Weekday[];
    startHour: number;
    endHour: number;
}

const FORMAT = 'allowed: "none", or days and whole hours such as "Mon-Fri 08:00-20:00" or "Mon,Wed,Sat 09:00-17:00" (days Mon to Sun, hours 00:00 to 24:00)';

/** Parses a business-hours text; `undefined` hours for "none", or the reason it is not one. */
export function parseBusinessHours(text: string): { hours?: BusinessHours; problem?: string } {
    if (text === NO_BUSINESS_HOURS) return {};
    const m = /^([A-Za-z,-]+) (\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
    if (m === null) return { problem: `is not a business-hours window (${FORMAT})` };
    const days = parseDays(m[1]);
    if (days === undefined) return { problem: `does not name its days as Mon to Sun, a range such as Mon-Fri or a list such as Mon,Wed (${FORMAT})` };
    const [startHour, startMinute, endHour, endMinute] = [m[2], m[3], m[4], m[5]].map(Number);
    if (startMinute !== 0 || endMinute !== 0) {
        return { problem: `starts or ends within an hour: the window must start and end on the hour (${FORMAT})` };
    }
    if (startHour > 23 || endHour > 24 || endHour <= startHour) {
        return { problem: `does not end after it starts within one day (a window over midnight is two windows; ${FORMAT})` };
    }
    return { hours: { days, startHour, endHour } };
}

function parseDays(text: string): Weekday[] | undefined {
    const index = (d: string) => WEEKDAYS.findIndex((w) => w.toLowerCase() === d.toLowerCase());
    const out: Weekday[] = [];
    for (const part of text.split(",")) {
        const [from, to, ...rest] = part.split("-");
        const a = index(from);
        const b = to === undefined ? a : index(to);
        if (rest.length > 0 || a < 0 || b < 0 || b < a) return undefined;
        for (let i = a; i <= b; i++) if (!out.includes(WEEKDAYS[i])) out.push(WEEKDAYS[i]);
    }
    return out.sort((x, y) => WEEKDAYS.indexOf(x) - WEEKDAYS.indexOf(y));
}

/** Minutes the window is open on each of its days. */
export function businessMinutesPerDay(hours: BusinessHours): number {
    return (hours.endHour - hours.startHour) * 60;
}

/**
 * The EventBridge Scheduler cron expression that fires once a minute while the business is open:
 * every minute of each open hour, on the open days (listed by name, so no range wraps the week).
 */
export function businessHoursCron(hours: BusinessHours): string {
    const hourField = hours.endHour - hours.startHour === 1 ? `${hours.startHour}` : `${hours.startHour}-${hours.endHour - 1}`;
    return `cron(* ${hourField} ? * ${hours.days.map((d) => d.toUpperCase()).join(",")} *)`;
}

/**
 * Why `zone` is not a time zone EventBridge Scheduler takes (an IANA tz database name such as
 * Europe/Paris, or UTC), or undefined when it is.
 */
export function timeZoneProblem(zone: string): string | undefined {
    const allowed = "allowed: an IANA time zone name such as Europe/Paris, America/New_York or UTC";
    // Offsets such as +01:00 are refused: a fixed offset does not follow daylight saving time.
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return `is not a time zone name (${allowed})`;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
    } catch {
        return `is not a time zone of the IANA tz database (${allowed})`;
    }
    return undefined;
}
