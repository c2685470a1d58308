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

/**
 * The managed CoreDNS add-on as the program creates it, beside the cluster rather than inside
 * pulumi-eks' component, so that it alone waits for the NAT routes its pods pull their image
 * through, and the control plane does not. The fields are those pulumi-eks 4.3 gave the add-on it
 * made (nodejs/eks/cluster/cluster.ts, `${name}-coredns`: `preserve`, OVERWRITE on create and
 * update, the values JSON-encoded with `computeType` first), so adopting it changes nothing in AWS.
 * `preserve`: deleting the add-on leaves CoreDNS running.
 * https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html
 *
 * @param version the add-on version pinned for the cluster's Kubernetes version (versions.ts). Required.
 */
export function corednsAddonArgs(version: string) {
    return {
        addonName: "coredns",
        addonVersion: version,
        preserve: true,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        configurationValues: JSON.stringify(corednsConfiguration()),
    };
}
