import { strict as assert } from "assert";
import { RESOURCES_FINALIZER, appProjectManifest, applicationManifest, kustomizeImage } from "../../components/apps/argocd-application";
import { admissionProblems } from "../../components/apps/admission";
import { Manifest, checkAppManifests } from "../../components/apps/checks";
import { RDS_CA_MOUNT_DIR, RDS_CA_PATH, databaseSecretData, namespaceLabels, platformConfigMapData, rdsCaConfigMapData } from "../../components/apps/contract";
import { BOOTSTRAP_SQL, BOOTSTRAP_UID, FETCH_MASTER_SCRIPT, MASTER_DIR, RUN_SQL_SCRIPT, bootstrapJobSpec, bootstrapPolicy } from "../../components/apps/database-bootstrap-job";
import type { AppDescriptor } from "../../components/apps/descriptor";
import { coveredByFargate, PRIMARY_FARGATE_NAMESPACES } from "../../components/cluster/fargate";
import {
    APP_VOLUME_CLAIM,
    DATABASE_BOOTSTRAP_NAMESPACE,
    DATABASE_SECRET,
    PLATFORM_CONFIGMAP,
    RDS_CA_BUNDLE_KEY,
    RDS_CA_CONFIGMAP,
    appNamespace,
    databaseIdentifier,
    managedNamespaceLabels,
    serviceAccountName,
} from "../../components/naming";
import * as fs from "fs";
import * as path from "path";
import { PLATFORM_SETTING_NAMES } from "../../components/apps/descriptor";
import { schemaProblems } from "../../scripts/offline/schema";
import { REPO_ROOT } from "../../scripts/offline/stack-config";

const ARGS = {
    app: "chat",
    argocdNamespace: "argocd",
    namespace: "app-chat",
    repoUrl: "https://github.com/example-org/platform.git",
    revision: "main",
    path: "apps/chat/overlays/dev",
    images: [kustomizeImage("chat/web", "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/platform-dev/chat/web")],
};

