import { strict as assert } from "assert";
import { kubeconfigCommand } from "../../components/cluster/cluster";
import { corednsConfiguration } from "../../components/cluster/coredns";
import { FARGATE_LOGGING_MAX_CHARS, fargateLoggingData } from "../../components/cluster/logging";
import { containerLogGroupName, controlPlaneLogGroupName } from "../../components/naming";
import {
    accessEntryKey,
    adminAccessEntries,
    fargateLoggingPolicy,
    podExecutionTrustPolicy,
} from "../../components/cluster/policies";

const where = { partition: "aws", region: "ap-northeast-1", accountId: "111111111111" };

describe("cluster decisions", () => {
    it("lets only this cluster's Fargate profiles assume the pod execution role", () => {
        const policy = podExecutionTrustPolicy(where, "platform-prd");
        assert.equal(policy.Statement.length, 1);
        const [statement] = policy.Statement;
        assert.deepEqual(statement.Principal, { Service: "eks-fargate-pods.amazonaws.com" });
        assert.equal(statement.Action, "sts:AssumeRole");
        assert.deepEqual(statement.Condition, {
            ArnLike: { "aws:SourceArn": "arn:aws:eks:ap-northeast-1:111111111111:fargateprofile/platform-prd/*" },
        });
    });

    it("lets Fargate write container logs to its own log group and nothing else", () => {
        const arn = "arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/eks/platform-prd/containers";
        const [statement, ...rest] = fargateLoggingPolicy(arn).Statement;
        assert.equal(rest.length, 0);
        assert.deepEqual(statement.Resource, [arn, `${arn}:*`]);
        assert.deepEqual(statement.Action, ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]);
    });

    it("keys admin access entries by principal, so list order never matters", () => {
        const a = "arn:aws:iam::111111111111:role/PlatformAdmin";
        const b = "arn:aws:iam::111111111111:user/ops/alice";
        assert.equal(accessEntryKey(a), "admin-role-platformadmin");
        assert.equal(accessEntryKey(b), "admin-user-ops-alice");
        const policy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
        assert.deepEqual(adminAccessEntries([a, b], policy), adminAccessEntries([b, a], policy));
        assert.deepEqual(adminAccessEntries([a], policy)["admin-role-platformadmin"], {
            principalArn: a,
            accessPolicies: { admin: { policyArn: policy, accessScope: { type: "cluster" } } },
        });
    });

    it("ships container logs to the program's log group, within Fargate's ConfigMap limit", () => {
        const data = fargateLoggingData("ap-northeast-1", containerLogGroupName("platform-dev"));
        assert.deepEqual(Object.keys(data).sort(), ["filters.conf", "flb_log_cw", "output.conf", "parsers.conf"]);
        assert.match(data["output.conf"], /Name cloudwatch_logs\n/);
        assert.match(data["output.conf"], /log_group_name \/aws\/eks\/platform-dev\/containers\n/);
        assert.match(data["output.conf"], /region ap-northeast-1\n/);
        assert.match(data["output.conf"], /auto_create_group false\n/);
        const size = Object.entries(data).reduce((n, [k, v]) => n + k.length + v.length, 0);
        assert.ok(size <= FARGATE_LOGGING_MAX_CHARS, `${size} characters`);
        assert.equal(controlPlaneLogGroupName("platform-dev"), "/aws/eks/platform-dev/cluster");
    });

    it("runs CoreDNS on Fargate with requests that fit the smallest Fargate size", () => {
        const values = corednsConfiguration();
        assert.equal(values.computeType, "Fargate");
        const mib = (q: string) => Number(q.replace(/Mi$/, ""));
        // 0.5 GB is the smallest size; Fargate adds 256 MB for its agents.
        assert.ok(Math.max(mib(values.resources.requests.memory), mib(values.resources.limits.memory)) + 256 <= 512);
        assert.ok(Number(values.resources.requests.cpu.replace(/m$/, "")) <= 250);
    });

    it("tells users how to get a kubeconfig for the stack's account", () => {
        const base = { region: "ap-northeast-1", allowedAccountIds: [] };
        assert.equal(kubeconfigCommand("platform-dev", base), "aws eks update-kubeconfig --region ap-northeast-1 --name platform-dev");
        assert.equal(
            kubeconfigCommand("platform-prd", { ...base, profile: "prd", assumeRoleArn: "arn:aws:iam::222222222222:role/Admin" }),
            "aws eks update-kubeconfig --region ap-northeast-1 --name platform-prd --profile prd --role-arn arn:aws:iam::222222222222:role/Admin",
        );
    });
});
