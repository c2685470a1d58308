import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "../cluster/handle";
import { IrsaRole } from "../iam/irsa-role";
import { loadBalancerControllerPolicy } from "../iam/load-balancer-controller";
import { CHARTS } from "./charts";
import { loadBalancerControllerValues } from "./load-balancer-controller-values";
import { chartRelease } from "./release";

export interface LoadBalancerControllerArgs {
    /** Chart version (== controller version since chart 3.x); its IAM policy must ship with the program. Required. */
    readonly chartVersion: string;
    /** The cluster it runs in (name, provider, OIDC, what pods need first). Required. */
    readonly cluster: ClusterHandle;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    /** Two replicas with a PodDisruptionBudget instead of one. Required. */
    readonly highAvailability: boolean;
}

/**
 * The AWS Load Balancer Controller: ALBs for Ingresses and NLBs for Services, with IRSA permissions
 * equal to the official policy of its version.
 *
 * Its mutating webhook intercepts every Service creation with failurePolicy Fail (the chart's
 * `serviceMutatorWebhookConfig.failurePolicy`), so a Service created before the controller is
 * ready fails: https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/4140. The
 * choice here: keep the webhook strict, and have everything that creates Services wait for
 * {@link serviceGate} (the Helm release waits for the controller's pods to be ready). Waiting also
 * gives the reverse on destroy: what made load balancers goes before the controller that deletes
 * them.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
    /** Depend on this before creating any Service. */
    public readonly serviceGate: pulumi.Resource;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:LoadBalancerController", name, {}, opts);
        const chart = CHARTS.awsLoadBalancerController;
        const role = new IrsaRole(
            `${name}-irsa`,
            {
                oidcProviderArn: args.cluster.oidc.providerArn,
                oidcIssuer: args.cluster.oidc.issuer,
                namespace: chart.namespace,
                serviceAccount: chart.serviceAccount,
                policy: JSON.stringify(loadBalancerControllerPolicy()),
                description: "AWS Load Balancer Controller",
            },
            { parent: this },
        );
        this.serviceGate = chartRelease(
            `${name}-release`,
            chart,
            args.chartVersion,
            pulumi
                .all([args.cluster.name, args.vpcId, role.roleArn])
                .apply(([clusterName, vpcId, roleArn]) =>
                    loadBalancerControllerValues({ clusterName, region: args.region, vpcId, roleArn, highAvailability: args.highAvailability }),
                ),
            { parent: this, provider: args.cluster.provider, dependsOn: [...args.cluster.workloadDependencies] },
        );
        this.roleArn = role.roleArn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
