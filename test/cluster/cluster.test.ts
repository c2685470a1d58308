import { corednsConfiguration } from "../../components/cluster/coredns";
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../../components/cluster/cluster";
import { loadConfig } from "../../components/config/load";
import { rootName } from "../../components/naming";
import { Network } from "../../components/network/network";
import { runProgram } from "../../scripts/offline/engine";
import { eksCreatedSecurityGroupId } from "../../scripts/offline/mocks";
import { readStackConfig } from "../../scripts/offline/stack-config";
import { input, named, ofType, plan, waitsFor } from "../support";

const expected = {
    dev: {
        publicAccessCidrs: ["0.0.0.0/0"],
        logTypes: ["api", "audit", "authenticator"],
        retention: 14,
        auditRetention: 14,
        protect: false,
        // PlatformAdmin, the only declared admin, creates the cluster: EKS's creator access, no entry.
        admins: {},
    },
    prd: {
        publicAccessCidrs: ["203.0.113.0/24", "198.51.100.0/28"],
        logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        retention: 90,
        auditRetention: 365,
        protect: true,
        // PlatformAdmin, the only declared admin, creates the cluster: EKS's creator access, no entry.
        admins: {},
    },
} as const;

/** Plans with extra Fargate namespaces, each run once for the tests that share it. */
const planned = new Map<string, ReturnType<typeof plan>>();
function planWithExtras(stack: string, changes: Record<string, string>): ReturnType<typeof plan> {
    const key = JSON.stringify([stack, changes]);
    if (!planned.has(key)) planned.set(key, plan(stack, changes));
    return planned.get(key)!;
}

