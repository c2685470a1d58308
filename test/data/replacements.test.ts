import { strict as assert } from "assert";
import { DATABASE_AZ_COUNT, instanceAvailabilityZone } from "../../components/data/database";
import { FINAL_SNAPSHOT_SUFFIX_BYTES, uniqueFinalSnapshotIdentifier } from "../../components/naming";
import type { PlanResult } from "../../scripts/offline/engine";
import { input, named, ofType, plan } from "../support";

/** Each Aurora instance's identifier and AZ in a plan. */
function instanceZones(result: PlanResult): Record<string, string> {
    return Object.fromEntries(ofType(result, "aws:rds/clusterInstance:ClusterInstance").map((r) => [input(r, "identifier"), input(r, "availabilityZone")]));
}

describe("replacements that keep the data services running", () => {
    it("places instance i in AZ i mod 2 of the network's first two AZs, whatever the AZ count", () => {
        const zones = ["az-a", "az-c", "az-d", "az-e"];
        assert.equal(DATABASE_AZ_COUNT, 2);
        assert.deepEqual([0, 1, 2, 3, 4].map((i) => instanceAvailabilityZone(i, zones)), ["az-a", "az-c", "az-a", "az-c", "az-a"]);
        for (let count = 2; count <= zones.length; count++) {
            assert.deepEqual([0, 1, 2, 3].map((i) => instanceAvailabilityZone(i, zones.slice(0, count))), ["az-a", "az-c", "az-a", "az-c"], `${count} AZs`);
        }
        assert.equal(instanceAvailabilityZone(1, ["az-a"]), "az-a");
        assert.throws(() => instanceAvailabilityZone(0, []), /at least one availability zone/);
    });

    it("keeps every Aurora instance in its AZ when azCount goes 2 to 3 and 3 to 2", async () => {
        // Three instances: with the AZs spread i mod azCount, the third would move from the first AZ to the third.
        const two = await plan("dev", { azCount: "2", dbInstanceCount: "3" });
        const three = await plan("dev", { azCount: "3", dbInstanceCount: "3" });
        assert.equal((three.outputs.privateSubnetIds as string[]).length, 3, "the network did get a third AZ");
        const [before, after] = [instanceZones(two), instanceZones(three)];
        assert.equal(Object.keys(before).length, 3);
        assert.deepEqual(after, before, "2 -> 3");
        assert.deepEqual(before, after, "3 -> 2");
        // Two AZs used, the writer's first: an AZ outage leaves a reader.
        assert.equal(new Set(Object.values(before)).size, 2);
    });

    it("names the prd final snapshot after a random id drawn with the cluster, so a rebuilt stack's is new", async () => {
        const result = await plan("prd");
        const db = named(result, "database-cluster");
        const suffix = named(result, "database-final-snapshot-suffix");
        assert.equal(suffix.type, "random:index/randomId:RandomId");
        assert.equal(input(suffix, "byteLength"), FINAL_SNAPSHOT_SUFFIX_BYTES);
        // A new cluster identifier draws a new id; the stack's destroy deletes it (neither protected nor retained).
        assert.deepEqual(input(suffix, "keepers"), { clusterIdentifier: input(db, "clusterIdentifier") });
        assert.equal(suffix.protect, false);
        assert.equal(suffix.retainOnDelete, false);
        const [, base, hex] = /^(.*)-([0-9a-f]+)$/.exec(input(db, "finalSnapshotIdentifier")) ?? [];
        assert.equal(hex.length, 2 * FINAL_SNAPSHOT_SUFFIX_BYTES);
        assert.equal(input(db, "finalSnapshotIdentifier"), uniqueFinalSnapshotIdentifier(base, hex));
        // Another draw (a rebuilt stack) is another name.
        assert.notEqual(uniqueFinalSnapshotIdentifier(base, "0123abcd"), uniqueFinalSnapshotIdentifier(base, "89ab4567"));
        assert.throws(() => uniqueFinalSnapshotIdentifier(base, "XYZ"), /lower-case hex/);
        assert.throws(() => uniqueFinalSnapshotIdentifier("a".repeat(250), "0123abcd"), /final snapshot identifier .*wrong length/);
        // dev keeps no snapshot, though it draws the id too (protecting a stack later changes only flags).
        const dev = await plan("dev");
        assert.equal(input(named(dev, "database-cluster"), "finalSnapshotIdentifier"), undefined);
        assert.deepEqual(input(named(dev, "database-final-snapshot-suffix"), "keepers"), { clusterIdentifier: input(named(dev, "database-cluster"), "clusterIdentifier") });
    });
});
