import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security-context";

/**
 * Port metrics-server listens on. Fargate reserves 10250 (the kubelet's) in every pod's network
 * namespace, the chart's default since 3.10; the chart derives `--secure-port` from this value.
 * https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html,
 * https://github.com/kubernetes-sigs/metrics-server/issues/1271
 */
export const METRICS_SERVER_PORT = 10251;

/**
 * Helm values of metrics-server on Fargate. The chart's default arguments (kubelet address types,
 * node status port) are kept on purpose: they are what makes it reach Fargate kubelets.
 */
export function metricsServerValues(highAvailability: boolean) {
    return {
        containerPort: METRICS_SERVER_PORT,
        replicas: highAvailability ? 2 : 1,
        // The chart's requests; 256Mi (limit) + Fargate's 256 MB stays within the smallest size, 0.25 vCPU / 0.5 GB.
        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "256Mi" } },
        podDisruptionBudget: highAvailability ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
        // Pod Security restricted, although kube-system (EKS's) enforces nothing: metrics-server
        // needs nothing it forbids. The chart's container defaults already meet it and its pod
        // context is empty; set here, neither depends on the defaults. Helm merges the default
        // runAsUser 1000 into the container's context.
        podSecurityContext: restrictedPodSecurityContext(),
        securityContext: restrictedContainerSecurityContext(),
    };
}
