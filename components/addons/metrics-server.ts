import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "./charts";
import { metricsServerValues } from "./metrics-server-values";
import { chartRelease } from "./release";

export interface MetricsServerArgs {
    /** Chart version. Required. */
    readonly chartVersion: string;
    /** Two replicas with a PodDisruptionBudget instead of one. Required. */
    readonly highAvailability: boolean;
    /** Kubernetes provider of the cluster. Required. */
    readonly k8sProvider: k8s.Provider;
    /**
     * What the release waits for: Cluster.workloadDependencies and the Load Balancer Controller's
     * serviceGate (the chart creates a Service, which the controller's webhook rejects until ready). Required.
     */
    readonly dependsOn: readonly pulumi.Resource[];
}

/** metrics-server, so `kubectl top` and HorizontalPodAutoscalers work. */
export class MetricsServer extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:MetricsServer", name, {}, opts);
        const chart = CHARTS.metricsServer;
        this.release = chartRelease(`${name}-release`, chart, args.chartVersion, metricsServerValues(args.highAvailability), {
            parent: this,
            provider: args.k8sProvider,
            dependsOn: [...args.dependsOn],
        });
        this.registerOutputs({});
    }
}
