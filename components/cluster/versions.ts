/**
 * The EKS Kubernetes versions the platform supports, as data: when EKS ends each one's standard and
 * extended support, and the version of every EKS managed add-on the platform installs on it. A new
 * Kubernetes version, a new add-on build or a new date is a commit here; nothing is resolved at
 * deploy time, so a preview never shows drift that no commit made.
 *
 * Dates: the "Amazon EKS Kubernetes release calendar" (UTC; extended support is billed from the
 * first day past the end of standard support), {@link KUBERNETES_CALENDAR_SOURCE}.
 *
 * Add-ons on a Fargate-only cluster:
 * - `coredns` is installed (pulumi-eks' managed add-on, on Fargate through `computeType: Fargate`),
 *   its version pinned below per Kubernetes version from the "CoreDNS versions" table,
 *   {@link COREDNS_VERSIONS_SOURCE}; `aws eks describe-addon-versions --addon-name coredns
 *   --kubernetes-version <v>` lists the builds a version accepts.
 * - `kube-proxy` and `vpc-cni` are not: both are DaemonSets, and Fargate runs no DaemonSets
 *   ("Fargate considerations", https://docs.aws.amazon.com/eks/latest/userguide/fargate.html); a
 *   Fargate node brings its own networking and service proxy. Their managed add-ons would only
 *   pin versions of something that never runs.
 */
import { SUPPORT_TYPES } from "../config/schema";

export const KUBERNETES_CALENDAR_SOURCE = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar";
export const COREDNS_VERSIONS_SOURCE = "https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html#coredns-versions";

/** Days before the end of standard (or extended) support from which every preview warns. */
export const SUPPORT_WARNING_DAYS = 90;

/** One Kubernetes version: its support window and the add-on versions pinned for it. */
export interface KubernetesVersion {
    /** major.minor, as EKS and `kubernetesVersion` write it. */
    readonly version: string;
    /** Last day of standard support (UTC, YYYY-MM-DD). */
    readonly endOfStandardSupport: string;
    /** Last day of extended support (UTC, YYYY-MM-DD): EKS upgrades the control plane after it. */
    readonly endOfExtendedSupport: string;
    /** EKS managed add-on versions installed on this Kubernetes version. */
    readonly addons: { readonly coredns: string };
}

/**
 * Every version the platform accepts, newest first. Older ones are past their extended support
 * (EKS creates no cluster on them) and are refused as unknown.
 */
