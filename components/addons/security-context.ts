/**
 * The security contexts that make an add-on's pods meet the Pod Security Standard `restricted`
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted): non-root, the
 * container runtime's default seccomp profile, no privilege escalation, every capability dropped.
 * The add-on values set them explicitly, even where a chart's defaults already do, so a chart
 * upgrade that changes its defaults cannot loosen them unnoticed. The charts copy these objects
 * into the pod and container specs as they are (charts.ts counts them as pass-through keys), so
 * they are typed with the Kubernetes API's own interfaces: the type check refuses a field the API
 * does not have, which Helm would pass on unnoticed. Fargate accepts all of them, the seccomp
 * profile included. https://docs.aws.amazon.com/eks/latest/userguide/fargate.html
 */
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { ISeccompProfile } from "kubernetes-models/v1/SeccompProfile";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

/** Seccomp profile of every add-on pod: the runtime's default (`Unconfined` is what restricted refuses). */
export function runtimeDefaultSeccomp(): ISeccompProfile {
    return { type: "RuntimeDefault" };
}

/**
 * Pod-level security context of an add-on pod: non-root (the image's own numeric user, which
 * every add-on image sets) and the runtime's default seccomp profile, for every container at once.
 * A new object on every call: the values of different pods never share one.
 */
export function restrictedPodSecurityContext(): IPodSecurityContext {
    return { runAsNonRoot: true, seccompProfile: runtimeDefaultSeccomp() };
}

/**
 * Container-level security context of an add-on container: restricted's container fields, repeated
 * here because some charts render no pod-level context for some pods, and a read-only root file
 * system (every add-on writes only to the volumes its chart mounts).
 */
export function restrictedContainerSecurityContext(): ISecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: runtimeDefaultSeccomp(),
    };
}
