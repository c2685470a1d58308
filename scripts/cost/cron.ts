/**
 * How often a CronJob's schedule fires, for the cost estimate: runs per month and the shortest gap
 * between two runs. Standard five-field cron as Kubernetes reads it (minute, hour, day of month,
 * month, day of week; `*`, lists, ranges, steps, names, and the @hourly-style macros; when both day
 * fields are restricted a day matches either, as in cron(8)), in the CronJob's time zone, counted
 * over a whole year of minutes so months of different lengths and weekdays average out.
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 */

const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** One field: the values it matches, and whether it was restricted (not `*`). */
function field(text: string, min: number, max: number, names: string[] = [], nameBase = 0): { values: Set<number>; restricted: boolean } {
    const values = new Set<number>();
    const value = (s: string): number => {
        const i = names.indexOf(s.toLowerCase());
        const n = i >= 0 ? i + nameBase : Number(s);
        if (!Number.isInteger(n)) throw new Error(`not a number: ${s}`);
        return n;
    };
    for (const part of text.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in ${part}`);
        let lo: number;
        let hi: number;
        if (range === "*" || range === "?") [lo, hi] = [min, max];
        else if (range.includes("-")) [lo, hi] = range.split("-").map(value) as [number, number];
        else [lo, hi] = [value(range), stepText === undefined ? value(range) : max];
        if (lo < min || hi > max || lo > hi) throw new Error(`${part} is outside ${min}-${max}`);
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return { values, restricted: !text.startsWith("*") && !text.startsWith("?") };
}

/** A parsed schedule: whether it fires at a UTC-free calendar minute. */
function matcher(schedule: string): (d: Date) => boolean {
    const expanded = MACROS[schedule.trim().toLowerCase()] ?? schedule.trim();
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) throw new Error(`expected five fields, got ${parts.length}`);
    const minute = field(parts[0], 0, 59);
    const hour = field(parts[1], 0, 23);
    const dom = field(parts[2], 1, 31);
    const month = field(parts[3], 1, 12, MONTHS, 1);
    const dowRaw = field(parts[4], 0, 7, DAYS, 0);
    const dow = new Set([...dowRaw.values].map((d) => d % 7));
    return (d) => {
        if (!minute.values.has(d.getUTCMinutes()) || !hour.values.has(d.getUTCHours()) || !month.values.has(d.getUTCMonth() + 1)) return false;
        const domOk = dom.values.has(d.getUTCDate());
        const dowOk = dow.has(d.getUTCDay());
        // cron(8): when both day fields are restricted, either may match.
        return dom.restricted && dowRaw.restricted ? domOk || dowOk : domOk && dowOk;
    };
}

/** How often a schedule fires. */
export interface Frequency {
    /** Runs in an average month (a year's runs / 12). */
    readonly runsPerMonth: number;
    /** The shortest gap between two consecutive runs, in seconds (a year's wrap-around included). */
    readonly minGapSeconds: number;
}

/** 2026 is not a leap year: 525,600 minutes. */
const YEAR_START = Date.UTC(2026, 0, 1);
const MINUTES_IN_YEAR = 365 * 24 * 60;

/**
 * How often a CronJob's schedule fires.
 * @param schedule The CronJob's `spec.schedule` (five fields or a macro such as `@hourly`).
 * @returns Its frequency; throws an Error naming the problem when the schedule does not parse.
 */
export function cronFrequency(schedule: string): Frequency {
    const fires = matcher(schedule);
    let runs = 0;
    let first = -1;
    let last = -1;
    let minGap = Infinity;
    for (let m = 0; m < MINUTES_IN_YEAR; m++) {
        if (!fires(new Date(YEAR_START + m * 60_000))) continue;
        if (last >= 0) minGap = Math.min(minGap, m - last);
        if (first < 0) first = m;
        last = m;
        runs++;
    }
    if (runs === 0) throw new Error("never fires");
    // The gap from the year's last run to the next year's first.
    minGap = Math.min(minGap, first + MINUTES_IN_YEAR - last);
    return { runsPerMonth: runs / 12, minGapSeconds: minGap * 60 };
}
