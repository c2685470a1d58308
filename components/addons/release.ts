import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A chart the platform installs (an entry of CHARTS). */
export interface ChartRef {
    readonly repo: string;
    readonly chart: string;
    readonly namespace: string;
    /** Helm release name. Defaults to the chart name. */
    readonly releaseName?: string;
}

/**
 * Seconds Helm waits for an add-on to be ready: every Fargate pod waits for a node of its own (a
 * minute or two), so Helm's default of 5 minutes is too short when pods start one after another.
 */
export const DEFAULT_RELEASE_TIMEOUT = 600;

/**
 * An add-on as a Helm release (helm.v3.Release, not v4.Chart: hooks run and readiness is awaited;
 * https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/choosing-the-right-helm-resource-for-your-use-case/),
 * pinned to one chart version, in the chart's namespace.
 *
 * @param name Logical name of the release resource.
 * @param chart Repository, chart and namespace.
 * @param version Exact chart version.
 * @param values Helm values.
 * @param opts Parent, provider and dependencies.
 * @param timeout Seconds to wait for readiness. Defaults to {@link DEFAULT_RELEASE_TIMEOUT}.
 */
export function chartRelease(
    name: string,
    chart: ChartRef,
    version: string,
    values: pulumi.Input<Record<string, unknown>>,
    opts: pulumi.CustomResourceOptions,
    timeout: number = DEFAULT_RELEASE_TIMEOUT,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: chart.releaseName ?? chart.chart,
            chart: chart.chart,
            version,
            timeout,
            repositoryOpts: { repo: chart.repo },
            namespace: chart.namespace,
            values,
        },
        opts,
    );
}
