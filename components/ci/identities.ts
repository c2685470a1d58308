import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CI_FINGERPRINT_TAG, CI_ROLES, CiDefinition, CiRole, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_URL, ciFingerprint } from "./policies";

export interface CiIdentitiesArgs {
    /** The identities to create ({@link ciDefinition} of the stack's `github` config). Required. */
    readonly definition: CiDefinition;
}

/**
 * The roles GitHub Actions assumes for one stack: preview, images and deploy, each with its trust,
 * inline and managed policies, and (with `oidcProvider: create`) the account's GitHub OIDC
 * provider. Everything here is protected, in every stack: CI runs as these roles, so an update
 * or a `pulumi destroy --exclude-protected` from CI never removes them (see policies.ts for why CI
 * may not change them at all). Their Kubernetes access entries belong to the cluster
 * (Cluster's `ciAccess`), which a destroy does remove.
 */
export class CiIdentities extends pulumi.ComponentResource {
    /** Each role's ARN, for the stack outputs and the access entries. */
    public readonly roleArns: Readonly<Record<CiRole, pulumi.Output<string>>>;

    constructor(name: string, args: CiIdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ci:Identities", name, {}, opts);
        const def = args.definition;
        const protect = { parent: this, protect: true };
        // One provider per account and URL: a stack whose account already has it says `existing`.
        // IAM no longer needs thumbprints for GitHub's issuer (it trusts its CA):
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
        const provider = def.createOidcProvider
            ? new aws.iam.OpenIdConnectProvider(`${name}-github-oidc`, { url: GITHUB_OIDC_URL, clientIdLists: [GITHUB_OIDC_AUDIENCE] }, protect)
            : undefined;
        const fingerprint = ciFingerprint(def);

        const arns: Partial<Record<CiRole, pulumi.Output<string>>> = {};
        for (const role of CI_ROLES) {
            const spec = def.roles[role];
            const iamRole = new aws.iam.Role(
                `${name}-${role}`,
                {
                    name: spec.name,
                    description: `GitHub Actions: ${role} (platform:github)`,
                    assumeRolePolicy: JSON.stringify(spec.trust),
                    maxSessionDuration: spec.maxSessionDuration,
                    // The deploy role carries what was applied, so a run by CI can tell whether
                    // it would change CI's identities (policies.ts ciChangeProblems).
                    tags: role === "deploy" ? { [CI_FINGERPRINT_TAG]: fingerprint } : undefined,
                },
                { ...protect, dependsOn: provider ? [provider] : [] },
            );
            if (spec.policy) {
                new aws.iam.RolePolicy(`${name}-${role}-policy`, { role: iamRole.name, name: `${spec.name}-policy`, policy: JSON.stringify(spec.policy) }, protect);
            }
            for (const policyArn of spec.managedPolicyArns) {
                const policyName = policyArn.slice(policyArn.lastIndexOf("/") + 1);
                new aws.iam.RolePolicyAttachment(`${name}-${role}-${policyName}`, { role: iamRole.name, policyArn }, protect);
            }
            arns[role] = iamRole.arn;
        }
        this.roleArns = arns as Record<CiRole, pulumi.Output<string>>;
        this.registerOutputs({ roleArns: this.roleArns });
    }
}
