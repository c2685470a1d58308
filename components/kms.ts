import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NameRoots, platformNames } from "./naming";

/** Where a key is and whose it is: partition (aws, aws-cn, aws-us-gov), region and account. */
export interface KeyLocation {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** One statement of a KMS key policy. */
export interface KeyPolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow";
    readonly Principal: { readonly AWS: string } | { readonly Service: string };
    readonly Action: readonly string[];
    readonly Resource: "*";
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A KMS key policy: in a key policy `Resource: "*"` means the key itself. */
export interface KeyPolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly KeyPolicyStatement[];
}

/**
 * What a service needs to encrypt with a key on a caller's behalf and to hand its own resources a
 * grant (the actions of the AWS-managed keys of RDS, EFS and Secrets Manager).
 */
export const SERVICE_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:DescribeKey",
] as const;

/** What CloudWatch Logs needs to encrypt and read a log group's events. */
export const LOGS_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"] as const;

/**
 * The account itself may do anything with the key: without this statement IAM policies grant
 * nothing on it, and a key nobody may administer can never be changed or deleted again.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export function accountRootStatement(where: KeyLocation): KeyPolicyStatement {
    return {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${where.partition}:iam::${where.accountId}:root` },
        Action: ["kms:*"],
        Resource: "*",
    };
}

/**
 * Principals of this account may use the key only through one AWS service (`kms:ViaService`) and
 * never from another account (`kms:CallerAccount`): the statement AWS-managed keys carry, here for
 * one service each. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 *
 * @param sid The statement's id.
 * @param where Partition, region and account of the key; no default.
 * @param service The service's endpoint prefix, e.g. `rds` for `rds.<region>.amazonaws.com`.
 * @param actions What the service may do. Defaults to {@link SERVICE_KEY_ACTIONS}.
 * @param extra Further conditions (e.g. an encryption context). Defaults to none.
 */
export function viaServiceStatement(
    sid: string,
    where: KeyLocation,
    service: string,
    actions: readonly string[] = SERVICE_KEY_ACTIONS,
    extra: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>> = {},
): KeyPolicyStatement {
    return {
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [...actions],
        Resource: "*",
        Condition: {
            StringEquals: { "kms:CallerAccount": where.accountId, "kms:ViaService": `${service}.${where.region}.amazonaws.com` },
            ...extra,
        },
    };
}

const document = (...statements: KeyPolicyStatement[]): KeyPolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/**
 * Policy of the key that encrypts Kubernetes Secrets: the account, and the cluster's role through
 * EKS only. EKS uses the key as the cluster role, with a grant it creates with the identity that
 * creates the cluster. That role is pulumi-eks' own, created inside the cluster component after the
 * key (which the cluster needs first), so the statement admits the account's principals through
 * EKS rather than the role by ARN: naming it would mean handing pulumi-eks a role of ours, and EKS
 * replaces a cluster whose role changes.
 * https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html
 */
export function eksSecretsKeyPolicy(where: KeyLocation): KeyPolicyDocument {
    return document(accountRootStatement(where), viaServiceStatement("ClusterRoleThroughEks", where, "eks", ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"]));
}

/**
 * Policy of the database's key: the account; RDS for the cluster's storage; Secrets Manager for
 * the master user's secret RDS keeps there; Performance Insights, whose data RDS encrypts with the
 * same key (readers of it decrypt through RDS, with Performance Insights' encryption context).
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_PerfInsights.access-control.cmk-policy.html
 */
export function databaseKeyPolicy(where: KeyLocation): KeyPolicyDocument {
    return document(
        accountRootStatement(where),
        viaServiceStatement("AuroraStorageThroughRds", where, "rds"),
        viaServiceStatement("MasterSecretThroughSecretsManager", where, "secretsmanager"),
        viaServiceStatement("PerformanceInsightsThroughRds", where, "rds", ["kms:Decrypt", "kms:GenerateDataKey"], {
            "ForAnyValue:StringEquals": { "kms:EncryptionContext:service": "pi", "kms:EncryptionContext:aws:pi:service": "rds" },
        }),
    );
}

/**
 * Policy of the file system's key: the account, and EFS (its mount targets and backups) only.
 * https://docs.aws.amazon.com/efs/latest/ug/EFSKMSKeyPolicy.html
 */
export function fileSystemKeyPolicy(where: KeyLocation): KeyPolicyDocument {
    return document(accountRootStatement(where), viaServiceStatement("FileSystemThroughEfs", where, "elasticfilesystem"));
}

/** ARN of a log group, as CloudWatch Logs puts it into the encryption context (no `:*`). */
export function logGroupArn(where: KeyLocation, name: string): string {
    return `arn:${where.partition}:logs:${where.region}:${where.accountId}:log-group:${name}`;
}

/**
 * Policy of the log groups' key: the account, and CloudWatch Logs of this region for exactly the
 * program's log groups (`kms:EncryptionContext:aws:logs:arn`), so the key encrypts no other group.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 *
 * @param where Partition, region and account of the key and groups; no default.
 * @param logGroupNames Every log group the key may encrypt (naming.ts `platformNames().logGroups`); at least one.
 * @throws Error when `logGroupNames` is empty: a key that no group may use is a mistake.
 */
export function logsKeyPolicy(where: KeyLocation, logGroupNames: readonly string[]): KeyPolicyDocument {
    if (logGroupNames.length === 0) throw new Error("logsKeyPolicy: name at least one log group the key encrypts");
    return document(accountRootStatement(where), {
        Sid: "LogGroupsThroughCloudWatchLogs",
        Effect: "Allow",
        Principal: { Service: `logs.${where.region}.amazonaws.com` },
        Action: [...LOGS_KEY_ACTIONS],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [...new Set(logGroupNames)].sort().map((n) => logGroupArn(where, n)) } },
    });
}

