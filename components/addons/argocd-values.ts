import type { ArgocdComponents } from "../config/types";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security-context";

/**
 * Helm values of Argo CD (argo-cd chart 10.x) on Fargate.
 *
 * - The UI is not exposed: the server Service stays ClusterIP and no Ingress is rendered; users
 *   reach it with `kubectl port-forward` (README).
 * - What nothing uses is off unless the stack turns it on (`components`): Dex (SSO, `argocdDex`),
 *   since without an exposed UI there is no login flow to federate; notifications
 *   (`argocdNotifications`), since none is configured; and the ApplicationSet controller
 *   (`argocdApplicationSet`), since the program creates every Application itself. The chart has no
 *   switch for the last (argo-helm removed `applicationSet.enabled` to follow upstream, which ships
 *   the controller in every install: https://github.com/argoproj/argo-helm/pull/2688), so it runs
 *   with 0 replicas: its CRD, Deployment and Service stay, no pod runs (a Fargate pod is billed
 *   while it runs: https://aws.amazon.com/fargate/pricing/).
 *   https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/
 *   https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/
 *   https://argo-cd.readthedocs.io/en/stable/operator-manual/user-management/#dex
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
 * - Every pod meets Pod Security `restricted`, which the `argocd` namespace enforces: a pod that
 *   did not would be refused and the release would fail. The chart supports it for each pod it runs
 *   here (it renders no pod this cannot reach), so no namespace exception is needed:
 *   `global.securityContext` is the pod context of the controller, server, repo server and
 *   ApplicationSet controller; Redis, the redis-secret-init hook Job and redis-ha's Redis and
 *   HAProxy pods have pod contexts of their own; `containerSecurityContext` of each also applies to
 *   its init containers (the repo server's copyutil, redis-ha's config-init).
 *   https://github.com/argoproj/argo-helm/tree/argo-cd-10.1.1/charts/argo-cd/templates
 *   The pod contexts keep the users the charts set (Redis 999; redis-ha 1000, HAProxy 99), which
 *   Helm merges in from the defaults.
 */
/** Every optional component off: what a stack runs unless its config turns one on. */
export const ARGOCD_COMPONENTS_OFF: ArgocdComponents = { applicationSet: false, notifications: false, dex: false };

/**
 * @param highAvailability Two replicas of the stateless components, redis-ha and disruption budgets. Required.
 * @param components The optional components to run (default: none, {@link ARGOCD_COMPONENTS_OFF}).
 */
export function argocdValues(highAvailability: boolean, components: ArgocdComponents = ARGOCD_COMPONENTS_OFF) {
    const small = { requests: { cpu: "100m", memory: "128Mi" } };
    const medium = { requests: { cpu: "250m", memory: "256Mi" } };
    const replicas = highAvailability ? 2 : 1;
    const pdb = highAvailability ? { enabled: true, minAvailable: 1 } : { enabled: false };
    const pod = restrictedPodSecurityContext;
    const container = restrictedContainerSecurityContext;
    return {
        crds: { keep: true },
        global: { securityContext: pod() },
        // Their pods take global.securityContext like the other Argo CD components.
        dex: components.dex ? { enabled: true, resources: small, containerSecurityContext: container() } : { enabled: false },
        notifications: components.notifications ? { enabled: true, resources: small, containerSecurityContext: container() } : { enabled: false },
        controller: { replicas: 1, resources: medium, containerSecurityContext: container() },
        server: {
            replicas,
            resources: small,
            service: { type: "ClusterIP" },
            ingress: { enabled: false },
            pdb,
            containerSecurityContext: container(),
        },
        repoServer: { replicas, resources: medium, pdb, containerSecurityContext: container() },
        applicationSet: components.applicationSet
            ? { replicas, resources: small, pdb, containerSecurityContext: container() }
            : // No pod, so no disruption budget either (one demanding a pod would never be met).
              { replicas: 0, resources: small, pdb: { enabled: false }, containerSecurityContext: container() },
        redisSecretInit: { enabled: true, resources: small, securityContext: pod(), containerSecurityContext: container() },
        redis: { enabled: !highAvailability, resources: small, securityContext: pod(), containerSecurityContext: container() },
        "redis-ha": highAvailability
            ? {
                  enabled: true,
                  redis: { resources: small },
                  sentinel: { resources: small },
                  // The subchart's keys (redis-ha 4.38.0, the argo-cd chart's dependency): the pod
                  // and container contexts of the Redis StatefulSet (redis, sentinel, split-brain-fix
                  // and config-init) and of HAProxy (haproxy and its config-init).
                  // https://github.com/DandyDeveloper/charts/blob/redis-ha-4.38.0/charts/redis-ha/values.yaml
                  securityContext: pod(),
                  containerSecurityContext: container(),
                  haproxy: { resources: small, securityContext: pod(), containerSecurityContext: container() },
              }
            : { enabled: false },
    };
}
