import { strict as assert } from "assert";
import {
    KUBERNETES_VERSIONS,
    SUPPORT_WARNING_DAYS,
    addonVersions,
    daysLeft,
    kubernetesSupportProblems,
    kubernetesSupportWarnings,
    newestStandardVersion,
} from "../../components/cluster/versions";
import { CONFIG_SCHEMA } from "../../components/config/schema";
import { STACKS, input, named, plan, stackConfig } from "../support";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const key = (k: string) => `platform:${k}`;

describe("Kubernetes versions", () => {
    it("holds each version once, newest first, with dates from the EKS calendar and a pinned CoreDNS build", () => {
        const versions = KUBERNETES_VERSIONS.map((v) => v.version);
        assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => Number(b.split(".")[1]) - Number(a.split(".")[1])));
        for (const v of KUBERNETES_VERSIONS) {
            assert.match(v.version, /^1\.\d{2}$/);
            assert.match(v.endOfStandardSupport, /^\d{4}-\d{2}-\d{2}$/);
            // Extended support is the 12 months after standard support (the calendar's FAQ).
            const standard = new Date(`${v.endOfStandardSupport}T00:00:00Z`);
            assert.equal(v.endOfExtendedSupport, `${standard.getUTCFullYear() + 1}-${v.endOfStandardSupport.slice(5)}`, v.version);
            assert.match(v.addons.coredns, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, v.version);
        }
        assert.equal(addonVersions("1.34").coredns, "v1.12.4-eksbuild.1");
        assert.throws(() => addonVersions("1.29"), /^Error: kubernetesVersion: no add-on versions for "1\.29"; known: 1\.35, 1\.34/);
    });

    it("counts the days left in UTC: 0 on the last day, negative after it", () => {
        assert.equal(daysLeft("2026-12-02", day("2026-12-02")), 0);
        assert.equal(daysLeft("2026-12-02", day("2026-12-03")), -1);
        assert.equal(daysLeft("2026-12-02", new Date("2026-09-03T23:59:59Z")), 90);
    });

    it("warns within 90 days of the end of standard support, and through extended support", () => {
        assert.equal(SUPPORT_WARNING_DAYS, 90);
        assert.deepEqual(kubernetesSupportWarnings("1.34", day("2026-09-02"), key), []);
        assert.deepEqual(kubernetesSupportWarnings("1.34", day("2026-09-03"), key), [
            'platform:kubernetesVersion: EKS standard support of 1.34 ends on 2026-12-02 (90 days); upgrade: set platform:kubernetesVersion to "1.35" (README, Upgrading Kubernetes)',
        ]);
        assert.deepEqual(kubernetesSupportWarnings("1.34", day("2026-12-10"), key), [
            'platform:kubernetesVersion: 1.34 is in EKS extended support (billed extra) until 2027-12-02; upgrade: set platform:kubernetesVersion to "1.35" (README, Upgrading Kubernetes)',
        ]);
        assert.match(kubernetesSupportWarnings("1.34", day("2027-11-01"), key)[0], /extended support \(billed extra\), ending on 2027-12-02 \(31 days\)/);
        assert.deepEqual(kubernetesSupportWarnings("1.35", day("2026-11-28"), key), []);
    });

    it("refuses a version past standard support unless EXTENDED, and past extended support always, naming the key, the date and the fix", () => {
        assert.deepEqual(kubernetesSupportProblems("1.34", "STANDARD", day("2026-12-02"), key), []);
        assert.deepEqual(kubernetesSupportProblems("1.34", "STANDARD", day("2026-12-03"), key), [
            'platform:kubernetesVersion: 1.34 left EKS standard support on 2026-12-02 and platform:clusterSupportType is STANDARD, so EKS upgrades the cluster itself: set platform:kubernetesVersion to "1.35", or set platform:clusterSupportType to EXTENDED (billed extra until 2027-12-02)',
        ]);
        assert.deepEqual(kubernetesSupportProblems("1.34", "EXTENDED", day("2026-12-03"), key), []);
        assert.deepEqual(kubernetesSupportProblems("1.34", "EXTENDED", day("2027-12-03"), key), [
            "platform:kubernetesVersion: 1.34 left EKS extended support on 2027-12-02; EKS upgrades such clusters itself: add the current EKS versions to components/cluster/versions.ts, then set it to the newest (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar)",
        ]);
        assert.match(kubernetesSupportProblems("1.31", "EXTENDED", day("2026-11-28"), key)[0], /^platform:kubernetesVersion: 1\.31 left EKS extended support on 2026-11-26; EKS upgrades such clusters itself: set platform:kubernetesVersion to "1\.35"/);
        assert.match(kubernetesSupportProblems("1.36", "STANDARD", day("2026-11-28"), key)[0], /^platform:kubernetesVersion: "1\.36" is not an EKS version the platform supports; known: 1\.35, /);
    });

    it("ships the newest version in standard support today, as the stacks' and the schema's default", () => {
        const newest = newestStandardVersion(new Date());
        assert.ok(newest, "no version of components/cluster/versions.ts is in standard support today: add the current ones");
        assert.equal(CONFIG_SCHEMA.kubernetesVersion.default, newest.version);
        for (const stack of STACKS) assert.equal(stackConfig(stack).cluster.version, newest.version, stack);
        assert.equal(newestStandardVersion(day("2026-11-28"))?.version, "1.35");
        assert.equal(newestStandardVersion(day("2028-01-01")), undefined);
    });

    for (const stack of STACKS) {
        it(`${stack}: pins CoreDNS for its version, installs neither kube-proxy nor the VPC CNI, and the plan warns as a preview would`, async () => {
            const result = await plan(stack);
            const eks = named(result, "cluster-eks");
            const version = stackConfig(stack).cluster.version;
            assert.equal(input(named(result, "cluster-coredns"), "addonVersion"), addonVersions(version).coredns);
            assert.equal(input(eks, "kubeProxyAddonOptions.enabled"), false);
            assert.equal(input(eks, "useDefaultVpcCni"), true);
            assert.equal(input(eks, "vpcCniOptions"), undefined);
            for (const warning of kubernetesSupportWarnings(version, new Date(), key)) assert.ok(result.warnings.includes(warning), warning);
        });
    }

    it("a version in extended support plans with EXTENDED and a warning, and its own CoreDNS", async () => {
        const today = new Date();
        const extended = KUBERNETES_VERSIONS.find((v) => daysLeft(v.endOfStandardSupport, today) < 0 && daysLeft(v.endOfExtendedSupport, today) >= 0);
        assert.ok(extended, "no version of the table is in extended support today");
        const result = await plan("dev", { kubernetesVersion: extended.version, clusterSupportType: "EXTENDED" });
        const eks = named(result, "cluster-eks");
        assert.equal(input(eks, "version"), extended.version);
        assert.equal(input(named(result, "cluster-coredns"), "addonVersion"), extended.addons.coredns);
        assert.deepEqual(input(eks, "upgradePolicy"), { supportType: "EXTENDED" });
        assert.ok(result.warnings.some((w) => w.startsWith(`platform:kubernetesVersion: ${extended.version} is in EKS extended support (billed extra)`)), result.warnings.join("\n"));
    });
});
