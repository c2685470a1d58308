import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConfig } from "../config/load";
import { KeyLocation, LogStorage, clusterOnlySecurityGroup, databaseKeyPolicy, encryptionKey, keyLocation, logGroup } from "../kms";
import { FINAL_SNAPSHOT_SUFFIX_BYTES, statefulNames, uniqueFinalSnapshotIdentifier } from "../naming";
import { POSTGRES_PORT, clusterParameters, engineUpgradePlan, enhancedMonitoringPolicyArn, monitoringTrustPolicy, parameterGroupFamily } from "./aurora";

export interface DatabaseArgs {
    /** The database slice of the stack config. Required. */
    readonly config: DatabaseConfig;
    /**
     * The stack's root name (naming.ts `rootName`, `<project>-<stack>`): the DB cluster and instance
     * identifiers, the final snapshot, the key alias and the log group derive from it, never from the
     * cluster name, so renaming the cluster keeps the database. Required.
     */
    readonly root: string;
    /** Protect the cluster and its key, keep a final snapshot and turn on deletion protection. Required. */
    readonly protect: boolean;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets of the subnet group. Required. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The network's AZs, in order; instances use the first {@link DATABASE_AZ_COUNT} ({@link instanceAvailabilityZone}). Required. */
    readonly availabilityZones: pulumi.Input<string[]>;
    /** The EKS-created cluster security group: the only source admitted on 5432. Required. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    /**
     * Key, retention and protection of the log groups Aurora writes to: its `postgresql` export and
     * Enhanced Monitoring's. Required.
     */
    readonly logs: LogStorage;
}

/**
 * How many of the network's AZs Aurora instances are spread over: the first two, which every
 * network has (`azCount` is at least 2, an adopted VPC's subnets span at least 2 AZs) and which
 * adding or removing AZs never changes (they are added and removed at the end). An instance's AZ
 * cannot change without replacing it (`availabilityZone` forces a new resource,
 * https://www.pulumi.com/registry/packages/aws/api-docs/rds/clusterinstance/), and no instance
 * sits in an AZ that lowering `azCount` removes from the subnet group.
 */
export const DATABASE_AZ_COUNT = 2;

/**
 * The AZ of instance `index` (from 0): the writer in the first AZ, readers alternating over the
 * first {@link DATABASE_AZ_COUNT}, so two or more instances survive an AZ's outage.
 * @param index the instance's position, from 0. Required.
 * @param availabilityZones the network's AZs, in order (at least one). Required.
 */
export function instanceAvailabilityZone(index: number, availabilityZones: readonly string[]): string {
    const spread = availabilityZones.slice(0, DATABASE_AZ_COUNT);
    if (spread.length === 0) throw new Error("the database needs at least one availability zone");
    return spread[index % spread.length];
}

/** Name of the master user. Apps never use it: each gets a login role of its own. */
export const MASTER_USERNAME = "platform_admin";

/**
 * The shared Aurora PostgreSQL cluster (Serverless v2), private, encrypted with its own KMS key and
 * reachable only from Fargate pods.
 *
 * Master credentials: RDS manages the password in Secrets Manager (`manageMasterUserPassword`)
 * rather than the program generating one. The password then never exists in Pulumi state, in
 * previews or in outputs, Secrets Manager rotates it, and whoever needs it (the database bootstrap
 * job) reads the secret through IAM. The secret is encrypted with the database's key.
 */
