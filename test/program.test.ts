import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/errors";
import type { AppSpec } from "../components/apps/discover";
import { stackApps } from "../scripts/offline/apps";
import { PlanResult, RecordedResource, SECRET_MASK } from "../scripts/offline/engine";
import { readStackConfig } from "../scripts/offline/stack-config";
import { STACKS, input, named, plan, subtree } from "./support";

/** Stack-specific strings that differ by design and are not settings: normalised before comparing. */
function normalise<T>(value: T): T {
    const text = JSON.stringify(value ?? null)
        .replace(/platform-(dev|prd)/g, "platform-<stack>")
        .replace(/111111111111|222222222222/g, "<account>");
    return JSON.parse(text);
}

/** Provider inputs arrive JSON-encoded (as the SDK registers them); decode for a field-level diff. */
function decoded(r: RecordedResource): Record<string, unknown> {
    if (!r.type.startsWith("pulumi:providers:")) return r.inputs;
    return Object.fromEntries(
        Object.entries(r.inputs).map(([k, v]) => {
            try {
                return [k, typeof v === "string" && /^[[{]/.test(v) ? JSON.parse(v) : v];
            } catch {
                return [k, v];
            }
        }),
    );
}

/** Leaf paths (arrays compared whole) where two input objects differ. */
function differences(a: unknown, b: unknown, path = ""): string[] {
    const isObject = (x: unknown) => x !== null && typeof x === "object" && !Array.isArray(x);
    if (isObject(a) && isObject(b)) {
        const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
        return keys.flatMap((k) => differences((a as any)[k], (b as any)[k], path ? `${path}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

/** Every difference between two stacks' plans: resources in one only, and settings that differ. */
function stackDifferences(dev: PlanResult, prd: PlanResult): string[] {
    const key = (r: RecordedResource) => `${r.type}::${r.name}`;
    const devByKey = new Map(dev.resources.map((r) => [key(r), r]));
    const prdByKey = new Map(prd.resources.map((r) => [key(r), r]));
    const diffs: string[] = [];
    for (const [k, r] of prdByKey) {
        const other = devByKey.get(k);
        if (!other) {
            diffs.push(`prd only: ${r.name} (${r.type})`);
            continue;
        }
        for (const path of differences(normalise(decoded(other)), normalise(decoded(r)))) diffs.push(`${r.name}: ${path}`);
        if (other.protect !== r.protect) diffs.push(`${r.name}: protect`);
    }
    for (const [k, r] of devByKey) if (!prdByKey.has(k)) diffs.push(`dev only: ${r.name} (${r.type})`);
    return diffs.sort();
}

/** A stack's config value as the program reads it (the project's default when the stack sets none). */
function setting(stack: string, key: string): string {
    const value = readStackConfig(stack).values[`platform:${key}`];
    assert.ok(value !== undefined, `platform:${key} is not set for ${stack}`);
    return value;
}

/**
 * How the apps differ between dev and prd, from their app.yaml and the two stack files: an app in
 * one stack only is there only; an app in both deploys its stack's overlay and names its stack, its
 * image repositories keep more images and are protected in prd, its IRSA role trusts the other
 * cluster, and each setting whose value differs changes the ConfigMap (and the policy, when a
 * permission uses it).
 */
function appDifferences(dev: PlanResult, prd: PlanResult): string[] {
    const byName = (apps: AppSpec[]) => new Map(apps.map((a) => [a.descriptor.name, a]));
    const inDev = byName(stackApps("dev"));
    const inPrd = byName(stackApps("prd"));
    assert.ok(inDev.size > 0 && inPrd.size > 0, "no apps in dev or prd");
    const only = (result: PlanResult, app: string) =>
        [named(result, `app-${app}`), ...subtree(result, named(result, `app-${app}`))].map((r) => `${result.stack} only: ${r.name} (${r.type})`);
    return [...new Set([...inDev.keys(), ...inPrd.keys()])].flatMap((app) => {
        const [d, p] = [inDev.get(app), inPrd.get(app)];
        if (!d || !p) return only(d ? dev : prd, app);
        const { images, permissions } = d.descriptor;
        const differing = Object.keys(d.settings).filter((name) => d.settings[name] !== p.settings[name]);
        const usedInPolicy = differing.some((name) => new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).test(JSON.stringify(permissions)));
        return [
            `app-${app}-application: spec.source.path`,
            // prd follows deploy/prd, dev main (platform:gitRevision).
            ...(setting("dev", "gitRevision") !== setting("prd", "gitRevision") ? [`app-${app}-application: spec.source.targetRevision`] : []),
            `app-${app}-platform-config: data.PLATFORM_STACK`,
            `app-${app}-project: spec.description`,
            ...images.flatMap((image) => [`app-${app}-image-${image}-lifecycle: policy`, `app-${app}-image-${image}-repo: forceDelete`, `app-${app}-image-${image}-repo: protect`]),
            ...(permissions.length > 0 ? [`app-${app}-irsa-role: assumeRolePolicy`] : []),
            ...differing.map((name) => `app-${app}-platform-config: data.${name}`),
            ...(usedInPolicy ? [`app-${app}-irsa-policy: policy`] : []),
        ];
    });
}

describe("program", () => {
    it("pins the shipped stacks dev and prd: they differ in exactly the intended ways, the apps as their app.yaml and the stack files say", async () => {
        const [dev, prd] = [await plan("dev"), await plan("prd")];
        const intended = [
            // prd: a third AZ, with its subnets, route tables and a NAT gateway per AZ.
            ...["network-private-az3", "network-public-az3"].flatMap((n) => [
                `prd only: ${n} (aws:ec2/subnet:Subnet)`,
                `prd only: ${n} (aws:ec2/routeTableAssociation:RouteTableAssociation)`,
            ]),
            "prd only: network-private-az3 (aws:ec2/routeTable:RouteTable)",
            "prd only: network-private-az3-default (aws:ec2/route:Route)",
            ...["network-nat-az2", "network-nat-az3"].flatMap((n) => [`prd only: ${n} (aws:ec2/eip:Eip)`, `prd only: ${n} (aws:ec2/natGateway:NatGateway)`]),
            "network-private-az2-default: natGatewayId",
            // Its own address space.
            "network-vpc: cidrBlock",
            ...["network-private-az1", "network-private-az2", "network-public-az1", "network-public-az2"].map((n) => `${n}: cidrBlock`),
            // Tags name the stack.
            "aws: defaultTags.tags.stack",
            // The cluster: spans three AZs, restricted endpoint, all log types, protected.
            "cluster-eks: deletionProtection",
            "cluster-eks: enabledClusterLogTypes",
            "cluster-eks: fargate.subnetIds",
            "cluster-eks: privateSubnetIds",
            "cluster-eks: publicAccessCidrs",
            "cluster-eks: publicSubnetIds",
            "cluster-control-plane-logs: retentionInDays",
            "cluster-container-logs: retentionInDays",
            "cluster-control-plane-logs: protect",
            "cluster-container-logs: protect",
            "cluster-secrets: deletionWindowInDays",
            "cluster-secrets: protect",
            // The Kubernetes provider and the data services' ingress point at the other cluster.
            "cluster-k8s: kubeconfig.clusters",
            "database-sg-from-cluster: referencedSecurityGroupId",
            "files-sg-from-cluster: referencedSecurityGroupId",
            // Database: a reader in prd, always on (no auto-pause), more capacity and backups, protected.
            "prd only: database-instance-2 (aws:rds/clusterInstance:ClusterInstance)",
            "database-cluster: backupRetentionPeriod",
            "database-cluster: serverlessv2ScalingConfiguration.maxCapacity",
            "database-cluster: serverlessv2ScalingConfiguration.minCapacity",
            "database-cluster: serverlessv2ScalingConfiguration.secondsUntilAutoPause",
            // Engine and other changes at once in dev, in the maintenance window in prd.
            "database-cluster: applyImmediately",
            "database-instance-1: applyImmediately",
            "database-cluster: deletionProtection",
            "database-cluster: finalSnapshotIdentifier",
            "database-cluster: skipFinalSnapshot",
            "database-cluster: protect",
            "database-key: deletionWindowInDays",
            "database-key: protect",
            "database-subnets: subnetIds",
            // File system: a third mount target, backups, later IA transition, protected.
            "prd only: files-mount-az3 (aws:efs/mountTarget:MountTarget)",
            "files-backup: backupPolicy.status",
            "files-fs: lifecyclePolicies",
            "files-fs: protect",
            "files-key: deletionWindowInDays",
            "files-key: protect",
            // Add-ons: highly available in prd; IRSA trusts the other cluster's OIDC provider.
            "load-balancer-controller-irsa-role: assumeRolePolicy",
            "load-balancer-controller-release: values.podDisruptionBudget.maxUnavailable",
            "load-balancer-controller-release: values.replicaCount",
            "load-balancer-controller-release: values.resources.requests.cpu",
            "load-balancer-controller-release: values.resources.requests.memory",
            "metrics-server-release: values.podDisruptionBudget.enabled",
            "metrics-server-release: values.podDisruptionBudget.maxUnavailable",
            "metrics-server-release: values.replicas",
            // Argo CD: HA Redis and two of each stateless component with disruption budgets in prd
            // (the ApplicationSet controller runs in neither: argocdApplicationSet is false in both).
            ...["repoServer", "server"].flatMap((c) => [
                `argocd-release: values.${c}.pdb.enabled`,
                `argocd-release: values.${c}.pdb.minAvailable`,
                `argocd-release: values.${c}.replicas`,
            ]),
            // redis-ha's pod and container security contexts (Pod Security restricted) come with it.
            "argocd-release: values.redis-ha.containerSecurityContext",
            "argocd-release: values.redis-ha.enabled",
            "argocd-release: values.redis-ha.haproxy",
            "argocd-release: values.redis-ha.redis",
            "argocd-release: values.redis-ha.securityContext",
            "argocd-release: values.redis-ha.sentinel",
            "argocd-release: values.redis.enabled",
            "database-bootstrap-irsa-role: assumeRolePolicy",
            // The audit trail: flow logs and Enhanced Monitoring in prd only, log groups and their key protected.
            ...["network-flow-logs (platform:network:FlowLogs)", "network-flow-logs-delivery (aws:iam/rolePolicy:RolePolicy)", "network-flow-logs-group (aws:cloudwatch/logGroup:LogGroup)", "network-flow-logs-role (aws:iam/role:Role)", "network-flow-logs-vpc (aws:ec2/flowLog:FlowLog)"].map((r) => `prd only: ${r}`),
            ...["database-monitoring (aws:iam/role:Role)", "database-monitoring-logs (aws:cloudwatch/logGroup:LogGroup)", "database-monitoring-policy (aws:iam/rolePolicyAttachment:RolePolicyAttachment)"].map((r) => `prd only: ${r}`),
            "database-instance-1: monitoringInterval",
            "database-instance-1: monitoringRoleArn",
            "database-logs: protect",
            "database-logs: retentionInDays",
            "logs-key: deletionWindowInDays",
            "logs-key: protect",
            // CI: the deploy role trusts the stack's own environment and carries its definition's
            // fingerprint; the images and preview roles read the stack's own state bucket.
            "ci-deploy: assumeRolePolicy",
            "ci-deploy: tags.platform:ci-definition",
            "ci-images-policy: policy",
            "ci-preview-policy: policy",
            // The apps.
            ...appDifferences(dev, prd),
        ].sort();
        assert.deepEqual(stackDifferences(dev, prd), intended);
    });

    it("pins the shipped example opensearch-merge: each stack's own domain is among the differences", async () => {
        const differences = appDifferences(await plan("dev"), await plan("prd"));
        for (const expected of ["app-opensearch-merge-irsa-policy: policy", "app-opensearch-merge-platform-config: data.OPENSEARCH_DOMAIN", "app-opensearch-merge-platform-config: data.OPENSEARCH_ENDPOINT"]) {
            assert.ok(differences.includes(expected), expected);
        }
        assert.ok(!differences.some((d) => d.startsWith("app-chat-irsa")), "chat calls no AWS API");
    });

    for (const stack of STACKS) {
        it(`${stack}: sends every AWS resource to the stack's explicit provider`, async () => {
            const result = await plan(stack);
            const provider = named(result, "aws");
            assert.equal(provider.type, "pulumi:providers:aws");
            assert.equal(input(provider, "region"), setting(stack, "region"));
            // Provider settings are registered JSON-encoded; no list, no check.
            const accounts = JSON.parse(setting(stack, "allowedAccountIds"));
            assert.deepEqual(accounts.length > 0 ? JSON.parse(input(provider, "allowedAccountIds")) : input(provider, "allowedAccountIds"), accounts.length > 0 ? accounts : undefined);
            assert.deepEqual(JSON.parse(input(provider, "defaultTags")), { tags: { project: "platform", stack, "managed-by": "pulumi" } });
            const aws = result.resources.filter((r) => r.type.startsWith("aws:"));
            assert.ok(aws.length > 20);
            for (const r of aws) assert.equal(r.provider, provider.urn, `${r.name} (${r.type}) would use the default provider`);
            // Remote components do not inherit providers: it must be handed over.
            assert.deepEqual(named(result, "cluster-eks").providers, { aws: provider.urn });
        });

        it(`${stack}: publishes the outputs a user needs, the kubeconfig as a secret`, async () => {
            const { outputs } = await plan(stack);
            assert.deepEqual(Object.keys(outputs).sort(), [
                "appImageRepositories",
                "apps",
                "argocdUiCommand",
                "ciRoles",
                "ciVariables",
                "clusterName",
                "clusterSecurityGroupId",
                "databaseEndpoint",
                "databaseMasterSecretArn",
                "databaseReaderEndpoint",
                "fileSystemId",
                "kubeconfig",
                "kubeconfigCommand",
                "oidcProviderArn",
                "privateSubnetIds",
                "publicSubnetIds",
                "vpcId",
            ]);
            const cluster = setting(stack, "clusterName") || `platform-${stack}`;
            assert.equal(outputs.clusterName, cluster);
            const apps = stackApps(stack).map((a) => a.descriptor.name);
            assert.ok(apps.length > 0, `no app runs in ${stack}`);
            assert.deepEqual(outputs.apps, apps);
            assert.equal(outputs.kubeconfig, SECRET_MASK);
            const profile = setting(stack, "awsProfile");
            const role = setting(stack, "assumeRoleArn");
            assert.equal(
                outputs.kubeconfigCommand,
                `aws eks update-kubeconfig --region ${setting(stack, "region")} --name ${cluster}${profile ? ` --profile ${profile}` : ""}${role ? ` --role-arn ${role}` : ""}`,
            );
            assert.match(String(outputs.vpcId), /^vpc-[0-9a-f]{17}$/);
            if (!setting(stack, "existingVpcId")) assert.equal((outputs.privateSubnetIds as string[]).length, Number(setting(stack, "azCount")));
            // CI: every image's repository (what the images workflow pushes to), the roles, and the
            // repository variables to set from them, named with the stack.
            const images = stackApps(stack).flatMap((a) => a.descriptor.images.map((image) => `${a.descriptor.name}/${image}`));
            const repositories = outputs.appImageRepositories as Record<string, string>;
            assert.deepEqual(Object.keys(repositories).sort(), images.sort());
            for (const [ref, url] of Object.entries(repositories)) assert.match(url, new RegExp(`^\\d{12}\\.dkr\\.ecr\\.${setting(stack, "region")}\\.amazonaws\\.com/platform-${stack}/${ref}$`));
            const roles = outputs.ciRoles as Record<string, string>;
            assert.deepEqual(Object.keys(roles), ["preview", "images", "deploy"]);
            for (const [role, arn] of Object.entries(roles)) assert.match(arn, new RegExp(`^arn:aws:iam::\\d{12}:role/platform-${stack}-ci-${role}$`));
            const S = stack.toUpperCase();
            const github = JSON.parse(setting(stack, "github"));
            assert.deepEqual(outputs.ciVariables, {
                [`AWS_REGION_${S}`]: setting(stack, "region"),
                [`AWS_PREVIEW_ROLE_ARN_${S}`]: roles.preview,
                [`AWS_IMAGES_ROLE_ARN_${S}`]: roles.images,
                [`AWS_DEPLOY_ROLE_ARN_${S}`]: roles.deploy,
                [`CI_RUNNER_${S}`]: github.runner.label,
                [`PULUMI_BACKEND_URL_${S}`]: github.backendUrl,
                [`PULUMI_SECRETS_PROVIDER_${S}`]: github.secretsProvider,
            });
        });
    }

    it("authenticates the provider and the kubeconfig with the stack's profile and role", async () => {
        const role = "arn:aws:iam::111111111111:role/deployer";
        // The assumed role runs the program, so it must be declared (first: this run creates the cluster).
        // A stack run by hand only: CI's jobs use their own roles (github {}).
        const result = await plan("dev", { awsProfile: "acme-dev", assumeRoleArn: role, clusterAdminArns: JSON.stringify([role]), github: "{}" });
        const provider = named(result, "aws");
        assert.equal(input(provider, "profile"), "acme-dev");
        assert.deepEqual(JSON.parse(input(provider, "assumeRoles")), [{ roleArn: role, sessionName: "pulumi-platform-dev" }]);
        assert.deepEqual(input(named(result, "cluster-eks"), "providerCredentialOpts"), { profileName: "acme-dev", roleArn: role });
        // The Kubernetes provider's kubeconfig authenticates with the same profile and role.
        const [user] = JSON.parse(input(named(result, "cluster-k8s"), "kubeconfig")).users;
        assert.deepEqual(user.user.exec.env, [{ name: "AWS_PROFILE", value: "acme-dev" }]);
        assert.deepEqual(user.user.exec.args.slice(-2), ["--role-arn", role]);
        assert.equal(result.outputs.kubeconfigCommand, `aws eks update-kubeconfig --region ap-northeast-1 --name platform-dev --profile acme-dev --role-arn ${role}`);
    });

    it("refuses to run as an identity clusterAdminArns does not declare, having registered only the provider", async () => {
        const laptop = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com";
        const invokes = { "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "111111111111", arn: laptop, userId: "AROA:alice", id: "111111111111" }) };
        await assert.rejects(plan("dev", {}, invokes), (err: unknown) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.equal(err.problems.length, 1);
            assert.match(err.problems[0], /^platform:clusterAdminArns: /);
            assert.ok(err.problems[0].includes(`add "arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_0123456789abcdef" to platform:clusterAdminArns`), err.problems[0]);
            return true;
        });
        // The provider carries the profile and role the check must use; nothing else was registered.
        const monitor = pulumi.runtime.getMonitor() as any;
        assert.deepEqual([...monitor.getRegisteredResources().keys()].map((urn: string) => urn.split("::").slice(2).join("::")), ["pulumi:providers:aws::aws"]);
    });

    it("registers nothing when the config is invalid", async () => {
        await assert.rejects(plan("prd", { azCount: "7", publicAccessCidrs: "[]" }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.deepEqual(err.problems.map((p) => p.split(":").slice(0, 2).join(":")), ["platform:azCount", "platform:publicAccessCidrs"]);
            return true;
        });
        const monitor = pulumi.runtime.getMonitor() as any;
        assert.equal(monitor.getRegisteredResources().size, 0);
    });
});
