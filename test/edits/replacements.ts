/**
 * Which input changes force a replacement, per resource type the program registers: the table
 * `diffPlans` (./diff.ts) reads to say what a config edit does to a running stack.
 *
 * AWS types: the Pulumi AWS provider is bridged from the Terraform AWS provider, whose schema marks
 * these arguments `ForceNew` and whose documentation prints them "(Forces new resource)"; each row
 * cites its page. Kubernetes types: the Pulumi Kubernetes provider replaces an object when its
 * `metadata.name` or `metadata.namespace` changes, plus the per-kind fields of its forcenew.go
 * (https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/provider/forcenew.go).
 * Remote components (pulumi-eks) show no children under the mock runtime, so their row names which
 * part a changed component input replaces.
 */

/** What one resource type replaces on, and how it is named in the README's table. */
export interface TypeRule {
    /** Short name of the type in the README's table, e.g. "subnet". */
    readonly label: string;
    /** Public page that marks the replace-forcing inputs (Terraform "Forces new resource", provider source). */
    readonly doc: string;
    /**
     * Input paths (dotted; `*` matches one key or array index) whose change forces a replacement.
     * A change at, below or above such a path counts. Default: none.
     */
    readonly replaceOn?: readonly string[];
    /** Remote components only: input path pattern → the part of the component it replaces. Default: none. */
    readonly parts?: Readonly<Record<string, string>>;
    /**
     * Rewrites the recorded inputs before they are compared (e.g. parses a JSON-encoded kubeconfig so
     * that only its cluster, not its credentials, is replace-forcing). Default: the inputs as recorded.
     */
    readonly view?: (inputs: Record<string, unknown>) => Record<string, unknown>;
}

const TF = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/";
const K8S_FORCE_NEW = "https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/provider/forcenew.go";
/** Every Kubernetes object is replaced when its name or namespace changes (forcenew.go's metadataForceNewProperties). */
const K8S_METADATA = ["metadata.name", "metadata.namespace"];

/** A Kubernetes type: replaced on name or namespace, plus the kind's own immutable fields. */
function k8s(label: string, extra: readonly string[] = []): TypeRule {
    return { label, doc: K8S_FORCE_NEW, replaceOn: [...K8S_METADATA, ...extra] };
}

/** Local components of the program: they have no inputs of their own; their children are compared. */
function component(label: string): TypeRule {
    return { label, doc: "https://www.pulumi.com/docs/iac/concepts/resources/components/" };
}

