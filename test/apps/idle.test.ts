import { strict as assert } from "assert";
import { AppDescriptor, parseDescriptor } from "../../components/apps/descriptor";
import { ASSUMED_RUN_SECONDS, CronError, cronFirings, idleFindings, parseCron, shortestGapSeconds } from "../../components/apps/idle";
import type { Manifest } from "../../components/apps/checks";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkPlannedApps, stackApps as appsIn } from "../../scripts/offline/apps";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, plan, stackApps, stackConfig } from "../support";
import { built, builtAt } from "./overlays";

/** 2027 starts on a Friday; its year holds every DST change of the zones below. */
const FROM = Date.UTC(2027, 0, 1);
const WHERE = "apps/demo/overlays/dev";
const PAUSES = { minCapacity: 0, secondsUntilAutoPause: 1800 };

const app = (extra: Partial<AppDescriptor> = {}): AppDescriptor => ({
    name: "demo",
    description: "Demo",
    images: ["runner"],
    database: true,
    permissions: [],
    settings: {},
    secrets: {},
    ...extra,
});

function cronJob(schedule: string, extra: { timeZone?: string; activeDeadlineSeconds?: number; suspend?: boolean; name?: string } = {}): Manifest {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: extra.name ?? "collect" },
        spec: {
            schedule,
            ...(extra.timeZone ? { timeZone: extra.timeZone } : {}),
            ...(extra.suspend !== undefined ? { suspend: extra.suspend } : {}),
            jobTemplate: { spec: { ...(extra.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: extra.activeDeadlineSeconds } : {}), template: { spec: { containers: [] } } } },
        },
    } as Manifest;
}

const gap = (schedule: string, zone = "UTC") => shortestGapSeconds(schedule, zone, FROM);

