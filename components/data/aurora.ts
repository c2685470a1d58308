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
