/**
 * Idle means idle: a database that may pause (`dbMinCapacity` "0") pauses only after
 * `dbSecondsUntilAutoPause` seconds without a connection, so a CronJob of an app with
 * `database: true` that runs more often than that keeps it awake around the clock, and the stack
 * pays for capacity its config says it does not use. Aurora Serverless v2 pauses "when there are no
 * user connections for the specified time period" and any connection resumes it:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 *
 * The schedule is read as the CronJob controller reads it (robfig/cron v3, standard five fields or
 * a macro, https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax),
 * in the CronJob's `timeZone` (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones;
 * UTC without one, as the controller on EKS runs in UTC). Pure functions, no clock unless asked.
 */
import { cronScheduleProblem } from "./admission";
import type { Manifest } from "./checks";
import type { AppDescriptor } from "./descriptor";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long a run is assumed to keep its connection when its Job sets no `activeDeadlineSeconds`
 * (which bounds a Job's run: https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup).
 * Five minutes: a Fargate pod's start-up (about a minute) and a short query, with room to spare.
 */
export const ASSUMED_RUN_SECONDS = 300;

/** The database settings the check needs: the stack's `dbMinCapacity` and `dbSecondsUntilAutoPause`. */
export interface PauseSettings {
    /** ACUs; 0 means the database pauses when idle. */
    readonly minCapacity: number;
    /** Idle seconds before it pauses; set only when minCapacity is 0. */
    readonly secondsUntilAutoPause?: number;
    /** The config namespace the messages name the keys in (the project, e.g. `platform`); default: the bare key names. */
    readonly namespace?: string;
}

/** A parsed cron schedule: the allowed values of each field, and whether day-of-month or day-of-week was a bare `*`. */
export interface CronSchedule {
    readonly minutes: readonly number[];
    readonly hours: readonly number[];
    readonly daysOfMonth: ReadonlySet<number>;
    readonly months: ReadonlySet<number>;
    readonly daysOfWeek: ReadonlySet<number>;
    /** robfig/cron: with either day field starting with `*` (no step), a day must match both; otherwise either. */
    readonly dayStar: boolean;
}

/** A schedule the controller would not accept, with the reason. */
export class CronError extends Error {}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/** The macros robfig/cron's standard parser accepts, as five fields. */
const MACROS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

interface Field {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: readonly string[];
    /** The value of names[0]. */
    readonly namesFrom?: number;
}
const FIELDS: readonly Field[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
    // robfig/cron's bounds are 0-6: 7 is not Sunday there.
    { name: "day of week", min: 0, max: 6, names: DAY_NAMES, namesFrom: 0 },
];

function fieldValue(text: string, field: Field): number {
    const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + field.namesFrom!;
    if (!/^\d+$/.test(text)) throw new CronError(`${field.name}: ${JSON.stringify(text)} is not a number${field.names ? ` or a name (${field.names.join(", ")})` : ""}`);
    const n = Number(text);
    if (n < field.min || n > field.max) throw new CronError(`${field.name}: ${n} is outside ${field.min}-${field.max}`);
    return n;
}

/** One field's values; `star` when it begins with `*` or `?` without a step above 1 (robfig/cron's star bit). */
function parseField(text: string, field: Field): { values: Set<number>; star: boolean } {
    const values = new Set<number>();
    let star = false;
    for (const part of text.split(",")) {
        const [range, stepText, extra] = part.split("/");
        if (extra !== undefined || range === "") throw new CronError(`${field.name}: ${JSON.stringify(part)} is not a value, range or step`);
        let step = 1;
        if (stepText !== undefined) {
            if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`${field.name}: step ${JSON.stringify(stepText)} is not a positive number`);
            step = Number(stepText);
        }
        let from: number;
        let to: number;
        if (range === "*" || range === "?") {
            [from, to] = [field.min, field.max];
            if (step === 1) star = true;
        } else {
            const bounds = range.split("-");
            if (bounds.length > 2) throw new CronError(`${field.name}: ${JSON.stringify(range)} is not a range`);
            from = fieldValue(bounds[0], field);
            // "N/step" runs from N to the field's end.
            to = bounds.length === 2 ? fieldValue(bounds[1], field) : stepText !== undefined ? field.max : from;
            if (to < from) throw new CronError(`${field.name}: the range ${JSON.stringify(range)} ends before it starts`);
        }
        for (let v = from; v <= to; v += step) values.add(v);
    }
    return { values, star };
}

/**
 * Parses a CronJob schedule as the CronJob controller does (robfig/cron v3's standard parser):
 * five fields (minute, hour, day of month, month, day of week) with `*`, `?`, lists, ranges, steps
 * and month/day names, or one of the macros (`@every` is read by {@link shortestGapSeconds}) `@yearly`, `@annually`, `@monthly`, `@weekly`,
 * `@daily`, `@midnight`, `@hourly`.
 *
 * @param schedule The `spec.schedule` text.
 * @throws CronError naming the field and the expected form.
 */
