import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CiStack, PURPOSES, Purpose, main, requiredVariables, secretsProviderVariable, variableSuffix } from "../scripts/ci-stacks";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { STACKS } from "./support";
import { startChild } from "./child";

/** Every variable of every stack and purpose, each value naming its stack so a borrowed one shows. */
function allVariables(stacks: readonly string[]): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const stack of stacks) {
        for (const purpose of PURPOSES) for (const name of Object.values(requiredVariables(stack, purpose))) vars[name] = `${name.toLowerCase()}-value`;
        vars[secretsProviderVariable(stack)] = `awskms://alias/${stack}`;
    }
    return vars;
}

/** A project folder with the repository's Pulumi files and, optionally, more stack files. */
function project(extra: Record<string, string> = {}): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stacks-"));
    for (const f of fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.(.+\.)?yaml$/.test(f))) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
    for (const [stack, text] of Object.entries(extra)) fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
    return root;
}

/** What the command line prints and exits with, for a purpose and options. */
function run(args: string[], vars: Record<string, string> | undefined, root = REPO_ROOT) {
    return main(args, vars === undefined ? {} : { VARS: JSON.stringify(vars) }, root);
}

const protectedStack = "config:\n  platform:protectStatefulResources: true\n  platform:gitRevision: deploy/stg\n";

