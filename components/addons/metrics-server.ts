import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceClusterHandle, serviceDependencies } from "../cluster/handle";
import { CHARTS } from "./charts";
import { metricsServerValues } from "./metrics-server-values";
import { chartRelease } from "./release";

export interface MetricsServerArgs {
    /** Chart version. Required. */
    readonly chartVersion: string;
    /** Two replicas with a PodDisruptionBudget instead of one. Required. */
    readonly highAvailability: boolean;
    /** The cluster, with the Load Balancer Controller's gate: the chart creates a Service. Required. */
    readonly cluster: ServiceClusterHandle;
}

/** metrics-server, so `kubectl top` and HorizontalPodAutoscalers work. */
export class MetricsServer extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:MetricsServer", name, {}, opts);
        const chart = CHARTS.metricsServer;
        this.release = chartRelease(`${name}-release`, chart, args.chartVersion, metricsServerValues(args.highAvailability), {
            parent: this,
            provider: args.cluster.provider,
            dependsOn: serviceDependencies(args.cluster),
        });
        this.registerOutputs({});
    }
}
