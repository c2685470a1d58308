import { strict as assert } from "assert";
import { FLOW_LOG_TRAFFIC_TYPE, flowLogsDeliveryPolicy, flowLogsTrustPolicy } from "../../components/network/flow-logs";

const WHERE = { partition: "aws-cn", region: "cn-north-1", accountId: "210987654321" };

describe("flow logs decisions", () => {
    it("record all traffic, accepted and rejected", () => {
        assert.equal(FLOW_LOG_TRAFFIC_TYPE, "ALL");
    });

    it("trust only the flow log service, for this account's flow logs (confused-deputy conditions)", () => {
        const [statement, ...rest] = flowLogsTrustPolicy(WHERE).Statement;
        assert.deepEqual(rest, []);
        assert.deepEqual(statement.Principal, { Service: "vpc-flow-logs.amazonaws.com" });
        assert.equal(statement.Action, "sts:AssumeRole");
        assert.deepEqual(statement.Condition, {
            StringEquals: { "aws:SourceAccount": "210987654321" },
            ArnLike: { "aws:SourceArn": "arn:aws-cn:ec2:cn-north-1:210987654321:vpc-flow-log/*" },
        });
    });

    it("let the service write streams of one log group, which it may not create", () => {
        const { Statement } = flowLogsDeliveryPolicy(WHERE, "/vpc/platform-x/flow-logs");
        const group = "arn:aws-cn:logs:cn-north-1:210987654321:log-group:/vpc/platform-x/flow-logs";
        assert.deepEqual(
            Statement.map((s) => [s.Action, s.Resource]),
            [
                [["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], [group, `${group}:*`]],
                [["logs:DescribeLogGroups"], ["arn:aws-cn:logs:cn-north-1:210987654321:log-group:*"]],
            ],
        );
        assert.ok(Statement.every((s) => s.Effect === "Allow" && ![s.Action].flat().some((a) => a === "logs:CreateLogGroup" || a.includes("*"))));
    });
});
