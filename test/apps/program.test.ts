import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { coveredByFargate } from "../../components/cluster/fargate";
import { ConfigError } from "../../components/errors";
import { PlanResult, RecordedResource, SECRET_MASK } from "../../scripts/offline/engine";
import { MOCK_ACCOUNT_ID } from "../../scripts/offline/mocks";
import { APPLICATION_TYPE, APP_PROJECT_TYPE } from "../../scripts/offline/apps";
import { readStackConfig } from "../../scripts/offline/stack-config";
import { STACKS, input, named, ofType, plan, waitsFor } from "../support";

const APPS = ["chat", "db-metrics", "opensearch-merge", "slack-bot"];

/** The resources under a component, at any depth. */
function subtree(result: PlanResult, root: RecordedResource): RecordedResource[] {
    const below = result.resources.filter((r) => r.parent === root.urn);
    return below.flatMap((r) => [r, ...subtree(result, r)]);
}
const policyOf = (result: PlanResult, app: string) => JSON.parse(input(named(result, `app-${app}-irsa-policy`), "policy"));

describe("apps in the program", () => {
    for (const stack of STACKS) {
        it(`${stack}: one App component per app, every resource of the app named after it and under it`, async () => {
            const result = await plan(stack);
            assert.deepEqual(ofType(result, "platform:apps:App").map((r) => r.name), APPS.map((a) => `app-${a}`));
            for (const app of APPS) {
                const resources = subtree(result, named(result, `app-${app}`));
                assert.ok(resources.length >= 8, app);
                for (const r of resources) assert.ok(r.name.startsWith(`app-${app}-`), `${r.name} is not named after ${app}`);
            }
        });
    }

    it("gives each app its namespace, service account, platform ConfigMap and IRSA role with exactly its permissions", async () => {
        const result = await plan("dev");
        for (const app of APPS) {
            const namespace = named(result, `app-${app}-namespace`);
            assert.equal(input(namespace, "metadata.name"), `app-${app}`);
            assert.equal(input(namespace, "metadata.labels")["pod-security.kubernetes.io/enforce"], "baseline");
            const account = named(result, `app-${app}-service-account`);
            assert.equal(input(account, "metadata.name"), app);
            assert.equal(input(account, "metadata.namespace"), `app-${app}`);
            const config = named(result, `app-${app}-platform-config`);
            assert.equal(input(config, "metadata.name"), "platform");
            assert.deepEqual(
                { region: input(config, "data.AWS_REGION"), stack: input(config, "data.PLATFORM_STACK"), cluster: input(config, "data.PLATFORM_CLUSTER") },
                { region: "ap-northeast-1", stack: "dev", cluster: "platform-dev" },
            );
            const role = result.resources.find((r) => r.name === `app-${app}-irsa-role`);
            // chat calls no AWS API: no role, no annotation.
            assert.equal(role === undefined, app === "chat", app);
            assert.equal(input(account, "metadata.annotations")?.["eks.amazonaws.com/role-arn"] === undefined, app === "chat", app);
            if (role) {
                const trust = JSON.parse(input(role, "assumeRolePolicy")).Statement[0].Condition.StringEquals;
                assert.deepEqual(Object.values(trust).sort(), ["sts.amazonaws.com", `system:serviceaccount:app-${app}:${app}`]);
                assert.match(input(account, "metadata.annotations")["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d{12}:role\//);
            }
        }
        assert.deepEqual(policyOf(result, "opensearch-merge").Statement, [
            {
                Sid: "OpenSearchHttp",
                Effect: "Allow",
                Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"],
                Resource: [`arn:aws:es:ap-northeast-1:${MOCK_ACCOUNT_ID}:domain/logs-dev/*`],
            },
        ]);
        assert.deepEqual(policyOf(result, "db-metrics").Statement.map((s: any) => [s.Action, s.Resource, s.Condition]), [
            [["cloudwatch:PutMetricData"], ["*"], { StringEquals: { "cloudwatch:namespace": "Platform/DbMetrics" } }],
        ]);
        assert.equal(input(named(result, "app-opensearch-merge-platform-config"), "data.OPENSEARCH_DOMAIN"), "logs-dev");
    });

    it("gives apps that declare a database their own role and database through an idempotent job, and a database Secret", async () => {
        const result = await plan("dev");
        assert.deepEqual(ofType(result, "platform:apps:AppDatabase").map((r) => r.name), ["app-chat-database", "app-db-metrics-database"]);
        const bootstrapAccount = named(result, "database-bootstrap-service-account");
        for (const app of ["chat", "db-metrics"]) {
            const password = named(result, `app-${app}-database-password`);
            assert.equal(password.type, "random:index/randomPassword:RandomPassword");
            assert.deepEqual([input(password, "length"), input(password, "special")], [32, false]);
            const job = named(result, `app-${app}-database-bootstrap`);
            assert.equal(input(job, "metadata.namespace"), "platform-databases");
            const env = input(job, "spec.template.spec.containers")[0].env;
            assert.deepEqual(env.filter((e: any) => /^APP_(ROLE|DATABASE)$/.test(e.name)).map((e: any) => e.value), [app.replace("-", "_"), app.replace("-", "_")]);
            assert.equal(input(job, "spec.template.spec.serviceAccountName"), "database-bootstrap");
            assert.ok(waitsFor(result, job, bootstrapAccount));
            // The writer endpoint answers only once an instance runs and the pods' ingress rule exists.
            assert.ok(waitsFor(result, job, named(result, "database-instance-1")), `${app}'s job waits for the database instance`);
            assert.ok(waitsFor(result, job, named(result, "database-sg-from-cluster")), `${app}'s job waits for the ingress rule`);
            const secret = named(result, `app-${app}-database-secret`);
            assert.deepEqual([input(secret, "metadata.name"), input(secret, "metadata.namespace")], ["database", `app-${app}`]);
            assert.equal(input(secret, "stringData"), SECRET_MASK);
            // The app sees credentials only once the job created them.
            assert.ok(waitsFor(result, secret, job));
        }
        const bootstrapPolicy = JSON.parse(input(named(result, "database-bootstrap-irsa-policy"), "policy"));
        assert.match(bootstrapPolicy.Statement[0].Resource[0], /^arn:aws:secretsmanager:ap-northeast-1:\d{12}:secret:rds!cluster-/);
    });

    it("gives slack-bot its volume: an access point with its uid/gid and the claim `data` in its namespace", async () => {
        const result = await plan("dev");
        assert.deepEqual(ofType(result, "platform:data:AppVolume").map((r) => r.name), ["app-slack-bot-volume"]);
        assert.deepEqual(input(named(result, "app-slack-bot-volume-access-point"), "posixUser"), { uid: 10001, gid: 10001 });
        const claim = named(result, "app-slack-bot-volume-pvc");
        assert.deepEqual([input(claim, "metadata.name"), input(claim, "metadata.namespace")], ["data", "app-slack-bot"]);
        for (const needed of ["files-mount-az1", "files-mount-az2", "files-sg-from-cluster"]) {
            assert.ok(waitsFor(result, claim, named(result, needed)), `the claim waits for ${needed}`);
        }
    });

    it("creates an ECR repository per image, protected in prd", async () => {
        for (const stack of STACKS) {
            const result = await plan(stack);
            const repositories = ofType(result, "aws:ecr/repository:Repository").filter((r) => r.name.startsWith("app-"));
            assert.deepEqual(repositories.map((r) => input(r, "name")).sort(), [
                `platform-${stack}/chat/api`,
                `platform-${stack}/chat/web`,
                `platform-${stack}/db-metrics/runner`,
                `platform-${stack}/opensearch-merge/runner`,
                `platform-${stack}/slack-bot/bot`,
            ]);
            for (const r of repositories) assert.equal(r.protect, stack === "prd", r.name);
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: one Argo CD Application per app, on the stack's overlay, created after Argo CD and everything the app relies on`, async () => {
            const result = await plan(stack);
            const release = named(result, "argocd-release");
            for (const app of APPS) {
                const application = named(result, `app-${app}-application`);
                assert.equal(application.type, APPLICATION_TYPE);
                assert.equal(input(application, "metadata.namespace"), "argocd");
                assert.deepEqual(input(application, "spec.source.path"), `apps/${app}/overlays/${stack}`);
                assert.equal(input(application, "spec.source.repoURL"), "https://github.com/example-org/platform.git");
                assert.equal(input(application, "spec.source.targetRevision"), "main");
                assert.deepEqual(input(application, "spec.destination.namespace"), `app-${app}`);
                for (const image of input(application, "spec.source.kustomize.images")) {
                    assert.match(image, new RegExp(`^${app}/[a-z]+=${MOCK_ACCOUNT_ID}\\.dkr\\.ecr\\.ap-northeast-1\\.amazonaws\\.com/platform-${stack}/${app}/[a-z]+:\\*$`));
                }
                assert.ok(waitsFor(result, application, release), `${app} waits for Argo CD`);
                assert.ok(waitsFor(result, application, named(result, `app-${app}-project`)));
                for (const provided of ["service-account", "platform-config", ...(app === "slack-bot" ? ["volume-pvc"] : []), ...(["chat", "db-metrics"].includes(app) ? ["database-secret"] : [])]) {
                    assert.ok(waitsFor(result, application, named(result, `app-${app}-${provided}`)), `${app} waits for its ${provided}`);
                }
                assert.equal(named(result, `app-${app}-project`).type, APP_PROJECT_TYPE);
            }
        });
    }

    it("runs every namespace that gets pods (apps, database bootstrap, add-ons) under a Fargate selector", async () => {
        const result = await plan("prd");
        const selectors = input(named(result, "cluster-eks"), "fargate.selectors").map((s: { namespace: string }) => s.namespace);
        const namespaces = new Set<string>([
            ...ofType(result, APPLICATION_TYPE).map((a) => input(a, "spec.destination.namespace")),
            ...ofType(result, "kubernetes:batch/v1:Job").map((j) => input(j, "metadata.namespace")),
            ...ofType(result, "kubernetes:helm.sh/v3:Release").map((r) => input(r, "namespace")),
        ]);
        assert.ok(namespaces.size >= 7, [...namespaces].join(", "));
        for (const ns of namespaces) assert.ok(coveredByFargate(ns, selectors), `${ns} is not covered by ${selectors.join(", ")}`);
    });

    it("adding or removing an app changes that app's subtree and nothing else", async () => {
        const all = await plan("dev");
        const devApps = JSON.parse(readStackConfig("dev").values["platform:apps"]);
        const without = await plan("dev", { apps: JSON.stringify({ ...devApps, "db-metrics": { enabled: false } }) });
        const removed = new Set([named(all, "app-db-metrics"), ...subtree(all, named(all, "app-db-metrics"))].map((r) => r.urn));
        const byUrn = (result: PlanResult) => new Map(result.resources.map((r) => [r.urn, r]));
        const before = byUrn(all);
        const after = byUrn(without);
        assert.deepEqual([...before.keys()].filter((urn) => !after.has(urn)).sort(), [...removed].sort());
        assert.deepEqual([...after.keys()].filter((urn) => !before.has(urn)), []);
        for (const [urn, r] of after) {
            assert.deepEqual(r.inputs, before.get(urn)!.inputs, `${r.name} changed`);
            assert.deepEqual(r.dependencies, before.get(urn)!.dependencies, `${r.name}'s dependencies changed`);
        }
        assert.deepEqual(without.outputs.apps, ["chat", "opensearch-merge", "slack-bot"]);
    });

    it("changing one app's setting changes only that app's resources", async () => {
        const all = await plan("dev");
        const changed = await plan("dev", { apps: JSON.stringify({ "opensearch-merge": { settings: { OPENSEARCH_DOMAIN: "logs-other", OPENSEARCH_ENDPOINT: "x.es.amazonaws.com" } } }) });
        const before = new Map(all.resources.map((r) => [r.urn, r]));
        const differing = changed.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.get(r.urn)?.inputs)).map((r) => r.name);
        assert.deepEqual(differing.sort(), ["app-opensearch-merge-irsa-policy", "app-opensearch-merge-platform-config"]);
    });

    it("refuses a stack override of an app that does not exist before registering anything", async () => {
        await assert.rejects(plan("dev", { apps: JSON.stringify({ chatt: { enabled: false } }) }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.ok(err.problems.some((p) => p.startsWith("platform:apps.chatt: no such app (apps/chatt/app.yaml does not exist)")), err.problems.join("\n"));
            return true;
        });
        const monitor = pulumi.runtime.getMonitor() as any;
        assert.equal(monitor.getRegisteredResources().size, 0);
    });
});
