import {
    APP_NAMESPACE_PREFIX,
    ARGOCD_NAMESPACE,
    KUBE_SYSTEM_NAMESPACE,
    PLATFORM_NAMESPACE_PREFIX,
} from "../naming";

/**
 * EKS accepts at most 5 selectors per Fargate profile.
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html
 */
export const MAX_SELECTORS_PER_PROFILE = 5;

/** Fargate profiles per cluster (EKS service quota, adjustable but 10 by default). */
export const MAX_FARGATE_PROFILES = 10;

/**
 * The namespaces of the primary Fargate profile. They are fixed on purpose: a profile's selectors
 * cannot be updated (a change replaces the profile and sends its pods back to Pending), so apps are
 * covered by the `app-*` wildcard and platform jobs by `platform-*` instead of one selector each.
 */
export const PRIMARY_FARGATE_NAMESPACES: readonly string[] = Object.freeze([
    KUBE_SYSTEM_NAMESPACE,
    ARGOCD_NAMESPACE,
    `${PLATFORM_NAMESPACE_PREFIX}*`,
    `${APP_NAMESPACE_PREFIX}*`,
]);

/** A Fargate selector pattern: a namespace name in which `*` and `?` may stand for characters. */
export const NAMESPACE_PATTERN = /^(?=.{1,63}$)[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/;

/** Whether a namespace matches a selector pattern (`*`: any run of characters, `?`: one character). */
export function namespaceMatches(pattern: string, namespace: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\-]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${regex}$`).test(namespace);
}

/** Whether pods in `namespace` are scheduled on Fargate by one of the `patterns`. */
export function coveredByFargate(namespace: string, patterns: readonly string[]): boolean {
    return patterns.some((p) => namespaceMatches(p, namespace));
}

/** One Fargate profile to create: its role in names and its namespace selectors. */
export interface FargateProfilePlan {
    /** `primary` (created by eks.Cluster) or `extra-<n>` (n from 1, created one after another). */
    readonly role: string;
    readonly namespaces: readonly string[];
}

/**
 * Splits the selectors into profiles of at most {@link MAX_SELECTORS_PER_PROFILE}: the fixed primary
 * profile first, then the extra namespaces from config in order. Extras never share the primary
 * profile, so adding one can never replace the profile that runs kube-system and the apps.
 */
export function planFargateProfiles(extraNamespaces: readonly string[]): FargateProfilePlan[] {
    const plans: FargateProfilePlan[] = [{ role: "primary", namespaces: PRIMARY_FARGATE_NAMESPACES }];
    for (let i = 0; i < extraNamespaces.length; i += MAX_SELECTORS_PER_PROFILE) {
        plans.push({
            role: `extra-${plans.length}`,
            namespaces: extraNamespaces.slice(i, i + MAX_SELECTORS_PER_PROFILE),
        });
    }
    return plans;
}