describe("app contract", () => {
    it("runs every app and the database bootstrap in namespaces the Fargate profile covers", () => {
        for (const ns of [appNamespace("chat"), appNamespace("a-very-long-app-name-of-thirty"), DATABASE_BOOTSTRAP_NAMESPACE]) {
            assert.ok(coveredByFargate(ns, PRIMARY_FARGATE_NAMESPACES), ns);
        }
    });

    it("labels the namespace with the app and the labels of every managed namespace (Pod Security restricted, test/apps/pod-security.test.ts)", () => {
        assert.deepEqual(namespaceLabels("chat"), { "app.kubernetes.io/part-of": "chat", ...managedNamespaceLabels() });
        assert.equal(namespaceLabels("chat")["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("gives the platform ConfigMap the region, stack, cluster and settings", () => {
        assert.deepEqual(platformConfigMapData({ region: "ap-northeast-1", stack: "dev", cluster: "platform-dev", settings: { DOMAIN: "logs" } }), {
            AWS_REGION: "ap-northeast-1",
            PLATFORM_STACK: "dev",
            PLATFORM_CLUSTER: "platform-dev",
            DOMAIN: "logs",
        });
    });

    it("names the database and role after the app in a form PostgreSQL takes unquoted", () => {
        assert.equal(databaseIdentifier("slack-bot"), "slack_bot");
        assert.equal(databaseIdentifier("chat"), "chat");
    });

    it("is documented in the README with the names and keys the code gives", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const table = readme.slice(readme.indexOf("<!-- contract:start -->"), readme.indexOf("<!-- contract:end -->"));
        const row = (what: RegExp) => table.split("\n").find((line) => what.test(line)) ?? assert.fail(`no contract row for ${what}`);
        assert.match(row(/^\| Namespace/), new RegExp(`\\| \`${appNamespace("<app>")}\` \\|`));
        assert.match(row(/^\| ServiceAccount/), new RegExp(`\\| \`${serviceAccountName("<app>")}\` \\|`));
        const configMap = row(/^\| ConfigMap with `AWS_REGION`/);
        assert.match(configMap, new RegExp(`\\| \`${PLATFORM_CONFIGMAP}\` \\|`));
        for (const key of PLATFORM_SETTING_NAMES) assert.ok(configMap.includes(`\`${key}\``), key);
        const secret = row(/^\| Secret/);
        assert.match(secret, new RegExp(`\\| \`${DATABASE_SECRET}\` \\|`));
        const keys = Object.keys(databaseSecretData({ host: "h", port: 1, database: "d", username: "u", password: "p" }));
        assert.deepEqual([...secret.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]).sort(), keys.sort());
        assert.match(row(/^\| PersistentVolumeClaim/), new RegExp(`\\| \`${APP_VOLUME_CLAIM}\` \\|`));
        const rdsCa = row(/^\| ConfigMap with the Amazon RDS CA bundle/);
        assert.match(rdsCa, new RegExp(`\\| \`${RDS_CA_CONFIGMAP}\` \\| \`database: true\` \\|$`));
        for (const text of [RDS_CA_BUNDLE_KEY, RDS_CA_MOUNT_DIR, RDS_CA_PATH]) assert.ok(rdsCa.includes(`\`${text}\``), text);
        assert.match(secret, /`verify-full`/);
    });

    it("is described in apps/README.md: the rds-ca ConfigMap, its key and where pods mount it", () => {
        const text = fs.readFileSync(path.join(REPO_ROOT, "apps", "README.md"), "utf8");
        for (const name of [RDS_CA_CONFIGMAP, RDS_CA_BUNDLE_KEY, RDS_CA_MOUNT_DIR, "verify-full"]) assert.ok(text.includes(`\`${name}\``), name);
    });

    it("hands the app libpq variables and a URL that verify the server against the RDS CA bundle (verify-full)", () => {
        const data = databaseSecretData({ host: "db.example", port: 5432, database: "slack_bot", username: "slack_bot", password: "p@ss/word" });
        assert.deepEqual(Object.keys(data).sort(), ["DATABASE_URL", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGSSLROOTCERT", "PGUSER"]);
        assert.equal(data.PGSSLMODE, "verify-full");
        assert.equal(data.PGSSLROOTCERT, "/etc/ssl/rds/global-bundle.pem");
        assert.equal(
            data.DATABASE_URL,
            "postgresql://slack_bot:p%40ss%2Fword@db.example:5432/slack_bot?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Frds%2Fglobal-bundle.pem",
        );
        // What a URL parser (pg-connection-string uses WHATWG URL) reads back: every part decoded.
        const url = new URL(data.DATABASE_URL);
        assert.deepEqual(
            [url.protocol, decodeURIComponent(url.username), decodeURIComponent(url.password), url.hostname, url.port, url.pathname],
            ["postgresql:", "slack_bot", "p@ss/word", "db.example", "5432", "/slack_bot"],
        );
        assert.deepEqual([...url.searchParams], [["sslmode", "verify-full"], ["sslrootcert", data.PGSSLROOTCERT]]);
    });

    it("mounts the rds-ca ConfigMap's key as the file the Secret names: /etc/ssl/rds/global-bundle.pem", () => {
        assert.equal(RDS_CA_CONFIGMAP, "rds-ca");
        assert.equal(RDS_CA_MOUNT_DIR, "/etc/ssl/rds");
        assert.equal(RDS_CA_PATH, `${RDS_CA_MOUNT_DIR}/${RDS_CA_BUNDLE_KEY}`);
        assert.equal(RDS_CA_PATH, "/etc/ssl/rds/global-bundle.pem");
        assert.deepEqual(rdsCaConfigMapData("PEM"), { "global-bundle.pem": "PEM" });
    });

    describe("rds-ca in an app's manifests", () => {
        const descriptor = (database: boolean): AppDescriptor => ({
            name: "demo",
            description: "Demo",
            images: ["web"],
            database,
            permissions: [],
            settings: {},
            secrets: {},
        });
        /** A compliant Deployment that mounts the ConfigMap as the contract says. */
        const deployment = () => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web" },
            spec: {
                template: {
                    spec: {
                        serviceAccountName: "demo",
                        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "web",
                                image: "demo/web:3f9c2ab",
                                resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "250m", memory: "512Mi" } },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [{ name: "rds-ca", mountPath: RDS_CA_MOUNT_DIR, readOnly: true }],
                            },
                        ],
                        volumes: [{ name: "rds-ca", configMap: { name: RDS_CA_CONFIGMAP } }],
                    },
                },
            },
        });

        // Only the problems about the ConfigMap: the other rules have tests of their own.
        const about = (problems: string[]) => problems.filter((p) => p.includes(RDS_CA_CONFIGMAP));

        it("may be used by an app with a database", () => {
            assert.deepEqual(about(checkAppManifests(descriptor(true), "app-demo", [deployment()], "apps/demo/overlays/dev")), []);
        });

        it("is refused in an app without one, saying it comes with database: true", () => {
            const problems = checkAppManifests(descriptor(false), "app-demo", [deployment()], "apps/demo/overlays/dev");
            assert.deepEqual(about(problems), [
                "apps/demo/overlays/dev: Deployment/web: ConfigMap rds-ca is not provided: the platform gives platform (rds-ca only with app.yaml database: true); add it to the manifests (configMapGenerator)",
            ]);
        });
    });
});

