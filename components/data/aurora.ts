/**
 * Aurora PostgreSQL decisions as plain data: supported versions, auto-pause, capacity.
 */
import { AURORA_MAX_INSTANCES } from "../naming";

/**
 * Oldest minor of each Aurora PostgreSQL major that supports Serverless v2 auto-pause (minimum
 * capacity 0 ACU). https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 */
export const AUTO_PAUSE_MIN_MINOR: Readonly<Record<number, number>> = { 13: 15, 14: 12, 15: 7, 16: 3, 17: 4 };

/** Aurora PostgreSQL majors the platform accepts (those still offered by RDS). */
export const AURORA_MAJORS = Object.keys(AUTO_PAUSE_MIN_MINOR).map(Number);

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

/** Parses `16.6` into major and minor; undefined when it is not of that form. */
export function parseEngineVersion(version: string): { major: number; minor: number } | undefined {
    const match = /^(\d{2})\.(\d{1,2})$/.exec(version);
    return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** Whether an engine version can pause at 0 ACUs. */
export function supportsAutoPause(version: string): boolean {
    const parsed = parseEngineVersion(version);
    if (!parsed || !(parsed.major in AUTO_PAUSE_MIN_MINOR)) return false;
    return parsed.minor >= AUTO_PAUSE_MIN_MINOR[parsed.major];
}

/** Parameter group family of an engine version, e.g. `aurora-postgresql16`. */
export function parameterGroupFamily(version: string): string {
    return `aurora-postgresql${version.split(".")[0]}`;
}

/**
 * The DB cluster identifier and the rule it follows are composed and checked in components/naming.ts
 * with every other derived name; re-exported here for the config loader, which imports them from here.
 */
export { DB_IDENTIFIER, dbClusterIdentifier } from "../naming";
