import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig } from "../config/load";
import type { LogStorage } from "../kms";
import { statefulNames } from "../naming";
import { subnetLayout } from "./cidr";
import { FlowLogs } from "./flow-logs";

/** Tags the AWS Load Balancer Controller uses to discover subnets. https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/subnet_discovery/ */
export const PUBLIC_ELB_TAG = "kubernetes.io/role/elb";
export const INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb";

export interface NetworkArgs {
    /** The network slice of the stack config: a VPC to create, or an existing one to adopt. Required. */
    readonly config: NetworkConfig;
    /** EKS cluster name, written into the `kubernetes.io/cluster/<name>` subnet tag. Required. */
    readonly clusterName: string;
    /** The stack's root name (naming.ts `rootName`): the flow log group's name derives from it. Required. */
    readonly root: string;
    /** Key, retention and protection of the flow logs' log group (used when `config.flowLogs`). Required. */
    readonly logs: LogStorage;
}

/** Which NAT gateway (by AZ index) each private subnet's default route uses. */
export function natGatewayIndexes(strategy: "single" | "perAz", azCount: number): number[] {
    return [...Array(azCount).keys()].map((i) => (strategy === "perAz" ? i : 0));
}

/**
 * The VPC the cluster runs in: public subnets (NAT gateways, internet-facing load balancers) and
 * private subnets (the cluster and every Fargate pod) across `azCount` AZs, its default security
 * group emptied, and its flow logs when `vpcFlowLogs` is on. With an existing VPC it creates only
 * the flow logs (when on) and passes the configured ids through; its default security group stays
 * its owner's.
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** How many private subnets there are, known before deployment (one mount target each, say). */
    public readonly subnetCount: number;
    /** AZ of each private subnet, in the same order: where multi-AZ services place their instances. */
    public readonly availabilityZones: pulumi.Output<string[]>;
    /**
     * What workloads need before they start: the private subnets' default routes through NAT, since
     * Fargate pods pull images over them. Empty for an existing VPC, whose egress is its owner's.
     */
    public readonly egress: readonly pulumi.Resource[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, {}, opts);
        const config = args.config;

        if (config.kind === "existing") {
            const vpc = aws.ec2.getVpcOutput({ id: config.vpcId }, { parent: this });
            // Fargate needs DNS hostnames and resolution in the VPC (EKS Fargate requirements).
            this.vpcId = vpc.apply((v) => {
                if (!v.enableDnsHostnames || !v.enableDnsSupport) {
                    throw new Error(`existingVpcId: VPC ${v.id} must have DNS hostnames and DNS resolution enabled for Fargate`);
                }
                return v.id;
            });
            this.privateSubnetIds = pulumi.output([...config.privateSubnetIds]);
            this.subnetCount = config.privateSubnetIds.length;
            this.availabilityZones = pulumi.all(
                config.privateSubnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, { parent: this }).availabilityZone),
            );
            this.publicSubnetIds = pulumi.output([...config.publicSubnetIds]);
            this.egress = [];
            if (config.flowLogs) this.flowLogs(name, this.vpcId, args);
            this.registerOutputs({ vpcId: this.vpcId });
            return;
        }

        const layout = subnetLayout(config.cidr, config.azCount);
        this.subnetCount = config.azCount;
        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
        // Opt-in zones (Local/Wavelength) cannot host EKS subnets; AZ names differ per account, so
        // they are looked up, and subnets are named by index (az1, az2...), which is stable.
        const zones = aws.getAvailabilityZonesOutput(
            { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
            { parent: this },
        );
        const zoneName = (i: number) =>
            zones.names.apply((names) => {
                // The loader checked the region's zones; an account may still see fewer (zones are
                // mapped per account in the oldest regions). A RunError: reported without a stack trace.
                if (names.length < config.azCount) {
                    throw new pulumi.RunError(`azCount: the region has ${names.length} usable AZs in this account, fewer than ${config.azCount}; lower azCount`);
                }
                return names[i];
            });

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: config.cidr,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: name },
            },
            { parent: this },
        );
        // The default security group admits everything from its members and lets all out; nothing of
        // ours uses it, so it is left with no rules at all and cannot be handed to a resource by
        // accident. https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
        // Pulumi adopts the group (a VPC always has one) and removes its rules:
        // https://www.pulumi.com/registry/packages/aws/api-docs/ec2/defaultsecuritygroup/
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: `${name}-default` } }, { parent: this });
        if (config.flowLogs) this.flowLogs(name, vpc.id, args);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, { parent: this });
        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: { Name: `${name}-public` } }, { parent: this });
        new aws.ec2.Route(
            `${name}-public-default`,
            { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
            { parent: this },
        );

        const publicSubnets = layout.public.map((cidrBlock, i) => {
            const az = `az${i + 1}`;
            const subnet = new aws.ec2.Subnet(
                `${name}-public-${az}`,
                {
                    vpcId: vpc.id,
                    cidrBlock,
                    availabilityZone: zoneName(i),
                    tags: { Name: `${name}-public-${az}`, [PUBLIC_ELB_TAG]: "1", ...clusterTag },
                },
                { parent: this },
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-public-${az}`,
                { subnetId: subnet.id, routeTableId: publicRoutes.id },
                { parent: this },
            );
            return subnet;
        });

        const natIndexes = natGatewayIndexes(config.natGateways, config.azCount);
        const natGateways = new Map<number, aws.ec2.NatGateway>();
        for (const i of new Set(natIndexes)) {
            const az = `az${i + 1}`;
            const eip = new aws.ec2.Eip(`${name}-nat-${az}`, { domain: "vpc", tags: { Name: `${name}-nat-${az}` } }, { parent: this, dependsOn: [igw] });
            const nat = new aws.ec2.NatGateway(
                `${name}-nat-${az}`,
                { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: { Name: `${name}-nat-${az}` } },
                // A NAT gateway only forwards once the VPC has its internet gateway.
                { parent: this, dependsOn: [igw] },
            );
            natGateways.set(i, nat);
        }

        const egress: pulumi.Resource[] = [];
        const privateSubnets = layout.private.map((cidrBlock, i) => {
            const az = `az${i + 1}`;
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${az}`,
                {
                    vpcId: vpc.id,
                    cidrBlock,
                    availabilityZone: zoneName(i),
                    tags: { Name: `${name}-private-${az}`, [INTERNAL_ELB_TAG]: "1", ...clusterTag },
                },
                { parent: this },
            );
            // One route table per AZ whatever the NAT strategy, so switching single <-> perAz only
            // changes routes, never the tables or associations.
            const table = new aws.ec2.RouteTable(`${name}-private-${az}`, { vpcId: vpc.id, tags: { Name: `${name}-private-${az}` } }, { parent: this });
            new aws.ec2.RouteTableAssociation(`${name}-private-${az}`, { subnetId: subnet.id, routeTableId: table.id }, { parent: this });
            egress.push(
                new aws.ec2.Route(
                    `${name}-private-${az}-default`,
                    { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateways.get(natIndexes[i])!.id },
                    { parent: this },
                ),
            );
            return subnet;
        });

        this.vpcId = vpc.id;
        this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
        this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
        this.availabilityZones = pulumi.all(privateSubnets.map((s) => s.availabilityZone));
        this.egress = egress;
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }

    /** The VPC's flow logs, created or adopted alike (see the loader's network.ts). */
    private flowLogs(name: string, vpcId: pulumi.Input<string>, args: NetworkArgs): FlowLogs {
        return new FlowLogs(`${name}-flow-logs`, { vpcId, logGroupName: statefulNames(args.root).logGroups.flowLogs, logs: args.logs }, { parent: this });
    }
}
