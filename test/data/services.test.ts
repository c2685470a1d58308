import { strict as assert } from "assert";
import { clusterParameters, monitoringTrustPolicy } from "../../components/data/aurora";
import { databaseKeyPolicy, fileSystemKeyPolicy } from "../../components/kms";
import { eksCreatedSecurityGroupId } from "../../scripts/offline/mocks";
import { STACKS, input, named, ofType, plan, stackConfig, waitsFor } from "../support";

/** What a stack's config asks of the data services, as the loader reads it (defaults included). */
function wanted(stack: string) {
    const c = stackConfig(stack);
    return {
        cluster: c.cluster.name,
        engineVersion: c.database.engineVersion,
        instances: c.database.instanceCount,
        min: c.database.minCapacity,
        max: c.database.maxCapacity,
        pause: c.database.secondsUntilAutoPause,
        retention: c.database.backupRetentionDays,
        protect: c.protect,
        ia: c.fileSystem.transitionToIa,
        backups: c.fileSystem.backups ? "ENABLED" : "DISABLED",
        slowMs: c.database.logMinDurationMs,
        monitoring: c.database.enhancedMonitoringSeconds,
    };
}

const WHERE = { partition: "aws", region: "ap-northeast-1", accountId: "123456789012" };

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

describe("data services", () => {
    it("pins the shipped stacks dev and prd: the capacity, backups and protection their stack files choose", () => {
        assert.deepEqual(wanted("dev"), { engineVersion: "16", cluster: "platform-dev", instances: 1, min: 0, max: 4, pause: 1800, retention: 1, protect: false, ia: "AFTER_7_DAYS", backups: "DISABLED", slowMs: 1000, monitoring: 0 });
        assert.deepEqual(wanted("prd"), { engineVersion: "16", cluster: "platform-prd", instances: 2, min: 0.5, max: 16, pause: undefined, retention: 14, protect: true, ia: "AFTER_30_DAYS", backups: "ENABLED", slowMs: 1000, monitoring: 60 });
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            const want = wanted(stack);
            it("runs Aurora PostgreSQL Serverless v2 with the stack's capacity and instances", async () => {
                const result = await plan(stack);
                const db = named(result, "database-cluster");
                assert.equal(input(db, "engine"), "aurora-postgresql");
                assert.equal(input(db, "engineMode"), "provisioned");
                assert.equal(input(db, "engineVersion"), want.engineVersion);
                assert.equal(input(db, "clusterIdentifier"), `${want.cluster}-db`);
                assert.deepEqual(input(db, "serverlessv2ScalingConfiguration"), {
                    minCapacity: want.min,
                    maxCapacity: want.max,
                    ...(want.pause !== undefined ? { secondsUntilAutoPause: want.pause } : {}),
                });
                const instances = ofType(result, "aws:rds/clusterInstance:ClusterInstance");
                assert.equal(instances.length, want.instances);
                for (const i of instances) {
                    assert.equal(input(i, "instanceClass"), "db.serverless");
                    assert.equal(input(i, "engine"), "aurora-postgresql");
                    assert.equal(input(i, "clusterIdentifier"), db.id);
                    assert.equal(input(i, "publiclyAccessible"), false);
                    assert.equal(input(i, "performanceInsightsEnabled"), true);
                }
                assert.equal(new Set(instances.map((i) => input(i, "availabilityZone"))).size, Math.min(want.instances!, (result.outputs.privateSubnetIds as string[]).length), "instances share an AZ");
            });

            it("keeps the database private, encrypted, logged and backed up", async () => {
                const result = await plan(stack);
                const db = named(result, "database-cluster");
                const key = named(result, "database-key");
                const keyArn = `arn:aws:kms:ap-northeast-1:123456789012:key/${key.id}`;
                assert.equal(input(key, "enableKeyRotation"), true);
                assert.equal(input(db, "storageEncrypted"), true);
                assert.equal(input(db, "kmsKeyId"), keyArn);
                assert.equal(input(db, "masterUserSecretKmsKeyId"), keyArn);
                assert.equal(input(db, "iamDatabaseAuthenticationEnabled"), true);
                assert.equal(input(db, "copyTagsToSnapshot"), true);
                assert.deepEqual(input(db, "enabledCloudwatchLogsExports"), ["postgresql"]);
                assert.equal(input(db, "backupRetentionPeriod"), want.retention);
                const subnets = named(result, "database-subnets");
                assert.deepEqual(input(subnets, "subnetIds"), result.outputs.privateSubnetIds);
                assert.equal(input(db, "dbSubnetGroupName"), subnets.id);
                const params = named(result, `database-params-aurora-postgresql${want.engineVersion!.split(".")[0]}`);
                assert.equal(input(params, "family"), `aurora-postgresql${want.engineVersion!.split(".")[0]}`);
                assert.deepEqual(input(params, "parameters"), clusterParameters(want.slowMs));
                assert.ok(input(params, "parameters").some((p: any) => p.name === "log_connections" && p.value === "1"));
                for (const i of ofType(result, "aws:rds/clusterInstance:ClusterInstance")) {
                    assert.equal(input(i, "performanceInsightsKmsKeyId"), keyArn);
                }
            });

            it("has explicit key policies: the database's key for RDS, Secrets Manager and Performance Insights, the file system's for EFS", async () => {
                const result = await plan(stack);
                assert.deepEqual(JSON.parse(input(named(result, "database-key"), "policy")), databaseKeyPolicy(WHERE));
                assert.deepEqual(JSON.parse(input(named(result, "files-key"), "policy")), fileSystemKeyPolicy(WHERE));
            });

            it(want.monitoring > 0 ? `monitors every instance every ${want.monitoring} s through a role only RDS monitoring of this cluster assumes` : "runs no Enhanced Monitoring (cheap on purpose)", async () => {
                const result = await plan(stack);
                const instances = ofType(result, "aws:rds/clusterInstance:ClusterInstance");
                if (want.monitoring === 0) {
                    for (const i of instances) assert.deepEqual([input(i, "monitoringInterval"), input(i, "monitoringRoleArn")], [0, undefined], i.name);
                    assert.ok(!result.resources.some((r) => r.name.startsWith("database-monitoring")));
                    return;
                }
                const role = named(result, "database-monitoring");
                assert.deepEqual(JSON.parse(input(role, "assumeRolePolicy")), monitoringTrustPolicy(WHERE, `${want.cluster}-db`));
                const attachment = named(result, "database-monitoring-policy");
                assert.deepEqual([input(attachment, "role"), input(attachment, "policyArn")], [role.id, "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]);
                for (const i of instances) {
                    assert.deepEqual([input(i, "monitoringInterval"), input(i, "monitoringRoleArn")], [want.monitoring, `arn:aws:iam::123456789012:role/${role.id}`], i.name);
                    assert.ok(waitsFor(result, i, attachment), `${i.name} does not wait for the role's policy`);
                }
            });

            it("keeps the master password out of the program: RDS manages it in Secrets Manager", async () => {
                const result = await plan(stack);
                const db = named(result, "database-cluster");
                assert.equal(input(db, "manageMasterUserPassword"), true);
                assert.equal(input(db, "masterPassword"), undefined);
                assert.match(String(result.outputs.databaseMasterSecretArn), /^arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-/);
                const text = JSON.stringify(result);
                assert.doesNotMatch(text, /"(master)?[Pp]assword"\s*:\s*"(?!\[secret\])/);
                assert.ok(Object.keys(result.outputs).every((k) => !/password/i.test(k)));
            });

            it("admits PostgreSQL and NFS only from the EKS cluster security group", async () => {
                const result = await plan(stack);
                const clusterSg = eksCreatedSecurityGroupId(want.cluster);
                for (const [sgName, port, attach] of [
                    ["database-sg", 5432, (r: any) => input(named(result, "database-cluster"), "vpcSecurityGroupIds").includes(r.id)],
                    ["files-sg", 2049, (r: any) => ofType(result, "aws:efs/mountTarget:MountTarget").every((m) => input(m, "securityGroups").includes(r.id))],
                ] as const) {
                    const sg = named(result, sgName);
                    assert.ok(attach(sg), `${sgName} is not attached`);
                    assert.equal(input(sg, "ingress"), undefined, `${sgName} has inline rules`);
                    assert.equal(input(sg, "vpcId"), result.outputs.vpcId);
                    const rules = ofType(result, INGRESS).filter((r) => input(r, "securityGroupId") === sg.id);
                    assert.equal(rules.length, 1, sgName);
                    assert.deepEqual(
                        [input(rules[0], "referencedSecurityGroupId"), input(rules[0], "ipProtocol"), input(rules[0], "fromPort"), input(rules[0], "toPort"), input(rules[0], "cidrIpv4")],
                        [clusterSg, "tcp", port, port, undefined],
                    );
                }
                assert.equal(ofType(result, "aws:ec2/securityGroupRule:SecurityGroupRule").length, 0);
                assert.equal(ofType(result, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").length, 0);
            });

            it("serves an encrypted EFS in every private subnet, with the stack's lifecycle and backups", async () => {
                const result = await plan(stack);
                const efs = named(result, "files-fs");
                assert.equal(input(efs, "encrypted"), true);
                assert.equal(input(efs, "kmsKeyId"), `arn:aws:kms:ap-northeast-1:123456789012:key/${named(result, "files-key").id}`);
                assert.deepEqual(input(efs, "lifecyclePolicies"), [{ transitionToIa: want.ia }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }]);
                assert.equal(input(named(result, "files-backup"), "backupPolicy.status"), want.backups);
                const mounts = ofType(result, "aws:efs/mountTarget:MountTarget");
                assert.deepEqual(mounts.map((m) => input(m, "subnetId")), result.outputs.privateSubnetIds);
                assert.ok(mounts.every((m) => input(m, "fileSystemId") === efs.id));
                assert.ok(mounts.length >= 2);
                const storageClass = named(result, "files-storage-class");
                assert.deepEqual(
                    [input(storageClass, "metadata.name"), input(storageClass, "provisioner"), input(storageClass, "reclaimPolicy")],
                    ["efs", "efs.csi.aws.com", "Retain"],
                );
                assert.ok(waitsFor(result, storageClass, named(result, "cluster-eks")));
            });

            it(`${want.protect ? "protects" : "lets go of"} the database, the file system and their keys`, async () => {
                const result = await plan(stack);
                for (const name of ["database-cluster", "database-key", "files-fs", "files-key"]) {
                    assert.equal(named(result, name).protect, want.protect, name);
                }
                const db = named(result, "database-cluster");
                assert.equal(input(db, "deletionProtection"), want.protect);
                assert.equal(input(db, "skipFinalSnapshot"), !want.protect);
                // The kept snapshot's name ends with the hex of a random id drawn with the cluster (test/data/replacements.test.ts).
                if (want.protect) assert.match(input(db, "finalSnapshotIdentifier"), new RegExp(`^${want.cluster}-db-final-[0-9a-f]{8}$`));
                else assert.equal(input(db, "finalSnapshotIdentifier"), undefined);
            });
        });
    }

    it("config edits that tune the database or file system never replace them", async () => {
        // Pulumi replaces a resource when a create-only input changes: none of the tunables may feed one.
        const base = await plan("prd");
        const tuned = await plan("prd", {
            dbMinCapacity: "2",
            dbMaxCapacity: "64",
            dbInstanceCount: "3",
            dbBackupRetentionDays: "30",
            efsTransitionToIa: "AFTER_90_DAYS",
            efsBackups: "false",
            protectStatefulResources: "false",
            // The audit trail's keys: switching them off or tuning them touches no stateful resource.
            vpcFlowLogs: "false",
            dbEnhancedMonitoringSeconds: "0",
            dbLogMinDurationMs: "250",
            logRetentionDays: "30",
            auditLogRetentionDays: "400",
        });
        // A key's policy is updated in place, yet these keys do not even change it.
        const keySpec = ["keySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId", "policy"];
        const createOnly: Record<string, string[]> = {
            "database-cluster": ["clusterIdentifier", "engine", "kmsKeyId", "storageEncrypted", "dbSubnetGroupName", "masterUsername"],
            "database-params-aurora-postgresql16": ["family", "description", "name"],
            "files-fs": ["encrypted", "kmsKeyId", "performanceMode", "creationToken"],
            "database-key": keySpec,
            "files-key": keySpec,
            "cluster-secrets": keySpec,
            "logs-key": keySpec,
        };
        for (const [name, keys] of Object.entries(createOnly)) {
            assert.equal(named(tuned, name).urn, named(base, name).urn, name);
            for (const key of keys) assert.deepEqual(input(named(tuned, name), key), input(named(base, name), key), `${name}.${key}`);
        }
    });
});
