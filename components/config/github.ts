/**
 * `github`: the repository whose workflows preview, deploy and build images for the stack, the
 * state backend and secrets provider they read, and how their runners reach the Kubernetes API.
 */
import { Netmask } from "netmask";
import { parseCidr, PRIVATE_RANGES, overlaps, specialRange } from "../network/cidr";
import type { ClusterConfig, GithubConfig, RunnerConfig, SecretsKey, StateBackend } from "./types";
import { closest, ConfigValues } from "./values";

const KEYS = ["repository", "branch", "oidcProvider", "backendUrl", "secretsProvider", "runner"] as const;
const RUNNER_KEYS = ["label", "inVpc", "egressCidrs"] as const;
export const OIDC_PROVIDER_MODES = ["create", "existing"] as const;

/** The default `runs-on` label: GitHub's hosted runners (no fixed address). */
export const DEFAULT_RUNNER_LABEL = "ubuntu-latest";

/**
 * GitHub owner (1-39 letters, digits, single hyphens) and repository name (letters, digits, `.`,
 * `_`, `-`), as the OIDC token's `sub` spells them.
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
 */
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;
/** A branch name without the characters git refuses in refs (`git check-ref-format`). */
const BRANCH = /^(?!.*\.\.)(?!\/)(?!.*\/$)[\w./-]{1,255}$/;
/** S3 bucket names: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^?]*)?(\?.*)?$/;
const KMS_URL = /^awskms:\/\/(?:\/(arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36})|(alias\/[\w/-]+)|([0-9a-f-]{36}))(\?.*)?$/;
const RUNNER_LABEL = /^[\w.-]{1,100}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The state backend a URL names, or a problem. Pulumi's backend URLs: https://www.pulumi.com/docs/iac/concepts/state-and-backends/ */
export function parseBackendUrl(url: string): StateBackend | string {
    const s3 = S3_URL.exec(url);
    if (s3) return { kind: "s3", bucket: s3[1], prefix: (s3[2] ?? "").replace(/^\/+|\/+$/g, "") };
    if (/^https:\/\/[\w.-]+(:\d+)?\/?$/.test(url)) return { kind: "cloud", url };
    return `must be s3://<bucket>[/<prefix>] or https://api.pulumi.com (a Pulumi Cloud URL): CI's roles can read only those (got ${JSON.stringify(url)})`;
}

/** The KMS key of an `awskms://` secrets provider, or a problem. https://www.pulumi.com/docs/iac/concepts/secrets/#aws-key-management-service-kms */
export function parseSecretsProvider(provider: string): SecretsKey | undefined | string {
    if (provider === "") return undefined;
    const kms = KMS_URL.exec(provider);
    if (kms) return kms[1] ? { keyArn: kms[1] } : kms[2] ? { alias: kms[2] } : { keyId: kms[3] };
    return `must be awskms://alias/<name>, awskms://<key id> or awskms:///<key ARN> (optionally ?region=...), or empty for Pulumi Cloud's own; a passphrase would be a long-lived secret in CI (got ${JSON.stringify(provider)})`;
}

