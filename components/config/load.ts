import { ConfigError } from "../errors";
import { MAX_FARGATE_PROFILES, MAX_SELECTORS_PER_PROFILE, NAMESPACE_PATTERN, PRIMARY_FARGATE_NAMESPACES, coveredByFargate } from "../cluster/fargate";
import {
    ACU_RANGE,
    AURORA_MAJORS,
    AUTO_PAUSE_SECONDS,
    BACKUP_RETENTION_DAYS,
    DB_IDENTIFIER,
    MAX_INSTANCES,
    dbClusterIdentifier,
    parseEngineVersion,
    supportsAutoPause,
} from "../data/aurora";
import { KEEP_IMAGES_RANGE } from "../data/ecr";
import { LOAD_BALANCER_CONTROLLER_POLICY_VERSION } from "../iam/load-balancer-controller";
import { EFS_IA_TRANSITIONS } from "../data/efs";
import { MAX_AZ_COUNT, VPC_PREFIX_RANGE, parseCidr } from "../network/cidr";
import {
    CLUSTER_LOG_TYPES,
    CONFIG_SCHEMA,
    ConfigKey,
    KeySpec,
    LOG_RETENTION_DAYS,
    NAT_STRATEGIES,
    SUPPORT_TYPES,
} from "./schema";

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
}

/** A VPC that exists already and is only referenced. */
export interface ExistingNetworkConfig {
    readonly kind: "existing";
    readonly vpcId: string;
    readonly privateSubnetIds: readonly string[];
    readonly publicSubnetIds: readonly string[];
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
}

export interface FileSystemConfig {
    readonly transitionToIa: (typeof EFS_IA_TRANSITIONS)[number];
    readonly backups: boolean;
}

export interface RegistryConfig {
    /** Images each repository keeps. */
    readonly keepImages: number;
}

export interface AddonsConfig {
    readonly loadBalancerControllerChartVersion: string;
    readonly metricsServerChartVersion: string;
    readonly argocdChartVersion: string;
    readonly highAvailability: boolean;
    readonly git: {
        readonly repoUrl: string;
        readonly revision: string;
        /** Undefined for a public repository. Kept out of logs: the program wraps it as a secret. */
        readonly sshPrivateKey?: string;
    };
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
    /** Protect stateful resources from deletion (`protect`, retain-on-delete, service deletion protection). */
    readonly protect: boolean;
    /** Tags every AWS resource gets through the provider's default tags. */
    readonly tags: Readonly<Record<string, string>>;
}

/** EKS: https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html (name: 1-100, [0-9A-Za-z][A-Za-z0-9-_]*). */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const K8S_VERSION = /^1\.(\d{2})$/;
/** An exact chart version: ranges would let a preview and the following update install different charts. */
const SEMVER = /^\d+\.\d+\.\d+$/;
/** Oldest minor still in EKS (extended) support when this was written; older ones cannot be created. */
const MIN_K8S_MINOR = 30;
/** EKS quota "public access CIDR ranges per cluster". */
const MAX_PUBLIC_ACCESS_CIDRS = 40;
const OPEN_TO_ALL = "0.0.0.0/0";

type Value = string | number | boolean | readonly string[] | Readonly<Record<string, unknown>>;

/**
 * Reads one key: its raw string from the stack (Pulumi passes every value as a string, lists as
 * JSON) or its default, converted to the schema type. Returns undefined and records a problem when
 * the value is missing or of the wrong type.
 */
function readKey(project: string, key: ConfigKey, raw: Readonly<Record<string, string>>, problems: string[]): Value | undefined {
    const spec: KeySpec = CONFIG_SCHEMA[key];
    const name = `${project}:${key}`;
    const text = raw[name];
    if (text === undefined) {
        if (spec.default === undefined) problems.push(`${name}: required, set it in Pulumi.<stack>.yaml (${spec.description})`);
        return spec.default;
    }
    switch (spec.type) {
        case "string":
            return text;
        case "integer":
            if (/^-?\d+$/.test(text.trim())) return Number(text);
            problems.push(`${name}: must be an integer (got ${JSON.stringify(text)})`);
            return undefined;
        case "boolean":
            if (text === "true" || text === "false") return text === "true";
            problems.push(`${name}: must be true or false (got ${JSON.stringify(text)})`);
            return undefined;
        case "array": {
            const parsed = parseJson(text);
            if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed as string[];
            problems.push(`${name}: must be a YAML list of strings, e.g. [a, b] (got ${JSON.stringify(text)})`);
            return undefined;
        }
        case "object": {
            const parsed = parseJson(text);
            if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
            problems.push(`${name}: must be a YAML mapping (got ${JSON.stringify(text)})`);
            return undefined;
        }
    }
}

