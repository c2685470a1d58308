import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_MASK, maskSecrets, runProgram } from "../../scripts/offline/engine";
import { GENERATOR, OWNER_MARKER, outputPaths, removeOwned, writableProblems, writeOutput } from "../../scripts/offline/output";
import { SECRET_PLACEHOLDER, REPO_ROOT, readStackConfig } from "../../scripts/offline/stack-config";
import { runPlan } from "../../scripts/plan";
import { stackApps } from "../../scripts/offline/apps";
import { missingSecretWarnings } from "../../components/apps/discover";
import { STACKS } from "../support";
import { startChild, type ChildRun } from "../child";

/**
 * Starts the plan as the README says, `npm run plan -- <args>`, from the folder `cwd`: a real child
 * process, started as mocha loads this file so that it runs beside the other tests (test/child.ts).
 */
function npmPlan(cwd: string, ...args: string[]): Promise<ChildRun> {
    // Below test/edits' rows (test/child.ts): this file's tests come after theirs.
    return startChild("npm", ["--prefix", REPO_ROOT, "run", "--silent", "plan", "--", ...args], { cwd }, 60_000, 15);
}

/** Runs the plan CLI in this process (the program is already compiled): its exit code and output. */
async function plan(args: string[], root = REPO_ROOT, cwd = root) {
    let stdout = "";
    let stderr = "";
    const code = await runPlan(args, { root, cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
}

/** Every file under a folder with its content, to prove it unchanged. */
function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else files[path.relative(dir, p)] = fs.readFileSync(p, "utf8");
        }
    };
    walk(dir);
    return files;
}

/**
 * A project folder of its own for plans that need other files: the repository's program and apps,
 * with stack files, policy levels and overlays the test may change (the repository stays as it is).
 */
function projectCopy(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-project-"));
    for (const name of ["components", "node_modules"]) fs.symlinkSync(path.join(REPO_ROOT, name), path.join(root, name));
    for (const name of ["index.ts", "Pulumi.yaml", ...STACKS.map((s) => `Pulumi.${s}.yaml`)]) fs.copyFileSync(path.join(REPO_ROOT, name), path.join(root, name));
    for (const dir of ["apps", "policy"]) fs.cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true, filter: (f) => !f.includes("node_modules") });
    return root;
}

