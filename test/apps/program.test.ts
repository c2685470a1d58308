import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { App } from "../../components/apps/app";
import { ARGOCD_TRACKING_ANNOTATION, ARGOCD_TRACKING_LABEL, appSecretLabels, providedSecrets } from "../../components/apps/contract";
import { type AppSpec, missingSecretWarnings } from "../../components/apps/discover";
import { coveredByFargate } from "../../components/cluster/fargate";
import { ConfigError } from "../../components/errors";
import { PlanResult, SECRET_MASK } from "../../scripts/offline/engine";
import { MOCK_ACCOUNT_ID } from "../../scripts/offline/mocks";
import { APPLICATION_TYPE, APP_PROJECT_TYPE, stackApps } from "../../scripts/offline/apps";
import { readStackConfig } from "../../scripts/offline/stack-config";
import { readRdsCaBundle } from "../../components/data/rds-ca/bundle";
import { STACKS, input, named, ofType, plan, subtree, waitsFor } from "../support";

/** What a stack's config says, as the program reads it. */
function setting(stack: string, key: string): string {
    const value = readStackConfig(stack).values[`platform:${key}`];
    assert.ok(value !== undefined, `platform:${key} is not set for ${stack}`);
    return value;
}

/** The apps that run in a stack, from their app.yaml and the stack file; never none. */
function appsOf(stack: string): AppSpec[] {
    const apps = stackApps(stack);
    assert.ok(apps.length > 0, `no app runs in ${stack}`);
    return apps;
}

/** `{{placeholders}}` of app.yaml filled in, in a string or in every string of an object. */
function filled<T>(value: T, values: Record<string, string>): T {
    return JSON.parse(JSON.stringify(value), (_key, v) =>
        typeof v === "string" ? v.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => values[name] ?? assert.fail(`no value for {{${name}}}`)) : v,
    );
}

/** The IAM statements app.yaml declares, as the app's role must hold them in the stack. */
function expectedStatements(spec: AppSpec, stack: string, cluster: string): unknown[] {
    const values = { partition: "aws", region: setting(stack, "region"), account: MOCK_ACCOUNT_ID, cluster, ...spec.settings };
    return spec.descriptor.permissions.map((s) => ({
        ...(s.Sid ? { Sid: s.Sid } : {}),
        Effect: s.Effect,
        Action: [...s.Action],
        Resource: filled(s.Resource, values),
        ...(s.Condition ? { Condition: filled(s.Condition, values) } : {}),
    }));
}

const policyOf = (result: PlanResult, app: string) => JSON.parse(input(named(result, `app-${app}-irsa-policy`), "policy"));
const resourceMap = (result: PlanResult) => new Map(result.resources.map((r) => [r.urn, r]));