/** Pulumi passes lists and objects as JSON; undefined when the text is not JSON. */
function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function duplicates(values: readonly string[]): string[] {
    return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

/**
 * Turns the stack's raw config (`pulumi.runtime.allConfig()`: `namespace:key` to string) into the
 * typed, frozen {@link PlatformConfig}. Every problem is collected and reported together, each
 * naming its key and the expected form; nothing is returned unless all keys are valid.
 *
 * @param raw All config of the stack, keys with their namespace.
 * @param project The Pulumi project name (the config namespace of our keys).
 * @param stack The stack name, used in the default cluster name and tags.
 * @throws ConfigError listing every problem.
 */
export function loadConfig(raw: Readonly<Record<string, string>>, project: string, stack: string): PlatformConfig {
    const problems: string[] = [];
    const k = (key: ConfigKey) => `${project}:${key}`;
    const known = new Set(Object.keys(CONFIG_SCHEMA).map((key) => `${project}:${key}`));
    for (const name of Object.keys(raw).sort()) {
        if (name.startsWith(`${project}:`) && !known.has(name)) {
            problems.push(`${name}: unknown key; the keys are listed in Pulumi.yaml and the README's config table`);
        } else if (name.startsWith("aws:")) {
            // The program builds an explicit AWS provider, so aws:* keys would be silently ignored.
            problems.push(`${name}: not used; set ${k("region")}, ${k("awsProfile")} or ${k("assumeRoleArn")} instead`);
        }
    }

    const v = Object.fromEntries(
        (Object.keys(CONFIG_SCHEMA) as ConfigKey[]).map((key) => [key, readKey(project, key, raw, problems)]),
    ) as Record<ConfigKey, Value | undefined>;
    const str = (key: ConfigKey) => (typeof v[key] === "string" ? (v[key] as string) : undefined);
    const num = (key: ConfigKey) => (typeof v[key] === "number" ? (v[key] as number) : undefined);
    const bool = (key: ConfigKey) => (typeof v[key] === "boolean" ? (v[key] as boolean) : undefined);
    const list = (key: ConfigKey) => (Array.isArray(v[key]) ? (v[key] as readonly string[]) : []);
    const checkList = (key: ConfigKey, valid: (item: string) => boolean, form: string) => {
        for (const item of list(key).filter((i) => !valid(i))) problems.push(`${k(key)}: ${JSON.stringify(item)} is not ${form}`);
        for (const dup of duplicates(list(key))) problems.push(`${k(key)}: ${JSON.stringify(dup)} is listed twice`);
    };
    const checkEnum = (key: ConfigKey, allowed: readonly (string | number)[]) => {
        const value = v[key];
        if (value !== undefined && !allowed.includes(value as string | number)) {
            problems.push(`${k(key)}: must be one of ${allowed.join(", ")} (got ${JSON.stringify(value)})`);
        }
    };

    // AWS account and region.
    const region = str("region");
    if (region !== undefined && !REGION.test(region)) {
        problems.push(`${k("region")}: must be an AWS region such as ap-northeast-1 (got ${JSON.stringify(region)})`);
    }
    const profile = str("awsProfile");
    if (profile && !/^[^\s[\]]+$/.test(profile)) {
        problems.push(`${k("awsProfile")}: must be a profile name without spaces or brackets (got ${JSON.stringify(profile)})`);
    }
    const assumeRoleArn = str("assumeRoleArn");
    if (assumeRoleArn && !ROLE_ARN.test(assumeRoleArn)) {
        problems.push(`${k("assumeRoleArn")}: must be an IAM role ARN arn:aws:iam::<12-digit account>:role/<name> (got ${JSON.stringify(assumeRoleArn)})`);
    }
    checkList("allowedAccountIds", (id) => ACCOUNT_ID.test(id), "a 12-digit AWS account id");

    // Network.
    const existingVpcId = str("existingVpcId");
    const network = existingVpcId ? checkExistingNetwork() : checkCreatedNetwork();

    function checkCreatedNetwork(): CreatedNetworkConfig {
        for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
            if (list(key).length > 0) problems.push(`${k(key)}: only valid together with ${k("existingVpcId")}, which is empty`);
        }
        const cidr = str("vpcCidr");
        if (cidr !== undefined) {
            const parsed = parseCidr(cidr);
            if (!parsed) {
                problems.push(`${k("vpcCidr")}: must be an IPv4 CIDR with no host bits set, e.g. 10.0.0.0/16 (got ${JSON.stringify(cidr)})`);
            } else if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
                problems.push(`${k("vpcCidr")}: prefix must be /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} so every AZ gets room for Fargate pods (got /${parsed.prefix})`);
            }
        }
        const azCount = num("azCount");
        if (azCount !== undefined && (azCount < 2 || azCount > MAX_AZ_COUNT)) {
            // EKS and the load balancers need subnets in at least two AZs.
            problems.push(`${k("azCount")}: must be an integer from 2 to ${MAX_AZ_COUNT} (got ${azCount})`);
        }
        checkEnum("natGateways", NAT_STRATEGIES);
        return {
            kind: "create",
            cidr: cidr ?? "",
            azCount: azCount ?? 0,
            natGateways: str("natGateways") as CreatedNetworkConfig["natGateways"],
        };
    }

    function checkExistingNetwork(): ExistingNetworkConfig {
        if (!VPC_ID.test(existingVpcId!)) {
            problems.push(`${k("existingVpcId")}: must be a VPC id such as vpc-0123456789abcdef0 (got ${JSON.stringify(existingVpcId)})`);
        }
        checkList("existingPrivateSubnetIds", (id) => SUBNET_ID.test(id), "a subnet id such as subnet-0123456789abcdef0");
        checkList("existingPublicSubnetIds", (id) => SUBNET_ID.test(id), "a subnet id such as subnet-0123456789abcdef0");
        const privateIds = list("existingPrivateSubnetIds");
        const publicIds = list("existingPublicSubnetIds");
        if (privateIds.length < 2) {
            problems.push(`${k("existingPrivateSubnetIds")}: must list at least 2 private subnets in different AZs when ${k("existingVpcId")} is set (got ${privateIds.length})`);
        }
        if (publicIds.length === 1) {
            problems.push(`${k("existingPublicSubnetIds")}: must be empty or list at least 2 subnets (internet-facing load balancers need 2 AZs)`);
        }
        for (const id of privateIds.filter((i) => publicIds.includes(i))) {
            problems.push(`${k("existingPublicSubnetIds")}: ${id} is also listed as private; a subnet is either public or private`);
        }
        return { kind: "existing", vpcId: existingVpcId!, privateSubnetIds: privateIds, publicSubnetIds: publicIds };
    }

    // Cluster.
    const clusterName = str("clusterName") || `${project}-${stack}`;
    if (!CLUSTER_NAME.test(clusterName)) {
        const source = str("clusterName") ? "" : ` (derived from <project>-<stack>; set ${k("clusterName")})`;
        problems.push(`${k("clusterName")}: must be 1-100 letters, digits, '-' or '_', starting with a letter or digit (got ${JSON.stringify(clusterName)})${source}`);
    }
    const version = str("kubernetesVersion");
    const minor = version === undefined ? undefined : K8S_VERSION.exec(version);
    if (version !== undefined && (!minor || Number(minor[1]) < MIN_K8S_MINOR)) {
        problems.push(`${k("kubernetesVersion")}: must be a supported EKS version 1.${MIN_K8S_MINOR} or later, as major.minor like 1.34 (got ${JSON.stringify(version)})`);
    }
    checkEnum("clusterSupportType", SUPPORT_TYPES);

    const publicAccess = bool("endpointPublicAccess");
    const privateAccess = bool("endpointPrivateAccess");
    const cidrs = list("publicAccessCidrs");
    checkList("publicAccessCidrs", (c) => parseCidr(c) !== undefined, "an IPv4 CIDR with no host bits set, e.g. 203.0.113.0/24");
    if (cidrs.length > MAX_PUBLIC_ACCESS_CIDRS) {
        problems.push(`${k("publicAccessCidrs")}: at most ${MAX_PUBLIC_ACCESS_CIDRS} CIDRs (EKS quota), got ${cidrs.length}`);
    }
    const cidrsRead = v.publicAccessCidrs !== undefined; // a malformed list is reported once, above
    if (publicAccess === true && cidrsRead && cidrs.length === 0) {
        problems.push(`${k("publicAccessCidrs")}: must list the CIDRs allowed to reach the public endpoint when ${k("endpointPublicAccess")} is true (${OPEN_TO_ALL} to open it deliberately)`);
    }
    if (publicAccess === false && cidrs.length > 0) {
        problems.push(`${k("publicAccessCidrs")}: must be empty when ${k("endpointPublicAccess")} is false (there is no public endpoint to restrict)`);
    }
    const publicOpenToAll = publicAccess === true && cidrs.includes(OPEN_TO_ALL);
    if (privateAccess === false && cidrsRead && !publicOpenToAll) {
        // Fargate kubelets reach the API server from the VPC: with a restricted or no public
        // endpoint they need the private one. https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
        problems.push(`${k("endpointPrivateAccess")}: must be true when the public endpoint is disabled or restricted to publicAccessCidrs (pods and kubelets in the VPC reach the API privately)`);
    }

    const adminArns = list("clusterAdminArns");
    for (const arn of adminArns) {
        if (/:sts::\d{12}:assumed-role\//.test(arn)) {
            problems.push(`${k("clusterAdminArns")}: ${JSON.stringify(arn)} is an STS session; give the role ARN arn:aws:iam::<account>:role/<name>`);
        } else if (!PRINCIPAL_ARN.test(arn)) {
            problems.push(`${k("clusterAdminArns")}: ${JSON.stringify(arn)} is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/Admin`);
        }
    }
    for (const dup of duplicates(adminArns)) problems.push(`${k("clusterAdminArns")}: ${JSON.stringify(dup)} is listed twice`);

    checkList("clusterLogTypes", (t) => (CLUSTER_LOG_TYPES as readonly string[]).includes(t), `one of ${CLUSTER_LOG_TYPES.join(", ")}`);
    checkEnum("logRetentionDays", LOG_RETENTION_DAYS);

    const extra = list("extraFargateNamespaces");
    checkList("extraFargateNamespaces", (ns) => NAMESPACE_PATTERN.test(ns), "a namespace name (lower case, digits, '-', wildcards * and ?, at most 63 characters)");
    for (const ns of extra.filter((n) => coveredByFargate(n, PRIMARY_FARGATE_NAMESPACES))) {
        problems.push(`${k("extraFargateNamespaces")}: ${JSON.stringify(ns)} is already covered by the built-in selectors ${PRIMARY_FARGATE_NAMESPACES.join(", ")}`);
    }
    const maxExtra = (MAX_FARGATE_PROFILES - 1) * MAX_SELECTORS_PER_PROFILE;
    if (extra.length > maxExtra) {
        problems.push(`${k("extraFargateNamespaces")}: at most ${maxExtra} namespaces (${MAX_FARGATE_PROFILES} Fargate profiles of ${MAX_SELECTORS_PER_PROFILE} selectors, one of them built in), got ${extra.length}`);
    }

    // Data services.
    const protect = bool("protectStatefulResources");
    const engineVersion = str("dbEngineVersion");
    const engine = engineVersion === undefined ? undefined : parseEngineVersion(engineVersion);
    if (engineVersion !== undefined && (!engine || !AURORA_MAJORS.includes(engine.major))) {
        problems.push(`${k("dbEngineVersion")}: must be an Aurora PostgreSQL version major.minor with major ${AURORA_MAJORS.join(", ")}, e.g. 16.6 (got ${JSON.stringify(engineVersion)})`);
    }
    const instanceCount = num("dbInstanceCount");
    if (instanceCount !== undefined && (instanceCount < 1 || instanceCount > MAX_INSTANCES)) {
        problems.push(`${k("dbInstanceCount")}: must be an integer from 1 to ${MAX_INSTANCES} (got ${instanceCount})`);
    }
    const acu = (key: ConfigKey, least: number): number | undefined => {
        const text = str(key);
        if (text === undefined) return undefined;
        const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
        if (!(value >= least && value <= ACU_RANGE.max && Number.isInteger(value * 2))) {
            problems.push(`${k(key)}: must be a number of ACUs from ${least} to ${ACU_RANGE.max} in steps of 0.5, quoted like "0.5" (got ${JSON.stringify(text)})`);
            return undefined;
        }
        return value;
    };
    const minCapacity = acu("dbMinCapacity", ACU_RANGE.min);
    const maxCapacity = acu("dbMaxCapacity", 1);
    if (minCapacity !== undefined && maxCapacity !== undefined && minCapacity > maxCapacity) {
        problems.push(`${k("dbMinCapacity")}: must not exceed ${k("dbMaxCapacity")} (${minCapacity} > ${maxCapacity})`);
    }
    if (minCapacity === 0 && engine && AURORA_MAJORS.includes(engine.major) && !supportsAutoPause(engineVersion!)) {
        problems.push(`${k("dbMinCapacity")}: "0" (auto-pause) needs engine 13.15+, 14.12+, 15.7+, 16.3+ or 17.4+; ${k("dbEngineVersion")} is ${engineVersion} (use "0.5" or a newer version)`);
    }
    const pauseSeconds = num("dbSecondsUntilAutoPause");
    if (pauseSeconds !== undefined && (pauseSeconds < AUTO_PAUSE_SECONDS.min || pauseSeconds > AUTO_PAUSE_SECONDS.max)) {
        problems.push(`${k("dbSecondsUntilAutoPause")}: must be from ${AUTO_PAUSE_SECONDS.min} to ${AUTO_PAUSE_SECONDS.max} seconds (got ${pauseSeconds})`);
    }
    const retention = num("dbBackupRetentionDays");
    if (retention !== undefined && (retention < BACKUP_RETENTION_DAYS.min || retention > BACKUP_RETENTION_DAYS.max)) {
        problems.push(`${k("dbBackupRetentionDays")}: must be from ${BACKUP_RETENTION_DAYS.min} to ${BACKUP_RETENTION_DAYS.max} days (got ${retention})`);
    } else if (retention !== undefined && protect === true && retention < BACKUP_RETENTION_DAYS.protectedMin) {
        problems.push(`${k("dbBackupRetentionDays")}: must be at least ${BACKUP_RETENTION_DAYS.protectedMin} days when ${k("protectStatefulResources")} is true (got ${retention})`);
    }
    if (CLUSTER_NAME.test(clusterName) && !DB_IDENTIFIER.test(dbClusterIdentifier(clusterName))) {
        problems.push(`${k("clusterName")}: the database identifier ${JSON.stringify(dbClusterIdentifier(clusterName))} derived from it must be at most 63 characters starting with a letter (set a shorter ${k("clusterName")})`);
    }
    checkEnum("efsTransitionToIa", EFS_IA_TRANSITIONS);
    const keepImages = num("ecrKeepImages");
    if (keepImages !== undefined && (keepImages < KEEP_IMAGES_RANGE.min || keepImages > KEEP_IMAGES_RANGE.max)) {
        problems.push(`${k("ecrKeepImages")}: must be an integer from ${KEEP_IMAGES_RANGE.min} to ${KEEP_IMAGES_RANGE.max} (got ${keepImages})`);
    }

    // Add-ons. The controller's permissions are its version's official policy, shipped as data.
    const lbcVersion = str("loadBalancerControllerChartVersion");
    if (lbcVersion !== undefined && `v${lbcVersion}` !== LOAD_BALANCER_CONTROLLER_POLICY_VERSION) {
        problems.push(`${k("loadBalancerControllerChartVersion")}: must be ${LOAD_BALANCER_CONTROLLER_POLICY_VERSION.slice(1)}, the version whose official IAM policy ships in components/iam/ (got ${JSON.stringify(lbcVersion)}); add that version's policy to upgrade`);
    }

    const metricsServerVersion = str("metricsServerChartVersion");
    if (metricsServerVersion !== undefined && !SEMVER.test(metricsServerVersion)) {
        problems.push(`${k("metricsServerChartVersion")}: must be an exact chart version such as 3.13.1 (got ${JSON.stringify(metricsServerVersion)})`);
    }

    const argocdVersion = str("argocdChartVersion");
    if (argocdVersion !== undefined && !SEMVER.test(argocdVersion)) {
        problems.push(`${k("argocdChartVersion")}: must be an exact chart version such as 10.1.1 (got ${JSON.stringify(argocdVersion)})`);
    }
    const repoUrl = str("gitRepoUrl");
    const sshKey = str("gitSshPrivateKey");
    const sshUrl = repoUrl !== undefined && /^(ssh:\/\/[^\s]+|[\w.-]+@[\w.-]+:[^\s]+)$/.test(repoUrl);
    if (repoUrl !== undefined && !sshUrl && !/^https:\/\/[^\s/]+\/[^\s]+$/.test(repoUrl)) {
        problems.push(`${k("gitRepoUrl")}: must be https://host/org/repo.git, git@host:org/repo.git or ssh://... (got ${JSON.stringify(repoUrl)})`);
    }
    if (sshUrl && !sshKey) {
        problems.push(`${k("gitSshPrivateKey")}: required for the SSH URL ${repoUrl}; set it with pulumi config set --secret`);
    }
    if (sshKey && repoUrl !== undefined && !sshUrl) {
        problems.push(`${k("gitSshPrivateKey")}: only used with an SSH ${k("gitRepoUrl")} (git@host:org/repo.git or ssh://...)`);
    }
    // The message never quotes the value: it is a secret.
    if (sshKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(sshKey)) {
        problems.push(`${k("gitSshPrivateKey")}: must be a PEM/OpenSSH private key (-----BEGIN ... PRIVATE KEY-----)`);
    }
    const revision = str("gitRevision");
    if (revision !== undefined && !/^[\w./-]{1,255}$/.test(revision)) {
        problems.push(`${k("gitRevision")}: must be a branch, tag or commit such as main (got ${JSON.stringify(revision)})`);
    }

    const apps = checkApps(v.apps as Readonly<Record<string, unknown>> | undefined, k("apps"), problems);

    if (problems.length > 0) throw new ConfigError(problems);

    return deepFreeze({
        project,
        stack,
        aws: {
            region: region!,
            profile: profile || undefined,
            assumeRoleArn: assumeRoleArn || undefined,
            allowedAccountIds: list("allowedAccountIds"),
        },
        network,
        cluster: {
            name: clusterName,
            version: version!,
            supportType: str("clusterSupportType") as ClusterConfig["supportType"],
            endpointPublicAccess: publicAccess!,
            publicAccessCidrs: cidrs,
            endpointPrivateAccess: privateAccess!,
            adminArns,
            logTypes: list("clusterLogTypes") as ClusterConfig["logTypes"],
            logRetentionDays: num("logRetentionDays")!,
            extraFargateNamespaces: extra,
        },
        database: {
            engineVersion: engineVersion!,
            instanceCount: instanceCount!,
            minCapacity: minCapacity!,
            maxCapacity: maxCapacity!,
            secondsUntilAutoPause: minCapacity === 0 ? pauseSeconds : undefined,
            backupRetentionDays: retention!,
        },
        fileSystem: { transitionToIa: str("efsTransitionToIa") as FileSystemConfig["transitionToIa"], backups: bool("efsBackups")! },
        registry: { keepImages: keepImages! },
        addons: { loadBalancerControllerChartVersion: lbcVersion!, metricsServerChartVersion: metricsServerVersion!, argocdChartVersion: argocdVersion!, git: { repoUrl: repoUrl!, revision: revision!, sshPrivateKey: sshKey || undefined }, highAvailability: bool("addonsHighAvailability")! },
        apps,
        protect: protect!,
        tags: { project, stack, "managed-by": "pulumi" },
    });
}

