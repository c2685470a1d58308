import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * A customer-managed KMS key with yearly rotation and an alias, as every stateful service uses.
 * Deleting a key makes everything encrypted with it unreadable: protected keys keep the longest
 * deletion window (30 days), others the shortest (7).
 *
 * @param name Logical name of the key; the alias is `${name}-alias`.
 * @param alias Full alias name, e.g. `alias/eks/platform-dev-secrets` (naming.ts platformNames().kmsAliases).
 * @param description What the key encrypts.
 * @param protect Protect the key from deletion.
 * @param parent The component the key belongs to.
 */
export function encryptionKey(name: string, alias: string, description: string, protect: boolean, parent: pulumi.Resource): aws.kms.Key {
    const key = new aws.kms.Key(
        name,
        { description, enableKeyRotation: true, deletionWindowInDays: protect ? 30 : 7 },
        { parent, protect },
    );
    new aws.kms.Alias(`${name}-alias`, { name: alias, targetKeyId: key.keyId }, { parent });
    return key;
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