/** Partition, region and account of a component's provider, for its keys' policies. */
export function keyLocation(parent: pulumi.Resource): pulumi.Output<KeyLocation> {
    return pulumi
        .all([
            aws.getPartitionOutput({}, { parent }).partition,
            aws.getRegionOutput({}, { parent }).region,
            aws.getCallerIdentityOutput({}, { parent }).accountId,
        ])
        .apply(([partition, region, accountId]) => ({ partition, region, accountId }));
}

/**
 * A customer-managed KMS key with yearly rotation, an explicit key policy and an alias, as every
 * stateful service uses. Deleting a key makes everything encrypted with it unreadable: protected
 * keys keep the longest deletion window (30 days), others the shortest (7).
 *
 * @param name Logical name of the key; the alias is `${name}-alias`.
 * @param alias Full alias name, e.g. `alias/eks/platform-dev-secrets` (naming.ts platformNames().kmsAliases).
 * @param description What the key encrypts.
 * @param protect Protect the key from deletion.
 * @param parent The component the key belongs to.
 * @param policy The key policy (one of this module's `*KeyPolicy` functions); required, so no key
 *   falls back to KMS' default policy.
 */
export function encryptionKey(
    name: string,
    alias: string,
    description: string,
    protect: boolean,
    parent: pulumi.Resource,
    policy: pulumi.Input<KeyPolicyDocument>,
): aws.kms.Key {
    const key = new aws.kms.Key(
        name,
        { description, enableKeyRotation: true, deletionWindowInDays: protect ? 30 : 7, policy: pulumi.output(policy).apply((p) => JSON.stringify(p)) },
        { parent, protect },
    );
    new aws.kms.Alias(`${name}-alias`, { name: alias, targetKeyId: key.keyId }, { parent });
    return key;
}

/** Where and how long a log group keeps its events. */
export interface LogStorage {
    /** ARN of the key that encrypts the group ({@link LogsKey}); required. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Retention in days (a CloudWatch value); required. */
    readonly retentionDays: number;
    /** Protect the group from deletion (`protectStatefulResources`); required. */
    readonly protect: boolean;
}

/**
 * A log group the program owns: created before whatever writes to it (so AWS never creates it
 * without retention or key), encrypted with the logs key, removed with the stack.
 *
 * @param name Logical name.
 * @param logGroupName Its physical name (naming.ts `platformNames().logGroups`).
 * @param storage Key, retention and protection.
 * @param parent The component it belongs to.
 */
export function logGroup(name: string, logGroupName: string, storage: LogStorage, parent: pulumi.Resource): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        name,
        { name: logGroupName, retentionInDays: storage.retentionDays, kmsKeyId: storage.kmsKeyArn },
        { parent, protect: storage.protect },
    );
}

export interface LogsKeyArgs {
    /**
     * The stack's root name and cluster name (naming.ts `NameRoots`): the alias derives from the root,
     * the log groups the key may encrypt from both. Required.
     */
    readonly names: NameRoots;
    /** Protect the key from deletion. Required. */
    readonly protect: boolean;
}

/**
 * The key every log group of the stack is encrypted with, usable by CloudWatch Logs for exactly
 * those groups. Created before the network (flow logs), the cluster and the database.
 */
export class LogsKey extends pulumi.ComponentResource {
    public readonly keyArn: pulumi.Output<string>;

    constructor(name: string, args: LogsKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kms:LogsKey", name, {}, opts);
        const names = platformNames(args.names);
        const policy = keyLocation(this).apply((where) => logsKeyPolicy(where, Object.values(names.logGroups)));
        const key = encryptionKey(`${name}-key`, names.kmsAliases.logs, `CloudWatch log groups of ${args.names.root}`, args.protect, this, policy);
        this.keyArn = key.arn;
        this.registerOutputs({ keyArn: this.keyArn });
    }
}

/**
 * A security group that admits one TCP port from one source security group and nothing else (no
 * egress either: the services behind it only answer). Used for Aurora and EFS, whose only clients
 * are Fargate pods, which all carry the EKS-created cluster security group.
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate-getting-started.html
 *
 * @param name Logical name of the group; the rule is `${name}-from-cluster`.
 * @returns The group, and its ingress rule: clients must wait for the rule, not only the group.
 */
export function clusterOnlySecurityGroup(
    name: string,
    args: { vpcId: pulumi.Input<string>; port: number; sourceSecurityGroupId: pulumi.Input<string>; description: string },
    parent: pulumi.Resource,
): { group: aws.ec2.SecurityGroup; ingress: aws.vpc.SecurityGroupIngressRule } {
    const group = new aws.ec2.SecurityGroup(name, { vpcId: args.vpcId, description: args.description }, { parent });
    const ingress = new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-cluster`,
        {
            securityGroupId: group.id,
            referencedSecurityGroupId: args.sourceSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: args.port,
            toPort: args.port,
            description: "Fargate pods (EKS cluster security group)",
        },
        { parent },
    );
    return { group, ingress };
}
