/**
 * Every stack config key of the project, written once: its Pulumi type, default and description.
 * `Pulumi.yaml`'s `config:` block and the README's config table are checked against this table by
 * `test/config/docs.test.ts`; the loader (`load.ts`) validates values and builds the typed config.
 */

/** The config types Pulumi's project `config:` block can declare. */
export type ConfigType = "string" | "integer" | "boolean" | "array" | "object";

export interface KeySpec {
    readonly type: ConfigType;
    /**
     * Omitted: the key is required in every stack file. Pulumi itself requires a value for every
     * key Pulumi.yaml declares without a default, so a key has one here exactly when it has one there.
     */
    readonly default?: string | number | boolean | readonly string[];
    readonly description: string;
}

/** Control-plane log types EKS accepts. https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html */
export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const NAT_STRATEGIES = ["single", "perAz"] as const;
export const SUPPORT_TYPES = ["STANDARD", "EXTENDED"] as const;

export const CONFIG_SCHEMA = {
    region: {
        type: "string",
        description: "AWS region of every resource, e.g. ap-northeast-1.",
    },
    awsProfile: {
        type: "string",
        default: "",
        description:
            "Named AWS CLI profile for this stack's account, used by the AWS provider and the kubeconfig. Empty: the default credential chain.",
    },
    assumeRoleArn: {
        type: "string",
        default: "",
        description:
            "IAM role to assume in this stack's account (provider and kubeconfig), e.g. arn:aws:iam::123456789012:role/platform-deployer. Empty: none.",
    },
    allowedAccountIds: {
        type: "array",
        default: [],
        description:
            "12-digit AWS account ids this stack may deploy to; the provider refuses any other account. Empty: no check (set it in prd).",
    },
    vpcCidr: {
        type: "string",
        default: "10.0.0.0/16",
        description: "CIDR of the VPC the program creates (/16 to /20). Ignored with existingVpcId.",
    },
    azCount: {
        type: "integer",
        default: 2,
        description: "Availability zones to spread subnets over (2 to 4). Ignored with existingVpcId.",
    },
    natGateways: {
        type: "string",
        default: "single",
        description:
            "NAT strategy: 'single' (one shared NAT gateway, cheap, one AZ's outage cuts egress) or 'perAz' (one per AZ). Ignored with existingVpcId.",
    },
    existingVpcId: {
        type: "string",
        default: "",
        description:
            "Adopt this VPC (vpc-...) instead of creating one. Its subnets need egress (NAT) and the ELB role tags. Empty: create a VPC.",
    },
    existingPrivateSubnetIds: {
        type: "array",
        default: [],
        description: "With existingVpcId: private subnets (at least 2 AZs) for the cluster and Fargate pods.",
    },
    existingPublicSubnetIds: {
        type: "array",
        default: [],
        description: "With existingVpcId: public subnets for internet-facing load balancers (none, or at least 2).",
    },
    vpcFlowLogs: {
        type: "boolean",
        default: true,
        description:
            "Record the VPC's flow logs (all traffic, accepted and rejected) in a CloudWatch log group, also for an existingVpcId. false only where the cost matters more than the audit trail (dev).",
    },
    clusterName: {
        type: "string",
        default: "",
        description:
            "EKS cluster name (letters, digits, '-' and '_', starting with a letter or digit, at most 100 characters). Empty: <project>-<stack>. Changing it replaces the cluster, everything in it and its control-plane log group (EKS names it /aws/eks/<cluster>/cluster), and no data: Aurora, EFS, the ECR repositories, the KMS keys and aliases and the other log groups are named from <project>-<stack>.",
    },
    kubernetesVersion: {
        type: "string",
        default: "1.35",
        description:
            "EKS Kubernetes version (major.minor), one of components/cluster/versions.ts, which pins its add-ons. Previews warn 90 days before its end of standard support; past it the loader refuses it unless clusterSupportType is EXTENDED, past extended support always.",
    },
    clusterSupportType: {
        type: "string",
        default: "STANDARD",
        description:
            "EKS upgrade policy: STANDARD (EKS upgrades the cluster at the end of standard support, so the loader refuses a version past it) or EXTENDED (extended support, billed extra, for 12 more months).",
    },
    endpointPublicAccess: {
        type: "boolean",
        default: true,
        description: "Whether the Kubernetes API has a public endpoint (restricted to publicAccessCidrs).",
    },
    publicAccessCidrs: {
        type: "array",
        default: [],
        description:
            "CIDRs allowed to reach the public endpoint (at most 40). Required when endpointPublicAccess is true; 0.0.0.0/0 opens it to all.",
    },
    endpointPrivateAccess: {
        type: "boolean",
        default: true,
        description:
            "Whether the API is reachable inside the VPC. Must be true unless the public endpoint is open to 0.0.0.0/0.",
    },
    clusterAdminArns: {
        type: "array",
        default: [],
        description:
            "Every IAM role/user ARN that administers the cluster, the identity that runs pulumi up included (the program refuses to run as anyone else). The first creates the cluster (EKS's creator access); the others get EKS access entries.",
    },
    clusterLogTypes: {
        type: "array",
        default: ["api", "audit", "authenticator"],
        description: "Control-plane log types sent to CloudWatch: api, audit, authenticator, controllerManager, scheduler.",
    },
    logRetentionDays: {
        type: "integer",
        default: 30,
        description:
            "Retention of the program's log groups except the control plane's (containers, Aurora's postgresql log, flow logs, Enhanced Monitoring), in days (a CloudWatch value: 1, 3, 5, 7, 14, 30, 60, 90, ...).",
    },
    auditLogRetentionDays: {
        type: "integer",
        default: 365,
        description:
            "Retention of the EKS control-plane log group (API server, audit and authenticator logs), in days (a CloudWatch value; at least 365 when protectStatefulResources is true).",
    },
    extraFargateNamespaces: {
        type: "array",
        default: [],
        description:
            "Namespaces (wildcards * and ?) to run on Fargate besides kube-system, argocd, platform-* and app-*; they get profiles of their own.",
    },
    dbEngineVersion: {
        type: "string",
        default: "16",
        description:
            "Aurora PostgreSQL engine version: a major (\"16\": Aurora picks the minor and upgrades it) or major.minor (\"16.6\": pinned, no automatic minor upgrades), from the known list in components/data/aurora.ts. Majors 13 to 17; a major change upgrades in place.",
    },
    dbInstanceCount: {
        type: "integer",
        default: 1,
        description: "Aurora Serverless v2 instances (1 writer + readers, up to 16), alternating over the network's first two AZs, so changing azCount never moves one. 2 or more survive an AZ outage.",
    },
    dbMinCapacity: {
        type: "string",
        default: "0.5",
        description: "Minimum Aurora capacity in ACUs, quoted (\"0.5\"); 0 to 256 in steps of 0.5. \"0\" pauses the database when idle (engine 13.15+, 14.12+, 15.7+, 16.3+, 17.4+).",
    },
    dbMaxCapacity: {
        type: "string",
        default: "4",
        description: "Maximum Aurora capacity in ACUs, quoted (\"16\"); 1 to 256 in steps of 0.5, not below dbMinCapacity.",
    },
    dbSecondsUntilAutoPause: {
        type: "integer",
        default: 3600,
        description: "With dbMinCapacity \"0\": idle seconds before the database pauses (300 to 86400). Refused with any other dbMinCapacity (Aurora pauses only at 0 ACUs).",
    },
    dbBackupRetentionDays: {
        type: "integer",
        default: 7,
        description: "Days of automated Aurora backups (1 to 35; at least 7 when protectStatefulResources is true).",
    },
    dbLogMinDurationMs: {
        type: "integer",
        default: 1000,
        description:
            "Aurora logs every statement that runs at least this many milliseconds (log_min_duration_statement): 0 logs all, -1 none. Connections and disconnections are always logged.",
    },
    dbEnhancedMonitoringSeconds: {
        type: "integer",
        default: 60,
        description: "Interval of Aurora Enhanced Monitoring (OS metrics) in seconds: 1, 5, 10, 15, 30 or 60; 0 turns it off (dev).",
    },
    efsTransitionToIa: {
        type: "string",
        default: "AFTER_30_DAYS",
        description: "When EFS moves unread files to Infrequent Access: NONE, AFTER_1_DAY, AFTER_7_DAYS, AFTER_14_DAYS, AFTER_30_DAYS, AFTER_60_DAYS, AFTER_90_DAYS, AFTER_180_DAYS, AFTER_270_DAYS, AFTER_365_DAYS.",
    },
    efsBackups: {
        type: "boolean",
        default: true,
        description: "Daily AWS Backup of the EFS file system (35-day retention by AWS's default plan).",
    },
    ecrKeepImages: {
        type: "integer",
        default: 30,
        description: "Images each app repository keeps (1 to 1000); older ones expire, untagged ones after 3 days.",
    },
    loadBalancerControllerChartVersion: {
        type: "string",
        default: "3.5.0",
        description: "Chart version of the AWS Load Balancer Controller (equal to the controller version); its official IAM policy must ship in components/iam/.",
    },
    metricsServerChartVersion: {
        type: "string",
        default: "3.13.1",
        description: "Chart version of metrics-server (kubernetes-sigs).",
    },
    argocdChartVersion: {
        type: "string",
        default: "10.1.1",
        description: "Chart version of Argo CD (argo-helm argo-cd).",
    },
    argocdApplicationSet: {
        type: "boolean",
        default: false,
        description:
            "Run Argo CD's ApplicationSet controller. false (the default): the chart still installs its CRD and objects, with no pod (the platform creates every Application itself).",
    },
    argocdNotifications: {
        type: "boolean",
        default: false,
        description: "Run Argo CD's notifications controller. false (the default): none is installed (no notification is configured).",
    },
    argocdDex: {
        type: "boolean",
        default: false,
        description: "Run Argo CD's Dex server for single sign-on. false (the default): none is installed (the UI is reached by port-forward with the admin user).",
    },
    gitRepoUrl: {
        type: "string",
        description: "Git repository Argo CD deploys apps/ from: https://... for a public one, git@host:org/repo.git or ssh://... with gitSshPrivateKey for a private one.",
    },
    gitRevision: {
        type: "string",
        default: "main",
        description: "Branch, tag or commit of gitRepoUrl this stack deploys.",
    },
    gitSshPrivateKey: {
        type: "string",
        default: "",
        description: "SSH private key (a deploy key) for a private gitRepoUrl. Set it with `pulumi config set --secret gitSshPrivateKey < key`; never in plain text.",
    },
    github: {
        type: "object",
        description:
            "CI on GitHub Actions: {repository: owner/name, oidcProvider: create|existing, backendUrl: s3://bucket or https://api.pulumi.com, secretsProvider: awskms://... (default none), branch: main, runner: {label: ubuntu-latest, inVpc: false, egressCidrs: []}}. The program creates the stack's preview, images and deploy roles that the workflows assume (README, Delivery); {} for none (Pulumi requires the key in every stack file: an object cannot have a default in Pulumi.yaml).",
    },
    apps: {
        type: "object",
        description:
            "Per-app switches and settings of this stack; {} for none (Pulumi requires the key in every stack file: an object cannot have a default in Pulumi.yaml). {<app>: {enabled: false}} stops an app that app.yaml would run; {<app>: {settings: {NAME: value}}} sets the settings app.yaml declares; {<app>: {secrets: {<name>: {<key>: value}}}} holds the values of the Secrets it declares, each set encrypted with pulumi config set --secret --path <project>:apps.<app>.secrets.<name>.<key>, never in plain text. See apps/README.md.",
    },
    addonsHighAvailability: {
        type: "boolean",
        default: true,
        description: "Run the cluster add-ons with two replicas and PodDisruptionBudgets; false runs one replica each (cheaper, for dev).",
    },
    protectStatefulResources: {
        type: "boolean",
        default: true,
        description:
            "Protect stateful resources (KMS keys, log groups, cluster, database, file system, image repositories) from deletion and keep a final database snapshot. false only for throwaway stacks.",
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
