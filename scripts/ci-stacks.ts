/**
 * The stacks a workflow job runs for, with what the job needs to reach each one:
 *
 *   VARS='${{ toJSON(vars) }}' npx tsx scripts/ci-stacks.ts <preview|images|deploy|destroy> [--stack <s>] [--follows <branch>]
 *
 * prints ONE line, a JSON array for a job's `strategy.matrix.include`:
 *   { stack, suffix, region, role, runner, backendUrl, secretsProvider, revision, destroyable }
 *
 * The stacks are the project's `Pulumi.<stack>.yaml` files: adding a stack file adds it to every
 * workflow. Each stack's values come from the repository variables named with its own suffix
 * (`AWS_DEPLOY_ROLE_ARN_PRD`...), which `pulumi stack output ciVariables --stack <stack>` lists. A
 * selected stack without one of them fails the selection with one `::error::` line per variable,
 * naming it: never another stack's value, never a default. GitHub's `vars` context holds every
 * repository variable, and `toJSON(vars)` hands them over in one piece:
 * https://docs.github.com/en/actions/learn-github-actions/contexts#vars-context
 *
 * `role` is the role of the purpose: the preview role (pull requests), the images role (pushes to
 * the default branch), the deploy role (deploys and destroys, in the stack's environment).
 * `revision` is the stack's `platform:gitRevision`, the revision its Argo CD follows; `--follows
 * main` keeps the stacks that follow `main` (a merge deploys those, and only those). `destroy`
 * keeps the stacks whose data is not protected (`platform:protectStatefulResources: false`).
 */
import { CiRole, ciVariableNames, variableSuffix } from "../components/ci/policies";
import { ConfigError } from "../components/errors";
import { REPO_ROOT, readStackConfig } from "./offline/stack-config";
import { projectStacks } from "./offline/stacks";

export const PURPOSES = ["preview", "images", "deploy", "destroy"] as const;
export type Purpose = (typeof PURPOSES)[number];

/** One entry of a job's matrix. */
export interface CiStack {
    readonly stack: string;
    /** The stack's repository variables end with it: the name upper-cased, `_` for anything else. */
    readonly suffix: string;
    readonly region: string;
    /** The ARN of the purpose's role. */
    readonly role: string;
    /** The `runs-on` label of the jobs that reach the stack's Kubernetes API. */
    readonly runner: string;
    readonly backendUrl: string;
    /** Empty: none is passed (a passphrase, or Pulumi Cloud's own encryption). */
    readonly secretsProvider: string;
    /** `platform:gitRevision`: the branch (or tag, or commit) the stack's Argo CD follows. */
    readonly revision: string;
    /** Whether CI may destroy the stack: its stateful resources are not protected. */
    readonly destroyable: boolean;
}

export interface Selection {
    readonly purpose: Purpose;
    readonly stack?: string;
    readonly follows?: string;
}

/** Why nothing can be selected: each message a line of its own. */
export class SelectionError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "SelectionError";
    }
}

export { variableSuffix };

/** The role each purpose assumes: a destroy is a deploy's job, with the same role in the same environment. */
const ROLE: Record<Purpose, CiRole> = { preview: "preview", images: "images", deploy: "deploy", destroy: "deploy" };

/** The repository variables a stack needs for a purpose, by what they hold (components/ci/policies.ts names them). */
export function requiredVariables(stack: string, purpose: Purpose): Record<"region" | "role" | "runner" | "backendUrl", string> {
    const names = ciVariableNames(stack);
    return { region: names.region, role: names.roles[ROLE[purpose]], runner: names.runner, backendUrl: names.backendUrl };
}

/** The optional one: unset or empty, the stack has no secrets provider to pass. */
export function secretsProviderVariable(stack: string): string {
    return ciVariableNames(stack).secretsProvider;
}

const LABELS = {
    region: () => "AWS region",
    role: (purpose: Purpose) => `${purpose === "destroy" ? "deploy" : purpose} role ARN`,
    runner: () => "runner label",
    backendUrl: () => "Pulumi state backend URL",
};

interface StackFacts {
    readonly revision: string;
    readonly destroyable: boolean;
}

function stackFacts(stack: string, root: string): StackFacts {
    const config = readStackConfig(stack, root);
    const value = (key: string) => config.values[`${config.project}:${key}`];
    // Unset (no default either), a stack is protected: only an explicit false makes it destroyable.
    const protect = value("protectStatefulResources");
    return { revision: value("gitRevision") ?? "main", destroyable: protect === "false" };
}

/**
 * The stacks a job runs for, with their variables.
 *
 * @param selection What the job does, and optionally which stack or which followers of a branch.
 * @param vars The repository variables (`toJSON(vars)`).
 * @param root The project folder. Defaults to this repository.
 * @throws SelectionError naming an unknown stack, a stack the purpose refuses, or every missing variable.
 */
