import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { admissionRefusals } from "../../components/apps/admission";
import { Manifest, checkAppManifests } from "../../components/apps/checks";
import type { AppDescriptor } from "../../components/apps/descriptor";
import { kustomizeBuild } from "../../scripts/offline/render";

const APP: AppDescriptor = {
    name: "demo",
    description: "Demo",
    images: ["web"],
    database: true,
    volume: { uid: 10001, gid: 10001 },
    permissions: [],
    settings: {},
    secrets: { slack: { description: "Slack token", keys: ["token"] } },
};

const container = () => ({
    name: "web",
    image: "demo/web:3f9c2ab",
    ports: [{ containerPort: 8080 }],
    readinessProbe: { httpGet: { path: "/healthz", port: 8080 } },
    envFrom: [{ secretRef: { name: "database" } }, { configMapRef: { name: "platform" } }],
    env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "slack", key: "token" } } }],
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
});

/** A compliant app: a Deployment using every provided thing, a Service and an ALB Ingress. */
function manifests(): any[] {
    return [
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web" },
            spec: {
                selector: { matchLabels: { app: "web" } },
                template: {
                    metadata: { labels: { app: "web" } },
                    spec: {
                        serviceAccountName: "demo",
                        securityContext: { runAsNonRoot: true, runAsUser: 10001 },
                        containers: [container()],
                        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }, { name: "tmp", emptyDir: {} }],
                    },
                },
            },
        },
        { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { name: "web", annotations: { "alb.ingress.kubernetes.io/target-type": "ip" } },
            spec: { ingressClassName: "alb", rules: [] },
        },
    ];
}

/** Objects as the base kustomization's `namespace: app-demo` renders them: each in the app's namespace unless it names another. */
const inAppNamespace = (ms: any[]): Manifest[] => ms.map((m) => ({ ...m, metadata: { namespace: "app-demo", ...m.metadata } }));
const check = (ms: any[], app = APP) => checkAppManifests(app, "app-demo", inAppNamespace(ms), "apps/demo/overlays/dev");

/** The manifests with one change made to a copy. */
function mutated(change: (ms: any[]) => void): any[] {
    const ms = manifests();
    change(ms);
    return ms;
}
const pod = (ms: any[]) => ms[0].spec.template.spec;