function runnerConfig(v: ConfigValues, where: string, raw: unknown): RunnerConfig {
    const runner: RunnerConfig = { label: DEFAULT_RUNNER_LABEL, inVpc: false, egressCidrs: [] };
    if (raw === undefined) return runner;
    if (!isRecord(raw)) {
        v.problems.push(`${where}: must be a mapping {label, inVpc, egressCidrs} (got ${JSON.stringify(raw)})`);
        return runner;
    }
    for (const key of Object.keys(raw).filter((k) => !(RUNNER_KEYS as readonly string[]).includes(k))) {
        const guess = closest(key, RUNNER_KEYS);
        v.problems.push(`${where}.${key}: unknown key; expected ${RUNNER_KEYS.join(", ")}${guess ? ` (did you mean ${guess}?)` : ""}`);
    }
    const label = raw.label ?? DEFAULT_RUNNER_LABEL;
    if (typeof label !== "string" || !RUNNER_LABEL.test(label)) v.problems.push(`${where}.label: must be a runner label such as ${DEFAULT_RUNNER_LABEL} (got ${JSON.stringify(label)})`);
    const inVpc = raw.inVpc ?? false;
    if (typeof inVpc !== "boolean") v.problems.push(`${where}.inVpc: must be true or false (got ${JSON.stringify(inVpc)})`);
    const cidrs = raw.egressCidrs ?? [];
    const egress: string[] = [];
    if (!Array.isArray(cidrs)) v.problems.push(`${where}.egressCidrs: must be a list of CIDRs such as 198.51.100.0/28 (got ${JSON.stringify(cidrs)})`);
    else {
        for (const cidr of cidrs) {
            if (typeof cidr !== "string" || !parseCidr(cidr)) {
                v.problems.push(`${where}.egressCidrs: ${JSON.stringify(cidr)} is not a canonical IPv4 CIDR such as 198.51.100.0/28`);
                continue;
            }
            const isPrivate = PRIVATE_RANGES.some((r) => overlaps(cidr, r));
            if (inVpc === true && !isPrivate) v.problems.push(`${where}.egressCidrs: ${cidr} is public, but inVpc runners reach the private endpoint from the VPC's private addresses: list their subnets`);
            if (inVpc !== true && (isPrivate || specialRange(cidr))) v.problems.push(`${where}.egressCidrs: ${cidr} is not a public range; the public endpoint sees the runners' public egress addresses`);
            if (inVpc !== true && parseCidr(cidr)!.prefix === 0) v.problems.push(`${where}.egressCidrs: ${cidr} is every address, not a runner's egress: leave it empty for hosted runners`);
            egress.push(cidr);
        }
    }
    return { label: typeof label === "string" ? label : DEFAULT_RUNNER_LABEL, inVpc: inVpc === true, egressCidrs: egress };
}

/** Whether `outer` holds every address of `inner`. */
function covers(outer: string, inner: string): boolean {
    const o = new Netmask(outer);
    const i = new Netmask(inner);
    return o.contains(i.base) && o.contains(i.broadcast ?? i.last);
}

/**
 * Problems of CI's path to the Kubernetes API: every `pulumi preview`, `up` and `destroy` of the
 * stack runs on its runner and talks to the API server. Inside the VPC, the runner needs the
 * private endpoint; elsewhere, the public endpoint must admit the runners' egress: any address
 * for hosted runners (they have none of their own), or the declared fixed egress of larger runners.
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 * https://docs.github.com/en/actions/using-github-hosted-runners/about-larger-runners/about-larger-runners#networking-for-larger-runners
 *
 * @param v The stack's config values (for key names).
 * @param runner The runner config.
 * @param cluster The cluster's endpoint settings.
 */
export function ciPathProblems(v: ConfigValues, runner: RunnerConfig, cluster: Pick<ClusterConfig, "endpointPublicAccess" | "endpointPrivateAccess" | "publicAccessCidrs">): string[] {
    const where = `${v.key("github")}.runner`;
    if (runner.inVpc) {
        const problems: string[] = [];
        if (!cluster.endpointPrivateAccess) problems.push(`${v.key("endpointPrivateAccess")}: must be true: ${where}.inVpc says CI's runners reach the API from inside the VPC, through the private endpoint`);
        if (runner.egressCidrs.length === 0) problems.push(`${where}.egressCidrs: list the runners' subnets: the cluster security group admits them on 443`);
        return problems;
    }
    if (!cluster.endpointPublicAccess) {
        return [`${v.key("endpointPublicAccess")}: false leaves CI no path to the Kubernetes API: run the stack's jobs on a runner inside the VPC (${where}.inVpc: true, with its subnets in ${where}.egressCidrs) or open the public endpoint to the runners' egress`];
    }
    if (cluster.publicAccessCidrs.includes("0.0.0.0/0")) return [];
    if (runner.egressCidrs.length === 0) {
        return [
            `${v.key("publicAccessCidrs")}: admits none of CI's runners: ${where} (label ${JSON.stringify(runner.label)}) declares no fixed egress, and hosted runners have none. ` +
                `Either run the stack's jobs on larger runners with static IPs (${where}.egressCidrs, each also in ${v.key("publicAccessCidrs")}) or on a self-hosted runner in the VPC (${where}.inVpc: true with ${v.key("endpointPrivateAccess")}: true)`,
        ];
    }
    return runner.egressCidrs
        .filter((egress) => !cluster.publicAccessCidrs.some((allowed) => parseCidr(allowed) && covers(allowed, egress)))
        .map((egress) => `${v.key("publicAccessCidrs")}: must include CI's runner egress ${egress} (${where}.egressCidrs), or the stack's previews and deploys cannot reach the Kubernetes API`);
}

