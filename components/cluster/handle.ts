/**
 * One typed value for what components that work in the cluster need from it, instead of the
 * provider, the OIDC provider, the pods' security group and the ordering repeated as arguments.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** The cluster, as the components that put something into it see it (`Cluster.handle`). */
export interface ClusterHandle {
    /** The EKS cluster's name. */
    readonly name: pulumi.Output<string>;
    /** The Kubernetes provider every object in the cluster is created with. */
    readonly provider: k8s.Provider;
    /** IRSA: the OIDC provider's ARN and its issuer without `https://`, as trust conditions use it. */
    readonly oidc: { readonly providerArn: pulumi.Input<string>; readonly issuer: pulumi.Input<string> };
    /** The security group EKS attaches to every Fargate pod: what data services admit. */
    readonly podSecurityGroupId: pulumi.Output<string>;
    /** What every workload is created after: egress, the Fargate profiles, CoreDNS, Fargate logging. */
    readonly workloadDependencies: readonly pulumi.Resource[];
}

/**
 * The handle of components that create Services. The AWS Load Balancer Controller's webhook
 * refuses every Service until the controller is ready
 * (https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/4140), so such a
 * component cannot be built without the gate: it is part of its type.
 */
export interface ServiceClusterHandle extends ClusterHandle {
    /** The controller's release (`LoadBalancerController.serviceGate`). */
    readonly serviceGate: pulumi.Resource;
}

/** The handle with the Load Balancer Controller's gate, for components that create Services. */
export function withServiceGate(cluster: ClusterHandle, serviceGate: pulumi.Resource): ServiceClusterHandle {
    return { ...cluster, serviceGate };
}

/** What a component that creates Services waits for: the workload dependencies and the gate. */
export function serviceDependencies(cluster: ServiceClusterHandle): pulumi.Resource[] {
    return [...cluster.workloadDependencies, cluster.serviceGate];
}
