/**
 * App images (scripts/app-images.ts, .github/workflows/images.yml, .github/scripts/open-pr.sh).
 *
 * The workflow's images job is run leg by leg, as the runner would: its `run:` steps through bash
 * with the job's and step's env and their `if:` conditions, in a clone of a temporary repository
 * (a bare `origin`, no network), with `aws`, `docker`, `pulumi`, `gh` and `npx` stubbed on PATH
 * (git is real). The stubs keep each account's ECR as folders, refuse a second push of a tag as
 * immutable repositories do, and record every call.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { parse, stringify } from "yaml";
import * as discover from "../components/apps/discover";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { ciStacks, requiredVariables } from "../scripts/ci-stacks";
import { projectStacks } from "../scripts/offline/stacks";
import { APPS_DIR, DESCRIPTOR_FILE, Io, TagLookup, appImages, appTag, ecrHasTag, ecrRepository, imageReference, main, overlayPath, stacksOf, withImageTag } from "../scripts/app-images";

const WORKFLOW_TEXT = fs.readFileSync(path.join(REPO_ROOT, ".github/workflows/images.yml"), "utf8");
const WORKFLOW = parse(WORKFLOW_TEXT);
const OPEN_PR = path.join(REPO_ROOT, ".github/scripts/open-pr.sh");
const APP_TOKEN_ACTION = "actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3 # v3.1.1";

/** git with a fixed identity and no user or system configuration. */
function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    }).trim();
}

function writeFiles(root: string, files: Record<string, string | null>): void {
    for (const [file, content] of Object.entries(files)) {
        const full = path.join(root, file);
        if (content === null) {
            fs.rmSync(full, { recursive: true, force: true });
            continue;
        }
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, content);
    }
}

const STUBS: Record<string, string> = {
    // aws ecr describe-images --repository-name N --image-ids imageTag=T --region R: the account is
    // the assumed role's; ECR_FAILS makes every call fail as an unexpected error would.
    aws: `#!/usr/bin/env bash
echo "aws $*" >> "$STUB_LOG"
[ "$1 $2" = "ecr describe-images" ] || { echo "aws stub: unexpected $*" >&2; exit 2; }
shift 2
while [ $# -gt 0 ]; do case "$1" in --repository-name) name=$2; shift 2;; --image-ids) tag=\${2#imageTag=}; shift 2;; --region) region=$2; shift 2;; *) shift;; esac; done
account=$(echo "$STUB_ROLE" | cut -d: -f5)
[ -n "$account" ] || { echo "Unable to locate credentials" >&2; exit 253; }
if [ -n "\${ECR_FAILS:-}" ]; then echo "An error occurred ($ECR_FAILS) when calling the DescribeImages operation: not authorized" >&2; exit 254; fi
repo="$ECR/$account.$region/$name"
[ -d "$repo" ] || { echo "An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name '$name' does not exist in the registry with id '$account'" >&2; exit 254; }
[ -e "$repo/$tag" ] || { echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'$tag'} does not exist within the repository with name '$name' in the registry with id '$account'" >&2; exit 254; }
echo '{"imageDetails": [{"imageTags": ["'"$tag"'"]}]}'
`,
    // docker buildx build --push --tag <registry>/<name>:<tag> <context>; PUSH_FAILS: accounts or repositories whose pushes fail.
    docker: `#!/usr/bin/env bash
echo "docker $*" >> "$STUB_LOG"
[ "$1 $2" = "buildx build" ] || { echo "docker stub: unexpected $*" >&2; exit 2; }
shift 2
push=; ref=; context=
while [ $# -gt 0 ]; do case "$1" in --push) push=1; shift;; --tag|-t) ref=$2; shift 2;; -*) echo "docker stub: unexpected $1" >&2; exit 2;; *) context=$1; shift;; esac; done
[ -n "$push" ] && [ -f "$context/Dockerfile" ] || { echo "docker stub: no --push or no $context/Dockerfile" >&2; exit 2; }
registry=\${ref%%/*}; rest=\${ref#*/}; name=\${rest%:*}; tag=\${rest##*:}
account=$(echo "$registry" | cut -d. -f1); region=$(echo "$registry" | cut -d. -f4)
case " \${PUSH_FAILS:-} " in *" $account "*|*" $name "*) echo "failed to push $ref: 403 Forbidden" >&2; exit 1;; esac
repo="$ECR/$account.$region/$name"
[ -d "$repo" ] || { echo "name unknown: The repository with name '$name' does not exist" >&2; exit 1; }
[ -e "$repo/$tag" ] && { echo "tag invalid: The image tag '$tag' already exists in the '$name' repository and cannot be overwritten because the repository is immutable." >&2; exit 1; }
touch "$repo/$tag"
`,
    pulumi: `#!/usr/bin/env bash
echo "pulumi $*" >> "$STUB_LOG"
case "$1" in
  login) [ -n "\${2:-}" ] || exit 2 ;;
  stack) [ "$2 $3 $4 $5" = "output appImageRepositories --json --stack" ] || { echo "pulumi stub: unexpected $*" >&2; exit 2; }; cat "$OUTPUTS/$6.json" ;;
  *) echo "pulumi stub: unexpected $*" >&2; exit 2 ;;
esac
`,
    // The open pull requests are lines of $GH_STATE/open (their head branches).
    gh: `#!/usr/bin/env bash
echo "gh $*" >> "$STUB_LOG"
[ "\${GH_TOKEN:-}" = app-token ] || { echo "gh stub: GH_TOKEN is not the App's token" >&2; exit 4; }
args=("$@"); head=
while [ $# -gt 0 ]; do case "$1" in --head) head=$2; shift 2;; *) shift;; esac; done
set -- "\${args[@]}"
touch "$GH_STATE/open"
case "$1 $2" in
  "pr list") grep -nxF -- "$head" "$GH_STATE/open" | cut -d: -f1 || true ;;
  "pr create") echo "$head" >> "$GH_STATE/open"; echo "https://github.com/example-org/platform/pull/$(wc -l < "$GH_STATE/open")" ;;
  "pr merge") if [ -n "\${GH_AUTO_MERGE_FAILS:-}" ]; then echo "GraphQL: Pull request Auto merge is not allowed for this repository (enablePullRequestAutoMerge)" >&2; exit 1; fi ;;
  *) echo "gh stub: unexpected $*" >&2; exit 2 ;;
esac
`,
    // npx tsx <script>: this repository's script, run in the checkout (no download); app-images.ts
    // as bundled once by tsx's own esbuild (a third of tsx's start-up time, run a dozen times).
    npx: `#!/usr/bin/env bash
echo "npx $*" >> "$STUB_LOG"
[ "$1" = tsx ] || { echo "npx stub: unexpected $*" >&2; exit 2; }
shift
script=$1; shift
[ "$script" = scripts/app-images.ts ] && [ -n "\${APP_IMAGES_JS:-}" ] && exec node "$APP_IMAGES_JS" "$@"
exec node --import "$TSX_URL" "$PLATFORM/$script" "$@"
`,
};