export function ciStacks(selection: Selection, vars: Readonly<Record<string, unknown>>, root: string = REPO_ROOT): CiStack[] {
    const all = projectStacks(root);
    const bySuffix = new Map<string, string[]>();
    for (const stack of all) bySuffix.set(variableSuffix(stack), [...(bySuffix.get(variableSuffix(stack)) ?? []), stack]);
    const clashes = [...bySuffix.entries()].filter(([, stacks]) => stacks.length > 1);
    if (clashes.length > 0) {
        // Two stacks reading one set of variables is one stack running with the other's role.
        throw new SelectionError(clashes.map(([suffix, stacks]) => `the stacks ${stacks.join(" and ")} would share the repository variables *_${suffix}: rename one`));
    }

    let stacks = all;
    if (selection.stack !== undefined) {
        if (!all.includes(selection.stack)) {
            throw new SelectionError([`no stack ${JSON.stringify(selection.stack)}: the stacks are ${all.join(", ")} (one per Pulumi.<stack>.yaml)`]);
        }
        stacks = [selection.stack];
    }
    const facts = new Map(stacks.map((stack) => [stack, stackFacts(stack, root)]));
    if (selection.purpose === "destroy") {
        if (selection.stack !== undefined && !facts.get(selection.stack)!.destroyable) {
            throw new SelectionError([
                `${selection.stack} cannot be destroyed from CI: Pulumi.${selection.stack}.yaml protects its data (platform:protectStatefulResources is not false). ` +
                    "Tear it down by hand (README, Tearing down a stack safely).",
            ]);
        }
        stacks = stacks.filter((stack) => facts.get(stack)!.destroyable);
    }
    if (selection.follows !== undefined) stacks = stacks.filter((stack) => facts.get(stack)!.revision === selection.follows);

    const problems: string[] = [];
    const selected = stacks.map((stack): CiStack => {
        const names = requiredVariables(stack, selection.purpose);
        const get = (name: string) => {
            const value = vars[name];
            return typeof value === "string" ? value.trim() : "";
        };
        for (const [what, name] of Object.entries(names)) {
            if (get(name) === "") {
                problems.push(
                    `the repository variable ${name} (${stack}'s ${LABELS[what as keyof typeof LABELS](selection.purpose)}) is not set: ` +
                        `set it to its value in \`pulumi stack output ciVariables --stack ${stack}\` (Settings > Secrets and variables > Actions > Variables)`,
                );
            }
        }
        return {
            stack,
            suffix: variableSuffix(stack),
            region: get(names.region),
            role: get(names.role),
            runner: get(names.runner),
            backendUrl: get(names.backendUrl),
            secretsProvider: get(secretsProviderVariable(stack)),
            revision: facts.get(stack)!.revision,
            destroyable: facts.get(stack)!.destroyable,
        };
    });
    if (problems.length > 0) throw new SelectionError(problems);
    return selected;
}

const USAGE = "usage: VARS='${{ toJSON(vars) }}' npx tsx scripts/ci-stacks.ts <preview|images|deploy|destroy> [--stack <stack>] [--follows <branch>]";

/** The command line: what it prints and its exit status, without exiting (tests call it). */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv, root: string = REPO_ROOT): { stdout: string; stderr: string; status: number } {
    const usage = (why: string) => ({ stdout: "", stderr: `${why}\n${USAGE}\n`, status: 2 });
    const [purpose, ...rest] = argv;
    if (!PURPOSES.includes(purpose as Purpose)) return usage(`unknown purpose ${JSON.stringify(purpose ?? "")}`);
    const selection: { purpose: Purpose; stack?: string; follows?: string } = { purpose: purpose as Purpose };
    for (let i = 0; i < rest.length; i += 2) {
        const value = rest[i + 1];
        if (value === undefined || value === "") return usage(`${rest[i]} needs a value`);
        if (rest[i] === "--stack") selection.stack = value;
        else if (rest[i] === "--follows") selection.follows = value;
        else return usage(`unknown option ${rest[i]}`);
    }
    const fail = (problems: readonly string[]) => ({ stdout: "", stderr: problems.map((p) => `::error::${p}\n`).join(""), status: 1 });
    let vars: unknown;
    try {
        vars = JSON.parse(env.VARS ?? "");
    } catch {
        return fail(["VARS must hold the repository variables as JSON: give the step `env: VARS: ${{ toJSON(vars) }}`"]);
    }
    if (vars === null || typeof vars !== "object" || Array.isArray(vars)) return fail(["VARS must be a JSON object: `${{ toJSON(vars) }}`"]);
    try {
        return { stdout: `${JSON.stringify(ciStacks(selection, vars as Record<string, unknown>, root))}\n`, stderr: "", status: 0 };
    } catch (e) {
        if (e instanceof SelectionError || e instanceof ConfigError) return fail(e.problems);
        throw e;
    }
}

if (require.main === module) {
    const result = main(process.argv.slice(2), process.env);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.status;
}
