/**
 * `npm run bench [-- --runs N] [--json]`: how long the offline plan of each stack and the whole
 * suite take on this machine. Each is run N times (default 5) as a user runs it (`npm run plan --
 * <stack>`, `npm test`), one after another, and the table shows the median with the fastest and
 * slowest run: the median, because a machine doing something else at the time slows single runs.
 * A run that fails is timed all the same, counted in the `failed` column, and makes the exit code 1.
 *
 * It writes nothing of its own: the plans write their usual `.plan/<stack>/` output, and the
 * suite its own temporary folders.
 */
import { spawnSync } from "child_process";
import { projectStacks } from "./offline/stacks";
import { REPO_ROOT } from "./offline/stack-config";

const USAGE = "usage: npm run bench [-- --runs N] [--json]   (N: a whole number of runs from 1 to 100, default 5)";

/** What the user asked for. */
export interface BenchArgs {
    readonly runs: number;
    readonly json: boolean;
}

/**
 * Parses the arguments.
 * @param argv The arguments after `--`: `--runs N` (default 5) and `--json` (default off).
 * @returns The settings, or the problem with the arguments as a message naming the argument and the expected form.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | string {
    let runs = 5;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--json") json = true;
        else if (arg === "--runs") {
            const value = argv[++i];
            if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100) {
                return `--runs needs a whole number from 1 to 100, not ${value === undefined ? "nothing" : JSON.stringify(value)}\n${USAGE}`;
            }
            runs = Number(value);
        } else return `unknown argument ${JSON.stringify(arg)}\n${USAGE}`;
    }
    return { runs, json };
}

/**
 * The median of the values: the middle one, or the mean of the two middle ones.
 * @param values At least one number.
 * @throws Error when there is none.
 */
export function median(values: readonly number[]): number {
    if (values.length === 0) throw new Error("the median of no values");
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One benchmarked command: its name, each run's seconds and how many runs failed. */
export interface Measured {
    readonly name: string;
    readonly seconds: readonly number[];
    /** Runs that exited non-zero (timed all the same); defaults to none. */
    readonly failed?: number;
}

/** A command's figures, as the table and `--json` give them. */
export interface Summary {
    readonly name: string;
    readonly runs: number;
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly failed: number;
}

/**
 * The median, fastest and slowest run of a command, in seconds rounded to hundredths.
 * @param measured The command's runs (at least one).
 */
export function summarize(measured: Measured): Summary {
    const round = (s: number) => Math.round(s * 100) / 100;
    return {
        name: measured.name,
        runs: measured.seconds.length,
        median: round(median(measured.seconds)),
        min: round(Math.min(...measured.seconds)),
        max: round(Math.max(...measured.seconds)),
        failed: measured.failed ?? 0,
    };
}

/**
 * The table: one row per command, seconds with two decimals, columns aligned.
 * @param rows The summaries, in the order to show.
 * @param cores The machine's cores, for the heading (the figures depend on them).
 */
export function formatTable(rows: readonly Summary[], cores: number): string {
    const header = ["command", "runs", "median", "min", "max", "failed"];
    const cells = rows.map((r) => [r.name, String(r.runs), `${r.median.toFixed(2)} s`, `${r.min.toFixed(2)} s`, `${r.max.toFixed(2)} s`, String(r.failed)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: readonly string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ").trimEnd();
    return [`${cores} core${cores === 1 ? "" : "s"}`, line(header), ...cells.map(line)].join("\n");
}

/** Runs a command once, its output kept only to explain a failure: its wall-clock seconds, and its failure if it failed. */
function timed(command: string, args: readonly string[]): { seconds: number; failure?: string } {
    const start = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.error) throw new Error(`${command} could not run: ${run.error.message}`);
    // The end of what it printed says why (mocha's totals, the plan's problems).
    const tail = (text: string | null) => (text ?? "").split("\n").filter((line) => line.trim() !== "").slice(-3);
    const failure = run.status === 0 ? undefined : `exit ${run.status}:\n    ${[...tail(run.stdout), ...tail(run.stderr)].join("\n    ")}`;
    return { seconds, failure };
}

/** The commands the bench times: each stack's plan, then the suite. */
export function benchCommands(stacks: readonly string[]): { name: string; command: string; args: string[] }[] {
    return [
        ...stacks.map((stack) => ({ name: `npm run plan -- ${stack}`, command: "npm", args: ["run", "--silent", "plan", "--", stack] })),
        { name: "npm test", command: "npm", args: ["test", "--silent"] },
    ];
}

async function main(argv: readonly string[]): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const args = parseBenchArgs(argv);
    if (typeof args === "string") {
        process.stderr.write(`${args}\n`);
        return 2;
    }
    const cores = require("os").availableParallelism() as number;
    const rows: Summary[] = [];
    for (const { name, command, args: commandArgs } of benchCommands(projectStacks())) {
        const seconds: number[] = [];
        let failed = 0;
        for (let i = 0; i < args.runs; i++) {
            process.stderr.write(`${name}: run ${i + 1} of ${args.runs}\n`);
            const run = timed(command, commandArgs);
            seconds.push(run.seconds);
            if (run.failure) {
                failed++;
                // Timed all the same (a failing test still takes its time), and said plainly.
                process.stderr.write(`  ${name} failed, ${run.failure}\n`);
            }
        }
        rows.push(summarize({ name, seconds, failed }));
    }
    process.stdout.write(args.json ? `${JSON.stringify({ cores, results: rows }, null, 2)}\n` : `${formatTable(rows, cores)}\n`);
    return rows.some((r) => r.failed > 0) ? 1 : 0;
}

if (require.main === module) main(process.argv.slice(2)).then((code) => process.exit(code));
