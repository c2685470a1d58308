/**
 * What Pod Security `restricted` demands of a pod's and a container's security contexts, as the
 * add-on tests check it on the values a chart renders with (the pod context and one container's
 * context, which the chart copies into the manifests as they are). Each field as
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted lists it, plus
 * the read-only root file system every add-on runs with.
 *
 * @param where Names the pod in each problem, e.g. `redis-ha.haproxy`. Required.
 * @param pod The pod's security context; undefined or `{}` when the chart renders none.
 * @param container The container's security context; undefined or `{}` when the chart renders none.
 * @returns One problem per field restricted (or the read-only root) demands and the contexts miss; empty when they meet it.
 */
export function restrictedProblems(where: string, pod: any, container: any): string[] {
    const p = pod ?? {};
    const c = container ?? {};
    const problems: string[] = [];
    const say = (what: string) => problems.push(`${where}: ${what}`);
    if ((c.runAsNonRoot ?? p.runAsNonRoot) !== true) say("runAsNonRoot is not true (pod or container)");
    if (c.runAsUser === 0 || (c.runAsUser === undefined && p.runAsUser === 0)) say("runs as uid 0");
    if ((c.seccompProfile?.type ?? p.seccompProfile?.type) !== "RuntimeDefault") say("seccompProfile.type is not RuntimeDefault (pod or container)");
    if (c.allowPrivilegeEscalation !== false) say("allowPrivilegeEscalation is not false");
    if (!(c.capabilities?.drop ?? []).includes("ALL")) say("capabilities.drop does not include ALL");
    if ((c.capabilities?.add ?? []).length > 0) say(`capabilities.add is ${JSON.stringify(c.capabilities.add)}`);
    if (c.privileged === true) say("privileged");
    if (c.readOnlyRootFilesystem !== true) say("readOnlyRootFilesystem is not true");
    return problems;
}
