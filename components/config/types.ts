/**
 * The typed stack config the loader returns: components receive the slice they need.
 */
import type { CLUSTER_LOG_TYPES, NAT_STRATEGIES, SUPPORT_TYPES } from "./schema";
import type { EFS_IA_TRANSITIONS } from "../data/efs";
import type { SecretValue } from "../secret-config";

/** What a stack file may say about one app (`platform:apps.<app>`). */
export interface AppOverride {
    /** Defaults to true: the app runs in every stack its app.yaml allows. */
    readonly enabled?: boolean;
    /** Values of the app's settings in this stack. */
    readonly settings?: Readonly<Record<string, string>>;
    /** Values of the app's declared Secrets in this stack (encrypted config), by Secret name and key. */
    readonly secrets?: Readonly<Record<string, Readonly<Record<string, SecretValue>>>>;
}

/** Which AWS account and region a stack deploys to. */
export interface AwsConfig {
    readonly region: string;
    /** Named profile, or undefined for the default credential chain. */
    readonly profile?: string;
    /** Role to assume, or undefined. */
    readonly assumeRoleArn?: string;
    readonly allowedAccountIds: readonly string[];
}

/** A VPC the program creates. */
export interface CreatedNetworkConfig {
    readonly kind: "create";
    readonly cidr: string;
    readonly azCount: number;
    readonly natGateways: (typeof NAT_STRATEGIES)[number];
    /** Record the VPC's flow logs (`vpcFlowLogs`). */
    readonly flowLogs: boolean;
}

/** A VPC that exists already and is only referenced. */
export interface ExistingNetworkConfig {
    readonly kind: "existing";
    readonly vpcId: string;
    readonly privateSubnetIds: readonly string[];
    readonly publicSubnetIds: readonly string[];
    /** Record the adopted VPC's flow logs too (`vpcFlowLogs`). */
    readonly flowLogs: boolean;
}

export type NetworkConfig = CreatedNetworkConfig | ExistingNetworkConfig;

export interface ClusterConfig {
    readonly name: string;
    readonly version: string;
    readonly supportType: (typeof SUPPORT_TYPES)[number];
    readonly endpointPublicAccess: boolean;
    readonly publicAccessCidrs: readonly string[];
    readonly endpointPrivateAccess: boolean;
    readonly adminArns: readonly string[];
    readonly logTypes: readonly (typeof CLUSTER_LOG_TYPES)[number][];
    readonly logRetentionDays: number;
    /** Retention of the control-plane log group (API, audit, authenticator). */
    readonly auditLogRetentionDays: number;
    readonly extraFargateNamespaces: readonly string[];
}

export interface DatabaseConfig {
    readonly engineVersion: string;
    readonly instanceCount: number;
    /** ACUs; 0 means auto-pause. */
    readonly minCapacity: number;
    readonly maxCapacity: number;
    /** Set only when minCapacity is 0. */
    readonly secondsUntilAutoPause?: number;
    readonly backupRetentionDays: number;
    /** `log_min_duration_statement` in ms: -1 off, 0 every statement. */
    readonly logMinDurationMs: number;
    /** Enhanced Monitoring interval in seconds; 0 off. */
    readonly enhancedMonitoringSeconds: number;
}

export interface FileSystemConfig {
    readonly transitionToIa: (typeof EFS_IA_TRANSITIONS)[number];
    readonly backups: boolean;
}

export interface RegistryConfig {
    /** Images each repository keeps. */
    readonly keepImages: number;
}

/** The optional Argo CD components a stack runs (`argocdApplicationSet`, `argocdNotifications`, `argocdDex`); each default false. */
export interface ArgocdComponents {
    readonly applicationSet: boolean;
    readonly notifications: boolean;
    readonly dex: boolean;
}

export interface AddonsConfig {
    readonly loadBalancerControllerChartVersion: string;
    readonly metricsServerChartVersion: string;
    readonly argocdChartVersion: string;
    readonly highAvailability: boolean;
    /** Argo CD components nothing in the platform uses: off unless the stack turns them on. */
    readonly argocdComponents: ArgocdComponents;
    readonly git: {
        readonly repoUrl: string;
        readonly revision: string;
        /** Undefined for a public repository. Kept out of logs: the program wraps it as a secret. */
        readonly sshPrivateKey?: string;
    };
}

/** Where CI's runners reach the Kubernetes API from (`github.runner`). */
export interface RunnerConfig {
    /** The `runs-on` label of the stack's CI jobs (a hosted, larger or self-hosted runner). Default `ubuntu-latest`. */
    readonly label: string;
    /** The runners sit inside the stack's VPC and reach the API's private endpoint. Default false. */
    readonly inVpc: boolean;
    /** The runners' source addresses: public egress (fixed-IP larger runners) or, in the VPC, their subnets. Default none. */
    readonly egressCidrs: readonly string[];
}

/** The Pulumi state backend CI reads (`github.backendUrl`). */
export type StateBackend = { readonly kind: "s3"; readonly bucket: string; readonly prefix: string } | { readonly kind: "cloud"; readonly url: string };

/** The KMS key of an `awskms://` secrets provider: by alias name or by key id/ARN. */
export type SecretsKey = { readonly alias: string } | { readonly keyId: string } | { readonly keyArn: string };

/** `github`: the repository whose workflows deploy the stack, and how they reach it. */
export interface GithubConfig {
    /** `owner/name`. */
    readonly repository: string;
    /** The default branch: images are built from it; stacks whose gitRevision is it follow merges. Default `main`. */
    readonly branch: string;
    /** `create` the account's GitHub OIDC provider, or use the `existing` one (one per account and URL). */
    readonly oidcProvider: "create" | "existing";
    readonly backendUrl: string;
    readonly backend: StateBackend;
    /** The `--secrets-provider` of the stack; empty for none (Pulumi Cloud's own). */
    readonly secretsProvider: string;
    readonly secretsKey?: SecretsKey;
    readonly runner: RunnerConfig;
}

/** The whole stack config, validated and frozen. Components receive their slice. */
export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    readonly aws: AwsConfig;
    readonly network: NetworkConfig;
    readonly cluster: ClusterConfig;
    readonly database: DatabaseConfig;
    readonly fileSystem: FileSystemConfig;
    readonly registry: RegistryConfig;
    readonly addons: AddonsConfig;
    /** `apps`: per-app switches and settings, by app name (checked against apps/ by loadApps). */
    readonly apps: Readonly<Record<string, AppOverride>>;
    /** `github`: CI's identities and path to the API; undefined for `{}` (no CI identities). */
    readonly github?: GithubConfig;
    /** Protect stateful resources from deletion (`protect`, retain-on-delete, service deletion protection). */
    readonly protect: boolean;
    /** Tags every AWS resource gets through the provider's default tags. */
    readonly tags: Readonly<Record<string, string>>;
}
