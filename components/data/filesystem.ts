import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "../cluster/handle";
import type { FileSystemConfig } from "../config/load";
import { clusterOnlySecurityGroup, encryptionKey, fileSystemKeyPolicy, keyLocation } from "../kms";
import { statefulNames } from "../naming";
import { EFS_CSI_DRIVER, EFS_STORAGE_CLASS, NFS_PORT } from "./efs";

export interface FileSystemArgs {
    /** The file-system slice of the stack config. Required. */
    readonly config: FileSystemConfig;
    /**
     * The stack's root name (naming.ts `rootName`, `<project>-<stack>`): the key alias, the Name tag
     * and the descriptions derive from it (a security group's description is replace-forcing), so
     * renaming the cluster keeps the file system. Required.
     */
    readonly root: string;
    /** Protect the file system and its key from deletion. Required. */
    readonly protect: boolean;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets: one mount target each. Required. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** How many private subnets there are (mount targets must be known before deployment). Required. */
    readonly subnetCount: number;
    /** The cluster: its pods' security group is the only source admitted on NFS; its provider creates the StorageClass. Required. */
    readonly cluster: ClusterHandle;
}

/**
 * The shared EFS file system: encrypted with its own key, a mount target in every private subnet,
 * NFS only from Fargate pods, and the StorageClass apps' PersistentVolumes name (EFS on Fargate is
 * statically provisioned: one access point and volume per app, see AppVolume).
 */
export class FileSystem extends pulumi.ComponentResource {
    public readonly fileSystemId: pulumi.Output<string>;
    public readonly fileSystemArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly storageClassName: pulumi.Output<string>;
    /** Mount targets: pods can mount only once these exist. */
    public readonly mountTargets: readonly pulumi.Resource[];
    /** What a pod mounting the file system waits for: the mount targets and the NFS ingress rule. */
    public readonly ready: readonly pulumi.Resource[];

    constructor(name: string, args: FileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:FileSystem", name, {}, opts);
        const cfg = args.config;
        const names = statefulNames(args.root);
        const key = encryptionKey(
            `${name}-key`,
            names.kmsAliases.fileSystem,
            `EFS file system of ${args.root}`,
            args.protect,
            this,
            keyLocation(this).apply(fileSystemKeyPolicy),
        );
        const fileSystem = new aws.efs.FileSystem(
            `${name}-fs`,
            {
                encrypted: true,
                kmsKeyId: key.arn,
                performanceMode: "generalPurpose",
                // Elastic throughput: pay per use, no burst credits to run out of.
                throughputMode: "elastic",
                lifecyclePolicies:
                    cfg.transitionToIa === "NONE"
                        ? []
                        : [{ transitionToIa: cfg.transitionToIa }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
                tags: { Name: names.fileSystem },
            },
            { parent: this, protect: args.protect },
        );
        new aws.efs.BackupPolicy(
            `${name}-backup`,
            { fileSystemId: fileSystem.id, backupPolicy: { status: cfg.backups ? "ENABLED" : "DISABLED" } },
            { parent: this },
        );
        const { group: securityGroup, ingress } = clusterOnlySecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, port: NFS_PORT, sourceSecurityGroupId: args.cluster.podSecurityGroupId, description: `EFS of ${args.root}: NFS from Fargate pods only` },
            this,
        );
        const subnetIds = pulumi.output(args.privateSubnetIds);
        this.mountTargets = [...Array(args.subnetCount).keys()].map(
            (i) =>
                new aws.efs.MountTarget(
                    `${name}-mount-az${i + 1}`,
                    { fileSystemId: fileSystem.id, subnetId: subnetIds.apply((ids) => ids[i]), securityGroups: [securityGroup.id] },
                    { parent: this },
                ),
        );
        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-storage-class`,
            {
                metadata: { name: EFS_STORAGE_CLASS },
                provisioner: EFS_CSI_DRIVER,
                reclaimPolicy: "Retain",
                volumeBindingMode: "Immediate",
            },
            { parent: this, provider: args.cluster.provider },
        );

        this.ready = [...this.mountTargets, ingress];
        this.fileSystemId = fileSystem.id;
        this.fileSystemArn = fileSystem.arn;
        this.securityGroupId = securityGroup.id;
        this.storageClassName = storageClass.metadata.name;
        this.registerOutputs({ fileSystemId: this.fileSystemId, storageClassName: this.storageClassName });
    }
}
