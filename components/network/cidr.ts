import { Netmask } from "netmask";

/** A parsed IPv4 CIDR block. */
export interface Cidr {
    /** Network address, e.g. `10.0.0.0`. */
    readonly base: string;
    /** Prefix length, e.g. `16`. */
    readonly prefix: number;
}

const CIDR_FORM = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/**
 * Parses `a.b.c.d/n` and insists on the canonical form (no host bits set), because AWS rejects
 * `10.0.0.1/16` for VPCs and EKS public access CIDRs alike. Returns undefined when invalid.
 */
export function parseCidr(text: string): Cidr | undefined {
    if (!CIDR_FORM.test(text)) return undefined;
    const [ip, bits] = text.split("/");
    let block: Netmask;
    try {
        block = new Netmask(text);
    } catch {
        return undefined;
    }
    if (block.base !== ip || block.bitmask !== Number(bits)) return undefined;
    return { base: block.base, prefix: block.bitmask };
}

/** The `index`-th block of prefix `prefix` inside `parent` (blocks counted from the parent's base). */
function nthBlock(parent: Cidr, prefix: number, index: number): string {
    const first = new Netmask(`${parent.base}/${prefix}`);
    return index === 0 ? `${first.base}/${prefix}` : `${first.next(index).base}/${prefix}`;
}

/** Smallest and largest VPC prefix the subnet layout below supports. */
export const VPC_PREFIX_RANGE = { min: 16, max: 20 } as const;
/** Largest AZ count the layout reserves room for (4 private eighths of the VPC). */
export const MAX_AZ_COUNT = 4;

/** Subnet CIDRs, index i belonging to the i-th availability zone. */
export interface SubnetLayout {
    readonly private: readonly string[];
    readonly public: readonly string[];
}

/**
 * Carves a VPC into per-AZ subnets. Private subnets are large (an eighth of the VPC each: a /19 in a
 * /16) because every Fargate pod takes one VPC IP; public subnets only hold NAT gateways and load
 * balancer nodes, so they share the last eighth (a /22 each in a /16). Eighths 4 to 6 stay free for
 * later tiers. The layout depends only on the CIDR and the AZ index, so adding an AZ never moves an
 * existing subnet.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) throw new Error(`subnetLayout: invalid CIDR ${JSON.stringify(vpcCidr)}`);
    if (vpc.prefix < VPC_PREFIX_RANGE.min || vpc.prefix > VPC_PREFIX_RANGE.max) {
        throw new Error(`subnetLayout: prefix /${vpc.prefix} outside /${VPC_PREFIX_RANGE.min}-/${VPC_PREFIX_RANGE.max}`);
    }
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZ_COUNT) {
        throw new Error(`subnetLayout: azCount ${azCount} outside 1-${MAX_AZ_COUNT}`);
    }
    const eighth = vpc.prefix + 3;
    const lastEighth = parseCidr(nthBlock(vpc, eighth, 7))!;
    const indexes = [...Array(azCount).keys()];
    return {
        private: indexes.map((i) => nthBlock(vpc, eighth, i)),
        public: indexes.map((i) => nthBlock(lastEighth, eighth + 3, i)),
    };
}

/**
 * Address ranges that are never a network's own: AWS refuses them for VPCs and they can never be
 * a client's source address (RFC 6890 special-purpose registry). 0.0.0.0/0 itself, "everyone", is
 * allowed where a list of clients is meant.
 */
export const SPECIAL_RANGES: readonly { readonly cidr: string; readonly what: string }[] = [
    { cidr: "0.0.0.0/8", what: "'this network' (RFC 1122)" },
    { cidr: "127.0.0.0/8", what: "loopback" },
    { cidr: "169.254.0.0/16", what: "link-local (instance metadata lives there)" },
    { cidr: "224.0.0.0/4", what: "multicast" },
    { cidr: "240.0.0.0/4", what: "reserved (and broadcast)" },
];

/**
 * Docker's default bridge network. EKS advises against VPCs that overlap it: containers and
 * tools that assume it (and some AWS services) misroute traffic.
 * https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 */
export const DOCKER_BRIDGE_CIDR = "172.17.0.0/16";

/** RFC 1918 private ranges. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** Whether two CIDRs share any address. */
export function overlaps(a: string, b: string): boolean {
    const x = new Netmask(a);
    const y = new Netmask(b);
    return x.contains(y.base) || y.contains(x.base);
}

/** The special-purpose range a CIDR overlaps, if any. */
export function specialRange(cidr: string): string | undefined {
    return SPECIAL_RANGES.find((r) => overlaps(cidr, r.cidr))?.what;
}
