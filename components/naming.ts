/**
 * Every name the program derives: namespaces and name conventions shared by every component, the
 * physical names of AWS and Kubernetes resources composed from the stack's root name
 * ({@link rootName}), the cluster name and app names, and the limits of the services that receive them. Each name is written here once, so a name a
 * component creates and the name the config loader and app discovery check are the same string,
 * and a change of convention cannot leave a stale copy behind. This module imports nothing from
 * the components: they all import from it.
 */

/** Kubernetes' own namespace: CoreDNS and the AWS Load Balancer Controller run here. */
export const KUBE_SYSTEM_NAMESPACE = "kube-system";

/** Argo CD's namespace: the chart's and the `argocd` CLI's default, so `--port-forward-namespace` is not needed. */
export const ARGOCD_NAMESPACE = "argocd";

/** Prefix of platform-owned namespaces (for example the database bootstrap jobs). */
export const PLATFORM_NAMESPACE_PREFIX = "platform-";

/** Prefix of every app's namespace: app `chat` runs in `app-chat`. */
export const APP_NAMESPACE_PREFIX = "app-";

/**
 * Fargate logging lives in a namespace with exactly this name; it runs no pods, so no selector
 * needs to cover it. https://docs.aws.amazon.com/eks/latest/userguide/fargate-logging.html
 */
export const FARGATE_LOGGING_NAMESPACE = "aws-observability";

/** Namespace of the database bootstrap jobs: a platform namespace, covered by `platform-*`. */
export const DATABASE_BOOTSTRAP_NAMESPACE = `${PLATFORM_NAMESPACE_PREFIX}databases`;

/** The ConfigMap every app's namespace gets: region, stack, cluster and the app's settings. */
export const PLATFORM_CONFIGMAP = "platform";

/** The Secret with an app's database connection, for apps that declare `database: true`. */
export const DATABASE_SECRET = "database";

/**
 * The ConfigMap with the Amazon RDS CA bundle, in every namespace whose pods connect to Aurora (apps
 * with `database: true`, the database bootstrap): what `sslmode=verify-full` checks the server against.
 */
export const RDS_CA_CONFIGMAP = "rds-ca";

/** The key of {@link RDS_CA_CONFIGMAP}: the bundle's file name as AWS publishes it, so a mount shows it under that name. */
export const RDS_CA_BUNDLE_KEY = "global-bundle.pem";

/** Claim name every app's volume gets in its namespace: manifests can rely on it. */
export const APP_VOLUME_CLAIM = "data";

/**
 * Instances per Aurora cluster: one writer and up to 15 readers, so instance identifiers end in
 * `-1` to `-16`. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.html
 */
export const AURORA_MAX_INSTANCES = 16;

/**
 * Pulumi auto-names a resource whose name is not given `<logical name>-<random hex>`: the AWS
 * provider adds 7 hex characters, the Kubernetes provider 8 (each after a hyphen). The logical name
 * therefore has to leave room for them. https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming
 */
export const AWS_AUTONAME_SUFFIX = 8;
/** See {@link AWS_AUTONAME_SUFFIX}. */
export const K8S_AUTONAME_SUFFIX = 9;

/**
 * The Pod Security Standard of every namespace the program creates for workloads: `restricted`,
 * the hardened profile (non-root, no privilege escalation, all capabilities dropped, the runtime's
 * default seccomp profile, only non-host volume types). It also refuses at admission, with a clear
 * message, what Fargate cannot run anyway (privileged, host namespaces, host ports and paths)
 * instead of leaving the pod Pending.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const POD_SECURITY_LEVEL = "restricted";

/**
 * The version of the Pod Security Standards the namespaces pin, `v<major>.<minor>`. Not `latest`
 * (the default when no version label is set): then an upgrade of the cluster would tighten
 * admission silently, and pods that ran before it would be refused at their next start. Pinned, a
 * newer version's checks apply only when this constant changes, in a reviewed commit. It is never
 * newer than the stacks' `kubernetesVersion` (test/apps/pod-security.test.ts): a version's checks
 * exist only in clusters of that version or later.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
 */
export const POD_SECURITY_VERSION = "v1.34";

