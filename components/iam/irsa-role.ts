import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "./irsa";

export interface IrsaRoleArgs {
    /** ARN of the cluster's IAM OIDC provider (Cluster.oidcProviderArn). Required. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://` (Cluster.oidcIssuer). Required. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Namespace of the service account. Required. */
    readonly namespace: string;
    /** Name of the service account. Required. */
    readonly serviceAccount: string;
    /** The role's permissions, as an IAM policy document (JSON). Required. */
    readonly policy: pulumi.Input<string>;
    /** What the role is for, shown in IAM. Defaults to the service account's identity. */
    readonly description?: string;
}

/**
 * An IAM role one Kubernetes service account assumes through IRSA, with one inline policy. Pods get
 * it by the service account annotation `eks.amazonaws.com/role-arn: <roleArn>`.
 */
export class IrsaRole extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:iam:IrsaRole", name, {}, opts);
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: args.description ?? `IRSA: ${args.namespace}/${args.serviceAccount}`,
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.oidcIssuer])
                    .apply(([arn, issuer]) => JSON.stringify(irsaTrustPolicy(arn, issuer, args.namespace, args.serviceAccount))),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: args.policy }, { parent: this });
        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
