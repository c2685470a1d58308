/**
 * Helm values of Argo CD (argo-cd chart 10.x) on Fargate.
 *
 * - The UI is not exposed: the server Service stays ClusterIP and no Ingress is rendered; users
 *   reach it with `kubectl port-forward` (README).
 * - Dex (SSO) and notifications are off: without an exposed UI there is no login flow to federate,
 *   and no notification is configured. Applications are created by the program, not ApplicationSets,
 *   but the ApplicationSet controller stays for teams that add them.
 * - The Redis password Secret `argocd-redis` is made by the chart's redis-secret-init hook job
 *   (values key `redisSecretInit.enabled`), which runs because the chart is installed as a Helm
 *   release: helm.v4.Chart omits hook resources, so the Secret would never exist and the Argo CD
 *   pods would not start.
 *   https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/choosing-the-right-helm-resource-for-your-use-case/
 * - Highly available: redis-ha (3 Redis with Sentinel behind HAProxy; on Fargate every pod is its own
 *   node, so the chart's hard anti-affinity always holds), 2 API servers, 2 repo servers, 2
 *   ApplicationSet controllers, PodDisruptionBudgets. The application controller stays at 1 replica
 *   (more means sharding, which a handful of apps does not need).
 * - Every container requests at most 0.25 vCPU and 256Mi, so with Fargate's 256 MB each pod fits
 *   the smallest size, 0.25 vCPU / 0.5 GB.
 *   https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
 */
export function argocdValues(highAvailability: boolean) {
    const small = { requests: { cpu: "100m", memory: "128Mi" } };
    const medium = { requests: { cpu: "250m", memory: "256Mi" } };
    const replicas = highAvailability ? 2 : 1;
    const pdb = highAvailability ? { enabled: true, minAvailable: 1 } : { enabled: false };
    return {
        crds: { keep: true },
        dex: { enabled: false },
        notifications: { enabled: false },
        controller: { replicas: 1, resources: medium },
        server: {
            replicas,
            resources: small,
            service: { type: "ClusterIP" },
            ingress: { enabled: false },
            pdb,
        },
        repoServer: { replicas, resources: medium, pdb },
        applicationSet: { replicas, resources: small, pdb },
        redisSecretInit: { enabled: true, resources: small },
        redis: { enabled: !highAvailability, resources: small },
        "redis-ha": highAvailability
            ? {
                  enabled: true,
                  redis: { resources: small },
                  sentinel: { resources: small },
                  haproxy: { resources: small },
              }
            : { enabled: false },
    };
}
