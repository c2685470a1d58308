import { strict as assert } from "assert";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ArgoCdArgs } from "../../components/addons/argocd";
import type { MetricsServerArgs } from "../../components/addons/metrics-server";
import type { AppArgs } from "../../components/apps/app";
import { ClusterHandle, serviceDependencies, withServiceGate } from "../../components/cluster/handle";

/** A resource stand-in: the handle only carries references to resources. */
const resource = (name: string) => ({ name }) as unknown as pulumi.Resource;

const handle: ClusterHandle = {
    name: pulumi.output("platform-dev"),
    provider: {} as k8s.Provider,
    oidc: { providerArn: "arn:aws:iam::123456789012:oidc-provider/x", issuer: "x" },
    podSecurityGroupId: pulumi.output("sg-1"),
    workloadDependencies: [resource("cluster"), resource("profile")],
};

describe("the cluster handle", () => {
    it("a component that creates Services waits for the workloads' dependencies and the controller's gate", () => {
        const gate = resource("load-balancer-controller-release");
        const withServices = withServiceGate(handle, gate);
        assert.equal(withServices.serviceGate, gate);
        assert.equal(withServices.provider, handle.provider);
        assert.deepEqual(serviceDependencies(withServices), [...handle.workloadDependencies, gate]);
        // The handle it came from is unchanged: components without Services keep their ordering.
        assert.equal((handle as { serviceGate?: unknown }).serviceGate, undefined);
    });

    it("cannot give a Service-creating component a handle without the gate (the type-check refuses it)", () => {
        // Each line below would compile, and so fail `npm test`'s type-check, if the gate were optional.
        // @ts-expect-error the gate is required
        const metrics: Pick<MetricsServerArgs, "cluster"> = { cluster: handle };
        // @ts-expect-error the gate is required
        const argocd: Pick<ArgoCdArgs, "cluster"> = { cluster: handle };
        // @ts-expect-error the gate is required
        const app: Pick<AppArgs, "cluster"> = { cluster: handle };
        assert.ok(metrics && argocd && app);
    });
});
