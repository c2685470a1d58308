import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_VOLUME_CLAIM, accessPointName, appNamespace, persistentVolumeName } from "../naming";
import { EFS_CSI_DRIVER, appAccessPoint, volumeHandle } from "./efs";

export interface AppVolumeArgs {
    /** The app's name (as its folder under apps/). Required. */
    readonly app: string;
    /** POSIX user id every file operation runs as. Required, 1 or more. */
    readonly uid: number;
    /** POSIX group id every file operation runs as. Required, 1 or more. */
    readonly gid: number;
    /** Namespace of the claim. Defaults to the app's namespace, `app-<app>`. */
    readonly namespace?: pulumi.Input<string>;
    /** The shared file system (FileSystem.fileSystemId). Required. */
    readonly fileSystemId: pulumi.Input<string>;
    /** The EFS StorageClass (FileSystem.storageClassName). Required. */
    readonly storageClassName: pulumi.Input<string>;
    /** Kubernetes provider of the cluster. Required. */
    readonly k8sProvider: k8s.Provider;
    /** Resources the volume must wait for, e.g. the mount targets and the app's namespace. Defaults to none. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** EFS is elastic; Kubernetes still requires a capacity on volumes and claims. */
const PLACEHOLDER_CAPACITY = "5Gi";

/**
 * One app's share of the file system: an access point rooted at `/apps/<app>` with the app's
 * uid/gid, a PersistentVolume for it (Retain: deleting the claim never deletes data) and the claim
 * `data` in the app's namespace, bound to that volume and no other.
 */
export class AppVolume extends pulumi.ComponentResource {
    public readonly accessPointId: pulumi.Output<string>;
    public readonly persistentVolumeName: string;
    public readonly claimName: string;

    constructor(name: string, args: AppVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before anything is registered.
        const spec = appAccessPoint(args.app, args.uid, args.gid);
        super("platform:data:AppVolume", name, {}, opts);
        const namespace = args.namespace ?? appNamespace(args.app);
        const after = { parent: this, dependsOn: args.dependsOn };

        const accessPoint = new aws.efs.AccessPoint(
            `${name}-access-point`,
            {
                fileSystemId: args.fileSystemId,
                posixUser: { uid: spec.uid, gid: spec.gid },
                rootDirectory: {
                    path: spec.path,
                    creationInfo: { ownerUid: spec.uid, ownerGid: spec.gid, permissions: spec.permissions },
                },
                tags: { Name: accessPointName(args.app), app: args.app },
            },
            after,
        );
        this.persistentVolumeName = persistentVolumeName(args.app);
        this.claimName = APP_VOLUME_CLAIM;
        const volume = new k8s.core.v1.PersistentVolume(
            `${name}-pv`,
            {
                metadata: { name: this.persistentVolumeName, labels: { app: args.app } },
                spec: {
                    capacity: { storage: PLACEHOLDER_CAPACITY },
                    accessModes: ["ReadWriteMany"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: args.storageClassName,
                    csi: {
                        driver: EFS_CSI_DRIVER,
                        volumeHandle: pulumi.all([args.fileSystemId, accessPoint.id]).apply(([fs, ap]) => volumeHandle(fs, ap)),
                    },
                    // Reserved for the app's claim: no other claim can bind it.
                    claimRef: { namespace, name: APP_VOLUME_CLAIM },
                },
            },
            { ...after, provider: args.k8sProvider },
        );
        new k8s.core.v1.PersistentVolumeClaim(
            `${name}-pvc`,
            {
                metadata: { name: APP_VOLUME_CLAIM, namespace, labels: { app: args.app } },
                spec: {
                    accessModes: ["ReadWriteMany"],
                    storageClassName: args.storageClassName,
                    volumeName: volume.metadata.name,
                    resources: { requests: { storage: PLACEHOLDER_CAPACITY } },
                },
            },
            { ...after, provider: args.k8sProvider },
        );
        this.accessPointId = accessPoint.id;
        this.registerOutputs({ accessPointId: this.accessPointId });
    }
}
