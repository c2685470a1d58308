import { strict as assert } from "assert";
import {
    clusterParameters,
    dbClusterIdentifier,
    enhancedMonitoringPolicyArn,
    monitoringTrustPolicy,
    parameterGroupFamily,
    parseEngineVersion,
    supportsAutoPause,
} from "../../components/data/aurora";
import { lifecyclePolicy } from "../../components/data/ecr";
import { appAccessPoint, volumeHandle } from "../../components/data/efs";
import { persistentVolumeName, repositoryName } from "../../components/naming";

describe("data service decisions", () => {
    it("allows auto-pause only on engine versions that support it", () => {
        for (const v of ["13.15", "14.12", "15.7", "16.3", "16.6", "17.4"]) assert.ok(supportsAutoPause(v), v);
        for (const v of ["13.14", "14.11", "15.6", "16.2", "12.22", "18.0", "12"]) assert.ok(!supportsAutoPause(v), v);
        // A major alone runs the minor Aurora picks, its newest, which pauses in every major offered.
        for (const v of ["13", "16", "17"]) assert.ok(supportsAutoPause(v), v);
        assert.deepEqual(parseEngineVersion("16.6"), { major: 16, minor: 6 });
        assert.deepEqual(parseEngineVersion("16"), { major: 16 });
        assert.equal(parseEngineVersion("16.6.1"), undefined);
        assert.equal(parameterGroupFamily("15.8"), "aurora-postgresql15");
    });

    it("forces TLS and logs connections, disconnections and statements slower than the threshold", () => {
        const byName = (ms: number) => Object.fromEntries(clusterParameters(ms).map((p) => [p.name, p.value]));
        assert.deepEqual(byName(1000), { "rds.force_ssl": "1", log_connections: "1", log_disconnections: "1", log_min_duration_statement: "1000" });
        assert.equal(byName(-1).log_min_duration_statement, "-1");
        assert.equal(byName(0).log_min_duration_statement, "0");
        assert.throws(() => clusterParameters(-2), /^Error: dbLogMinDurationMs: must be an integer from -1 to 2147483647 \(got -2\)/);
        assert.throws(() => clusterParameters(1.5), /dbLogMinDurationMs: must be an integer/);
    });

    it("lets only RDS monitoring of this account's instances of the cluster assume the Enhanced Monitoring role", () => {
        const where = { partition: "aws-cn", region: "cn-northwest-1", accountId: "210987654321" };
        const [statement, ...rest] = monitoringTrustPolicy(where, "platform-prd-db").Statement;
        assert.deepEqual(rest, []);
        assert.deepEqual([statement.Principal, statement.Action], [{ Service: "monitoring.rds.amazonaws.com" }, "sts:AssumeRole"]);
        assert.deepEqual(statement.Condition, {
            StringEquals: { "aws:SourceAccount": "210987654321" },
            ArnLike: { "aws:SourceArn": "arn:aws-cn:rds:cn-northwest-1:210987654321:db:platform-prd-db-*" },
        });
        assert.equal(enhancedMonitoringPolicyArn("aws-cn"), "arn:aws-cn:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole");
    });

    it("derives a valid, fixed database identifier from the cluster name", () => {
        assert.equal(dbClusterIdentifier("platform-prd"), "platform-prd-db");
        assert.equal(dbClusterIdentifier("Team_Platform"), "team-platform-db");
    });

    it("names repositories from stack, app and image only, and rejects what ECR would", () => {
        assert.equal(repositoryName("platform-dev", "chat", "web"), "platform-dev/chat/web");
        assert.equal(repositoryName("Platform_Prd", "slack-bot", "bot"), "platform-prd/slack-bot/bot");
        assert.throws(() => repositoryName("platform-dev", "Chat", "web"), /^Error: app "Chat": ECR names need lower-case letters and digits/);
        assert.throws(() => repositoryName("platform-dev", "chat", "web--ui"), /^Error: image "web--ui": ECR names need/);
        assert.throws(() => repositoryName("platform-dev", "chat", "-web"), /image "-web"/);
        assert.throws(() => repositoryName("platform-dev", "chat", "a".repeat(250)), /not a valid ECR name \(2-256 characters\)/);
    });

    it("expires untagged images first and keeps the newest N", () => {
        const { rules } = lifecyclePolicy(30);
        assert.deepEqual(rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber]), [
            [1, "untagged", "sinceImagePushed", 3],
            [2, "any", "imageCountMoreThan", 30],
        ]);
        assert.ok(rules.every((r) => r.action.type === "expire"));
    });

    it("roots each app's access point in its own directory, owned by its uid/gid and closed to others", () => {
        assert.deepEqual(appAccessPoint("slack-bot", 1000, 2000), { path: "/apps/slack-bot", uid: 1000, gid: 2000, permissions: "0750" });
        assert.throws(() => appAccessPoint("slack-bot", 0, 1000), /app slack-bot: volume uid must be an integer from 1 to 4294967295 \(got 0\)/);
        assert.throws(() => appAccessPoint("slack-bot", 1000, 1.5), /volume gid must be an integer/);
        assert.equal(volumeHandle("fs-0123", "fsap-0456"), "fs-0123::fsap-0456");
        assert.equal(persistentVolumeName("slack-bot"), "app-slack-bot-data");
    });
});