export class Database extends pulumi.ComponentResource {
    public readonly clusterIdentifier: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly readerEndpoint: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** Secrets Manager secret with the master username and password (JSON `username`, `password`). */
    public readonly masterUserSecretArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** What a client must wait for: the instances behind the endpoint and the ingress rule. */
    public readonly ready: readonly pulumi.Resource[];

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Database", name, {}, opts);
        const cfg = args.config;
        const names = statefulNames(args.root);
        const identifier = names.auroraCluster;
        const where = keyLocation(this);
        const key = encryptionKey(
            `${name}-key`,
            names.kmsAliases.database,
            `Aurora cluster ${identifier}: storage, master secret, Performance Insights`,
            args.protect,
            this,
            where.apply(databaseKeyPolicy),
        );
        // Aurora creates the group of an exported log itself, without retention or key, unless it exists.
        const postgresLogs = logGroup(`${name}-logs`, names.logGroups.database, args.logs, this);
        const subnets = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { description: `Private subnets of ${identifier}`, subnetIds: args.privateSubnetIds },
            { parent: this },
        );
        const { group: securityGroup, ingress } = clusterOnlySecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, port: POSTGRES_PORT, sourceSecurityGroupId: args.clusterSecurityGroupId, description: `Aurora ${identifier}: PostgreSQL from Fargate pods only` },
            this,
        );
        // One group per family, under a name of its own: a major upgrade creates the new family's
        // group before the cluster switches to it, and deletes the old one after. The alias keeps
        // the group created before groups were named by family.
        const family = parameterGroupFamily(cfg.engineVersion);
        const parameters = new aws.rds.ClusterParameterGroup(
            `${name}-params-${family}`,
            {
                family,
                // The description is create-only: it stays as first written, though the group now also logs.
                description: `${identifier}: TLS only`,
                parameters: clusterParameters(cfg.logMinDurationMs),
            },
            { parent: this, aliases: [{ name: `${name}-params` }] },
        );
        // Major upgrades allowed (with the new family's group), minors left to Aurora unless pinned,
        // changes at once in dev and in the maintenance window in prd (aurora.ts engineUpgradePlan).
        const upgrade = engineUpgradePlan(cfg.engineVersion, args.protect);

        // A kept final snapshot's name is unique per life of the cluster: drawn with it (the
        // identifier as keeper), gone with the stack, so a rebuilt stack's destroy never meets the
        // snapshot of the one before. Drawn in every stack, so protecting one changes only the flags.
        const snapshotSuffix = new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: FINAL_SNAPSHOT_SUFFIX_BYTES, keepers: { clusterIdentifier: identifier } }, { parent: this });
        const cluster = new aws.rds.Cluster(
            `${name}-cluster`,
            {
                clusterIdentifier: identifier,
                engine: "aurora-postgresql",
                engineMode: "provisioned",
                engineVersion: upgrade.engineVersion,
                allowMajorVersionUpgrade: upgrade.allowMajorVersionUpgrade,
                applyImmediately: upgrade.applyImmediately,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [securityGroup.id],
                dbClusterParameterGroupName: parameters.name,
                masterUsername: MASTER_USERNAME,
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: key.arn,
                // Provisioned-mode clusters are unencrypted unless told (`storageEncrypted` in
                // https://www.pulumi.com/registry/packages/aws/api-docs/rds/cluster/).
                storageEncrypted: true,
                kmsKeyId: key.arn,
                iamDatabaseAuthenticationEnabled: true,
                serverlessv2ScalingConfiguration: {
                    minCapacity: cfg.minCapacity,
                    maxCapacity: cfg.maxCapacity,
                    secondsUntilAutoPause: cfg.secondsUntilAutoPause,
                },
                backupRetentionPeriod: cfg.backupRetentionDays,
                copyTagsToSnapshot: true,
                enabledCloudwatchLogsExports: ["postgresql"],
                deletionProtection: args.protect,
                // A skipped final snapshot must be explicit; a kept one needs a name, or destroy fails
                // (`skipFinalSnapshot`, `finalSnapshotIdentifier` in the same page).
                skipFinalSnapshot: !args.protect,
                finalSnapshotIdentifier: args.protect ? snapshotSuffix.hex.apply((hex) => uniqueFinalSnapshotIdentifier(names.finalSnapshot, hex)) : undefined,
            },
            { parent: this, protect: args.protect, dependsOn: [postgresLogs] },
        );

        // Enhanced Monitoring (OS metrics every few seconds, into its own log group, which RDS would
        // otherwise create with its own retention): a role RDS assumes, and the group first.
        const monitoring = cfg.enhancedMonitoringSeconds > 0 ? this.monitoring(name, identifier, names.logGroups.enhancedMonitoring, where, args.logs) : undefined;

        const instances: aws.rds.ClusterInstance[] = [];
        for (let i = 0; i < cfg.instanceCount; i++) {
            const instance = new aws.rds.ClusterInstance(
                `${name}-instance-${i + 1}`,
                {
                    clusterIdentifier: cluster.id,
                    identifier: names.auroraInstance(i + 1),
                    instanceClass: "db.serverless",
                    engine: "aurora-postgresql",
                    // No engineVersion: an instance runs its cluster's (set there, upgraded there).
                    autoMinorVersionUpgrade: upgrade.autoMinorVersionUpgrade,
                    applyImmediately: upgrade.applyImmediately,
                    dbSubnetGroupName: subnets.name,
                    availabilityZone: pulumi.output(args.availabilityZones).apply((azs) => instanceAvailabilityZone(i, azs)),
                    publiclyAccessible: false,
                    performanceInsightsEnabled: true,
                    performanceInsightsKmsKeyId: key.arn,
                    monitoringInterval: cfg.enhancedMonitoringSeconds,
                    monitoringRoleArn: monitoring?.roleArn,
                },
                { parent: this, dependsOn: monitoring?.ready ?? [] },
            );
            instances.push(instance);
        }
        // The writer endpoint answers only once an instance runs, and only to pods the rule admits.
        this.ready = [...instances, ingress];

        this.clusterIdentifier = cluster.clusterIdentifier;
        this.endpoint = cluster.endpoint;
        this.readerEndpoint = cluster.readerEndpoint;
        this.port = cluster.port;
        this.masterUserSecretArn = cluster.masterUserSecrets.apply((secrets) => secrets[0].secretArn);
        this.securityGroupId = securityGroup.id;
        this.kmsKeyArn = key.arn;
        this.registerOutputs({
            clusterIdentifier: this.clusterIdentifier,
            endpoint: this.endpoint,
            readerEndpoint: this.readerEndpoint,
            masterUserSecretArn: this.masterUserSecretArn,
        });
    }

    /**
     * The Enhanced Monitoring role and log group; instances wait for both (`ready`).
     * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html
     */
    private monitoring(name: string, identifier: string, logGroupName: string, where: pulumi.Output<KeyLocation>, logs: LogStorage) {
        const group = logGroup(`${name}-monitoring-logs`, logGroupName, logs, this);
        const role = new aws.iam.Role(
            `${name}-monitoring`,
            {
                description: `Enhanced Monitoring of Aurora cluster ${identifier}`,
                assumeRolePolicy: where.apply((w) => JSON.stringify(monitoringTrustPolicy(w, identifier))),
            },
            { parent: this },
        );
        const attachment = new aws.iam.RolePolicyAttachment(
            `${name}-monitoring-policy`,
            { role: role.name, policyArn: where.apply((w) => enhancedMonitoringPolicyArn(w.partition)) },
            { parent: this },
        );
        return { roleArn: role.arn, ready: [group, attachment] };
    }
}
