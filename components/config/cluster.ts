/** The EKS cluster: name, version, API endpoint, access, logs and extra Fargate namespaces. */
import { AUDIT_LOG_MIN_RETENTION_DAYS } from "../cluster/logging";
import { MAX_FARGATE_PROFILES, MAX_SELECTORS_PER_PROFILE, NAMESPACE_PATTERN, PRIMARY_FARGATE_NAMESPACES, coveredByFargate } from "../cluster/fargate";
import { clusterNameProblems, rootNameProblems } from "../naming";
import { PRIVATE_RANGES, overlaps, parseCidr, specialRange } from "../network/cidr";
import { kubernetesSupportProblems } from "../cluster/versions";
import { CLUSTER_LOG_TYPES, LOG_RETENTION_DAYS, SUPPORT_TYPES } from "./schema";
import type { ClusterConfig } from "./types";
import { ConfigValues } from "./values";

const PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
/** EKS quota "public access CIDR ranges per cluster". */
const MAX_PUBLIC_ACCESS_CIDRS = 40;
export const OPEN_TO_ALL = "0.0.0.0/0";

/**
 * Reads and checks the cluster keys.
 *
 * @param stack The stack name: the default cluster name is `<project>-<stack>`.
 * @param today The date the Kubernetes version's support is judged by. Defaults to the current date.
 */