describe("offline plan", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    // --out into a folder that already holds a folder of sources named apps/: it stays untouched.
    fs.mkdirSync(path.join(tmp, "apps", "mine"), { recursive: true });
    fs.writeFileSync(path.join(tmp, "apps", "mine", "app.yaml"), "description: not the plan's\n");
    // Run from that folder, as a user would: a relative --out starts where npm was run.
    const readmeRun = npmPlan(tmp, "dev", "--out", "dev.json");

    it("as the README runs it: prints the tree and a summary, writes the JSON and each app as Argo CD applies it", async () => {
        const out = path.join(tmp, "dev.json");
        const run = await readmeRun;
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^◆ platform:network:Network network$/m);
        assert.match(run.stdout, /^ {2}◆ eks:index:Cluster cluster-eks {2}\(name=platform-dev, version=1\.35, authenticationMode=API/m);
        // dev protects nothing but CI's identities, which CI runs as (components/ci/identities.ts).
        assert.match(run.stdout, /^Stack platform\/dev: \d+ resources \(9 protected\)$/m);
        assert.match(run.stdout, /^ {2}\+ aws:iam\/role:Role ci-deploy {2}\(protected\)$/m);
        assert.match(run.stdout, /^ {2}kubeconfig: \[secret\]$/m);
        const planned = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.equal(planned.generator, GENERATOR);
        assert.equal(planned.stack, "dev");
        assert.equal(planned.project, "platform");
        const eks = planned.resources.find((r: any) => r.name === "cluster-eks");
        assert.deepEqual(Object.keys(eks).sort(), ["custom", "dependencies", "inputs", "name", "parent", "protect", "providers", "retainOnDelete", "type", "urn"]);
        assert.equal(eks.parent, "urn:pulumi:dev::platform::platform:cluster:Cluster::cluster");
        // The control plane waits for its subnets, not for the NAT gateways' default routes (a cold up's critical path).
        assert.ok(eks.dependencies.some((urn: string) => urn.endsWith("$aws:ec2/subnet:Subnet::network-private-az1")));
        assert.ok(!eks.dependencies.some((urn: string) => urn.endsWith("::network-private-az1-default")));
        for (const r of planned.resources) {
            assert.match(r.urn, /^urn:pulumi:dev::platform::/);
            if (r.parent) assert.ok(planned.resources.some((p: any) => p.urn === r.parent), `${r.name}'s parent is not recorded`);
        }
        // The apps go into a folder named after the JSON, one file per app that runs in dev.
        const apps = stackApps("dev").map((a) => a.descriptor.name);
        assert.match(run.stdout, new RegExp(`^Apps as Argo CD will apply them: .*dev\\.apps/ \\(${apps.join(", ")}\\)$`, "m"));
        assert.deepEqual(fs.readdirSync(path.join(tmp, "dev.apps")).sort(), [OWNER_MARKER, ...apps.map((a) => `${a}.yaml`)].sort());
        for (const app of apps) {
            const rendered = fs.readFileSync(path.join(tmp, "dev.apps", `${app}.yaml`), "utf8");
            assert.match(rendered, new RegExp(`^# apps/${app}/overlays/dev as Argo CD applies it`));
            assert.match(rendered, /image: 123456789012\.dkr\.ecr\.ap-northeast-1\.amazonaws\.com\/platform-dev\/[^:]+:[0-9a-f]{7,40}$/m, app);
            assert.doesNotMatch(rendered, new RegExp(`image: ${app}/`), app);
        }
        assert.deepEqual(snapshot(path.join(tmp, "apps")), { "mine/app.yaml": "description: not the plan's\n" });
    });

    it("pointed at the repository root, writes plan.json and plan.apps/ and leaves apps/ and every tracked file alone", async () => {
        const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });
        const before = snapshot(path.join(REPO_ROOT, "apps"));
        const tracked = git("ls-files", "-s");
        const status = git("status", "--porcelain", "--", "apps");
        const written = outputPaths(REPO_ROOT, "dev", "plan.json", REPO_ROOT);
        assert.ok(!fs.existsSync(written.json) && !fs.existsSync(written.apps), "plan.json or plan.apps/ is in the way");
        try {
            const run = await plan(["dev", "--out", "plan.json"]);
            assert.equal(run.code, 0, run.stderr);
            // A declared Secret without values in the stack is a warning naming the command, not a failure.
            const secretWarnings = stackApps("dev").flatMap((spec) => missingSecretWarnings(spec, "platform:apps", "dev"));
            assert.ok(secretWarnings.length > 0, "dev holds every Secret value: the warning check checks nothing");
            for (const warning of secretWarnings) assert.ok(run.stderr.includes(`\n  - ${warning}\n`), `missing warning ${warning} in:\n${run.stderr}`);
            assert.match(run.stderr, /^Warnings:\n/);
            assert.equal(written.apps, path.join(REPO_ROOT, "plan.apps"));
            assert.ok(fs.existsSync(path.join(written.apps, OWNER_MARKER)));
            assert.deepEqual(snapshot(path.join(REPO_ROOT, "apps")), before);
            assert.equal(git("ls-files", "-s"), tracked);
            assert.equal(git("status", "--porcelain", "--", "apps"), status);
        } finally {
            removeOwned(written);
        }
        assert.ok(!fs.existsSync(written.json) && !fs.existsSync(written.apps));
    });

    it("refuses to write over what it did not write, or anything git tracks, before running anything", async () => {
        const foreign = path.join(tmp, "notes.json");
        fs.writeFileSync(foreign, '{"mine": true}\n');
        const unmarked = path.join(tmp, "other.apps");
        fs.mkdirSync(unmarked);
        fs.writeFileSync(path.join(unmarked, "keep.yaml"), "kind: Mine\n");
        for (const [out, message] of [
            [foreign, /notes\.json: exists and was not written by npm run plan; choose another --out or remove it yourself/],
            [path.join(tmp, "other.json"), /other\.apps: exists and was not made by npm run plan \(no \.plan-output inside\)/],
            ["README.md", /README\.md: tracked by git; the plan never writes over sources/],
            ["apps/plan.json", /apps\/plan\.json: inside apps\/, where every folder is an app/],
        ] as const) {
            const run = await plan(["dev", "--out", out]);
            assert.equal(run.code, 2, out);
            assert.match(run.stderr, message);
            assert.equal(run.stdout, "", "nothing was planned");
        }
        assert.equal(fs.readFileSync(foreign, "utf8"), '{"mine": true}\n');
        assert.deepEqual(snapshot(unmarked), { "keep.yaml": "kind: Mine\n" });
        assert.ok(!fs.existsSync(path.join(REPO_ROOT, "apps", "plan.json")) && !fs.existsSync(path.join(REPO_ROOT, "apps", "plan.apps")));
    });

    it("replaces only its own earlier output", () => {
        const paths = outputPaths(tmp, "dev", "own.json", tmp);
        writeOutput(paths, JSON.stringify({ generator: GENERATOR, n: 1 }), [{ name: "old.yaml", content: "a: 1\n" }]);
        assert.deepEqual(writableProblems(tmp, paths), []);
        writeOutput(paths, JSON.stringify({ generator: GENERATOR, n: 2 }), [{ name: "new.yaml", content: "b: 2\n" }]);
        assert.deepEqual(fs.readdirSync(paths.apps).sort(), [OWNER_MARKER, "new.yaml"]);
        assert.equal(JSON.parse(fs.readFileSync(paths.json, "utf8")).n, 2);
        // Without its marker the folder is someone else's, and without the generator the file is.
        fs.rmSync(path.join(paths.apps, OWNER_MARKER));
        fs.writeFileSync(paths.json, "{}");
        assert.equal(writableProblems(tmp, paths).length, 2);
        removeOwned(paths);
        assert.ok(fs.existsSync(paths.json) && fs.existsSync(path.join(paths.apps, "new.yaml")));
    });

    describe("a plan that fails writes nothing and removes its own stale output", () => {
        let root: string;
        before(() => {
            root = projectCopy();
        });
        after(() => fs.rmSync(root, { recursive: true, force: true }));

        /** Plans a stack file of the copy; returns the run and whether any output is left. */
        async function failing(stack: string, stackFile: string, levels = true) {
            fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), stackFile);
            if (levels && !fs.existsSync(path.join(root, "policy", `${stack}.json`))) fs.copyFileSync(path.join(root, "policy", "prd.json"), path.join(root, "policy", `${stack}.json`));
            const paths = outputPaths(root, stack, "out/plan.json", root);
            // A successful earlier plan at the same place: a failed one must not leave it looking current.
            writeOutput(paths, JSON.stringify({ generator: GENERATOR }), [{ name: "stale.yaml", content: "{}\n" }]);
            const run = await plan([stack, "--out", "out/plan.json"], root);
            // The user's report, not the path for bugs (which prints the error's stack, short during
            // a run, so "no `at` lines" alone would not tell the two apart).
            assert.match(run.stderr, new RegExp(`^(Warnings:\n(  - .*\n)+)?The plan of ${stack} failed \\(\\d+ problems?\\); nothing was written:\n`));
            assert.doesNotMatch(run.stderr, /stack traces are off/);
            return { ...run, left: fs.existsSync(paths.json) || fs.existsSync(paths.apps) };
        }

        it("invalid config: the report, exit 1, no stack trace", async () => {
            const run = await failing("bad", "config:\n  platform:region: mars\n  platform:azCount: 1\n");
            assert.equal(run.code, 1);
            assert.match(run.stderr, /The plan of bad failed \(6 problems\); nothing was written/);
            assert.match(run.stderr, /- platform:gitRepoUrl: required/);
            assert.match(run.stderr, /- platform:github: required, set it in Pulumi\.<stack>\.yaml \(CI on GitHub Actions/);
            assert.match(run.stderr, /- platform:apps: required, set it in Pulumi\.<stack>\.yaml \(Per-app switches and settings of this stack; \{\} for none/);
            assert.match(run.stderr, /- platform:region: must be an AWS region/);
            assert.match(run.stderr, /- platform:azCount: must be an integer from 2 to 4 \(got 1\)/);
            assert.match(run.stderr, /- platform:publicAccessCidrs: must list the CIDRs/);
            assert.doesNotMatch(run.stderr, /^\s+at /m);
            assert.ok(!run.left);
        });

        it("a YAML syntax error in the stack file: its line and column", async () => {
            const run = await failing("syntax", "config:\n  platform:region: ap-northeast-1\n  platform:publicAccessCidrs: [0.0.0.0/0\n");
            assert.equal(run.code, 1);
            assert.match(run.stderr, /- Pulumi\.syntax\.yaml:4:1: not valid YAML: /);
            assert.doesNotMatch(run.stderr, /^\s+at /m);
            assert.ok(!run.left);
        });

        it("an unquoted version and a misspelt namespace in a stack file", async () => {
            const dev = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
            const run = await failing("typo", dev.replace('platform:dbEngineVersion: "16"', "platform:dbEngineVersion: 16.10").replace("platform:azCount:", "platfrom:azCount:"));
            assert.equal(run.code, 1);
            assert.match(run.stderr, /- Pulumi\.typo\.yaml:\d+:\d+: platform:dbEngineVersion: 16\.10 is a number in YAML, which reaches the program as "16\.1"; it takes a string, so quote it: "16\.10"/);
            assert.match(run.stderr, /- platfrom:azCount: unknown namespace "platfrom", nothing reads it; did you mean platform:azCount\?/);
            assert.ok(!run.left);
        });

        it("a prd config that relaxes a mandatory policy in dev's account, and an overlay Kustomize cannot build", async () => {
            const prd = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prd.yaml"), "utf8");
            const [app] = stackApps("prd", root);
            const overlay = path.join(root, app.sourcePath, "kustomization.yaml");
            fs.writeFileSync(overlay, fs.readFileSync(overlay, "utf8").replace(/^resources:\n/m, "resources:\n  - missing-deployment.yaml\n"));
            const run = await failing("prd", prd.replace("platform:protectStatefulResources: true", "platform:protectStatefulResources: false").replaceAll("222222222222", "111111111111"));
            assert.equal(run.code, 1);
            assert.match(run.stderr, /- Pulumi\.prd\.yaml: platform:allowedAccountIds: account 111111111111 is also dev's; every stack deploys to an account of its own/);
            assert.match(run.stderr, /- policy \(mandatory in policy\/prd\.json\): aurora-protected: database-cluster: /);
            assert.match(run.stderr, new RegExp(`- ${app.sourcePath}: app ${app.descriptor.name}: kubectl kustomize failed: .*missing-deployment\\.yaml`));
            assert.doesNotMatch(run.stderr, /^\s+at /m);
            assert.ok(!run.left);
        });

        it("a stack without policy levels, reported with its other problems", async () => {
            const run = await failing("nolevels", "config:\n  platform:region: ap-northeast-1\n", false);
            assert.equal(run.code, 1);
            assert.match(run.stderr, /- policy\/nolevels\.json: missing; every stack names its policies' enforcement levels there/);
            assert.match(run.stderr, /- platform:gitRepoUrl: required/, "and the config's problems with it");
            assert.ok(!run.left);
        });
    });

    it("answers --help, and refuses arguments it does not know with the usage", async () => {
        assert.deepEqual(await plan(["--help"]), { code: 0, stdout: "usage: npm run plan -- <stack> [--out <file>]\n", stderr: "" });
        for (const args of [[], ["dev", "prd"], ["dev", "--out"], ["--verbose"]]) {
            assert.deepEqual(await plan(args), { code: 2, stdout: "", stderr: "usage: npm run plan -- <stack> [--out <file>]\n" }, args.join(" "));
        }
    });

    it("names the stacks when asked for one that does not exist", async () => {
        const run = await plan(["staging"]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, new RegExp(`No stack file Pulumi\\.staging\\.yaml; the stacks are: ${STACKS.join(", ")}`));
    });

    it("masks secret inputs and outputs", async () => {
        const result = await runProgram(
            async () => {
                new aws.ssm.Parameter("token", { type: "SecureString", value: pulumi.secret("hunter2") });
                return { token: pulumi.secret("hunter2") };
            },
            { config: readStackConfig("dev"), region: "ap-northeast-1" },
        );
        const text = JSON.stringify(result);
        assert.doesNotMatch(text, /hunter2/);
        assert.equal(result.resources.find((r) => r.name === "token")!.inputs.value, SECRET_MASK);
        assert.equal(result.outputs.token, SECRET_MASK);
        assert.deepEqual(maskSecrets({ a: [{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "x" }] }), { a: [SECRET_MASK] });
    });

    it("records the program's warnings in the plan instead of printing them", async () => {
        const printed: string[] = [];
        const warn = console.warn;
        console.warn = (...args: unknown[]) => printed.push(args.join(" "));
        try {
            const result = await runProgram(
                async () => {
                    await pulumi.log.warn("platform:x: no value; set it");
                    return {};
                },
                { config: readStackConfig("dev"), region: "ap-northeast-1" },
            );
            assert.deepEqual(result.warnings, ["platform:x: no value; set it"]);
        } finally {
            console.warn = warn;
        }
        assert.deepEqual(printed, []);
    });

    it("fails on an invoke it has no mock for, instead of returning nothing", async () => {
        await assert.rejects(
            runProgram(
                async () => ({ ami: aws.ec2.getAmiOutput({ owners: ["amazon"], mostRecent: true }).id }),
                { config: readStackConfig("dev"), region: "ap-northeast-1" },
            ),
            /no mock for invoke aws:ec2\/getAmi:getAmi/,
        );
    });

    it("reads stack files as the CLI passes them: defaults, JSON lists, secure values as secrets", () => {
        const root = fs.mkdtempSync(path.join(tmp, "stack-"));
        fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: demo\nconfig:\n  count:\n    type: integer\n    default: 2\n  other:\n    type: string\n    default: x\n");
        fs.writeFileSync(path.join(root, "Pulumi.s.yaml"), "config:\n  demo:other: y\n  demo:list: [a, b]\n  demo:token:\n    secure: AAABAcipher\n");
        const config = readStackConfig("s", root);
        assert.deepEqual(config.values, { "demo:count": "2", "demo:other": "y", "demo:list": '["a","b"]', "demo:token": SECRET_PLACEHOLDER });
        assert.deepEqual(config.secretKeys, ["demo:token"]);
        // Pulumi.yaml's own syntax errors name it too.
        fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: demo\nconfig: {count: 2\n");
        assert.throws(() => readStackConfig("s", root), /Pulumi\.yaml:3:1: not valid YAML/);
    });
});
