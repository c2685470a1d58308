import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_MASK, maskSecrets, runProgram } from "../../scripts/offline/engine";
import { SECRET_PLACEHOLDER, REPO_ROOT, readStackConfig } from "../../scripts/offline/stack-config";

/** Runs the plan exactly as the README says: `npm run plan -- <args>`. */
function runPlan(...args: string[]) {
    return spawnSync("npm", ["run", "--silent", "plan", "--", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
}

describe("offline plan", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    const badStack = path.join(REPO_ROOT, "Pulumi.test-invalid.yaml");
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.rmSync(badStack, { force: true });
    });

    it("prints the tree and a summary, and writes every resource as JSON", () => {
        const out = path.join(tmp, "dev.json");
        const run = runPlan("dev", "--out", out);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^◆ platform:network:Network network$/m);
        assert.match(run.stdout, /^ {2}◆ eks:index:Cluster cluster-eks {2}\(name=platform-dev, version=1\.34, authenticationMode=API/m);
        assert.match(run.stdout, /^Stack platform\/dev: \d+ resources \(0 protected\)$/m);
        assert.match(run.stdout, /^ {2}kubeconfig: \[secret\]$/m);
        const plan = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.equal(plan.stack, "dev");
        assert.equal(plan.project, "platform");
        const eks = plan.resources.find((r: any) => r.name === "cluster-eks");
        assert.deepEqual(Object.keys(eks).sort(), ["custom", "dependencies", "inputs", "name", "parent", "protect", "providers", "retainOnDelete", "type", "urn"]);
        assert.equal(eks.parent, "urn:pulumi:dev::platform::platform:cluster:Cluster::cluster");
        assert.ok(eks.dependencies.some((urn: string) => urn.endsWith("::network-private-az1-default")));
        for (const r of plan.resources) {
            assert.match(r.urn, /^urn:pulumi:dev::platform::/);
            if (r.parent) assert.ok(plan.resources.some((p: any) => p.urn === r.parent), `${r.name}'s parent is not recorded`);
        }
        // Next to the JSON: each app as Argo CD will apply it, images in the platform's repositories.
        assert.match(run.stdout, /^Apps as Argo CD will apply them: .*apps\/ \(chat, db-metrics, opensearch-merge, slack-bot\)$/m);
        const chat = fs.readFileSync(path.join(tmp, "apps", "chat.yaml"), "utf8");
        assert.match(chat, /^# apps\/chat\/overlays\/dev as Argo CD applies it/);
        assert.match(chat, /image: 123456789012\.dkr\.ecr\.ap-northeast-1\.amazonaws\.com\/platform-dev\/chat\/api:[0-9a-f]{7,40}$/m);
        assert.doesNotMatch(chat, /image: chat\//);
    });

    it("refuses invalid config with the report and no stack trace", () => {
        fs.writeFileSync(badStack, "config:\n  platform:region: mars\n  platform:azCount: 1\n");
        const run = runPlan("test-invalid", "--out", path.join(tmp, "bad.json"));
        assert.equal(run.status, 1);
        assert.match(run.stderr, /Invalid stack configuration \(4 problems\)/);
        assert.match(run.stderr, /- platform:gitRepoUrl: required/);
        assert.match(run.stderr, /- platform:region: must be an AWS region/);
        assert.match(run.stderr, /- platform:azCount: must be an integer from 2 to 4 \(got 1\)/);
        assert.match(run.stderr, /- platform:publicAccessCidrs: must list the CIDRs/);
        assert.doesNotMatch(run.stderr, /^\s+at /m);
        assert.ok(!fs.existsSync(path.join(tmp, "bad.json")));
    });

    it("names the stacks when asked for one that does not exist", () => {
        const run = runPlan("staging");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /No stack file Pulumi\.staging\.yaml; the stacks are: .*dev.*prd/);
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
    });
});
