import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { APPS, STACKS, appNames, stackApps, stackNames, stacksOf } from "./support";

describe("what the tests run over", () => {
    const roots: string[] = [];
    after(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));
    function project(files: string[]): string {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "support-"));
        roots.push(root);
        for (const file of files) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), "");
        }
        return root;
    }

    it("the stacks are the Pulumi.<stack>.yaml files beside Pulumi.yaml, and there is one at least", () => {
        const root = project(["Pulumi.yaml", "Pulumi.b.yaml", "Pulumi.a-1.yaml", "Pulumi.c.yaml.bak", "Pulumi.d.yml", "README.md"]);
        assert.deepEqual(stackNames(root), ["a-1", "b"]);
        assert.throws(() => stackNames(project(["Pulumi.yaml"])), /no Pulumi\.<stack>\.yaml in .*: the tests over every one of them would check nothing/);
        assert.ok(STACKS.length > 0);
        assert.deepEqual([...STACKS], fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice("Pulumi.".length, -".yaml".length)).sort());
    });

    it("the apps are the folders of apps/*/app.yaml, and there is one at least", () => {
        const root = project(["apps/web/app.yaml", "apps/worker/app.yaml", "apps/notes/README.md", "apps/README.md"]);
        assert.deepEqual(appNames(root), ["web", "worker"]);
        assert.throws(() => appNames(project(["apps/README.md"])), /no apps\/<app>\/app\.yaml in .*: the tests over every one of them would check nothing/);
        assert.ok(APPS.length > 0);
        for (const app of APPS) assert.ok(fs.existsSync(path.join(REPO_ROOT, "apps", app, "app.yaml")), app);
    });

    it("what runs in a stack is among the apps, and each stack runs one at least", () => {
        for (const stack of STACKS) {
            const running = stackApps(stack).map((a) => a.descriptor.name);
            assert.ok(running.length > 0, stack);
            for (const app of running) assert.ok(APPS.includes(app), `${stack}: ${app}`);
        }
        const first = stackApps(STACKS[0])[0].descriptor.name;
        assert.ok(stacksOf(first).includes(STACKS[0]), `stacksOf(${first})`);
    });
});
