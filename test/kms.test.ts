import { strict as assert } from "assert";
import {
    KeyPolicyDocument,
    accountRootStatement,
    databaseKeyPolicy,
    eksSecretsKeyPolicy,
    fileSystemKeyPolicy,
    logGroupArn,
    logsKeyPolicy,
} from "../components/kms";

const WHERE = { partition: "aws-us-gov", region: "us-gov-west-1", accountId: "210987654321" };

/** Each statement as [Sid, principal, the service it goes through]. */
const shape = (policy: KeyPolicyDocument) =>
    policy.Statement.map((s) => [s.Sid, "AWS" in s.Principal ? s.Principal.AWS : s.Principal.Service, s.Condition?.StringEquals?.["kms:ViaService"]]);

describe("KMS key policies", () => {
    it("let the account administer every key through IAM (else no IAM policy could ever touch it)", () => {
        for (const policy of [eksSecretsKeyPolicy(WHERE), databaseKeyPolicy(WHERE), fileSystemKeyPolicy(WHERE), logsKeyPolicy(WHERE, ["/x"])]) {
            assert.equal(policy.Version, "2012-10-17");
            assert.deepEqual(policy.Statement[0], accountRootStatement(WHERE));
            assert.deepEqual(policy.Statement[0].Principal, { AWS: "arn:aws-us-gov:iam::210987654321:root" });
        }
    });

    it("admit each service only through its own endpoint in the key's region, for this account's callers", () => {
        assert.deepEqual(shape(eksSecretsKeyPolicy(WHERE)).slice(1), [["ClusterRoleThroughEks", "*", "eks.us-gov-west-1.amazonaws.com"]]);
        assert.deepEqual(shape(databaseKeyPolicy(WHERE)).slice(1), [
            ["AuroraStorageThroughRds", "*", "rds.us-gov-west-1.amazonaws.com"],
            ["MasterSecretThroughSecretsManager", "*", "secretsmanager.us-gov-west-1.amazonaws.com"],
            ["PerformanceInsightsThroughRds", "*", "rds.us-gov-west-1.amazonaws.com"],
        ]);
        assert.deepEqual(shape(fileSystemKeyPolicy(WHERE)).slice(1), [["FileSystemThroughEfs", "*", "elasticfilesystem.us-gov-west-1.amazonaws.com"]]);
        for (const policy of [eksSecretsKeyPolicy(WHERE), databaseKeyPolicy(WHERE), fileSystemKeyPolicy(WHERE)]) {
            for (const s of policy.Statement.slice(1)) {
                assert.equal(s.Condition?.StringEquals?.["kms:CallerAccount"], "210987654321", s.Sid);
                assert.ok(!s.Action.includes("kms:*") && !s.Action.some((a) => /Delete|Disable|PutKeyPolicy|ScheduleKeyDeletion/.test(a)), `${s.Sid} administers the key`);
            }
        }
    });

    it("read Performance Insights data only with its encryption context", () => {
        const pi = databaseKeyPolicy(WHERE).Statement.find((s) => s.Sid === "PerformanceInsightsThroughRds")!;
        assert.deepEqual(pi.Action, ["kms:Decrypt", "kms:GenerateDataKey"]);
        assert.deepEqual(pi.Condition?.["ForAnyValue:StringEquals"], { "kms:EncryptionContext:service": "pi", "kms:EncryptionContext:aws:pi:service": "rds" });
    });

    it("let CloudWatch Logs of the region use the logs key for exactly the named log groups", () => {
        const policy = logsKeyPolicy(WHERE, ["/vpc/x/flow-logs", "/aws/eks/x/cluster", "/aws/eks/x/cluster"]);
        const logs = policy.Statement[1];
        assert.deepEqual(logs.Principal, { Service: "logs.us-gov-west-1.amazonaws.com" });
        assert.deepEqual(logs.Condition, {
            ArnEquals: {
                "kms:EncryptionContext:aws:logs:arn": [
                    "arn:aws-us-gov:logs:us-gov-west-1:210987654321:log-group:/aws/eks/x/cluster",
                    "arn:aws-us-gov:logs:us-gov-west-1:210987654321:log-group:/vpc/x/flow-logs",
                ],
            },
        });
        assert.ok(logs.Action.every((a) => !a.includes("*")));
        assert.equal(logGroupArn(WHERE, "RDSOSMetrics"), "arn:aws-us-gov:logs:us-gov-west-1:210987654321:log-group:RDSOSMetrics");
        assert.throws(() => logsKeyPolicy(WHERE, []), /logsKeyPolicy: name at least one log group/);
    });
});
