/**
 * Aurora PostgreSQL decisions as plain data: supported versions, auto-pause, capacity.
 */
import { AURORA_MAX_INSTANCES } from "../naming";

/**
 * Oldest minor of each Aurora PostgreSQL major that supports Serverless v2 auto-pause (minimum
 * capacity 0 ACU). https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 */
export const AUTO_PAUSE_MIN_MINOR: Readonly<Record<number, number>> = { 13: 15, 14: 12, 15: 7, 16: 3, 17: 4 };

/**
 * The Aurora PostgreSQL versions the platform accepts, per major: the minors Aurora offers (the
 * release notes' "Aurora PostgreSQL updates", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html;
 * in a region: `aws rds describe-db-engine-versions --engine aurora-postgresql`), and the psql
 * client the database bootstrap Job runs for that major (the Debian postgres image of the same
 * major, from ECR Public's mirror of Docker's official images). A new minor or major is a commit here.
 */
export const AURORA_POSTGRES_VERSIONS: Readonly<Record<number, { readonly minors: readonly number[]; readonly psqlImage: string }>> = {
    13: { minors: [9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 21, 22], psqlImage: "public.ecr.aws/docker/library/postgres:13.22-bookworm" },
    14: { minors: [6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 18, 19], psqlImage: "public.ecr.aws/docker/library/postgres:14.19-bookworm" },
    15: { minors: [2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14], psqlImage: "public.ecr.aws/docker/library/postgres:15.14-bookworm" },
    16: { minors: [1, 2, 3, 4, 6, 8, 9, 10], psqlImage: "public.ecr.aws/docker/library/postgres:16.10-bookworm" },
    17: { minors: [4, 5, 6], psqlImage: "public.ecr.aws/docker/library/postgres:17.6-bookworm" },
};

/** Aurora PostgreSQL majors the platform accepts (those still offered by RDS). */
export const AURORA_MAJORS = Object.keys(AURORA_POSTGRES_VERSIONS).map(Number);

/** Serverless v2 capacity bounds in ACUs, in steps of 0.5. */
export const ACU_RANGE = { min: 0, max: 256 } as const;

/** Auto-pause delay bounds, in seconds (5 minutes to 1 day). */
export const AUTO_PAUSE_SECONDS = { min: 300, max: 86_400 } as const;

/** Backup retention bounds of RDS, and the least a protected stack keeps. */
export const BACKUP_RETENTION_DAYS = { min: 1, max: 35, protectedMin: 7 } as const;

/** Instances per Aurora cluster (one writer and up to 15 readers): naming.ts sizes the instance identifiers by it. */
export const MAX_INSTANCES = AURORA_MAX_INSTANCES;

export const POSTGRES_PORT = 5432;

/**
 * Enhanced Monitoring intervals RDS accepts (`MonitoringInterval`), in seconds; 0 turns it off.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 */
export const ENHANCED_MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60] as const;

/**
 * `log_min_duration_statement` bounds, in milliseconds: -1 logs no statement, 0 every one, and
 * PostgreSQL's integer settings end at 2^31-1. https://www.postgresql.org/docs/current/runtime-config-logging.html
 */
export const LOG_MIN_DURATION_MS = { min: -1, max: 2_147_483_647 } as const;

/** A DB cluster parameter, as `aws.rds.ClusterParameterGroup` takes it. */
export interface ClusterParameter {
    readonly name: string;
    readonly value: string;
}

/**
 * The cluster parameters: TLS only (`rds.force_ssl`), and the audit trail PostgreSQL writes to the
 * exported `postgresql` log: every connection and disconnection, and each statement that runs at
 * least `logMinDurationMs` (-1 none, 0 all). All are dynamic, so a change applies without a reboot.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Reference.ParameterGroups.html
 * https://www.postgresql.org/docs/current/runtime-config-logging.html
 *
 * @param logMinDurationMs `dbLogMinDurationMs`; no default.
 * @throws Error naming the key when it is outside {@link LOG_MIN_DURATION_MS} or not an integer.
 */
export function clusterParameters(logMinDurationMs: number): ClusterParameter[] {
    if (!Number.isInteger(logMinDurationMs) || logMinDurationMs < LOG_MIN_DURATION_MS.min || logMinDurationMs > LOG_MIN_DURATION_MS.max) {
        throw new Error(`dbLogMinDurationMs: must be an integer from ${LOG_MIN_DURATION_MS.min} to ${LOG_MIN_DURATION_MS.max} (got ${logMinDurationMs})`);
    }
    return [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_connections", value: "1" },
        { name: "log_disconnections", value: "1" },
        { name: "log_min_duration_statement", value: String(logMinDurationMs) },
    ];
}

