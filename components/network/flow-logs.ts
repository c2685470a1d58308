import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../cluster/policies";
import { KeyLocation, LogStorage, keyLocation, logGroup, logGroupArn } from "../kms";

/**
 * What the flow log records: accepted and rejected traffic alike. Rejected connections are the
 * ones an investigation looks for first. https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
 */
export const FLOW_LOG_TRAFFIC_TYPE = "ALL";

/** The service that delivers flow logs to CloudWatch Logs. */
export const FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com";

/**
 * Trust policy of the role the flow log service assumes to write to the log group: the service, for
 * this account's flow logs only (the confused-deputy conditions the VPC guide recommends).
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 *
 * @param where Partition, region and account of the VPC; no default.
 */
export function flowLogsTrustPolicy(where: KeyLocation): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: FLOW_LOGS_SERVICE },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": where.accountId },
                    ArnLike: { "aws:SourceArn": `arn:${where.partition}:ec2:${where.region}:${where.accountId}:vpc-flow-log/*` },
                },
            },
        ],
    };
}

/**
 * What the flow log service may do with the role: write streams of the one log group the program
 * created (so no logs:CreateLogGroup, which the guide's example grants), and look groups up.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 *
 * @param where Partition, region and account of the group; no default.
 * @param logGroupName The flow logs' group (naming.ts `platformNames().logGroups.flowLogs`).
 */
export function flowLogsDeliveryPolicy(where: KeyLocation, logGroupName: string): PolicyDocument {
    const group = logGroupArn(where, logGroupName);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "WriteFlowLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [group, `${group}:*`],
            },
            {
                Sid: "FindLogGroups",
                Effect: "Allow",
                Action: ["logs:DescribeLogGroups"],
                Resource: [logGroupArn(where, "*")],
            },
        ],
    };
}

export interface FlowLogsArgs {
    /** The VPC whose traffic is recorded: one the program creates or one it adopts. Required. */
    readonly vpcId: pulumi.Input<string>;
    /** The flow logs' log group name (naming.ts `platformNames().logGroups.flowLogs`). Required. */
    readonly logGroupName: string;
    /** Key, retention and protection of the log group. Required. */
    readonly logs: LogStorage;
}

/**
 * The VPC's flow logs, all traffic, into a log group of the program's (encrypted with the logs
 * key, the stack's retention), written by a role only the flow log service of this account assumes.
 */
export class FlowLogs extends pulumi.ComponentResource {
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: FlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:FlowLogs", name, {}, opts);
        const where = keyLocation(this);
        const group = logGroup(`${name}-group`, args.logGroupName, args.logs, this);
        const role = new aws.iam.Role(
            `${name}-role`,
            { description: "Delivers the VPC's flow logs to CloudWatch Logs", assumeRolePolicy: where.apply((w) => JSON.stringify(flowLogsTrustPolicy(w))) },
            { parent: this },
        );
        const delivery = new aws.iam.RolePolicy(
            `${name}-delivery`,
            { role: role.name, policy: where.apply((w) => JSON.stringify(flowLogsDeliveryPolicy(w, args.logGroupName))) },
            { parent: this },
        );
        new aws.ec2.FlowLog(
            `${name}-vpc`,
            {
                vpcId: args.vpcId,
                trafficType: FLOW_LOG_TRAFFIC_TYPE,
                logDestinationType: "cloud-watch-logs",
                logDestination: group.arn,
                iamRoleArn: role.arn,
                tags: { Name: name },
            },
            // The service checks the role's permissions when the flow log is created.
            { parent: this, dependsOn: [delivery] },
        );
        this.logGroupName = group.name;
        this.registerOutputs({ logGroupName: this.logGroupName });
    }
}