let bundled: string | undefined;
/** scripts/app-images.ts bundled with its one dependency (yaml) by the esbuild that tsx runs on, once per test run. */
function bundledScript(): string {
    if (bundled && fs.existsSync(bundled)) return bundled;
    const esbuild = require(require.resolve("esbuild", { paths: [path.dirname(require.resolve("tsx/package.json"))] }));
    bundled = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "app-images-js-")), "app-images.js");
    esbuild.buildSync({ entryPoints: [path.join(REPO_ROOT, "scripts/app-images.ts")], bundle: true, platform: "node", target: "node20", outfile: bundled, logLevel: "error" });
    return bundled;
}
after(() => bundled && fs.rmSync(path.dirname(bundled), { recursive: true, force: true }));

/** A repository with a bare origin, stub tools and fake ECRs, Pulumi outputs and pull requests. */
class World {
    readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), "images-"));
    readonly origin = path.join(this.tmp, "origin.git");
    readonly work = path.join(this.tmp, "work");
    readonly bin = path.join(this.tmp, "bin");
    readonly ecr = path.join(this.tmp, "ecr");
    readonly outputs = path.join(this.tmp, "outputs");
    readonly gh = path.join(this.tmp, "gh");
    readonly log = path.join(this.tmp, "calls");
    private legs = 0;

    constructor(files: Record<string, string>) {
        for (const dir of [this.bin, this.ecr, this.outputs, this.gh, this.work]) fs.mkdirSync(dir, { recursive: true });
        for (const [name, text] of Object.entries(STUBS)) fs.writeFileSync(path.join(this.bin, name), text, { mode: 0o755 });
        fs.writeFileSync(this.log, "");
        git(this.work, "init", "-q", "-b", "main");
        writeFiles(this.work, files);
        git(this.work, "add", "-A");
        git(this.work, "commit", "-qm", "initial");
        git(this.tmp, "clone", "-q", "--bare", this.work, this.origin);
        git(this.work, "remote", "add", "origin", this.origin);
        git(this.work, "fetch", "-q", "origin");
    }

    /** Commits to origin's main (a merged pull request); returns the commit. */
    commit(message: string, files: Record<string, string | null>): string {
        git(this.work, "fetch", "-q", "origin");
        git(this.work, "checkout", "-q", "-B", "main", "origin/main");
        writeFiles(this.work, files);
        git(this.work, "add", "-A");
        git(this.work, "commit", "-qm", message);
        git(this.work, "push", "-q", "origin", "HEAD:refs/heads/main");
        return git(this.work, "rev-parse", "HEAD");
    }

    tag(app: string): string {
        git(this.work, "fetch", "-q", "origin");
        git(this.work, "checkout", "-q", "-B", "main", "origin/main");
        return appTag(this.work, app)!;
    }

    /** origin's branches, name to commit. */
    refs(): Record<string, string> {
        const out = git(this.origin, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads");
        return Object.fromEntries(out.split("\n").filter(Boolean).map((l) => l.split(" ")));
    }

    file(ref: string, file: string): string {
        return git(this.origin, "show", `${ref}:${file}`);
    }

    /** The calls recorded since the last time, emptied. */
    calls(): string[] {
        const lines = fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
        fs.writeFileSync(this.log, "");
        return lines;
    }

    openPrs(): string[] {
        const file = path.join(this.gh, "open");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    }

    repository(account: string, region: string, name: string): string {
        const dir = path.join(this.ecr, `${account}.${region}`, name);
        fs.mkdirSync(dir, { recursive: true });
        return dir;
    }

    tags(account: string, region: string, name: string): string[] {
        const dir = path.join(this.ecr, `${account}.${region}`, name);
        return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    }

    setOutputs(stack: string, repositories: Record<string, string>): void {
        fs.writeFileSync(path.join(this.outputs, `${stack}.json`), JSON.stringify(repositories, null, 2));
    }

    env(extra: Record<string, string> = {}): Record<string, string> {
        return {
            PATH: `${this.bin}:${process.env.PATH}`,
            HOME: this.tmp,
            GIT_CONFIG_NOSYSTEM: "1",
            GIT_CONFIG_GLOBAL: "/dev/null",
            STUB_LOG: this.log,
            ECR: this.ecr,
            OUTPUTS: this.outputs,
            GH_STATE: this.gh,
            PLATFORM: REPO_ROOT,
            TSX_URL: pathToFileURL(require.resolve("tsx")).href,
            APP_IMAGES_JS: bundledScript(),
            ...extra,
        };
    }

    /** Runs the images job for one matrix entry, as the runner would; returns each step's outcome and the log. */
    leg(entry: MatrixEntry, extra: Record<string, string> = {}): Leg {
        const n = ++this.legs;
        const checkout = path.join(this.tmp, `leg-${n}`);
        const runnerTemp = path.join(this.tmp, `leg-${n}-temp`);
        fs.mkdirSync(runnerTemp);
        const sha = git(this.origin, "rev-parse", "main");
        // actions/checkout with fetch-depth 0: the whole history, at needs.stacks.outputs.sha.
        git(this.tmp, "clone", "-q", this.origin, checkout);
        return runJob(WORKFLOW.jobs.images, {
            matrix: entry,
            needs: { stacks: { outputs: { include: JSON.stringify([entry]), sha } } },
            github: { ref: "refs/heads/main", event_name: "push", event: { repository: { default_branch: "main" } } },
            vars: { CI_APP_CLIENT_ID: "Iv23.app" },
            secrets: { CI_APP_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----", PULUMI_ACCESS_TOKEN: "" },
            cwd: checkout,
            env: this.env({ RUNNER_TEMP: runnerTemp, GITHUB_WORKFLOW: "images", ...extra }),
        });
    }

    cleanup(): void {
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

interface MatrixEntry {
    stack: string;
    suffix: string;
    region: string;
    role: string;
    runner: string;
    backendUrl: string;
    secretsProvider: string;
    revision: string;
    destroyable: boolean;
}

interface Leg {
    failed: boolean;
    outcomes: Record<string, string>;
    output: string;
}

/**
 * Evaluates a workflow expression (the subset the workflow uses: contexts, ==, !=, &&, ||, !,
 * status functions, format). Like GitHub, a condition without a status function also needs success().
 */
function evaluate(expression: string, contexts: Record<string, unknown>, failed: boolean, condition = false): unknown {
    const functions: Record<string, unknown> = {
        success: () => !failed,
        failure: () => failed,
        cancelled: () => false,
        always: () => true,
        fromJSON: (s: string) => JSON.parse(s),
        toJSON: (v: unknown) => JSON.stringify(v),
        // https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions#format
        format: (template: string, ...args: unknown[]) => template.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)])),
    };
    let js = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
    // steps.app-token.outputs → steps["app-token"].outputs
    js = js.replace(/\.([A-Za-z_]\w*(?:-\w+)+)/g, '["$1"]');
    if (condition && !/\b(?:success|failure|cancelled|always)\(\)/.test(js)) js = `success() && (${js})`;
    const names = [...Object.keys(contexts), ...Object.keys(functions)];
    return new Function(...names, `return (${js});`)(...names.map((n) => (n in contexts ? contexts[n] : functions[n])));
}

