import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { POLICIES } from "../../policy/policies";
import { enforcementLevels, policyViolations } from "../../scripts/offline/policy";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, plan, stackConfig } from "../support";

/** The violations one policy reports for a resource. */
function violations(policy: string, type: string, props: Record<string, unknown>): string[] {
    const found = POLICIES.find((p) => p.name === policy) ?? assert.fail(`no policy ${policy}`);
    const reported: string[] = [];
    const args = { type, props, urn: `urn:pulumi:test::platform::${type}::r`, name: "r" } as unknown as ResourceValidationArgs;
    for (const validate of [found.validateResource ?? []].flat()) void validate(args, (message) => reported.push(message));
    return reported;
}

const levels = (stack: string) => enforcementLevels(stack);
const check = policyViolations;

const IRSA_TRUST = (conditions: object) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: "arn:aws:iam::1:oidc-provider/x" }, Action: "sts:AssumeRoleWithWebIdentity", Condition: conditions }],
    });
const ISSUER = "oidc.eks.ap-northeast-1.amazonaws.com/id/ABC";

describe("policy pack", () => {
    const cases: [string, string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
        ["aws-account-pinned", "pulumi:providers:aws", { allowedAccountIds: '["222222222222"]' }, { allowedAccountIds: "[]" }, /allowedAccountIds must name this stack's account/],
        ["aws-account-pinned", "pulumi:providers:aws", { allowedAccountIds: ["222222222222"] }, {}, /allowedAccountIds must name this stack's account/],
        ["aurora-storage-encrypted", "aws:rds/cluster:Cluster", { storageEncrypted: true }, { storageEncrypted: false }, /storageEncrypted must be true/],
        ["aurora-protected", "aws:rds/cluster:Cluster", { deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 14 }, { deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 1 }, /backupRetentionPeriod must be at least 7 days \(got 1\)/],
        ["aurora-protected", "aws:rds/cluster:Cluster", { deletionProtection: true, backupRetentionPeriod: 7 }, { deletionProtection: false, backupRetentionPeriod: 7 }, /deletionProtection must be true/],
        ["aurora-protected", "aws:rds/cluster:Cluster", { deletionProtection: true, backupRetentionPeriod: 7 }, { deletionProtection: true, skipFinalSnapshot: true, backupRetentionPeriod: 7 }, /skipFinalSnapshot must be false/],
        ["aurora-not-public", "aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: false }, { publiclyAccessible: true }, /publiclyAccessible must be false/],
        ["efs-encrypted", "aws:efs/fileSystem:FileSystem", { encrypted: true }, {}, /encrypted must be true/],
        ["ecr-scan-immutable", "aws:ecr/repository:Repository", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" }, { imageScanningConfiguration: { scanOnPush: true } }, /imageTagMutability must be IMMUTABLE \(got "MUTABLE"\)/],
        ["ecr-scan-immutable", "aws:ecr/repository:Repository", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" }, { imageTagMutability: "IMMUTABLE" }, /scanOnPush must be true/],
        ["eks-secrets-encryption", "eks:index:Cluster", { encryptionConfigKeyArn: "arn:aws:kms:x" }, {}, /Secrets must be encrypted/],
        ["eks-secrets-encryption", "aws:eks/cluster:Cluster", { encryptionConfig: { provider: { keyArn: "arn:aws:kms:x" }, resources: ["secrets"] } }, { encryptionConfig: { provider: { keyArn: "arn" }, resources: [] } }, /Secrets must be encrypted/],
        ["eks-control-plane-logging", "eks:index:Cluster", { enabledClusterLogTypes: ["api", "audit", "authenticator"] }, { enabledClusterLogTypes: ["api"] }, /must include audit, authenticator/],
        ["eks-endpoint-restricted", "eks:index:Cluster", { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }, { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }, /admits 0\.0\.0\.0\/0/],
        ["eks-endpoint-restricted", "aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: false } }, { vpcConfig: {} }, /admits 0\.0\.0\.0\/0/],
        ["kms-key-rotation", "aws:kms/key:Key", { enableKeyRotation: true }, { enableKeyRotation: false }, /enableKeyRotation must be true/],
        ["irsa-trust-exact", "aws:iam/role:Role", { assumeRolePolicy: IRSA_TRUST({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:app-chat:chat", [`${ISSUER}:aud`]: "sts.amazonaws.com" } }) }, { assumeRolePolicy: IRSA_TRUST({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:app-chat:chat" } }) }, /must require StringEquals on <issuer>:aud/],
        ["irsa-trust-exact", "aws:iam/role:Role", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "eks-fargate-pods.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }, { assumeRolePolicy: IRSA_TRUST({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:app-*:*", [`${ISSUER}:aud`]: "sts.amazonaws.com" } }) }, /:sub must not contain wildcards/],
        ["iam-no-wildcard-action", "aws:iam/rolePolicy:RolePolicy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }] }) }, { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:Get*"], Resource: "*" }] }) }, /Action "s3:Get\*" is a wildcard/],
        ["iam-no-wildcard-action", "aws:iam/role:Role", { inlinePolicies: [{ policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }) }] }, { inlinePolicies: [{ policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }] }, /Action "\*" is a wildcard/],
        ["security-group-no-open-ingress", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { referencedSecurityGroupId: "sg-1", fromPort: 5432, toPort: 5432 }, { cidrIpv4: "0.0.0.0/0", fromPort: 5432, toPort: 5432 }, /Ingress from the whole internet on ports 5432-5432/],
        ["security-group-no-open-ingress", "aws:ec2/securityGroup:SecurityGroup", { tags: { "elbv2.k8s.aws/cluster": "platform-prd" }, ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 443, toPort: 443 }] }, { ingress: [{ ipv6CidrBlocks: ["::/0"], fromPort: 443, toPort: 443 }] }, /Ingress from the whole internet on ports 443-443/],
        ["security-group-no-open-ingress", "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", cidrBlocks: ["0.0.0.0/0"], fromPort: 0, toPort: 0 }, { type: "ingress", cidrBlocks: ["0.0.0.0/0"], fromPort: 22, toPort: 22 }, /ports 22-22/],
    ];
    for (const [policy, type, good, bad, message] of cases) {
        it(`${policy}: passes a compliant ${type} and reports ${message.source}`, () => {
            assert.deepEqual(violations(policy, type, good), []);
            const found = violations(policy, type, bad);
            assert.ok(found.some((m) => message.test(m)), `expected ${message} in ${JSON.stringify(found)}`);
        });
    }

    it("ignores resources of other types, and documents with nothing to check", () => {
        for (const policy of POLICIES) {
            assert.deepEqual(violations(policy.name, "aws:s3/bucket:Bucket", { storageEncrypted: false, encrypted: false }), [], policy.name);
        }
        assert.deepEqual(violations("irsa-trust-exact", "aws:iam/role:Role", {}), []);
        assert.deepEqual(violations("iam-no-wildcard-action", "aws:iam/rolePolicy:RolePolicy", {}), []);
    });

    it("names every policy once, mandatory unless a stack's config relaxes it (pins the shipped dev and prd levels)", () => {
        const names = POLICIES.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        assert.ok(POLICIES.every((p) => p.enforcementLevel === "mandatory"));
        assert.ok(Object.values(levels("prd")).every((l) => l === "mandatory"));
        assert.deepEqual(Object.entries(levels("dev")).filter(([, l]) => l !== "mandatory"), [["aurora-protected", "disabled"], ["eks-endpoint-restricted", "advisory"]]);
        for (const stack of STACKS) {
            const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policy", `${stack}.json`), "utf8"));
            for (const key of Object.keys(config)) assert.ok(key === "all" || names.includes(key), `${stack}.json: unknown policy ${key}`);
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: the planned stack passes every policy at its enforcement level`, async () => {
            const found = check(await plan(stack), levels(stack));
            assert.deepEqual(found.mandatory, []);
            // A stack whose endpoint is open on purpose (dev: hosted CI runners have no fixed address) makes it a warning.
            const open = stackConfig(stack).cluster.publicAccessCidrs.includes("0.0.0.0/0") && levels(stack)["eks-endpoint-restricted"] === "advisory";
            assert.deepEqual(found.advisory, open ? ["eks-endpoint-restricted: cluster-eks: The public endpoint admits 0.0.0.0/0: list the CIDRs that may reach it (publicAccessCidrs) or turn it off."] : []);
        });
    }

    it("would stop dev's settings in prd: the prd levels fail the dev plan", async () => {
        const found = check(await plan("dev"), levels("prd"));
        const policies = [...new Set(found.mandatory.map((v) => v.split(":")[0]))].sort();
        assert.deepEqual(policies, ["aurora-protected", "eks-endpoint-restricted"]);
    });
});