describe("app manifest checks", () => {
    it("accept an app that uses only what the platform and its own manifests provide", () => {
        assert.deepEqual(check(manifests()), []);
    });

    const bad: [string, (ms: any[]) => void, RegExp][] = [
        ["a Namespace", (ms) => ms.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }), /Namespace\/x: cluster-scoped objects are the platform's/],
        ["another namespace", (ms) => (ms[1].metadata.namespace = "app-other"), /Service\/web: metadata\.namespace app-other is not the app's namespace app-demo: set `namespace: app-demo` in the base kustomization\.yaml/],
        ["a claim of its own", (ms) => ms.push({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "cache" }, spec: {} }), /PersistentVolumeClaim\/cache: Fargate mounts EFS only through statically provisioned volumes/],
        ["a writable root file system", (ms) => (pod(ms).containers[0].securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem must be true/],
        ["NET_BIND_SERVICE, the one capability restricted allows", (ms) => (pod(ms).containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]), /container web: securityContext\.capabilities\.add: NET_BIND_SERVICE is not added on this platform; listen on a port above 1023/],
        ["no memory limit", (ms) => delete pod(ms).containers[0].resources.limits.memory, /resources\.limits\.memory is required/],
        ["no readiness probe on a server", (ms) => delete pod(ms).containers[0].readinessProbe, /serves ports, so it needs a readinessProbe/],
        ["an image of another app", (ms) => (pod(ms).containers[0].image = "nginx:1.27"), /image "nginx:1\.27" must be one of demo\/web/],
        ["the latest tag", (ms) => (pod(ms).containers[0].image = "demo/web:latest"), /image tag "latest" must be a commit hash/],
        ["an untagged image", (ms) => (pod(ms).containers[0].image = "demo/web"), /image "demo\/web" must be one of demo\/web \(app\.yaml images\) with the tag/],
        [
            "a Secret nobody provides",
            (ms) => pod(ms).containers[0].envFrom.push({ secretRef: { name: "aws-keys" } }),
            /Secret aws-keys is not provided: the platform gives database, slack; declare it in app\.yaml secrets \(its values then come from pulumi config set --secret --path 'platform:apps\.demo\.secrets\.aws-keys\.<key>' <value>\)/,
        ],
        ["a ConfigMap nobody provides", (ms) => pod(ms).volumes.push({ name: "c", configMap: { name: "settings" } }), /ConfigMap settings is not provided/],
        ["a claim nobody provides", (ms) => (pod(ms).volumes[0].persistentVolumeClaim.claimName = "cache"), /claim cache is not provided: the platform gives data/],
        ["a service account nobody provides", (ms) => (pod(ms).serviceAccountName = "admin"), /serviceAccountName admin is neither the platform's \(demo\)/],
        ["the default service account", (ms) => delete pod(ms).serviceAccountName, /serviceAccountName default is neither/],
        ["an Ingress of another class", (ms) => (ms[2].spec.ingressClassName = "nginx"), /Ingress\/web: spec\.ingressClassName must be alb/],
        ["an Ingress with instance targets", (ms) => delete ms[2].metadata.annotations["alb.ingress.kubernetes.io/target-type"], /annotation alb\.ingress\.kubernetes\.io\/target-type must be ip/],
        ["a LoadBalancer Service with instance targets", (ms) => (ms[1].spec.type = "LoadBalancer"), /a LoadBalancer Service needs annotation service\.beta\.kubernetes\.io\/aws-load-balancer-nlb-target-type: ip/],
        [
            "replicas on an autoscaled Deployment",
            (ms) => {
                ms[0].spec.replicas = 2;
                ms.push({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "web" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" } } });
            },
            /Deployment\/web: scaled by a HorizontalPodAutoscaler, so leave spec\.replicas out/,
        ],
        ["an image of app.yaml no container uses", () => undefined, /image demo\/worker of app\.yaml is used by no container/],
    ];
    for (const [what, change, message] of bad) {
        it(`refuse ${what}`, () => {
            const app = what.startsWith("an image of app.yaml") ? { ...APP, images: ["web", "worker"] } : APP;
            const problems = check(mutated(change), app);
            assert.ok(problems.some((p) => message.test(p)), `expected ${message} in:\n${problems.join("\n")}`);
            assert.ok(problems.every((p) => p.startsWith("apps/demo/overlays/dev")), problems.join("\n"));
        });
    }

    it("refuse every namespaced object that leaves its namespace out, with the kustomization line that sets it; cluster-scoped ones are refused for being cluster-scoped", () => {
        const bare = [...manifests(), { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }];
        const problems = checkAppManifests(APP, "app-demo", bare as Manifest[], "apps/demo/overlays/dev");
        const missing = problems.filter((p) => p.includes("metadata.namespace"));
        assert.deepEqual(
            missing,
            ["Deployment/web", "Service/web", "Ingress/web"].map(
                (o) => `apps/demo/overlays/dev: ${o}: metadata.namespace is missing; every object names the app's namespace app-demo: set \`namespace: app-demo\` in the base kustomization.yaml (Kustomize puts it on every object)`,
            ),
        );
        assert.ok(problems.some((p) => /Namespace\/x: cluster-scoped objects are the platform's/.test(p)));
        assert.deepEqual(checkAppManifests(APP, "app-demo", inAppNamespace(manifests()), "apps/demo/overlays/dev"), []);
    });

    it("leave what the cluster would refuse to admission.ts (one place per rule): a DaemonSet, host namespaces, hostPath, hostPort, privileged, root, escalation, capabilities", () => {
        const ms = mutated((m) => {
            m[0].kind = "DaemonSet";
            Object.assign(pod(m), { hostNetwork: true, hostPID: true, hostIPC: true });
            pod(m).volumes.push({ name: "h", hostPath: { path: "/var" } });
            pod(m).securityContext = { runAsUser: 0 };
            const c = pod(m).containers[0];
            c.ports[0].hostPort = 80;
            c.securityContext = { ...c.securityContext, privileged: true, allowPrivilegeEscalation: true, capabilities: { drop: [], add: ["SYS_ADMIN"] } };
        });
        assert.deepEqual(check(ms), []);
        const refused = admissionRefusals(inAppNamespace(ms)[0]).map((r) => r.field.replace(/^spec\.template\.spec\./, ""));
        for (const field of ["kind", "hostNetwork", "hostPID", "hostIPC", "volumes[2].hostPath", "securityContext.runAsUser", "containers[0].ports[0].hostPort", "containers[0].securityContext.privileged", "containers[0].securityContext.allowPrivilegeEscalation", "containers[0].securityContext.capabilities.drop", "containers[0].securityContext.capabilities.add[0]", "containers[0].securityContext.runAsNonRoot"]) {
            assert.ok(refused.includes(field), `admission.ts does not refuse ${field}: ${refused.join(", ")}`);
        }
    });

    it("count an app's own Secrets and ConfigMaps as provided", () => {
        const ms = mutated((m) => {
            pod(m).containers[0].envFrom.push({ secretRef: { name: "own" } }, { configMapRef: { name: "own-config" } });
            m.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "own" } }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "own-config" } });
        });
        assert.deepEqual(check(ms), []);
    });

    describe("Secrets in git", () => {
        /** The one problem of the compliant manifests plus a Secret. */
        const secretProblem = (secret: object) => {
            const problems = check([...manifests(), { apiVersion: "v1", kind: "Secret", ...secret }]);
            assert.equal(problems.length, 1, problems.join("\n"));
            return problems[0];
        };

        for (const field of ["data", "stringData"]) {
            it(`refuse a Secret with ${field}, pointing to app.yaml secrets and the command that sets each key`, () => {
                const value = field === "data" ? "eG94Yi1mYWtl" : "xoxb-fake";
                const problem = secretProblem({ metadata: { name: "slack" }, [field]: { "bot-token": value, "app-token": value } });
                assert.equal(
                    problem,
                    "apps/demo/overlays/dev: Secret/slack: a Secret with data or stringData puts its values in git (a secretGenerator renders one too); remove it, " +
                        "declare it in app.yaml as secrets: {slack: {description: <what it holds>, keys: [bot-token, app-token]}} and set each key in the stack's encrypted config: " +
                        "pulumi config set --secret --path 'platform:apps.demo.secrets.slack.bot-token' <value>; " +
                        "pulumi config set --secret --path 'platform:apps.demo.secrets.slack.app-token' <value>; then pulumi up creates the Secret slack in the app's namespace",
                );
                assert.ok(!problem.includes(value), "the message never quotes a value");
            });
        }

        it("accept a Secret without values (Kubernetes fills it), and name the project's apps key when given", () => {
            assert.deepEqual(check([...manifests(), { apiVersion: "v1", kind: "Secret", metadata: { name: "token" }, type: "kubernetes.io/service-account-token" }]), []);
            const ms = [...manifests(), { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "dg==" } }];
            assert.match(checkAppManifests(APP, "app-demo", ms as Manifest[], "x", "acme:apps").join("\n"), /--path 'acme:apps\.demo\.secrets\.s\.k'/);
        });

        it("refuse what a real secretGenerator renders, naming the Secret without Kustomize's hash suffix", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-generator-"));
            try {
                fs.writeFileSync(path.join(dir, "kustomization.yaml"), "secretGenerator:\n  - name: slack\n    literals: [bot-token=xoxb-fake-generated]\n");
                const rendered = kustomizeBuild(dir);
                assert.match(rendered[0].metadata.name, /^slack-[a-z0-9]{10}$/, "Kustomize appends its hash");
                const problem = secretProblem(rendered[0]);
                assert.match(problem, new RegExp(`^apps/demo/overlays/dev: Secret/${rendered[0].metadata.name}: a Secret with data or stringData puts its values in git`));
                assert.match(problem, /secrets: \{slack: \{description: <what it holds>, keys: \[bot-token\]\}\}.*--path 'platform:apps\.demo\.secrets\.slack\.bot-token'/);
                assert.ok(!problem.includes("xoxb-fake-generated"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("give no database Secret or volume claim to an app that declares neither", () => {
        const problems = check(manifests(), { ...APP, database: false, volume: undefined });
        assert.ok(problems.some((p) => /Secret database is not provided/.test(p)));
        assert.ok(problems.some((p) => /claim data is not provided: the platform gives none/.test(p)));
    });
});
