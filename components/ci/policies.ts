/**
 * CI's identities as plain data: the three roles GitHub Actions assumes per stack (preview, images,
 * deploy), who may assume each (trust), what each may do, how long a session lasts, and the
 * repository variables the workflows read. The component (identities.ts) only serialises these;
 * tests read them directly and compare them with the workflows and the README.
 *
 * Trust follows the `sub` claim GitHub puts in each job's OIDC token:
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
 * - a `pull_request` job: `repo:<owner>/<name>:pull_request`. GitHub gives no OIDC token to
 *   workflows of pull requests from forks (their GITHUB_TOKEN is read-only and `id-token: write`
 *   is not granted), so only branches of the repository itself reach the preview role;
 * - a job in an environment: `repo:<owner>/<name>:environment:<environment>`, and nothing else:
 *   the deploy role is reachable only from the stack's environment, after its protection rules
 *   (and, in a stack CI may destroy, from its destroy environment, which gates destroys alone);
 * - any other job: `repo:<owner>/<name>:ref:refs/heads/<branch>`: the images role, from the
 *   default branch only (a job with an environment would get the environment's sub instead).
 */
import { createHash } from "crypto";
import type { AwsLocation, PolicyDocument, PolicyStatement } from "../cluster/policies";
import { callerPrincipalArn } from "../cluster/access";
import { clusterAdminAccessPolicyArn } from "../cluster/policies";
import type { GithubConfig, SecretsKey } from "../config/types";
import { STS_AUDIENCE, webIdentityTrustPolicy } from "../iam/irsa";
import type { CiRoleNames } from "../naming";

/** GitHub Actions' OIDC issuer. https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials requests: STS, as for IRSA. */
export const GITHUB_OIDC_AUDIENCE = STS_AUDIENCE;

export type CiRole = keyof CiRoleNames;
export const CI_ROLES: readonly CiRole[] = ["preview", "images", "deploy"];

/**
 * The longest session each role allows (IAM `MaxSessionDuration`, 3600 to 43200 s). A session
 * cannot be renewed mid-job, so each covers the longest job that assumes the role: a preview and
 * an image build take minutes; a deploy job may run 90 minutes (a first cluster with its add-ons)
 * and asks for 7200 s (`role-duration-seconds`). IAM refuses a request longer than the role's
 * maximum. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html#id_roles_update-session-duration
 */
export const CI_SESSION_SECONDS: Readonly<Record<CiRole, number>> = { preview: 3600, images: 3600, deploy: 7200 };

/** The deploy role's tag holding {@link ciFingerprint} of the identities as last applied. */
export const CI_FINGERPRINT_TAG = "platform:ci-definition";

/** Everything CI's identities derive from. */
export interface CiContext {
    /** Partition, region and account of the stack. */
    readonly where: AwsLocation;
    readonly stack: string;
    /** Whether CI may destroy the stack (`protectStatefulResources: false`). */
    readonly destroyable: boolean;
    readonly github: GithubConfig;
    /** The roles' names (naming.ts `ciRoles`). */
    readonly names: CiRoleNames;
    /** First component of the stack's ECR repository names (naming.ts `ecrPrefix`). */
    readonly ecrPrefix: string;
}

/** One role as IAM will hold it. */
export interface CiRoleDefinition {
    readonly name: string;
    readonly trust: PolicyDocument;
    /** The inline policy; undefined when the managed policies cover everything. */
    readonly policy?: PolicyDocument;
    /** AWS managed policies attached. */
    readonly managedPolicyArns: readonly string[];
    readonly maxSessionDuration: number;
    /** The EKS access policy of its access entry; undefined: no Kubernetes access. */
    readonly accessPolicyArn?: string;
}

export interface CiDefinition {
    readonly oidcProviderArn: string;
    readonly createOidcProvider: boolean;
    readonly roles: Readonly<Record<CiRole, CiRoleDefinition>>;
}