/**
 * Labels of every namespace the program creates for workloads: managed by Pulumi, and Pod Security
 * {@link POD_SECURITY_LEVEL} at {@link POD_SECURITY_VERSION} for each mode: `enforce` refuses a
 * violating pod, `audit` records it in the audit log, `warn` tells the client that creates the
 * workload (kubectl, Argo CD) at once, before its pods are refused.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export function managedNamespaceLabels(): Record<string, string> {
    const labels: Record<string, string> = { "app.kubernetes.io/managed-by": "pulumi" };
    for (const mode of ["enforce", "audit", "warn"]) {
        labels[`pod-security.kubernetes.io/${mode}`] = POD_SECURITY_LEVEL;
        labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    return labels;
}

// ---------------------------------------------------------------------------------------------
// Limits of the services that receive the names
// ---------------------------------------------------------------------------------------------

/** What a service accepts as a name. */
export interface NameRule {
    /** Shortest accepted length. */
    readonly min: number;
    /** Longest accepted length. */
    readonly max: number;
    /** Length counted in UTF-8 bytes instead of characters. */
    readonly bytes?: boolean;
    /** What the whole name must match, apart from its length. */
    readonly pattern: RegExp;
    /** The limit in words, as problems state it after "must be". */
    readonly says: string;
}

