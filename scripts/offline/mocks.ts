import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";

/** The simulated AWS account every offline run deploys to. */
export const MOCK_ACCOUNT_ID = "123456789012";

/** Real AZ names of a few regions (ap-northeast-1 has no 1b for newer accounts); others get a-c. */
const REGION_ZONES: Record<string, string[]> = {
    "ap-northeast-1": ["a", "c", "d"],
    "us-east-1": ["a", "b", "c", "d", "e", "f"],
    "eu-west-1": ["a", "b", "c"],
};

/**
 * The role the offline plan runs as when its provider assumes none: every shipped stack declares
 * `arn:aws:iam::<its account>:role/PlatformAdmin` first in `clusterAdminArns`.
 */
export const OFFLINE_CALLER_ROLE = "PlatformAdmin";
/** The session name of the offline plan's assumed role when the provider names none. */
export const OFFLINE_CALLER_SESSION = "offline-plan";

/**
 * Who calls AWS through a provider, as `sts:GetCallerIdentity` would answer: an assumed-role session
 * (the session ARN drops a role's path), in the account the provider is pinned to. That is the
 * account a real run would be in (the provider itself refuses any other, a check the mocks do not
 * make); the mocked resources' ARNs stay in {@link MOCK_ACCOUNT_ID}, the simulated account.
 * @param providerInputs the AWS provider's registered inputs (`assumeRoles`, `allowedAccountIds`, JSON-encoded as the SDK sends them). Required.
 */
export function callerArnOf(providerInputs: Record<string, any>): string {
    const decode = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
    const assumed = decode(providerInputs.assumeRoles)?.[0];
    const accounts: string[] | undefined = decode(providerInputs.allowedAccountIds);
    if (assumed?.roleArn) {
        const [, partition, account, role] = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(assumed.roleArn) ?? [];
        if (role) return `arn:${partition}:sts::${account}:assumed-role/${role}/${assumed.sessionName ?? OFFLINE_CALLER_SESSION}`;
    }
    return `arn:aws:sts::${accounts?.[0] ?? MOCK_ACCOUNT_ID}:assumed-role/${OFFLINE_CALLER_ROLE}/${OFFLINE_CALLER_SESSION}`;
}

/** An invoke's mocked result, by token; a test may replace one to simulate another account. */
export type InvokeMock = (inputs: Record<string, any>, call?: InvokeContext) => Record<string, unknown>;

/** What an invoke's mock knows beyond its inputs. */
export interface InvokeContext {
    /** The caller identity behind the invoke's provider ({@link callerArnOf}), when it names a registered one. */
    readonly callerArn?: string;
}

function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Pulumi's auto-naming: the logical name plus a random suffix, here derived from the name so runs are stable. */
export function autoName(logicalName: string): string {
    return `${logicalName}-${hex(logicalName, 7)}`;
}

/** The security group EKS creates for a cluster and attaches to every Fargate pod. */
export function eksCreatedSecurityGroupId(clusterName: string): string {
    return `sg-${hex(`${clusterName}-eks-cluster-sg`, 17)}`;
}

/** Resource types whose `name` input Pulumi auto-names when the program leaves it unset. */
const AUTO_NAMED: Record<string, string> = {
    "aws:iam/role:Role": "name",
    "aws:iam/rolePolicy:RolePolicy": "name",
    "aws:iam/policy:Policy": "name",
    "aws:ec2/securityGroup:SecurityGroup": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:eks/fargateProfile:FargateProfile": "fargateProfileName",
    "aws:rds/subnetGroup:SubnetGroup": "name",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "name",
};

/** Id prefixes of EC2 resources, as AWS prints them. */
const ID_PREFIX: Record<string, string> = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/route:Route": "r-rtb-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:efs/fileSystem:FileSystem": "fs-",
    "aws:efs/accessPoint:AccessPoint": "fsap-",
    "aws:efs/mountTarget:MountTarget": "fsmt-",
};

/**
 * Mocks of Pulumi's runtime that behave like a fresh AWS account: ids and ARNs in AWS's formats,
 * auto-naming, realistic outputs of the remote `eks:index:Cluster` component, and strict invokes
 * (a token without a mock throws, so a new data source cannot silently return nothing).
 */
export class OfflineMocks implements pulumi.runtime.Mocks {
    private readonly invokes: Record<string, InvokeMock>;
    /** The caller identity behind each registered AWS provider, by the provider's id. */
    private readonly callers = new Map<string, string>();