describe("Argo CD objects of an app", () => {
    const application = applicationManifest(ARGS);

    it("deploys the stack's overlay at the configured revision into the app's namespace", () => {
        assert.deepEqual(application.spec.source, {
            repoURL: ARGS.repoUrl,
            targetRevision: "main",
            path: "apps/chat/overlays/dev",
            kustomize: { images: ["chat/web=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/platform-dev/chat/web:*"] },
        });
        assert.deepEqual(application.spec.destination, { server: "https://kubernetes.default.svc", namespace: "app-chat" });
        assert.equal(application.spec.project, "chat");
        assert.equal(application.metadata.namespace, "argocd");
    });

    it("syncs automatically with prune and self-heal, retries with backoff, and cleans up on delete", () => {
        assert.deepEqual(application.spec.syncPolicy?.automated, { prune: true, selfHeal: true });
        assert.deepEqual(application.spec.syncPolicy?.retry, { limit: 5, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } });
        assert.deepEqual(application.metadata.finalizers, [RESOURCES_FINALIZER]);
        // The platform owns the namespace: Argo CD must not create it.
        assert.ok(!application.spec.syncPolicy?.syncOptions?.some((o) => o.startsWith("CreateNamespace")));
    });

    it("confines the app's project to its repository, its namespace and nothing cluster-scoped", () => {
        const project = appProjectManifest(ARGS);
        assert.deepEqual(project.spec.sourceRepos, [ARGS.repoUrl]);
        assert.deepEqual(project.spec.destinations, [{ server: "https://kubernetes.default.svc", namespace: "app-chat" }]);
        assert.deepEqual(project.spec.clusterResourceWhitelist, []);
    });

    it("passes the Argo CD CRD schemas, and the schema check catches a misspelled field", () => {
        const where = "contract";
        assert.deepEqual(schemaProblems([{ where, manifest: application }, { where, manifest: appProjectManifest(ARGS) }]), []);
        const misspelled = { ...application, spec: { ...application.spec, syncPolicy: { automatic: { prune: true } } } };
        const found = schemaProblems([{ where, manifest: misspelled }]);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /^contract: Application\/chat: .*'"automatic"' does not exist/);
    });
});