/**
 * The shape of `apps`: app name to {enabled?, settings?}. Whether each app and setting exists is
 * checked against apps/ by loadApps, which reads the files.
 */
function checkApps(value: Readonly<Record<string, unknown>> | undefined, key: string, problems: string[]): Record<string, AppOverride> {
    const apps: Record<string, AppOverride> = {};
    for (const [app, entry] of Object.entries(value ?? {})) {
        const where = `${key}.${app}`;
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
            problems.push(`${where}: must be a mapping with enabled and/or settings (got ${JSON.stringify(entry)})`);
            continue;
        }
        const { enabled, settings, ...rest } = entry as Record<string, unknown>;
        for (const unknown of Object.keys(rest)) problems.push(`${where}.${unknown}: unknown key; the keys are enabled, settings`);
        if (enabled !== undefined && typeof enabled !== "boolean") problems.push(`${where}.enabled: must be true or false (got ${JSON.stringify(enabled)})`);
        const values: Record<string, string> = {};
        if (settings !== undefined && (settings === null || typeof settings !== "object" || Array.isArray(settings))) {
            problems.push(`${where}.settings: must map setting names to strings (got ${JSON.stringify(settings)})`);
        } else {
            for (const [name, setting] of Object.entries((settings ?? {}) as Record<string, unknown>)) {
                if (typeof setting !== "string" || setting === "") problems.push(`${where}.settings.${name}: must be a non-empty string; quote numbers and booleans (got ${JSON.stringify(setting)})`);
                else values[name] = setting;
            }
        }
        apps[app] = { ...(typeof enabled === "boolean" ? { enabled } : {}), ...(settings !== undefined ? { settings: values } : {}) };
    }
    return apps;
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        for (const child of Object.values(value)) deepFreeze(child);
        Object.freeze(value);
    }
    return value;
}
