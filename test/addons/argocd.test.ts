import { strict as assert } from "assert";
import { repositorySecretData } from "../../components/addons/argocd";
import { ARGOCD_COMPONENTS_OFF, argocdValues } from "../../components/addons/argocd-values";
import { CONFIG_SCHEMA } from "../../components/config/schema";
import { coalesceValues, unknownValueKeys } from "../../components/addons/charts";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/addons/security-context";
import { PRIMARY_FARGATE_NAMESPACES, coveredByFargate } from "../../components/cluster/fargate";
import { SECRET_MASK } from "../../scripts/offline/engine";
import { upstreamFile } from "../../scripts/refresh-upstream";
import { input, named, plan, readReference, stackConfig, STACKS, waitsFor } from "../support";
import { restrictedProblems } from "./restricted";

const chartDefaults = () => readReference(upstreamFile("argocdValues"));

/**
 * Keys of the redis-ha subchart, whose own defaults are not in the reference (only the parent
 * chart's overrides are): its Redis, Sentinel and HAProxy containers' resources, and the pod
 * security contexts of its Redis and HAProxy pods.
 */
const REDIS_HA_SUBCHART_KEYS = ["redis-ha.redis.resources", "redis-ha.sentinel", "redis-ha.haproxy.resources", "redis-ha.securityContext", "redis-ha.haproxy.securityContext"];

/**
 * Every pod the chart runs with these (coalesced) values, with its pod and container security
 * contexts as the chart's templates take them: `global.securityContext` for the Argo CD components
 * (the repo server's copyutil init container takes the repo server's container context), their own
 * for Redis, the redis-secret-init hook Job and redis-ha's Redis (every container and init
 * container of the StatefulSet) and HAProxy.
 * https://github.com/argoproj/argo-helm/tree/argo-cd-10.1.1/charts/argo-cd/templates
 */
function podsOf(v: any): Record<string, { pod: any; container: any }> {
    const pods: Record<string, { pod: any; container: any }> = {};
    for (const c of ["controller", "server", "repoServer"]) pods[c] = { pod: v.global.securityContext, container: v[c].containerSecurityContext };
    // The chart always renders the ApplicationSet controller's Deployment: with 0 replicas it runs no pod.
    if (v.applicationSet.replicas > 0) pods.applicationSet = { pod: v.global.securityContext, container: v.applicationSet.containerSecurityContext };
    for (const c of ["dex", "notifications"]) if (v[c].enabled) pods[c] = { pod: v.global.securityContext, container: v[c].containerSecurityContext };
    if (v.redisSecretInit.enabled) pods.redisSecretInit = { pod: v.redisSecretInit.securityContext, container: v.redisSecretInit.containerSecurityContext };
    if (v.redis.enabled) pods.redis = { pod: v.redis.securityContext, container: v.redis.containerSecurityContext };
    const ha = v["redis-ha"];
    if (ha.enabled) {
        pods["redis-ha"] = { pod: ha.securityContext, container: ha.containerSecurityContext };
        pods["redis-ha.haproxy"] = { pod: ha.haproxy.securityContext, container: ha.haproxy.containerSecurityContext };
    }
    return pods;
}

/** Resource requests of every component the values turn on, by component. */
function requestsOfEnabledComponents(values: any): Record<string, any> {
    const components: Record<string, any> = {
        controller: values.controller,
        server: values.server,
        repoServer: values.repoServer,
        redisSecretInit: values.redisSecretInit,
    };
    if (values.applicationSet.replicas > 0) components.applicationSet = values.applicationSet;
    for (const c of ["dex", "notifications"]) if (values[c].enabled) components[c] = values[c];
    if (values.redis.enabled) components.redis = values.redis;
    if (values["redis-ha"].enabled) {
        for (const c of ["redis", "sentinel", "haproxy"]) components[`redis-ha.${c}`] = values["redis-ha"][c];
    }
    return Object.fromEntries(Object.entries(components).map(([k, v]) => [k, v?.resources?.requests]));
}

const ssh = {
    gitRepoUrl: "git@github.com:example-org/platform.git",
    gitSshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-not-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n",
};