describe("database bootstrap job", () => {
    const spec = bootstrapJobSpec({
        database: "chat",
        passwordSecret: "chat-password-1234",
        passwordDigest: "0123456789abcdef",
        serviceAccount: "database-bootstrap",
        masterSecretArn: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-1",
        host: "db.example",
        port: 5432,
        region: "ap-northeast-1",
        engineVersion: "16",
    });

    it("is a valid Job that runs as non-root with a read-only root file system", () => {
        const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "bootstrap" }, spec };
        assert.deepEqual(schemaProblems([{ where: "bootstrap", manifest: job }]), []);
        const pod = spec.template.spec!;
        assert.equal(pod.securityContext?.runAsNonRoot, true);
        for (const c of [...pod.initContainers!, ...pod.containers]) {
            assert.equal(c.securityContext?.readOnlyRootFilesystem, true, c.name);
            assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], c.name);
            assert.ok(c.resources?.requests?.cpu && c.resources?.limits?.memory, c.name);
        }
    });

    it("passes Pod Security restricted (the plan's admission check), as the user and group the postgres image has (999)", () => {
        const job = (jobSpec: unknown) => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "bootstrap" }, spec: jobSpec }) as Manifest;
        assert.deepEqual(admissionProblems([job(spec)], "bootstrap"), []);
        const pod = spec.template.spec!;
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
        assert.equal(BOOTSTRAP_UID, 999);
        for (const c of [...pod.initContainers!, ...pod.containers]) {
            assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }, c.name);
        }
        // Without the pod's seccomp profile both containers would be refused.
        const unconfined = JSON.parse(JSON.stringify(spec));
        delete unconfined.template.spec.securityContext.seccompProfile;
        assert.equal(admissionProblems([job(unconfined)], "bootstrap").filter((p) => p.includes("seccompProfile")).length, 2);
    });

    it("writes only to emptyDirs: HOME, /tmp and the master credentials of every container are mounted emptyDirs", () => {
        const pod = spec.template.spec!;
        const emptyDirs = new Set(pod.volumes!.filter((v) => v.emptyDir).map((v) => v.name));
        for (const c of [...pod.initContainers!, ...pod.containers]) {
            const mounts = new Map(c.volumeMounts!.map((m) => [m.mountPath, m.name]));
            const home = c.env!.find((e) => e.name === "HOME")?.value ?? assert.fail(`${c.name} has no HOME`);
            const master = c.env!.find((e) => e.name === "MASTER_DIR")?.value ?? assert.fail(`${c.name} has no MASTER_DIR`);
            assert.equal(master, "/run/master", c.name);
            for (const dir of [home, "/tmp", master]) assert.ok(emptyDirs.has(mounts.get(dir) ?? ""), `${c.name}: ${dir} is not an emptyDir`);
        }
    });

    it("keeps the master credentials where MASTER_DIR says: the scripts name no other directory", () => {
        for (const script of [FETCH_MASTER_SCRIPT, RUN_SQL_SCRIPT]) {
            assert.match(script, /"\$MASTER_DIR\/(username|password|secret\.json)"/);
            assert.doesNotMatch(script, /\/run\/master/);
        }
        const pod = spec.template.spec!;
        assert.deepEqual(pod.initContainers![0].command, ["/bin/sh", "-eu", "-c", FETCH_MASTER_SCRIPT]);
        assert.deepEqual(pod.containers[0].command, ["/bin/sh", "-eu", "-c", RUN_SQL_SCRIPT]);
        assert.equal(MASTER_DIR, "/run/master");
    });

    it("connects with verify-full against the rds-ca ConfigMap, mounted read-only where PGSSLROOTCERT points", () => {
        const pod = spec.template.spec!;
        const psql = pod.containers[0];
        const env = Object.fromEntries(psql.env!.map((e) => [e.name, e.value]));
        assert.equal(env.PGSSLMODE, "verify-full");
        assert.equal(env.PGSSLROOTCERT, "/etc/ssl/rds/global-bundle.pem");
        const mount = psql.volumeMounts!.find((m) => m.mountPath === "/etc/ssl/rds") ?? assert.fail("psql does not mount /etc/ssl/rds");
        assert.equal(mount.readOnly, true);
        const volume = pod.volumes!.find((v) => v.name === mount.name)!;
        assert.deepEqual(volume.configMap, { name: "rds-ca" });
        // The mounted directory holds the ConfigMap's keys as files: the key is the file PGSSLROOTCERT names.
        assert.equal(`${mount.mountPath}/${Object.keys(rdsCaConfigMapData("x"))[0]}`, env.PGSSLROOTCERT);
        // No container of the job connects with less.
        assert.deepEqual(pod.initContainers!.flatMap((c) => c.env!).filter((e) => e.name.startsWith("PGSSL")), []);
    });

    it("takes the app's password from its Secret, never from the spec, and re-runs when the password changes", () => {
        const env = spec.template.spec!.containers[0].env!;
        assert.deepEqual(env.find((e) => e.name === "APP_PASSWORD")?.valueFrom, { secretKeyRef: { name: "chat-password-1234", key: "password" } });
        assert.equal(spec.template.metadata?.annotations?.["platform/password-digest"], "0123456789abcdef");
        const containers = [...spec.template.spec!.initContainers!, ...spec.template.spec!.containers];
        assert.deepEqual(containers.flatMap((c) => c.env!).filter((e) => /PASSWORD/.test(e.name) && e.value !== undefined), []);
    });

    it("creates role and database only when missing, and never drops anything", () => {
        assert.match(BOOTSTRAP_SQL, /WHERE NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = :'role'\) \\gexec/);
        assert.match(BOOTSTRAP_SQL, /WHERE NOT EXISTS \(SELECT FROM pg_database WHERE datname = :'database'\) \\gexec/);
        assert.doesNotMatch(BOOTSTRAP_SQL, /\bDROP\b/i);
        assert.match(BOOTSTRAP_SQL, /^\\set ON_ERROR_STOP on/);
    });

    it("may read the master secret and decrypt it only through Secrets Manager", () => {
        const policy = bootstrapPolicy("arn:secret", "arn:key", "ap-northeast-1");
        assert.deepEqual(policy.Statement.map((s) => s.Action), [["secretsmanager:GetSecretValue"], ["kms:Decrypt"]]);
        assert.deepEqual(policy.Statement[1].Condition, { StringEquals: { "kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com" } });
    });
});
