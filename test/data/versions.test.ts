import { strict as assert } from "assert";
import { AURORA_POSTGRES_VERSIONS, engineUpgradePlan, engineVersionProblem, parameterGroupFamily, psqlImage } from "../../components/data/aurora";
import { CONFIG_SCHEMA } from "../../components/config/schema";
import { STACKS, input, named, ofType, plan, stackConfig } from "../support";

/** The psql image of every bootstrap Job of a plan. */
function jobImages(result: Awaited<ReturnType<typeof plan>>): string[] {
    return ofType(result, "kubernetes:batch/v1:Job").map((job) => input(job, "spec.template.spec.containers")[0].image);
}

describe("Aurora versions and upgrades", () => {
    it("accepts a major or a known major.minor, and names the known ones otherwise", () => {
        for (const v of ["13", "16", "17", "16.6", "16.10", "17.4"]) assert.equal(engineVersionProblem(v), undefined, v);
        assert.match(engineVersionProblem("16.7")!, /^"16\.7" is no Aurora PostgreSQL 16 release; known minors: 16\.1, .*16\.10, or "16" for the current one/);
        assert.match(engineVersionProblem("18")!, /^"18" is no Aurora PostgreSQL major the platform supports: 13, 14, 15, 16, 17$/);
        assert.match(engineVersionProblem("v16")!, /^must be an Aurora PostgreSQL major \("16": Aurora keeps the minor current\) or major\.minor/);
    });

    it("lets Aurora upgrade minors unless one is pinned, allows major upgrades, and applies at once only in an unprotected stack", () => {
        assert.deepEqual(engineUpgradePlan("16", true), { engineVersion: "16", autoMinorVersionUpgrade: true, allowMajorVersionUpgrade: true, applyImmediately: false });
        assert.deepEqual(engineUpgradePlan("16.6", false), { engineVersion: "16.6", autoMinorVersionUpgrade: false, allowMajorVersionUpgrade: true, applyImmediately: true });
    });

    it("gives the bootstrap Job the psql of the engine's major, for every major", () => {
        for (const [major, known] of Object.entries(AURORA_POSTGRES_VERSIONS)) {
            assert.match(known.psqlImage, new RegExp(`^public\\.ecr\\.aws/docker/library/postgres:${major}\\.\\d+-bookworm$`), major);
            assert.equal(psqlImage(major), known.psqlImage);
            assert.equal(psqlImage(`${major}.${known.minors[0]}`), known.psqlImage);
        }
        assert.throws(() => psqlImage("12"), /^Error: dbEngineVersion: no psql image for "12"; majors 13, 14, 15, 16, 17/);
    });

    it("ships a major, so minor upgrades by AWS never show as a diff", () => {
        assert.equal(CONFIG_SCHEMA.dbEngineVersion.default, "16");
        for (const stack of STACKS) assert.equal(stackConfig(stack).database.engineVersion, "16", stack);
    });

    for (const stack of STACKS) {
        it(`${stack}: the cluster allows major upgrades, applies ${stack === "dev" ? "at once" : "in the maintenance window"}, and the jobs run the engine's psql`, async () => {
            const result = await plan(stack);
            const config = stackConfig(stack);
            const db = named(result, "database-cluster");
            assert.equal(input(db, "engineVersion"), config.database.engineVersion);
            assert.equal(input(db, "allowMajorVersionUpgrade"), true);
            assert.equal(input(db, "applyImmediately"), !config.protect);
            for (const i of ofType(result, "aws:rds/clusterInstance:ClusterInstance")) {
                assert.equal(input(i, "engineVersion"), undefined, `${i.name} must follow its cluster's version`);
                assert.equal(input(i, "autoMinorVersionUpgrade"), true, i.name);
                assert.equal(input(i, "applyImmediately"), !config.protect, i.name);
            }
            const family = parameterGroupFamily(config.database.engineVersion);
            assert.equal(input(named(result, `database-params-${family}`), "family"), family);
            const images = jobImages(result);
            assert.ok(images.length > 0, "no bootstrap Job planned");
            for (const image of images) assert.equal(image, psqlImage(config.database.engineVersion));
        });
    }

    it("a major version change plans the new family's group, the cluster on it, and the new psql; the old group goes", async () => {
        const before = await plan("dev");
        const after = await plan("dev", { dbEngineVersion: "17" });
        const group = named(after, "database-params-aurora-postgresql17");
        assert.equal(input(group, "family"), "aurora-postgresql17");
        assert.equal(after.resources.filter((r) => r.name.startsWith("database-params-")).length, 1);
        const db = named(after, "database-cluster");
        assert.equal(db.urn, named(before, "database-cluster").urn, "the cluster is the same resource, upgraded in place");
        assert.equal(input(db, "engineVersion"), "17");
        assert.equal(input(db, "allowMajorVersionUpgrade"), true);
        assert.ok(db.dependencies.includes(group.urn), "the cluster must wait for the new group");
        for (const image of jobImages(after)) assert.equal(image, psqlImage("17"));
    });

    it("a pinned minor turns the instances' automatic minor upgrades off", async () => {
        const result = await plan("dev", { dbEngineVersion: "16.6" });
        assert.equal(input(named(result, "database-cluster"), "engineVersion"), "16.6");
        for (const i of ofType(result, "aws:rds/clusterInstance:ClusterInstance")) assert.equal(input(i, "autoMinorVersionUpgrade"), false, i.name);
    });
});
