/**
 * The table of edits: for each stack config key (and adding, removing or configuring an app), one
 * edit of a shipped stack and what it does to the running stack. test/edits/edits.test.ts plans the
 * stack before and after each edit and checks `expect` against `diffPlans`; the README's table is
 * rendered from these rows (`renderEditsTable`), so it says only what the test proved.
 */
import { readStackConfig } from "../../scripts/offline/stack-config";
import type { EditSummary } from "./diff";

/** Raw config changes (keys without `platform:`; `undefined` removes a key), as `plan(stack, changes)` takes them. */
export type Changes = Record<string, string | undefined>;

/**
 * What the test found for an edit: by README label, the counts created, deleted and replaced and the
 * types updated in place. `protected`: the edit would replace or delete a stateful resource (./replacements.ts
 * STATEFUL_TYPES) or any other resource that the stack protects, so Pulumi refuses it before deleting anything.
 */
export type Expectation = (EditSummary & { readonly protected?: true }) | { readonly refused: string };

export interface EditRow {
    /** The schema key the row is about, or an app edit ("app added", "app removed", "app settings"). */
    readonly key: string;
    /** The edit, in words, e.g. "2 → 3". */
    readonly edit: string;
    /** The shipped stack whose files the edit starts from. */
    readonly stack: string;
    /** Changes to the stack files for the state before the edit. Default: none (the stack as shipped). */
    readonly before?: Changes;
    /** Changes to the stack files for the state after the edit. */
    readonly after: Changes;
    /** What the test found (see Expectation); `refused`: a fragment of the loader's message. */
    readonly expect: Expectation;
    /** What the README adds to the proven effect (consequences the plans cannot show). Default: none. */
    readonly note?: string;
}

const NONE: EditSummary = { created: {}, deleted: {}, replaced: {}, updated: [] };

/** An effect, with nothing created, deleted, replaced or updated unless given. */
function fx(effect: Partial<EditSummary> & { protected?: true }): Expectation {
    return { ...NONE, ...effect };
}

/** The stack file's `apps` value (a JSON string offline) with one app's entry changed. */
function apps(stack: string, app: string, entry: Record<string, unknown> | undefined): string {
    const raw = readStackConfig(stack).values["platform:apps"];
    const value = raw ? JSON.parse(raw) : {};
    if (entry === undefined) delete value[app];
    else value[app] = { ...(value[app] ?? {}), ...entry };
    return JSON.stringify(value);
}

