import { strict as assert } from "assert";
import { coalesceValues, unknownValueKeys } from "../../components/addons/charts";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/addons/security-context";
import { restrictedProblems } from "./restricted";

describe("add-on security contexts (Pod Security restricted)", () => {
    it("meet restricted together, and the check finds each field that is missing or loosened", () => {
        const pod = restrictedPodSecurityContext();
        const container = restrictedContainerSecurityContext();
        assert.deepEqual(restrictedProblems("x", pod, container), []);
        // The container's context alone is enough: some charts render no pod context for a pod.
        assert.deepEqual(restrictedProblems("x", {}, container), []);
        const without = (key: string) => Object.fromEntries(Object.entries(container).filter(([k]) => k !== key));
        for (const [changed, podContext, problem] of [
            [without("runAsNonRoot"), {}, /runAsNonRoot/],
            [{ ...container, runAsNonRoot: false }, pod, /runAsNonRoot/],
            [{ ...container, runAsUser: 0 }, pod, /uid 0/],
            [without("seccompProfile"), {}, /seccompProfile/],
            [{ ...container, seccompProfile: { type: "Unconfined" } }, pod, /seccompProfile/],
            [without("allowPrivilegeEscalation"), pod, /allowPrivilegeEscalation/],
            [{ ...container, capabilities: {} }, pod, /capabilities\.drop/],
            [{ ...container, capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } }, pod, /capabilities\.add/],
            [{ ...container, privileged: true }, pod, /privileged/],
            [without("readOnlyRootFilesystem"), pod, /readOnlyRootFilesystem/],
        ] as const) {
            const found = restrictedProblems("x", podContext, changed);
            assert.equal(found.length, 1, `${JSON.stringify(changed)}: ${found.join("; ")}`);
            assert.match(found[0], problem);
        }
        assert.match(restrictedProblems("x", { ...pod, runAsUser: 0 }, without("runAsNonRoot")).join(), /uid 0/);
    });

    it("are a new object on every call, so no two pods' values share one", () => {
        // Their fields are the API's: security-context.ts types them with kubernetes-models' interfaces.
        assert.notEqual(restrictedContainerSecurityContext(), restrictedContainerSecurityContext());
        assert.notEqual(restrictedPodSecurityContext().seccompProfile, restrictedPodSecurityContext().seccompProfile);
        assert.deepEqual(restrictedPodSecurityContext(), restrictedPodSecurityContext());
    });

    it("are pass-through values (the Kubernetes API's fields), while their keys must still be the chart's", () => {
        const chart = { securityContext: { readOnlyRootFilesystem: true }, podSecurityContext: { fsGroup: 65534 }, server: { containerSecurityContext: { runAsNonRoot: true } } };
        const values = { securityContext: { capabilities: { drop: ["ALL"] } }, podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } }, server: { containerSecurityContext: { seccompProfile: { type: "RuntimeDefault" } } } };
        assert.deepEqual(unknownValueKeys(values, chart), []);
        assert.deepEqual(unknownValueKeys({ securityContex: { runAsNonRoot: true }, server: { podSecurityContext: { runAsNonRoot: true } } }, chart), [
            "securityContex",
            "server.podSecurityContext",
        ]);
    });

    it("render merged into the chart's defaults as Helm coalesces values: maps key by key, null removes, lists replace", () => {
        const defaults = { podSecurityContext: { fsGroup: 65534 }, securityContext: { runAsUser: 1000, capabilities: { drop: ["NET_RAW"] } }, hostNetwork: false, args: ["--a"] };
        const values = { podSecurityContext: { runAsNonRoot: true }, securityContext: { capabilities: { drop: ["ALL"] }, runAsUser: null }, args: ["--b"] };
        assert.deepEqual(coalesceValues(defaults, values), {
            podSecurityContext: { fsGroup: 65534, runAsNonRoot: true },
            securityContext: { capabilities: { drop: ["ALL"] } },
            hostNetwork: false,
            args: ["--b"],
        });
        // Neither input changes.
        assert.deepEqual(defaults.podSecurityContext, { fsGroup: 65534 });
        assert.equal(values.securityContext.runAsUser, null);
    });
});