describe("idle means idle (components/apps/idle.ts)", () => {
    describe("reading a schedule as the CronJob controller does", () => {
        it("steps, ranges, lists and names", () => {
            assert.equal(gap("*/15 * * * *"), 900);
            assert.equal(gap("0 * * * *"), 3600);
            assert.equal(gap("0 */3 * * *"), 3 * 3600);
            assert.equal(gap("5/20 * * * *"), 20 * 60, "N/step runs from N to the field's end: 5, 25, 45");
            assert.equal(gap("0,10 * * * *"), 600);
            assert.equal(gap("0 9-17/4 * * *"), 4 * 3600, "9, 13, 17");
            assert.equal(gap("0 9,17 * * MON-FRI"), 8 * 3600);
            assert.equal(gap("0 0 * JAN,JUL *"), 24 * 3600);
            assert.equal(gap("30 23 * * 5,6"), 24 * 3600, "Friday then Saturday");
        });

        it("the macros, and @every", () => {
            assert.equal(gap("@hourly"), 3600);
            assert.equal(gap("@daily"), 24 * 3600);
            assert.equal(gap("@midnight"), 24 * 3600);
            assert.equal(gap("@weekly"), 7 * 24 * 3600);
            assert.equal(gap("@monthly"), 28 * 24 * 3600, "February");
            assert.equal(gap("@yearly"), 365 * 24 * 3600, "1 January 2027 to 1 January 2028");
            assert.equal(shortestGapSeconds("@yearly", "UTC", FROM + 60_000), undefined, "fires once in the 366 days examined");
            assert.equal(gap("@every 1h30m"), 5400);
            assert.equal(gap("@every 500ms"), 1, "robfig/cron runs @every at least a second apart");
        });

        it("a day matches either day field unless one is a bare *, as robfig/cron does", () => {
            // The 13th or any Friday: in 2027 Friday 12 February is followed by Saturday the 13th.
            assert.equal(gap("0 0 13 * 5"), 24 * 3600);
            // A step is not a bare *: "*/2" days of month or Mondays.
            const s = parseCron("0 0 */2 * 1");
            assert.equal(s.dayStar, false);
            assert.equal(parseCron("0 0 * * 1").dayStar, true);
            const days = cronFirings(parseCron("0 0 * * 1"), FROM, FROM + 14 * 86400_000).map((t) => new Date(t).getUTCDay());
            assert.deepEqual(days, [1, 1], "only Mondays when the day of month is *");
        });

        it("refuses what the controller refuses, naming the field and the form", () => {
            assert.throws(() => parseCron("*/15 * * *"), (e: Error) => e instanceof CronError && /five fields/.test(e.message));
            assert.throws(() => parseCron("60 * * * *"), /minute: 60 is outside 0-59/);
            assert.throws(() => parseCron("0 0 * * 7"), /day of week: 7 is outside 0-6/);
            assert.throws(() => parseCron("0 0 * * FUNDAY"), /not a number or a name/);
            assert.throws(() => parseCron("@fortnightly"), /not one of the macros/);
            assert.throws(() => parseCron("CRON_TZ=UTC 0 * * * *"), /spec.timeZone/);
            assert.throws(() => parseCron("0 10-2 * * *"), /ends before it starts/);
        });

        it("in the CronJob's time zone: a fixed offset changes nothing, daylight saving shortens a gap", () => {
            assert.equal(gap("*/15 * * * *", "Asia/Tokyo"), 900);
            assert.equal(gap("0 1,3 * * *", "Asia/Tokyo"), 2 * 3600, "Japan has no daylight saving");
            // 14 March 2027 in New York: 02:00 becomes 03:00, so 01:00 to 03:00 is one hour.
            assert.equal(gap("0 1,3 * * *", "America/New_York"), 3600);
            assert.equal(gap("0 1,3 * * *", "UTC"), 2 * 3600);
            // 7 November 2027: 01:30 happens twice, and robfig/cron, stepping through absolute time, runs twice.
            assert.equal(gap("30 1 * * *", "America/New_York"), 3600);
            // A 30-minute offset that changes by an hour: Newfoundland's 02:30 is skipped in spring.
            assert.equal(gap("30 2 * * *", "America/St_Johns"), 24 * 3600);
            assert.throws(() => shortestGapSeconds("0 * * * *", "Mars/Olympus", FROM), RangeError);
        });
    });

    describe("the check of an app's CronJobs", () => {
        it("refuses a database app's CronJob every 15 minutes against a 1800 s pause, naming the CronJob, schedule, overlay and key", () => {
            const found = idleFindings(app(), [cronJob("*/15 * * * *", { timeZone: "Asia/Tokyo", activeDeadlineSeconds: 240 })], PAUSES, WHERE, FROM);
            assert.deepEqual(found.warnings, []);
            assert.equal(found.problems.length, 1);
            const [problem] = found.problems;
            assert.ok(problem.startsWith(`${WHERE}: CronJob/collect: schedule "*/15 * * * *" (Asia/Tokyo) runs every 15 min at the shortest`), problem);
            assert.match(problem, /dbSecondsUntilAutoPause is 1800 \(dbMinCapacity "0"\)/);
            assert.match(problem, /a run may take 240 s \(activeDeadlineSeconds\), so runs must be at least 34 min apart/);
            assert.match(problem, /keepsDatabaseAwake: <reason> in apps\/demo\/app.yaml/);
        });

        it("accepts an hourly CronJob against 1800 s, and the shipped dev schedule of db-metrics", () => {
            assert.deepEqual(idleFindings(app(), [cronJob("0 * * * *", { activeDeadlineSeconds: 240 })], PAUSES, WHERE, FROM), { problems: [], warnings: [] });
            assert.deepEqual(idleFindings(app(), [cronJob("@hourly")], PAUSES, WHERE, FROM), { problems: [], warnings: [] });
            assert.deepEqual(idleFindings(app(), [cronJob("0 */3 * * *", { timeZone: "Asia/Tokyo", activeDeadlineSeconds: 240 })], PAUSES, WHERE, FROM), { problems: [], warnings: [] });
        });

        it("adds the run's own time: activeDeadlineSeconds, or the stated assumption without it", () => {
            // 40 minutes apart: enough for a 240 s run, not for one that may take 900 s.
            const every40 = "0,40 * * * *";
            assert.equal(gap(every40), 20 * 60, "00:40 to 01:00 is the shortest gap");
            const spaced = "0 */1 * * *";
            assert.deepEqual(idleFindings(app(), [cronJob(spaced, { activeDeadlineSeconds: 1800 })], PAUSES, WHERE, FROM).problems, []);
            const long = idleFindings(app(), [cronJob(spaced, { activeDeadlineSeconds: 1801 })], PAUSES, WHERE, FROM).problems;
            assert.equal(long.length, 1);
            assert.match(long[0], /a run may take 1801 s \(activeDeadlineSeconds\), so runs must be at least 3601 s apart/);
            const assumed = idleFindings(app(), [cronJob("*/30 * * * *")], PAUSES, WHERE, FROM).problems;
            assert.match(assumed[0], new RegExp(`a run is assumed to take ${ASSUMED_RUN_SECONDS} s \\(no activeDeadlineSeconds\\)`));
        });

        it("judges the gap in the CronJob's time zone", () => {
            const pause = { minCapacity: 0, secondsUntilAutoPause: 5400 };
            const job = (timeZone: string) => [cronJob("0 1,3 * * *", { timeZone, activeDeadlineSeconds: 60 })];
            assert.deepEqual(idleFindings(app(), job("Asia/Tokyo"), pause, WHERE, FROM).problems, []);
            const ny = idleFindings(app(), job("America/New_York"), pause, WHERE, FROM).problems;
            assert.equal(ny.length, 1);
            assert.match(ny[0], /\(America\/New_York\) runs every 1 h at the shortest/);
        });

        it("warns instead when app.yaml keeps the database awake on purpose, with the reason", () => {
            const reason = "alerts need a sample every 5 minutes";
            const found = idleFindings(app({ keepsDatabaseAwake: reason }), [cronJob("*/5 * * * *", { activeDeadlineSeconds: 240 })], PAUSES, WHERE, FROM);
            assert.deepEqual(found.problems, []);
            assert.equal(found.warnings.length, 1);
            assert.match(found.warnings[0], /^apps\/demo\/overlays\/dev: CronJob\/collect: schedule "\*\/5 \* \* \* \*" \(UTC\) runs every 5 min/);
            assert.ok(found.warnings[0].endsWith(`apps/demo/app.yaml keeps it awake on purpose: ${reason}`), found.warnings[0]);
        });

        it("checks nothing when the database cannot pause, or the app has none", () => {
            const jobs = [cronJob("* * * * *")];
            assert.deepEqual(idleFindings(app(), jobs, { minCapacity: 0.5 }, WHERE, FROM), { problems: [], warnings: [] });
            assert.deepEqual(idleFindings(app({ database: false }), jobs, PAUSES, WHERE, FROM), { problems: [], warnings: [] });
            // The same job is refused when both hold: the two cases above are not passing by accident.
            assert.equal(idleFindings(app(), jobs, PAUSES, WHERE, FROM).problems.length, 1);
        });

        it("skips a suspended CronJob and other kinds, and leaves a schedule the API server refuses to admission", () => {
            assert.deepEqual(idleFindings(app(), [cronJob("* * * * *", { suspend: true })], PAUSES, WHERE, FROM).problems, []);
            const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "once" }, spec: { template: { spec: { containers: [] } } } } as Manifest;
            assert.deepEqual(idleFindings(app(), [job], PAUSES, WHERE, FROM).problems, []);
            assert.deepEqual(idleFindings(app(), [cronJob("every minute")], PAUSES, WHERE, FROM).problems, [], "admission.ts reports it once");
        });

        it("names each CronJob that is too frequent", () => {
            const found = idleFindings(app(), [cronJob("*/10 * * * *", { name: "a" }), cronJob("@daily", { name: "b" }), cronJob("*/20 * * * *", { name: "c" })], PAUSES, WHERE, FROM);
            assert.deepEqual(found.problems.map((p) => p.split(": ")[1]), ["CronJob/a", "CronJob/c"]);
        });
    });

    describe("the shipped stacks", () => {
        for (const stack of STACKS) {
            it(`${stack}: no CronJob of a database app keeps the database awake, and none says it may`, () => {
                const database = stackConfig(stack).database;
                const apps = stackApps(stack).filter((a) => a.descriptor.database);
                assert.ok(apps.length > 0, "no app with a database: the check would check nothing");
                for (const spec of apps) {
                    assert.equal(spec.descriptor.keepsDatabaseAwake, undefined, spec.descriptor.name);
                    assert.deepEqual(idleFindings(spec.descriptor, builtAt(path.join(REPO_ROOT, spec.sourcePath)), database, spec.sourcePath, FROM), { problems: [], warnings: [] });
                }
            });
        }

        it("dev's db-metrics runs rarely enough for dev's database to pause, prd's as often as before", () => {
            const schedule = (stack: string) => (built("db-metrics", stack).find((m) => m.kind === "CronJob") as any).spec;
            const dev = stackConfig("dev").database;
            assert.equal(dev.minCapacity, 0);
            const spec = schedule("dev");
            assert.ok(shortestGapSeconds(spec.schedule, spec.timeZone, FROM)! >= dev.secondsUntilAutoPause! + spec.jobTemplate.spec.activeDeadlineSeconds);
            assert.equal(schedule("prd").schedule, "*/5 * * * *");
            assert.ok(stackConfig("prd").database.minCapacity > 0, "prd's database does not pause: its schedule is not checked");
        });

        it("apps/README.md documents keepsDatabaseAwake and the check", () => {
            const text = fs.readFileSync(path.join(REPO_ROOT, "apps", "README.md"), "utf8");
            for (const needle of ["keepsDatabaseAwake: ", "dbSecondsUntilAutoPause", "components/apps/idle.ts", "activeDeadlineSeconds"]) assert.ok(text.includes(needle), needle);
        });
    });

    describe("keepsDatabaseAwake in app.yaml", () => {
        const base = { description: "Demo", images: ["runner"], database: true };
        const parse = (doc: Record<string, unknown>) => {
            const problems: string[] = [];
            return { descriptor: parseDescriptor("apps/demo/app.yaml", "demo", doc, problems), problems };
        };

        it("is the reason, kept trimmed", () => {
            const { descriptor, problems } = parse({ ...base, keepsDatabaseAwake: "  alerts need fresh samples " });
            assert.deepEqual(problems, []);
            assert.equal(descriptor!.keepsDatabaseAwake, "alerts need fresh samples");
            assert.equal(parse(base).descriptor!.keepsDatabaseAwake, undefined);
        });

        it("must be words, and only with a database", () => {
            assert.match(parse({ ...base, keepsDatabaseAwake: true }).problems[0], /^apps\/demo\/app.yaml: keepsDatabaseAwake: must be the reason, in words/);
            assert.match(parse({ ...base, keepsDatabaseAwake: " " }).problems[0], /must be the reason/);
            assert.match(parse({ ...base, database: false, keepsDatabaseAwake: "why" }).problems[0], /only for an app with database: true/);
        });
    });
});

