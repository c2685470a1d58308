import { spawn, type SpawnOptions } from "child_process";
import * as os from "os";

/** What a finished child process left: its exit status (null when killed) and its output. */
export interface ChildRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * Starts a process and answers what `spawnSync` with `encoding: "utf8"` would, without blocking:
 * a test file starts it as mocha loads the file, so it runs on the second core while the other
 * tests run on the first, and the test awaits its result (as test/offline/pulumi-load.test.ts does).
 * The returned promise is already handled, so a test that fails before awaiting it leaves no
 * unhandled rejection; the test that awaits it sees the failure.
 * @param command The program to run.
 * @param args Its arguments.
 * @param options `spawn`'s options (stdin is always ignored); default none.
 * @param timeoutMs The process is killed after this long, as `spawnSync`'s `timeout` does; default 60 000.
 * @param niceness Its scheduling priority (`os.setPriority`, 0 to 19, higher yields more); default 0.
 *   A child whose test comes late in the suite yields to one whose test comes early: test/edits'
 *   rows (niceness 10) are awaited before test/offline, and the main thread idles while it waits.
 */
export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}, timeoutMs = 60_000, niceness = 0): Promise<ChildRun> {
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) throw new Error(`startChild: niceness must be an integer from 0 to 19 (got ${niceness})`);
    const run = new Promise<ChildRun>((resolve, reject) => {
        const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
        if (child.pid && niceness > 0) os.setPriority(child.pid, niceness);
        let stdout = "";
        let stderr = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill(), timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
    run.catch(() => undefined); // reported by the test that awaits it
    return run;
}
