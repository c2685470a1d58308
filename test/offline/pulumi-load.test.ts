import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../scripts/offline/stack-config";

describe("the program as the Pulumi CLI loads it", () => {
    it("compiles and type-checks under the runtime's ts-node and exports the program function", function () {
        this.timeout(90_000);
        const run = spawnSync(process.execPath, [path.join(__dirname, "load-like-pulumi.js"), REPO_ROOT], { encoding: "utf8", timeout: 85_000 });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^function (vendored|project) ts-node$/m);
    });
});
