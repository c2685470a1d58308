/**
 * How often a CronJob runs, for the cost estimate: runs per month and whether it keeps a pausing
 * database awake. The schedule is read as the plan's idle check reads it (components/apps/idle.ts:
 * the CronJob controller's robfig/cron parser, in the CronJob's `timeZone`, daylight saving
 * included), so the estimate names exactly the CronJobs the plan refuses or warns about.
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 */
import { ASSUMED_RUN_SECONDS, cronFirings, parseCron, shortestGapSeconds } from "../../components/apps/idle";

/** A fixed, non-leap year (2026, from 1 January UTC): the estimate does not change with the day it runs. */
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_SECONDS = 365 * 24 * 3600;

/** How often a schedule fires. */
export interface Frequency {
    /** Runs in an average month (a year's runs / 12). */
    readonly runsPerMonth: number;
    /** The shortest time between two runs, in seconds; undefined when it runs at most once a year. */
    readonly minGapSeconds: number | undefined;
}

/**
 * How often a CronJob's schedule fires, over the year 2026.
 * @param schedule The CronJob's `spec.schedule` (five fields, a macro such as `@hourly`, or `@every <duration>`).
 * @param timeZone The CronJob's `spec.timeZone`; defaults to UTC, as the controller does.
 * @returns Its frequency; throws (idle.ts's CronError, or RangeError for an unknown zone) when it cannot be read.
 */
export function cronFrequency(schedule: string, timeZone = "UTC"): Frequency {
    const minGapSeconds = shortestGapSeconds(schedule, timeZone, YEAR_START);
    if (/^@every\s/.test(schedule.trim())) return { runsPerMonth: YEAR_SECONDS / minGapSeconds! / 12, minGapSeconds };
    const runs = cronFirings(parseCron(schedule), YEAR_START, YEAR_START + YEAR_SECONDS * 1000, timeZone).length;
    return { runsPerMonth: runs / 12, minGapSeconds };
}

/**
 * Whether runs this far apart keep a database awake that pauses after `pauseSeconds` idle: as the
 * plan's idle check decides, the gap must be at least the pause delay plus the run's own time (the
 * Job's `activeDeadlineSeconds`, or idle.ts's assumed run time without one).
 * @param minGapSeconds The shortest gap between runs (undefined: at most one run a year).
 * @param pauseSeconds The cluster's secondsUntilAutoPause.
 * @param activeDeadlineSeconds The Job template's `activeDeadlineSeconds`, if any; default: idle.ts's ASSUMED_RUN_SECONDS.
 */
export function keepsAwake(minGapSeconds: number | undefined, pauseSeconds: number, activeDeadlineSeconds?: number): boolean {
    const run = typeof activeDeadlineSeconds === "number" ? activeDeadlineSeconds : ASSUMED_RUN_SECONDS;
    return minGapSeconds !== undefined && minGapSeconds < pauseSeconds + run;
}
