import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inspect } from "util";
import { loadConfig } from "../../components/config/load";
import { readStackFile } from "../../components/config/stack-file";
import { ConfigError } from "../../components/errors";
import { REPO_ROOT, SECRET_PLACEHOLDER, readStackConfig } from "../../scripts/offline/stack-config";
import { withChanges } from "../support";

const dev = readStackConfig("dev");
const prd = readStackConfig("prd");

/** Loads dev's config with some keys changed; returns the problems (none when valid). */
function problemsWith(changes: Record<string, string | undefined>): readonly string[] {
    try {
        const config = withChanges(dev, changes);
        loadConfig(config.values, config.project, "dev");
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}

const list = (...items: string[]) => JSON.stringify(items);
/** dev's `github`, for rows that change one of its fields. */
const devGithub = JSON.parse(dev.values["platform:github"]) as Record<string, unknown>;
const existingVpc = {
    existingVpcId: "vpc-0123456789abcdef0",
    // dev sets these for the VPC it creates; they mean nothing with an existing one.
    vpcCidr: undefined,
    azCount: undefined,
    natGateways: undefined,
    existingPrivateSubnetIds: list("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
};

describe("stack config loader", () => {
    it("loads dev and prd into typed, frozen config", () => {
        const d = loadConfig(dev.values, dev.project, "dev");
        const p = loadConfig(prd.values, prd.project, "prd");
        assert.deepEqual(d.network, { kind: "create", cidr: "10.10.0.0/16", azCount: 2, natGateways: "single", flowLogs: false });
        assert.deepEqual(p.network, { kind: "create", cidr: "10.20.0.0/16", azCount: 3, natGateways: "perAz", flowLogs: true });
        assert.equal(d.cluster.name, "platform-dev");
        assert.equal(p.protect, true);
        assert.equal(d.protect, false);
        assert.deepEqual(p.cluster.logTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.ok(Object.isFrozen(p) && Object.isFrozen(p.cluster) && Object.isFrozen(p.cluster.adminArns));
        assert.throws(() => ((p.cluster.adminArns as string[]).push("x")), TypeError);
    });

    it("reads github: the shipped stacks' CI, {} for none, and every path to the API it accepts", () => {
        const d = loadConfig(dev.values, dev.project, "dev");
        const p = loadConfig(prd.values, prd.project, "prd");
        assert.deepEqual(d.github, {
            repository: "example-org/platform",
            branch: "main",
            oidcProvider: "create",
            backendUrl: "s3://example-org-platform-state-dev",
            backend: { kind: "s3", bucket: "example-org-platform-state-dev", prefix: "" },
            secretsProvider: "awskms://alias/pulumi-secrets?region=ap-northeast-1",
            secretsKey: { alias: "alias/pulumi-secrets" },
            runner: { label: "ubuntu-latest", inVpc: false, egressCidrs: [] },
        });
        assert.deepEqual(p.github?.runner, { label: "platform-prd", inVpc: false, egressCidrs: ["198.51.100.0/28"] });
        assert.ok(p.cluster.publicAccessCidrs.includes("198.51.100.0/28"), "prd's endpoint admits its runner");
        const load = (changes: Record<string, string | undefined>) => {
            const c = withChanges(dev, changes);
            return loadConfig(c.values, c.project, "dev");
        };
        assert.equal(load({ github: "{}" }).github, undefined);
        // Pulumi Cloud: no S3 bucket, no KMS key; a prefix and a key ARN.
        assert.deepEqual(load({ github: JSON.stringify({ ...devGithub, backendUrl: "https://api.pulumi.com", secretsProvider: "" }) }).github?.backend, { kind: "cloud", url: "https://api.pulumi.com" });
        const arn = "arn:aws:kms:ap-northeast-1:111111111111:key/0f6f1c9e-1111-4a4a-9b9b-123456789abc";
        const keyed = load({ github: JSON.stringify({ ...devGithub, backendUrl: "s3://state-bucket/platform/", secretsProvider: `awskms:///${arn}` }) }).github;
        assert.deepEqual([keyed?.backend, keyed?.secretsKey], [{ kind: "s3", bucket: "state-bucket", prefix: "platform" }, { keyArn: arn }]);
        // A self-hosted runner in the VPC, the endpoint private only.
        const inVpc = load({
            endpointPublicAccess: "false",
            publicAccessCidrs: list(),
            endpointPrivateAccess: "true",
            github: JSON.stringify({ ...devGithub, runner: { label: "platform-dev", inVpc: true, egressCidrs: ["10.10.0.0/19"] } }),
        });
        assert.deepEqual(inVpc.github?.runner, { label: "platform-dev", inVpc: true, egressCidrs: ["10.10.0.0/19"] });
        // Fixed egress inside a wider allowed range.
        const covered = load({ publicAccessCidrs: list("198.51.100.0/24"), endpointPrivateAccess: "true", github: JSON.stringify({ ...devGithub, runner: { label: "big", egressCidrs: ["198.51.100.16/28"] } }) });
        assert.deepEqual(covered.github?.runner.egressCidrs, ["198.51.100.16/28"]);
    });

    it("applies the schema default of every key a stack leaves out", () => {
        const config = withChanges(dev, {
            azCount: undefined,
            logRetentionDays: undefined,
            natGateways: undefined,
            clusterName: undefined,
            vpcFlowLogs: undefined,
            auditLogRetentionDays: undefined,
            dbLogMinDurationMs: undefined,
            dbEnhancedMonitoringSeconds: undefined,
        });
        const c = loadConfig(config.values, config.project, "dev");
        // The audit trail is on unless a stack turns it off: flow logs, a year of API logs, monitoring, slow statements.
        assert.deepEqual(c.network, { kind: "create", cidr: "10.10.0.0/16", azCount: 2, natGateways: "single", flowLogs: true });
        assert.equal(c.cluster.logRetentionDays, 30);
        assert.equal(c.cluster.auditLogRetentionDays, 365);
        assert.deepEqual([c.database.logMinDurationMs, c.database.enhancedMonitoringSeconds], [1000, 60]);
        assert.equal(c.cluster.name, "platform-dev");
        assert.equal(c.cluster.supportType, "STANDARD");
    });

    it("adopts an existing VPC instead of creating one", () => {
        const config = withChanges(dev, { ...existingVpc, existingPublicSubnetIds: list("subnet-aaaaaaaa", "subnet-bbbbbbbb") });
        const c = loadConfig(config.values, config.project, "dev");
        assert.deepEqual(c.network, {
            kind: "existing",
            vpcId: "vpc-0123456789abcdef0",
            privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            publicSubnetIds: ["subnet-aaaaaaaa", "subnet-bbbbbbbb"],
            flowLogs: false,
        });
        // An adopted VPC gets flow logs like a created one (dev turns them off).
        const withFlowLogs = withChanges(dev, { ...existingVpc, vpcFlowLogs: "true" });
        assert.equal(loadConfig(withFlowLogs.values, withFlowLogs.project, "dev").network.flowLogs, true);
    });

    it("reads the audit-trail keys each stack file sets: prd records everything, dev stays cheap", () => {
        const d = loadConfig(dev.values, dev.project, "dev");
        const p = loadConfig(prd.values, prd.project, "prd");
        const trail = (c: typeof d) => [c.network.flowLogs, c.cluster.auditLogRetentionDays, c.database.enhancedMonitoringSeconds, c.database.logMinDurationMs];
        assert.deepEqual(trail(d), [false, 14, 0, 1000]);
        assert.deepEqual(trail(p), [true, 365, 60, 1000]);
    });

    it("takes an AWS profile and a role to assume for the stack's account", () => {
        const config = withChanges(dev, { awsProfile: "acme-dev", assumeRoleArn: "arn:aws:iam::111111111111:role/deployer", github: "{}" });
        const c = loadConfig(config.values, config.project, "dev");
        assert.deepEqual(c.aws, {
            region: "ap-northeast-1",
            profile: "acme-dev",
            assumeRoleArn: "arn:aws:iam::111111111111:role/deployer",
            allowedAccountIds: ["111111111111"],
        });
    });

    // Each bad config, the one problem it must produce (key and expected form in the message).
    const corpus: [string, Record<string, string | undefined>, string][] = [
        ["missing region", { region: undefined }, "platform:region: required"],
        ["region that is not one", { region: "tokyo" }, 'platform:region: must be an AWS region such as ap-northeast-1 (got "tokyo")'],
        ["one AZ", { azCount: "1" }, "platform:azCount: must be an integer from 2 to 4 (got 1)"],
        ["AZ count in words", { azCount: "two" }, 'platform:azCount: must be an integer (got "two")'],
        ["CIDR with host bits", { vpcCidr: "10.0.0.1/16" }, 'platform:vpcCidr: must be an IPv4 CIDR with no host bits set, e.g. 10.0.0.0/16 (got "10.0.0.1/16")'],
        ["CIDR that is no address", { vpcCidr: "300.0.0.0/16" }, "platform:vpcCidr: must be an IPv4 CIDR"],
        ["VPC too small", { vpcCidr: "10.0.0.0/24" }, "platform:vpcCidr: prefix must be /16 to /20 so every AZ gets room for Fargate pods (got /24)"],
        ["unknown NAT strategy", { natGateways: "two" }, 'platform:natGateways: must be one of single, perAz (got "two")'],
        ["malformed VPC id", { ...existingVpc, existingVpcId: "vpc-123" }, 'platform:existingVpcId: must be a VPC id such as vpc-0123456789abcdef0 (got "vpc-123")'],
        ["subnets without a VPC", { existingPrivateSubnetIds: list("subnet-0123456789abcdef0") }, "platform:existingPrivateSubnetIds: only valid together with platform:existingVpcId, which is empty"],
        ["one private subnet", { ...existingVpc, existingPrivateSubnetIds: list("subnet-0123456789abcdef0") }, "platform:existingPrivateSubnetIds: must list at least 2 private subnets in different AZs when platform:existingVpcId is set (got 1)"],
        ["one public subnet", { ...existingVpc, existingPublicSubnetIds: list("subnet-aaaaaaaa") }, "platform:existingPublicSubnetIds: must be empty or list at least 2 subnets"],
        ["subnet both public and private", { ...existingVpc, existingPublicSubnetIds: list("subnet-0123456789abcdef0", "subnet-aaaaaaaa") }, "platform:existingPublicSubnetIds: subnet-0123456789abcdef0 is also listed as private"],
        ["malformed subnet id", { ...existingVpc, existingPrivateSubnetIds: list("subnet-xyz", "subnet-0123456789abcdef1") }, 'platform:existingPrivateSubnetIds: "subnet-xyz" is not a subnet id such as subnet-0123456789abcdef0'],
        ["cluster name with spaces", { clusterName: "my cluster" }, "platform:clusterName: the EKS cluster name \"my cluster\" must be 1-100 letters, digits, '-' and '_', starting with a letter or digit; change platform:clusterName"],
        ["cluster name too long", { clusterName: "c".repeat(101) }, "platform:clusterName: the EKS cluster name \"ccc"],
        ["Kubernetes version EKS no longer offers", { kubernetesVersion: "1.25" }, 'platform:kubernetesVersion: "1.25" is not an EKS version the platform supports; known: 1.35, 1.34, 1.33, 1.32, 1.31 (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar)'],
        ["Kubernetes version with a v", { kubernetesVersion: "v1.34" }, 'platform:kubernetesVersion: "v1.34" is not an EKS version the platform supports'],
        ["Kubernetes version past its extended support", { kubernetesVersion: "1.31", clusterSupportType: "EXTENDED" }, "platform:kubernetesVersion: 1.31 left EKS extended support on 2026-11-26; EKS upgrades such clusters itself: set platform:kubernetesVersion to"],
        ["unknown support type", { clusterSupportType: "LTS" }, 'platform:clusterSupportType: must be one of STANDARD, EXTENDED (got "LTS")'],
        ["public endpoint without CIDRs", { publicAccessCidrs: list() }, "platform:publicAccessCidrs: must list the CIDRs allowed to reach the public endpoint when platform:endpointPublicAccess is true (0.0.0.0/0 to open it deliberately)"],
        ["public CIDR with host bits", { publicAccessCidrs: list("203.0.113.7/24") }, 'platform:publicAccessCidrs: "203.0.113.7/24" is not an IPv4 CIDR with no host bits set'],
        ["too many public CIDRs", { publicAccessCidrs: JSON.stringify([...Array(41).keys()].map((i) => `198.51.${i}.0/24`)) }, "platform:publicAccessCidrs: at most 40 CIDRs (EKS quota), got 41"],
        ["CIDRs for a disabled public endpoint", { endpointPublicAccess: "false" }, "platform:publicAccessCidrs: must be empty when platform:endpointPublicAccess is false"],
        ["no private endpoint behind a restricted one", { publicAccessCidrs: list("203.0.113.0/24"), endpointPrivateAccess: "false" }, "platform:endpointPrivateAccess: must be true when the public endpoint is disabled or restricted"],
        ["admin given as an STS session", { clusterAdminArns: list("arn:aws:sts::111111111111:assumed-role/Admin/alice") }, "platform:clusterAdminArns: \"arn:aws:sts::111111111111:assumed-role/Admin/alice\" is an STS session; give the role ARN"],
        ["admin that is no ARN", { clusterAdminArns: list("Admin") }, 'platform:clusterAdminArns: "Admin" is not an IAM role or user ARN'],
        ["admin listed twice", { clusterAdminArns: list("arn:aws:iam::111111111111:role/A", "arn:aws:iam::111111111111:role/A") }, 'platform:clusterAdminArns: "arn:aws:iam::111111111111:role/A" is listed twice'],
        ["unknown log type", { clusterLogTypes: list("api", "kubelet") }, 'platform:clusterLogTypes: "kubelet" is not one of api, audit, authenticator, controllerManager, scheduler'],
        ["retention CloudWatch does not offer", { logRetentionDays: "10" }, "platform:logRetentionDays: must be one of 1, 3, 5, 7, 14, 30"],
        ["Fargate namespace the built-ins cover", { extraFargateNamespaces: list("app-chat") }, 'platform:extraFargateNamespaces: "app-chat" is already covered by the built-in selectors'],
        ["Fargate namespace with capitals", { extraFargateNamespaces: list("Batch_Jobs") }, 'platform:extraFargateNamespaces: "Batch_Jobs" is not a namespace name'],
        ["short account id", { allowedAccountIds: list("12345") }, 'platform:allowedAccountIds: "12345" is not a 12-digit AWS account id'],
        ["role to assume that is no role ARN", { assumeRoleArn: "deployer", github: "{}" }, 'platform:assumeRoleArn: must be an IAM role ARN arn:aws:iam::<12-digit account>:role/<name> (got "deployer")'],
        ["profile with a space", { awsProfile: "my profile", github: "{}" }, "platform:awsProfile: must be a profile name without spaces or brackets"],
        ["misspelt key", { azcount: "3" }, "platform:azcount: unknown key"],
        ["aws: key the program ignores", { "aws:region": "us-east-1" }, "aws:region: ignored, the program builds its own AWS provider and reads only platform:* keys; set platform:region instead"],
        ["boolean as yes", { protectStatefulResources: "yes" }, 'platform:protectStatefulResources: must be true or false (got "yes")'],
        ["engine version that is no Aurora PostgreSQL version", { dbEngineVersion: "12.22" }, 'platform:dbEngineVersion: "12.22" is no Aurora PostgreSQL major the platform supports: 13, 14, 15, 16, 17'],
        ["engine major Aurora does not offer", { dbEngineVersion: "12" }, 'platform:dbEngineVersion: "12" is no Aurora PostgreSQL major the platform supports: 13, 14, 15, 16, 17'],
        ["engine minor Aurora never released", { dbEngineVersion: "16.5" }, 'platform:dbEngineVersion: "16.5" is no Aurora PostgreSQL 16 release; known minors: 16.1, 16.2, 16.3, 16.4, 16.6, 16.8, 16.9, 16.10, or "16" for the current one (components/data/aurora.ts)'],
        ["engine version with a patch level", { dbEngineVersion: "16.6.1" }, 'platform:dbEngineVersion: must be an Aurora PostgreSQL major ("16": Aurora keeps the minor current) or major.minor ("16.6"), majors 13, 14, 15, 16, 17 (got "16.6.1")'],
        ["no database instance", { dbInstanceCount: "0" }, "platform:dbInstanceCount: must be an integer from 1 to 16 (got 0)"],
        ["ACUs above the maximum", { dbMaxCapacity: "300" }, 'platform:dbMaxCapacity: must be a number of ACUs from 1 to 256 in steps of 0.5, quoted like "0.5" (got "300")'],
        ["ACUs not in half steps", { dbMinCapacity: "0.3" }, 'platform:dbMinCapacity: must be a number of ACUs from 0 to 256 in steps of 0.5'],
        ["ACUs in words", { dbMinCapacity: "half" }, 'platform:dbMinCapacity: must be a number of ACUs'],
        ["minimum above maximum", { dbMinCapacity: "8", dbMaxCapacity: "4", dbSecondsUntilAutoPause: undefined }, "platform:dbMinCapacity: must not exceed platform:dbMaxCapacity (8 > 4)"],
        ["auto-pause on an engine without it", { dbEngineVersion: "16.2" }, 'platform:dbMinCapacity: "0" (auto-pause) needs engine 13.15+, 14.12+, 15.7+, 16.3+ or 17.4+; platform:dbEngineVersion is 16.2'],
        ["auto-pause delay too short", { dbSecondsUntilAutoPause: "60" }, "platform:dbSecondsUntilAutoPause: must be from 300 to 86400 seconds (got 60)"],
        ["backup retention beyond RDS's limit", { dbBackupRetentionDays: "36" }, "platform:dbBackupRetentionDays: must be from 1 to 35 days (got 36)"],
        ["short backups on a protected stack", { protectStatefulResources: "true", auditLogRetentionDays: "365" }, "platform:dbBackupRetentionDays: must be at least 7 days when platform:protectStatefulResources is true (got 1)"],
        ["short API and audit logs on a protected stack", { protectStatefulResources: "true", dbBackupRetentionDays: "7" }, "platform:auditLogRetentionDays: must be at least 365 days when platform:protectStatefulResources is true: a protected stack keeps its API and audit logs a year (got 14)"],
        ["audit retention CloudWatch does not offer", { auditLogRetentionDays: "500" }, "platform:auditLogRetentionDays: must be one of 1, 3, 5, 7, 14, 30"],
        ["flow logs as yes", { vpcFlowLogs: "yes" }, 'platform:vpcFlowLogs: must be true or false (got "yes")'],
        ["slow-statement threshold below -1", { dbLogMinDurationMs: "-5" }, "platform:dbLogMinDurationMs: must be -1 (log no statements), 0 (log every statement) or a threshold in milliseconds up to 2147483647 (got -5)"],
        ["slow-statement threshold in seconds", { dbLogMinDurationMs: "1s" }, 'platform:dbLogMinDurationMs: must be an integer (got "1s")'],
        ["Enhanced Monitoring interval RDS does not offer", { dbEnhancedMonitoringSeconds: "20" }, "platform:dbEnhancedMonitoringSeconds: must be one of 0, 1, 5, 10, 15, 30, 60 (got 20)"],
        ["unknown EFS transition", { efsTransitionToIa: "AFTER_2_DAYS" }, 'platform:efsTransitionToIa: must be one of NONE, AFTER_1_DAY'],
        ["no images kept", { ecrKeepImages: "0" }, "platform:ecrKeepImages: must be an integer from 1 to 1000 (got 0)"],
        ["chart version as a range", { argocdChartVersion: "10.x" }, 'platform:argocdChartVersion: must be an exact chart version such as 10.1.1 (got "10.x")'],
        ["repository URL over plain http", { gitRepoUrl: "http://github.com/org/repo.git" }, 'platform:gitRepoUrl: must be https://host/org/repo.git, git@host:org/repo.git or ssh://... (got "http://github.com/org/repo.git")'],
        ["SSH repository without a key", { gitRepoUrl: "git@github.com:org/repo.git" }, "platform:gitSshPrivateKey: required for the SSH URL git@github.com:org/repo.git; set it with pulumi config set --secret"],
        ["key for an https repository", { gitSshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----" }, "platform:gitSshPrivateKey: only used with an SSH platform:gitRepoUrl"],
        ["key that is no private key", { gitRepoUrl: "git@github.com:org/repo.git", gitSshPrivateKey: "hunter2" }, "platform:gitSshPrivateKey: must be a PEM/OpenSSH private key (-----BEGIN ... PRIVATE KEY-----)"],
        ["revision with a space", { gitRevision: "release 1" }, 'platform:gitRevision: must be a branch, tag or commit such as main (got "release 1")'],
        ["list given as a string", { publicAccessCidrs: "0.0.0.0/0" }, 'platform:publicAccessCidrs: must be a YAML list of strings, e.g. [a, b] (got "0.0.0.0/0")'],
        // Keys nobody reads are never dropped silently.
        ["misspelt namespace", { "platfrom:azCount": "3" }, 'platfrom:azCount: unknown namespace "platfrom", nothing reads it; did you mean platform:azCount?'],
        ["misspelt key, with a guess", { azcount: "3" }, "platform:azcount: unknown key; did you mean platform:azCount?"],
        ["kubernetes: key the program ignores", { "kubernetes:context": "dev" }, "kubernetes:context: ignored, the program builds its own Kubernetes provider"],
        // Values AWS refuses or EKS advises against.
        ["region that does not exist", { region: "ap-northeast-9" }, 'platform:region: "ap-northeast-9" is not an AWS region; did you mean ap-northeast-1?'],
        ["more AZs than the region has", { azCount: "4" }, "platform:azCount: ap-northeast-1 has 3 Availability Zones an account can use, fewer than 4; set platform:azCount to 3 or less"],
        ["loopback VPC", { vpcCidr: "127.0.0.0/16" }, "platform:vpcCidr: 127.0.0.0/16 is in the loopback range, which AWS refuses for a VPC"],
        ["multicast VPC", { vpcCidr: "224.0.0.0/16" }, "platform:vpcCidr: 224.0.0.0/16 is in the multicast range"],
        ["link-local VPC", { vpcCidr: "169.254.0.0/16" }, "platform:vpcCidr: 169.254.0.0/16 is in the link-local"],
        ["VPC on Docker's bridge", { vpcCidr: "172.17.0.0/16" }, "platform:vpcCidr: 172.17.0.0/16 overlaps 172.17.0.0/16, Docker's bridge network, which EKS advises against"],
        ["private range for the public endpoint", { publicAccessCidrs: list("10.0.0.0/8") }, "platform:publicAccessCidrs: 10.0.0.0/8 is a private range, which never reaches a public endpoint"],
        ["loopback for the public endpoint", { publicAccessCidrs: list("127.0.0.1/32") }, "platform:publicAccessCidrs: 127.0.0.1/32 is in the loopback range"],
        ["VPC keys with an existing VPC", { ...existingVpc, azCount: "3" }, "platform:azCount: has no effect with platform:existingVpcId"],
        // Keys that only mean something together.
        ["role in an account the stack does not allow", { assumeRoleArn: "arn:aws:iam::999999999999:role/deployer", github: "{}" }, "platform:assumeRoleArn: arn:aws:iam::999999999999:role/deployer is in account 999999999999, which platform:allowedAccountIds (111111111111) does not allow"],
        ["API endpoint off on both sides", { endpointPublicAccess: "false", publicAccessCidrs: list(), endpointPrivateAccess: "false" }, "platform:endpointPrivateAccess: and platform:endpointPublicAccess are both false: nothing could reach the Kubernetes API"],
        ["stack file without apps (Pulumi requires it)", { apps: undefined }, "platform:apps: required, set it in Pulumi.<stack>.yaml (Per-app switches and settings of this stack; {} for none"],
        ["pause delay on a database that cannot pause", { dbMinCapacity: "0.5" }, 'platform:dbSecondsUntilAutoPause: has no effect unless platform:dbMinCapacity is "0" (it is "0.5"); remove it'],
        ["apps given as a list", { apps: list("chat") }, 'platform:apps: must be a YAML mapping (got "[\\"chat\\"]")'],
        ["app switch as a string", { apps: JSON.stringify({ chat: { enabled: "no" } }) }, 'platform:apps.chat.enabled: must be true or false (got "no")'],
        ["unknown key of an app", { apps: JSON.stringify({ chat: { replicas: 2 } }) }, "platform:apps.chat.replicas: unknown key; the keys are enabled, settings"],
        ["app setting as a number", { apps: JSON.stringify({ chat: { settings: { PORT: 8080 } } }) }, "platform:apps.chat.settings.PORT: must be a non-empty string; quote numbers and booleans (got 8080)"],
        // CI on GitHub Actions (`github`): its identities, and its path to the Kubernetes API.
        ["stack file without github (Pulumi requires it)", { github: undefined }, "platform:github: required, set it in Pulumi.<stack>.yaml (CI on GitHub Actions"],
        ["github as a list", { github: list("example-org/platform") }, "platform:github: must be a YAML mapping"],
        ["misspelt github key", { github: JSON.stringify({ ...devGithub, repositry: "x/y" }) }, "platform:github.repositry: unknown key; expected repository, branch, oidcProvider, backendUrl, secretsProvider, runner (did you mean repository?)"],
        ["repository as a URL", { github: JSON.stringify({ ...devGithub, repository: "https://github.com/example-org/platform" }) }, 'platform:github.repository: must be owner/name as GitHub shows it, e.g. example-org/platform (got "https://github.com/example-org/platform")'],
        ["OIDC provider mode unknown", { github: JSON.stringify({ ...devGithub, oidcProvider: "reuse" }) }, 'platform:github.oidcProvider: must be create (this stack creates the account\'s GitHub OIDC provider) or existing'],
        ["state backend CI cannot read", { github: JSON.stringify({ ...devGithub, backendUrl: "gs://state" }) }, 'platform:github.backendUrl: must be s3://<bucket>[/<prefix>] or https://api.pulumi.com'],
        ["S3 backend without a KMS secrets provider", { github: JSON.stringify({ ...devGithub, secretsProvider: "" }) }, "platform:github.secretsProvider: required with an S3 backend"],
        ["passphrase secrets provider", { github: JSON.stringify({ ...devGithub, secretsProvider: "passphrase" }) }, 'platform:github.secretsProvider: must be awskms://alias/<name>'],
        ["runner label with a space", { github: JSON.stringify({ ...devGithub, runner: { label: "ubuntu latest" } }) }, 'platform:github.runner.label: must be a runner label such as ubuntu-latest (got "ubuntu latest")'],
        ["private egress for a runner outside the VPC", { github: JSON.stringify({ ...devGithub, runner: { egressCidrs: ["10.0.0.0/24"] } }) }, "platform:github.runner.egressCidrs: 10.0.0.0/24 is not a public range"],
        ["a profile beside CI", { awsProfile: "acme-dev" }, "platform:awsProfile: CI's jobs (platform:github) run with the role they assume and have no profiles: leave it empty and set AWS_PROFILE in your shell for local runs"],
        ["a role to assume beside CI", { assumeRoleArn: "arn:aws:iam::111111111111:role/deployer" }, "platform:assumeRoleArn: CI's jobs (platform:github) run as their own roles, which it would replace"],
        [
            "restricted endpoint that admits no CI runner",
            { publicAccessCidrs: list("203.0.113.0/24"), endpointPrivateAccess: "true" },
            'platform:publicAccessCidrs: admits none of CI\'s runners: platform:github.runner (label "ubuntu-latest") declares no fixed egress, and hosted runners have none.',
        ],
        [
            "runner egress outside the endpoint's ranges",
            { publicAccessCidrs: list("203.0.113.0/24"), endpointPrivateAccess: "true", github: JSON.stringify({ ...devGithub, runner: { label: "platform-dev", egressCidrs: ["198.51.100.0/28"] } }) },
            "platform:publicAccessCidrs: must include CI's runner egress 198.51.100.0/28 (platform:github.runner.egressCidrs)",
        ],
        [
            "private endpoint only, runner outside the VPC",
            { endpointPublicAccess: "false", publicAccessCidrs: list(), endpointPrivateAccess: "true" },
            "platform:endpointPublicAccess: false leaves CI no path to the Kubernetes API: run the stack's jobs on a runner inside the VPC",
        ],
        [
            "runner in the VPC without the private endpoint",
            { endpointPrivateAccess: "false", github: JSON.stringify({ ...devGithub, runner: { label: "platform-dev", inVpc: true, egressCidrs: ["10.10.0.0/19"] } }) },
            "platform:endpointPrivateAccess: must be true: platform:github.runner.inVpc says CI's runners reach the API from inside the VPC",
        ],
        // App Secret values (`pulumi config set --secret --path`): the messages name the kind, never the value.
        [
            "app Secret value that --path stored as a number",
            { apps: JSON.stringify({ "slack-bot": { secrets: { slack: { "bot-token": 12345 } } } }) },
            "platform:apps.slack-bot.secrets.slack.bot-token: must be text (got a number); set it again with pulumi config set --secret --path 'platform:apps.slack-bot.secrets.slack.bot-token' <value> --type string",
        ],
        [
            "app Secret set as one value instead of per key",
            { apps: JSON.stringify({ "slack-bot": { secrets: { slack: "xoxb-1" } } }) },
            "platform:apps.slack-bot.secrets.slack: must map the Secret's keys to values (got a string); set each with pulumi config set --secret --path 'platform:apps.slack-bot.secrets.slack.<key>' <value>",
        ],
        ["app secrets as a list", { apps: JSON.stringify({ "slack-bot": { secrets: ["xoxb-1"] } }) }, "platform:apps.slack-bot.secrets: must map Secret names to their keys' values (got a list)"],
        ["empty app Secret value", { apps: JSON.stringify({ "slack-bot": { secrets: { slack: { "bot-token": "" } } } }) }, "platform:apps.slack-bot.secrets.slack.bot-token: must be a non-empty text value (got an empty one)"],
    ];

    for (const [what, changes, message] of corpus) {
        it(`rejects ${what}`, () => {
            const problems = problemsWith(changes);
            assert.equal(problems.length, 1, `expected exactly one problem, got:\n${problems.join("\n")}`);
            assert.ok(problems[0].startsWith(message), `expected "${message}", got "${problems[0]}"`);
        });
    }

    it("reports every problem at once, in one error naming each key", () => {
        const config = withChanges(dev, { region: "mars", azCount: "9", clusterLogTypes: list("kubelet"), logRetentionDays: "2" });
        assert.throws(
            () => loadConfig(config.values, config.project, "dev"),
            (err: unknown) =>
                err instanceof ConfigError &&
                err.problems.length === 4 &&
                /^Invalid stack configuration \(4 problems\)/.test(err.message) &&
                ["platform:region", "platform:azCount", "platform:clusterLogTypes", "platform:logRetentionDays"].every((k) => err.message.includes(`  - ${k}: `)),
        );
    });

    describe("app Secret values", () => {
        const FAKE = "xoxb-FAKE-loader-canary";
        const devFile = readStackFile(REPO_ROOT, "dev")!;
        /** dev's stack file with lines added under platform:apps, and the values Pulumi would pass for it. */
        const withSecretLines = (lines: string, apps: object) => {
            const config = withChanges(dev, { apps: JSON.stringify({ ...JSON.parse(dev.values["platform:apps"]), ...apps }) });
            const file = { shown: devFile.shown, text: devFile.text.replace(/^  platform:apps:\n/m, `  platform:apps:\n${lines}`) };
            assert.notEqual(file.text, devFile.text, "dev's stack file has platform:apps");
            return () => loadConfig(config.values, config.project, "dev", file);
        };

        it("accepts values set with --secret --path and carries them so that printing shows none", () => {
            const load = withSecretLines("    slack-bot:\n      secrets:\n        slack:\n          bot-token:\n            secure: v1:AAAA\n", {
                "slack-bot": { secrets: { slack: { "bot-token": FAKE } } },
            });
            const value = load().apps["slack-bot"].secrets!.slack["bot-token"];
            assert.equal(value.reveal(), FAKE);
            assert.ok(!JSON.stringify(load().apps).includes(FAKE));
            assert.ok(!inspect(load(), { depth: null }).includes(FAKE));
        });

        it("refuses a value written in plain text in the stack file (git holds it), naming the line and the command, never the value", () => {
            const load = withSecretLines(`    slack-bot:\n      secrets:\n        slack:\n          bot-token: ${FAKE}\n`, {
                "slack-bot": { secrets: { slack: { "bot-token": FAKE } } },
            });
            assert.throws(load, (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                const line = devFile.text.split("\n").findIndex((l) => l === "  platform:apps:") + 5;
                assert.deepEqual(err.problems, [
                    `Pulumi.dev.yaml:${line}:11: platform:apps.slack-bot.secrets.slack.bot-token: in plain text in a file git holds; remove the line and set it encrypted: ` +
                        "pulumi config set --secret --path 'platform:apps.slack-bot.secrets.slack.bot-token' <value>",
                ]);
                assert.ok(!err.message.includes(FAKE));
                return true;
            });
        });

        it("never quotes a value in a message, whatever its shape", () => {
            for (const secrets of [{ slack: { "bot-token": { nested: FAKE } } }, { slack: { "bot-token": [FAKE] } }, { slack: [FAKE] }, [FAKE], FAKE]) {
                const problems = problemsWith({ apps: JSON.stringify({ "slack-bot": { secrets } }) });
                assert.equal(problems.length, 1, JSON.stringify(problems));
                assert.ok(!problems[0].includes(FAKE), problems[0]);
            }
        });

        it("the offline reader hands a nested secure: leaf over like Pulumi: decrypted in the JSON (a placeholder), the key marked secret", () => {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
            try {
                fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: acme\nruntime: nodejs\n");
                fs.writeFileSync(
                    path.join(root, "Pulumi.dev.yaml"),
                    "config:\n  acme:apps:\n    web:\n      settings: {LEVEL: info}\n      secrets:\n        slack:\n          token:\n            secure: v1:AAAA\n  acme:region: ap-northeast-1\n",
                );
                const config = readStackConfig("dev", root);
                assert.deepEqual(JSON.parse(config.values["acme:apps"]), { web: { settings: { LEVEL: "info" }, secrets: { slack: { token: SECRET_PLACEHOLDER } } } });
                assert.deepEqual(config.secretKeys, ["acme:apps"]);
                assert.equal(config.values["acme:region"], "ap-northeast-1");
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        });
    });

    it("reads the optional Argo CD components: off unless the stack turns each on, true or false only", () => {
        const load = (changes: Record<string, string | undefined>) => {
            const config = withChanges(dev, changes);
            return loadConfig(config.values, config.project, "dev").addons.argocdComponents;
        };
        assert.deepEqual(load({}), { applicationSet: false, notifications: false, dex: false });
        assert.deepEqual(load({ argocdApplicationSet: "true" }), { applicationSet: true, notifications: false, dex: false });
        assert.deepEqual(load({ argocdNotifications: "true", argocdDex: "true" }), { applicationSet: false, notifications: true, dex: true });
        assert.deepEqual(problemsWith({ argocdDex: "yes" }), ['platform:argocdDex: must be true or false (got "yes")']);
    });

    it("checks a derived cluster name too", () => {
        const config = withChanges(dev, { clusterName: undefined });
        assert.throws(() => loadConfig(config.values, "platform", "x".repeat(100)), /derived from <project>-<stack>; set platform:clusterName/);
    });
});