describe("idle means idle, as the plan checks it (scripts/offline/apps.ts checkPlannedApps)", () => {
    let root: string;
    before(() => {
        // A copy of the project's apps and stack files whose dev db-metrics runs every 15 minutes.
        root = fs.mkdtempSync(path.join(os.tmpdir(), "idle-plan-"));
        fs.cpSync(path.join(REPO_ROOT, "apps"), path.join(root, "apps"), { recursive: true });
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml"]) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
        const overlay = path.join(root, "apps/db-metrics/overlays/dev/kustomization.yaml");
        const text = fs.readFileSync(overlay, "utf8");
        assert.match(text, /schedule: "0 \*\/3 \* \* \*"/);
        fs.writeFileSync(overlay, text.replace(/schedule: "0 \*\/3 \* \* \*"/, 'schedule: "*/15 * * * *"'));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("refuses a database app's CronJob that wakes dev's database too often, naming it and the pause delay; keepsDatabaseAwake makes it a warning", async () => {
        const result = await plan("dev");
        const idleOf = (lines: readonly string[]) => lines.filter((l) => l.includes("CronJob/collect"));
        const refused = checkPlannedApps(result, appsIn("dev", root), root);
        const [problem] = idleOf(refused.problems);
        assert.ok(problem, refused.problems.join("\n"));
        assert.match(problem, /apps\/db-metrics\/overlays\/dev/);
        assert.match(problem, /\*\/15 \* \* \* \*/);
        assert.match(problem, /platform:dbSecondsUntilAutoPause/);
        assert.deepEqual(idleOf(refused.warnings), []);
        const descriptor = path.join(root, "apps/db-metrics/app.yaml");
        fs.appendFileSync(descriptor, "keepsDatabaseAwake: dashboards need a sample every 15 minutes\n");
        const warned = checkPlannedApps(result, appsIn("dev", root), root);
        assert.deepEqual(idleOf(warned.problems), []);
        assert.equal(idleOf(warned.warnings).length, 1, warned.warnings.join("\n"));
    });
});
