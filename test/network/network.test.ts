import { strict as assert } from "assert";
import { flowLogsDeliveryPolicy, flowLogsTrustPolicy } from "../../components/network/flow-logs";
import { natGatewayIndexes } from "../../components/network/network";
import { rootName, statefulNames } from "../../components/naming";
import { PlanResult } from "../../scripts/offline/engine";
import { input, named, ofType, plan, stackConfig, subtree, waitsFor } from "../support";

const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const WHERE = { partition: "aws", region: "ap-northeast-1", accountId: "123456789012" };

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

            it("manages the VPC's default security group and leaves it without any rule", async () => {
                const result = await plan(stack);
                const groups = ofType(result, DEFAULT_SG);
                assert.deepEqual(groups.map((g) => input(g, "vpcId")), [named(result, "network-vpc").id]);
                assert.deepEqual([input(groups[0], "ingress"), input(groups[0], "egress")], [[], []]);
            });

            const flowLogs = stackConfig(stack).network.flowLogs;
            it(flowLogs ? "records all of the VPC's traffic in its own log group, through a role only this account's flow logs assume" : "records no flow logs (cheap on purpose)", async () => {
                const result = await plan(stack);
                const vpc = named(result, "network-vpc");
                const flow = ofType(result, FLOW_LOG);
                if (!flowLogs) {
                    assert.deepEqual(flow, []);
                    assert.deepEqual(ofType(result, "platform:network:FlowLogs"), []);
                    assert.ok(!result.resources.some((r) => r.name.startsWith("network-flow-logs")));
                    return;
                }
                assert.equal(flow.length, 1);
                const group = named(result, "network-flow-logs-group");
                const role = named(result, "network-flow-logs-role");
                assert.deepEqual(
                    [input(flow[0], "vpcId"), input(flow[0], "trafficType"), input(flow[0], "logDestinationType"), input(flow[0], "logDestination"), input(flow[0], "iamRoleArn")],
                    [vpc.id, "ALL", "cloud-watch-logs", `arn:aws:logs:ap-northeast-1:123456789012:log-group:${input(group, "name")}`, `arn:aws:iam::123456789012:role/${role.id}`],
                );
                assert.equal(input(group, "name"), statefulNames(rootName("platform", stack)).logGroups.flowLogs);
                assert.deepEqual(JSON.parse(input(role, "assumeRolePolicy")), flowLogsTrustPolicy(WHERE));
                const delivery = named(result, "network-flow-logs-delivery");
                assert.equal(input(delivery, "role"), role.id);
                assert.deepEqual(JSON.parse(input(delivery, "policy")), flowLogsDeliveryPolicy(WHERE, input(group, "name")));
                // The service checks the role's permissions when the flow log is created.
                assert.ok(waitsFor(result, flow[0], delivery));
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

        it("creates only the adopted VPC's flow logs (its default security group stays its owner's) and hands its ids to the cluster", async () => {
            const result = await plan("dev", { ...existing, vpcFlowLogs: "true" });
            const network = named(result, "network");
            const flowLogs = named(result, "network-flow-logs");
            assert.deepEqual(result.resources.filter((r) => r.parent === network.urn), [flowLogs]);
            assert.deepEqual(subtree(result, flowLogs).map((r) => r.type).sort(), [
                "aws:cloudwatch/logGroup:LogGroup",
                FLOW_LOG,
                "aws:iam/role:Role",
                "aws:iam/rolePolicy:RolePolicy",
            ]);
            assert.deepEqual(ofType(result, FLOW_LOG).map((f) => [input(f, "vpcId"), input(f, "trafficType")]), [["vpc-0123456789abcdef0", "ALL"]]);
            assert.deepEqual(ofType(result, DEFAULT_SG), []);
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