export const EDIT_ROWS: readonly EditRow[] = [
    { key: "region", edit: "ap-northeast-1 → us-east-1", stack: "prd", after: { region: "us-east-1" }, note: "Not an edit: every resource lives in the region, so this is a new stack; create one instead.", expect: fx({ replaced: { "AWS provider": 1, "Argo CD AppProject": 4, "Argo CD Application": 4, "Aurora cluster": 1, "Aurora instance": 2, "Aurora parameter group": 1, "Aurora subnet group": 1, "ConfigMap": 8, "ECR lifecycle policy": 5, "ECR repository": 5, "EFS access point": 1, "EFS backup policy": 1, "EFS file system": 1, "EFS mount target": 3, "EKS access entry": 2, "EKS add-on": 1, "EKS access policy association": 2, "EKS cluster": 1, "Elastic IP": 3, "Fargate profile": 1, "Helm release": 3, "IAM OIDC provider": 1, "IAM policy attachment": 4, "IAM role": 11, "IAM role policy": 10, "Job": 2, "KMS alias": 4, "KMS key": 4, "Kubernetes provider": 1, "NAT gateway": 3, "Namespace": 7, "PersistentVolume": 1, "PersistentVolumeClaim": 1, "Secret": 5, "ServiceAccount": 5, "StorageClass": 1, "VPC": 1, "default security group": 1, "flow log": 1, "internet gateway": 1, "log group": 5, "route": 4, "route table": 4, "route table association": 6, "security group": 2, "security group rule": 2, "subnet": 6 }, protected: true }) },
    // In a stack without CI (github {}): CI's jobs use their own roles, so the loader refuses these beside github.
    { key: "awsProfile", edit: "none → a profile (no CI)", stack: "dev", before: { github: "{}" }, after: { github: "{}", awsProfile: "platform-dev" }, expect: fx({ updated: ["AWS provider", "EKS cluster", "Kubernetes provider"] }) },
    { key: "awsProfile", edit: "none → a profile", stack: "dev", after: { awsProfile: "platform-dev" }, expect: { refused: "platform:awsProfile: CI's jobs (platform:github) run with the role they assume" } },
    { key: "assumeRoleArn", edit: "none → a role (no CI)", stack: "dev", before: { github: "{}" }, after: { github: "{}", assumeRoleArn: "arn:aws:iam::111111111111:role/PlatformAdmin" }, expect: fx({ updated: ["AWS provider", "EKS cluster", "Kubernetes provider"] }) },
    { key: "allowedAccountIds", edit: "one more account", stack: "dev", after: { allowedAccountIds: JSON.stringify(["111111111111", "333333333333"]) }, expect: fx({ updated: ["AWS provider"] }) },
    { key: "vpcCidr", edit: "another CIDR", stack: "dev", after: { vpcCidr: "10.30.0.0/16" }, note: "A new network: the VPC and everything in it are replaced.", expect: fx({ replaced: { "EFS mount target": 2, "Fargate profile": 1, "NAT gateway": 1, "VPC": 1, "default security group": 1, "route": 3, "route table": 3, "route table association": 4, "security group": 2, "security group rule": 2, "subnet": 4 } }) },
    { key: "azCount", edit: "2 → 3", stack: "dev", after: { azCount: "3" }, note: "The Fargate profile is replaced: EKS deletes every pod of the old profile when it goes and they restart on the new one (https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html).", expect: fx({ created: { "EFS mount target": 1, "route": 1, "route table": 1, "route table association": 2, "subnet": 2 }, replaced: { "Fargate profile": 1 }, updated: ["Aurora subnet group"] }) },
    { key: "azCount", edit: "3 → 2", stack: "prd", after: { azCount: "2" }, note: "The Fargate profile is replaced: EKS deletes every pod of the old profile when it goes and they restart on the new one. The zone's subnets go; nothing may still use them.", expect: fx({ deleted: { "EFS mount target": 1, "Elastic IP": 1, "NAT gateway": 1, "route": 1, "route table": 1, "route table association": 2, "subnet": 2 }, replaced: { "Fargate profile": 1 }, updated: ["Aurora subnet group"] }) },
    { key: "natGateways", edit: "single → perAz", stack: "dev", after: { natGateways: "perAz" }, note: "Egress moves to the zone's own gateway: connections open through the old route drop.", expect: fx({ created: { "Elastic IP": 1, "NAT gateway": 1 }, updated: ["route"] }) },
    { key: "natGateways", edit: "perAz → single", stack: "prd", after: { natGateways: "single" }, note: "Egress of every zone goes through one gateway: connections open through the removed ones drop.", expect: fx({ deleted: { "Elastic IP": 2, "NAT gateway": 2 }, updated: ["route"] }) },
    { key: "existingVpcId", edit: "created VPC → an existing one", stack: "dev", after: { existingVpcId: "vpc-0a1b2c3d4e5f60718", existingPrivateSubnetIds: JSON.stringify(["subnet-0a000000000000001", "subnet-0a000000000000002"]), existingPublicSubnetIds: JSON.stringify(["subnet-0b000000000000001", "subnet-0b000000000000002"]), vpcCidr: undefined, azCount: undefined, natGateways: undefined }, note: "Moves the platform to another network: the created VPC is deleted, the pods' Fargate profile and the security groups are replaced.", expect: fx({ deleted: { "Elastic IP": 1, "NAT gateway": 1, "VPC": 1, "default security group": 1, "internet gateway": 1, "route": 3, "route table": 3, "route table association": 4, "subnet": 4 }, replaced: { "Aurora instance": 1, "EFS mount target": 2, "Fargate profile": 1, "security group": 2, "security group rule": 2 }, updated: ["Aurora subnet group", "Helm release"] }) },
    { key: "existingPrivateSubnetIds", edit: "one more subnet", stack: "dev", before: { existingVpcId: "vpc-0a1b2c3d4e5f60718", existingPrivateSubnetIds: JSON.stringify(["subnet-0a000000000000001", "subnet-0a000000000000002"]), vpcCidr: undefined, azCount: undefined, natGateways: undefined }, after: { existingVpcId: "vpc-0a1b2c3d4e5f60718", existingPrivateSubnetIds: JSON.stringify(["subnet-0a000000000000001", "subnet-0a000000000000002", "subnet-0a000000000000003"]), vpcCidr: undefined, azCount: undefined, natGateways: undefined }, expect: fx({ created: { "EFS mount target": 1 }, replaced: { "Fargate profile": 1 }, updated: ["Aurora subnet group"] }) },
    { key: "existingPublicSubnetIds", edit: "none → two", stack: "dev", before: { existingVpcId: "vpc-0a1b2c3d4e5f60718", existingPrivateSubnetIds: JSON.stringify(["subnet-0a000000000000001", "subnet-0a000000000000002"]), vpcCidr: undefined, azCount: undefined, natGateways: undefined }, after: { existingVpcId: "vpc-0a1b2c3d4e5f60718", existingPrivateSubnetIds: JSON.stringify(["subnet-0a000000000000001", "subnet-0a000000000000002"]), existingPublicSubnetIds: JSON.stringify(["subnet-0b000000000000001", "subnet-0b000000000000002"]), vpcCidr: undefined, azCount: undefined, natGateways: undefined }, expect: fx({ updated: ["EKS cluster"] }) },
    { key: "vpcFlowLogs", edit: "false → true", stack: "dev", after: { vpcFlowLogs: "true" }, expect: fx({ created: { "IAM role": 1, "IAM role policy": 1, "flow log": 1, "log group": 1 } }) },
    { key: "clusterName", edit: "another name", stack: "dev", after: { clusterName: "renamed" }, note: "Replaces the cluster and what must follow it; no data (see the design note on names).", expect: fx({ replaced: { "Argo CD AppProject": 4, "Argo CD Application": 4, "ConfigMap": 8, "EKS access entry": 2, "EKS add-on": 1, "EKS access policy association": 2, "EKS cluster": 1, "Helm release": 3, "Job": 2, "Kubernetes provider": 1, "Namespace": 7, "PersistentVolume": 1, "PersistentVolumeClaim": 1, "Secret": 5, "ServiceAccount": 5, "StorageClass": 1, "log group": 1 }, updated: ["IAM role", "KMS key", "security group rule", "subnet"] }) },
    { key: "clusterName", edit: "another name", stack: "prd", after: { clusterName: "renamed" }, expect: fx({ replaced: { "Argo CD AppProject": 4, "Argo CD Application": 4, "ConfigMap": 8, "EKS access entry": 2, "EKS add-on": 1, "EKS access policy association": 2, "EKS cluster": 1, "Helm release": 3, "Job": 2, "Kubernetes provider": 1, "Namespace": 7, "PersistentVolume": 1, "PersistentVolumeClaim": 1, "Secret": 5, "ServiceAccount": 5, "StorageClass": 1, "log group": 1 }, updated: ["IAM role", "KMS key", "security group rule", "subnet"], protected: true }) },
    { key: "kubernetesVersion", edit: "1.34 → 1.35", stack: "dev", before: { kubernetesVersion: "1.34", clusterSupportType: "EXTENDED" }, after: { kubernetesVersion: "1.35", clusterSupportType: "EXTENDED" }, note: "An EKS control-plane upgrade, one minor version at a time; CoreDNS's add-on follows once the control plane is upgraded (it waits for the cluster); Fargate pods run the new kubelet once restarted.", expect: fx({ updated: ["EKS add-on", "EKS cluster"] }) },
    { key: "kubernetesVersion", edit: "a version past standard support: 1.33", stack: "dev", after: { kubernetesVersion: "1.33" }, expect: { refused: "platform:kubernetesVersion: 1.33 left EKS standard support on 2026-07-29 and platform:clusterSupportType is STANDARD" } },
    { key: "clusterSupportType", edit: "STANDARD → EXTENDED", stack: "dev", after: { clusterSupportType: "EXTENDED" }, expect: fx({ updated: ["EKS cluster"] }) },
    {
        key: "endpointPublicAccess",
        edit: "true → false",
        stack: "prd",
        // CI then needs a runner inside the VPC (the loader refuses a stack CI cannot reach).
        after: { endpointPublicAccess: "false", publicAccessCidrs: undefined, github: JSON.stringify({ ...JSON.parse(readStackConfig("prd").values["platform:github"]), runner: { label: "platform-prd", inVpc: true, egressCidrs: ["10.20.128.0/24"] } }) },
        note: "CI's jobs must then run on a self-hosted runner in the VPC (github.runner.inVpc), whose subnets the cluster security group admits on 443.",
        expect: fx({ created: { "security group rule": 1 }, updated: ["EKS cluster"] }),
    },
    { key: "publicAccessCidrs", edit: "another range", stack: "prd", after: { publicAccessCidrs: JSON.stringify(["198.51.100.0/24"]) }, expect: fx({ updated: ["EKS cluster"] }) },
    { key: "endpointPrivateAccess", edit: "true → false", stack: "dev", after: { endpointPrivateAccess: "false" }, expect: fx({ updated: ["EKS cluster"] }) },
    { key: "clusterAdminArns", edit: "one more role", stack: "dev", after: { clusterAdminArns: JSON.stringify(["arn:aws:iam::111111111111:role/PlatformAdmin", "arn:aws:iam::111111111111:role/Oncall"]) }, expect: fx({ updated: ["EKS cluster"] }) },
    { key: "clusterLogTypes", edit: "one more type", stack: "dev", after: { clusterLogTypes: JSON.stringify(["api", "audit", "authenticator", "scheduler"]) }, expect: fx({ updated: ["EKS cluster"] }) },
    { key: "logRetentionDays", edit: "14 → 30", stack: "dev", after: { logRetentionDays: "30" }, expect: fx({ updated: ["log group"] }) },
    { key: "auditLogRetentionDays", edit: "365 → 731", stack: "prd", after: { auditLogRetentionDays: "731" }, expect: fx({ updated: ["log group"] }) },
    { key: "extraFargateNamespaces", edit: "one more namespace", stack: "dev", after: { extraFargateNamespaces: JSON.stringify(["monitoring"]) }, expect: fx({ created: { "Fargate profile": 1 } }) },
    { key: "dbEngineVersion", edit: "minor: 16.6 → 16.8", stack: "dev", before: { dbEngineVersion: "16.6" }, after: { dbEngineVersion: "16.8" }, note: "An in-place engine upgrade; a pinned minor turns AWS's automatic minor upgrades off.", expect: fx({ updated: ["Aurora cluster"] }) },
    { key: "dbEngineVersion", edit: "pinned minor → major only: 16.6 → 16", stack: "dev", before: { dbEngineVersion: "16.6" }, after: { dbEngineVersion: "16" }, note: "Aurora then keeps the minor version current itself, and no preview asks to go back.", expect: fx({ updated: ["Aurora cluster", "Aurora instance"] }) },
    { key: "dbEngineVersion", edit: "a release that does not exist: 16.7", stack: "dev", after: { dbEngineVersion: "16.7" }, expect: { refused: "platform:dbEngineVersion: \"16.7\" is no Aurora PostgreSQL 16 release" } },
    { key: "dbEngineVersion", edit: "major: 16 → 17", stack: "dev", after: { dbEngineVersion: "17" }, note: "A major engine upgrade in place, with a parameter group of the new family, applied at once (dev is not protected); the bootstrap Jobs' psql image follows the major.", expect: fx({ created: { "Aurora parameter group": 1 }, deleted: { "Aurora parameter group": 1 }, replaced: { "Job": 2 }, updated: ["Aurora cluster"] }) },
    { key: "dbEngineVersion", edit: "major: 16 → 17", stack: "prd", after: { dbEngineVersion: "17" }, note: "The same upgrade, applied in the maintenance window (prd is protected).", expect: fx({ created: { "Aurora parameter group": 1 }, deleted: { "Aurora parameter group": 1 }, replaced: { "Job": 2 }, updated: ["Aurora cluster"] }) },
    { key: "dbInstanceCount", edit: "1 → 2", stack: "dev", after: { dbInstanceCount: "2" }, expect: fx({ created: { "Aurora instance": 1 } }) },
    { key: "dbInstanceCount", edit: "2 → 1", stack: "prd", after: { dbInstanceCount: "1" }, note: "The removed reader's connections drop; the data is in the cluster volume, not the instance.", expect: fx({ deleted: { "Aurora instance": 1 } }) },
    { key: "dbMinCapacity", edit: "0.5 → 1", stack: "prd", after: { dbMinCapacity: "1" }, expect: fx({ updated: ["Aurora cluster"] }) },
    { key: "dbMaxCapacity", edit: "16 → 32", stack: "prd", after: { dbMaxCapacity: "32" }, expect: fx({ updated: ["Aurora cluster"] }) },
    { key: "dbSecondsUntilAutoPause", edit: "1800 → 600", stack: "dev", after: { dbSecondsUntilAutoPause: "600" }, expect: fx({ updated: ["Aurora cluster"] }) },
    { key: "dbBackupRetentionDays", edit: "14 → 21", stack: "prd", after: { dbBackupRetentionDays: "21" }, expect: fx({ updated: ["Aurora cluster"] }) },
    { key: "dbLogMinDurationMs", edit: "1000 → 250", stack: "prd", after: { dbLogMinDurationMs: "250" }, expect: fx({ updated: ["Aurora parameter group"] }) },
    { key: "dbEnhancedMonitoringSeconds", edit: "0 → 60", stack: "dev", after: { dbEnhancedMonitoringSeconds: "60" }, expect: fx({ created: { "IAM policy attachment": 1, "IAM role": 1, "log group": 1 }, updated: ["Aurora instance"] }) },
    { key: "efsTransitionToIa", edit: "another period", stack: "dev", after: { efsTransitionToIa: "AFTER_30_DAYS" }, expect: fx({ updated: ["EFS file system"] }) },
    { key: "efsBackups", edit: "false → true", stack: "dev", after: { efsBackups: "true" }, expect: fx({ updated: ["EFS backup policy"] }) },
    { key: "ecrKeepImages", edit: "10 → 20", stack: "dev", after: { ecrKeepImages: "20" }, expect: fx({ updated: ["ECR lifecycle policy"] }) },
    { key: "loadBalancerControllerChartVersion", edit: "a version without its IAM policy", stack: "dev", after: { loadBalancerControllerChartVersion: "3.4.0" }, expect: { refused: "must be 3.5.0, the version whose official IAM policy ships in components/iam/" } },
    { key: "metricsServerChartVersion", edit: "another version", stack: "dev", after: { metricsServerChartVersion: "3.13.0" }, expect: fx({ updated: ["Helm release"] }) },
    { key: "argocdChartVersion", edit: "another version", stack: "dev", after: { argocdChartVersion: "10.1.0" }, expect: fx({ updated: ["Helm release"] }) },
    { key: "argocdApplicationSet", edit: "false → true", stack: "dev", after: { argocdApplicationSet: "true" }, note: "The ApplicationSet controller's pod starts (its Deployment, CRD and Service are there either way).", expect: fx({ updated: ["Helm release"] }) },
    { key: "argocdNotifications", edit: "false → true", stack: "dev", after: { argocdNotifications: "true" }, note: "The notifications controller starts; it sends nothing until its ConfigMap names a service and a trigger.", expect: fx({ updated: ["Helm release"] }) },
    { key: "argocdDex", edit: "false → true", stack: "dev", after: { argocdDex: "true" }, note: "Dex starts; it federates no login until a connector is configured and the UI is reachable.", expect: fx({ updated: ["Helm release"] }) },
    { key: "gitRepoUrl", edit: "another public repository", stack: "dev", after: { gitRepoUrl: "https://github.com/example-org/platform-fork.git" }, expect: fx({ updated: ["Argo CD AppProject", "Argo CD Application"] }) },
    {
        key: "github",
        edit: "another repository",
        stack: "dev",
        after: { github: JSON.stringify({ ...JSON.parse(readStackConfig("dev").values["platform:github"]), repository: "example-org/platform-next" }) },
        note: "CI's roles trust the new repository's workflows only; run it by hand as an administrator (CI may not change its own roles), then set the variables in the new repository.",
        expect: fx({ updated: ["IAM role"] }),
    },
    { key: "gitRevision", edit: "another branch", stack: "dev", after: { gitRevision: "release" }, expect: fx({ updated: ["Argo CD Application"] }) },
    { key: "gitSshPrivateKey", edit: "public → private repository with a key", stack: "dev", after: { gitRepoUrl: "git@github.com:example-org/platform.git", gitSshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n" }, note: "The repository Secret changes too: the plan masks secret values, so it does not show.", expect: fx({ updated: ["Argo CD AppProject", "Argo CD Application"] }) },
    { key: "apps", edit: "app added", stack: "prd", before: { apps: apps("prd", "chat", { enabled: false }) }, after: {}, expect: fx({ created: { "Argo CD AppProject": 1, "Argo CD Application": 1, "ConfigMap": 2, "ECR lifecycle policy": 2, "ECR repository": 2, "Job": 1, "Namespace": 1, "Secret": 2, "ServiceAccount": 1, "generated password": 1 } }) },
    { key: "apps", edit: "app removed", stack: "prd", after: { apps: apps("prd", "chat", { enabled: false }) }, note: "The app's ECR repositories would go with their images; its database in Aurora stays.", expect: fx({ deleted: { "Argo CD AppProject": 1, "Argo CD Application": 1, "ConfigMap": 2, "ECR lifecycle policy": 2, "ECR repository": 2, "Job": 1, "Namespace": 1, "Secret": 2, "ServiceAccount": 1, "generated password": 1 }, protected: true }) },
    { key: "apps", edit: "app settings changed", stack: "dev", after: { apps: apps("dev", "opensearch-merge", { settings: { OPENSEARCH_DOMAIN: "logs-dev-2", OPENSEARCH_ENDPOINT: "search-logs-dev-2-placeholder.ap-northeast-1.es.amazonaws.com" } }) }, expect: fx({ replaced: { "ConfigMap": 1 }, updated: ["IAM role policy"] }) },
    { key: "addonsHighAvailability", edit: "false → true", stack: "dev", after: { addonsHighAvailability: "true" }, expect: fx({ updated: ["Helm release"] }) },
    { key: "protectStatefulResources", edit: "true → false", stack: "prd", after: { protectStatefulResources: "false" }, note: "Lifts the protection (Pulumi protect, RDS and EKS deletion protection) and the final snapshot; nothing is replaced (the random id of the snapshot's name is drawn in every stack). CI's deploy role then also trusts the stack's destroy environment: a change to CI's identities, applied by hand (Delivery).", expect: fx({ updated: ["Aurora cluster", "Aurora instance", "ECR repository", "EFS file system", "EKS cluster", "IAM role", "KMS key", "log group"] }) },
];
