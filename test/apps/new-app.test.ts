import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APPS_DIR } from "../../components/apps/discover";
import { APPLICATION_TYPE, checkPlannedApps, stackApps, startArgoRenders, startOverlayBuilds } from "../../scripts/offline/apps";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { APPS, STACKS, named, planProject, stackNames, subtree } from "../support";

/** What a project folder needs beside apps/: linked, except index.ts, which finds apps/ beside itself. */
const LINKED = ["components", "node_modules", "tsconfig.json", "package.json", ...fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))];

/** Copies a folder, replacing `from` by `to` in every file's content and every path below it. */
function copyRenamed(source: string, target: string, from: string, to: string): void {
    fs.mkdirSync(target, { recursive: true });
    for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
        const dest = path.join(target, entry.name.split(from).join(to));
        if (entry.isDirectory()) copyRenamed(path.join(source, entry.name), dest, from, to);
        else {
            const content = fs.readFileSync(path.join(source, entry.name));
            fs.writeFileSync(dest, content.includes(0) ? content : content.toString("utf8").split(from).join(to));
        }
    }
}

/**
 * The app to copy: chat, as the README's walk-through does, else any app that runs in every stack
 * and needs no value from the stack files (an app with required settings needs them there too).
 */
function template(): string | undefined {
    const everywhere = APPS.filter((app) =>
        STACKS.every((stack) => stackApps(stack).some((a) => a.descriptor.name === app && Object.values(a.descriptor.settings).every((s) => s.default !== undefined))),
    );
    return everywhere.includes("chat") ? "chat" : everywhere[0];
}

/**
 * The claim of the README: adding an app is adding its folder. A project folder holding the
 * repository's apps plus a copy of one under a new name (the old name replaced in every copied file
 * and path) plans in every stack, and the copy gets everything an app gets.
 */
describe("a new app is a new folder", () => {
    const copy = "copied-app";
    let original: string;
    let root: string;

    before(() => {
        original = template()!;
        assert.ok(original, "no app runs in every stack without settings from the stack files: nothing to copy");
        assert.ok(!APPS.includes(copy));
        root = fs.mkdtempSync(path.join(os.tmpdir(), "new-app-"));
        for (const name of LINKED) fs.symlinkSync(path.join(REPO_ROOT, name), path.join(root, name));
        fs.copyFileSync(path.join(REPO_ROOT, "index.ts"), path.join(root, "index.ts"));
        fs.cpSync(path.join(REPO_ROOT, APPS_DIR), path.join(root, APPS_DIR), { recursive: true });
        copyRenamed(path.join(REPO_ROOT, APPS_DIR, original), path.join(root, APPS_DIR, copy), original, copy);
    });
    after(() => root && fs.rmSync(root, { recursive: true, force: true }));

    it("the temporary project has the repository's stacks, and the copy is an app of it", () => {
        assert.deepEqual(stackNames(root), [...STACKS]);
        assert.ok(fs.existsSync(path.join(root, APPS_DIR, copy, "app.yaml")));
        assert.ok(!fs.readFileSync(path.join(root, APPS_DIR, copy, "app.yaml"), "utf8").includes(original), "the old name is left in the copy");
    });

    for (const stack of STACKS) {
        it(`${stack}: the plan accepts the copy, which gets its App component and an Argo CD Application that passes the checks`, async function () {
            this.timeout(60_000);
            const apps = stackApps(stack, root);
            assert.ok(apps.some((a) => a.descriptor.name === copy), `${copy} does not run in ${stack}`);
            // The copy's Kustomize builds run beside the plan, as the plan runs them (speed.test.ts:
            // builds started ahead answer as builds on demand do).
            const copied = apps.filter((a) => a.descriptor.name === copy);
            const ahead = startOverlayBuilds(copied, root);
            const result = await planProject(root, stack);
            startArgoRenders(ahead, result, copied, root);
            // The copy's overlay against the schemas and the contract, and every Application and
            // AppProject of the plan against Argo CD's schema. The other apps' overlays are the
            // repository's own, checked by shipped.test.ts (each overlay's check takes a second or two).
            const { rendered, problems } = checkPlannedApps(result, copied, root, await ahead.settle());
            assert.deepEqual(problems, []);
            assert.deepEqual(rendered.map((a) => a.app), [copy]);
            for (const app of apps) assert.equal(named(result, `app-${app.descriptor.name}-application`).type, APPLICATION_TYPE);
            assert.equal(named(result, `app-${copy}`).type, "platform:apps:App");
            // Everything the original gets, under the new name.
            const resources = (app: string) => subtree(result, named(result, `app-${app}`)).map((r) => `${r.type} ${r.name.replace(`app-${app}-`, "app-<app>-")}`).sort();
            assert.ok(resources(copy).length >= 8);
            assert.deepEqual(resources(copy), resources(original));
            const application = named(result, `app-${copy}-application`);
            assert.equal(application.type, APPLICATION_TYPE);
            assert.equal((application.inputs as any).spec.source.path, `${APPS_DIR}/${copy}/overlays/${stack}`);
            assert.deepEqual(result.outputs.apps, apps.map((a) => a.descriptor.name));
        });
    }
});