describe("apps in the program", () => {
    for (const stack of STACKS) {
        it(`${stack}: one App component per app that runs in the stack, every resource of the app named after it and under it`, async () => {
            const result = await plan(stack);
            const apps = appsOf(stack).map((a) => a.descriptor.name);
            assert.deepEqual(ofType(result, "platform:apps:App").map((r) => r.name), apps.map((a) => `app-${a}`));
            assert.deepEqual(result.outputs.apps, apps);
            for (const app of apps) {
                const resources = subtree(result, named(result, `app-${app}`));
                assert.ok(resources.length >= 8, app);
                for (const r of resources) assert.ok(r.name.startsWith(`app-${app}-`), `${r.name} is not named after ${app}`);
            }
        });

        it(`${stack}: gives each app its namespace, service account, platform ConfigMap with its settings, and an IRSA role with exactly the permissions of its app.yaml`, async () => {
            const result = await plan(stack);
            const cluster = String(result.outputs.clusterName);
            for (const spec of appsOf(stack)) {
                const app = spec.descriptor.name;
                const namespace = named(result, `app-${app}-namespace`);
                assert.equal(input(namespace, "metadata.name"), `app-${app}`);
                assert.equal(input(namespace, "metadata.labels")["pod-security.kubernetes.io/enforce"], "restricted");
                const account = named(result, `app-${app}-service-account`);
                assert.equal(input(account, "metadata.name"), app);
                assert.equal(input(account, "metadata.namespace"), `app-${app}`);
                const config = named(result, `app-${app}-platform-config`);
                assert.equal(input(config, "metadata.name"), "platform");
                assert.deepEqual(input(config, "data"), { AWS_REGION: setting(stack, "region"), PLATFORM_STACK: stack, PLATFORM_CLUSTER: cluster, ...spec.settings });
                // Every setting has its value: the stack file's, else app.yaml's default.
                assert.deepEqual(Object.keys(spec.settings).sort(), Object.keys(spec.descriptor.settings).sort());
                const role = result.resources.find((r) => r.name === `app-${app}-irsa-role`);
                // An app without permissions calls no AWS API: no role, no annotation.
                const hasPermissions = spec.descriptor.permissions.length > 0;
                assert.equal(role !== undefined, hasPermissions, app);
                assert.equal(input(account, "metadata.annotations")?.["eks.amazonaws.com/role-arn"] !== undefined, hasPermissions, app);
                if (role) {
                    const trust = JSON.parse(input(role, "assumeRolePolicy")).Statement[0].Condition.StringEquals;
                    assert.deepEqual(Object.values(trust).sort(), ["sts.amazonaws.com", `system:serviceaccount:app-${app}:${app}`]);
                    assert.match(input(account, "metadata.annotations")["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d{12}:role\//);
                    assert.deepEqual(policyOf(result, app).Statement, expectedStatements(spec, stack, cluster), app);
                }
            }
            assert.ok(appsOf(stack).some((a) => a.descriptor.permissions.length > 0), `no app of ${stack} declares permissions: the role checks check nothing`);
        });
    }

    it("pins the shipped examples opensearch-merge and db-metrics: dev's domain in the policy and the ConfigMap, the metric namespace as the condition", async () => {
        const result = await plan("dev");
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

    for (const stack of STACKS) {
        it(`${stack}: gives apps that declare a database their own role and database through an idempotent job, and a database Secret`, async () => {
            const result = await plan(stack);
            const withDatabase = appsOf(stack).filter((a) => a.descriptor.database).map((a) => a.descriptor.name);
            assert.ok(withDatabase.length > 0, `no app of ${stack} declares a database: this test checks nothing`);
            assert.deepEqual(ofType(result, "platform:apps:AppDatabase").map((r) => r.name), withDatabase.map((app) => `app-${app}-database`));
            const bootstrapAccount = named(result, "database-bootstrap-service-account");
            for (const app of withDatabase) {
                const password = named(result, `app-${app}-database-password`);
                assert.equal(password.type, "random:index/randomPassword:RandomPassword");
                assert.deepEqual([input(password, "length"), input(password, "special")], [32, false]);
                const job = named(result, `app-${app}-database-bootstrap`);
                assert.equal(input(job, "metadata.namespace"), "platform-databases");
                const env = input(job, "spec.template.spec.containers")[0].env;
                const identifier = app.replace(/-/g, "_");
                assert.deepEqual(env.filter((e: any) => /^APP_(ROLE|DATABASE)$/.test(e.name)).map((e: any) => e.value), [identifier, identifier]);
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
            assert.match(bootstrapPolicy.Statement[0].Resource[0], new RegExp(`^arn:aws:secretsmanager:${setting(stack, "region")}:\\d{12}:secret:rds!cluster-`));
        });

        it(`${stack}: puts the RDS CA bundle (ConfigMap rds-ca) in exactly the namespaces of the apps with a database and the bootstrap namespace, and every job mounts it`, async () => {
            const result = await plan(stack);
            const configMaps = ofType(result, "kubernetes:core/v1:ConfigMap").filter((c) => input(c, "metadata.name") === "rds-ca");
            const withDatabase = appsOf(stack).filter((a) => a.descriptor.database).map((a) => a.descriptor.name);
            assert.deepEqual(configMaps.map((c) => input(c, "metadata.namespace")).sort(), [...withDatabase.map((app) => `app-${app}`), "platform-databases"].sort());
            const bundle = readRdsCaBundle();
            for (const c of configMaps) assert.deepEqual(input(c, "data"), { "global-bundle.pem": bundle }, c.name);
            const bootstrapCa = named(result, "database-bootstrap-rds-ca");
            for (const job of ofType(result, "kubernetes:batch/v1:Job")) {
                assert.ok(waitsFor(result, job, bootstrapCa), `${job.name} waits for the bundle`);
                assert.ok(input(job, "spec.template.spec.volumes").some((v: any) => v.configMap?.name === "rds-ca"), `${job.name} mounts rds-ca`);
            }
            for (const app of withDatabase) {
                assert.ok(waitsFor(result, named(result, `app-${app}-application`), named(result, `app-${app}-database-rds-ca`)), `${app}'s Application waits for its rds-ca`);
            }
        });

        it(`${stack}: gives apps that declare a volume an access point with their uid/gid and the claim \`data\` in their namespace`, async () => {
            const result = await plan(stack);
            const withVolume = appsOf(stack).filter((a) => a.descriptor.volume);
            assert.ok(withVolume.length > 0, `no app of ${stack} declares a volume: this test checks nothing`);
            assert.deepEqual(ofType(result, "platform:data:AppVolume").map((r) => r.name), withVolume.map((a) => `app-${a.descriptor.name}-volume`));
            const mounts = ofType(result, "aws:efs/mountTarget:MountTarget");
            assert.ok(mounts.length > 0);
            for (const spec of withVolume) {
                const app = spec.descriptor.name;
                assert.deepEqual(input(named(result, `app-${app}-volume-access-point`), "posixUser"), spec.descriptor.volume);
                const claim = named(result, `app-${app}-volume-pvc`);
                assert.deepEqual([input(claim, "metadata.name"), input(claim, "metadata.namespace")], ["data", `app-${app}`]);
                for (const needed of [...mounts, named(result, "files-sg-from-cluster")]) {
                    assert.ok(waitsFor(result, claim, needed), `${app}'s claim waits for ${needed.name}`);
                }
            }
        });

        it(`${stack}: creates an ECR repository per image of each app, protected when the stack protects stateful resources`, async () => {
            const result = await plan(stack);
            const protect = setting(stack, "protectStatefulResources") === "true";
            const repositories = ofType(result, "aws:ecr/repository:Repository").filter((r) => r.name.startsWith("app-"));
            const expected = appsOf(stack).flatMap((a) => a.descriptor.images.map((image) => `${result.outputs.clusterName}/${a.descriptor.name}/${image}`));
            assert.deepEqual(repositories.map((r) => input(r, "name")).sort(), expected.sort());
            for (const r of repositories) assert.equal(r.protect, protect, r.name);
        });

        it(`${stack}: one Argo CD Application per app, on the stack's overlay, created after Argo CD and everything the app relies on`, async () => {
            const result = await plan(stack);
            const release = named(result, "argocd-release");
            const region = setting(stack, "region");
            for (const spec of appsOf(stack)) {
                const app = spec.descriptor.name;
                const application = named(result, `app-${app}-application`);
                assert.equal(application.type, APPLICATION_TYPE);
                assert.equal(input(application, "metadata.namespace"), "argocd");
                assert.deepEqual(input(application, "spec.source.path"), `apps/${app}/overlays/${stack}`);
                assert.equal(input(application, "spec.source.repoURL"), setting(stack, "gitRepoUrl"));
                assert.equal(input(application, "spec.source.targetRevision"), setting(stack, "gitRevision"));
                assert.deepEqual(input(application, "spec.destination.namespace"), `app-${app}`);
                assert.deepEqual(
                    input(application, "spec.source.kustomize.images"),
                    spec.descriptor.images.map((image) => `${app}/${image}=${MOCK_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${result.outputs.clusterName}/${app}/${image}:*`),
                );
                assert.ok(waitsFor(result, application, release), `${app} waits for Argo CD`);
                assert.ok(waitsFor(result, application, named(result, `app-${app}-project`)));
                const provided = ["service-account", "platform-config", ...(spec.descriptor.volume ? ["volume-pvc"] : []), ...(spec.descriptor.database ? ["database-secret"] : [])];
                for (const name of provided) {
                    assert.ok(waitsFor(result, application, named(result, `app-${app}-${name}`)), `${app} waits for its ${name}`);
                }
                assert.equal(named(result, `app-${app}-project`).type, APP_PROJECT_TYPE);
            }
        });

        it(`${stack}: runs every namespace that gets pods (apps, database bootstrap, add-ons) under a Fargate selector`, async () => {
            const result = await plan(stack);
            const selectors = input(named(result, "cluster-eks"), "fargate.selectors").map((s: { namespace: string }) => s.namespace);
            const namespaces = new Set<string>([
                ...ofType(result, APPLICATION_TYPE).map((a) => input(a, "spec.destination.namespace")),
                ...ofType(result, "kubernetes:batch/v1:Job").map((j) => input(j, "metadata.namespace")),
                ...ofType(result, "kubernetes:helm.sh/v3:Release").map((r) => input(r, "namespace")),
            ]);
            for (const spec of appsOf(stack)) assert.ok(namespaces.has(`app-${spec.descriptor.name}`), spec.descriptor.name);
            assert.ok(namespaces.size >= appsOf(stack).length + 3, [...namespaces].join(", "));
            for (const ns of namespaces) assert.ok(coveredByFargate(ns, selectors), `${ns} is not covered by ${selectors.join(", ")}`);
        });
    }

    it("removing any one app (enabled: false) removes that app's subtree and changes nothing else", async function () {
        this.timeout(120_000);
        const all = await plan("dev");
        const before = resourceMap(all);
        const devApps = JSON.parse(setting("dev", "apps"));
        const names = appsOf("dev").map((a) => a.descriptor.name);
        assert.ok(names.length >= 2, "removing the only app would remove the shared database bootstrap too");
        for (const app of names) {
            const without = await plan("dev", { apps: JSON.stringify({ ...devApps, [app]: { ...devApps[app], enabled: false } }) });
            const removed = new Set([named(all, `app-${app}`), ...subtree(all, named(all, `app-${app}`))].map((r) => r.urn));
            const after = resourceMap(without);
            assert.deepEqual([...before.keys()].filter((urn) => !after.has(urn)).sort(), [...removed].sort(), app);
            assert.deepEqual([...after.keys()].filter((urn) => !before.has(urn)), [], app);
            for (const [urn, r] of after) {
                assert.deepEqual(r.inputs, before.get(urn)!.inputs, `removing ${app} changed ${r.name}`);
                assert.deepEqual(r.dependencies, before.get(urn)!.dependencies, `removing ${app} changed ${r.name}'s dependencies`);
            }
            assert.deepEqual(without.outputs.apps, names.filter((a) => a !== app));
        }
    });

    it("changing any app's settings changes only that app's resources, its ConfigMap among them", async function () {
        this.timeout(120_000);
        const all = await plan("dev");
        const before = resourceMap(all);
        const devApps = JSON.parse(setting("dev", "apps"));
        const withSettings = appsOf("dev").filter((a) => Object.keys(a.settings).length > 0);
        assert.ok(withSettings.length > 0, "no app of dev has settings: this test checks nothing");
        for (const spec of withSettings) {
            const app = spec.descriptor.name;
            const settings = Object.fromEntries(Object.entries(spec.settings).map(([name, value]) => [name, `${value}-changed`]));
            const changed = await plan("dev", { apps: JSON.stringify({ ...devApps, [app]: { ...devApps[app], settings } }) });
            const own = new Set(subtree(all, named(all, `app-${app}`)).map((r) => r.urn));
            const differing = changed.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.get(r.urn)?.inputs));
            assert.deepEqual(differing.filter((r) => !own.has(r.urn)).map((r) => r.name), [], `changing ${app}'s settings changed other resources`);
            assert.ok(differing.some((r) => r.name === `app-${app}-platform-config`), `${app}'s ConfigMap did not change`);
        }
    });

    it("pins the shipped example opensearch-merge: its domain setting changes exactly its policy and its ConfigMap", async () => {
        const all = await plan("dev");
        const changed = await plan("dev", { apps: JSON.stringify({ "opensearch-merge": { settings: { OPENSEARCH_DOMAIN: "logs-other", OPENSEARCH_ENDPOINT: "x.es.amazonaws.com" } } }) });
        const before = resourceMap(all);
        const differing = changed.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.get(r.urn)?.inputs)).map((r) => r.name);
        assert.deepEqual(differing.sort(), ["app-opensearch-merge-irsa-policy", "app-opensearch-merge-platform-config"]);
    });

    describe("Secrets declared in app.yaml", () => {
        const SECRET_TYPE = "kubernetes:core/v1:Secret";
        /** Recognisable fake values: none may appear in the plan, its outputs, logs or messages. */
        const FAKE = { "bot-token": "xoxb-FAKE-h7-canary-bot", "app-token": "xapp-FAKE-h7-canary-app" };
        /** The shipped app that declares a Secret, and that Secret, from its app.yaml (never none). */
        const declaring = (stack: string) => {
            const spec = appsOf(stack).find((a) => Object.keys(a.descriptor.secrets).length > 0) ?? assert.fail(`no app of ${stack} declares a Secret: these tests check nothing`);
            const [name, declared] = Object.entries(spec.descriptor.secrets)[0];
            return { spec, app: spec.descriptor.name, name, keys: declared.keys };
        };
        /** dev's apps config with values for some keys of the declared Secret. */
        const devAppsWith = (values: Record<string, string>) => {
            const { app, name } = declaring("dev");
            const apps = JSON.parse(setting("dev", "apps"));
            return JSON.stringify({ ...apps, [app]: { ...apps[app], secrets: { [name]: values } } });
        };
        /** The Secrets the program creates under an app's component. */
        const secretsOf = (result: PlanResult, app: string) => subtree(result, named(result, `app-${app}`)).filter((r) => r.type === SECRET_TYPE);

        /**
         * Runs the program with dev's apps config changed, as `pulumi` would pass it (the key then a
         * secret key), recording what it logs through pulumi.log.warn and everything it prints.
         */
        async function runWith(apps: string): Promise<{ result: PlanResult; warnings: { message: string; resource?: pulumi.Resource }[]; printed: string }> {
            const warnings: { message: string; resource?: pulumi.Resource }[] = [];
            let printed = "";
            const log = pulumi.log as { warn: typeof pulumi.log.warn };
            const saved = { warn: log.warn, stdout: process.stdout.write, stderr: process.stderr.write, console: { ...console } };
            log.warn = (message: string, resource?: pulumi.Resource) => {
                warnings.push({ message, resource });
                return Promise.resolve();
            };
            const capture = (chunk: unknown) => {
                printed += String(chunk);
                return true;
            };
            process.stdout.write = capture as typeof process.stdout.write;
            process.stderr.write = capture as typeof process.stderr.write;
            for (const level of ["log", "info", "warn", "error", "debug"] as const) console[level] = (...args: unknown[]) => void capture(args.join(" "));
            try {
                const result = await plan("dev", { apps });
                return { result, warnings, printed };
            } finally {
                log.warn = saved.warn;
                process.stdout.write = saved.stdout;
                process.stderr.write = saved.stderr;
                Object.assign(console, saved.console);
            }
        }

        for (const stack of STACKS) {
            it(`${stack}: creates each Secret only when the stack holds all its keys; the shipped stacks hold none, so none is created (and the preview warns)`, async () => {
                const result = await plan(stack);
                const { spec, app } = declaring(stack);
                assert.deepEqual(secretsOf(result, app), []);
                assert.equal(missingSecretWarnings(spec, "platform:apps", stack).length, Object.values(spec.descriptor.secrets).flatMap((s) => s.keys).length);
                // The platform creates no Secret an app did not declare; the database one is the only other.
                for (const a of appsOf(stack)) {
                    const created = ofType(result, SECRET_TYPE).filter((r) => input(r, "metadata.namespace") === `app-${a.descriptor.name}`).map((r) => input(r, "metadata.name"));
                    assert.deepEqual(created.sort(), providedSecrets({ ...a.descriptor, secrets: {} }).sort(), a.descriptor.name);
                }
            });
        }

        it("with every key set: an Opaque Secret named as declared in the app's namespace, after it, labelled for the platform and never for Argo CD, values masked", async () => {
            const { app, name, keys } = declaring("dev");
            assert.deepEqual(keys.slice().sort(), Object.keys(FAKE).sort(), "the fake values cover the declared keys");
            const { result, warnings, printed } = await runWith(devAppsWith(FAKE));
            const [secret, ...others] = secretsOf(result, app);
            assert.equal(others.length, 0);
            assert.equal(secret.name, `app-${app}-secret-${name}`);
            assert.deepEqual([input(secret, "metadata.name"), input(secret, "metadata.namespace"), input(secret, "type")], [name, `app-${app}`, "Opaque"]);
            assert.deepEqual(input(secret, "metadata.labels"), appSecretLabels(app));
            assert.deepEqual(appSecretLabels(app), { "app.kubernetes.io/part-of": app, "app.kubernetes.io/managed-by": "pulumi" });
            // Argo CD prunes and deletes only what carries its tracking label or annotation.
            assert.ok(!(ARGOCD_TRACKING_LABEL in input(secret, "metadata.labels")));
            assert.ok(!(ARGOCD_TRACKING_ANNOTATION in (input(secret, "metadata.annotations") ?? {})));
            assert.equal(input(secret, "stringData"), SECRET_MASK);
            assert.equal(input(secret, "data"), undefined);
            assert.ok(waitsFor(result, secret, named(result, `app-${app}-namespace`)), "the Secret waits for its namespace");
            assert.ok(waitsFor(result, named(result, `app-${app}-application`), secret), "the Application waits for the Secret");
            assert.deepEqual(warnings.filter((w) => w.message.includes(`.${app}.`)), []);
            // The values are nowhere: not in the plan's JSON (inputs, outputs), nor in anything printed.
            for (const value of Object.values(FAKE)) {
                assert.ok(!JSON.stringify(result).includes(value), "the plan JSON holds a value");
                assert.ok(!printed.includes(value), "the run printed a value");
                assert.ok(!warnings.some((w) => w.message.includes(value)));
            }
            assert.ok(!JSON.stringify(result.outputs).includes("FAKE"));
        });

        it("with a key missing: no Secret, and the program warns under the app with the exact command", async () => {
            const { app, name, keys } = declaring("dev");
            const [given, missing] = keys;
            const { result, warnings } = await runWith(devAppsWith({ [given]: FAKE[given as keyof typeof FAKE] }));
            assert.deepEqual(secretsOf(result, app), []);
            const own = warnings.filter((w) => w.message.includes(`.${app}.`));
            assert.deepEqual(
                own.map((w) => w.message),
                [
                    `platform:apps.${app}.secrets.${name}.${missing}: no value in stack dev, so the Secret ${name} of apps/${app}/app.yaml is not created and pods that use it do not start; ` +
                        `set it with pulumi config set --secret --path 'platform:apps.${app}.secrets.${name}.${missing}' <value> --stack dev`,
                ],
            );
            assert.ok(own[0].resource instanceof App, "logged under the app's component");
            assert.ok(!own[0].message.includes("FAKE"));
        });
    });

    it("refuses a stack override of an app that does not exist before registering anything", async () => {
        await assert.rejects(plan("dev", { apps: JSON.stringify({ "no-such-app": { enabled: false } }) }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.ok(err.problems.some((p) => p.startsWith("platform:apps.no-such-app: no such app (apps/no-such-app/app.yaml does not exist)")), err.problems.join("\n"));
            return true;
        });
        const monitor = pulumi.runtime.getMonitor() as any;
        assert.equal(monitor.getRegisteredResources().size, 0);
    });
});
