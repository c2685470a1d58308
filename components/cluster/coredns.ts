/**
 * Configuration values of the EKS `coredns` add-on (schema: `aws eks describe-addon-configuration
 * --addon-name coredns`). `computeType: Fargate` removes the annotation that pins CoreDNS to EC2
 * nodes; pulumi-eks sets it too when `fargate` is given, it is repeated here so the intent is
 * visible and tested.
 *
 * Fargate sizes a pod from its requests plus 256 MB for the node agents, rounded up to the next
 * size: 70Mi requested (170Mi limit) + 256 MB stays within the smallest size, 0.25 vCPU / 0.5 GB.
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
 */
export function corednsConfiguration() {
    return {
        computeType: "Fargate",
        replicaCount: 2,
        resources: {
            requests: { cpu: "100m", memory: "70Mi" },
            limits: { memory: "170Mi" },
        },
    };
}
