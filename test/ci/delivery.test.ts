/**
 * Workflows, trust policies and README against each other: every job that assumes one of CI's
 * roles can get the OIDC `sub` that role trusts (its event, its environment), asks for no longer a
 * session than the role allows, and the README's table of roles and its bootstrap say what the
 * program creates and outputs.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CI_ROLES, CI_SESSION_SECONDS, CiRole, ciSubjects, ciVariableNames, destroyEnvironment } from "../../components/ci/policies";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, stackConfig } from "../support";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const text = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => parse(text(file));
const README = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

/** The role each ci-stacks purpose hands a job (scripts/ci-stacks.ts). */
const ROLE_OF: Record<string, CiRole> = { preview: "preview", images: "images", deploy: "deploy", destroy: "deploy" };

/** The roles a workflow's jobs assume: from the purposes it selects stacks for, or its callers'. */
function rolesOf(file: string): CiRole[] {
    const own = [...text(file).matchAll(/npx tsx scripts\/ci-stacks\.ts (\w+)/g)].map((m) => ROLE_OF[m[1]]).filter(Boolean);
    if (own.length > 0) return [...new Set(own)];
    const callers = files.filter((f) => text(f).includes(`uses: ./.github/workflows/${file}`));
    return [...new Set(callers.flatMap(rolesOf))];
}

/** The events that start a workflow, its callers' for a reusable one. */
function eventsOf(file: string): string[] {
    const events = Object.keys(workflow(file).on ?? {});
    if (!events.includes("workflow_call")) return events;
    return files.filter((f) => text(f).includes(`uses: ./.github/workflows/${file}`)).flatMap(eventsOf);
}

/** Every job that assumes an AWS role, with its workflow. */
function assumingJobs(): { file: string; id: string; job: any; step: any }[] {
    return files.flatMap((file) =>
        Object.entries<any>(workflow(file).jobs).flatMap(([id, job]) =>
            (job.steps ?? []).filter((s: any) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials@")).map((step: any) => ({ file, id, job, step })),
        ),
    );
}

describe("delivery: workflows, trust and README agree", () => {
    it("every job that assumes a role can get the sub its role trusts, and asks for no longer a session than the role allows", () => {
        const jobs = assumingJobs();
        assert.deepEqual([...new Set(jobs.map((j) => j.file))].sort(), ["destroy.yml", "images.yml", "pull-request.yml", "pulumi-up.yml"]);
        const branches = [...new Set(STACKS.map((s) => stackConfig(s).github?.branch).filter(Boolean))];
        for (const { file, id, job, step } of jobs) {
            const roles = rolesOf(file);
            assert.equal(roles.length, 1, `${file}: one role per workflow (${roles})`);
            const [role] = roles;
            const where = `${file} ${id} (${role} role)`;
            const events = eventsOf(file);
            assert.ok(!events.includes("pull_request_target"), `${where}: pull_request_target runs with the base repository's secrets`);
            if (role === "preview") {
                // repo:<owner>/<name>:pull_request: a pull_request event, and no environment (which would replace the sub).
                assert.deepEqual(events, ["pull_request"], where);
                assert.equal(job.environment, undefined, where);
            } else if (role === "images") {
                // repo:<owner>/<name>:ref:refs/heads/<branch>: the default branch, no environment.
                assert.ok(!events.includes("pull_request"), where);
                assert.equal(job.environment, undefined, where);
                const push = workflow(file).on.push;
                if (push) assert.deepEqual(push.branches, branches, `${where}: pushes of the branch the images role trusts`);
            } else if (file === "destroy.yml") {
                // repo:<owner>/<name>:environment:<stack>-destroy, which only a destroyable stack's deploy role trusts.
                assert.equal(job.environment, `\${{ matrix.stack }}${destroyEnvironment("")}`, where);
            } else {
                // repo:<owner>/<name>:environment:<stack>: the job runs in the stack's environment.
                assert.match(String(job.environment), /^\$\{\{ (inputs|matrix)\.stack \}\}$/, where);
            }
            const requested = Number(step.with?.["role-duration-seconds"] ?? 3600);
            assert.ok(requested <= CI_SESSION_SECONDS[role], `${where}: asks for ${requested} s, the role allows ${CI_SESSION_SECONDS[role]} s`);
            // The role comes from the stack's own matrix entry or inputs, never a variable read here.
            assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ (matrix|inputs)\.role \}\}$/, where);
        }
        // The deploy jobs use what the deploy role allows: a first up takes most of an hour.
        const deploy = jobs.find((j) => j.file === "pulumi-up.yml")!;
        assert.equal(Number(deploy.step.with["role-duration-seconds"]), CI_SESSION_SECONDS.deploy);
    });

    it("the README's table of CI's roles says what the program creates: each trusted sub, who assumes it, the session", () => {
        const table = README.slice(README.indexOf("<!-- ci-roles:start -->"), README.indexOf("<!-- ci-roles:end -->"));
        const rows = table.split("\n").filter((l) => /^\| `\w+` \|/.test(l)).map((l) => l.split(" | ").map((c) => c.replace(/^\| /, "").replace(/ \|$/, "")));
        assert.deepEqual(rows.map((r) => r[0]), CI_ROLES.map((r) => `\`${r}\``));
        const subjects = ciSubjects({ repository: "<owner>/<name>", branch: "<branch>" }, "<stack>", true);
        const users = (role: CiRole) => files.filter((f) => assumingJobs().some((j) => j.file === f) && rolesOf(f).includes(role));
        for (const [i, role] of CI_ROLES.entries()) {
            const [, sub, assumedBy, , , session] = rows[i];
            assert.equal(sub, subjects[role].map((s) => `\`${s}\``).join(" and, where CI may destroy the stack, "), role);
            assert.equal(session, `${CI_SESSION_SECONDS[role]} s`, role);
            for (const file of users(role)) assert.ok(assumedBy.includes(`\`${file}\``), `${role}: the README names ${file}`);
        }
    });

    it("the README's bootstrap names every repository variable the program outputs and the workflows read", () => {
        const names = ciVariableNames("STACK");
        const all = [names.region, ...Object.values(names.roles), names.runner, names.backendUrl, names.secretsProvider].map((n) => n.replace(/_STACK$/, "_<STACK>"));
        const bootstrap = README.slice(README.indexOf("### Bootstrap: the one local `pulumi up`"), README.indexOf("### A path to the API"));
        for (const name of all) assert.ok(bootstrap.includes(`\`${name}\``), name);
        assert.ok(bootstrap.includes("pulumi stack output ciVariables"));
    });
});