export function parseCron(schedule: string): CronSchedule {
    const text = schedule.trim();
    if (/^(CRON_)?TZ=/.test(text)) throw new CronError("a time zone in the schedule is refused by Kubernetes; set spec.timeZone");
    const expanded = text.startsWith("@") ? MACROS[text.toLowerCase()] : text;
    if (expanded === undefined) throw new CronError(`${JSON.stringify(text)} is not one of the macros ${Object.keys(MACROS).join(", ")}`);
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) throw new CronError(`expected five fields (minute hour day-of-month month day-of-week) or a macro, got ${parts.length}`);
    const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]));
    return {
        minutes: [...minute.values].sort((a, b) => a - b),
        hours: [...hour.values].sort((a, b) => a - b),
        daysOfMonth: dom.values,
        months: month.values,
        daysOfWeek: dow.values,
        dayStar: dom.star || dow.star,
    };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC, in ms, at an instant (whole seconds). */
function offsetAt(timeZone: string, utc: number): number {
    let format = formatters.get(timeZone);
    if (!format) {
        format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
        formatters.set(timeZone, format);
    }
    const p = Object.fromEntries(format.formatToParts(new Date(utc)).map((x) => [x.type, x.value]));
    const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    return wall - Math.floor(utc / 1000) * 1000;
}

/** Spans of constant offset over [from, to): a sample a day, each change found to the minute. */
function zoneSpans(timeZone: string, from: number, to: number): { start: number; end: number; offset: number }[] {
    const spans: { start: number; end: number; offset: number }[] = [];
    let start = from;
    let offset = offsetAt(timeZone, from);
    for (let t = from + DAY; ; t += DAY) {
        const at = Math.min(t, to);
        const next = offsetAt(timeZone, at);
        if (next !== offset) {
            // The change lies in (at - DAY, at]: narrow it to the first minute with the new offset.
            let [lo, hi] = [Math.max(at - DAY, start), at];
            while (hi - lo > MINUTE) {
                const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
                if (offsetAt(timeZone, mid) === offset) lo = mid;
                else hi = mid;
            }
            spans.push({ start, end: hi, offset });
            [start, offset] = [hi, offsetAt(timeZone, hi)];
        }
        if (at >= to) break;
    }
    spans.push({ start, end: to, offset });
    return spans;
}

/**
 * The instants (UTC ms) a schedule fires in [from, to), in order. Every instant whose wall-clock
 * time in `timeZone` matches fires, as robfig/cron steps through absolute time: a time skipped when
 * clocks go forward does not fire, and one that happens twice when they go back fires twice.
 *
 * @param timeZone An IANA zone such as Asia/Tokyo (default UTC).
 * @throws RangeError for a zone this Node.js does not know.
 */
export function cronFirings(schedule: CronSchedule, from: number, to: number, timeZone = "UTC"): number[] {
    const firings: number[] = [];
    for (const span of zoneSpans(timeZone, Math.floor(from / MINUTE) * MINUTE, to)) {
        const firstDay = Math.floor((span.start + span.offset) / DAY);
        const lastDay = Math.floor((span.end - 1 + span.offset) / DAY);
        for (let day = firstDay; day <= lastDay; day++) {
            const date = new Date(day * DAY);
            if (!schedule.months.has(date.getUTCMonth() + 1)) continue;
            const dom = schedule.daysOfMonth.has(date.getUTCDate());
            const dow = schedule.daysOfWeek.has(date.getUTCDay());
            if (schedule.dayStar ? !(dom && dow) : !(dom || dow)) continue;
            for (const hour of schedule.hours) {
                for (const minute of schedule.minutes) {
                    const utc = day * DAY + hour * HOUR + minute * MINUTE - span.offset;
                    if (utc >= span.start && utc < span.end && utc >= from) firings.push(utc);
                }
            }
        }
    }
    return firings;
}

/**
 * The shortest time between two consecutive runs of a schedule, in seconds, over a year from
 * `from` (every daylight-saving change of the zone, every weekday of every month); undefined when
 * it fires at most once in that year.
 *
 * @param schedule The `spec.schedule` text.
 * @param timeZone The CronJob's `spec.timeZone` (default UTC).
 * @param from Where the year starts, UTC ms (default: now).
 * @throws CronError for a schedule the controller would refuse, RangeError for an unknown zone.
 */
export function shortestGapSeconds(schedule: string, timeZone = "UTC", from: number = Date.now()): number | undefined {
    const every = /^@every\s+(.+)$/.exec(schedule.trim());
    if (every) return everySeconds(every[1]);
    const firings = cronFirings(parseCron(schedule), from, from + 366 * DAY, timeZone);
    let shortest: number | undefined;
    for (let i = 1; i < firings.length; i++) {
        const gap = (firings[i] - firings[i - 1]) / 1000;
        if (shortest === undefined || gap < shortest) shortest = gap;
    }
    return shortest;
}

