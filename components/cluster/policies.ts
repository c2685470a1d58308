/**
 * IAM documents and access entries of the cluster, as plain data. The component serialises them;
 * tests read them directly.
 */

/** Where an AWS ARN is built: partition (aws, aws-cn, aws-us-gov), region and account. */
export interface AwsLocation {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: Record<string, string | string[]>;
    readonly Action: string | string[];
    readonly Resource?: string | string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}

/** AWS-managed policy every Fargate pod execution role needs (image pulls from ECR). */
export function fargatePodExecutionPolicyArn(partition: string): string {
    return `arn:${partition}:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy`;
}

/** EKS access policy that makes an access entry cluster-admin. */
export function clusterAdminAccessPolicyArn(partition: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;
}

/**
 * Trust policy of the Fargate pod execution role, limited to this cluster's Fargate profiles
 * (confused-deputy protection recommended by the EKS guide; pulumi-eks' own role lacks it).
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html
 */
export function podExecutionTrustPolicy(where: AwsLocation, clusterName: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "eks-fargate-pods.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    ArnLike: {
                        "aws:SourceArn": `arn:${where.partition}:eks:${where.region}:${where.accountId}:fargateprofile/${clusterName}/*`,
                    },
                },
            },
        ],
    };
}

/**
 * Lets Fargate's built-in Fluent Bit write container logs to one log group, which the program
 * creates (so no CreateLogGroup or PutRetentionPolicy is granted).
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate-logging.html
 */
export function fargateLoggingPolicy(logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "FargateContainerLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                Resource: [logGroupArn, `${logGroupArn}:*`],
            },
        ],
    };
}

/**
 * The key of an admin's access entry. pulumi-eks names the entry's resources after it, so it is
 * derived from the principal alone (never from its position in the list): adding or removing one
 * admin leaves the others untouched.
 */
export function accessEntryKey(principalArn: string): string {
    const [, resource] = principalArn.split(":iam::")[1].split(":");
    return `admin-${resource.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "").toLowerCase()}`;
}

/**
 * One cluster-admin access entry per principal. Requires authentication mode API.
 * @param adminPolicyArn {@link clusterAdminAccessPolicyArn} of the partition (a plain string or a
 *   Pulumi output: the entries' keys must be known before deployment, their values need not be).
 */
export function adminAccessEntries<P>(principalArns: readonly string[], adminPolicyArn: P) {
    return Object.fromEntries(
        principalArns.map((principalArn) => [
            accessEntryKey(principalArn),
            {
                principalArn,
                accessPolicies: { admin: { policyArn: adminPolicyArn, accessScope: { type: "cluster" } } },
            },
        ]),
    );
}