/** RDS identifiers: a letter first, then letters and digits with single hyphens between them. */
const RDS_IDENTIFIER = /^[a-z](?:-?[a-z0-9])*$/;
/** One ECR path component: letters and digits joined by single `.`, `_` or `-`. */
const ECR_COMPONENT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** The limit of every service a derived name goes to, with the public reference it comes from. */
export const NAME_RULES = {
    /** EKS CreateCluster `name`: https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html */
    eksCluster: {
        min: 1,
        max: 100,
        pattern: /^[0-9A-Za-z][A-Za-z0-9\-_]*$/,
        says: "1-100 letters, digits, '-' and '_', starting with a letter or digit",
    },
    /**
     * RDS CreateDBCluster `DBClusterIdentifier` and CreateDBInstance `DBInstanceIdentifier`: 1-63
     * letters, digits or hyphens, a letter first, no hyphen last, no two hyphens in a row. RDS
     * stores them lower case, which is how the program derives them.
     * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
     * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
     */
    rdsIdentifier: {
        min: 1,
        max: 63,
        pattern: RDS_IDENTIFIER,
        says: "1-63 letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
    },
    /**
     * RDS DeleteDBCluster `FinalDBSnapshotIdentifier` (the name CreateDBCluster keeps for it): the
     * same rules as an identifier, up to 255 characters.
     * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html
     */
    rdsSnapshotIdentifier: {
        min: 1,
        max: 255,
        pattern: RDS_IDENTIFIER,
        says: "1-255 letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
    },
    /**
     * CloudWatch Logs CreateLogGroup `logGroupName`: 1-512 of `[\.\-_/#A-Za-z0-9]`, and not starting
     * with `aws/` (EKS's own `/aws/eks/...` starts with a slash).
     * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
     */
    logGroup: {
        min: 1,
        max: 512,
        pattern: /^(?!aws\/)[.\-_/#A-Za-z0-9]+$/,
        says: "1-512 letters, digits, '.', '-', '_', '/' and '#', not starting with aws/",
    },
    /**
     * KMS CreateAlias `AliasName`: `alias/` and a name of `[a-zA-Z0-9/_-]`, at most 256 characters in
     * all; `alias/aws/` is reserved for AWS managed keys.
     * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
     */
    kmsAlias: {
        min: 7,
        max: 256,
        pattern: /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/,
        says: "alias/ and then letters, digits, '/', '_' and '-', at most 256 characters in all, not under alias/aws/",
    },
    /**
     * ECR CreateRepository `repositoryName`: 2-256 characters,
     * `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`.
     * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
     */
    ecrRepository: {
        min: 2,
        max: 256,
        pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
        says: "2-256 characters: lower-case letters and digits joined by single '.', '_' or '-', in components separated by '/'",
    },
    /** One component of an ECR repository name (same reference as {@link NAME_RULES.ecrRepository}). */
    ecrComponent: {
        min: 1,
        max: 256,
        pattern: ECR_COMPONENT,
        says: "lower-case letters and digits joined by single '.', '_' or '-' (an ECR repository name component)",
    },
    /** IAM CreateRole `RoleName`: 1-64 of `[\w+=,.@-]`. https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
    iamRole: {
        min: 1,
        max: 64,
        pattern: /^[\w+=,.@-]+$/,
        says: "1-64 letters, digits and '+=,.@_-'",
    },
    /**
     * Kubernetes DNS label (RFC 1123): namespaces, and names that end up in labels or host names.
     * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
     */
    dnsLabel: {
        min: 1,
        max: 63,
        pattern: DNS_LABEL,
        says: "a DNS label: 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit",
    },
    /**
     * Kubernetes DNS subdomain (RFC 1123): most object names (ServiceAccount, PersistentVolume, Secret).
     * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
     */
    dnsSubdomain: {
        min: 1,
        max: 253,
        pattern: DNS_SUBDOMAIN,
        says: "a DNS subdomain: 1-253 lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit",
    },
    /**
     * Kubernetes Job names: a DNS subdomain, yet at most 63 characters, because the Job controller
     * puts the name into the `job-name` label of its pods (label values: 63 at most).
     * https://kubernetes.io/docs/concepts/workloads/controllers/job/#writing-a-job-spec
     */
    jobName: {
        min: 1,
        max: 63,
        pattern: DNS_SUBDOMAIN,
        says: "a DNS subdomain of at most 63 characters (the Job controller copies it into a label)",
    },
    /**
     * PostgreSQL identifiers (database and role names): at most NAMEDATALEN-1 = 63 bytes, longer
     * ones are silently truncated; role names starting with `pg_` are reserved since 9.6.
     * https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
     * https://www.postgresql.org/docs/9.6/release-9-6.html ("Reserve role names beginning with pg_")
     */
    postgresIdentifier: {
        min: 1,
        max: 63,
        bytes: true,
        pattern: /^(?!pg_)[^\0]+$/,
        says: "at most 63 bytes and not starting with pg_ (reserved for PostgreSQL's own roles)",
    },
    /**
     * EFS CreateAccessPoint `RootDirectory.Path`: 1-100 characters, an absolute path of up to four
     * directories. https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html
     */
    efsPath: {
        min: 1,
        max: 100,
        pattern: /^(?:\/|(?:\/(?!\.)[^$#<>;`|&?{}^*/\n]+){1,4})$/,
        says: "an absolute path of 1-100 characters and at most four directories",
    },
    /**
     * EFS tag values (the `Name` tag is what the console shows): at most 256 characters.
     * https://docs.aws.amazon.com/efs/latest/ug/API_Tag.html
     */
    tagValue: {
        min: 0,
        max: 256,
        pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
        says: "at most 256 letters, digits, spaces and '_.:/=+-@'",
    },
} as const satisfies Record<string, NameRule>;

/** Why a name breaks a rule: its characters, or (only once they are fine) its length. */
export type NameViolation = "format" | "length";

/**
 * Checks one name against a rule.
 * @param suffix Characters a provider appends when it auto-names the resource ({@link AWS_AUTONAME_SUFFIX}).
 * @returns undefined when the service accepts the name.
 */
export function nameViolation(rule: NameRule, name: string, suffix = 0): NameViolation | undefined {
    if (!rule.pattern.test(name)) return "format";
    const length = (rule.bytes ? Buffer.byteLength(name, "utf8") : name.length) + suffix;
    return length < rule.min || length > rule.max ? "length" : undefined;
}

/** A derived name with what it is checked against, and what to change when it fails. */
export interface DerivedName {
    /** What the name is, e.g. `Aurora cluster identifier`. */
    readonly role: string;
    readonly value: string;
    readonly rule: NameRule;
    /** Characters Pulumi appends when auto-naming; 0 or absent for names the program sets. */
    readonly suffix?: number;
    /** What it is derived from, after "derived from"; absent for the configured name itself. */
    readonly from?: string;
    /** What to do when it is too long, and when its characters do not fit. */
    readonly fix: { readonly length: string; readonly format: string };
}

/**
 * The problem of one derived name, or undefined when it fits: names `where` (the config key or
 * file), the name's role and value (auto-named ones with Pulumi's suffix as `x`s), and the limit.
 */
export function nameProblem(where: string, name: DerivedName): string | undefined {
    const violation = nameViolation(name.rule, name.value, name.suffix ?? 0);
    if (!violation) return undefined;
    const shown = name.suffix ? `${name.value}-${"x".repeat(name.suffix - 1)}` : name.value;
    const autonamed = name.suffix ? " (the x's: Pulumi's random suffix)" : "";
    const from = name.from === undefined ? "" : ` derived from ${name.from}`;
    return `${where}: the ${name.role} ${JSON.stringify(shown)}${autonamed}${from} must be ${name.rule.says}; ${name.fix[violation]}`;
}

function problems(where: string, names: readonly DerivedName[]): string[] {
    return names.map((n) => nameProblem(where, n)).filter((p): p is string => p !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Stack-level names: from the root name, and from the cluster name only what must follow the cluster
// ---------------------------------------------------------------------------------------------

/**
 * The root of every stateful resource's physical name: `<project>-<stack>`, Pulumi's own identity
 * of the stack. Aurora's identifiers, its final snapshot, the KMS key aliases, the log groups the
 * program names, the EFS file system's Name tag and the ECR repositories derive from it; only what
 * must follow the EKS cluster derives from `clusterName` (the cluster itself and the control-plane
 * log group EKS writes to). Physical names are replace-forcing inputs (`clusterIdentifier` of an
 * Aurora cluster, `name` of an ECR repository or KMS alias), so a root a user may edit would
 * replace, that is delete, the data.
 *
 * Why not a config key such as `platform:name`: a key is an edit like any other, and changing it
 * would replace every stateful resource while the loader, which sees only the new value, could not
 * refuse it. `<project>-<stack>` is set when the stack is created and no config edit changes it; two
 * stacks of the project never share it (Pulumi refuses a second stack of the same name), so stacks
 * sharing an account never collide, and a copied stack file cannot carry another stack's root. Only
 * renaming the stack or the project changes it (`pulumi stack rename`), which replaces them: the
 * README says so. For the shipped stacks it is what the default cluster name has always been
 * (`platform-dev`, `platform-prd`), so no name changed when the names moved to it.
 * https://www.pulumi.com/docs/iac/concepts/stacks/
 *
 * @param project The Pulumi project's name (`pulumi.getProject()`, Pulumi.yaml `name`).
 * @param stack The stack's name (`pulumi.getStack()`), without organization or project.
 */
export function rootName(project: string, stack: string): string {
    return `${project}-${stack}`;
}

/**
 * The DB cluster identifier, from the root name: lower case, `_` as `-` (RDS identifiers allow
 * letters, digits and single hyphens only). Fixed, so the final snapshot name is known.
 */
export function dbClusterIdentifier(root: string): string {
    return `${root.toLowerCase().replace(/_/g, "-").replace(/-+/g, "-")}-db`;
}

/** RDS: 1-63 characters, a letter first, letters, digits and single hyphens, no hyphen last. */
export const DB_IDENTIFIER = new RegExp(
    `^(?=.{${NAME_RULES.rdsIdentifier.min},${NAME_RULES.rdsIdentifier.max}}$)${RDS_IDENTIFIER.source.slice(1)}`,
);

/** The identifier of Aurora instance `n` (from 1) of the stack's root name. */
export function dbInstanceIdentifier(root: string, n: number): string {
    return `${dbClusterIdentifier(root)}-${n}`;
}

/**
 * Final snapshot taken when a protected database is deleted after all (deletion protection off).
 * @param root The stack's root name ({@link rootName}), like the DB cluster identifier it extends.
 */
export function finalSnapshotIdentifier(root: string): string {
    return `${dbClusterIdentifier(root)}-final`;
}

/**
 * Name EKS itself uses for control-plane logs; creating it first lets us set its retention. EKS
 * fixes it as `/aws/eks/<cluster-name>/cluster`, so it is the one log group that follows the cluster
 * name: renaming the cluster replaces it with the cluster (a new group for the new cluster; the
 * old one, with the old cluster's API and audit logs, is deleted with it, and in a protected stack
 * Pulumi refuses the replacement, as EKS's deletion protection refuses the cluster's).
 * https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
 */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/**
 * Log group of the containers' stdout/stderr: a name of our choosing (Fargate's log router is told
 * where to write), from the root name, so renaming the cluster keeps the apps' logs.
 */
export function containerLogGroupName(root: string): string {
    return `/aws/eks/${root}/containers`;
}

/**
 * Name Aurora itself uses for the exported `postgresql` log of a DB cluster; creating it first lets
 * us set its retention and key. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html
 */
export function databaseLogGroupName(root: string): string {
    return `/aws/rds/cluster/${dbClusterIdentifier(root)}/postgresql`;
}

/** Log group of the VPC's flow logs (a name of our choosing: the flow log is told where to write). */
export function flowLogGroupName(root: string): string {
    return `/vpc/${root}/flow-logs`;
}

/**
 * The log group RDS Enhanced Monitoring writes every instance's OS metrics to: one per account and
 * region, under this fixed name (the project gives each stack an account of its own).
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.CloudWatchLogs.html
 */
export const ENHANCED_MONITORING_LOG_GROUP = "RDSOSMetrics";

/** First component of every app's ECR repositories: the root name, lower case, `_` as `-`. */
function repositoryPrefix(root: string): string {
    return root.toLowerCase().replace(/_/g, "-");
}

/** What a stack's names derive from. */
export interface NameRoots {
    /** The root of every stateful resource's name: {@link rootName}, `<project>-<stack>`. Required. */
    readonly root: string;
    /** The EKS cluster's name (`platform:clusterName`, default `<project>-<stack>`). Required. */
    readonly cluster: string;
}

/**
 * The names of a stack's stateful resources and everything named with them: from its root name
 * alone ({@link rootName}), never from the cluster name.
 */
export interface StatefulNames {
    readonly auroraCluster: string;
    /** Identifier of Aurora instance `n`, from 1 up to {@link AURORA_MAX_INSTANCES}. */
    readonly auroraInstance: (n: number) => string;
    /** Final snapshot of a protected Aurora cluster. */
    readonly finalSnapshot: string;
    /**
     * The log groups the program names itself or that follow the database: the containers', Aurora's
     * `postgresql` export, the VPC's flow logs and Enhanced Monitoring's.
     */
    readonly logGroups: {
        readonly containers: string;
        readonly database: string;
        readonly flowLogs: string;
        readonly enhancedMonitoring: string;
    };
    /** Full alias names (with `alias/`) of the customer-managed keys; `logs` encrypts every log group. */
    readonly kmsAliases: { readonly eksSecrets: string; readonly database: string; readonly fileSystem: string; readonly logs: string };
    /** The EFS file system's `Name` tag, the name the console shows. */
    readonly fileSystem: string;
    /** First component of every app's ECR repository names. */
    readonly ecrPrefix: string;
    /**
     * The IAM roles CI assumes through GitHub's OIDC provider (`platform:github`): named, not
     * generated, because the workflows' repository variables and the deploy role's own guard
     * (components/ci/policies.ts) need them before the roles exist.
     */
    readonly ciRoles: CiRoleNames;
}

/** The CI roles of a stack, by what they do. */
export interface CiRoleNames {
    /** Pull-request previews: read-only. */
    readonly preview: string;
    /** Pushes app images to the stack's ECR repositories. */
    readonly images: string;
    /** `pulumi up` (and, in a stack that allows it, `pulumi destroy`) from the stack's environment. */
    readonly deploy: string;
}

/**
 * The names of a stack: the stateful ones from its root name, and from the cluster name what must
 * follow the cluster (the cluster, the control-plane log group EKS names after it).
 */
export interface PlatformNames extends StatefulNames {
    /** The EKS cluster: the configured name itself. */
    readonly eksCluster: string;
    /**
     * Every log group the program creates, for itself or before AWS would (EKS, Aurora, Enhanced
     * Monitoring): the control plane's (from the cluster name, as EKS fixes it) and the
     * {@link StatefulNames} ones (from the root name).
     */
    readonly logGroups: StatefulNames["logGroups"] & { readonly controlPlane: string };
}

/**
 * The names of a stack's stateful resources. The database's key alias follows the DB cluster
 * identifier, the other aliases the root name itself.
 * @param root The stack's root name ({@link rootName}, `<project>-<stack>`).
 */
export function statefulNames(root: string): StatefulNames {
    const auroraCluster = dbClusterIdentifier(root);
    return {
        auroraCluster,
        auroraInstance: (n) => dbInstanceIdentifier(root, n),
        finalSnapshot: finalSnapshotIdentifier(root),
        logGroups: {
            containers: containerLogGroupName(root),
            database: databaseLogGroupName(root),
            flowLogs: flowLogGroupName(root),
            enhancedMonitoring: ENHANCED_MONITORING_LOG_GROUP,
        },
        kmsAliases: {
            eksSecrets: `alias/eks/${root}-secrets`,
            database: `alias/rds/${auroraCluster}`,
            fileSystem: `alias/efs/${root}`,
            logs: `alias/logs/${root}`,
        },
        fileSystem: `${root}-apps`,
        ecrPrefix: repositoryPrefix(root),
        ciRoles: { preview: `${root}-ci-preview`, images: `${root}-ci-images`, deploy: `${root}-ci-deploy` },
    };
}

/**
 * Every name of a stack. Only the EKS cluster and its control-plane log group (whose name EKS
 * fixes) follow the cluster name; everything stateful follows the root name ({@link statefulNames}),
 * so renaming the cluster replaces no database, file system, repository, key or alias.
 * @param roots The stack's root name and cluster name.
 */
export function platformNames(roots: NameRoots): PlatformNames {
    const stateful = statefulNames(roots.root);
    return {
        ...stateful,
        eksCluster: roots.cluster,
        logGroups: { controlPlane: controlPlaneLogGroupName(roots.cluster), ...stateful.logGroups },
    };
}

/**
 * Every problem of the names derived from a cluster name: the EKS cluster's, and the control-plane
 * log group EKS names after it. The stateful resources' names are {@link rootNameProblems}'.
 *
 * @param clusterName The EKS cluster name.
 * @param key The config key it comes from, e.g. `platform:clusterName`; every problem starts with it.
 * @returns One message per name that does not fit; empty when all do.
 */
export function clusterNameProblems(clusterName: string, key: string): string[] {
    const fix = { length: `set a shorter ${key}`, format: `change ${key}` };
    const eks = problems(key, [{ role: "EKS cluster name", value: clusterName, rule: NAME_RULES.eksCluster, fix }]);
    if (eks.length > 0) return eks;
    const controlPlane = controlPlaneLogGroupName(clusterName);
    return problems(key, [{ role: "control-plane log group name", value: controlPlane, rule: NAME_RULES.logGroup, from: "it", fix }]);
}

/**
 * Every problem of the names derived from the stack's root name ({@link rootName}): checked once,
 * by the loader, before anything exists. Aurora instance identifiers are checked for the highest
 * instance number a cluster can have, so raising the instance count later never meets a name that
 * does not fit. A root that does not fit can only be fixed by naming the stack (or the project)
 * otherwise, which is free before its first `pulumi up` and replaces every stateful resource after.
 *
 * @param project The Pulumi project's name.
 * @param stack The stack's name.
 * @returns One message per name that does not fit, each starting with the project and stack; empty when all do.
 */
export function rootNameProblems(project: string, stack: string): string[] {
    const root = rootName(project, stack);
    const where = `project ${JSON.stringify(project)}, stack ${JSON.stringify(stack)}`;
    const fix = {
        length: "use a shorter stack or project name (pulumi stack rename, before the stack's first pulumi up)",
        format: "use project and stack names of letters, digits and single hyphens, the project's starting with a letter (pulumi stack rename, before the stack's first pulumi up)",
    };
    const n = statefulNames(root);
    const derived = (role: string, value: string, rule: NameRule): DerivedName => ({ role, value, rule, from: `<project>-<stack> ${JSON.stringify(root)}`, fix });
    return problems(where, [
        derived("Aurora cluster identifier", n.auroraCluster, NAME_RULES.rdsIdentifier),
        derived(`Aurora instance identifier (of instance ${AURORA_MAX_INSTANCES}, the most a cluster can have)`, n.auroraInstance(AURORA_MAX_INSTANCES), NAME_RULES.rdsIdentifier),
        derived("Aurora final snapshot identifier", n.finalSnapshot, NAME_RULES.rdsSnapshotIdentifier),
        derived("container log group name", n.logGroups.containers, NAME_RULES.logGroup),
        derived("Aurora log group name", n.logGroups.database, NAME_RULES.logGroup),
        derived("flow log group name", n.logGroups.flowLogs, NAME_RULES.logGroup),
        derived("KMS alias of the Kubernetes Secrets key", n.kmsAliases.eksSecrets, NAME_RULES.kmsAlias),
        derived("KMS alias of the database key", n.kmsAliases.database, NAME_RULES.kmsAlias),
        derived("KMS alias of the file system key", n.kmsAliases.fileSystem, NAME_RULES.kmsAlias),
        derived("KMS alias of the log groups' key", n.kmsAliases.logs, NAME_RULES.kmsAlias),
        derived("EFS file system Name tag", n.fileSystem, NAME_RULES.tagValue),
        derived("ECR repository prefix", n.ecrPrefix, NAME_RULES.ecrComponent),
        ...Object.entries(n.ciRoles).map(([role, name]) => derived(`IAM role of CI's ${role}`, name, NAME_RULES.iamRole)),
    ]);
}

// ---------------------------------------------------------------------------------------------
// App-level names: from the root name, the app's name and its images
// ---------------------------------------------------------------------------------------------

/** The namespace an app's workloads run in. */
export function appNamespace(app: string): string {
    return `${APP_NAMESPACE_PREFIX}${app}`;
}

/** An app's service account: named after the app, so manifests read `serviceAccountName: <app>`. */
export function serviceAccountName(app: string): string {
    return app;
}

/**
 * Name of an app's database and login role: the app's name with `_` for `-`, which PostgreSQL takes
 * unquoted (apps/<app> names are lower case letters, digits and `-`).
 */
export function databaseIdentifier(app: string): string {
    return app.replace(/-/g, "_");
}

/** PersistentVolumes are cluster-wide: named after the app's namespace so no two apps collide. */
export function persistentVolumeName(app: string): string {
    return `${appNamespace(app)}-data`;
}

/** Root directory of an app's EFS access point: its own directory on the shared file system. */
export function accessPointPath(app: string): string {
    return `/apps/${app}`;
}

/** The `Name` tag of an app's EFS access point. */
export function accessPointName(app: string): string {
    return `${app}-data`;
}

/** Logical name of an app's App component (index.ts registers one per app). */
export function appComponentName(app: string): string {
    return `app-${app}`;
}

function composeRepositoryName(root: string, app: string, image: string): string {
    return `${repositoryPrefix(root)}/${app}/${image}`;
}

/**
 * The repository of one app image: `<prefix>/<app>/<image>`. The prefix (the root name,
 * {@link rootName}) keeps two stacks apart when they share an account, and stays when the cluster
 * is renamed. Depends on nothing else, so it never changes when
 * other apps come and go.
 * @throws Error naming the app and image when the result is not a valid ECR name.
 */
export function repositoryName(prefix: string, app: string, image: string): string {
    for (const [what, value] of [["app", app], ["image", image]] as const) {
        if (!ECR_COMPONENT.test(value)) {
            throw new Error(
                `${what} ${JSON.stringify(value)}: ECR names need lower-case letters and digits, joined by single '.', '_' or '-'`,
            );
        }
    }
    const name = composeRepositoryName(prefix, app, image);
    if (nameViolation(NAME_RULES.ecrRepository, name)) {
        throw new Error(`repository ${JSON.stringify(name)} (app ${app}, image ${image}): not a valid ECR name (2-256 characters)`);
    }
    return name;
}

/** The names derived from one app. */
export interface AppNames {
    readonly namespace: string;
    readonly serviceAccount: string;
    /** The Argo CD Application and AppProject: the app's name itself. */
    readonly argocdApplication: string;
    /** ECR repository name of each image. */
    readonly repositories: Readonly<Record<string, string>>;
    readonly persistentVolume: string;
    readonly accessPointPath: string;
    readonly accessPointName: string;
    /** The app's PostgreSQL database and login role. */
    readonly database: string;
    /**
     * Logical names of the app's auto-named resources: Pulumi names them `<logical>-<random>`. They
     * follow the components' convention `<parent>-<child>`: App `app-<app>`, its IrsaRole `-irsa`
     * with the IAM role `-role`, its AppDatabase `-database` with the Job `-bootstrap` and the
     * password Secret `-password-secret` (test/naming.test.ts compares them with the plan).
     */
    readonly logical: {
        readonly component: string;
        readonly irsaRole: string;
        readonly bootstrapJob: string;
        readonly passwordSecret: string;
    };
}

/**
 * Every name derived from one app. Pure: nothing is checked here, see {@link appNameProblems}.
 * @param root The stack's root name ({@link rootName}): the first component of the ECR repositories.
 * @param app The app's name (its folder under apps/).
 * @param images The app's image names (app.yaml `images`).
 */
export function appNames(root: string, app: string, images: readonly string[]): AppNames {
    const component = appComponentName(app);
    return {
        namespace: appNamespace(app),
        serviceAccount: serviceAccountName(app),
        argocdApplication: app,
        repositories: Object.fromEntries(images.map((image) => [image, composeRepositoryName(root, app, image)])),
        persistentVolume: persistentVolumeName(app),
        accessPointPath: accessPointPath(app),
        accessPointName: accessPointName(app),
        database: databaseIdentifier(app),
        logical: {
            component,
            irsaRole: `${component}-irsa-role`,
            bootstrapJob: `${component}-database-bootstrap`,
            passwordSecret: `${component}-database-password-secret`,
        },
    };
}

/**
 * Every problem of the names derived from one app, whether or not the app uses them yet (a
 * database or volume can be declared later; its name must fit then). ECR repository names are
 * checked only when the root's prefix is valid: {@link rootNameProblems} reports that one.
 *
 * @param root The stack's root name ({@link rootName}).
 * @param app The app's name (its folder under apps/).
 * @param images The app's image names.
 * @param where Where the app is declared, e.g. `apps/chat/app.yaml`; every problem starts with it.
 * @returns One message per name that does not fit; empty when all do.
 */
export function appNameProblems(root: string, app: string, images: readonly string[], where: string): string[] {
    const n = appNames(root, app, images);
    const fromApp = `app ${JSON.stringify(app)}`;
    const fix = { length: "use a shorter app name (the folder under apps/)", format: "rename the app (the folder under apps/)" };
    const derived = (role: string, value: string, rule: NameRule, suffix = 0): DerivedName => ({ role, value, rule, suffix, from: fromApp, fix });
    const names: DerivedName[] = [
        derived("namespace", n.namespace, NAME_RULES.dnsLabel),
        derived("service account name", n.serviceAccount, NAME_RULES.dnsSubdomain),
        // Argo CD can track resources by the label app.kubernetes.io/instance=<Application name>:
        // a label value, 63 characters at most. https://argo-cd.readthedocs.io/en/stable/user-guide/resource_tracking/
        derived("Argo CD Application and AppProject name", n.argocdApplication, NAME_RULES.dnsLabel),
        derived("PersistentVolume name", n.persistentVolume, NAME_RULES.dnsSubdomain),
        derived("EFS access point path", n.accessPointPath, NAME_RULES.efsPath),
        derived("EFS access point Name tag", n.accessPointName, NAME_RULES.tagValue),
        derived("PostgreSQL database and role name", n.database, NAME_RULES.postgresIdentifier),
        derived("IAM role name of the app's IRSA role", n.logical.irsaRole, NAME_RULES.iamRole, AWS_AUTONAME_SUFFIX),
        derived("database bootstrap Job name", n.logical.bootstrapJob, NAME_RULES.jobName, K8S_AUTONAME_SUFFIX),
        derived("database password Secret name", n.logical.passwordSecret, NAME_RULES.dnsSubdomain, K8S_AUTONAME_SUFFIX),
    ];
    if (!nameViolation(NAME_RULES.ecrComponent, repositoryPrefix(root))) {
        for (const image of images) {
            names.push({
                role: `ECR repository name of image ${JSON.stringify(image)}`,
                value: n.repositories[image],
                rule: NAME_RULES.ecrRepository,
                from: `<project>-<stack>, ${fromApp} and image ${JSON.stringify(image)}`,
                fix: { length: "use a shorter image or app name", format: "rename the image (lower-case letters and digits joined by single '.', '_' or '-')" },
            });
        }
    }
    return problems(where, names);
}

/** Bytes of the random id whose hex ends every final snapshot's identifier (8 hex digits). */
export const FINAL_SNAPSHOT_SUFFIX_BYTES = 4;

/**
 * The final snapshot identifier of one life of the database: the derived `finalSnapshot` base and the
 * hex of a random id drawn with the cluster, so a destroyed and rebuilt stack never asks for the
 * name of the snapshot its predecessor left (RDS refuses an identifier that exists:
 * DBSnapshotAlreadyExistsFault, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html).
 * @param base the stack's `finalSnapshot` name. Required.
 * @param suffix the random id's hex: lower-case hex digits. Required.
 */
export function uniqueFinalSnapshotIdentifier(base: string, suffix: string): string {
    const name = `${base}-${suffix}`;
    if (!/^[0-9a-f]+$/.test(suffix)) throw new Error(`final snapshot suffix must be lower-case hex digits (got ${JSON.stringify(suffix)})`);
    const violation = nameViolation(NAME_RULES.rdsSnapshotIdentifier, name);
    if (violation) throw new Error(`Aurora final snapshot identifier ${JSON.stringify(name)}: wrong ${violation}, expected ${NAME_RULES.rdsSnapshotIdentifier.says}`);
    return name;
}
