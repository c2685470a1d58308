import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "./handle";
import type { AwsConfig, ClusterConfig } from "../config/load";
import { eksSecretsKeyPolicy, encryptionKey, keyLocation, logGroup } from "../kms";
import { FARGATE_LOGGING_NAMESPACE, platformNames } from "../naming";
import { accessEntryArns } from "./access";
import { corednsAddonArgs } from "./coredns";
import { addonVersions, kubernetesSupportWarnings } from "./versions";
import { planFargateProfiles } from "./fargate";
import { FARGATE_LOGGING_CONFIGMAP, fargateLoggingData } from "./logging";
import {
    adminAccessEntries,
    clusterAdminAccessPolicyArn,
    fargateLoggingPolicy,
    fargatePodExecutionPolicyArn,
    podExecutionTrustPolicy,
} from "./policies";

export interface ClusterArgs {
    /** The cluster slice of the stack config. Required. */
    readonly config: ClusterConfig;
    /**
     * The stack's root name (naming.ts `rootName`): the Secrets key's alias and the containers' log
     * group derive from it, not from the cluster name, so they stay when the cluster is renamed. Required.
     */
    readonly root: string;
    /** Region, profile and role of the stack's account; the kubeconfig authenticates with the same. Required. */
    readonly aws: AwsConfig;
    /** Protect the secrets key, log groups and the cluster itself from deletion. Required. */
    readonly protect: boolean;
    /** ARN of the key the cluster's log groups are encrypted with (`LogsKey`). Required. */
    readonly logsKeyArn: pulumi.Input<string>;
    /** VPC of the cluster. Required. */
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the control plane's ENIs and of every Fargate pod. Required. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Subnets for internet-facing load balancers. Defaults to none. */
    readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Resources that must exist before any pod starts (the NAT routes Fargate pulls images through):
     * CoreDNS and every workload wait for them; the control plane does not. Defaults to none.
     */
    readonly egress?: readonly pulumi.Resource[];
    /**
     * Kubernetes access of the roles the program creates for CI (components/ci): an access entry
     * each, with its EKS access policy at cluster scope. The Kubernetes provider and every workload
     * wait for them, so a `pulumi destroy` run by CI's deploy role removes the workloads before
     * the entry that lets it. Defaults to none.
     */
    readonly ciAccess?: readonly CiAccess[];
    /**
     * Addresses inside the VPC that reach the API's private endpoint (a self-hosted CI runner,
     * `github.runner.inVpc`): the cluster security group admits them on 443. Defaults to none.
     */
    readonly apiClientCidrs?: readonly string[];
}

/** One CI role's Kubernetes access. */
export interface CiAccess {
    /** What the role does (`preview`, `deploy`): the access entry's logical name. */
    readonly role: string;
    readonly principalArn: pulumi.Input<string>;
    /** The EKS access policy (AmazonEKSClusterAdminPolicy, AmazonEKSAdminViewPolicy, ...). */
    readonly policyArn: string;
}

/** `aws eks update-kubeconfig` for this stack's account: what a user runs to reach the cluster. */
export function kubeconfigCommand(clusterName: string, awsConfig: AwsConfig): string {
    return [
        `aws eks update-kubeconfig --region ${awsConfig.region} --name ${clusterName}`,
        awsConfig.profile ? ` --profile ${awsConfig.profile}` : "",
        awsConfig.assumeRoleArn ? ` --role-arn ${awsConfig.assumeRoleArn}` : "",
    ].join("");
}

