import { ARGOCD_NAMESPACE, KUBE_SYSTEM_NAMESPACE } from "../naming";

/**
 * The Helm charts the platform installs: repository, chart and the namespace each runs in. Versions
 * are stack config (so dev can try a new one first); names live here once.
 */
export const CHARTS = {
    awsLoadBalancerController: {
        repo: "https://aws.github.io/eks-charts",
        chart: "aws-load-balancer-controller",
        namespace: KUBE_SYSTEM_NAMESPACE,
        serviceAccount: "aws-load-balancer-controller",
    },
    argocd: {
        repo: "https://argoproj.github.io/argo-helm",
        chart: "argo-cd",
        // With the chart's nameOverride "argocd", release "argocd" gives the canonical object names
        // (argocd-server, argocd-redis: the Secret redis-ha's existingSecret names).
        releaseName: "argocd",
        namespace: ARGOCD_NAMESPACE,
    },
    metricsServer: {
        repo: "https://kubernetes-sigs.github.io/metrics-server/",
        chart: "metrics-server",
        namespace: KUBE_SYSTEM_NAMESPACE,
    },
} as const;

/** Leaf paths of a values object, e.g. `serviceAccount.annotations.eks\.amazonaws\.com/role-arn` as an array of keys. */
function leafPaths(values: unknown, prefix: string[] = []): string[][] {
    if (values && typeof values === "object" && !Array.isArray(values) && Object.keys(values).length > 0) {
        return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
    }
    return [prefix];
}

/** Values keys whose content charts copy into the manifest as is (ResourceRequirements, metadata maps). */
const PASS_THROUGH = new Set(["resources", "annotations", "labels", "podAnnotations", "podLabels", "nodeSelector"]);

/**
 * The keys in `values` that the chart's default values do not have: a misspelt key is silently
 * ignored by Helm, so it must not reach a cluster. Below a default that is an empty map or empty
 * (`podDisruptionBudget: {}`, `clusterName:`), and inside pass-through objects such as `resources`,
 * any key is accepted.
 */
export function unknownValueKeys(values: Record<string, unknown>, defaults: Record<string, unknown>): string[] {
    const unknown: string[] = [];
    for (const path of leafPaths(values)) {
        let node: unknown = defaults;
        for (const [i, key] of path.entries()) {
            // Kubernetes objects a chart passes through verbatim: their fields are not the chart's.
            if (i > 0 && PASS_THROUGH.has(path[i - 1])) break;
            if (node === null || node === undefined || (typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 0 && i > 0)) break;
            if (typeof node !== "object" || Array.isArray(node) || !(key in (node as object))) {
                unknown.push(path.slice(0, i + 1).join("."));
                break;
            }
            node = (node as Record<string, unknown>)[key];
        }
    }
    return [...new Set(unknown)];
}
