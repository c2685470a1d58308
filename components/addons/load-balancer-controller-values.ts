import { CHARTS } from "./charts";
import { IRSA_ROLE_ANNOTATION } from "../iam/irsa";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security-context";

export interface LoadBalancerControllerSettings {
    readonly clusterName: string;
    readonly region: string;
    readonly vpcId: string;
    /** ARN of the controller's IRSA role. */
    readonly roleArn: string;
    /** Two replicas and a PodDisruptionBudget, or one replica. */
    readonly highAvailability: boolean;
}

/**
 * Helm values of the AWS Load Balancer Controller on Fargate: region and VPC are given because
 * Fargate pods have no instance metadata to discover them, targets are pod IPs (there are no
 * instances), and the webhook certificate is kept across upgrades (`keepTLSSecret`) instead of
 * regenerated on every render, which would show as a change on every update. Keys as in the chart's
 * values.yaml (test/upstream/charts/); on Fargate:
 * https://repost.aws/knowledge-center/eks-alb-ingress-controller-fargate
 */
export function loadBalancerControllerValues(s: LoadBalancerControllerSettings) {
    return {
        clusterName: s.clusterName,
        region: s.region,
        vpcId: s.vpcId,
        serviceAccount: {
            create: true,
            name: CHARTS.awsLoadBalancerController.serviceAccount,
            annotations: { [IRSA_ROLE_ANNOTATION]: s.roleArn },
        },
        defaultTargetType: "ip",
        keepTLSSecret: true,
        replicaCount: s.highAvailability ? 2 : 1,
        // 256Mi (limit) + Fargate's 256 MB stays within the smallest size, 0.25 vCPU / 0.5 GB.
        resources: {
            requests: { cpu: s.highAvailability ? "100m" : "50m", memory: s.highAvailability ? "192Mi" : "128Mi" },
            limits: { memory: "256Mi" },
        },
        // The chart renders the budget only with more than one replica.
        podDisruptionBudget: s.highAvailability ? { maxUnavailable: 1 } : {},
        // Pod Security restricted, although kube-system (EKS's) enforces nothing: the controller needs
        // nothing it forbids (ports 9443 and 8080, no host network). The chart's defaults lack only
        // the seccomp profile and the dropped capabilities (commented out in its values.yaml); Helm
        // merges the default fsGroup 65534 into the pod's context.
        podSecurityContext: restrictedPodSecurityContext(),
        securityContext: restrictedContainerSecurityContext(),
    };
}
