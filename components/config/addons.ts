/** The cluster add-ons (chart versions) and the Git repository Argo CD deploys from. */
import { LOAD_BALANCER_CONTROLLER_POLICY_VERSION } from "../iam/load-balancer-controller";
import { CONFIG_SCHEMA } from "./schema";
import type { AddonsConfig } from "./types";
import { ConfigValues } from "./values";

/** An exact chart version: ranges would let a preview and the following update install different charts. */
const SEMVER = /^\d+\.\d+\.\d+$/;

/** Reads and checks the add-on and Git keys. */
export function addonsConfig(v: ConfigValues): AddonsConfig {
    // The controller's permissions are its version's official policy, shipped as data.
    const lbcVersion = v.str("loadBalancerControllerChartVersion");
    if (lbcVersion !== undefined && `v${lbcVersion}` !== LOAD_BALANCER_CONTROLLER_POLICY_VERSION) {
        v.problem("loadBalancerControllerChartVersion", `must be ${LOAD_BALANCER_CONTROLLER_POLICY_VERSION.slice(1)}, the version whose official IAM policy ships in components/iam/ (got ${JSON.stringify(lbcVersion)}); add that version's policy to upgrade`);
    }
    for (const key of ["metricsServerChartVersion", "argocdChartVersion"] as const) {
        const version = v.str(key);
        if (version !== undefined && !SEMVER.test(version)) v.problem(key, `must be an exact chart version such as ${CONFIG_SCHEMA[key].default} (got ${JSON.stringify(version)})`);
    }

    const repoUrl = v.str("gitRepoUrl");
    const sshKey = v.str("gitSshPrivateKey");
    const sshUrl = repoUrl !== undefined && /^(ssh:\/\/[^\s]+|[\w.-]+@[\w.-]+:[^\s]+)$/.test(repoUrl);
    if (repoUrl !== undefined && !sshUrl && !/^https:\/\/[^\s/]+\/[^\s]+$/.test(repoUrl)) {
        v.problem("gitRepoUrl", `must be https://host/org/repo.git, git@host:org/repo.git or ssh://... (got ${JSON.stringify(repoUrl)})`);
    }
    if (sshUrl && !sshKey) v.problem("gitSshPrivateKey", `required for the SSH URL ${repoUrl}; set it with pulumi config set --secret`);
    if (sshKey && repoUrl !== undefined && !sshUrl) v.problem("gitSshPrivateKey", `only used with an SSH ${v.key("gitRepoUrl")} (git@host:org/repo.git or ssh://...)`);
    // The message never quotes the value: it is a secret.
    if (sshKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(sshKey)) {
        v.problem("gitSshPrivateKey", "must be a PEM/OpenSSH private key (-----BEGIN ... PRIVATE KEY-----)");
    }
    const revision = v.str("gitRevision");
    if (revision !== undefined && !/^[\w./-]{1,255}$/.test(revision)) {
        v.problem("gitRevision", `must be a branch, tag or commit such as main (got ${JSON.stringify(revision)})`);
    }
    return {
        loadBalancerControllerChartVersion: lbcVersion!,
        metricsServerChartVersion: v.str("metricsServerChartVersion")!,
        argocdChartVersion: v.str("argocdChartVersion")!,
        highAvailability: v.bool("addonsHighAvailability")!,
        argocdComponents: { applicationSet: v.bool("argocdApplicationSet")!, notifications: v.bool("argocdNotifications")!, dex: v.bool("argocdDex")! },
        git: { repoUrl: repoUrl!, revision: revision!, sshPrivateKey: sshKey || undefined },
    };
}
