import * as aws from "@pulumi/aws";
import { ConfigError } from "../errors";

/**
 * Who may run the program, and who gets an access entry. The cluster's administrators are the
 * stack's `clusterAdminArns`, and CI's deploy role that the program creates (components/ci).
 * EKS also makes the identity that creates a cluster an administrator
 * (`bootstrapClusterCreatorAdminPermissions`, which pulumi-eks always sets:
 * https://github.com/pulumi/pulumi-eks/issues/2373), and refuses a second access entry for that
 * principal (ResourceInUseException, https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html).
 * So the creator is declared too: the first ARN of `clusterAdminArns` creates the cluster and gets
 * no access entry; every other declared ARN gets one; and the program refuses to run, before
 * anything reaches AWS, as anyone who is not declared. Access then follows the config alone, not
 * whoever ran the first `pulumi up`.
 */

/** An IAM or STS ARN taken apart: partition, account, and (for roles and assumed roles) the role's name. */
interface ParsedPrincipal {
    readonly partition: string;
    readonly account: string;
    /** `role` (an IAM role, also reached through an STS assumed-role session), `user`, or another IAM resource kind. */
    readonly kind: string;
    /** The role's or user's name, without the path. */
    readonly name: string;
}

const IAM_ARN = /^arn:([a-z-]+):iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/;
const ASSUMED_ROLE_ARN = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

function parsePrincipal(arn: string): ParsedPrincipal | undefined {
    const iam = IAM_ARN.exec(arn);
    if (iam) return { partition: iam[1], account: iam[2], kind: iam[3], name: iam[4] };
    const sts = ASSUMED_ROLE_ARN.exec(arn);
    if (sts) return { partition: sts[1], account: sts[2], kind: "role", name: sts[3] };
    return undefined;
}

/**
 * The IAM ARN of the identity behind a caller ARN (`sts:GetCallerIdentity`'s `Arn`): an assumed-role
 * session `arn:aws:sts::<account>:assumed-role/<role>/<session>` becomes the role
 * `arn:aws:iam::<account>:role/<role>`; an IAM user or root ARN is returned as it is. The session ARN
 * carries no path, so a role with a path comes back without it (see {@link declaredAdmin}).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 * @param callerArn the caller's ARN. Required.
 */
export function callerPrincipalArn(callerArn: string): string {
    const sts = ASSUMED_ROLE_ARN.exec(callerArn);
    return sts ? `arn:${sts[1]}:iam::${sts[2]}:role/${sts[3]}` : callerArn;
}

/**
 * The declared ARN that is the caller, or undefined. Roles match by partition, account and name
 * (a declared `role/ci/Deployer` is the session `assumed-role/Deployer/...`, whose ARN drops the
 * path; IAM role names are unique in an account whatever the path); anything else matches exactly.
 * @param callerArn the caller's ARN (an assumed-role session, a user, root). Required.
 * @param declared the declared administrators' ARNs. Required.
 */
export function declaredAdmin(callerArn: string, declared: readonly string[]): string | undefined {
    const caller = parsePrincipal(callerArn);
    return declared.find((arn) => {
        if (arn === callerArn) return true;
        const d = parsePrincipal(arn);
        return caller !== undefined && d !== undefined && d.partition === caller.partition && d.account === caller.account && d.kind === caller.kind && d.name === caller.name;
    });
}

/**
 * The identity that creates the cluster, and so holds EKS's creator access instead of an access
 * entry: the first of `clusterAdminArns`. Undefined when none is declared.
 * @param adminArns the stack's `clusterAdminArns`, in order. Required.
 */
export function clusterCreatorArn(adminArns: readonly string[]): string | undefined {
    return adminArns[0];
}

/**
 * The declared principals that get an access entry: every declared administrator except the
 * creator (EKS already made its entry; creating another fails). CI's roles get theirs from the
 * Cluster's `ciAccess`.
 * @param adminArns the stack's `clusterAdminArns`, in order; the first is the creator. Required.
 */
export function accessEntryArns(adminArns: readonly string[]): string[] {
    return adminArns.slice(1);
}

/** A run by one of CI's roles (components/ci): which one, and whether it is a preview. */
export interface CiCaller {
    readonly role: "preview" | "images" | "deploy";
    readonly dryRun: boolean;
}

