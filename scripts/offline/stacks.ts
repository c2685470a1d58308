/**
 * What no single stack's config can tell: how the stacks of the project relate. Each stack has an
 * account of its own (README, "One account per stack"): a prd stack file that names dev's account
 * would put prd's resources beside dev's, under dev's people and limits.
 */
import * as fs from "fs";
import { REPO_ROOT, readStackConfig } from "./stack-config";

/** The stacks of a project folder: one per `Pulumi.<stack>.yaml`, sorted. */
export function projectStacks(root = REPO_ROOT): string[] {
    return fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
}

function accounts(stack: string, root: string): string[] {
    try {
        const config = readStackConfig(stack, root);
        const ids = JSON.parse(config.values[`${config.project}:allowedAccountIds`] ?? "[]");
        return Array.isArray(ids) ? ids.map(String) : [];
    } catch {
        return []; // that stack's own plan reports its file's problems
    }
}

/**
 * Accounts `stack` shares with another stack of the project, one problem per shared account.
 *
 * @param stack The stack planned.
 * @param root The project folder. Defaults to this repository.
 */
export function sharedAccountProblems(stack: string, root = REPO_ROOT): string[] {
    const own = accounts(stack, root);
    return projectStacks(root)
        .filter((other) => other !== stack)
        .flatMap((other) =>
            own
                .filter((id) => accounts(other, root).includes(id))
                .map((id) => `Pulumi.${stack}.yaml: platform:allowedAccountIds: account ${id} is also ${other}'s; every stack deploys to an account of its own`),
        );
}
