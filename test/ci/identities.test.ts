import { strict as assert } from "assert";
import {
    CI_FINGERPRINT_TAG,
    CI_SESSION_SECONDS,
    CiContext,
    ciChangeProblems,
    ciDefinition,
    ciFingerprint,
    ciRoleOf,
    ciSubjects,
    ciVariables,
    githubOidcProviderArn,
    stateReadStatements,
} from "../../components/ci/policies";
import { callerProblems } from "../../components/cluster/access";
import type { GithubConfig } from "../../components/config/types";
import { ConfigError } from "../../components/errors";
import { statefulNames } from "../../components/naming";
import type { InvokeMock } from "../../scripts/offline/mocks";
import { input, named, ofType, plan, stackConfig, STACKS, waitsFor } from "../support";

const ACCOUNT = "111111111111";
const where = { partition: "aws", region: "ap-northeast-1", accountId: ACCOUNT };
const names = statefulNames("platform-dev").ciRoles;
const github: GithubConfig = {
    repository: "example-org/platform",
    branch: "main",
    oidcProvider: "create",
    backendUrl: "s3://state/platform",
    backend: { kind: "s3", bucket: "state", prefix: "platform" },
    secretsProvider: "awskms://alias/pulumi-secrets?region=eu-west-1",
    secretsKey: { alias: "alias/pulumi-secrets" },
    runner: { label: "ubuntu-latest", inVpc: false, egressCidrs: [] },
};
const ctx: CiContext = { where, stack: "dev", destroyable: true, github, names, ecrPrefix: "platform-dev" };
const session = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/GitHubActions`;

/** The account the offline plan's mocks answer for. */
const PLAN_ACCOUNT = "123456789012";

/** Runs the program as one of CI's roles, against a cluster that exists, its deploy role tagged as `applied`. */
function asCi(role: string, applied: string | undefined): Record<string, InvokeMock> {
    return {
        "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: PLAN_ACCOUNT, arn: `arn:aws:sts::${PLAN_ACCOUNT}:assumed-role/${role}/GitHubActions`, userId: `AROA:${role}`, id: PLAN_ACCOUNT }),
        "aws:eks/getClusters:getClusters": () => ({ names: ["platform-dev"], id: "ap-northeast-1" }),
        "aws:iam/getRole:getRole": (inputs) => ({ name: inputs.name, arn: `arn:aws:iam::${PLAN_ACCOUNT}:role/${inputs.name}`, tags: applied ? { [CI_FINGERPRINT_TAG]: applied } : {}, id: inputs.name }),
    };
}

describe("CI identities: the rules", () => {
    it("trusts, per role, exact subs of the repository: pull requests, the default branch, the stack's environment (and its destroy environment where CI may destroy)", () => {
        assert.deepEqual(ciSubjects(github, "prd"), {
            preview: ["repo:example-org/platform:pull_request"],
            images: ["repo:example-org/platform:ref:refs/heads/main"],
            deploy: ["repo:example-org/platform:environment:prd"],
        });
        assert.deepEqual(ciSubjects(github, "dev", true).deploy, ["repo:example-org/platform:environment:dev", "repo:example-org/platform:environment:dev-destroy"]);
        const def = ciDefinition(ctx);
        for (const role of ["preview", "images", "deploy"] as const) {
            const [statement] = def.roles[role].trust.Statement;
            assert.deepEqual(statement.Principal, { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` });
            assert.deepEqual(statement.Condition, {
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": role === "deploy" ? [...ciSubjects(github, "dev", true).deploy] : ciSubjects(github, "dev")[role][0] },
            });
            assert.equal(def.roles[role].maxSessionDuration, CI_SESSION_SECONDS[role]);
        }
        assert.deepEqual(CI_SESSION_SECONDS, { preview: 3600, images: 3600, deploy: 7200 });
    });

    it("grants the preview reading, the images role its stack's repositories, the deploy role the platform's IAM but never CI's own roles", () => {
        const def = ciDefinition(ctx);
        assert.deepEqual(def.roles.preview.managedPolicyArns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert.deepEqual(def.roles.images.managedPolicyArns, []);
        assert.deepEqual(def.roles.deploy.managedPolicyArns, ["arn:aws:iam::aws:policy/PowerUserAccess"]);
        const push = def.roles.images.policy!.Statement.find((s) => s.Sid === "PushAppImages")!;
        assert.equal(push.Resource, `arn:aws:ecr:ap-northeast-1:${ACCOUNT}:repository/platform-dev/*`);
        assert.ok((push.Action as string[]).includes("ecr:PutImage") && !(push.Action as string[]).some((a) => a.includes("Delete")));
        const deny = def.roles.deploy.policy!.Statement.filter((s) => s.Effect === "Deny");
        assert.deepEqual(
            deny.map((s) => s.Resource),
            [["platform-dev-ci-preview", "platform-dev-ci-images", "platform-dev-ci-deploy"].map((n) => `arn:aws:iam::${ACCOUNT}:role/${n}`), githubOidcProviderArn(where)],
        );
        for (const action of ["iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DetachRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]) {
            assert.ok((deny[0].Action as string[]).includes(action), action);
        }
        // No Allow grants a wildcard action (the policy pack's iam-no-wildcard-action).
        for (const role of Object.values(def.roles)) {
            for (const s of role.policy?.Statement ?? []) if (s.Effect === "Allow") assert.ok(![s.Action].flat().some((a) => a.includes("*")), `${role.name}: ${s.Action}`);
        }
        assert.deepEqual(
            [def.roles.preview.accessPolicyArn, def.roles.images.accessPolicyArn, def.roles.deploy.accessPolicyArn],
            ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy", undefined, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"],
        );
    });

    it("reads the state where it is: an S3 prefix, the secrets key by alias, id or ARN (in the URL's region); Pulumi Cloud needs nothing", () => {
        const s3 = stateReadStatements(where, github);
        assert.deepEqual(s3.map((s) => s.Resource), ["arn:aws:s3:::state", "arn:aws:s3:::state/platform/.pulumi/*", `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`]);
        assert.deepEqual(s3[2].Condition, { "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/pulumi-secrets" } });
        const id = "0f6f1c9e-1111-4a4a-9b9b-123456789abc";
        assert.equal(stateReadStatements(where, { ...github, secretsProvider: `awskms://${id}`, secretsKey: { keyId: id } }).at(-1)!.Resource, `arn:aws:kms:ap-northeast-1:${ACCOUNT}:key/${id}`);
        const arn = `arn:aws:kms:us-east-1:222222222222:key/${id}`;
        assert.equal(stateReadStatements(where, { ...github, secretsProvider: `awskms:///${arn}`, secretsKey: { keyArn: arn } }).at(-1)!.Resource, arn);
        const cloud = { ...github, backendUrl: "https://api.pulumi.com", backend: { kind: "cloud", url: "https://api.pulumi.com" } as const, secretsProvider: "", secretsKey: undefined };
        assert.deepEqual(stateReadStatements(where, cloud), []);
        assert.equal(ciDefinition({ ...ctx, github: cloud }).roles.preview.policy, undefined);
    });

    it("fingerprints what CI's identities are: equal for equal config, another for another repository, branch or backend", () => {
        const base = ciFingerprint(ciDefinition(ctx));
        assert.match(base, /^[0-9a-f]{16}$/);
        assert.equal(ciFingerprint(ciDefinition({ ...ctx })), base);
        assert.equal(ciFingerprint(ciDefinition({ ...ctx, github: { ...github, runner: { ...github.runner, label: "bigger" } } })), base, "the runner is no part of an identity");
        for (const changed of [{ repository: "example-org/other" }, { branch: "trunk" }, { backend: { kind: "s3", bucket: "other", prefix: "" } as const }]) {
            assert.notEqual(ciFingerprint(ciDefinition({ ...ctx, github: { ...github, ...changed } })), base, JSON.stringify(changed));
        }
    });

    it("refuses a run by CI that would change CI's identities, and says who applies it; a person's run is never refused", () => {
        const admin = "arn:aws:iam::111111111111:role/PlatformAdmin";
        assert.deepEqual(ciChangeProblems(undefined, "a", "b", "platform:github", admin), []);
        assert.deepEqual(ciChangeProblems("deploy", "a", "a", "platform:github", admin), []);
        const [changed] = ciChangeProblems("preview", "a", "b", "platform:github", admin);
        assert.match(changed, /^platform:github: this change alters CI's own identities .*definition a, applied b.*no deploy can weaken the role that runs it: apply it with a local `pulumi up` as an administrator \(arn:aws:iam::111111111111:role\/PlatformAdmin\)/);
        assert.match(ciChangeProblems("deploy", undefined, "a", "platform:github", admin)[0], /^platform:github: is \{\} while CI's deploy role runs this: that would delete CI's roles/);
        assert.match(ciChangeProblems("deploy", "a", undefined, "platform:github", undefined)[0], /applied none.*the first of clusterAdminArns/);
    });

    it("knows CI's roles by name in the stack's account, from a session or the role's ARN", () => {
        assert.equal(ciRoleOf(session("platform-dev-ci-deploy"), names, ACCOUNT), "deploy");
        assert.equal(ciRoleOf(`arn:aws:iam::${ACCOUNT}:role/ci/platform-dev-ci-preview`, names, ACCOUNT), "preview");
        assert.equal(ciRoleOf(session("platform-prd-ci-deploy"), names, ACCOUNT), undefined);
        assert.equal(ciRoleOf("arn:aws:sts::999999999999:assumed-role/platform-dev-ci-deploy/x", names, ACCOUNT), undefined);
        assert.equal(ciRoleOf(`arn:aws:iam::${ACCOUNT}:user/platform-dev-ci-deploy`, names, ACCOUNT), undefined);
    });

    it("lets the deploy role update, never create, the cluster; the preview role only preview; the images role never run the program", () => {
        const key = "platform:clusterAdminArns";
        const admins = ["arn:aws:iam::111111111111:role/PlatformAdmin"];
        const arn = session("x");
        assert.deepEqual(callerProblems(arn, admins, true, key, { role: "deploy", dryRun: false }), []);
        assert.match(callerProblems(arn, admins, false, key, { role: "deploy", dryRun: false })[0], /this run creates the cluster, which CI's deploy role never does .*run it once by hand as "arn:aws:iam::111111111111:role\/PlatformAdmin"/);
        assert.deepEqual(callerProblems(arn, admins, true, key, { role: "preview", dryRun: true }), []);
        assert.deepEqual(callerProblems(arn, admins, false, key, { role: "preview", dryRun: true }), [], "a preview before the first up shows what it would create");
        assert.match(callerProblems(arn, admins, true, key, { role: "preview", dryRun: false })[0], /CI's preview role .* is read-only: it runs pulumi preview, never an update/);
        assert.match(callerProblems(arn, admins, true, key, { role: "images", dryRun: true })[0], /CI's images role .* never runs the program/);
    });

    it("names the repository variables after the stack, and leaves out an empty secrets provider", () => {
        const arns = { preview: "p", images: "i", deploy: "d" };
        assert.deepEqual(ciVariables("qa-eu.1", "eu-west-1", arns, { ...github, secretsProvider: "" }), {
            AWS_REGION_QA_EU_1: "eu-west-1",
            AWS_PREVIEW_ROLE_ARN_QA_EU_1: "p",
            AWS_IMAGES_ROLE_ARN_QA_EU_1: "i",
            AWS_DEPLOY_ROLE_ARN_QA_EU_1: "d",
            CI_RUNNER_QA_EU_1: "ubuntu-latest",
            PULUMI_BACKEND_URL_QA_EU_1: "s3://state/platform",
        });
    });
});

describe("CI identities: the plan", () => {
    for (const stack of STACKS) {
        it(`${stack}: creates the three roles and the OIDC provider, protected, as the rules say, with Kubernetes access that workloads wait for`, async () => {
            const result = await plan(stack);
            const config = stackConfig(stack);
            if (!config.github) return;
            const account = String(result.outputs.ciRoles && (result.outputs.ciRoles as Record<string, string>).deploy).split(":")[4];
            const def = ciDefinition({ where: { partition: "aws", region: config.aws.region, accountId: account }, stack, destroyable: !config.protect, github: config.github, names: statefulNames(`platform-${stack}`).ciRoles, ecrPrefix: `platform-${stack}` });
            for (const role of ["preview", "images", "deploy"] as const) {
                const r = named(result, `ci-${role}`);
                assert.equal(r.protect, true);
                assert.deepEqual(JSON.parse(input(r, "assumeRolePolicy")), def.roles[role].trust);
                assert.equal(input(r, "maxSessionDuration"), def.roles[role].maxSessionDuration);
                assert.equal(input(r, "name"), def.roles[role].name);
            }
            assert.deepEqual(input(named(result, "ci-deploy"), "tags"), { [CI_FINGERPRINT_TAG]: ciFingerprint(def) });
            assert.equal(named(result, "ci-github-oidc").protect, true);
            assert.ok(ofType(result, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name.startsWith("ci-")).every((r) => r.protect));
            // Access: the deploy role administers, the preview role views; the provider and every workload wait for both.
            const deploy = named(result, "cluster-access-deploy-policy");
            const preview = named(result, "cluster-access-preview-policy");
            assert.equal(input(deploy, "policyArn"), def.roles.deploy.accessPolicyArn);
            assert.equal(input(preview, "policyArn"), def.roles.preview.accessPolicyArn);
            for (const dependent of [named(result, "cluster-k8s"), named(result, "argocd-namespace")]) {
                assert.ok(waitsFor(result, dependent, deploy) && waitsFor(result, dependent, preview), dependent.name);
            }
            assert.equal(deploy.protect, false, "a destroy removes the cluster with its entries");
        });
    }

    it("with github {}: no CI identity, access entry or output", async () => {
        const result = await plan("dev", { github: "{}" });
        assert.deepEqual(result.resources.filter((r) => r.name.startsWith("ci") || r.name.startsWith("cluster-access")), []);
        assert.equal(result.outputs.ciRoles, undefined);
        assert.equal(result.outputs.ciVariables, undefined);
    });

    it("uses the account's existing GitHub OIDC provider when told to, by its ARN", async () => {
        const dev = JSON.parse(stackConfigRaw("dev"));
        const result = await plan("dev", { github: JSON.stringify({ ...dev, oidcProvider: "existing" }) });
        assert.equal(ofType(result, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
        assert.match(JSON.parse(input(named(result, "ci-deploy"), "assumeRolePolicy")).Statement[0].Principal.Federated, /:oidc-provider\/token\.actions\.githubusercontent\.com$/);
    });

    it("admits a runner inside the VPC to the API on 443 from its subnets", async () => {
        const dev = JSON.parse(stackConfigRaw("dev"));
        const result = await plan("dev", { endpointPrivateAccess: "true", github: JSON.stringify({ ...dev, runner: { label: "in-vpc", inVpc: true, egressCidrs: ["10.10.128.0/24"] } }) });
        const rule = named(result, "cluster-api-client-0");
        assert.deepEqual([input(rule, "cidrIpv4"), input(rule, "fromPort"), input(rule, "toPort"), input(rule, "ipProtocol")], ["10.10.128.0/24", 443, 443, "tcp"]);
        assert.equal((await plan("dev")).resources.some((r) => r.name.startsWith("cluster-api-client")), false);
    });

    describe("runs by CI's own roles", () => {
        let applied: string;
        before(async () => {
            const result = await plan("dev");
            applied = input(named(result, "ci-deploy"), "tags")[CI_FINGERPRINT_TAG];
        });

        it("the deploy role updates the stack when CI's identities are as applied", async () => {
            const result = await plan("dev", {}, asCi("platform-dev-ci-deploy", applied));
            assert.ok(result.resources.length > 100);
        });

        it("the deploy role refuses, before anything is registered, an update that changes CI's identities, or removes them", async () => {
            const other = { github: JSON.stringify({ ...JSON.parse(stackConfigRaw("dev")), repository: "example-org/elsewhere" }) };
            await assert.rejects(plan("dev", other, asCi("platform-dev-ci-deploy", applied)), (err: unknown) => err instanceof ConfigError && /^platform:github: this change alters CI's own identities/.test(err.problems[0]));
            await assert.rejects(plan("dev", { github: "{}" }, asCi("platform-dev-ci-deploy", applied)), (err: unknown) => err instanceof ConfigError && /would delete CI's roles/.test(err.problems[0]));
            await assert.rejects(plan("dev", {}, asCi("platform-dev-ci-deploy", undefined)), (err: unknown) => err instanceof ConfigError && /applied none/.test(err.problems[0]));
        });

        it("the preview role previews, and its preview shows the refusal of a change CI may not apply; it never updates", async () => {
            const result = await plan("dev", {}, asCi("platform-dev-ci-preview", applied), true);
            assert.ok(result.resources.length > 100);
            const other = { github: JSON.stringify({ ...JSON.parse(stackConfigRaw("dev")), branch: "trunk" }) };
            await assert.rejects(plan("dev", other, asCi("platform-dev-ci-preview", applied), true), (err: unknown) => err instanceof ConfigError && /alters CI's own identities/.test(err.message));
            await assert.rejects(plan("dev", {}, asCi("platform-dev-ci-preview", applied)), (err: unknown) => err instanceof ConfigError && /read-only/.test(err.message));
        });
    });
});

/** The stack file's `github` value as the config holds it (JSON). */
function stackConfigRaw(stack: string): string {
    const value = stackConfig(stack).github;
    assert.ok(value, `${stack} sets github`);
    return JSON.stringify({ repository: value.repository, branch: value.branch, oidcProvider: value.oidcProvider, backendUrl: value.backendUrl, secretsProvider: value.secretsProvider, runner: value.runner });
}