/**
 * Reads and checks `github`. `{}` means no CI identities (a stack run only by hand).
 * @param v The stack's config values.
 * @param cluster The cluster's endpoint settings, to check CI's path to the API.
 */
export function githubConfig(v: ConfigValues, cluster: Pick<ClusterConfig, "endpointPublicAccess" | "endpointPrivateAccess" | "publicAccessCidrs">): GithubConfig | undefined {
    const raw = v.object("github");
    const where = v.key("github");
    if (raw === undefined) {
        if (v.has("github")) v.problem("github", "must be a mapping such as {repository: owner/name, ...}, or {} for no CI identities");
        return undefined;
    }
    if (Object.keys(raw).length === 0) return undefined;
    for (const key of Object.keys(raw).filter((k) => !(KEYS as readonly string[]).includes(k))) {
        const guess = closest(key, KEYS);
        v.problems.push(`${where}.${key}: unknown key; expected ${KEYS.join(", ")}${guess ? ` (did you mean ${guess}?)` : ""}`);
    }
    const before = v.problems.length;
    const text = (key: (typeof KEYS)[number], fallback?: string): string => {
        const value = raw[key] ?? fallback;
        if (typeof value === "string") return value;
        v.problems.push(`${where}.${key}: ${value === undefined ? "required" : `must be text (got ${JSON.stringify(value)})`}`);
        return "";
    };
    const repository = text("repository");
    if (repository && !REPOSITORY.test(repository)) v.problems.push(`${where}.repository: must be owner/name as GitHub shows it, e.g. example-org/platform (got ${JSON.stringify(repository)})`);
    const branch = text("branch", "main");
    if (!BRANCH.test(branch)) v.problems.push(`${where}.branch: must be a branch name such as main (got ${JSON.stringify(branch)})`);
    const oidcProvider = text("oidcProvider");
    if (oidcProvider && !(OIDC_PROVIDER_MODES as readonly string[]).includes(oidcProvider)) {
        v.problems.push(`${where}.oidcProvider: must be create (this stack creates the account's GitHub OIDC provider) or existing (another stack or tool made it) (got ${JSON.stringify(oidcProvider)})`);
    }
    const backendUrl = text("backendUrl");
    const backend = backendUrl ? parseBackendUrl(backendUrl) : undefined;
    if (typeof backend === "string") v.problems.push(`${where}.backendUrl: ${backend}`);
    const secretsProvider = text("secretsProvider", "");
    const secretsKey = parseSecretsProvider(secretsProvider);
    if (typeof secretsKey === "string") v.problems.push(`${where}.secretsProvider: ${secretsKey}`);
    if (typeof backend === "object" && backend.kind === "s3" && secretsProvider === "") {
        v.problems.push(`${where}.secretsProvider: required with an S3 backend (the alternative, a passphrase, would be a long-lived secret in CI): awskms://alias/<key alias>?region=<region>`);
    }
    const runner = runnerConfig(v, `${where}.runner`, raw.runner);
    // CI runs with the credentials of the role its job assumed (GitHub's OIDC): a profile in the
    // stack file would be missing on the runner, and a role to assume would replace CI's own.
    if (v.str("awsProfile")) v.problem("awsProfile", `CI's jobs (${where}) run with the role they assume and have no profiles: leave it empty and set AWS_PROFILE in your shell for local runs`);
    if (v.str("assumeRoleArn")) v.problem("assumeRoleArn", `CI's jobs (${where}) run as their own roles, which it would replace: leave it empty and assume the role in your shell for local runs`);
    if (v.problems.length > before) return undefined;
    // The endpoint keys' own problems come first: the path is judged once they are valid.
    const endpointKeys = (["endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs"] as const).map((k) => `${v.key(k)}:`);
    if (!v.problems.some((p) => endpointKeys.some((k) => p.startsWith(k)))) v.problems.push(...ciPathProblems(v, runner, cluster));
    return {
        repository,
        branch,
        oidcProvider: oidcProvider as GithubConfig["oidcProvider"],
        backendUrl,
        backend: backend as StateBackend,
        secretsProvider,
        secretsKey: secretsKey as SecretsKey | undefined,
        runner,
    };
}
