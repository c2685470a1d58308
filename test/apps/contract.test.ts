import { strict as assert } from "assert";
import { RESOURCES_FINALIZER, appProjectManifest, applicationManifest, kustomizeImage } from "../../components/apps/argocd-application";
import { databaseSecretData, namespaceLabels, platformConfigMapData } from "../../components/apps/contract";
import { BOOTSTRAP_SQL, bootstrapJobSpec, bootstrapPolicy } from "../../components/apps/database-bootstrap-job";
import { coveredByFargate, PRIMARY_FARGATE_NAMESPACES } from "../../components/cluster/fargate";
import {
    APP_VOLUME_CLAIM,
    DATABASE_BOOTSTRAP_NAMESPACE,
    DATABASE_SECRET,
    PLATFORM_CONFIGMAP,
    appNamespace,
    databaseIdentifier,
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

    it("labels the namespace with the app and enforces Pod Security baseline (what Fargate refuses anyway)", () => {
        assert.deepEqual(namespaceLabels("chat"), {
            "app.kubernetes.io/part-of": "chat",
            "app.kubernetes.io/managed-by": "pulumi",
            "pod-security.kubernetes.io/enforce": "baseline",
        });
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
        const configMap = row(/^\| ConfigMap/);
        assert.match(configMap, new RegExp(`\\| \`${PLATFORM_CONFIGMAP}\` \\|`));
        for (const key of PLATFORM_SETTING_NAMES) assert.ok(configMap.includes(`\`${key}\``), key);
        const secret = row(/^\| Secret/);
        assert.match(secret, new RegExp(`\\| \`${DATABASE_SECRET}\` \\|`));
        const keys = Object.keys(databaseSecretData({ host: "h", port: 1, database: "d", username: "u", password: "p" }));
        assert.deepEqual([...secret.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]).sort(), keys.sort());
        assert.match(row(/^\| PersistentVolumeClaim/), new RegExp(`\\| \`${APP_VOLUME_CLAIM}\` \\|`));
    });

    it("hands the app libpq variables and a URL with TLS required", () => {
        const data = databaseSecretData({ host: "db.example", port: 5432, database: "slack_bot", username: "slack_bot", password: "p@ss/word" });
        assert.deepEqual(Object.keys(data).sort(), ["DATABASE_URL", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGUSER"]);
        assert.equal(data.PGSSLMODE, "require");
        assert.equal(data.DATABASE_URL, "postgresql://slack_bot:p%40ss%2Fword@db.example:5432/slack_bot?sslmode=require");
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
