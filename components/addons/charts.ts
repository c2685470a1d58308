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

/**
 * Values keys whose content charts copy into the manifest as is (ResourceRequirements, metadata
 * maps, pod and container security contexts: each chart renders them with `toYaml`). Their fields
 * are the Kubernetes API's: the security contexts the add-ons set are checked against its schema
 * instead (test/addons/security-context.test.ts).
 */
const PASS_THROUGH = new Set([
    "resources",
    "annotations",
    "labels",
    "podAnnotations",
    "podLabels",
    "nodeSelector",
    "securityContext",
    "podSecurityContext",
    "containerSecurityContext",
]);

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

/**
 * The values a chart renders with: `values` over the chart's `defaults` the way Helm coalesces
 * them. Maps are merged key by key at every depth, a `null` removes the default's key, anything
 * else (lists included) replaces the default. So a security context the program sets keeps the
 * fields of the default it does not name (an fsGroup, a runAsUser).
 * https://helm.sh/docs/chart_template_guide/values_files/#deleting-a-default-key
 *
 * @param defaults The chart's default values (its values.yaml).
 * @param values The values the program passes.
 * @returns A new object; neither argument is changed.
 */
export function coalesceValues(defaults: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
    const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    const result: Record<string, unknown> = structuredClone(defaults);
    for (const [key, value] of Object.entries(values)) {
        if (value === null) delete result[key];
        else if (isMap(value) && isMap(result[key])) result[key] = coalesceValues(result[key] as Record<string, unknown>, value);
        else result[key] = structuredClone(value);
    }
    return result;
}