const GO_UNITS: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * `@every <duration>`: runs that far apart, in whole seconds and at least one, as robfig/cron's
 * `Every` rounds (https://pkg.go.dev/github.com/robfig/cron/v3#Every).
 */
function everySeconds(text: string): number {
    const parts = [...text.trim().matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) throw new CronError(`@every ${JSON.stringify(text)} is not a Go duration such as 1h30m`);
    const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * GO_UNITS[p[2]], 0);
    return Math.max(1, Math.floor(seconds));
}

/** A duration for messages: 900 s is "15 min", 7200 s "2 h", 5400 s "90 min". */
export function duration(seconds: number): string {
    if (seconds % 3600 === 0) return `${seconds / 3600} h`;
    if (seconds % 60 === 0) return `${seconds / 60} min`;
    return `${seconds} s`;
}

/** What the check found in one app's manifests: problems refuse the plan, warnings are listed with it. */
export interface IdleFindings {
    readonly problems: string[];
    readonly warnings: string[];
}

/**
 * The CronJobs of an app with `database: true` that run too often for the stack's database to
 * pause. A run wakes the database and keeps it until it ends; it can pause only if the next run
 * starts at least `dbSecondsUntilAutoPause` later, so the shortest gap between two runs must be at
 * least that delay plus the run's own time (the Job's `activeDeadlineSeconds`, or
 * {@link ASSUMED_RUN_SECONDS} without one). A CronJob that is too frequent is a problem naming it,
 * its schedule and time zone, the overlay and the key with its value; a warning instead when
 * app.yaml declares `keepsDatabaseAwake` (with its reason). No check when the app has no database,
 * when the database cannot pause (`dbMinCapacity` above 0), or for a suspended CronJob.
 *
 * @param descriptor The app's validated app.yaml.
 * @param manifests The overlay's objects as built.
 * @param database The stack's database settings.
 * @param where The overlay, e.g. `apps/db-metrics/overlays/dev`: every message starts with it.
 * @param from Where the year of runs examined starts, UTC ms (default: now).
 */
export function idleFindings(descriptor: AppDescriptor, manifests: readonly Manifest[], database: PauseSettings, where: string, from: number = Date.now()): IdleFindings {
    const findings: IdleFindings = { problems: [], warnings: [] };
    if (!descriptor.database || database.minCapacity > 0 || database.secondsUntilAutoPause === undefined) return findings;
    const pause = database.secondsUntilAutoPause;
    for (const m of manifests.filter((m) => m.kind === "CronJob")) {
        const spec = (m as any).spec ?? {};
        if (spec.suspend === true || typeof spec.schedule !== "string") continue;
        // A schedule or zone the API server would refuse is admission's problem (admission.ts), reported once there.
        if (cronScheduleProblem(spec.schedule) !== undefined) continue;
        const zone: string = spec.timeZone ?? "UTC";
        const at = `${where}: CronJob/${m.metadata.name}: schedule ${JSON.stringify(spec.schedule)} (${zone})`;
        let gap: number | undefined;
        try {
            gap = shortestGapSeconds(spec.schedule, zone, from);
        } catch (err) {
            if (!(err instanceof CronError || err instanceof RangeError)) throw err;
            findings.problems.push(`${at}: cannot tell how often it runs: ${err instanceof RangeError ? `timeZone ${JSON.stringify(zone)} is not an IANA time zone such as Asia/Tokyo` : err.message}`);
            continue;
        }
        const deadline = spec.jobTemplate?.spec?.activeDeadlineSeconds;
        const run = typeof deadline === "number" ? deadline : ASSUMED_RUN_SECONDS;
        const runText = typeof deadline === "number" ? `a run may take ${run} s (activeDeadlineSeconds)` : `a run is assumed to take ${run} s (no activeDeadlineSeconds)`;
        if (gap === undefined || gap >= pause + run) continue;
        const key = (name: string) => (database.namespace ? `${database.namespace}:${name}` : name);
        const message =
            `${at} runs every ${duration(gap)} at the shortest, so the database never pauses: ${key("dbSecondsUntilAutoPause")} is ${pause} ` +
            `(${key("dbMinCapacity")} "0") and ${runText}, so runs must be at least ${duration(pause + run)} apart`;
        if (descriptor.keepsDatabaseAwake !== undefined) {
            findings.warnings.push(`${message}; apps/${descriptor.name}/app.yaml keeps it awake on purpose: ${descriptor.keepsDatabaseAwake}`);
        } else {
            findings.problems.push(
                `${message}. Run it less often, raise ${key("dbSecondsUntilAutoPause")}, or declare keepsDatabaseAwake: <reason> in apps/${descriptor.name}/app.yaml`,
            );
        }
    }
    return findings;
}