describe("CI stacks (scripts/ci-stacks.ts)", () => {
    const vars = allVariables(STACKS);

    it("lists every stack file's stack, with the purpose's own role and the stack's own variables", () => {
        const role: Record<Purpose, string> = { preview: "AWS_PREVIEW_ROLE_ARN", images: "AWS_IMAGES_ROLE_ARN", deploy: "AWS_DEPLOY_ROLE_ARN", destroy: "AWS_DEPLOY_ROLE_ARN" };
        for (const purpose of ["preview", "images", "deploy"] as const) {
            const result = run([purpose], vars);
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stdout.split("\n").length, 2, "one line");
            const stacks: CiStack[] = JSON.parse(result.stdout);
            assert.deepEqual(stacks.map((s) => s.stack), [...STACKS]);
            for (const s of stacks) {
                const suffix = s.stack.toUpperCase();
                assert.deepEqual(Object.keys(s), ["stack", "suffix", "region", "role", "runner", "backendUrl", "secretsProvider", "revision", "destroyable"]);
                assert.equal(s.suffix, suffix);
                assert.equal(s.role, `${role[purpose]}_${suffix}`.toLowerCase() + "-value", `${purpose} ${s.stack}`);
                assert.equal(s.region, `aws_region_${suffix.toLowerCase()}-value`);
                assert.equal(s.runner, `ci_runner_${suffix.toLowerCase()}-value`);
                assert.equal(s.backendUrl, `pulumi_backend_url_${suffix.toLowerCase()}-value`);
                assert.equal(s.secretsProvider, `awskms://alias/${s.stack}`);
            }
        }
    });

    it("reads each stack's revision and whether its data is protected from its stack file", () => {
        const stacks: CiStack[] = JSON.parse(run(["deploy"], vars).stdout);
        const dev = stacks.find((s) => s.stack === "dev")!;
        const prd = stacks.find((s) => s.stack === "prd")!;
        assert.deepEqual([dev.revision, dev.destroyable], ["main", true]);
        // prd's Argo CD follows a branch its approved deploy moves; its data is protected.
        assert.deepEqual([prd.revision, prd.destroyable], ["deploy/prd", false]);
    });

    it("--stack keeps one stack; an unknown one is an error naming the stacks", () => {
        assert.deepEqual(JSON.parse(run(["deploy", "--stack", "prd"], vars).stdout).map((s: CiStack) => s.stack), ["prd"]);
        const unknown = run(["deploy", "--stack", "qa"], vars);
        assert.equal(unknown.status, 1);
        assert.equal(unknown.stdout, "");
        assert.match(unknown.stderr, /^::error::no stack "qa": the stacks are dev, prd/);
    });

    it("--follows keeps the stacks whose Argo CD follows that branch: a merge to main deploys dev, never prd", () => {
        assert.deepEqual(JSON.parse(run(["deploy", "--follows", "main"], vars).stdout).map((s: CiStack) => s.stack), ["dev"]);
        assert.deepEqual(JSON.parse(run(["deploy", "--follows", "deploy/prd"], vars).stdout).map((s: CiStack) => s.stack), ["prd"]);
        // Nobody follows it: an empty matrix, not an error.
        const none = run(["deploy", "--follows", "release"], vars);
        assert.deepEqual([none.status, none.stdout], [0, "[]\n"]);
    });

    it("destroy: only the stacks whose data is not protected; asking for prd is an error saying why", () => {
        const all = run(["destroy"], vars);
        assert.deepEqual(JSON.parse(all.stdout).map((s: CiStack) => [s.stack, s.role]), [["dev", "aws_deploy_role_arn_dev-value"]]);
        const prd = run(["destroy", "--stack", "prd"], vars);
        assert.equal(prd.status, 1);
        assert.equal(prd.stdout, "");
        assert.match(prd.stderr, /^::error::prd cannot be destroyed from CI: Pulumi\.prd\.yaml protects its data \(platform:protectStatefulResources/);
        assert.deepEqual(JSON.parse(run(["destroy", "--stack", "dev"], vars).stdout).map((s: CiStack) => s.stack), ["dev"]);
    });

    it("fails a stack without one of its variables with one error per variable, naming it; never another stack's value", () => {
        for (const purpose of PURPOSES) {
            const stack = purpose === "destroy" ? "dev" : "prd";
            const names = Object.values(requiredVariables(stack, purpose));
            const missing = Object.fromEntries(Object.entries(vars).filter(([name]) => !names.includes(name)));
            const result = run([purpose], missing);
            assert.equal(result.status, 1, purpose);
            assert.equal(result.stdout, "", `${purpose}: printed a matrix without ${stack}'s variables`);
            const errors = result.stderr.trim().split("\n");
            assert.equal(errors.length, names.length, result.stderr);
            for (const [i, name] of names.entries()) {
                assert.match(errors[i], new RegExp(`^::error::the repository variable ${name} \\(${stack}'s [^)]+\\) is not set: .*pulumi stack output ciVariables --stack ${stack}`));
            }
            // Empty is unset; the other stack's are still there and never used.
            const empty = run([purpose], { ...vars, [names[1]]: "" });
            assert.equal(empty.status, 1);
            assert.match(empty.stderr, new RegExp(`^::error::the repository variable ${names[1]} `));
        }
        // A stack that is not selected needs nothing: dev deploys without prd's variables.
        const devOnly = Object.fromEntries(Object.entries(vars).filter(([name]) => !name.endsWith("_PRD")));
        const deployed = run(["deploy", "--follows", "main"], devOnly);
        assert.equal(deployed.status, 0, deployed.stderr);
        // The secrets provider is optional: unset, none is passed.
        const noProvider = run(["deploy", "--stack", "dev"], { ...vars, [secretsProviderVariable("dev")]: "" });
        assert.equal(JSON.parse(noProvider.stdout)[0].secretsProvider, "");
    });

    it("refuses a missing or malformed VARS and a bad command line", () => {
        assert.match(run(["deploy"], undefined).stderr, /^::error::VARS must hold the repository variables as JSON: .*toJSON\(vars\)/);
        assert.equal(main(["deploy"], { VARS: "[]" }).status, 1);
        assert.equal(run(["deploy", "--stack"], vars).status, 2);
        assert.equal(run(["build"], vars).status, 2);
        assert.equal(run(["deploy", "--env", "x"], vars).status, 2);
    });

    it("takes a third stack from its stack file alone, with variables of its own", () => {
        const root = project({ "eu-stg": protectedStack });
        try {
            const stacks = ["dev", "eu-stg", "prd"];
            const all = allVariables(stacks);
            const selected: CiStack[] = JSON.parse(run(["deploy"], all, root).stdout);
            assert.deepEqual(selected.map((s) => s.stack), stacks);
            const stg = selected.find((s) => s.stack === "eu-stg")!;
            assert.equal(stg.suffix, "EU_STG");
            assert.equal(variableSuffix("eu-stg"), "EU_STG");
            assert.deepEqual([stg.role, stg.revision, stg.destroyable], ["aws_deploy_role_arn_eu_stg-value", "deploy/stg", false]);
            // Its variables unset: it fails, naming its own, although dev's and prd's are set.
            const without = run(["preview"], allVariables(["dev", "prd"]), root);
            assert.equal(without.status, 1);
            assert.deepEqual(without.stderr.trim().split("\n").map((l) => /repository variable (\S+)/.exec(l)?.[1]), Object.values(requiredVariables("eu-stg", "preview")));
            assert.deepEqual(JSON.parse(run(["destroy"], all, root).stdout).map((s: CiStack) => s.stack), ["dev"]);
            assert.deepEqual(JSON.parse(run(["deploy", "--follows", "deploy/stg"], all, root).stdout).map((s: CiStack) => s.stack), ["eu-stg"]);
            // Two stacks whose names give one suffix would read each other's variables: refused.
            fs.writeFileSync(path.join(root, "Pulumi.eu_stg.yaml"), protectedStack);
            const clash = run(["deploy", "--stack", "dev"], all, root);
            assert.equal(clash.status, 1);
            assert.match(clash.stderr, /^::error::the stacks eu-stg and eu_stg would share the repository variables \*_EU_STG/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    // A real child process as the workflows run it, started as mocha loads this file so that it runs
    // beside the other tests (test/child.ts).
    const asWorkflows = startChild(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts", "ci-stacks.ts"), "deploy", "--follows", "main"], {
        cwd: REPO_ROOT,
        env: { ...process.env, VARS: JSON.stringify(vars) },
    });

    it("runs as the workflows run it, printing one line", async () => {
        const result = await asWorkflows;
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(JSON.parse(result.stdout).map((s: CiStack) => s.stack), ["dev"]);
    });
});