    constructor(
        private readonly region: string,
        invokeOverrides: Record<string, InvokeMock> = {},
    ) {
        const zones = (REGION_ZONES[region] ?? ["a", "b", "c"]).map((z) => `${region}${z}`);
        this.invokes = {
            // The caller's ARN is the provider's (callerArnOf); a call without a provider runs as
            // PlatformAdmin in the simulated account.
            "aws:index/getCallerIdentity:getCallerIdentity": (_inputs, call) => ({
                accountId: MOCK_ACCOUNT_ID,
                arn: call?.callerArn ?? callerArnOf({}),
                userId: `AROAOFFLINEPLAN:${OFFLINE_CALLER_SESSION}`,
                id: MOCK_ACCOUNT_ID,
            }),
            // A fresh account: no cluster exists yet, so every run creates its cluster.
            "aws:eks/getClusters:getClusters": () => ({ names: [], id: region }),
            "aws:index/getPartition:getPartition": () => ({
                partition: "aws",
                dnsSuffix: "amazonaws.com",
                reverseDnsPrefix: "com.amazonaws",
                id: "aws",
            }),
            "aws:index/getRegion:getRegion": () => ({ region, name: region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` }),
            "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
                names: zones,
                zoneIds: zones.map((_, i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i + 1}`),
                groupNames: [region],
                id: region,
            }),
            "aws:ec2/getVpc:getVpc": (inputs) => ({
                id: inputs.id,
                arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:vpc/${inputs.id}`,
                cidrBlock: "10.20.0.0/16",
                enableDnsHostnames: true,
                enableDnsSupport: true,
                state: "available",
            }),
            "aws:ec2/getSubnet:getSubnet": (inputs) => ({
                id: inputs.id,
                availabilityZone: zones[parseInt(hex(inputs.id, 4), 16) % zones.length],
                vpcId: "vpc-0123456789abcdef0",
                state: "available",
            }),
            ...invokeOverrides,
        };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const mock = this.invokes[args.token];
        if (!mock) {
            const message = `offline plan: no mock for invoke ${args.token}; add one to scripts/offline/mocks.ts`;
            // The SDK reports an invoke failure by the gRPC error's `details`, not its message.
            throw Object.assign(new Error(message), { details: message });
        }
        // The provider reference is `<urn>::<id>`: the caller behind it answers getCallerIdentity.
        const callerArn = args.provider ? this.callers.get(args.provider.split("::").pop()!) : undefined;
        return mock(args.inputs, { callerArn });
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const state: Record<string, any> = { ...args.inputs };
        const nameKey = AUTO_NAMED[args.type];
        if (nameKey && state[nameKey] === undefined) state[nameKey] = autoName(args.name);
        if (args.type.startsWith("kubernetes:") && state.metadata && state.metadata.name === undefined) {
            state.metadata = { ...state.metadata, name: autoName(args.name) };
        }
        const id = this.idOf(args, state);
        if (args.type === "pulumi:providers:aws") this.callers.set(id, callerArnOf(args.inputs));
        Object.assign(state, this.extraState(args, state, id));
        return { id: args.custom ? id : undefined, state };
    }

    private idOf(args: pulumi.runtime.MockResourceArgs, state: Record<string, any>): string {
        const prefix = ID_PREFIX[args.type];
        if (prefix) return `${prefix}${hex(args.type + args.name, 17)}`;
        if (args.type === "aws:rds/cluster:Cluster" || args.type === "aws:rds/clusterInstance:ClusterInstance") {
            return state.clusterIdentifier && args.type === "aws:rds/cluster:Cluster" ? state.clusterIdentifier : (state.identifier ?? autoName(args.name));
        }
        if (args.type === "aws:kms/key:Key") {
            const h = hex(args.name, 32);
            return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
        }
        if (args.type.startsWith("kubernetes:") && state.metadata) {
            return state.metadata.namespace ? `${state.metadata.namespace}/${state.metadata.name}` : state.metadata.name;
        }
        return state.name ?? `${args.name}-id`;
    }

    private arn(service: string, resource: string, region = this.region): string {
        return `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;
    }

    /** Outputs AWS computes (ARNs, key ids) and the remote EKS component's outputs. */
    private extraState(args: pulumi.runtime.MockResourceArgs, state: Record<string, any>, id: string): Record<string, unknown> {
        switch (args.type) {
            case "aws:kms/key:Key":
                return { keyId: id, arn: this.arn("kms", `key/${id}`) };
            case "aws:iam/role:Role":
                return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${state.name}`, uniqueId: `AROA${hex(args.name, 16).toUpperCase()}` };
            case "aws:cloudwatch/logGroup:LogGroup":
                return { arn: this.arn("logs", `log-group:${state.name}`) };
            case "aws:ec2/vpc:Vpc":
                return { arn: this.arn("ec2", `vpc/${id}`) };
            case "aws:ec2/subnet:Subnet":
                return { arn: this.arn("ec2", `subnet/${id}`) };
            case "aws:eks/fargateProfile:FargateProfile":
                return { arn: this.arn("eks", `fargateprofile/${state.clusterName}/${state.fargateProfileName}/${hex(args.name, 8)}`), status: "ACTIVE" };
            case "aws:rds/cluster:Cluster": {
                const host = `${state.clusterIdentifier}.cluster-${hex(args.name, 12)}.${this.region}.rds.amazonaws.com`;
                return {
                    id: state.clusterIdentifier,
                    arn: this.arn("rds", `cluster:${state.clusterIdentifier}`),
                    endpoint: host,
                    readerEndpoint: host.replace(".cluster-", ".cluster-ro-"),
                    port: 5432,
                    masterUserSecrets: state.manageMasterUserPassword
                        ? [{ secretArn: this.arn("secretsmanager", `secret:rds!cluster-${hex(args.name, 8)}-${hex(args.name, 6)}`), kmsKeyId: state.masterUserSecretKmsKeyId, secretStatus: "active" }]
                        : [],
                };
            }
            case "aws:efs/fileSystem:FileSystem":
                return { arn: this.arn("elasticfilesystem", `file-system/${id}`), dnsName: `${id}.efs.${this.region}.amazonaws.com` };
            case "aws:ecr/repository:Repository":
                return {
                    arn: this.arn("ecr", `repository/${state.name}`),
                    repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${this.region}.amazonaws.com/${state.name}`,
                    registryId: MOCK_ACCOUNT_ID,
                };
            case "random:index/randomId:RandomId": {
                // Deterministic, of the requested size; a real one differs per creation.
                const bytes = Buffer.from(hex(`${args.name}:${JSON.stringify(state.keepers ?? {})}`, 2 * (state.byteLength ?? 8)), "hex");
                return { hex: bytes.toString("hex"), b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url"), dec: BigInt(`0x${bytes.toString("hex")}`).toString() };
            }
            case "random:index/randomPassword:RandomPassword":
                // Deterministic, of the requested length; the SDK marks `result` secret itself.
                return { result: hex(args.name, 64).slice(0, state.length ?? 16) };
            case "eks:index:Cluster":
                return this.eksClusterState(args, state);
            default:
                return {};
        }
    }

    /**
     * What pulumi-eks returns for a cluster: eks.Cluster is a remote component, which shows no
     * children under mocks, so its outputs are built here from its inputs.
     */
    private eksClusterState(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, any>): Record<string, unknown> {
        const name: string = inputs.name ?? autoName(`${args.name}-eksCluster`);
        const oidcId = hex(name, 32).toUpperCase();
        const issuer = `oidc.eks.${this.region}.amazonaws.com/id/${oidcId}`;
        const endpoint = `https://${hex(name, 32).toUpperCase()}.gr7.${this.region}.eks.amazonaws.com`;
        const clusterSecurityGroupId = eksCreatedSecurityGroupId(name);
        // pulumi-eks creates a security group of its own unless told not to; pods never get that one.
        const componentSecurityGroupId = inputs.skipDefaultSecurityGroups ? clusterSecurityGroupId : `sg-${hex(`${name}-pulumi-eks-sg`, 17)}`;
        const creds = inputs.providerCredentialOpts ?? {};
        const env = creds.profileName ? [{ name: "AWS_PROFILE", value: creds.profileName }] : [];
        const roleArgs = creds.roleArn ? ["--role-arn", creds.roleArn] : [];
        const kubeconfig = {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "kubernetes", cluster: { server: endpoint, "certificate-authority-data": Buffer.from(`${name}-ca`).toString("base64") } }],
            contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
            "current-context": "aws",
            users: [
                {
                    name: "aws",
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: "aws",
                            args: ["--region", this.region, "eks", "get-token", "--cluster-name", name, "--output", "json", ...roleArgs],
                            env,
                        },
                    },
                },
            ],
        };
        return {
            kubeconfig,
            kubeconfigJson: JSON.stringify(kubeconfig),
            oidcIssuer: issuer,
            oidcProviderUrl: `https://${issuer}`,
            oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${issuer}`,
            clusterSecurityGroupId: componentSecurityGroupId,
            nodeSecurityGroupId: componentSecurityGroupId,
            fargateProfileId: `${name}:${name}-fargateProfile`,
            fargateProfileStatus: "ACTIVE",
            eksCluster: {
                name,
                arn: this.arn("eks", `cluster/${name}`),
                endpoint,
                version: inputs.version,
                status: "ACTIVE",
                vpcConfig: { vpcId: inputs.vpcId, clusterSecurityGroupId, subnetIds: inputs.privateSubnetIds },
                identities: [{ oidcs: [{ issuer: `https://${issuer}` }] }],
            },
        };
    }
}
