import { strict as assert } from "assert";
import { accessEntryArns, callerPrincipalArn, callerProblems, clusterCreatorArn, declaredAdmin } from "../../components/cluster/access";
import { ConfigError } from "../../components/errors";
import { callerArnOf } from "../../scripts/offline/mocks";
import { input, named, plan, stackConfig, STACKS } from "../support";

const KEY = "platform:clusterAdminArns";
const ADMIN = "arn:aws:iam::111111111111:role/PlatformAdmin";
const CI = "arn:aws:iam::111111111111:role/ci/Deployer";
const session = (role: string, account = "111111111111") => `arn:aws:sts::${account}:assumed-role/${role}/someone@example.com`;

describe("cluster access", () => {
    it("turns an assumed-role session into its role's ARN; users and root stay as they are", () => {
        assert.equal(callerPrincipalArn(session("PlatformAdmin")), ADMIN);
        assert.equal(callerPrincipalArn("arn:aws-cn:sts::111111111111:assumed-role/Ops/s"), "arn:aws-cn:iam::111111111111:role/Ops");
        assert.equal(callerPrincipalArn("arn:aws:iam::111111111111:user/alice"), "arn:aws:iam::111111111111:user/alice");
        assert.equal(callerPrincipalArn("arn:aws:iam::111111111111:root"), "arn:aws:iam::111111111111:root");
    });

    it("matches a caller to a declared ARN by account and role name, paths included, users exactly", () => {
        assert.equal(declaredAdmin(session("PlatformAdmin"), [CI, ADMIN]), ADMIN);
        // The session ARN drops the role's path (ci/): the declared ARN keeps it.
        assert.equal(declaredAdmin(session("Deployer"), [ADMIN, CI]), CI);
        assert.equal(declaredAdmin(session("PlatformAdmin", "222222222222"), [ADMIN]), undefined, "another account");
        assert.equal(declaredAdmin(session("Platform"), [ADMIN]), undefined, "another role");
        assert.equal(declaredAdmin("arn:aws:iam::111111111111:user/PlatformAdmin", [ADMIN]), undefined, "a user of the role's name");
        assert.equal(declaredAdmin("arn:aws:iam::111111111111:user/alice", ["arn:aws:iam::111111111111:user/alice"]), "arn:aws:iam::111111111111:user/alice");
        assert.equal(declaredAdmin(session("PlatformAdmin"), []), undefined);
    });

    it("declares the creator as the first admin: it gets no access entry, every other admin gets one", () => {
        assert.equal(clusterCreatorArn([ADMIN, CI]), ADMIN);
        assert.equal(clusterCreatorArn([]), undefined);
        assert.deepEqual(accessEntryArns([ADMIN, CI]), [CI]);
        assert.deepEqual(accessEntryArns([ADMIN]), []);
    });

    it("refuses an undeclared caller naming the key and the ARN to add; only the creator may create the cluster", () => {
        const [undeclared] = callerProblems(session("Laptop"), [ADMIN, CI], true, KEY);
        assert.match(undeclared, /^platform:clusterAdminArns: /);
        assert.ok(undeclared.includes(`add "arn:aws:iam::111111111111:role/Laptop" to platform:clusterAdminArns`), undeclared);
        assert.ok(undeclared.includes(session("Laptop")), undeclared);
        assert.deepEqual(callerProblems(session("PlatformAdmin"), [ADMIN, CI], false, KEY), []);
        assert.deepEqual(callerProblems(session("Deployer"), [ADMIN, CI], true, KEY), [], "any declared admin updates an existing cluster");
        const [notCreator] = callerProblems(session("Deployer"), [ADMIN, CI], false, KEY);
        assert.ok(notCreator.includes(`run it as the first ARN, "${ADMIN}", or put "${CI}" first`), notCreator);
        assert.equal(callerProblems(session("PlatformAdmin"), [], false, KEY).length, 1, "nobody declared: nobody runs");
    });

    for (const stack of STACKS) {
        it(`${stack}: the offline plan runs as the stack's declared creator`, () => {
            const config = stackConfig(stack);
            const caller = callerArnOf({ allowedAccountIds: JSON.stringify(config.aws.allowedAccountIds) });
            assert.equal(declaredAdmin(caller, config.cluster.adminArns), clusterCreatorArn(config.cluster.adminArns));
            assert.deepEqual(callerProblems(caller, config.cluster.adminArns, false, KEY), []);
        });
    }

    it("gives every declared admin but the creator a cluster-admin access entry", async () => {
        const result = await plan("dev", { clusterAdminArns: JSON.stringify([ADMIN, CI, "arn:aws:iam::111111111111:user/alice"]) });
        const entries = input(named(result, "cluster-eks"), "accessEntries");
        assert.deepEqual(Object.fromEntries(Object.entries<any>(entries).map(([k, v]) => [k, v.principalArn])), {
            "admin-role-ci-deployer": CI,
            "admin-user-alice": "arn:aws:iam::111111111111:user/alice",
        });
        for (const entry of Object.values<any>(entries)) {
            assert.deepEqual(entry.accessPolicies.admin, { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } });
        }
    });

    it("lets a declared admin other than the creator update an existing cluster, and refuses it a new one", async () => {
        const admins = { clusterAdminArns: JSON.stringify([ADMIN, CI]) };
        const asCi = { "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "123456789012", arn: session("Deployer"), userId: "AROA:ci", id: "123456789012" }) };
        const exists = { "aws:eks/getClusters:getClusters": () => ({ names: ["other", "platform-dev"], id: "ap-northeast-1" }) };
        const result = await plan("dev", admins, { ...asCi, ...exists });
        assert.deepEqual(Object.values<any>(input(named(result, "cluster-eks"), "accessEntries")).map((e) => e.principalArn), [CI]);
        await assert.rejects(plan("dev", admins, asCi), (err: unknown) => err instanceof ConfigError && /this run creates the cluster/.test(err.message));
    });
});
