import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deferAutomation } from "../../scripts/offline/lazy-sdk";
import { BuildsAhead, KustomizeError, kustomizeBuild, renderForArgo } from "../../scripts/offline/render";
import { schemaProblems, schemaProblemsOfGroups } from "../../scripts/offline/schema";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { startChild } from "../child";

/**
 * Every model compiled in one program (test/offline/all-models.ts), the slowest check here: started
 * as mocha loads this file, in a process of its own beside the other tests (test/child.ts).
 */
// Below test/edits' rows (test/child.ts): this file's tests come after theirs.
const allModels = startChild(process.execPath, ["--import", "tsx", path.join(__dirname, "all-models.ts"), REPO_ROOT], { cwd: REPO_ROOT }, 60_000, 15);

/** What makes the plan fast must not change what it checks. */
describe("offline plan: what makes it fast", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-speed-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("loads the SDK's Automation API only when something uses it, and then in full", () => {
        // A package shaped like the SDK: its index requires automation eagerly, as TypeScript compiles `import * as`.
        const sdk = path.join(tmp, "node_modules", "@pulumi", "pulumi");
        fs.mkdirSync(path.join(sdk, "automation"), { recursive: true });
        fs.writeFileSync(path.join(sdk, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", main: "index.js" }));
        fs.writeFileSync(
            path.join(sdk, "index.js"),
            'const star = (m) => (m && m.__esModule ? m : { default: m, ...m });\nexports.automation = star(require("./automation"));\n',
        );
        fs.writeFileSync(
            path.join(sdk, "automation", "index.js"),
            'Object.defineProperty(exports, "__esModule", { value: true });\nglobalThis.__automationLoaded = (globalThis.__automationLoaded ?? 0) + 1;\nexports.LocalWorkspace = class LocalWorkspace {};\n',
        );
        const g = globalThis as { __automationLoaded?: number };
        delete g.__automationLoaded;
        const file = deferAutomation(tmp);
        assert.equal(file, path.join(sdk, "automation", "index.js"));
        const pulumi = require(path.join(sdk, "index.js"));
        assert.equal(g.__automationLoaded, undefined, "the index's require did not load it");
        assert.equal(typeof pulumi.automation.LocalWorkspace, "function");
        assert.equal(g.__automationLoaded, 1, "first use loads it, once");
        assert.ok("LocalWorkspace" in pulumi.automation);
        assert.deepEqual(Object.keys(pulumi.automation), ["LocalWorkspace"]);
        assert.equal(g.__automationLoaded, 1);
        // Once the SDK is loaded (its index holds the real module), nothing is deferred.
        assert.equal(deferAutomation(tmp), undefined);
        assert.equal(deferAutomation(path.join(tmp, "nowhere")), undefined, "no SDK there: nothing to defer");
    });

    it("compiles every Kubernetes and Argo CD model's declarations against SCHEMA_LIBS with nothing unresolved", async () => {
        // With skipLibCheck off: a global type the libraries lack would be an error here, and
        // silently `any` in the schema check, letting wrong fields through (all-models.ts compiles).
        const run = await allModels;
        assert.equal(run.status, 0, run.stderr);
        const { kinds, diagnostics } = JSON.parse(run.stdout) as { kinds: number; diagnostics: string[] };
        assert.ok(kinds > 500, `found ${kinds} kinds`);
        assert.deepEqual(diagnostics, []);
    });

    it("checks several lists of objects in one compilation exactly as one at a time", () => {
        const deployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web" },
            spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "x", imagePullPolcy: "Always" }] } } },
        };
        const groups = [
            [{ where: "a", manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ok" }, data: { k: "v" } } }],
            [{ where: "b", manifest: deployment }],
            [{ where: "c", manifest: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: "80" }] } } }, { where: "c", manifest: { apiVersion: "v9", kind: "Gadget", metadata: { name: "g" } } }],
            [],
        ];
        const together = schemaProblemsOfGroups(groups);
        assert.deepEqual(together, groups.map((g) => schemaProblems(g)));
        assert.deepEqual(together[0], []);
        assert.match(together[1].join("\n"), /^b: Deployment\/web: .*'"imagePullPolcy"' does not exist/m);
        assert.match(together[2].join("\n"), /^c: Gadget\/g: no schema for v9 Gadget/m);
        assert.match(together[2].join("\n"), /^c: Service\/s: .*Type 'string' is not assignable to type 'number'/m);
        assert.deepEqual(together[3], []);
    });

    it("answers builds started ahead as the builds run on demand would, failures included", async () => {
        const overlay = path.join(tmp, "overlay");
        fs.mkdirSync(overlay);
        fs.writeFileSync(path.join(overlay, "kustomization.yaml"), "resources: [pod.yaml]\n");
        fs.writeFileSync(path.join(overlay, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'app:1'}]}\n");
        const broken = path.join(tmp, "broken");
        fs.mkdirSync(broken);
        fs.writeFileSync(path.join(broken, "kustomization.yaml"), "resources: [missing.yaml]\n");
        const images = ["app=123456789012.dkr.ecr.us-east-1.amazonaws.com/root/app:*"];

        const ahead = new BuildsAhead();
        ahead.overlay(overlay);
        ahead.overlay(broken);
        ahead.forArgo(overlay, images);
        const builds = await ahead.settle();
        assert.deepEqual(builds.overlay(overlay), kustomizeBuild(overlay));
        assert.deepEqual(builds.forArgo(overlay, images), renderForArgo(overlay, images));
        assert.equal((builds.forArgo(overlay, images)[0] as any).spec.containers[0].image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/root/app:1");
        const onDemand = (() => {
            try {
                kustomizeBuild(broken);
            } catch (e) {
                return e as KustomizeError;
            }
            return undefined;
        })();
        assert.ok(onDemand instanceof KustomizeError);
        // kubectl's own log prefix (time and process id) differs from run to run; the rest is the same.
        const message = (e: Error) => e.message.replace(/E\d{4} [\d:.]+ +\d+ /g, "");
        assert.throws(() => builds.overlay(broken), (e: unknown) => e instanceof KustomizeError && message(e) === message(onDemand!));
        // Asked for a build it did not start, it runs it then.
        assert.deepEqual(builds.forArgo(overlay, ["app=other/app:*"]), renderForArgo(overlay, ["app=other/app:*"]));
        // Each answer is its own copy: a check that changes one changes no other.
        (builds.overlay(overlay)[0] as any).metadata.name = "changed";
        assert.equal((builds.overlay(overlay)[0] as any).metadata.name, "p");
    });
});
