import { strict as assert } from "assert";
import {
    MAX_SELECTORS_PER_PROFILE,
    PRIMARY_FARGATE_NAMESPACES,
    coveredByFargate,
    namespaceMatches,
    planFargateProfiles,
} from "../../components/cluster/fargate";
import { ARGOCD_NAMESPACE, KUBE_SYSTEM_NAMESPACE, PLATFORM_NAMESPACE_PREFIX, appNamespace } from "../../components/naming";

describe("Fargate selectors", () => {
    it("match namespaces with * and ? like EKS does", () => {
        assert.ok(namespaceMatches("app-*", "app-chat"));
        assert.ok(namespaceMatches("app-*", "app-"));
        assert.ok(!namespaceMatches("app-*", "apps-chat"));
        assert.ok(namespaceMatches("team-?", "team-a"));
        assert.ok(!namespaceMatches("team-?", "team-ab"));
        assert.ok(namespaceMatches("kube-system", "kube-system"));
        assert.ok(!namespaceMatches("kube-system", "kube-systems"));
        assert.ok(!namespaceMatches("a.b", "axb"), "a dot is literal");
    });

    it("cover kube-system, Argo CD, platform jobs and every app through fixed selectors", () => {
        for (const ns of [KUBE_SYSTEM_NAMESPACE, ARGOCD_NAMESPACE, `${PLATFORM_NAMESPACE_PREFIX}db-bootstrap`, appNamespace("chat"), appNamespace("slack-bot")]) {
            assert.ok(coveredByFargate(ns, PRIMARY_FARGATE_NAMESPACES), ns);
        }
        assert.ok(!coveredByFargate("default", PRIMARY_FARGATE_NAMESPACES));
        assert.ok(PRIMARY_FARGATE_NAMESPACES.length <= MAX_SELECTORS_PER_PROFILE);
    });

    it("keep the primary profile fixed and put extra namespaces in profiles of at most 5", () => {
        assert.deepEqual(planFargateProfiles([]), [{ role: "primary", namespaces: PRIMARY_FARGATE_NAMESPACES }]);
        const extras = [...Array(11).keys()].map((i) => `batch-${i}`);
        const plans = planFargateProfiles(extras);
        assert.deepEqual(plans.map((p) => p.role), ["primary", "extra-1", "extra-2", "extra-3"]);
        assert.deepEqual(plans[0].namespaces, PRIMARY_FARGATE_NAMESPACES);
        assert.deepEqual(plans.slice(1).map((p) => p.namespaces.length), [5, 5, 1]);
        assert.deepEqual(plans.slice(1).flatMap((p) => p.namespaces), extras);
    });
});