describe("cluster", () => {
    for (const [stack, want] of Object.entries(expected)) {
        describe(stack, () => {
            it("runs only on Fargate: no node group, no instance role, no node security groups", async () => {
                const result = await plan(stack);
                const eks = named(result, "cluster-eks");
                assert.equal(input(eks, "skipDefaultNodeGroup"), true);
                assert.equal(input(eks, "createInstanceRole"), false);
                assert.equal(input(eks, "skipDefaultSecurityGroups"), true);
                assert.equal(input(eks, "nodeGroupOptions"), undefined);
                assert.deepEqual(result.resources.filter((r) => /nodeGroup|NodeGroup|autoscaling|launchTemplate/.test(r.type)), []);
            });

            it("selects kube-system, argocd, platform-* and app-* for Fargate, in the private subnets", async () => {
                const result = await plan(stack);
                const eks = named(result, "cluster-eks");
                const selectors = input(eks, "fargate.selectors").map((s: { namespace: string }) => s.namespace);
                assert.deepEqual(selectors, ["kube-system", "argocd", "platform-*", "app-*"]);
                assert.deepEqual(input(eks, "fargate.subnetIds"), result.outputs.privateSubnetIds);
                assert.deepEqual(input(eks, "privateSubnetIds"), result.outputs.privateSubnetIds);
                const publicIds = result.outputs.publicSubnetIds as string[];
                assert.ok(input(eks, "fargate.subnetIds").every((id: string) => !publicIds.includes(id)));
            });

            it("uses its own pod execution role, bound to this cluster's Fargate profiles", async () => {
                const result = await plan(stack);
                const role = named(result, "cluster-pod-execution");
                assert.equal(input(named(result, "cluster-eks"), "fargate.podExecutionRoleArn"), `arn:aws:iam::123456789012:role/${role.id}`);
                const trust = JSON.parse(input(role, "assumeRolePolicy"));
                assert.equal(trust.Statement[0].Condition.ArnLike["aws:SourceArn"], `arn:aws:eks:ap-northeast-1:123456789012:fargateprofile/platform-${stack}/*`);
                const attachment = ofType(result, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").find((a) => input(a, "role") === role.id);
                assert.equal(input(attachment!, "policyArn"), "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy");
                const logs = JSON.parse(input(named(result, "cluster-pod-execution-logs"), "policy"));
                assert.deepEqual(logs.Statement[0].Resource, [
                    `arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/eks/platform-${stack}/containers`,
                    `arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/eks/platform-${stack}/containers:*`,
                ]);
            });

            it("enables IRSA, API authentication with the configured admins, and encrypted Secrets", async () => {
                const result = await plan(stack);
                const eks = named(result, "cluster-eks");
                assert.equal(input(eks, "createOidcProvider"), true);
                assert.equal(input(eks, "authenticationMode"), "API");
                const entries = input(eks, "accessEntries");
                assert.deepEqual(Object.fromEntries(Object.entries(entries).map(([k, v]: [string, any]) => [k, v.principalArn])), want.admins);
                for (const entry of Object.values<any>(entries)) {
                    assert.deepEqual(entry.accessPolicies.admin, {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        accessScope: { type: "cluster" },
                    });
                }
                const key = named(result, "cluster-secrets");
                assert.equal(input(key, "enableKeyRotation"), true);
                // An explicit policy: the account, and EKS in this region for this account's principals.
                const policy = JSON.parse(input(key, "policy"));
                assert.deepEqual(policy.Statement.map((s: any) => [s.Sid, s.Condition?.StringEquals?.["kms:ViaService"]]), [
                    ["AccountAdministersKeyThroughIam", undefined],
                    ["ClusterRoleThroughEks", "eks.ap-northeast-1.amazonaws.com"],
                ]);
                assert.equal(policy.Statement[1].Condition.StringEquals["kms:CallerAccount"], "123456789012");
                assert.equal(input(eks, "encryptionConfigKeyArn"), `arn:aws:kms:ap-northeast-1:123456789012:key/${key.id}`);
                assert.equal(input(named(result, "cluster-secrets"), "deletionWindowInDays"), want.protect ? 30 : 7);
            });

            it("opens the API endpoint as configured, privately always", async () => {
                const eks = named(await plan(stack), "cluster-eks");
                assert.equal(input(eks, "endpointPublicAccess"), true);
                assert.deepEqual(input(eks, "publicAccessCidrs"), want.publicAccessCidrs);
                assert.equal(input(eks, "endpointPrivateAccess"), true);
                assert.deepEqual(input(eks, "upgradePolicy"), { supportType: "STANDARD" });
                assert.equal(input(eks, "version"), "1.35");
            });

            it("logs the control plane (audit retention) and containers (the stack's retention) to groups encrypted with the logs key", async () => {
                const result = await plan(stack);
                assert.deepEqual(input(named(result, "cluster-eks"), "enabledClusterLogTypes"), want.logTypes);
                assert.equal(input(named(result, "cluster-control-plane-logs"), "name"), `/aws/eks/platform-${stack}/cluster`);
                assert.equal(input(named(result, "cluster-control-plane-logs"), "retentionInDays"), want.auditRetention);
                assert.equal(input(named(result, "cluster-container-logs"), "retentionInDays"), want.retention);
                const logsKey = `arn:aws:kms:ap-northeast-1:123456789012:key/${named(result, "logs-key").id}`;
                for (const name of ["cluster-control-plane-logs", "cluster-container-logs"]) {
                    assert.equal(input(named(result, name), "kmsKeyId"), logsKey, name);
                }
                // EKS would create the control-plane group itself, without retention, if it came first.
                assert.ok(waitsFor(result, named(result, "cluster-eks"), named(result, "cluster-control-plane-logs")));
            });

            it("ships container logs through the aws-observability namespace before any workload", async () => {
                const result = await plan(stack);
                const namespace = named(result, "cluster-aws-observability");
                assert.deepEqual(input(namespace, "metadata"), { name: "aws-observability", labels: { "aws-observability": "enabled" } });
                const configMap = named(result, "cluster-aws-logging");
                assert.equal(input(configMap, "metadata.name"), "aws-logging");
                assert.equal(input(configMap, "metadata.namespace"), "aws-observability");
                assert.match(input(configMap, "data")["output.conf"], new RegExp(`log_group_name ${input(named(result, "cluster-container-logs"), "name")}\\n`));
                const k8sProvider = named(result, "cluster-k8s");
                for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
                    assert.equal(r.provider, k8sProvider.urn, `${r.name} must use the cluster's provider`);
                }
                assert.ok(waitsFor(result, configMap, named(result, "cluster-eks")));
            });

            it("runs CoreDNS on Fargate with small requests, as its own add-on that adopts the one pulumi-eks made", async () => {
                const result = await plan(stack);
                assert.equal(input(named(result, "cluster-eks"), "corednsAddonOptions.enabled"), false);
                const addon = named(result, "cluster-coredns");
                const values = JSON.parse(input(addon, "configurationValues"));
                assert.equal(values.computeType, "Fargate");
                assert.deepEqual(values.resources.requests, { cpu: "100m", memory: "70Mi" });
                // pulumi-eks 4.3's add-on (`${name}-coredns` under the component): the same fields, so adopting it is no change.
                assert.deepEqual(
                    [input(addon, "addonName"), input(addon, "preserve"), input(addon, "resolveConflictsOnCreate"), input(addon, "resolveConflictsOnUpdate")],
                    ["coredns", true, "OVERWRITE", "OVERWRITE"],
                );
                assert.equal(input(addon, "configurationValues"), JSON.stringify(corednsConfiguration()));
            });

            it("creates the control plane without waiting for the NAT routes, and CoreDNS only once they exist", async () => {
                const result = await plan(stack);
                const eks = named(result, "cluster-eks");
                const coredns = named(result, "cluster-coredns");
                const routes = ofType(result, "aws:ec2/route:Route").filter((r) => r.name.startsWith("network-private-"));
                assert.ok(routes.length >= 2);
                for (const route of routes) {
                    assert.ok(!waitsFor(result, eks, route), `cluster-eks waits for ${route.name}`);
                    assert.ok(waitsFor(result, coredns, route), `CoreDNS does not wait for ${route.name}`);
                }
                assert.ok(waitsFor(result, coredns, eks), "CoreDNS waits for the cluster and its Fargate profile");
                for (const name of ["cluster-pod-execution", "cluster-pod-execution-logs"]) {
                    assert.ok(waitsFor(result, eks, named(result, name)), `cluster-eks does not wait for ${name}`);
                }
            });

            it(`${want.protect ? "protects" : "does not protect"} the secrets key, log groups and cluster`, async () => {
                const result = await plan(stack);
                for (const name of ["cluster-secrets", "cluster-control-plane-logs", "cluster-container-logs", "logs-key"]) {
                    assert.equal(named(result, name).protect, want.protect, name);
                }
                assert.equal(input(named(result, "cluster-eks"), "deletionProtection"), want.protect);
            });
        });
    }

    it("creates extra Fargate profiles one after another, never touching the primary one", async () => {
        const extras = ["batch", "jobs-*", "etl", "ml-?", "reports", "tools"];
        const base = await plan("dev");
        const result = await planWithExtras("dev", { extraFargateNamespaces: JSON.stringify(extras) });
        const eks = named(result, "cluster-eks");
        assert.deepEqual(input(eks, "fargate"), input(named(base, "cluster-eks"), "fargate"));
        const profiles = ofType(result, "aws:eks/fargateProfile:FargateProfile");
        assert.deepEqual(profiles.map((p) => p.name), ["cluster-fargate-extra-1", "cluster-fargate-extra-2"]);
        assert.deepEqual(profiles.map((p) => input(p, "selectors").map((s: any) => s.namespace)), [extras.slice(0, 5), extras.slice(5)]);
        assert.ok(profiles[0].dependencies.includes(eks.urn));
        assert.ok(profiles[1].dependencies.includes(profiles[0].urn));
        for (const p of profiles) {
            assert.deepEqual(input(p, "subnetIds"), result.outputs.privateSubnetIds);
            assert.equal(input(p, "clusterName"), "platform-dev");
        }
    });

    it("replaces Fargate profiles create-before-delete when azCount changes: auto-named, never delete-first, still one after another", async () => {
        const extras = { extraFargateNamespaces: JSON.stringify(["batch", "jobs-*", "etl", "ml-?", "reports", "tools"]) };
        // dev has two AZs: the plan of the test above, and one with a third.
        const [two, three] = [await planWithExtras("dev", extras), await planWithExtras("dev", { ...extras, azCount: "3" })];
        for (const result of [two, three]) {
            const eks = named(result, "cluster-eks");
            // pulumi-eks names the primary profile's resource after the component and leaves its
            // physical name to auto-naming; nothing here may fix one.
            assert.deepEqual(Object.keys(input(eks, "fargate")).sort(), ["podExecutionRoleArn", "selectors", "subnetIds"]);
            assert.equal(eks.deleteBeforeReplace, undefined);
            const profiles = ofType(result, "aws:eks/fargateProfile:FargateProfile");
            assert.equal(profiles.length, 2);
            for (const p of profiles) {
                assert.equal(input(p, "fargateProfileName"), undefined, `${p.name} has a fixed name: its replacement would have to delete first`);
                assert.equal(p.deleteBeforeReplace, undefined, `${p.name} is replaced delete-first`);
            }
            assert.ok(profiles[0].dependencies.includes(eks.urn));
            assert.ok(profiles[1].dependencies.includes(profiles[0].urn));
        }
        // subnetIds is create-only: the third AZ's subnet replaces every profile, under the same logical names.
        const subnets = (result: typeof two, name: string) => input(named(result, name), "subnetIds");
        for (const name of ["cluster-fargate-extra-1", "cluster-fargate-extra-2"]) {
            assert.equal(subnets(two, name).length, 2);
            assert.equal(subnets(three, name).length, 3);
        }
        assert.equal(input(named(three, "cluster-eks"), "fargate.subnetIds").length, 3);
    });

    it("exposes what later components need, and what workloads must wait for", async () => {
        const stack = readStackConfig("prd");
        const seen: Record<string, unknown> = {};
        const result = await runProgram(
            async () => {
                const config = loadConfig(pulumi.runtime.allConfig(), stack.project, stack.stack);
                const logs = { kmsKeyArn: "arn:aws:kms:ap-northeast-1:123456789012:key/logs", retentionDays: 30, protect: config.protect };
                const network = new Network("network", { config: config.network, clusterName: config.cluster.name, root: rootName(stack.project, stack.stack), logs });
                const cluster = new Cluster("cluster", {
                    config: config.cluster,
                    root: rootName(stack.project, stack.stack),
                    aws: config.aws,
                    protect: config.protect,
                    logsKeyArn: logs.kmsKeyArn,
                    vpcId: network.vpcId,
                    privateSubnetIds: network.privateSubnetIds,
                    egress: network.egress,
                });
                const urns = await Promise.all(cluster.workloadDependencies.map((r) => (r.urn as any).promise()));
                Object.assign(seen, { urns, provider: cluster.provider instanceof pulumi.ProviderResource });
                return {
                    oidcProviderArn: cluster.oidcProviderArn,
                    oidcIssuer: cluster.oidcIssuer,
                    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
                };
            },
            { config: stack, region: "ap-northeast-1" },
        );
        const name = (urn: unknown) => String(urn).split("::").pop();
        assert.deepEqual((seen.urns as string[]).map(name).sort(), [
            "cluster-aws-logging",
            "cluster-coredns",
            "cluster-eks",
            "network-private-az1-default",
            "network-private-az2-default",
            "network-private-az3-default",
        ]);
        assert.equal(seen.provider, true);
        assert.match(String(result.outputs.oidcProviderArn), /^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\.ap-northeast-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
        assert.match(String(result.outputs.oidcIssuer), /^oidc\.eks\.ap-northeast-1\.amazonaws\.com\/id\//);
        // The EKS-created group that Fargate pods get, not one of pulumi-eks' own.
        // https://docs.aws.amazon.com/eks/latest/userguide/fargate-getting-started.html
        assert.equal(result.outputs.clusterSecurityGroupId, eksCreatedSecurityGroupId("platform-prd"));
    });
});