/** Where an ARN is built: partition, region and account (the same shape as the cluster's AwsLocation). */
export interface RdsLocation {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** The AWS-managed policy an Enhanced Monitoring role carries. */
export function enhancedMonitoringPolicyArn(partition: string): string {
    return `arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`;
}

/**
 * Trust policy of the Enhanced Monitoring role: the RDS monitoring service, only for this account's
 * instances of this cluster (the confused-deputy conditions the RDS guide recommends).
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html
 *
 * @param where Partition, region and account of the instances; no default.
 * @param clusterIdentifier The DB cluster identifier; instances are `<identifier>-<n>` (naming.ts).
 */
export function monitoringTrustPolicy(where: RdsLocation, clusterIdentifier: string) {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            {
                Effect: "Allow" as const,
                Principal: { Service: "monitoring.rds.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": where.accountId },
                    ArnLike: { "aws:SourceArn": `arn:${where.partition}:rds:${where.region}:${where.accountId}:db:${clusterIdentifier}-*` },
                },
            },
        ],
    };
}

/**
 * Parses `dbEngineVersion`: a major (`"16"`: Aurora picks the minor and upgrades it) or a
 * major.minor (`"16.6"`); undefined when it is neither. Whether Aurora offers it: {@link engineVersionProblem}.
 */
export function parseEngineVersion(version: string): { major: number; minor?: number } | undefined {
    const match = /^(\d{2})(?:\.(\d{1,2}))?$/.exec(version);
    if (!match) return undefined;
    return match[2] === undefined ? { major: Number(match[1]) } : { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * Why `dbEngineVersion` is no version the platform accepts, or undefined when it is one.
 *
 * @param version The key's value; no default.
 */
export function engineVersionProblem(version: string): string | undefined {
    const parsed = parseEngineVersion(version);
    const majors = AURORA_MAJORS.join(", ");
    if (!parsed) return `must be an Aurora PostgreSQL major ("16": Aurora keeps the minor current) or major.minor ("16.6"), majors ${majors} (got ${JSON.stringify(version)})`;
    const known = AURORA_POSTGRES_VERSIONS[parsed.major];
    if (!known) return `${JSON.stringify(version)} is no Aurora PostgreSQL major the platform supports: ${majors}`;
    if (parsed.minor !== undefined && !known.minors.includes(parsed.minor)) {
        return `${JSON.stringify(version)} is no Aurora PostgreSQL ${parsed.major} release; known minors: ${known.minors.map((m) => `${parsed.major}.${m}`).join(", ")}, or "${parsed.major}" for the current one (components/data/aurora.ts)`;
    }
    return undefined;
}

/**
 * Whether an engine version can pause at 0 ACUs. A major alone runs the minor Aurora picks, its
 * newest: it pauses when that major's newest known minor does.
 *
 * @param version `dbEngineVersion`, a major or major.minor; no default.
 */
export function supportsAutoPause(version: string): boolean {
    const parsed = parseEngineVersion(version);
    if (!parsed || !(parsed.major in AUTO_PAUSE_MIN_MINOR)) return false;
    const minor = parsed.minor ?? Math.max(...(AURORA_POSTGRES_VERSIONS[parsed.major]?.minors ?? [0]));
    return minor >= AUTO_PAUSE_MIN_MINOR[parsed.major];
}

/** Parameter group family of an engine version, e.g. `aurora-postgresql16` for "16" or "16.6". */
export function parameterGroupFamily(version: string): string {
    return `aurora-postgresql${version.split(".")[0]}`;
}

/**
 * The psql image of the bootstrap Job for an engine version: the client of the engine's major.
 *
 * @param version `dbEngineVersion`, a major or major.minor; no default.
 * @throws Error naming the key when the major is not in {@link AURORA_POSTGRES_VERSIONS}.
 */
export function psqlImage(version: string): string {
    const major = Number(version.split(".")[0]);
    const known = AURORA_POSTGRES_VERSIONS[major];
    if (!known) throw new Error(`dbEngineVersion: no psql image for ${JSON.stringify(version)}; majors ${AURORA_MAJORS.join(", ")} (components/data/aurora.ts)`);
    return known.psqlImage;
}

/**
 * How the cluster applies a version change, as pure data: the engine version the resource gets
 * (the major alone lets Aurora choose and upgrade minors: the AWS provider takes a partial
 * version where the API does and reports the running one in `engineVersionActual`,
 * https://www.pulumi.com/registry/packages/aws/api-docs/rds/cluster/#engineversion_nodejs, so a
 * minor upgrade by AWS is no diff), whether instances take minor upgrades by themselves (not when
 * a minor is pinned: an upgraded minor would make the program ask for a downgrade, which RDS
 * refuses), major upgrades allowed, and whether changes wait for the maintenance window.
 *
 * @param version `dbEngineVersion`; no default.
 * @param protect `protectStatefulResources`: a protected (production) stack applies engine and
 *   other pending changes in its maintenance window, an unprotected one (dev) at once; no default.
 */
export function engineUpgradePlan(version: string, protect: boolean) {
    const pinnedMinor = parseEngineVersion(version)?.minor !== undefined;
    return {
        engineVersion: version,
        autoMinorVersionUpgrade: !pinnedMinor,
        allowMajorVersionUpgrade: true,
        applyImmediately: !protect,
    };
}

/**
 * The DB cluster identifier and the rule it follows are composed and checked in components/naming.ts
 * with every other derived name; re-exported here for the config loader, which imports them from here.
 */
export { DB_IDENTIFIER, dbClusterIdentifier } from "../naming";