/** The account's GitHub OIDC provider: IAM names it after its URL, so it is known before it exists. */
export function githubOidcProviderArn(where: Pick<AwsLocation, "partition" | "accountId">): string {
    return `arn:${where.partition}:iam::${where.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * The GitHub environment a destroy runs in: its own, so that its protection rules (required
 * reviewers) gate a destroy without gating every deploy of the stack.
 */
export function destroyEnvironment(stack: string): string {
    return `${stack}-destroy`;
}

/**
 * The `sub`s each role trusts (see the module comment): one each; the deploy role of a stack CI
 * may destroy (`protectStatefulResources: false`) also the destroy environment's.
 */
export function ciSubjects(github: Pick<GithubConfig, "repository" | "branch">, stack: string, destroyable = false): Readonly<Record<CiRole, readonly string[]>> {
    const repo = `repo:${github.repository}`;
    return {
        preview: [`${repo}:pull_request`],
        images: [`${repo}:ref:refs/heads/${github.branch}`],
        deploy: [`${repo}:environment:${stack}`, ...(destroyable ? [`${repo}:environment:${destroyEnvironment(stack)}`] : [])],
    };
}

/** Trust in exactly the given `sub`s of the repository, with the audience the AWS action requests (StringEquals: no wildcard). */
export function ciTrustPolicy(oidcProviderArn: string, subs: readonly string[]): PolicyDocument {
    return webIdentityTrustPolicy(oidcProviderArn, { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subs.length === 1 ? subs[0] : subs });
}

/** The region of a `?region=` query, else the stack's. */
function queryRegion(url: string, fallback: string): string {
    return /[?&]region=([a-z0-9-]+)/.exec(url)?.[1] ?? fallback;
}

/** kms:Decrypt on the secrets provider's key: what reading the stack's encrypted config and state needs. */
function secretsDecrypt(where: AwsLocation, key: SecretsKey | undefined, provider: string): PolicyStatement[] {
    if (!key) return [];
    const region = queryRegion(provider, where.region);
    if ("keyArn" in key) return [{ Sid: "SecretsProviderDecrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: key.keyArn }];
    if ("keyId" in key) return [{ Sid: "SecretsProviderDecrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: `arn:${where.partition}:kms:${region}:${where.accountId}:key/${key.keyId}` }];
    // An alias names no key ARN: allow the account's keys that carry the alias.
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
    return [
        {
            Sid: "SecretsProviderDecrypt",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: `arn:${where.partition}:kms:${region}:${where.accountId}:key/*`,
            Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": key.alias } },
        },
    ];
}

/**
 * Reading the stack's state: an S3 backend's objects under `.pulumi/` (a preview takes no lock on
 * a self-managed backend: https://github.com/pulumi/pulumi/pull/8642), and the secrets provider's
 * key. Pulumi Cloud needs nothing from AWS (its token is a GitHub secret).
 */
export function stateReadStatements(where: AwsLocation, github: GithubConfig): PolicyStatement[] {
    const statements: PolicyStatement[] = [];
    if (github.backend.kind === "s3") {
        const bucket = `arn:${where.partition}:s3:::${github.backend.bucket}`;
        const prefix = github.backend.prefix ? `${github.backend.prefix}/` : "";
        statements.push(
            { Sid: "StateList", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucket },
            { Sid: "StateRead", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/${prefix}.pulumi/*` },
        );
    }
    return [...statements, ...secretsDecrypt(where, github.secretsKey, github.secretsProvider)];
}

/** ECR actions of a push (docker buildx --push) and of asking whether a tag exists. */
const ECR_PUSH = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/**
 * IAM actions the platform's own roles and OIDC providers need (IRSA roles, the pod execution
 * role, the cluster's OIDC provider, Enhanced Monitoring's and the flow logs' roles):
 * PowerUserAccess grants everything but IAM.
 */
const PLATFORM_IAM = [
    "iam:AttachRolePolicy",
    "iam:CreateOpenIDConnectProvider",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:CreateServiceLinkedRole",
    "iam:DeleteOpenIDConnectProvider",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListOpenIDConnectProviders",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoles",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "iam:TagOpenIDConnectProvider",
    "iam:TagPolicy",
    "iam:TagRole",
    "iam:UntagOpenIDConnectProvider",
    "iam:UntagPolicy",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/** What would change or remove a role: denied on CI's own roles to the deploy role. */
export const ROLE_CHANGES = [
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/** What would change or remove the GitHub OIDC provider that every CI role trusts. */
export const PROVIDER_CHANGES = [
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
];

function roleArn(where: AwsLocation, name: string): string {
    return `arn:${where.partition}:iam::${where.accountId}:role/${name}`;
}

/**
 * The inline policy of each role.
 * - preview: reading the state (ReadOnlyAccess reads S3 already; the statements say what a
 *   preview needs all the same) and the secrets provider's key, which ReadOnlyAccess cannot use;
 * - images: the ECR push of the stack's app repositories (`<prefix>/*`) only, and reading the
 *   state: `pulumi stack output appImageRepositories` loads the stack's checkpoint through its
 *   secrets provider;
 * - deploy: the platform's IAM (PowerUserAccess has none), and an explicit Deny on changing CI's
 *   roles or the GitHub OIDC provider: no deploy can delete or weaken the role that runs it, or
 *   widen who may assume one. A Deny wins over every Allow.
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
export function ciInlinePolicies(ctx: CiContext): Readonly<Record<CiRole, PolicyDocument | undefined>> {
    const { where } = ctx;
    const state = stateReadStatements(where, ctx.github);
    const repositories = `arn:${where.partition}:ecr:${where.region}:${where.accountId}:repository/${ctx.ecrPrefix}/*`;
    return {
        // Pulumi Cloud without an AWS key: ReadOnlyAccess is all a preview needs.
        preview: state.length > 0 ? { Version: "2012-10-17", Statement: state } : undefined,
        images: {
            Version: "2012-10-17",
            Statement: [
                // GetAuthorizationToken is account-wide: it has no resource to narrow to.
                { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                { Sid: "PushAppImages", Effect: "Allow", Action: ECR_PUSH, Resource: repositories },
                ...state,
            ],
        },
        deploy: {
            Version: "2012-10-17",
            Statement: [
                { Sid: "PlatformIam", Effect: "Allow", Action: PLATFORM_IAM, Resource: [`arn:${where.partition}:iam::${where.accountId}:*`] },
                { Sid: "NeverChangeCiRoles", Effect: "Deny", Action: ROLE_CHANGES, Resource: CI_ROLES.map((role) => roleArn(where, ctx.names[role])) },
                { Sid: "NeverChangeGithubTrust", Effect: "Deny", Action: PROVIDER_CHANGES, Resource: githubOidcProviderArn(where) },
            ],
        },
    };
}

/**
 * AWS managed policies: the preview reads everything a plan may look up (ReadOnlyAccess: no
 * secret values, which it would not need); the deploy manages everything but IAM, accounts and
 * organizations (PowerUserAccess), with IAM added by its inline policy. The images role has only
 * its inline policy.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ReadOnlyAccess.html
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html
 */
export function ciManagedPolicyArns(partition: string): Readonly<Record<CiRole, readonly string[]>> {
    return {
        preview: [`arn:${partition}:iam::aws:policy/ReadOnlyAccess`],
        images: [],
        deploy: [`arn:${partition}:iam::aws:policy/PowerUserAccess`],
    };
}

/**
 * Kubernetes access (EKS access policies): the deploy role is a cluster administrator; the preview
 * role views everything, Secrets included (AmazonEKSAdminViewPolicy). A preview reads the live
 * objects it diffs, and Helm keeps each release in a Secret of its namespace; the Secrets the
 * program writes hold values the preview role already decrypts from the stack's config. It can
 * write nothing: pulumi-kubernetes falls back to a client-side diff when the server-side dry run
 * is forbidden (https://github.com/pulumi/pulumi-kubernetes/pull/2419). The images role needs no
 * cluster. https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
export function ciAccessPolicyArns(partition: string): Readonly<Record<CiRole, string | undefined>> {
    return {
        preview: `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy`,
        images: undefined,
        deploy: clusterAdminAccessPolicyArn(partition),
    };
}

/** The whole of CI's identities for one stack. */
export function ciDefinition(ctx: CiContext): CiDefinition {
    const oidcProviderArn = githubOidcProviderArn(ctx.where);
    const subjects = ciSubjects(ctx.github, ctx.stack, ctx.destroyable);
    const policies = ciInlinePolicies(ctx);
    const managed = ciManagedPolicyArns(ctx.where.partition);
    const access = ciAccessPolicyArns(ctx.where.partition);
    const role = (r: CiRole): CiRoleDefinition => ({
        name: ctx.names[r],
        trust: ciTrustPolicy(oidcProviderArn, subjects[r]),
        policy: policies[r],
        managedPolicyArns: managed[r],
        maxSessionDuration: CI_SESSION_SECONDS[r],
        accessPolicyArn: access[r],
    });
    return { oidcProviderArn, createOidcProvider: ctx.github.oidcProvider === "create", roles: { preview: role("preview"), images: role("images"), deploy: role("deploy") } };
}

/** JSON with object keys sorted, so equal definitions hash equally. */
function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

/** A short hash of everything CI's identities are: trust, permissions, sessions, Kubernetes access. */
export function ciFingerprint(definition: CiDefinition): string {
    return createHash("sha256").update(canonical(definition)).digest("hex").slice(0, 16);
}

/** A stack's name as a variable suffix: upper case, every other character `_` (`dev` → `DEV`). */
export function variableSuffix(stack: string): string {
    return stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** The names of a stack's repository variables (what `scripts/ci-stacks.ts` reads), by what they hold. */
export interface CiVariableNames {
    readonly region: string;
    readonly roles: Readonly<Record<CiRole, string>>;
    readonly runner: string;
    readonly backendUrl: string;
    /** Optional: unset or empty, the stack has no secrets provider to pass. */
    readonly secretsProvider: string;
}

/** The names of a stack's repository variables, each ending with {@link variableSuffix}. */
export function ciVariableNames(stack: string): CiVariableNames {
    const s = variableSuffix(stack);
    return {
        region: `AWS_REGION_${s}`,
        roles: { preview: `AWS_PREVIEW_ROLE_ARN_${s}`, images: `AWS_IMAGES_ROLE_ARN_${s}`, deploy: `AWS_DEPLOY_ROLE_ARN_${s}` },
        runner: `CI_RUNNER_${s}`,
        backendUrl: `PULUMI_BACKEND_URL_${s}`,
        secretsProvider: `PULUMI_SECRETS_PROVIDER_${s}`,
    };
}

/**
 * The repository variables the workflows read for this stack ({@link ciVariableNames}): set once
 * from `pulumi stack output ciVariables` (README, Delivery). None is secret: role ARNs, a region, a
 * runner label, the backend URL and the secrets provider's key alias.
 */
export function ciVariables(
    stack: string,
    region: string,
    roleArns: Readonly<Record<CiRole, string>>,
    github: Pick<GithubConfig, "backendUrl" | "secretsProvider" | "runner">,
): Record<string, string> {
    const n = ciVariableNames(stack);
    return {
        [n.region]: region,
        [n.roles.preview]: roleArns.preview,
        [n.roles.images]: roleArns.images,
        [n.roles.deploy]: roleArns.deploy,
        [n.runner]: github.runner.label,
        [n.backendUrl]: github.backendUrl,
        ...(github.secretsProvider ? { [n.secretsProvider]: github.secretsProvider } : {}),
    };
}

/** Which of CI's roles a caller ARN (an assumed-role session or the role) is, if any; same account only. */
export function ciRoleOf(callerArn: string, names: CiRoleNames, accountId: string): CiRole | undefined {
    const role = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(callerPrincipalArn(callerArn));
    if (!role || role[1] !== accountId) return undefined;
    return CI_ROLES.find((r) => names[r] === role[2]);
}

/**
 * Problems of a run by one of CI's own roles that would change CI's identities. IAM denies the
 * deploy role any change to them (see {@link ciInlinePolicies}), so such an update would fail
 * halfway: the program refuses it up front, in the pull request's preview already, and says how
 * to apply it (a local `pulumi up` as an administrator). Changing them is rare: the repository,
 * branch, backend or secrets provider, or a new version of the program's CI policies.
 *
 * @param caller Which CI role runs the program; undefined: a person, nothing to refuse.
 * @param desired {@link ciFingerprint} of the config's identities; undefined: `github` is `{}`.
 * @param applied The deploy role's {@link CI_FINGERPRINT_TAG} as IAM holds it; undefined: none.
 * @param key The config key, e.g. `platform:github`.
 * @param admin Who applies it instead: the first of `clusterAdminArns`.
 */
export function ciChangeProblems(caller: CiRole | undefined, desired: string | undefined, applied: string | undefined, key: string, admin: string | undefined): string[] {
    if (caller === undefined) return [];
    const locally = `apply it with a local \`pulumi up\` as an administrator (${admin ?? "the first of clusterAdminArns"}); CI runs again once it is applied`;
    if (desired === undefined) {
        return [`${key}: is {} while CI's ${caller} role runs this: that would delete CI's roles, the one running included, which CI is denied: ${locally}`];
    }
    if (applied !== desired) {
        return [
            `${key}: this change alters CI's own identities (trust, permissions, session length or Kubernetes access: definition ${desired}, applied ${applied ?? "none"}), ` +
                `which the deploy role may not change, so no deploy can weaken the role that runs it: ${locally}`,
        ];
    }
    return [];
}
