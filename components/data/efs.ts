import { accessPointPath } from "../naming";

/**
 * The StorageClass of EFS volumes: static provisioning only on Fargate.
 * https://docs.aws.amazon.com/eks/latest/userguide/efs-csi.html
 */
export const EFS_STORAGE_CLASS = "efs";
export const EFS_CSI_DRIVER = "efs.csi.aws.com";
export const NFS_PORT = 2049;

/** Lifecycle transitions EFS accepts for `transitionToIa`, and NONE for no lifecycle policy. */
export const EFS_IA_TRANSITIONS = [
    "NONE",
    "AFTER_1_DAY",
    "AFTER_7_DAYS",
    "AFTER_14_DAYS",
    "AFTER_30_DAYS",
    "AFTER_60_DAYS",
    "AFTER_90_DAYS",
    "AFTER_180_DAYS",
    "AFTER_270_DAYS",
    "AFTER_365_DAYS",
] as const;

/** POSIX ids are plain non-negative integers; EFS access points take 0 to 2^32-1. */
export const MAX_POSIX_ID = 4_294_967_295;

/** What an app's access point looks like. */
export interface AppAccessPoint {
    readonly path: string;
    readonly uid: number;
    readonly gid: number;
    readonly permissions: string;
}

/**
 * The access point of an app: its own directory, created owned by the app's uid/gid and closed to
 * others (0750), and every file operation done as that uid/gid whatever the container runs as.
 * @throws Error naming the app when uid or gid is not a POSIX id, or root (0), which would make the
 *   directory writable by any root container of any app sharing the file system.
 */
export function appAccessPoint(app: string, uid: number, gid: number): AppAccessPoint {
    for (const [what, id] of [["uid", uid], ["gid", gid]] as const) {
        if (!Number.isInteger(id) || id < 1 || id > MAX_POSIX_ID) {
            throw new Error(`app ${app}: volume ${what} must be an integer from 1 to ${MAX_POSIX_ID} (got ${id})`);
        }
    }
    return { path: accessPointPath(app), uid, gid, permissions: "0750" };
}

/** `fs-...::fsap-...`: the CSI volume handle of an access point. */
export function volumeHandle(fileSystemId: string, accessPointId: string): string {
    return `${fileSystemId}::${accessPointId}`;
}
