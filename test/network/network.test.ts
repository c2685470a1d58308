import { strict as assert } from "assert";
import { natGatewayIndexes } from "../../components/network/network";
import { PlanResult } from "../../scripts/offline/engine";
import { input, named, ofType, plan } from "../support";

const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE = "aws:ec2/route:Route";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";

/** For each subnet id: the default route of the route table it is associated with. */
function defaultRouteOf(result: PlanResult, subnetId: string) {
    const association = ofType(result, ASSOCIATION).find((a) => input(a, "subnetId") === subnetId);
    assert.ok(association, `subnet ${subnetId} has no route table`);
    const route = ofType(result, ROUTE).find(
        (r) => input(r, "routeTableId") === input(association, "routeTableId") && input(r, "destinationCidrBlock") === "0.0.0.0/0",
    );
    assert.ok(route, `subnet ${subnetId} has no default route`);
    return route;
}

const expected = {
    dev: { azs: 2, nats: 1, cidr: "10.10.0.0/16" },
    prd: { azs: 3, nats: 3, cidr: "10.20.0.0/16" },
} as const;

describe("network", () => {
    for (const [stack, want] of Object.entries(expected)) {
        describe(stack, () => {
            it("creates a VPC with DNS hostnames and resolution on (Fargate needs both)", async () => {
                const vpc = named(await plan(stack), "network-vpc");
                assert.equal(input(vpc, "cidrBlock"), want.cidr);
                assert.equal(input(vpc, "enableDnsHostnames"), true);
                assert.equal(input(vpc, "enableDnsSupport"), true);
            });

            it(`spreads public and private subnets over ${want.azs} distinct AZs`, async () => {
                const result = await plan(stack);
                for (const tier of ["public", "private"]) {
                    const subnets = ofType(result, SUBNET).filter((s) => s.name.startsWith(`network-${tier}-`));
                    assert.equal(subnets.length, want.azs, tier);
                    assert.equal(new Set(subnets.map((s) => input(s, "availabilityZone"))).size, want.azs, `${tier} AZs`);
                    for (const s of subnets) assert.notEqual(input(s, "mapPublicIpOnLaunch"), true, `${s.name} assigns public IPs`);
                }
            });

            it("tags subnets for load balancer discovery", async () => {
                for (const s of ofType(await plan(stack), SUBNET)) {
                    const tags = input(s, "tags");
                    const isPublic = s.name.startsWith("network-public-");
                    assert.equal(tags["kubernetes.io/role/elb"], isPublic ? "1" : undefined, s.name);
                    assert.equal(tags["kubernetes.io/role/internal-elb"], isPublic ? undefined : "1", s.name);
                    assert.equal(tags[`kubernetes.io/cluster/platform-${stack}`], "shared", s.name);
                }
            });

            it(`routes private subnets through ${want.nats} NAT gateway(s) and public ones through the internet gateway`, async () => {
                const result = await plan(stack);
                const nats = ofType(result, NAT);
                assert.equal(nats.length, want.nats);
                assert.equal(ofType(result, "aws:ec2/eip:Eip").length, want.nats);
                const igw = named(result, "network-igw");
                for (const s of ofType(result, SUBNET)) {
                    const route = defaultRouteOf(result, s.id!);
                    if (s.name.startsWith("network-public-")) {
                        assert.equal(input(route, "gatewayId"), igw.id, s.name);
                    } else {
                        const nat = nats.find((n) => n.id === input(route, "natGatewayId"));
                        assert.ok(nat, `${s.name} has no route through a NAT gateway`);
                        // NAT gateways sit in public subnets.
                        const natSubnet = ofType(result, SUBNET).find((x) => x.id === input(nat, "subnetId"))!;
                        assert.ok(natSubnet.name.startsWith("network-public-"));
                        if (want.nats > 1) {
                            assert.equal(input(natSubnet, "availabilityZone"), input(s, "availabilityZone"), `${s.name} crosses AZs`);
                        }
                    }
                }
            });
        });
    }

    it("maps each AZ to a NAT gateway per strategy", () => {
        assert.deepEqual(natGatewayIndexes("single", 3), [0, 0, 0]);
        assert.deepEqual(natGatewayIndexes("perAz", 3), [0, 1, 2]);
    });

    it("switching NAT strategy adds gateways without replacing tables or subnets", async () => {
        const single = await plan("prd", { natGateways: "single" });
        const perAz = await plan("prd");
        const names = (r: PlanResult, type: string) => ofType(r, type).map((x) => x.name).sort();
        for (const type of [SUBNET, "aws:ec2/routeTable:RouteTable", ASSOCIATION]) {
            assert.deepEqual(names(single, type), names(perAz, type), type);
        }
        assert.deepEqual(names(single, NAT), ["network-nat-az1"]);
        assert.deepEqual(names(perAz, NAT), ["network-nat-az1", "network-nat-az2", "network-nat-az3"]);
    });

    it("refuses an azCount the region cannot give before anything is registered", async () => {
        await assert.rejects(plan("prd", { azCount: "4" }), /platform:azCount: ap-northeast-1 has 3 Availability Zones an account can use, fewer than 4/);
    });

    it("fails clearly when the account has fewer usable AZs than the region lists", async () => {
        const twoZones = { "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({ names: ["ap-northeast-1a", "ap-northeast-1c"], zoneIds: ["apne1-az4", "apne1-az1"], id: "x" }) };
        await assert.rejects(plan("prd", {}, twoZones), /azCount: the region has 2 usable AZs in this account, fewer than 3; lower azCount/);
    });

    describe("existing VPC", () => {
        const existing: Record<string, string | undefined> = {
            existingVpcId: "vpc-0123456789abcdef0",
            // The created VPC's keys mean nothing with an existing VPC (the loader refuses them).
            vpcCidr: undefined,
            azCount: undefined,
            natGateways: undefined,
            existingPrivateSubnetIds: JSON.stringify(["subnet-0000000000000000a", "subnet-0000000000000000b"]),
            existingPublicSubnetIds: JSON.stringify(["subnet-0000000000000000c", "subnet-0000000000000000d"]),
        };

        it("creates no network resources and hands its ids to the cluster", async () => {
            const result = await plan("dev", existing);
            const network = named(result, "network");
            assert.deepEqual(result.resources.filter((r) => r.parent === network.urn), []);
            assert.deepEqual(result.resources.filter((r) => /aws:ec2\/(vpc|subnet|natGateway|internetGateway|routeTable|route):/.test(r.type)), []);
            const eks = named(result, "cluster-eks");
            assert.equal(input(eks, "vpcId"), "vpc-0123456789abcdef0");
            assert.deepEqual(input(eks, "privateSubnetIds"), ["subnet-0000000000000000a", "subnet-0000000000000000b"]);
            assert.deepEqual(input(eks, "fargate.subnetIds"), ["subnet-0000000000000000a", "subnet-0000000000000000b"]);
            assert.deepEqual(input(eks, "publicSubnetIds"), ["subnet-0000000000000000c", "subnet-0000000000000000d"]);
            assert.equal(result.outputs.vpcId, "vpc-0123456789abcdef0");
        });

        it("refuses a VPC without DNS hostnames", async () => {
            const noDns = { "aws:ec2/getVpc:getVpc": (i: Record<string, any>) => ({ id: i.id, enableDnsHostnames: false, enableDnsSupport: true }) };
            await assert.rejects(plan("dev", existing, noDns), /existingVpcId: VPC vpc-0123456789abcdef0 must have DNS hostnames and DNS resolution enabled/);
        });
    });
});
