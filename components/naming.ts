/**
 * Namespaces and name conventions shared by every component. Each lives here once (house style 9):
 * the Fargate selectors, the add-ons and the per-app resources all derive from these.
 */

/** Kubernetes' own namespace: CoreDNS and the AWS Load Balancer Controller run here. */
export const KUBE_SYSTEM_NAMESPACE = "kube-system";

/** Argo CD's namespace: the chart's and the `argocd` CLI's default, so `--port-forward-namespace` is not needed. */
export const ARGOCD_NAMESPACE = "argocd";

/** Prefix of platform-owned namespaces (for example the database bootstrap jobs). */
export const PLATFORM_NAMESPACE_PREFIX = "platform-";

/** Prefix of every app's namespace: app `chat` runs in `app-chat`. */
export const APP_NAMESPACE_PREFIX = "app-";

/**
 * Fargate logging lives in a namespace with exactly this name; it runs no pods, so no selector
 * needs to cover it. https://docs.aws.amazon.com/eks/latest/userguide/fargate-logging.html
 */
export const FARGATE_LOGGING_NAMESPACE = "aws-observability";

/**
 * Labels of every namespace the program creates for workloads. Pod Security `baseline` is
 * enforced: it refuses what Fargate cannot run anyway (privileged, host namespaces, host ports and
 * paths) at admission, with a clear message, instead of leaving the pod Pending.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export function managedNamespaceLabels(): Record<string, string> {
    return { "app.kubernetes.io/managed-by": "pulumi", "pod-security.kubernetes.io/enforce": "baseline" };
}

/** The namespace an app's workloads run in. */
export function appNamespace(app: string): string {
    return `${APP_NAMESPACE_PREFIX}${app}`;
}