export function clusterConfig(v: ConfigValues, stack: string, today: Date = new Date()): ClusterConfig {
    // The stateful resources' names (database identifiers, log groups, key aliases, repositories)
    // derive from <project>-<stack>, not from the cluster name (naming.ts rootName): checked once, here.
    v.problems.push(...rootNameProblems(v.project, stack));
    // The cluster's own names (the cluster, its control-plane log group) are checked where composed.
    const name = v.str("clusterName") || `${v.project}-${stack}`;
    const source = v.str("clusterName") ? "" : ` (derived from <project>-<stack>; set ${v.key("clusterName")})`;
    v.problems.push(...clusterNameProblems(name, v.key("clusterName")).map((p) => p + source));
    const version = v.str("kubernetesVersion");
    v.checkEnum("clusterSupportType", SUPPORT_TYPES);
    const supportType = v.str("clusterSupportType") as ClusterConfig["supportType"] | undefined;
    // Versions, support dates and add-on versions: components/cluster/versions.ts.
    if (version !== undefined && supportType !== undefined && (SUPPORT_TYPES as readonly string[]).includes(supportType)) {
        v.problems.push(...kubernetesSupportProblems(version, supportType, today, (k) => v.key(k as "kubernetesVersion")));
    }
    const endpoint = endpointConfig(v);

    const adminArns = v.list("clusterAdminArns");
    v.checkList("clusterAdminArns", (arn) => PRINCIPAL_ARN.test(arn) || /:sts::\d{12}:assumed-role\//.test(arn), "an IAM role or user ARN such as arn:aws:iam::123456789012:role/Admin");
    for (const arn of adminArns.filter((a) => /:sts::\d{12}:assumed-role\//.test(a))) {
        v.problem("clusterAdminArns", `${JSON.stringify(arn)} is an STS session; give the role ARN arn:aws:iam::<account>:role/<name>`);
    }

    v.checkList("clusterLogTypes", (t) => (CLUSTER_LOG_TYPES as readonly string[]).includes(t), `one of ${CLUSTER_LOG_TYPES.join(", ")}`);
    v.checkEnum("logRetentionDays", LOG_RETENTION_DAYS);
    v.checkEnum("auditLogRetentionDays", LOG_RETENTION_DAYS);
    const auditDays = v.num("auditLogRetentionDays");
    if (auditDays !== undefined && v.bool("protectStatefulResources") === true && auditDays < AUDIT_LOG_MIN_RETENTION_DAYS) {
        v.problem("auditLogRetentionDays", `must be at least ${AUDIT_LOG_MIN_RETENTION_DAYS} days when ${v.key("protectStatefulResources")} is true: a protected stack keeps its API and audit logs a year (got ${auditDays})`);
    }

    const extra = v.list("extraFargateNamespaces");
    v.checkList("extraFargateNamespaces", (ns) => NAMESPACE_PATTERN.test(ns), "a namespace name (lower case, digits, '-', wildcards * and ?, at most 63 characters)");
    for (const ns of extra.filter((n) => coveredByFargate(n, PRIMARY_FARGATE_NAMESPACES))) {
        v.problem("extraFargateNamespaces", `${JSON.stringify(ns)} is already covered by the built-in selectors ${PRIMARY_FARGATE_NAMESPACES.join(", ")}`);
    }
    const maxExtra = (MAX_FARGATE_PROFILES - 1) * MAX_SELECTORS_PER_PROFILE;
    if (extra.length > maxExtra) {
        v.problem("extraFargateNamespaces", `at most ${maxExtra} namespaces (${MAX_FARGATE_PROFILES} Fargate profiles of ${MAX_SELECTORS_PER_PROFILE} selectors, one of them built in), got ${extra.length}`);
    }
    return {
        name,
        version: version!,
        supportType: supportType!,
        ...endpoint,
        adminArns,
        logTypes: v.list("clusterLogTypes") as ClusterConfig["logTypes"],
        logRetentionDays: v.num("logRetentionDays")!,
        auditLogRetentionDays: auditDays!,
        extraFargateNamespaces: extra,
    };
}

/** The API endpoint: who reaches it, publicly and from the VPC. */
function endpointConfig(v: ConfigValues): Pick<ClusterConfig, "endpointPublicAccess" | "publicAccessCidrs" | "endpointPrivateAccess"> {
    const publicAccess = v.bool("endpointPublicAccess");
    const privateAccess = v.bool("endpointPrivateAccess");
    const cidrs = v.list("publicAccessCidrs");
    v.checkList("publicAccessCidrs", (c) => parseCidr(c) !== undefined, "an IPv4 CIDR with no host bits set, e.g. 203.0.113.0/24");
    for (const cidr of cidrs.filter((c) => c !== OPEN_TO_ALL && parseCidr(c))) {
        const special = specialRange(cidr);
        // Clients reach the public endpoint from public addresses: a private or special range never matches one.
        if (special) v.problem("publicAccessCidrs", `${cidr} is in the ${special} range, never a client's address; list public ranges`);
        else if (PRIVATE_RANGES.some((r) => overlaps(cidr, r))) {
            v.problem("publicAccessCidrs", `${cidr} is a private range, which never reaches a public endpoint; clients in the VPC use the private endpoint (${v.key("endpointPrivateAccess")})`);
        }
    }
    if (cidrs.length > MAX_PUBLIC_ACCESS_CIDRS) v.problem("publicAccessCidrs", `at most ${MAX_PUBLIC_ACCESS_CIDRS} CIDRs (EKS quota), got ${cidrs.length}`);
    const cidrsRead = v.has("publicAccessCidrs"); // a malformed list is reported once, when read
    if (publicAccess === true && cidrsRead && cidrs.length === 0) {
        v.problem("publicAccessCidrs", `must list the CIDRs allowed to reach the public endpoint when ${v.key("endpointPublicAccess")} is true (${OPEN_TO_ALL} to open it deliberately)`);
    }
    if (publicAccess === false && cidrs.length > 0) {
        v.problem("publicAccessCidrs", `must be empty when ${v.key("endpointPublicAccess")} is false (there is no public endpoint to restrict)`);
    }
    if (publicAccess === false && privateAccess === false) {
        v.problem("endpointPrivateAccess", `and ${v.key("endpointPublicAccess")} are both false: nothing could reach the Kubernetes API; turn one on`);
    } else if (privateAccess === false && cidrsRead && !(publicAccess === true && cidrs.includes(OPEN_TO_ALL))) {
        // Fargate kubelets reach the API server from the VPC: with a restricted or no public
        // endpoint they need the private one. https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
        v.problem("endpointPrivateAccess", "must be true when the public endpoint is disabled or restricted to publicAccessCidrs (pods and kubelets in the VPC reach the API privately)");
    }
    return { endpointPublicAccess: publicAccess!, publicAccessCidrs: cidrs, endpointPrivateAccess: privateAccess! };
}
