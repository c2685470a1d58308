import type { PolicyDocument } from "../cluster/policies";

/** The service account annotation that binds it to an IRSA role (its value: the role's ARN). */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** The audience AWS STS expects in projected service account tokens. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** Identity of a Kubernetes service account in IAM conditions. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/**
 * Trust policy of an IRSA role: only the named service account in the named namespace, with tokens
 * issued for STS, may assume it (StringEquals on both `sub` and `aud`, no wildcard). IRSA is the
 * only way to give Fargate pods AWS permissions: EKS Pod Identity does not run on Fargate.
 * https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 *
 * @param oidcProviderArn ARN of the cluster's IAM OIDC provider.
 * @param issuer OIDC issuer without `https://` (pulumi-eks `oidcIssuer`).
 * @param namespace Namespace of the service account.
 * @param serviceAccount Name of the service account.
 */
export function irsaTrustPolicy(oidcProviderArn: string, issuer: string, namespace: string, serviceAccount: string): PolicyDocument {
    for (const [what, value] of [["namespace", namespace], ["serviceAccount", serviceAccount]] as const) {
        if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
            throw new Error(`irsaTrustPolicy: ${what} ${JSON.stringify(value)} is not a Kubernetes name (wildcards are never allowed)`);
        }
    }
    const host = issuer.replace(/^https:\/\//, "");
    return webIdentityTrustPolicy(oidcProviderArn, { [`${host}:sub`]: serviceAccountSubject(namespace, serviceAccount), [`${host}:aud`]: STS_AUDIENCE });
}

/**
 * Trust in the tokens of one OIDC provider whose claims equal exactly the given values
 * (StringEquals, no wildcard): IRSA's service accounts and GitHub Actions' jobs alike.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 * @param oidcProviderArn ARN of the IAM OIDC provider. Required.
 * @param claims `<issuer host>:<claim>` to the value (or any of the values) it must equal, in the order written. Required.
 */
export function webIdentityTrustPolicy(oidcProviderArn: string, claims: Readonly<Record<string, string | readonly string[]>>): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, typeof v === "string" ? v : [...v]])) },
            },
        ],
    };
}
