/**
 * The platform's CrossGuard policies, as plain data and functions: no PolicyPack is built here (its
 * constructor starts a gRPC server as soon as it is built), so tests call `validateResource` directly.
 *
 * Every policy is mandatory by default; `dev.json` relaxes the ones dev breaks on purpose. A value a
 * preview does not know yet (an output of a resource still to be created) is never a violation:
 * the SDK hands policies their props behind a proxy that throws UnknownValueError on reading one,
 * and reports the check as not run; `pulumi up` checks again once the value is known.
 */
import type { Policies, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

type Props = Record<string, any>;
type Check = (props: Props, report: ReportViolation, args: ResourceValidationArgs) => void;

const OPEN_IPV4 = "0.0.0.0/0";
const OPEN_IPV6 = "::/0";
/** Backups a protected database keeps at least (the loader's rule for prd). */
export const MIN_PRD_BACKUP_DAYS = 7;
/** Control-plane logs every cluster must send: who called the API, and what they did. */
export const REQUIRED_CLUSTER_LOG_TYPES = ["api", "audit", "authenticator"];
/** Tag the AWS Load Balancer Controller puts on the security groups of the load balancers it manages. */
export const LOAD_BALANCER_SG_TAG = "elbv2.k8s.aws/cluster";
/** Days prd keeps the control-plane log group: API and audit logs for a year (the loader's rule for protected stacks). */
export const MIN_PRD_AUDIT_LOG_DAYS = 365;
/** The log group EKS writes its control-plane logs to: `/aws/eks/<cluster>/cluster`. */
export const CONTROL_PLANE_LOG_GROUP = /^\/aws\/eks\/[^/]+\/cluster$/;

const VPC = "aws:ec2/vpc:Vpc";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

/** Runs `check` on resources of the given types only. */
function on(types: string[], check: Check): ResourceValidationPolicy["validateResource"] {
    return (args, report) => {
        if (types.includes(args.type)) check(args.props ?? {}, report, args);
    };
}

/** A JSON document given as a string (as IAM policies are), or undefined while unknown. */
function json(value: unknown): any {
    if (typeof value !== "string") return value && typeof value === "object" ? value : undefined;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every IAM policy document a resource carries: RolePolicy/Policy `policy`, Role inline policies. */
function policyDocuments(args: ResourceValidationArgs): any[] {
    const p = args.props ?? {};
    switch (args.type) {
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/policy:Policy":
        case "aws:iam/userPolicy:UserPolicy":
        case "aws:iam/groupPolicy:GroupPolicy":
            return [json(p.policy)].filter(Boolean);
        case "aws:iam/role:Role":
            return list<any>(p.inlinePolicies).map((i) => json(i?.policy)).filter(Boolean);
        default:
            return [];
    }
}

const WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity";

/**
 * Whether `resource` takes `property` from `source`: the engine's property dependencies where it
 * gives them (a preview, when the VPC's id is not known yet), else any dependency.
 */
function takesFrom(resource: PolicyResource, property: string, source: PolicyResource): boolean {
    const from = resource.propertyDependencies?.[property] ?? resource.dependencies ?? [];
    return from.some((d) => d.urn === source.urn);
}

/** Whether a key policy principal is everyone: `"*"` or `{AWS: "*"}`. */
function isEveryone(principal: unknown): boolean {
    if (principal === "*") return true;
    const aws = (principal as { AWS?: string | string[] } | undefined)?.AWS;
    return list<string>(aws).includes("*");
}

export const POLICIES: Policies = [
    {
        name: "aws-account-pinned",
        description: "The AWS provider names the accounts it may deploy to, so a stack never lands in another stack's account by the credentials at hand.",
        enforcementLevel: "mandatory",
        // Provider resources are validated like any other; their settings arrive JSON-encoded.
        validateResource: on(["pulumi:providers:aws"], (p, report) => {
            const ids = list<string>(json(p.allowedAccountIds));
            if (ids.length === 0) report("allowedAccountIds must name this stack's account (platform:allowedAccountIds).");
        }),
    },
    {
        name: "aurora-storage-encrypted",
        description: "Aurora clusters encrypt their storage (provisioned-mode clusters are unencrypted unless told).",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:rds/cluster:Cluster"], (p, report) => {
            if (p.storageEncrypted !== true) report("storageEncrypted must be true.");
        }),
    },
    {
        name: "aurora-logs-exported",
        description: "Aurora clusters export their database log (connections, disconnections, slow statements) to CloudWatch Logs.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:rds/cluster:Cluster"], (p, report) => {
            const wanted = String(p.engine ?? "").includes("postgresql") ? "postgresql" : undefined;
            const exports = list<string>(p.enabledCloudwatchLogsExports);
            if (wanted ? !exports.includes(wanted) : exports.length === 0) report(`enabledCloudwatchLogsExports must include ${wanted ?? "the engine's log"}.`);
        }),
    },
    {
        name: "aurora-monitoring",
        description: "Aurora instances run Performance Insights and Enhanced Monitoring (OS metrics), with the role it needs.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:rds/clusterInstance:ClusterInstance"], (p, report) => {
            if (p.performanceInsightsEnabled !== true) report("performanceInsightsEnabled must be true.");
            if (!(typeof p.monitoringInterval === "number" && p.monitoringInterval > 0)) report(`monitoringInterval must be 1 to 60 seconds (got ${JSON.stringify(p.monitoringInterval ?? 0)}).`);
            else if (!p.monitoringRoleArn) report("monitoringRoleArn must name the Enhanced Monitoring role.");
        }),
    },
    {
        name: "aurora-protected",
        description: "Aurora clusters of a protected stack have deletion protection, a final snapshot and at least a week of backups.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:rds/cluster:Cluster"], (p, report) => {
            if (p.deletionProtection !== true) report("deletionProtection must be true.");
            if (p.skipFinalSnapshot === true) report("skipFinalSnapshot must be false: deleting the cluster keeps a final snapshot.");
            if (typeof p.backupRetentionPeriod === "number" && p.backupRetentionPeriod < MIN_PRD_BACKUP_DAYS) {
                report(`backupRetentionPeriod must be at least ${MIN_PRD_BACKUP_DAYS} days (got ${p.backupRetentionPeriod}).`);
            }
        }),
    },
    {
        name: "aurora-not-public",
        description: "Database instances are never reachable from the internet.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance"], (p, report) => {
            if (p.publiclyAccessible === true) report("publiclyAccessible must be false: the database is reached from the VPC only.");
        }),
    },
    {
        name: "efs-encrypted",
        description: "EFS file systems are encrypted at rest.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:efs/fileSystem:FileSystem"], (p, report) => {
            if (p.encrypted !== true) report("encrypted must be true.");
        }),
    },
    {
        name: "ecr-scan-immutable",
        description: "ECR repositories scan images on push and never move a tag (a tag names one build forever).",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:ecr/repository:Repository"], (p, report) => {
            if (p.imageScanningConfiguration?.scanOnPush !== true) report("imageScanningConfiguration.scanOnPush must be true.");
            if (p.imageTagMutability !== "IMMUTABLE") report(`imageTagMutability must be IMMUTABLE (got ${JSON.stringify(p.imageTagMutability ?? "MUTABLE")}).`);
        }),
    },
    {
        name: "eks-secrets-encryption",
        description: "EKS encrypts Kubernetes Secrets with a KMS key of ours (envelope encryption).",
        enforcementLevel: "mandatory",
        validateResource: on(["eks:index:Cluster", "aws:eks/cluster:Cluster"], (p, report, args) => {
            const encrypted =
                args.type === "eks:index:Cluster"
                    ? Boolean(p.encryptionConfigKeyArn)
                    : Boolean(p.encryptionConfig?.provider?.keyArn) && list<string>(p.encryptionConfig?.resources).includes("secrets");
            if (!encrypted) report("Secrets must be encrypted with a KMS key (encryptionConfigKeyArn).");
        }),
    },
    {
        name: "eks-control-plane-logging",
        description: `EKS sends the ${REQUIRED_CLUSTER_LOG_TYPES.join(", ")} control-plane logs to CloudWatch.`,
        enforcementLevel: "mandatory",
        validateResource: on(["eks:index:Cluster", "aws:eks/cluster:Cluster"], (p, report) => {
            const types = list<string>(p.enabledClusterLogTypes);
            const missing = REQUIRED_CLUSTER_LOG_TYPES.filter((t) => !types.includes(t));
            if (missing.length > 0) report(`enabledClusterLogTypes must include ${missing.join(", ")}.`);
        }),
    },
    {
        name: "eks-endpoint-restricted",
        description: `The EKS public endpoint is off or restricted: never open to ${OPEN_IPV4}.`,
        enforcementLevel: "mandatory",
        validateResource: on(["eks:index:Cluster", "aws:eks/cluster:Cluster"], (p, report, args) => {
            const vpc = args.type === "eks:index:Cluster" ? p : p.vpcConfig ?? {};
            // EKS defaults: public endpoint on, open to 0.0.0.0/0.
            const isPublic = vpc.endpointPublicAccess !== false;
            const cidrs = vpc.publicAccessCidrs === undefined ? [OPEN_IPV4] : list<string>(vpc.publicAccessCidrs);
            if (isPublic && cidrs.includes(OPEN_IPV4)) report(`The public endpoint admits ${OPEN_IPV4}: list the CIDRs that may reach it (publicAccessCidrs) or turn it off.`);
        }),
    },
    {
        name: "log-group-encrypted",
        description: "CloudWatch log groups are encrypted with a KMS key of ours and expire their events (retention set).",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:cloudwatch/logGroup:LogGroup"], (p, report) => {
            if (!p.kmsKeyId) report("kmsKeyId must name the KMS key the log group is encrypted with.");
            // 0 (or none) keeps events forever.
            if (!(typeof p.retentionInDays === "number" && p.retentionInDays > 0)) report(`retentionInDays must be set (got ${JSON.stringify(p.retentionInDays ?? "never expire")}).`);
        }),
    },
    {
        name: "audit-log-retention",
        description: `The EKS control-plane log group (API server, audit, authenticator) keeps its events at least ${MIN_PRD_AUDIT_LOG_DAYS} days.`,
        enforcementLevel: "mandatory",
        validateResource: on(["aws:cloudwatch/logGroup:LogGroup"], (p, report) => {
            if (typeof p.name !== "string" || !CONTROL_PLANE_LOG_GROUP.test(p.name)) return;
            if (!(typeof p.retentionInDays === "number" && p.retentionInDays >= MIN_PRD_AUDIT_LOG_DAYS)) {
                report(`retentionInDays of ${p.name} must be at least ${MIN_PRD_AUDIT_LOG_DAYS} (got ${JSON.stringify(p.retentionInDays ?? "never expire")}; platform:auditLogRetentionDays).`);
            }
        }),
    },
    {
        name: "kms-key-policy",
        description: "KMS keys carry an explicit key policy, and every statement that admits any principal is narrowed by a condition.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:kms/key:Key"], (p, report) => {
            if (p.policy === undefined) return report("policy must be set: the default key policy lets every IAM policy of the account use the key for anything.");
            const statements = list<any>(json(p.policy)?.Statement);
            if (statements.length === 0) return report("policy must be a key policy document with statements.");
            for (const statement of statements.filter((s) => s.Effect === "Allow" && isEveryone(s.Principal) && !s.Condition)) {
                report(`Statement ${JSON.stringify(statement.Sid ?? "")} admits every principal without a Condition: narrow it (kms:CallerAccount, kms:ViaService).`);
            }
        }),
    },
    {
        name: "kms-key-rotation",
        description: "Customer-managed KMS keys rotate yearly.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:kms/key:Key"], (p, report) => {
            if (p.enableKeyRotation !== true) report("enableKeyRotation must be true.");
        }),
    },
    {
        name: "irsa-trust-exact",
        description: "IRSA roles trust exactly one service account: StringEquals on the token's sub and aud, no wildcard.",
        enforcementLevel: "mandatory",
        validateResource: on(["aws:iam/role:Role"], (p, report) => {
            const trust = json(p.assumeRolePolicy);
            for (const statement of list<any>(trust?.Statement)) {
                if (statement.Effect !== "Allow" || !list<string>(statement.Action).includes(WEB_IDENTITY)) continue;
                const equals: Record<string, unknown> = statement.Condition?.StringEquals ?? {};
                for (const claim of ["sub", "aud"]) {
                    const entry = Object.entries(equals).find(([key]) => key.endsWith(`:${claim}`));
                    if (!entry) report(`${WEB_IDENTITY} must require StringEquals on <issuer>:${claim}.`);
                    else if (list<string>(entry[1] as string | string[]).some((v) => /[*?]/.test(v))) report(`${entry[0]} must not contain wildcards.`);
                }
                if (statement.Condition?.StringLike) report(`${WEB_IDENTITY} must not use StringLike: trust names one service account.`);
            }
        }),
    },
    {
        name: "iam-no-wildcard-action",
        description: "IAM statements that allow grant named actions, never `*` or `service:*`-style wildcards.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            for (const document of policyDocuments(args)) {
                for (const statement of list<any>(document.Statement)) {
                    if (statement.Effect !== "Allow") continue;
                    if (statement.NotAction) report("NotAction in an Allow statement grants everything else: list the actions.");
                    for (const action of list<string>(statement.Action).filter((a) => a.includes("*"))) {
                        report(`Action ${JSON.stringify(action)} is a wildcard: list the actions.`);
                    }
                }
            }
        },
    },
    {
        name: "security-group-no-open-ingress",
        description: `Security groups admit nothing from ${OPEN_IPV4} or ${OPEN_IPV6}, except the load balancers' on 80 and 443.`,
        enforcementLevel: "mandatory",
        validateResource: on(
            ["aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"],
            (p, report, args) => {
                const loadBalancer = Boolean(p.tags?.[LOAD_BALANCER_SG_TAG]);
                const rules =
                    args.type === "aws:ec2/securityGroup:SecurityGroup"
                        ? list<any>(p.ingress).map((r) => ({ cidrs: [...list<string>(r.cidrBlocks), ...list<string>(r.ipv6CidrBlocks)], from: r.fromPort, to: r.toPort }))
                        : args.type === "aws:ec2/securityGroupRule:SecurityGroupRule"
                          ? p.type === "ingress"
                              ? [{ cidrs: [...list<string>(p.cidrBlocks), ...list<string>(p.ipv6CidrBlocks)], from: p.fromPort, to: p.toPort }]
                              : []
                          : [{ cidrs: [p.cidrIpv4, p.cidrIpv6].filter(Boolean), from: p.fromPort, to: p.toPort }];
                for (const rule of rules.filter((r) => r.cidrs.some((c: string) => c === OPEN_IPV4 || c === OPEN_IPV6))) {
                    const webPorts = rule.from === rule.to && [80, 443].includes(rule.from);
                    if (!(loadBalancer && webPorts)) report(`Ingress from the whole internet on ports ${rule.from}-${rule.to}: admit the sources that need it.`);
                }
            },
        ),
    },
    {
        name: "vpc-flow-logs",
        description: "Every VPC the stack creates records its flow logs (all traffic).",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const flowLogs = args.resources.filter((r) => r.type === FLOW_LOG);
            for (const vpc of args.resources.filter((r) => r.type === VPC)) {
                const own = flowLogs.filter((f) => takesFrom(f, "vpcId", vpc));
                if (own.length === 0) report(`VPC ${vpc.name} has no flow log: set platform:vpcFlowLogs to true.`, vpc.urn);
                else if (!own.some((f) => f.props.trafficType === "ALL")) report(`VPC ${vpc.name}'s flow logs must record trafficType ALL.`, vpc.urn);
            }
        },
    } satisfies StackValidationPolicy,
    {
        name: "default-security-group-closed",
        description: "The default security group of every VPC the stack creates is managed, with no rules.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const defaults = args.resources.filter((r) => r.type === DEFAULT_SG);
            for (const vpc of args.resources.filter((r) => r.type === VPC)) {
                if (!defaults.some((g) => takesFrom(g, "vpcId", vpc))) report(`VPC ${vpc.name}'s default security group is not managed: its rules admit all traffic between its members.`, vpc.urn);
            }
            for (const group of defaults) {
                const rules = [...list<unknown>(group.props.ingress), ...list<unknown>(group.props.egress)];
                if (rules.length > 0) report(`${group.name} has ${rules.length} rule(s): a default security group keeps none.`, group.urn);
            }
        },
    } satisfies StackValidationPolicy,
];
