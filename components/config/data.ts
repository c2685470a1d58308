/** The data services: Aurora, EFS and the app image repositories. */
import {
    ACU_RANGE,
    AUTO_PAUSE_SECONDS,
    BACKUP_RETENTION_DAYS,
    ENHANCED_MONITORING_INTERVALS,
    LOG_MIN_DURATION_MS,
    MAX_INSTANCES,
    engineVersionProblem,
    supportsAutoPause,
} from "../data/aurora";
import { KEEP_IMAGES_RANGE } from "../data/ecr";
import { EFS_IA_TRANSITIONS } from "../data/efs";
import type { ConfigKey } from "./schema";
import type { DatabaseConfig, FileSystemConfig, RegistryConfig } from "./types";
import { ConfigValues } from "./values";

/**
 * Reads and checks the Aurora keys.
 *
 * @param protect `protectStatefulResources`: a protected stack keeps at least a week of backups.
 */
export function databaseConfig(v: ConfigValues, protect: boolean | undefined): DatabaseConfig {
    const engineVersion = v.str("dbEngineVersion");
    // Known majors and minors: components/data/aurora.ts.
    const engineProblem = engineVersion === undefined ? undefined : engineVersionProblem(engineVersion);
    if (engineProblem) v.problem("dbEngineVersion", engineProblem);
    const instanceCount = v.range("dbInstanceCount", 1, MAX_INSTANCES);
    const acu = (key: ConfigKey, least: number): number | undefined => {
        const text = v.str(key);
        if (text === undefined) return undefined;
        const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
        if (!(value >= least && value <= ACU_RANGE.max && Number.isInteger(value * 2))) {
            v.problem(key, `must be a number of ACUs from ${least} to ${ACU_RANGE.max} in steps of 0.5, quoted like "0.5" (got ${JSON.stringify(text)})`);
            return undefined;
        }
        return value;
    };
    const minCapacity = acu("dbMinCapacity", ACU_RANGE.min);
    const maxCapacity = acu("dbMaxCapacity", 1);
    if (minCapacity !== undefined && maxCapacity !== undefined && minCapacity > maxCapacity) {
        v.problem("dbMinCapacity", `must not exceed ${v.key("dbMaxCapacity")} (${minCapacity} > ${maxCapacity})`);
    }
    if (minCapacity === 0 && engineVersion !== undefined && !engineProblem && !supportsAutoPause(engineVersion)) {
        v.problem("dbMinCapacity", `"0" (auto-pause) needs engine 13.15+, 14.12+, 15.7+, 16.3+ or 17.4+; ${v.key("dbEngineVersion")} is ${engineVersion} (use "0.5" or a newer version)`);
    }
    const pauseSeconds = v.range("dbSecondsUntilAutoPause", AUTO_PAUSE_SECONDS.min, AUTO_PAUSE_SECONDS.max, "seconds");
    if (minCapacity !== undefined && minCapacity > 0 && v.isSet("dbSecondsUntilAutoPause")) {
        // Aurora only pauses at 0 ACUs: the delay would be silently ignored.
        v.problem("dbSecondsUntilAutoPause", `has no effect unless ${v.key("dbMinCapacity")} is "0" (it is "${minCapacity}"); remove it`);
    }
    const retention = v.range("dbBackupRetentionDays", BACKUP_RETENTION_DAYS.min, BACKUP_RETENTION_DAYS.max, "days");
    if (retention !== undefined && protect === true && retention < BACKUP_RETENTION_DAYS.protectedMin) {
        v.problem("dbBackupRetentionDays", `must be at least ${BACKUP_RETENTION_DAYS.protectedMin} days when ${v.key("protectStatefulResources")} is true (got ${retention})`);
    }
    const slowMs = v.num("dbLogMinDurationMs");
    if (slowMs !== undefined && (slowMs < LOG_MIN_DURATION_MS.min || slowMs > LOG_MIN_DURATION_MS.max)) {
        v.problem("dbLogMinDurationMs", `must be -1 (log no statements), 0 (log every statement) or a threshold in milliseconds up to ${LOG_MIN_DURATION_MS.max} (got ${slowMs})`);
    }
    v.checkEnum("dbEnhancedMonitoringSeconds", ENHANCED_MONITORING_INTERVALS);
    return {
        engineVersion: engineVersion!,
        instanceCount: instanceCount!,
        minCapacity: minCapacity!,
        maxCapacity: maxCapacity!,
        secondsUntilAutoPause: minCapacity === 0 ? pauseSeconds : undefined,
        backupRetentionDays: retention!,
        logMinDurationMs: slowMs!,
        enhancedMonitoringSeconds: v.num("dbEnhancedMonitoringSeconds")!,
    };
}

/** Reads and checks the EFS keys. */
export function fileSystemConfig(v: ConfigValues): FileSystemConfig {
    v.checkEnum("efsTransitionToIa", EFS_IA_TRANSITIONS);
    return { transitionToIa: v.str("efsTransitionToIa") as FileSystemConfig["transitionToIa"], backups: v.bool("efsBackups")! };
}

/** Reads and checks the ECR keys. */
export function registryConfig(v: ConfigValues): RegistryConfig {
    return { keepImages: v.range("ecrKeepImages", KEEP_IMAGES_RANGE.min, KEEP_IMAGES_RANGE.max)! };
}