describe("Argo CD", () => {
    // Every stack, each expected to run as its own config says (dev one replica, prd HA today).
    for (const [stack, ha] of STACKS.map((s) => [s, stackConfig(s).addons.highAvailability] as const)) {
        describe(stack, () => {
            it("installs the pinned chart as release argocd in a Fargate namespace, its UI not exposed", async () => {
                const result = await plan(stack);
                const release = named(result, "argocd-release");
                assert.deepEqual(
                    [input(release, "name"), input(release, "chart"), input(release, "version"), input(release, "repositoryOpts.repo"), input(release, "namespace")],
                    ["argocd", "argo-cd", stackConfig(stack).addons.argocdChartVersion, "https://argoproj.github.io/argo-helm", "argocd"],
                );
                assert.ok(coveredByFargate(input(release, "namespace"), PRIMARY_FARGATE_NAMESPACES));
                const values = input(release, "values");
                assert.equal(values.server.service.type, "ClusterIP");
                assert.equal(values.server.ingress.enabled, false);
                assert.equal(values.dex.enabled, false);
                assert.equal(values.notifications.enabled, false);
                // The redis password Secret comes from the chart's hook job, which a Helm release runs.
                assert.equal(values.redisSecretInit.enabled, true);
                assert.equal(result.outputs.argocdUiCommand, "kubectl port-forward --namespace argocd service/argocd-server 8080:443");
            });

            it(ha ? "is highly available: HA Redis, two of each stateless component, disruption budgets" : "runs one of each component", async () => {
                const values = input(named(await plan(stack), "argocd-release"), "values");
                for (const c of ["server", "repoServer"]) {
                    assert.equal(values[c].replicas, ha ? 2 : 1, c);
                    assert.equal(values[c].pdb.enabled, ha, c);
                }
                assert.equal(values.controller.replicas, 1);
                assert.equal(values["redis-ha"].enabled, ha);
                assert.equal(values.redis.enabled, !ha);
            });

            it("requests resources for every component it runs, within Fargate's smallest size", async () => {
                const values = input(named(await plan(stack), "argocd-release"), "values");
                const requests = requestsOfEnabledComponents(values);
                assert.equal(Object.keys(requests).length, ha ? 7 : 5);
                for (const [component, r] of Object.entries(requests)) {
                    assert.ok(r?.cpu && r?.memory, `${component} has no requests`);
                    assert.ok(parseInt(r.cpu, 10) <= 250 && r.cpu.endsWith("m"), `${component} cpu ${r.cpu}`);
                    assert.ok(parseInt(r.memory, 10) <= 256 && r.memory.endsWith("Mi"), `${component} memory ${r.memory}`);
                }
            });

            it("sets only keys the chart has", async () => {
                const values = input(named(await plan(stack), "argocd-release"), "values");
                const unknown = unknownValueKeys(values, chartDefaults()).filter((k) => !REDIS_HA_SUBCHART_KEYS.includes(k));
                assert.deepEqual(unknown, []);
            });

            it("runs every pod Pod Security restricted, which its namespace enforces: each pod's contexts set explicitly, no other component on", async () => {
                const values = input(named(await plan(stack), "argocd-release"), "values");
                const rendered: any = coalesceValues(chartDefaults(), values);
                const pods = podsOf(rendered);
                assert.deepEqual(Object.keys(pods).sort(), [...["controller", "redisSecretInit", "repoServer", "server"], ...(ha ? ["redis-ha", "redis-ha.haproxy"] : ["redis"])].sort());
                for (const [name, { pod, container }] of Object.entries(pods)) assert.deepEqual(restrictedProblems(name, pod, container), []);
                // Set by the program, not left to defaults a chart upgrade may change (redis-ha's are not in the reference at all).
                for (const [name, { pod, container }] of Object.entries(podsOf(values))) {
                    assert.deepEqual(pod, restrictedPodSecurityContext(), name);
                    assert.deepEqual(container, restrictedContainerSecurityContext(), name);
                }
                // The chart's other pods are off, so none escapes the check.
                for (const off of [rendered.dex, rendered.notifications, rendered.commitServer, rendered.server.extensions, rendered.redis.exporter, rendered["redis-ha"].exporter]) {
                    assert.equal(off.enabled, false);
                }
                assert.equal(input(named(await plan(stack), "argocd-namespace"), "metadata.labels")["pod-security.kubernetes.io/enforce"], "restricted");
            });

            it("runs no component that nothing uses: no ApplicationSet controller pod, no notifications, no Dex", async () => {
                assert.deepEqual(stackConfig(stack).addons.argocdComponents, ARGOCD_COMPONENTS_OFF);
                const values = input(named(await plan(stack), "argocd-release"), "values");
                assert.equal(values.applicationSet.replicas, 0);
                assert.equal(values.applicationSet.pdb.enabled, false);
                assert.equal(values.notifications.enabled, false);
                assert.equal(values.dex.enabled, false);
            });

            it("installs after the Load Balancer Controller, with its namespace and repository first", async () => {
                const result = await plan(stack);
                const release = named(result, "argocd-release");
                for (const name of ["load-balancer-controller-release", "cluster-aws-logging", "argocd-namespace", "argocd-repository"]) {
                    assert.ok(waitsFor(result, release, named(result, name)), `argocd-release does not wait for ${name}`);
                }
            });
        });
    }

    describe("components a stack turns on (argocdApplicationSet, argocdNotifications, argocdDex)", () => {
        const on = { applicationSet: true, notifications: true, dex: true };

        it("are off by default in the schema and the values", () => {
            for (const key of ["argocdApplicationSet", "argocdNotifications", "argocdDex"] as const) assert.equal(CONFIG_SCHEMA[key].default, false, key);
            assert.deepEqual(argocdValues(false), argocdValues(false, ARGOCD_COMPONENTS_OFF));
        });

        for (const ha of [false, true]) {
            it(`each runs when turned on${ha ? ", highly available" : ""}: only chart keys, requests within Fargate's smallest size, Pod Security restricted`, () => {
                const values: any = argocdValues(ha, on);
                assert.equal(values.applicationSet.replicas, ha ? 2 : 1);
                assert.equal(values.applicationSet.pdb.enabled, ha);
                assert.equal(values.notifications.enabled, true);
                assert.equal(values.dex.enabled, true);
                assert.deepEqual(unknownValueKeys(values, chartDefaults()).filter((k) => !REDIS_HA_SUBCHART_KEYS.includes(k)), []);
                const requests = requestsOfEnabledComponents(values);
                for (const c of ["applicationSet", "notifications", "dex"]) {
                    assert.ok(requests[c]?.cpu && parseInt(requests[c].cpu, 10) <= 250, `${c} cpu`);
                    assert.ok(requests[c]?.memory && parseInt(requests[c].memory, 10) <= 256, `${c} memory`);
                }
                const pods = podsOf(coalesceValues(chartDefaults(), values));
                for (const c of ["applicationSet", "notifications", "dex"]) assert.ok(pods[c], `${c} runs a pod`);
                for (const [name, { pod, container }] of Object.entries(pods)) assert.deepEqual(restrictedProblems(name, pod, container), []);
            });
        }

        it("one at a time: turning one on leaves the others off", () => {
            const only = (c: keyof typeof on) => argocdValues(false, { ...ARGOCD_COMPONENTS_OFF, [c]: true }) as any;
            assert.deepEqual([only("applicationSet").applicationSet.replicas, only("applicationSet").notifications.enabled, only("applicationSet").dex.enabled], [1, false, false]);
            assert.deepEqual([only("notifications").applicationSet.replicas, only("notifications").notifications.enabled, only("notifications").dex.enabled], [0, true, false]);
            assert.deepEqual([only("dex").applicationSet.replicas, only("dex").notifications.enabled, only("dex").dex.enabled], [0, false, true]);
        });
    });

    it("every add-on release waits for readiness long enough for Fargate to start its pods", async () => {
        const releases = (await plan("prd")).resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.deepEqual(releases.map((r) => r.name).sort(), ["argocd-release", "load-balancer-controller-release", "metrics-server-release"]);
        for (const r of releases) {
            assert.notEqual(input(r, "skipAwait"), true, r.name);
            assert.ok(input(r, "timeout") >= 600, `${r.name} times out after ${input(r, "timeout")}s`);
        }
    });

    it("declares the repository by URL, with the SSH key only for a private one", () => {
        assert.deepEqual(repositorySecretData("https://github.com/example-org/platform.git"), { type: "git", url: "https://github.com/example-org/platform.git" });
        assert.deepEqual(repositorySecretData(ssh.gitRepoUrl, "KEY"), { type: "git", url: ssh.gitRepoUrl, sshPrivateKey: "KEY" });
    });

    for (const [what, changes] of [["public", {}], ["private", ssh]] as const) {
        it(`keeps the ${what} repository Secret's data secret in the plan`, async () => {
            const result = await plan("prd", changes);
            const secret = named(result, "argocd-repository");
            assert.deepEqual(input(secret, "metadata.labels"), { "argocd.argoproj.io/secret-type": "repository" });
            assert.equal(input(secret, "metadata.namespace"), "argocd");
            assert.equal(input(secret, "stringData"), SECRET_MASK);
            assert.doesNotMatch(JSON.stringify(result), /not-a-real-key/);
        });
    }
});
