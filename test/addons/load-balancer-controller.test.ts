import { strict as assert } from "assert";
import { CHARTS, coalesceValues, unknownValueKeys } from "../../components/addons/charts";
import { loadBalancerControllerValues } from "../../components/addons/load-balancer-controller-values";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/addons/security-context";
import { coveredByFargate, PRIMARY_FARGATE_NAMESPACES } from "../../components/cluster/fargate";
import { loadBalancerControllerPolicy } from "../../components/iam/load-balancer-controller";
import { upstreamFile } from "../../scripts/refresh-upstream";
import { input, named, plan, readReference, stackConfig, STACKS, waitsFor } from "../support";
import { restrictedProblems } from "./restricted";

const chartDefaults = () => readReference(upstreamFile("loadBalancerControllerValues"));

describe("AWS Load Balancer Controller", () => {
    it("finds a misspelt values key against chart defaults", () => {
        const chart = { replicaCount: 2, serviceAccount: { annotations: {}, name: null }, resources: {}, clusterName: null };
        assert.deepEqual(unknownValueKeys({ replicaCount: 1, serviceAccount: { annotations: { a: "b" }, name: "x" }, resources: { requests: { cpu: "1" } }, clusterName: "c" }, chart), []);
        assert.deepEqual(unknownValueKeys({ replicaCont: 1, serviceAccount: { anotations: { a: "b" } } }, chart), ["replicaCont", "serviceAccount.anotations"]);
        // Inside a pass-through object such as resources any field is the Kubernetes API's.
        const withRequests = { resources: { requests: { cpu: "1" } } };
        assert.deepEqual(unknownValueKeys({ resources: { limits: { memory: "1Gi" } } }, withRequests), []);
        assert.deepEqual(unknownValueKeys({ resource: { limits: { memory: "1Gi" } } }, withRequests), ["resource"]);
    });

    // Every stack, each expected to run as its own config says (dev one replica, prd HA today).
    for (const [stack, ha] of STACKS.map((s) => [s, stackConfig(s).addons.highAvailability] as const)) {
        describe(stack, () => {
            it("installs the pinned chart in kube-system with the Fargate values", async () => {
                const result = await plan(stack);
                const release = named(result, "load-balancer-controller-release");
                assert.equal(input(release, "chart"), "aws-load-balancer-controller");
                assert.equal(input(release, "version"), stackConfig(stack).addons.loadBalancerControllerChartVersion);
                assert.deepEqual(input(release, "repositoryOpts"), { repo: "https://aws.github.io/eks-charts" });
                assert.equal(input(release, "namespace"), "kube-system");
                const role = named(result, "load-balancer-controller-irsa-role");
                assert.deepEqual(
                    input(release, "values"),
                    loadBalancerControllerValues({
                        clusterName: stackConfig(stack).cluster.name,
                        region: "ap-northeast-1",
                        vpcId: String(result.outputs.vpcId),
                        roleArn: `arn:aws:iam::123456789012:role/${role.id}`,
                        highAvailability: ha,
                    }),
                );
                const values = input(release, "values");
                assert.equal(values.defaultTargetType, "ip");
                assert.equal(values.keepTLSSecret, true);
                assert.equal(values.replicaCount, ha ? 2 : 1);
                assert.deepEqual(values.podDisruptionBudget, ha ? { maxUnavailable: 1 } : {});
                assert.ok(values.resources.requests.cpu && values.resources.requests.memory);
                assert.deepEqual(unknownValueKeys(values, chartDefaults()), []);
                assert.ok(coveredByFargate(input(release, "namespace"), PRIMARY_FARGATE_NAMESPACES));
            });

            it("runs its pod Pod Security restricted (the chart's defaults lack the seccomp profile and the dropped capabilities), on the pod network", async () => {
                const values = input(named(await plan(stack), "load-balancer-controller-release"), "values");
                assert.deepEqual([values.podSecurityContext, values.securityContext], [restrictedPodSecurityContext(), restrictedContainerSecurityContext()]);
                const rendered: any = coalesceValues(chartDefaults(), values);
                assert.deepEqual(restrictedProblems("aws-load-balancer-controller", rendered.podSecurityContext, rendered.securityContext), []);
                assert.notEqual(rendered.hostNetwork, true);
                // Without the program's values the chart's pod would not pass: the values are what makes it.
                assert.notDeepEqual(restrictedProblems("defaults", chartDefaults().podSecurityContext, chartDefaults().securityContext), []);
            });

            it("gets exactly the official permissions through a role only its service account can assume", async () => {
                const result = await plan(stack);
                const trust = JSON.parse(input(named(result, "load-balancer-controller-irsa-role"), "assumeRolePolicy"));
                const issuer = String(result.outputs.oidcProviderArn).split("oidc-provider/")[1];
                assert.deepEqual(trust.Statement[0].Principal, { Federated: result.outputs.oidcProviderArn });
                assert.deepEqual(trust.Statement[0].Condition, {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${CHARTS.awsLoadBalancerController.namespace}:${CHARTS.awsLoadBalancerController.serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                });
                assert.deepEqual(JSON.parse(input(named(result, "load-balancer-controller-irsa-policy"), "policy")), loadBalancerControllerPolicy());
            });

            it("installs only after the Fargate profile, CoreDNS, NAT routes and logging exist", async () => {
                const result = await plan(stack);
                const release = named(result, "load-balancer-controller-release");
                for (const name of ["cluster-eks", "cluster-aws-logging", "network-private-az1-default", "network-private-az2-default"]) {
                    assert.ok(waitsFor(result, release, named(result, name)), `release does not wait for ${name}`);
                }
            });
        });
    }

    it("refuses a chart version whose IAM policy the program does not ship", async () => {
        await assert.rejects(plan("dev", { loadBalancerControllerChartVersion: "3.6.0" }), /platform:loadBalancerControllerChartVersion: must be 3\.5\.0, the version whose official IAM policy ships/);
    });
});