/** A value with its `${{ }}` expressions filled in. */
function fill(value: unknown, contexts: Record<string, unknown>): string {
    return String(value).replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, e: string) => {
        const v = evaluate(e, contexts, false);
        return v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    });
}

function runJob(job: any, given: { matrix: MatrixEntry; needs: unknown; github: unknown; vars: unknown; secrets: unknown; cwd: string; env: Record<string, string> }): Leg {
    const steps: Record<string, { outcome: string; outputs: Record<string, string> }> = {};
    const contexts: Record<string, unknown> = { matrix: given.matrix, needs: given.needs, github: given.github, vars: given.vars, secrets: given.secrets, steps, env: {} };
    const jobEnv = Object.fromEntries(Object.entries(job.env ?? {}).map(([k, v]) => [k, fill(v, contexts)]));
    const actionEnv: Record<string, string> = {};
    const outcomes: Record<string, string> = {};
    let failed = false;
    let output = "";
    for (const [i, step] of job.steps.entries()) {
        const id: string = step.id ?? `#${i}`;
        const label = step.name ?? step.uses ?? step.run;
        let outcome = "success";
        let outputs: Record<string, string> = {};
        if (!evaluate(step.if === undefined ? "success()" : String(step.if), contexts, failed, true)) {
            outcome = "skipped";
        } else if (step.uses) {
            const action = String(step.uses).split("@")[0];
            const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, fill(v, contexts)]));
            switch (action) {
                case "actions/checkout":
                    assert.equal(inputs.ref, (given.needs as any).stacks.outputs.sha);
                    assert.equal(inputs["fetch-depth"], "0");
                    assert.equal(inputs["persist-credentials"], "false");
                    break;
                case "./.github/actions/setup":
                case "docker/setup-buildx-action":
                case "aws-actions/amazon-ecr-login":
                    break;
                case "aws-actions/configure-aws-credentials":
                    assert.deepEqual(Object.keys(inputs).sort(), ["aws-region", "role-to-assume"]);
                    Object.assign(actionEnv, { STUB_ROLE: inputs["role-to-assume"], AWS_REGION: inputs["aws-region"] });
                    break;
                case "actions/create-github-app-token":
                    assert.deepEqual(inputs, { "client-id": "Iv23.app", "private-key": "-----BEGIN RSA PRIVATE KEY-----", "permission-contents": "write", "permission-pull-requests": "write" });
                    outputs = { token: "app-token" };
                    break;
                default:
                    throw new Error(`no stand-in for ${step.uses}`);
            }
        } else {
            const outputFile = path.join(given.env.RUNNER_TEMP, `output-${i}`);
            fs.writeFileSync(outputFile, "");
            const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(v, contexts)]));
            const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
                cwd: given.cwd,
                env: { ...given.env, ...jobEnv, ...stepEnv, ...actionEnv, GITHUB_OUTPUT: outputFile },
                encoding: "utf8",
            });
            output += `--- ${label}\n${result.stdout}${result.stderr}`;
            outcome = result.status === 0 ? "success" : "failure";
            outputs = Object.fromEntries(
                fs
                    .readFileSync(outputFile, "utf8")
                    .split("\n")
                    .filter(Boolean)
                    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
            );
        }
        if (outcome === "failure") failed = true;
        steps[id] = { outcome, outputs };
        outcomes[label] = outcome;
    }
    return { failed, outcomes, output };
}

const DEV: MatrixEntry = {
    stack: "dev",
    suffix: "DEV",
    region: "ap-northeast-1",
    role: "arn:aws:iam::111111111111:role/platform-dev-ci-images",
    runner: "ubuntu-latest",
    backendUrl: "s3://state-dev",
    secretsProvider: "",
    revision: "main",
    destroyable: true,
};
const PRD: MatrixEntry = {
    stack: "prd",
    suffix: "PRD",
    region: "us-west-2",
    role: "arn:aws:iam::222222222222:role/platform-prd-ci-images",
    runner: "ubuntu-latest",
    backendUrl: "s3://state-prd",
    secretsProvider: "awskms://alias/pulumi?region=us-west-2",
    revision: "deploy/prd",
    destroyable: false,
};
const ACCOUNT = { dev: "111111111111", prd: "222222222222" } as const;

function kustomization(images: Record<string, string>, comment = "# CI sets the tags (kustomize edit set image).\n"): string {
    return `resources:\n  - ../../base\n\n${comment}${stringify({ images: Object.entries(images).map(([name, newTag]) => ({ name, newTag })) }, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" })}`;
}

/** An app's files: descriptor, one Dockerfile per image, base, and an overlay per stack at a placeholder tag. */
function appFiles(app: string, images: string[], stacks: string[]): Record<string, string> {
    const files: Record<string, string> = { [`apps/${app}/app.yaml`]: stringify({ description: app, images }), [`apps/${app}/base/kustomization.yaml`]: "resources: []\n" };
    for (const image of images) files[`apps/${app}/images/${image}/Dockerfile`] = `FROM scratch\nLABEL app=${app}\n`;
    for (const stack of stacks) files[`apps/${app}/overlays/${stack}/kustomization.yaml`] = kustomization(Object.fromEntries(images.map((i) => [`${app}/${i}`, "0000000"])));
    return files;
}

function repositoryUrl(stack: "dev" | "prd", reference: string): string {
    const entry = stack === "dev" ? DEV : PRD;
    return `${ACCOUNT[stack]}.dkr.ecr.${entry.region}.amazonaws.com/platform-${stack}/${reference}`;
}

/** The overlay's pinned tag of an image, on a branch of origin. */
function pinned(world: World, ref: string, app: string, stack: string, image: string): string | undefined {
    const doc = parse(world.file(ref, `apps/${app}/overlays/${stack}/kustomization.yaml`)) as { images: { name: string; newTag: string }[] };
    return doc.images.find((i) => i.name === `${app}/${image}`)?.newTag;
}