export const KUBERNETES_VERSIONS: readonly KubernetesVersion[] = [
    // The CoreDNS table stored when this was written ends at 1.34: 1.35's build is the v1.13.2 one
    // EKS publishes for 1.35; confirm it with describe-addon-versions before the first `pulumi up`.
    { version: "1.35", endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27", addons: { coredns: "v1.13.2-eksbuild.11" } },
    { version: "1.34", endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02", addons: { coredns: "v1.12.4-eksbuild.1" } },
    { version: "1.33", endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29", addons: { coredns: "v1.12.4-eksbuild.1" } },
    { version: "1.32", endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23", addons: { coredns: "v1.11.4-eksbuild.24" } },
    { version: "1.31", endOfStandardSupport: "2025-11-26", endOfExtendedSupport: "2026-11-26", addons: { coredns: "v1.11.4-eksbuild.24" } },
];

export type SupportType = (typeof SUPPORT_TYPES)[number];

/** The table's row for a version; undefined when the platform does not know it. */
export function kubernetesVersion(version: string): KubernetesVersion | undefined {
    return KUBERNETES_VERSIONS.find((v) => v.version === version);
}

/**
 * The add-on versions pinned for a Kubernetes version.
 *
 * @param version `kubernetesVersion`, major.minor; no default.
 * @throws Error naming the key and the known versions when the table has no row for it.
 */
export function addonVersions(version: string): KubernetesVersion["addons"] {
    const row = kubernetesVersion(version);
    if (!row) throw new Error(`kubernetesVersion: no add-on versions for ${JSON.stringify(version)}; known: ${KUBERNETES_VERSIONS.map((v) => v.version).join(", ")} (components/cluster/versions.ts)`);
    return row.addons;
}

/** Whole days from `today` (its UTC date) to the end of `date` (YYYY-MM-DD, UTC): 0 on the last day, negative after it. */
export function daysLeft(date: string, today: Date): number {
    const end = Date.parse(`${date}T00:00:00Z`);
    const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    return Math.round((end - start) / 86_400_000);
}

/**
 * Why a stack may not run a Kubernetes version today: unknown to the platform, past its extended
 * support (EKS upgrades the control plane itself), or past its standard support with
 * `clusterSupportType` STANDARD (EKS upgrades it; the next preview would try to go back).
 * Empty when the version may run.
 *
 * @param version `kubernetesVersion`; no default.
 * @param supportType `clusterSupportType`; no default.
 * @param today The date to judge by (the current date in the program, a fixed one in tests); no default.
 * @param key How to name the keys in the messages, e.g. `(k) => "platform:" + k`. Defaults to the bare key.
 */
export function kubernetesSupportProblems(version: string, supportType: SupportType, today: Date, key: (k: string) => string = (k) => k): string[] {
    const row = kubernetesVersion(version);
    const newest = newestStandardVersion(today);
    const fix = newest ? `set ${key("kubernetesVersion")} to "${newest.version}"` : "add the current EKS versions to components/cluster/versions.ts, then set it to the newest";
    if (!row) {
        return [`${key("kubernetesVersion")}: ${JSON.stringify(version)} is not an EKS version the platform supports; known: ${KUBERNETES_VERSIONS.map((v) => v.version).join(", ")} (${KUBERNETES_CALENDAR_SOURCE})`];
    }
    if (daysLeft(row.endOfExtendedSupport, today) < 0) {
        return [`${key("kubernetesVersion")}: ${version} left EKS extended support on ${row.endOfExtendedSupport}; EKS upgrades such clusters itself: ${fix} (${KUBERNETES_CALENDAR_SOURCE})`];
    }
    if (daysLeft(row.endOfStandardSupport, today) < 0 && supportType !== "EXTENDED") {
        return [
            `${key("kubernetesVersion")}: ${version} left EKS standard support on ${row.endOfStandardSupport} and ${key("clusterSupportType")} is ${supportType}, so EKS upgrades the cluster itself: ${fix}, or set ${key("clusterSupportType")} to EXTENDED (billed extra until ${row.endOfExtendedSupport})`,
        ];
    }
    return [];
}

/**
 * What every preview says about a version that may run: within {@link SUPPORT_WARNING_DAYS} of the
 * end of its standard support, in extended support (billed extra), or near the end of that.
 *
 * @param version `kubernetesVersion`, one {@link kubernetesSupportProblems} accepts; no default.
 * @param today The date to judge by; no default.
 * @param key How to name the keys. Defaults to the bare key.
 */
export function kubernetesSupportWarnings(version: string, today: Date, key: (k: string) => string = (k) => k): string[] {
    const row = kubernetesVersion(version);
    if (!row) return [];
    const newest = newestStandardVersion(today);
    const fix = newest && newest.version !== version ? `upgrade: set ${key("kubernetesVersion")} to "${newest.version}" (README, Upgrading Kubernetes)` : "no newer version is in components/cluster/versions.ts yet";
    const standard = daysLeft(row.endOfStandardSupport, today);
    const extended = daysLeft(row.endOfExtendedSupport, today);
    if (standard >= 0 && standard <= SUPPORT_WARNING_DAYS) {
        return [`${key("kubernetesVersion")}: EKS standard support of ${version} ends on ${row.endOfStandardSupport} (${standard} days); ${fix}`];
    }
    if (standard < 0 && extended >= 0) {
        const soon = extended <= SUPPORT_WARNING_DAYS ? `, ending on ${row.endOfExtendedSupport} (${extended} days)` : ` until ${row.endOfExtendedSupport}`;
        return [`${key("kubernetesVersion")}: ${version} is in EKS extended support (billed extra)${soon}; ${fix}`];
    }
    return [];
}

/** The newest version in standard support on a date (what a new stack should use); undefined when none is. */
export function newestStandardVersion(today: Date): KubernetesVersion | undefined {
    return KUBERNETES_VERSIONS.find((v) => daysLeft(v.endOfStandardSupport, today) >= 0);
}
