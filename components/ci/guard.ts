import * as aws from "@pulumi/aws";
import { ConfigError } from "../errors";
import type { CiRoleNames } from "../naming";
import { CI_FINGERPRINT_TAG, CiDefinition, CiRole, ciChangeProblems, ciFingerprint } from "./policies";

/**
 * Refuses, before anything is registered, a run by one of CI's roles that would change CI's own
 * identities (policies.ts `ciChangeProblems`): reads the deploy role's applied-definition tag
 * (`iam:GetRole`, which both the preview and the deploy role may call) and compares it with the
 * config's. A person's run is not checked: it is how such a change is applied.
 *
 * @param provider the stack's AWS provider. Required.
 * @param caller which CI role runs the program; undefined: a person. Required.
 * @param names the stack's CI role names. Required.
 * @param definition the config's CI identities; undefined when `github` is `{}`. Required.
 * @param key the config key, e.g. `platform:github`. Required.
 * @param admin who applies such a change instead (the first of `clusterAdminArns`). Required.
 */
export async function checkCiChange(
    provider: aws.Provider,
    caller: CiRole | undefined,
    names: CiRoleNames,
    definition: CiDefinition | undefined,
    key: string,
    admin: string | undefined,
): Promise<void> {
    if (caller === undefined) return;
    let applied: string | undefined;
    try {
        const role = await aws.iam.getRole({ name: names.deploy }, { provider });
        applied = role.tags?.[CI_FINGERPRINT_TAG];
    } catch {
        applied = undefined; // no such role (or no tag): nothing CI may rely on
    }
    const problems = ciChangeProblems(caller, definition ? ciFingerprint(definition) : undefined, applied, key, admin);
    if (problems.length > 0) throw new ConfigError(problems);
}
