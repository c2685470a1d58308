import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { deferAutomation } from "../../scripts/offline/lazy-sdk";
import { BuildsAhead, KustomizeError, kustomizeBuild, renderForArgo } from "../../scripts/offline/render";
import { SCHEMA_LIBS, schemaProblems, schemaProblemsOfGroups } from "../../scripts/offline/schema";
import { REPO_ROOT } from "../../scripts/offline/stack-config";

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

    it("compiles every Kubernetes and Argo CD model's declarations against SCHEMA_LIBS with nothing unresolved", () => {
        // With skipLibCheck off: a global type the libraries lack would be an error here, and
        // silently `any` in the schema check, letting wrong fields through.
        const kinds: string[] = [];
        for (const pkg of ["kubernetes-models", "@kubernetes-models/argo-cd"]) {
            const walk = (dir: string) => {
                for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                    const p = path.join(dir, e.name);
                    if (e.isDirectory() && !["node_modules", "_definitions", "_schemas"].includes(e.name)) walk(p);
                    else if (/^[A-Z].*\.d\.ts$/.test(e.name)) kinds.push(path.relative(path.join(REPO_ROOT, "node_modules"), p).replace(/\.d\.ts$/, ""));
                }
            };
            walk(path.join(REPO_ROOT, "node_modules", pkg));
        }
        assert.ok(kinds.length > 500, `found ${kinds.length} kinds`);
        const file = path.join(REPO_ROOT, "__all_models__.ts");
        const source = kinds.map((m, n) => `import type { I${path.basename(m)} as T${n} } from ${JSON.stringify(m)};\nexport type X${n} = T${n};`).join("\n");
        const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: false, types: [], lib: [...SCHEMA_LIBS], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
        const host = ts.createCompilerHost(options);
        host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
        const read = host.getSourceFile;
        host.getSourceFile = (name, version, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, version) : read.call(host, name, version, ...rest));
        const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host));
        assert.deepEqual(
            diagnostics.map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`),
            [],
        );
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
