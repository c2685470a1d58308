import { strict as assert } from "assert";
import { coalesceValues, unknownValueKeys } from "../../components/addons/charts";
import { metricsServerValues } from "../../components/addons/metrics-server-values";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/addons/security-context";
import { PRIMARY_FARGATE_NAMESPACES, coveredByFargate } from "../../components/cluster/fargate";
import { upstreamFile } from "../../scripts/refresh-upstream";
import { input, named, plan, readReference, stackConfig, STACKS, waitsFor } from "../support";
import { restrictedProblems } from "./restricted";

const chartDefaults = () => readReference(upstreamFile("metricsServerValues"));

describe("metrics-server", () => {
    // Every stack, each expected to run as its own config says (dev one replica, prd HA today).
    for (const [stack, ha] of STACKS.map((s) => [s, stackConfig(s).addons.highAvailability] as const)) {
        it(`${stack}: listens on 10251 (10250 is Fargate's), with requests and the chart's kubelet arguments`, async () => {
            const result = await plan(stack);
            const release = named(result, "metrics-server-release");
            assert.equal(input(release, "chart"), "metrics-server");
            assert.equal(input(release, "version"), stackConfig(stack).addons.metricsServerChartVersion);
            assert.deepEqual(input(release, "repositoryOpts"), { repo: "https://kubernetes-sigs.github.io/metrics-server/" });
            assert.ok(coveredByFargate(input(release, "namespace"), PRIMARY_FARGATE_NAMESPACES));
            const values: Record<string, any> = input(release, "values");
            assert.equal(values.containerPort, 10251);
            assert.notEqual(chartDefaults().containerPort, values.containerPort);
            assert.equal(values.replicas, ha ? 2 : 1);
            assert.equal(values.podDisruptionBudget.enabled, ha);
            assert.ok(values.resources.requests.cpu && values.resources.requests.memory);
            // Kubelet address preferences stay the chart's: neither args nor defaultArgs is overridden.
            assert.equal(values.args, undefined);
            assert.equal(values.defaultArgs, undefined);
            assert.ok(chartDefaults().defaultArgs.includes("--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname"));
            assert.deepEqual(unknownValueKeys(values, chartDefaults()), []);
            assert.deepEqual(values, metricsServerValues(ha));
        });

        it(`${stack}: runs its pod Pod Security restricted, both contexts set by the program, on the pod network and without the resizer sidecar`, async () => {
            const values = input(named(await plan(stack), "metrics-server-release"), "values");
            assert.deepEqual([values.podSecurityContext, values.securityContext], [restrictedPodSecurityContext(), restrictedContainerSecurityContext()]);
            const rendered: any = coalesceValues(chartDefaults(), values);
            assert.deepEqual(restrictedProblems("metrics-server", rendered.podSecurityContext, rendered.securityContext), []);
            assert.notEqual(rendered.hostNetwork.enabled, true);
            // The addon-resizer sidecar has a context of its own: it stays off.
            assert.notEqual(rendered.addonResizer.enabled, true);
        });

        it(`${stack}: installs after the Load Balancer Controller, whose webhook would reject its Service`, async () => {
            const result = await plan(stack);
            const release = named(result, "metrics-server-release");
            assert.ok(waitsFor(result, release, named(result, "load-balancer-controller-release")));
            assert.ok(waitsFor(result, release, named(result, "cluster-aws-logging")));
        });
    }
});
