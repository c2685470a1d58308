import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../scripts/offline/stack-config";

/**
 * The check takes the longest of the suite (ts-node type-checks the whole program): it starts as
 * mocha loads this file, in a process of its own on another core, while the other tests run, and
 * the test waits for its result.
 */
function loadLikePulumi(): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(__dirname, "load-like-pulumi.js"), REPO_ROOT], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill(), 85_000);
        child.on("error", reject);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

const loaded = loadLikePulumi();
loaded.catch(() => undefined); // reported by the test

describe("the program as the Pulumi CLI loads it", () => {
    it("compiles and type-checks under the runtime's ts-node and exports the program function", async function () {
        this.timeout(90_000);
        const run = await loaded;
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^function (vendored|project) ts-node$/m);
    });
});