/**
 * An EKS cluster that runs only on Fargate: no node group, API authentication with access entries,
 * IRSA through an OIDC provider (EKS Pod Identity does not work on Fargate), Secrets encrypted with
 * a rotating KMS key, control-plane and container logs in CloudWatch with set retention.
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    /** Kubeconfig (a secret), authenticating through `aws eks get-token`. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Kubernetes provider for everything the program creates in the cluster. */
    public readonly provider: k8s.Provider;
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** OIDC issuer without `https://`, as IRSA trust conditions use it. */
    public readonly oidcIssuer: pulumi.Output<string>;
    /**
     * The security group EKS creates and attaches to every Fargate pod: the one database and file
     * system ingress rules must reference (`eksCluster.vpcConfig.clusterSecurityGroupId`, not
     * pulumi-eks' own `clusterSecurityGroupId`).
     * https://docs.aws.amazon.com/eks/latest/userguide/fargate-getting-started.html
     */
    public readonly clusterSecurityGroupId: pulumi.Output<string>;
    public readonly podExecutionRoleArn: pulumi.Output<string>;
    /**
     * What any workload must be created after: network egress, the Fargate profiles, CoreDNS and the
     * Fargate logging configuration.
     */
    public readonly workloadDependencies: readonly pulumi.Resource[];
    /** All of the above that components working in the cluster need, as one value. */
    public readonly handle: ClusterHandle;
    /** The account and partition the cluster is in, for ARNs of the resources its workloads use. */
    public readonly accountId: pulumi.Output<string>;
    public readonly partition: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const cfg = args.config;
        // The loader refused a version past its support; one close to it is said in every preview.
        for (const warning of kubernetesSupportWarnings(cfg.version, new Date(), (k) => `${pulumi.getProject()}:${k}`)) pulumi.log.warn(warning, this);
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const names = platformNames({ root: args.root, cluster: cfg.name });

        const secretsKey = encryptionKey(
            `${name}-secrets`,
            names.kmsAliases.eksSecrets,
            `Envelope encryption of Kubernetes Secrets in EKS cluster ${cfg.name}`,
            args.protect,
            this,
            keyLocation(this).apply(eksSecretsKeyPolicy),
        );

        // EKS writes to this group once logging is on; created first so its retention and key are
        // ours. It holds the API server's, audit and authenticator logs: the audit retention.
        const logs = { kmsKeyArn: args.logsKeyArn, protect: args.protect };
        const controlPlaneLogs = logGroup(`${name}-control-plane-logs`, names.logGroups.controlPlane, { ...logs, retentionDays: cfg.auditLogRetentionDays }, this);
        const containerLogs = logGroup(`${name}-container-logs`, names.logGroups.containers, { ...logs, retentionDays: cfg.logRetentionDays }, this);

        const podExecutionRole = new aws.iam.Role(
            `${name}-pod-execution`,
            {
                description: `Fargate pod execution role of EKS cluster ${cfg.name}`,
                assumeRolePolicy: pulumi
                    .all([partition, accountId])
                    .apply(([p, account]) =>
                        JSON.stringify(podExecutionTrustPolicy({ partition: p, region: args.aws.region, accountId: account }, cfg.name)),
                    ),
            },
            { parent: this },
        );
        const podExecutionPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-pod-execution-policy`,
            { role: podExecutionRole.name, policyArn: partition.apply(fargatePodExecutionPolicyArn) },
            { parent: this },
        );
        const podLoggingPolicy = new aws.iam.RolePolicy(
            `${name}-pod-execution-logs`,
            { role: podExecutionRole.name, policy: containerLogs.arn.apply((arn) => JSON.stringify(fargateLoggingPolicy(arn))) },
            { parent: this },
        );

        const awsProvider = this.getProvider("aws::");
        const [primaryProfile, ...extraProfiles] = planFargateProfiles(cfg.extraFargateNamespaces);
        const toSelectors = (namespaces: readonly string[]) => namespaces.map((namespace) => ({ namespace }));

        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: names.eksCluster,
                version: cfg.version,
                // EKS defaults to EXTENDED, billed extra once standard support ends.
                upgradePolicy: { supportType: cfg.supportType },
                vpcId: args.vpcId,
                privateSubnetIds: args.privateSubnetIds,
                publicSubnetIds: args.publicSubnetIds,
                endpointPublicAccess: cfg.endpointPublicAccess,
                endpointPrivateAccess: cfg.endpointPrivateAccess,
                publicAccessCidrs: cfg.endpointPublicAccess ? [...cfg.publicAccessCidrs] : undefined,
                // CONFIG_MAP mode loses the pod execution role's mapping on role-mapping changes
                // (pulumi-eks#807); access entries are managed by the EKS API instead.
                authenticationMode: eks.AuthenticationMode.Api,
                // The creator (the first declared ARN) has EKS's creator access and no entry: a
                // second entry for it fails (see access.ts). CI's roles get theirs below (ciAccess).
                accessEntries: adminAccessEntries(accessEntryArns(cfg.adminArns), partition.apply(clusterAdminAccessPolicyArn)),
                createOidcProvider: true,
                encryptionConfigKeyArn: secretsKey.arn,
                enabledClusterLogTypes: [...cfg.logTypes],
                fargate: {
                    selectors: toSelectors(primaryProfile.namespaces),
                    subnetIds: args.privateSubnetIds,
                    podExecutionRoleArn: podExecutionRole.arn,
                },
                // Fargate only: no node group, no instance role, and none of pulumi-eks' own
                // security groups (pods get the EKS-created cluster security group).
                skipDefaultNodeGroup: true,
                createInstanceRole: false,
                skipDefaultSecurityGroups: true,
                // Managed add-ons: CoreDNS only, at the version pinned for this Kubernetes version
                // (never resolved at deploy time); kube-proxy and the VPC CNI are DaemonSets, which
                // Fargate does not run (components/cluster/versions.ts).
                // CoreDNS is made below, beside this component, so that the control plane waits for
                // nothing but its subnets, role and key (coredns.ts corednsAddonArgs).
                corednsAddonOptions: { enabled: false },
                kubeProxyAddonOptions: { enabled: false },
                useDefaultVpcCni: true,
                deletionProtection: args.protect,
                providerCredentialOpts: {
                    profileName: args.aws.profile,
                    roleArn: args.aws.assumeRoleArn,
                },
            },
            {
                parent: this,
                // A remote component does not inherit its parent's providers: hand over the AWS one
                // explicitly, or its resources would go to the default provider's account and region.
                providers: awsProvider ? { aws: awsProvider } : undefined,
                // Not the NAT routes: the control plane (about ten minutes) needs none, and creates
                // while the gateways do; what pulls images waits for them (workloadDependencies).
                dependsOn: [controlPlaneLogs, podExecutionPolicy, podLoggingPolicy],
            },
        );

        // CoreDNS pulls its image through the NAT routes: it waits for them and for the Fargate
        // profile inside the cluster component. It was pulumi-eks' `<name>-eks-coredns` until
        // 2026-11: the alias adopts that add-on instead of replacing it.
        const coredns = new aws.eks.Addon(
            `${name}-coredns`,
            { clusterName: cluster.eksCluster.name, ...corednsAddonArgs(addonVersions(cfg.version).coredns) },
            { parent: this, dependsOn: [cluster, ...(args.egress ?? [])], aliases: [{ name: `${name}-eks-coredns`, parent: cluster }] },
        );

        // EKS creates or deletes one Fargate profile at a time per cluster (ResourceInUseException):
        // each extra profile waits for the one before it.
        let previous: pulumi.Resource = cluster;
        const profiles = extraProfiles.map((plan) => {
            previous = new aws.eks.FargateProfile(
                `${name}-fargate-${plan.role}`,
                {
                    clusterName: cluster.eksCluster.name,
                    podExecutionRoleArn: podExecutionRole.arn,
                    subnetIds: args.privateSubnetIds,
                    selectors: toSelectors(plan.namespaces),
                },
                { parent: this, dependsOn: [previous] },
            );
            return previous;
        });

        const ciAccess = (args.ciAccess ?? []).map((access) => {
            const entry = new aws.eks.AccessEntry(
                `${name}-access-${access.role}`,
                { clusterName: cluster.eksCluster.name, principalArn: access.principalArn, type: "STANDARD" },
                { parent: this },
            );
            return new aws.eks.AccessPolicyAssociation(
                `${name}-access-${access.role}-policy`,
                { clusterName: cluster.eksCluster.name, principalArn: entry.principalArn, policyArn: access.policyArn, accessScope: { type: "cluster" } },
                { parent: this },
            );
        });
        // 443 only: the API server's port. https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html
        for (const [i, cidr] of (args.apiClientCidrs ?? []).entries()) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-api-client-${i}`,
                {
                    securityGroupId: cluster.eksCluster.vpcConfig.clusterSecurityGroupId,
                    cidrIpv4: cidr,
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    description: "CI runner in the VPC to the Kubernetes API (platform:github.runner)",
                },
                { parent: this },
            );
        }

        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: cluster.kubeconfigJson }, { parent: this, dependsOn: ciAccess });

        const loggingNamespace = new k8s.core.v1.Namespace(
            `${name}-${FARGATE_LOGGING_NAMESPACE}`,
            { metadata: { name: FARGATE_LOGGING_NAMESPACE, labels: { "aws-observability": "enabled" } } },
            { parent: this, provider: this.provider },
        );
        const loggingConfig = new k8s.core.v1.ConfigMap(
            `${name}-${FARGATE_LOGGING_CONFIGMAP}`,
            {
                metadata: { name: FARGATE_LOGGING_CONFIGMAP, namespace: loggingNamespace.metadata.name },
                data: fargateLoggingData(args.aws.region, names.logGroups.containers),
            },
            { parent: this, provider: this.provider },
        );

        this.clusterName = cluster.eksCluster.name;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcIssuer = cluster.oidcIssuer;
        this.clusterSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
        this.podExecutionRoleArn = podExecutionRole.arn;
        this.accountId = accountId;
        this.partition = partition;
        this.workloadDependencies = [cluster, coredns, ...profiles, loggingConfig, ...ciAccess, ...(args.egress ?? [])];
        this.handle = {
            name: this.clusterName,
            provider: this.provider,
            oidc: { providerArn: this.oidcProviderArn, issuer: this.oidcIssuer },
            podSecurityGroupId: this.clusterSecurityGroupId,
            workloadDependencies: this.workloadDependencies,
        };
        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuer: this.oidcIssuer,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            podExecutionRoleArn: this.podExecutionRoleArn,
        });
    }
}
