/** The VPC: one the program creates, or an existing one it adopts. */
import { DOCKER_BRIDGE_CIDR, MAX_AZ_COUNT, VPC_PREFIX_RANGE, overlaps, parseCidr, specialRange } from "../network/cidr";
import { REGION_ZONE_COUNTS } from "../network/regions";
import { NAT_STRATEGIES } from "./schema";
import type { CreatedNetworkConfig, ExistingNetworkConfig, NetworkConfig } from "./types";
import { ConfigValues } from "./values";

const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** Keys that only shape a VPC the program creates. */
const CREATED_VPC_KEYS = ["vpcCidr", "azCount", "natGateways"] as const;

/** Reads and checks the network keys: an existing VPC when `existingVpcId` is set. */
export function networkConfig(v: ConfigValues, region: string | undefined): NetworkConfig {
    return v.str("existingVpcId") ? existingNetwork(v) : createdNetwork(v, region);
}

function createdNetwork(v: ConfigValues, region: string | undefined): CreatedNetworkConfig {
    for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
        if (v.list(key).length > 0) v.problem(key, `only valid together with ${v.key("existingVpcId")}, which is empty`);
    }
    const cidr = v.str("vpcCidr");
    if (cidr !== undefined) {
        const parsed = parseCidr(cidr);
        const special = parsed && specialRange(cidr);
        if (!parsed) {
            v.problem("vpcCidr", `must be an IPv4 CIDR with no host bits set, e.g. 10.0.0.0/16 (got ${JSON.stringify(cidr)})`);
        } else if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
            v.problem("vpcCidr", `prefix must be /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} so every AZ gets room for Fargate pods (got /${parsed.prefix})`);
        } else if (special) {
            v.problem("vpcCidr", `${cidr} is in the ${special} range, which AWS refuses for a VPC; use a private range such as 10.0.0.0/16`);
        } else if (overlaps(cidr, DOCKER_BRIDGE_CIDR)) {
            v.problem("vpcCidr", `${cidr} overlaps ${DOCKER_BRIDGE_CIDR}, Docker's bridge network, which EKS advises against; use another range such as 10.0.0.0/16`);
        }
    }
    const azCount = v.range("azCount", 2, MAX_AZ_COUNT); // EKS and load balancers need two AZs at least
    const zones = region === undefined ? undefined : REGION_ZONE_COUNTS[region];
    if (azCount !== undefined && zones !== undefined && azCount > zones) {
        v.problem("azCount", `${region} has ${zones} Availability Zones an account can use, fewer than ${azCount}; set ${v.key("azCount")} to ${Math.min(zones, MAX_AZ_COUNT)} or less`);
    }
    v.checkEnum("natGateways", NAT_STRATEGIES);
    return {
        kind: "create",
        cidr: cidr ?? "",
        azCount: azCount ?? 0,
        natGateways: v.str("natGateways") as CreatedNetworkConfig["natGateways"],
        flowLogs: v.bool("vpcFlowLogs")!,
    };
}

function existingNetwork(v: ConfigValues): ExistingNetworkConfig {
    const vpcId = v.str("existingVpcId")!;
    if (!VPC_ID.test(vpcId)) v.problem("existingVpcId", `must be a VPC id such as vpc-0123456789abcdef0 (got ${JSON.stringify(vpcId)})`);
    for (const key of CREATED_VPC_KEYS.filter((k) => v.isSet(k))) {
        v.problem(key, `has no effect with ${v.key("existingVpcId")} (the existing VPC's own layout is used); remove it`);
    }
    v.checkList("existingPrivateSubnetIds", (id) => SUBNET_ID.test(id), "a subnet id such as subnet-0123456789abcdef0");
    v.checkList("existingPublicSubnetIds", (id) => SUBNET_ID.test(id), "a subnet id such as subnet-0123456789abcdef0");
    const privateIds = v.list("existingPrivateSubnetIds");
    const publicIds = v.list("existingPublicSubnetIds");
    if (privateIds.length < 2) {
        v.problem("existingPrivateSubnetIds", `must list at least 2 private subnets in different AZs when ${v.key("existingVpcId")} is set (got ${privateIds.length})`);
    }
    if (publicIds.length === 1) {
        v.problem("existingPublicSubnetIds", "must be empty or list at least 2 subnets (internet-facing load balancers need 2 AZs)");
    }
    for (const id of privateIds.filter((i) => publicIds.includes(i))) {
        v.problem("existingPublicSubnetIds", `${id} is also listed as private; a subnet is either public or private`);
    }
    // Flow logs on an adopted VPC are still ours to keep: the audit trail of the traffic of this
    // stack's pods must not depend on what the VPC's owner records. A VPC takes several flow logs.
    return { kind: "existing", vpcId, privateSubnetIds: privateIds, publicSubnetIds: publicIds, flowLogs: v.bool("vpcFlowLogs")! };
}