/** Parses a JSON-encoded input (provider inputs are recorded as strings) or leaves it as it is. */
function parsed(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

export const REPLACEMENTS: Readonly<Record<string, TypeRule>> = {
    // Providers: a replaced provider replaces every resource it manages.
    "pulumi:providers:aws": {
        label: "AWS provider",
        // Every resource lives in the provider's region: another region is another set of resources.
        doc: "https://www.pulumi.com/registry/packages/aws/installation-configuration/",
        replaceOn: ["region"],
    },
    "pulumi:providers:kubernetes": {
        label: "Kubernetes provider",
        // The provider is replaced when its kubeconfig points at another cluster (another server);
        // credentials (profile, role) change in place.
        doc: "https://www.pulumi.com/registry/packages/kubernetes/installation-configuration/",
        replaceOn: ["kubeconfig.clusters"],
        view: (inputs) => ({ ...inputs, kubeconfig: parsed(inputs.kubeconfig) }),
    },

    "aws:cloudwatch/logGroup:LogGroup": { label: "log group", doc: `${TF}cloudwatch_log_group`, replaceOn: ["name", "namePrefix", "logGroupClass"] },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { label: "default security group", doc: `${TF}default_security_group`, replaceOn: ["vpcId"] },
    "aws:ec2/eip:Eip": {
        label: "Elastic IP",
        doc: `${TF}eip`,
        replaceOn: ["domain", "address", "customerOwnedIpv4Pool", "networkBorderGroup", "publicIpv4Pool", "ipamPoolId"],
    },
    "aws:ec2/flowLog:FlowLog": {
        label: "flow log",
        doc: `${TF}flow_log`,
        replaceOn: [
            "vpcId",
            "subnetId",
            "eniId",
            "transitGatewayId",
            "trafficType",
            "logDestination",
            "logDestinationType",
            "iamRoleArn",
            "deliverCrossAccountRole",
            "logFormat",
            "maxAggregationInterval",
            "destinationOptions",
        ],
    },
    "aws:ec2/internetGateway:InternetGateway": { label: "internet gateway", doc: `${TF}internet_gateway` },
    "aws:ec2/natGateway:NatGateway": {
        label: "NAT gateway",
        doc: `${TF}nat_gateway`,
        replaceOn: ["allocationId", "subnetId", "connectivityType", "privateIp"],
    },
    "aws:ec2/route:Route": {
        label: "route",
        doc: `${TF}route`,
        replaceOn: ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"],
    },
    "aws:ec2/routeTable:RouteTable": { label: "route table", doc: `${TF}route_table`, replaceOn: ["vpcId"] },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { label: "route table association", doc: `${TF}route_table_association`, replaceOn: ["subnetId", "gatewayId"] },
    "aws:ec2/securityGroup:SecurityGroup": { label: "security group", doc: `${TF}security_group`, replaceOn: ["name", "namePrefix", "description", "vpcId"] },
    "aws:ec2/subnet:Subnet": {
        label: "subnet",
        doc: `${TF}subnet`,
        replaceOn: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn", "ipv6Native"],
    },
    "aws:ec2/vpc:Vpc": { label: "VPC", doc: `${TF}vpc`, replaceOn: ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"] },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { label: "security group rule", doc: `${TF}vpc_security_group_ingress_rule`, replaceOn: ["securityGroupId"] },

    "aws:ecr/lifecyclePolicy:LifecyclePolicy": { label: "ECR lifecycle policy", doc: `${TF}ecr_lifecycle_policy`, replaceOn: ["repository"] },
    "aws:ecr/repository:Repository": { label: "ECR repository", doc: `${TF}ecr_repository`, replaceOn: ["name", "encryptionConfigurations"] },

    "aws:efs/accessPoint:AccessPoint": { label: "EFS access point", doc: `${TF}efs_access_point`, replaceOn: ["fileSystemId", "posixUser", "rootDirectory"] },
    "aws:efs/backupPolicy:BackupPolicy": { label: "EFS backup policy", doc: `${TF}efs_backup_policy`, replaceOn: ["fileSystemId"] },
    "aws:efs/fileSystem:FileSystem": {
        label: "EFS file system",
        doc: `${TF}efs_file_system`,
        replaceOn: ["creationToken", "encrypted", "kmsKeyId", "performanceMode", "availabilityZoneName"],
    },
    "aws:efs/mountTarget:MountTarget": { label: "EFS mount target", doc: `${TF}efs_mount_target`, replaceOn: ["fileSystemId", "subnetId", "ipAddress"] },

    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { label: "IAM OIDC provider", doc: `${TF}iam_openid_connect_provider`, replaceOn: ["url"] },
    "aws:iam/role:Role": { label: "IAM role", doc: `${TF}iam_role`, replaceOn: ["name", "namePrefix", "path"] },
    "aws:iam/rolePolicy:RolePolicy": { label: "IAM role policy", doc: `${TF}iam_role_policy`, replaceOn: ["name", "namePrefix", "role"] },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { label: "IAM policy attachment", doc: `${TF}iam_role_policy_attachment`, replaceOn: ["role", "policyArn"] },

    "aws:kms/alias:Alias": { label: "KMS alias", doc: `${TF}kms_alias`, replaceOn: ["name", "namePrefix"] },
    "aws:kms/key:Key": {
        label: "KMS key",
        doc: `${TF}kms_key`,
        replaceOn: ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"],
    },

    "aws:rds/cluster:Cluster": {
        label: "Aurora cluster",
        doc: `${TF}rds_cluster`,
        replaceOn: [
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "availabilityZones",
            "databaseName",
            "dbSubnetGroupName",
            "engine",
            "engineMode",
            "kmsKeyId",
            "masterUsername",
            "storageEncrypted",
            "snapshotIdentifier",
            "sourceRegion",
            "restoreToPointInTime",
            "s3Import",
        ],
    },
    "aws:rds/clusterInstance:ClusterInstance": {
        label: "Aurora instance",
        doc: `${TF}rds_cluster_instance`,
        replaceOn: ["identifier", "identifierPrefix", "clusterIdentifier", "engine", "availabilityZone", "dbSubnetGroupName", "customIamInstanceProfile"],
    },
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": {
        label: "Aurora parameter group",
        doc: `${TF}rds_cluster_parameter_group`,
        replaceOn: ["name", "namePrefix", "family", "description"],
    },
    "aws:rds/subnetGroup:SubnetGroup": { label: "Aurora subnet group", doc: `${TF}db_subnet_group`, replaceOn: ["name", "namePrefix"] },

    // The random provider replaces a password whenever any of its arguments changes.
    "random:index/randomPassword:RandomPassword": {
        label: "generated password",
        doc: "https://registry.terraform.io/providers/hashicorp/random/latest/docs/resources/password",
        replaceOn: ["*"],
    },

    "random:index/randomId:RandomId": {
        label: "random id",
        doc: "https://registry.terraform.io/providers/hashicorp/random/latest/docs/resources/id",
        replaceOn: ["*"],
    },

    // pulumi-eks's Cluster is a remote component: the parts below are its children, each replaced as
    // the AWS provider's page says: aws_eks_cluster (name, role, encryption, network config and
    // bootstrapClusterCreatorAdminPermissions force a new cluster; subnets, endpoints, version, logs and
    // authentication mode update in place), aws_eks_fargate_profile (every argument forces a new
    // profile), aws_eks_access_entry (principal), aws_iam_openid_connect_provider (url).
    "eks:index:Cluster": {
        label: "EKS cluster",
        doc: `${TF}eks_cluster, ${TF}eks_fargate_profile, ${TF}eks_access_entry`,
        parts: {
            name: "EKS cluster",
            serviceRole: "EKS cluster",
            encryptionConfigKeyArn: "EKS cluster",
            kubernetesServiceIpAddressRange: "EKS cluster",
            ipFamily: "EKS cluster",
            "accessEntries.*.principalArn": "access entry",
            "accessEntries.*.accessPolicies.*.policyArn": "access policy association",
            fargate: "Fargate profile",
        },
    },

    // The extra namespaces' profiles, beside pulumi-eks's own (every argument forces a new profile).
    "aws:eks/addon:Addon": { label: "EKS add-on", doc: `${TF}eks_addon`, replaceOn: ["addonName", "clusterName"] },
    "aws:eks/accessEntry:AccessEntry": { label: "EKS access entry", doc: `${TF}eks_access_entry`, replaceOn: ["clusterName", "principalArn", "type"] },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {
        label: "EKS access policy association",
        doc: `${TF}eks_access_policy_association`,
        replaceOn: ["accessScope", "clusterName", "policyArn", "principalArn"],
    },
    "aws:eks/fargateProfile:FargateProfile": {
        label: "Fargate profile",
        doc: `${TF}eks_fargate_profile`,
        replaceOn: ["clusterName", "fargateProfileName", "podExecutionRoleArn", "selectors", "subnetIds"],
    },

    "kubernetes:argoproj.io/v1alpha1:AppProject": k8s("Argo CD AppProject"),
    "kubernetes:argoproj.io/v1alpha1:Application": k8s("Argo CD Application"),
    "kubernetes:batch/v1:Job": k8s("Job", ["spec.selector", "spec.template"]),
    // ConfigMaps are replaced on data changes unless the provider sets enableConfigMapMutable (it does not).
    "kubernetes:core/v1:ConfigMap": k8s("ConfigMap", ["data", "binaryData"]),
    "kubernetes:core/v1:Namespace": k8s("Namespace"),
    "kubernetes:core/v1:PersistentVolume": k8s("PersistentVolume"),
    "kubernetes:core/v1:PersistentVolumeClaim": k8s("PersistentVolumeClaim", ["spec"]),
    "kubernetes:core/v1:Secret": k8s("Secret", ["type"]),
    "kubernetes:core/v1:ServiceAccount": k8s("ServiceAccount"),
    "kubernetes:storage.k8s.io/v1:StorageClass": k8s("StorageClass", ["parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"]),
    // A Helm release is replaced when its release name or namespace changes; chart, version and values upgrade it.
    "kubernetes:helm.sh/v3:Release": {
        label: "Helm release",
        doc: "https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/",
        replaceOn: ["name", "namespace"],
    },

    "platform:addons:ArgoCd": component("Argo CD"),
    "platform:addons:LoadBalancerController": component("Load Balancer Controller"),
    "platform:addons:MetricsServer": component("metrics-server"),
    "platform:apps:App": component("app"),
    "platform:apps:AppDatabase": component("app database"),
    "platform:apps:DatabaseBootstrap": component("database bootstrap"),
    "platform:ci:Identities": component("CI identities"),
    "platform:cluster:Cluster": component("cluster"),
    "platform:data:AppRepository": component("app repository"),
    "platform:data:AppVolume": component("app volume"),
    "platform:data:Database": component("database"),
    "platform:data:FileSystem": component("file system"),
    "platform:iam:IrsaRole": component("IRSA role"),
    "platform:kms:LogsKey": component("logs key"),
    "platform:network:FlowLogs": component("flow logs"),
    "platform:network:Network": component("network"),
};

/**
 * What no edit may replace or delete: the data and what decrypts it. An Aurora instance holds no
 * data of its own (the cluster volume does, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.StorageReliability.html),
 * so replacing or removing an instance is allowed: "an instance's storage" is the cluster's.
 */
export const STATEFUL_TYPES: readonly string[] = [
    "aws:rds/cluster:Cluster",
    "aws:efs/fileSystem:FileSystem",
    "aws:ecr/repository:Repository",
    "aws:kms/key:Key",
];

/** The rule of a type, or an error naming the type to add to REPLACEMENTS. */
export function ruleOf(type: string): TypeRule {
    const rule = REPLACEMENTS[type];
    if (!rule) throw new Error(`test/edits/replacements.ts: no row for resource type ${type}; add its replace-forcing inputs (with the provider page that marks them)`);
    return rule;
}