describe("App images: per stack, built when the stack's ECR lacks them, tags proposed by pull request (images.yml)", () => {
    let world: World;
    const outputs: Record<"dev" | "prd", Record<string, string>> = { dev: {}, prd: {} };
    const deploy = (stack: "dev" | "prd", reference: string) => {
        const entry = stack === "dev" ? DEV : PRD;
        world.repository(ACCOUNT[stack], entry.region, `platform-${stack}/${reference}`);
        outputs[stack][reference] = repositoryUrl(stack, reference);
        world.setOutputs(stack, outputs[stack]);
    };
    const builds = (calls: string[]) => calls.filter((c) => c.startsWith("docker ")).map((c) => c.replace(/^docker buildx build --push --tag /, ""));
    const ghCalls = (calls: string[]) => calls.filter((c) => c.startsWith("gh "));
    let main0: string;
    let tags: Record<string, string>;

    before(() => {
        // The steady state: web/site built, pushed to both stacks, and pinned in both overlays.
        world = new World({
            "Pulumi.yaml": "name: platform\nruntime: nodejs\n",
            "Pulumi.dev.yaml": "config: {}\n",
            "Pulumi.prd.yaml": "config: {}\n",
            ".github/scripts/open-pr.sh": fs.readFileSync(OPEN_PR, "utf8"),
            ...appFiles("web", ["site"], ["dev", "prd"]),
        });
        fs.chmodSync(path.join(world.work, ".github/scripts/open-pr.sh"), 0o755);
        git(world.work, "add", "-A");
        git(world.work, "commit", "-qm", "open-pr.sh executable");
        git(world.work, "push", "-q", "origin", "HEAD:refs/heads/main");
        const web = world.tag("web");
        world.commit("web runs its build", {
            "apps/web/overlays/dev/kustomization.yaml": kustomization({ "web/site": web }),
            "apps/web/overlays/prd/kustomization.yaml": kustomization({ "web/site": web }),
        });
        for (const stack of ["dev", "prd"] as const) {
            deploy(stack, "web/site");
            fs.writeFileSync(path.join(world.repository(ACCOUNT[stack], (stack === "dev" ? DEV : PRD).region, `platform-${stack}/web/site`), web), "");
        }
        tags = { web };
    });
    after(() => world.cleanup());

    it("a new app: its images are built and pushed to dev's ECR, and a pull request (auto-merge) sets them in dev's overlays; main is never pushed", () => {
        world.commit("new apps", { ...appFiles("chat", ["api", "ui"], ["dev", "prd"]), ...appFiles("beta", ["worker"], ["dev"]) });
        for (const reference of ["chat/api", "chat/ui", "beta/worker"]) deploy("dev", reference);
        for (const reference of ["chat/api", "chat/ui"]) deploy("prd", reference);
        tags.chat = world.tag("chat");
        tags.beta = world.tag("beta");
        main0 = world.refs().main;
        world.calls();

        const dev = world.leg(DEV);
        assert.equal(dev.failed, false, dev.output);
        const calls = world.calls();
        assert.ok(calls.includes("pulumi login s3://state-dev"), calls.join("\n"));
        assert.ok(calls.includes("pulumi stack output appImageRepositories --json --stack dev"));
        assert.ok(calls.includes(`aws ecr describe-images --repository-name platform-dev/web/site --image-ids imageTag=${tags.web} --region ap-northeast-1 --output json`), calls.join("\n"));
        assert.deepEqual(builds(calls), [
            `${repositoryUrl("dev", "beta/worker")}:${tags.beta} apps/beta/images/worker`,
            `${repositoryUrl("dev", "chat/api")}:${tags.chat} apps/chat/images/api`,
            `${repositoryUrl("dev", "chat/ui")}:${tags.chat} apps/chat/images/ui`,
        ]);
        assert.deepEqual(world.tags(ACCOUNT.dev, DEV.region, "platform-dev/chat/api"), [tags.chat]);
        assert.deepEqual(world.tags(ACCOUNT.prd, PRD.region, "platform-prd/chat/api"), [], "dev's leg pushed to prd");

        // The tags reach main by a pull request from images/dev, with auto-merge; main is untouched.
        const refs = world.refs();
        assert.equal(refs.main, main0);
        assert.deepEqual(Object.keys(refs).sort(), ["images/dev", "main"]);
        assert.deepEqual(world.openPrs(), ["images/dev"]);
        assert.ok(ghCalls(calls).includes("gh pr merge --auto --squash images/dev"), calls.join("\n"));
        assert.equal(git(world.origin, "rev-parse", "images/dev^"), main0);
        assert.deepEqual(git(world.origin, "diff", "--name-only", "main", "images/dev").split("\n"), [
            "apps/beta/overlays/dev/kustomization.yaml",
            "apps/chat/overlays/dev/kustomization.yaml",
        ]);
        assert.equal(pinned(world, "images/dev", "chat", "dev", "api"), tags.chat);
        assert.equal(pinned(world, "images/dev", "chat", "dev", "ui"), tags.chat);
        assert.equal(pinned(world, "images/dev", "beta", "dev", "worker"), tags.beta);
        // The overlay keeps its comment, as kustomize edit would.
        assert.match(world.file("images/dev", "apps/chat/overlays/dev/kustomization.yaml"), /# CI sets the tags/);
    });

    it("a prd push failure fails prd's leg only, with an error naming the image; an app prd's outputs do not list is skipped with a notice", () => {
        const prd = world.leg(PRD, { PUSH_FAILS: ACCOUNT.prd });
        assert.equal(prd.failed, true);
        assert.match(prd.output, new RegExp(`^::error::chat/api:${tags.chat}: build or push to ${repositoryUrl("prd", "chat/api").replace(/\./g, "\\.")} failed$`, "m"));
        assert.match(prd.output, /^::error::chat\/ui:/m, "one failed push stops the others");
        assert.match(prd.output, /^::notice::beta\/worker: not in prd's appImageRepositories/m);
        const calls = world.calls();
        assert.deepEqual(builds(calls), [`${repositoryUrl("prd", "chat/api")}:${tags.chat} apps/chat/images/api`, `${repositoryUrl("prd", "chat/ui")}:${tags.chat} apps/chat/images/ui`]);
        // prd does not follow main: its overlays change by promotion only, never here.
        assert.deepEqual(ghCalls(calls), []);
        assert.ok(!calls.some((c) => c.includes("set-tags")), calls.join("\n"));
        assert.deepEqual(world.tags(ACCOUNT.prd, PRD.region, "platform-prd/chat/api"), []);

        // dev is its own leg: run again (its pull request still open), it has nothing to build and
        // proposes the same change: no push, no second pull request.
        const before = world.refs();
        const dev = world.leg(DEV);
        assert.equal(dev.failed, false, dev.output);
        const devCalls = world.calls();
        assert.deepEqual(builds(devCalls), []);
        assert.deepEqual(world.refs(), before);
        assert.deepEqual(world.openPrs(), ["images/dev"]);
        assert.ok(!devCalls.some((c) => c.startsWith("gh pr create")), devCalls.join("\n"));
    });

    it("prd's next run pushes what failed; prd's overlays stay as they are (promotion moves them)", () => {
        const prd = world.leg(PRD);
        assert.equal(prd.failed, false, prd.output);
        const calls = world.calls();
        assert.deepEqual(builds(calls), [`${repositoryUrl("prd", "chat/api")}:${tags.chat} apps/chat/images/api`, `${repositoryUrl("prd", "chat/ui")}:${tags.chat} apps/chat/images/ui`]);
        assert.deepEqual(world.tags(ACCOUNT.prd, PRD.region, "platform-prd/chat/ui"), [tags.chat]);
        assert.deepEqual(ghCalls(calls), []);
        assert.equal(pinned(world, "main", "chat", "prd", "api"), "0000000");
    });

    it("a rerun: nothing built, nothing pushed, no pull request", () => {
        // The pull request merged.
        git(world.origin, "update-ref", "refs/heads/main", "refs/heads/images/dev");
        git(world.origin, "update-ref", "-d", "refs/heads/images/dev");
        fs.writeFileSync(path.join(world.gh, "open"), "");
        const before = world.refs();
        for (const entry of [DEV, PRD]) {
            const leg = world.leg(entry);
            assert.equal(leg.failed, false, leg.output);
            const calls = world.calls();
            assert.deepEqual(builds(calls), [], `${entry.stack}: ${calls.join("\n")}`);
            assert.deepEqual(ghCalls(calls), [], entry.stack);
            assert.equal(leg.outcomes["Build and push the missing images"], "skipped");
        }
        assert.deepEqual(world.refs(), before);
        assert.deepEqual(world.openPrs(), []);
    });

    it("a rebuilt stack: dev's empty repositories get every image back, at the tags its overlays already run: no pull request", () => {
        for (const reference of Object.keys(outputs.dev)) fs.rmSync(path.join(world.ecr, `${ACCOUNT.dev}.${DEV.region}`, `platform-dev/${reference}`, tags[reference.split("/")[0]]));
        const before = world.refs();
        const dev = world.leg(DEV);
        assert.equal(dev.failed, false, dev.output);
        const calls = world.calls();
        assert.deepEqual(builds(calls), [
            `${repositoryUrl("dev", "beta/worker")}:${tags.beta} apps/beta/images/worker`,
            `${repositoryUrl("dev", "chat/api")}:${tags.chat} apps/chat/images/api`,
            `${repositoryUrl("dev", "chat/ui")}:${tags.chat} apps/chat/images/ui`,
            `${repositoryUrl("dev", "web/site")}:${tags.web} apps/web/images/site`,
        ]);
        for (const reference of Object.keys(outputs.dev)) assert.deepEqual(world.tags(ACCOUNT.dev, DEV.region, `platform-dev/${reference}`), [tags[reference.split("/")[0]]]);
        assert.deepEqual(ghCalls(calls), []);
        assert.deepEqual(world.refs(), before);
    });

    it("one image failing in dev fails the leg, yet the others are pushed and their tags proposed; the failed one's overlay stays", () => {
        world.commit("chat's api changes", { "apps/chat/images/api/server.js": "console.log('hi')\n" });
        const previous = tags.chat;
        tags.chat = world.tag("chat");
        const dev = world.leg(DEV, { PUSH_FAILS: "platform-dev/chat/ui" });
        assert.equal(dev.failed, true);
        assert.match(dev.output, /^::error::chat\/ui:\w+: build or push to .* failed$/m);
        assert.deepEqual(builds(world.calls()), [`${repositoryUrl("dev", "chat/api")}:${tags.chat} apps/chat/images/api`, `${repositoryUrl("dev", "chat/ui")}:${tags.chat} apps/chat/images/ui`]);
        assert.deepEqual(world.openPrs(), ["images/dev"]);
        assert.equal(pinned(world, "images/dev", "chat", "dev", "api"), tags.chat);
        assert.equal(pinned(world, "images/dev", "chat", "dev", "ui"), previous, "an overlay names a tag its ECR does not hold");
        assert.equal(pinned(world, "main", "chat", "dev", "ui"), previous);
    });

    it("an unexpected ECR error fails the leg with an error naming the repository; nothing is built", () => {
        const dev = world.leg(DEV, { ECR_FAILS: "AccessDeniedException" });
        assert.equal(dev.failed, true);
        assert.match(dev.output, /^::error::ECR repository platform-dev\/beta\/worker \(.*\): aws ecr describe-images failed: .*AccessDeniedException/m);
        assert.deepEqual(builds(world.calls()), []);
        assert.equal(dev.outcomes["Build and push the missing images"], "skipped");
    });
});

describe("images.yml: its shape", () => {
    const jobs = WORKFLOW.jobs;
    const job = jobs.images;

    it("runs on image sources changed on main, after a successful deploy, and by hand; only from main", () => {
        assert.deepEqual(WORKFLOW.on.push, { branches: ["main"], paths: ["apps/*/images/**"] });
        assert.deepEqual(WORKFLOW.on.workflow_run, { workflows: ["deploy"], types: ["completed"] });
        assert.ok("workflow_dispatch" in WORKFLOW.on);
        assert.match(jobs.stacks.if, /github\.ref == format\('refs\/heads\/\{0\}', github\.event\.repository\.default_branch\)/);
        assert.match(jobs.stacks.if, /github\.event\.workflow_run\.conclusion == 'success'/);
        const contexts = (event_name: string, ref: string, conclusion?: string) => ({ github: { event_name, ref, event: { workflow_run: { conclusion }, repository: { default_branch: "main" } } } });
        assert.equal(evaluate(jobs.stacks.if, contexts("workflow_run", "refs/heads/main", "success"), false, true), true);
        assert.equal(evaluate(jobs.stacks.if, contexts("workflow_run", "refs/heads/main", "failure"), false, true), false);
        assert.equal(evaluate(jobs.stacks.if, contexts("workflow_dispatch", "refs/heads/topic"), false, true), false);
        assert.equal(evaluate(jobs.stacks.if, contexts("push", "refs/heads/main"), false, true), true);
    });

    it("takes its stacks from scripts/ci-stacks.ts images, in a job without AWS; each stack is a leg of its own that no job waits for", () => {
        const run = jobs.stacks.steps.map((s: any) => s.run ?? "").join("\n");
        assert.match(run, /^include=\$\(npx tsx scripts\/ci-stacks\.ts images\)$/m);
        assert.equal(jobs.stacks.steps.find((s: any) => s.id === "stacks").env.VARS, "${{ toJSON(vars) }}");
        assert.equal(jobs.stacks.permissions, undefined);
        assert.equal(WORKFLOW.permissions["id-token"], undefined);
        assert.ok(!jobs.stacks.steps.some((s: any) => String(s.uses).startsWith("aws-actions/")));
        assert.equal(jobs.stacks["runs-on"], "ubuntu-latest");

        assert.equal(job.needs, "stacks");
        assert.deepEqual(job.strategy, { "fail-fast": false, matrix: { include: "${{ fromJSON(needs.stacks.outputs.include) }}" } });
        assert.deepEqual(job.concurrency, { group: "images-${{ matrix.stack }}", "cancel-in-progress": false });
        // Nothing waits for every leg: a failing prd never holds up dev.
        for (const [id, other] of Object.entries<any>(jobs)) assert.ok(![other.needs ?? []].flat().includes("images"), `jobs.${id} needs the images matrix`);
        assert.deepEqual(Object.keys(jobs).sort(), ["images", "stacks"]);
    });

    it("hands each leg what scripts/ci-stacks.ts prints: every matrix value the job reads", () => {
        // ci-stacks.ts's own selection, in process; the step's wiring through a stub npx that prints it.
        const vars: Record<string, string> = {};
        for (const stack of projectStacks(REPO_ROOT)) {
            for (const [key, name] of Object.entries(requiredVariables(stack, "images"))) vars[name] = key === "role" ? `arn:aws:iam::000000000000:role/images-${stack}` : `${key}-${stack}`;
        }
        const include = ciStacks({ purpose: "images" }, vars);
        assert.deepEqual(include.map((e) => e.stack), projectStacks(REPO_ROOT));
        const read = new Set([...JSON.stringify(job).matchAll(/matrix\.(\w+)/g)].map((m) => m[1]));
        assert.deepEqual([...read].sort(), ["backendUrl", "region", "revision", "role", "stack"]);
        for (const entry of include as unknown as Record<string, unknown>[]) {
            for (const key of read) assert.ok(typeof entry[key] === "string" && entry[key] !== "", `${entry.stack}: ${key}`);
            assert.equal(entry.role, `arn:aws:iam::000000000000:role/images-${entry.stack}`, "not the images role");
        }

        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "images-stacks-"));
        try {
            fs.writeFileSync(path.join(tmp, "npx"), `#!/bin/sh\n[ "$*" = "tsx scripts/ci-stacks.ts images" ] || exit 2\n[ -n "$VARS" ] || exit 3\necho "$INCLUDE"\n`, { mode: 0o755 });
            const output = path.join(tmp, "output");
            fs.writeFileSync(output, "");
            const step = jobs.stacks.steps.find((s: any) => s.id === "stacks");
            const run = (npxStatus: string) =>
                spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
                    cwd: REPO_ROOT,
                    env: { PATH: `${tmp}:${process.env.PATH}`, HOME: tmp, GITHUB_OUTPUT: output, VARS: fill(step.env.VARS, { vars }), INCLUDE: npxStatus },
                    encoding: "utf8",
                });
            const result = run(JSON.stringify(include));
            assert.equal(result.status, 0, result.stdout + result.stderr);
            const outputs = Object.fromEntries(fs.readFileSync(output, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
            assert.deepEqual(JSON.parse(outputs.include), include);
            assert.match(outputs.sha, /^[0-9a-f]{40}$/);
            // A selection that fails (a stack without its variables) fails the step, not an empty matrix.
            fs.writeFileSync(path.join(tmp, "npx"), "#!/bin/sh\necho '::error::AWS_IMAGES_ROLE_ARN_PRD is not set' >&2\nexit 1\n", { mode: 0o755 });
            assert.notEqual(run("").status, 0);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("assumes the stack's images role from the matrix, without an environment (the role trusts main's ref) and without a longer session", () => {
        assert.equal(job.environment, undefined);
        assert.ok(!Object.values<any>(jobs).some((j) => "environment" in j));
        assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
        const credentials = job.steps.filter((s: any) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
        assert.equal(credentials.length, 1);
        assert.deepEqual(credentials[0].with, { "role-to-assume": "${{ matrix.role }}", "aws-region": "${{ matrix.region }}" });
        assert.equal(job.env.PULUMI_BACKEND_URL, "${{ matrix.backendUrl }}");
        assert.doesNotMatch(WORKFLOW_TEXT, /aws-access-key-id|AWS_SECRET_ACCESS_KEY|vars\.AWS_/);
    });

    it("never pushes to main: the only push is open-pr.sh's, to images/<stack>, with the GitHub App's token", () => {
        assert.doesNotMatch(WORKFLOW_TEXT, /git push/);
        // GITHUB_TOKEN cannot write the repository in any job.
        for (const permissions of [WORKFLOW.permissions, ...Object.values<any>(jobs).map((j) => j.permissions)]) assert.ok([undefined, "read"].includes(permissions?.contents));
        const script = fs.readFileSync(OPEN_PR, "utf8");
        const pushes = script.split("\n").filter((l) => /\bgit push\b/.test(l));
        assert.deepEqual(pushes.map((l) => l.trim()), ['git push -q --force origin "HEAD:refs/heads/${branch}"']);
        const propose = job.steps.find((s: any) => /open-pr\.sh/.test(s.run ?? ""));
        assert.match(propose.run, /^\.github\/scripts\/open-pr\.sh "images\/\$STACK" /);
        assert.deepEqual(propose.env, { GH_TOKEN: "${{ steps.app-token.outputs.token }}", AUTO_MERGE: "true" });
        assert.ok(WORKFLOW_TEXT.includes(`uses: ${APP_TOKEN_ACTION}`));
        // The job's checkout keeps no credentials: only open-pr.sh, with the App's token, can push.
        for (const s of job.steps.filter((s: any) => String(s.uses).startsWith("actions/checkout@"))) assert.equal(s.with["persist-credentials"], false);
    });

    it("cites ECR's immutable tags, GITHUB_TOKEN's pull requests and the OIDC subject claims", () => {
        const text = WORKFLOW_TEXT + fs.readFileSync(OPEN_PR, "utf8") + fs.readFileSync(path.join(REPO_ROOT, "scripts/app-images.ts"), "utf8");
        for (const url of [
            "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html",
            "https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#using-the-github_token-in-a-workflow",
            "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims",
        ]) {
            assert.ok(text.includes(url), url);
        }
    });
});

describe("scripts/app-images.ts", () => {
    let root: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "app-images-"));
        git(root, "init", "-q", "-b", "main");
        writeFiles(root, { "Pulumi.dev.yaml": "config: {}\n", "Pulumi.prd.yaml": "config: {}\n" });
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
    const commit = (message: string) => {
        git(root, "add", "-A");
        git(root, "commit", "-qm", message);
        return git(root, "rev-parse", "HEAD").slice(0, 12);
    };
    const io = (hasTag: TagLookup, stdin = "") => {
        const out = { stdout: "", stderr: "" };
        const value: Io = { cwd: root, stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), stdin: () => stdin, hasTag };
        return { io: value, out };
    };

    it("tags an app's images with the commit of its image sources, untouched by other commits", () => {
        writeFiles(root, appFiles("web", ["site"], ["dev"]));
        const built = commit("add web");
        assert.equal(appTag(root, "web"), built);
        assert.deepEqual(appImages(root), [{ app: "web", image: "site", tag: built, context: "apps/web/images/site" }]);

        // CI sets the tag in the overlay, other files change: the tag does not move.
        writeFiles(root, { "apps/web/overlays/dev/kustomization.yaml": kustomization({ "web/site": built }), "README.md": "unrelated\n", "apps/web/base/kustomization.yaml": "resources: [x.yaml]\n" });
        commit("tag, unrelated and manifest-only changes");
        assert.equal(appTag(root, "web"), built);

        // A change to the image's sources is a new tag.
        writeFiles(root, { "apps/web/images/site/index.html": "<h1>hi</h1>\n" });
        const changed = commit("new page");
        assert.notEqual(changed, built);
        assert.deepEqual(appImages(root).map((i) => i.tag), [changed]);
        assert.match(changed, /^[0-9a-f]{12}$/);
        // An app git does not know yet has no tag: nothing to build.
        writeFiles(root, appFiles("draft", ["x"], ["dev"]));
        assert.deepEqual(appImages(root).map((i) => i.app), ["web"]);
    });

    it("plan: each image the outputs list, with whether ECR holds its tag; others skipped with a notice", () => {
        writeFiles(root, { ...appFiles("web", ["site", "worker"], ["dev"]), ...appFiles("later", ["job"], []) });
        const tag = commit("apps");
        const site = repositoryUrl("dev", "web/site");
        const worker = repositoryUrl("dev", "web/worker");
        const asked: string[] = [];
        const { io: cli, out } = io((repo, t) => (asked.push(`${repo.region} ${repo.name} ${t}`), repo.name.endsWith("site")), JSON.stringify({ "web/site": site, "web/worker": worker }));
        assert.equal(main(["plan", "--stack", "dev"], cli), 0, out.stderr);
        assert.deepEqual(JSON.parse(out.stdout), [
            { app: "web", image: "site", tag, context: "apps/web/images/site", repositoryUrl: site, present: true },
            { app: "web", image: "worker", tag, context: "apps/web/images/worker", repositoryUrl: worker, present: false },
        ]);
        assert.deepEqual(asked, [`ap-northeast-1 platform-dev/web/site ${tag}`, `ap-northeast-1 platform-dev/web/worker ${tag}`]);
        assert.match(out.stderr, /^::notice::later\/job: not in dev's appImageRepositories .*skipped$/m);
    });

    it("set-tags: only tags present in the stack's ECR, only where the overlay differs; comments, order and quotes kept", () => {
        writeFiles(root, appFiles("web", ["site", "worker"], ["dev"]));
        const tag = commit("apps");
        const file = path.join(root, "apps/web/overlays/dev/kustomization.yaml");
        const repositories = path.join(root, "repositories.json");
        fs.writeFileSync(repositories, JSON.stringify({ "web/site": repositoryUrl("dev", "web/site"), "web/worker": repositoryUrl("dev", "web/worker") }));
        const { io: cli, out } = io((repo) => repo.name.endsWith("site"));
        assert.equal(main(["set-tags", "--stack", "dev", "--repositories", "repositories.json"], cli), 0, out.stderr);
        assert.equal(out.stdout, `apps/web/overlays/dev/kustomization.yaml: web/site 0000000 -> ${tag}\n`);
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /^# CI sets the tags/m);
        assert.deepEqual(parse(text).images, [
            { name: "web/site", newTag: tag },
            { name: "web/worker", newTag: "0000000" },
        ]);
        const again = io(() => true);
        assert.equal(main(["set-tags", "--stack", "dev", "--repositories", repositories], again.io), 0);
        assert.match(again.out.stdout, /web\/worker 0000000 -> /);
        assert.doesNotMatch(again.out.stdout, /web\/site/);
        const third = io(() => true);
        assert.equal(main(["set-tags", "--stack", "dev", "--repositories", repositories], third.io), 0);
        assert.equal(third.out.stdout, "dev's overlays run every image their ECR holds at its current tag\n");
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /0000000/);

        // A tag of digits only stays a string; an image the overlay lacks is added.
        const digits = withImageTag('images:\n  - name: a/b\n    newTag: "0000000" # placeholder\n', "a/b", "123456789012")!;
        assert.equal(digits, 'images:\n  - name: a/b\n    newTag: "123456789012" # placeholder\n');
        assert.deepEqual(parse(withImageTag("resources: []\n", "a/b", "123456789012")!), { resources: [], images: [{ name: "a/b", newTag: "123456789012" }] });
        assert.equal(withImageTag(digits, "a/b", "123456789012"), undefined);
    });

    it("fails with usage (exit 2) without a command or a known stack, and with an error on outputs that are not repositories", () => {
        for (const argv of [[], ["plan"], ["plan", "--stack"], ["plan", "--stack", "qa"], ["build", "--stack", "dev"], ["--stack", "dev"]]) {
            const { io: cli, out } = io(() => true, "{}");
            assert.equal(main(argv, cli), 2, argv.join(" "));
            assert.equal(out.stderr, "usage: npx tsx scripts/app-images.ts <plan|set-tags> --stack <dev|prd> [--repositories <file|->]\n");
        }
        for (const [stdin, message] of [
            ["not json", /stdin: not JSON/],
            ['["a"]', /must be an object/],
        ] as const) {
            const { io: cli, out } = io(() => true, stdin);
            assert.equal(main(["plan", "--stack", "dev"], cli), 1);
            assert.match(out.stderr, message);
        }
        writeFiles(root, appFiles("web", ["site"], ["dev"]));
        commit("web");
        const { io: cli, out } = io(() => true, JSON.stringify({ "web/site": "registry.example.com/web/site" }));
        assert.equal(main(["plan", "--stack", "dev"], cli), 1);
        assert.match(out.stderr, /^::error::registry\.example\.com\/web\/site: not an ECR repository URL/m);
    });

    it("asks ECR: an image or repository not found is missing, any other failure an error naming the repository", () => {
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "aws"), `#!/bin/sh\necho "$*" >> "${bin}/calls"\ncase "$4" in\n  *present) exit 0 ;;\n  *no-image) echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2; exit 254 ;;\n  *no-repo) echo "An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation" >&2; exit 254 ;;\n  *) echo "An error occurred (ThrottlingException) when calling the DescribeImages operation: Rate exceeded" >&2; exit 254 ;;\nesac\n`, { mode: 0o755 });
        const saved = process.env.PATH;
        process.env.PATH = `${bin}:${saved}`;
        try {
            const repo = (name: string) => ecrRepository(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/platform-dev/${name}`);
            assert.equal(ecrHasTag(repo("present"), "abc"), true);
            assert.equal(ecrHasTag(repo("no-image"), "abc"), false);
            assert.equal(ecrHasTag(repo("no-repo"), "abc"), false);
            assert.throws(() => ecrHasTag(repo("busy"), "abc"), /^Error: ECR repository platform-dev\/busy \(111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/platform-dev\/busy\): aws ecr describe-images failed: .*ThrottlingException/);
            assert.equal(fs.readFileSync(path.join(bin, "calls"), "utf8").split("\n")[0], "ecr describe-images --repository-name platform-dev/present --image-ids imageTag=abc --region eu-west-1 --output json");
        } finally {
            process.env.PATH = saved;
        }
        assert.deepEqual(ecrRepository("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/a/b"), { url: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/a/b", account: "123456789012", region: "cn-north-1", name: "a/b" });
    });

    it("names apps, images, overlays and stacks as components/apps/discover.ts and scripts/offline/stacks.ts do", () => {
        assert.equal(APPS_DIR, discover.APPS_DIR);
        assert.equal(DESCRIPTOR_FILE, discover.DESCRIPTOR_FILE);
        assert.equal(imageReference("chat", "api"), discover.imageReference("chat", "api"));
        assert.equal(overlayPath("chat", "prd"), discover.overlayPath("chat", "prd"));
        assert.deepEqual(stacksOf(REPO_ROOT), projectStacks(REPO_ROOT));
        assert.ok(discover.IMAGE_TAG.test("0123456789ab"), "the tags CI gives pass the overlays' check");
    });
});

describe(".github/scripts/open-pr.sh", () => {
    let tmp: string;
    let origin: string;
    let work: string;
    let bin: string;
    let log: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "open-pr-"));
        origin = path.join(tmp, "origin.git");
        work = path.join(tmp, "work");
        bin = path.join(tmp, "bin");
        log = path.join(tmp, "calls");
        fs.mkdirSync(bin);
        fs.mkdirSync(path.join(tmp, "gh"));
        fs.writeFileSync(path.join(bin, "gh"), STUBS.gh, { mode: 0o755 });
        fs.writeFileSync(log, "");
        fs.mkdirSync(work);
        git(work, "init", "-q", "-b", "main");
        writeFiles(work, { "apps/web/overlays/dev/kustomization.yaml": "images: []\n" });
        git(work, "add", "-A");
        git(work, "commit", "-qm", "initial");
        git(tmp, "clone", "-q", "--bare", work, origin);
        fs.rmSync(work, { recursive: true });
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** A fresh checkout of main with a change, then the script. */
    const propose = (files: Record<string, string>, extra: Record<string, string> = {}) => {
        fs.rmSync(work, { recursive: true, force: true });
        git(tmp, "clone", "-q", origin, work);
        writeFiles(work, files);
        fs.writeFileSync(log, "");
        const env = { PATH: `${bin}:${process.env.PATH}`, HOME: tmp, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", STUB_LOG: log, GH_STATE: path.join(tmp, "gh"), GH_TOKEN: "app-token", AUTO_MERGE: "true", ...extra };
        const result = spawnSync(OPEN_PR, ["images/dev", "apps: dev runs the images in its ECR"], { cwd: work, env, encoding: "utf8" });
        return { ...result, calls: fs.readFileSync(log, "utf8").split("\n").filter(Boolean) };
    };
    const refs = () => git(origin, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads").split("\n");
    const open = () => fs.readFileSync(path.join(tmp, "gh", "open"), "utf8").split("\n").filter(Boolean);

    it("proposes nothing when nothing changed", () => {
        const before = refs();
        const run = propose({});
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, "nothing to propose\n");
        assert.deepEqual(run.calls, []);
        assert.deepEqual(refs(), before);
    });

    it("pushes the change to its branch and opens one pull request with auto-merge; a later run updates it, the same change again pushes nothing", () => {
        const main0 = git(origin, "rev-parse", "main");
        const first = propose({ "apps/web/overlays/dev/kustomization.yaml": "images: [{name: web/site, newTag: aaaaaaaaaaaa}]\n" });
        assert.equal(first.status, 0, first.stderr);
        assert.equal(git(origin, "rev-parse", "main"), main0, "main moved");
        assert.equal(git(origin, "rev-parse", "images/dev^"), main0);
        assert.equal(git(origin, "log", "-1", "--format=%s%n%an", "images/dev"), "apps: dev runs the images in its ECR\ngithub-actions[bot]");
        assert.match(git(origin, "show", "images/dev:apps/web/overlays/dev/kustomization.yaml"), /aaaaaaaaaaaa/);
        assert.deepEqual(first.calls, [
            "gh pr list --head images/dev --base main --state open --json number --jq .[].number",
            "gh pr create --head images/dev --base main --title apps: dev runs the images in its ECR --body Opened by a workflow: apps: dev runs the images in its ECR",
            "gh pr merge --auto --squash images/dev",
        ]);
        assert.deepEqual(open(), ["images/dev"]);

        const second = propose({ "apps/web/overlays/dev/kustomization.yaml": "images: [{name: web/site, newTag: bbbbbbbbbbbb}]\n" });
        assert.equal(second.status, 0, second.stderr);
        assert.match(second.stdout, /^pushed images\/dev$/m);
        assert.match(second.stdout, /^pull request #1 updated$/m);
        assert.match(git(origin, "show", "images/dev:apps/web/overlays/dev/kustomization.yaml"), /bbbbbbbbbbbb/);
        assert.ok(!second.calls.some((c) => c.startsWith("gh pr create")));
        assert.deepEqual(open(), ["images/dev"]);

        const branch = git(origin, "rev-parse", "images/dev");
        const third = propose({ "apps/web/overlays/dev/kustomization.yaml": "images: [{name: web/site, newTag: bbbbbbbbbbbb}]\n" });
        assert.equal(third.status, 0, third.stderr);
        assert.match(third.stdout, /^images\/dev already proposes this change$/m);
        assert.equal(git(origin, "rev-parse", "images/dev"), branch, "the same change pushed again (re-triggering the checks)");
        assert.deepEqual(open(), ["images/dev"]);
        assert.equal(git(origin, "rev-parse", "main"), main0);
    });

    it("warns, without failing, when the repository does not allow auto-merge; fails without the App's token", () => {
        const refused = propose({ "a.txt": "x\n" }, { GH_AUTO_MERGE_FAILS: "1" });
        assert.equal(refused.status, 0, refused.stderr);
        assert.match(refused.stdout, /^::warning::auto-merge of images\/dev not enabled/m);
        assert.deepEqual(open(), ["images/dev"]);
        const noToken = propose({ "b.txt": "x\n" }, { GH_TOKEN: "" });
        assert.notEqual(noToken.status, 0);
        assert.match(noToken.stderr, /GH_TOKEN: a GitHub App installation token/);
    });
});
