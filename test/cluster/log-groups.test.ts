import { strict as assert } from "assert";
import { platformNames, rootName } from "../../components/naming";
import { STACKS, input, named, ofType, plan, stackConfig, waitsFor } from "../support";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/** The log groups a stack's config asks for, by logical name, with the physical name and retention each must have. */
function wantedGroups(stack: string): Record<string, { name: string; retention: number }> {
    const c = stackConfig(stack);
    const groups = platformNames({ root: rootName(c.project, c.stack), cluster: c.cluster.name }).logGroups;
    const days = c.cluster.logRetentionDays;
    return {
        "cluster-control-plane-logs": { name: groups.controlPlane, retention: c.cluster.auditLogRetentionDays },
        "cluster-container-logs": { name: groups.containers, retention: days },
        "database-logs": { name: groups.database, retention: days },
        ...(c.network.flowLogs ? { "network-flow-logs-group": { name: groups.flowLogs, retention: days } } : {}),
        ...(c.database.enhancedMonitoringSeconds > 0 ? { "database-monitoring-logs": { name: groups.enhancedMonitoring, retention: days } } : {}),
    };
}

describe("log groups", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("are all the program's own: each named by naming.ts, encrypted with the logs key, with the stack's retention and protection", async () => {
                const result = await plan(stack);
                const want = wantedGroups(stack);
                const groups = ofType(result, LOG_GROUP);
                assert.deepEqual(groups.map((g) => g.name).sort(), Object.keys(want).sort());
                const key = named(result, "logs-key");
                const keyArn = `arn:aws:kms:ap-northeast-1:123456789012:key/${key.id}`;
                const protect = stackConfig(stack).protect;
                for (const group of groups) {
                    assert.equal(input(group, "name"), want[group.name].name, group.name);
                    assert.equal(input(group, "retentionInDays"), want[group.name].retention, group.name);
                    assert.equal(input(group, "kmsKeyId"), keyArn, group.name);
                    // Protected like the other stateful resources, and never left behind by a destroy.
                    assert.equal(group.protect, protect, group.name);
                    assert.equal(group.retainOnDelete, false, group.name);
                }
                assert.equal(key.protect, protect);
            });

            it("exist before what writes to them, so AWS never creates one without retention or key", async () => {
                const result = await plan(stack);
                const writers: [string, string][] = [
                    ["cluster-eks", "cluster-control-plane-logs"],
                    ["cluster-eks", "cluster-container-logs"], // Fargate pods start only after the cluster
                    ["database-cluster", "database-logs"],
                ];
                if (stackConfig(stack).network.flowLogs) writers.push(["network-flow-logs-vpc", "network-flow-logs-group"]);
                const instances = ofType(result, "aws:rds/clusterInstance:ClusterInstance");
                if (stackConfig(stack).database.enhancedMonitoringSeconds > 0) writers.push(...instances.map((i): [string, string] => [i.name, "database-monitoring-logs"]));
                for (const [writer, group] of writers) assert.ok(waitsFor(result, named(result, writer), named(result, group)), `${writer} does not wait for ${group}`);
            });

            it("are the only groups the logs key serves: CloudWatch Logs of the region, for exactly naming.ts' log groups", async () => {
                const result = await plan(stack);
                const policy = JSON.parse(input(named(result, "logs-key"), "policy"));
                const logs = policy.Statement.find((s: any) => s.Principal.Service);
                assert.equal(logs.Principal.Service, "logs.ap-northeast-1.amazonaws.com");
                const c = stackConfig(stack);
                const arns = Object.values(platformNames({ root: rootName(c.project, c.stack), cluster: c.cluster.name }).logGroups).map((n) => `arn:aws:logs:ap-northeast-1:123456789012:log-group:${n}`);
                assert.deepEqual(logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"], arns.sort());
                // Every group in the plan is among them.
                for (const group of ofType(result, LOG_GROUP)) assert.ok(arns.includes(`arn:aws:logs:ap-northeast-1:123456789012:log-group:${input(group, "name")}`), group.name);
                assert.equal(input(named(result, "logs-key-alias"), "name"), `alias/logs/${rootName(c.project, c.stack)}`);
            });
        });
    }
});