/**
 * Problems with the identity running the program, as the loader reports them (key, value, expected
 * form): empty when it may run. Any declared administrator may update an existing cluster; only
 * the declared creator may create one (EKS would make anyone else an administrator besides the
 * declared ones, and pulumi-eks would then fail on that principal's access entry).
 * @param callerArn `sts:GetCallerIdentity`'s `Arn`. Required.
 * @param adminArns the stack's `clusterAdminArns`. Required.
 * @param clusterExists whether the stack's cluster exists already (the next run creates it if not). Required.
 * @param key the config key's full name, e.g. `platform:clusterAdminArns`. Required.
 * @param ci when the caller is one of CI's roles of this stack: which, and whether this is a preview. Defaults to none.
 */
export function callerProblems(callerArn: string, adminArns: readonly string[], clusterExists: boolean, key: string, ci?: CiCaller): string[] {
    if (ci) return ciCallerProblems(callerArn, adminArns, clusterExists, key, ci);
    const principal = callerPrincipalArn(callerArn);
    const declared = declaredAdmin(callerArn, adminArns);
    if (!declared) {
        return [
            `${key}: the identity running this program, ${callerArn}, is not declared; ` +
                `add ${JSON.stringify(principal)} to ${key} (or run with a declared role): EKS makes whoever runs pulumi up a cluster administrator`,
        ];
    }
    const creator = clusterCreatorArn(adminArns)!;
    if (!clusterExists && declared !== creator) {
        return [
            `${key}: this run creates the cluster, and EKS makes its creator an administrator: run it as the first ARN, ` +
                `${JSON.stringify(creator)}, or put ${JSON.stringify(declared)} first (running as ${callerArn})`,
        ];
    }
    return [];
}

/**
 * CI's roles: the deploy role administers an existing cluster through its access entry, but never
 * creates one (EKS would make it the creator too, and its access entry would then fail: the first
 * of `clusterAdminArns` creates the cluster, by hand, once); the preview role only previews; the
 * images role never runs the program.
 */
function ciCallerProblems(callerArn: string, adminArns: readonly string[], clusterExists: boolean, key: string, ci: CiCaller): string[] {
    const creator = clusterCreatorArn(adminArns) ?? `the first of ${key}`;
    if (ci.role === "images") return [`${key}: CI's images role (${callerArn}) pushes images; it never runs the program`];
    if (ci.role === "preview" && !ci.dryRun) return [`${key}: CI's preview role (${callerArn}) is read-only: it runs pulumi preview, never an update; updates run as the deploy role`];
    if (ci.role === "deploy" && !clusterExists) {
        return [`${key}: this run creates the cluster, which CI's deploy role never does (EKS would make it the creator, beside its own access entry): run it once by hand as ${JSON.stringify(creator)} (README, Delivery)`];
    }
    return [];
}

/** Who runs the program, as STS sees it. */
export interface Caller {
    readonly arn: string;
    readonly accountId: string;
    readonly partition: string;
}

/**
 * Checks the identity running the program before the program registers anything but `provider`
 * (profile and role need an explicit provider; `sts:GetCallerIdentity` is global, so region is not
 * what matters here): throws a {@link ConfigError} naming the key and the ARN to add.
 * @param provider the stack's AWS provider (its profile, role and region). Required.
 * @param clusterName the EKS cluster's physical name, to learn whether this run creates it. Required.
 * @param adminArns the stack's `clusterAdminArns`. Required.
 * @param key the config key's full name, e.g. `platform:clusterAdminArns`. Required.
 * @param ciRoleOf which of CI's roles a caller ARN is, if any (components/ci `ciRoleOf`). Defaults to none.
 * @param dryRun whether this run is a preview. Defaults to false.
 * @returns the caller, for what else depends on who runs the program.
 */
export async function checkCaller(
    provider: aws.Provider,
    clusterName: string,
    adminArns: readonly string[],
    key: string,
    ciRoleOf: (callerArn: string, accountId: string) => CiCaller["role"] | undefined = () => undefined,
    dryRun = false,
): Promise<Caller> {
    const [caller, clusters] = await Promise.all([aws.getCallerIdentity({}, { provider }), aws.eks.getClusters({}, { provider })]);
    const role = ciRoleOf(caller.arn, caller.accountId);
    const problems = callerProblems(caller.arn, adminArns, clusters.names.includes(clusterName), key, role ? { role, dryRun } : undefined);
    if (problems.length > 0) throw new ConfigError(problems);
    return { arn: caller.arn, accountId: caller.accountId, partition: /^arn:([a-z-]+):/.exec(caller.arn)?.[1] ?? "aws" };
}
