/**
 * The step that gives an app its own database and login role on the shared Aurora cluster, as plain
 * data: a Job that runs inside the VPC (Aurora is private), reads the master credentials from the
 * RDS-managed secret through IRSA, and runs idempotent SQL. Running it twice changes nothing but the
 * role's password, so Pulumi can re-run it whenever its inputs change.
 */
import type { IJobSpec } from "kubernetes-models/batch/v1/JobSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import { psqlImage } from "../data/aurora";
import { RDS_CA_CONFIGMAP } from "../naming";
import { DATABASE_TLS, RDS_CA_MOUNT_DIR } from "./contract";

/**
 * Images of the job, pinned. The AWS CLI fetches the master secret; psql runs the SQL, the client of
 * the engine's major (`psql`: the table AURORA_POSTGRES_VERSIONS in components/data/aurora.ts, which
 * also lists the engine versions the config accepts). Both from ECR Public, reachable through the
 * VPC's NAT like every image pull.
 */
export const BOOTSTRAP_IMAGES = {
    awsCli: "public.ecr.aws/aws-cli/aws-cli:2.22.0",
    psql: psqlImage,
} as const;

/** The psql variables the SQL reads: role, database and password (passed from the environment). */
export const BOOTSTRAP_SQL = String.raw`\set ON_ERROR_STOP on
-- The login role: created once, its password set on every run (the Secret is the source of truth).
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
-- PostgreSQL 16 gives the creating role only ADMIN on a new role; CREATE DATABASE ... OWNER needs
-- membership of the owner, which the master user grants itself.
GRANT :"role" TO CURRENT_USER;
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"role";
-- Only the app's role connects to the app's database.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
`;

/**
 * Where the init container leaves the master credentials for psql: a memory-backed volume. The
 * scripts read it from the `MASTER_DIR` variable, which the Job sets to this path in both
 * containers; the integration suite (test/integration/database.test.ts) runs the same scripts with
 * it pointing at a temporary directory.
 */
export const MASTER_DIR = "/run/master";

/**
 * Reads the RDS-managed master secret (JSON `username`, `password`) into two files under
 * `$MASTER_DIR`. The AWS CLI image carries a Python (yum's on Amazon Linux 2, dnf's on 2023) that
 * parses the JSON.
 */
export const FETCH_MASTER_SCRIPT = `aws secretsmanager get-secret-value --secret-id "$MASTER_SECRET_ARN" --query SecretString --output text > "$MASTER_DIR/secret.json"
PY=$(command -v python3 || command -v python)
"$PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); open(sys.argv[2], "w").write(s["username"]); open(sys.argv[3], "w").write(s["password"])' "$MASTER_DIR/secret.json" "$MASTER_DIR/username" "$MASTER_DIR/password"
rm "$MASTER_DIR/secret.json"
`;

/** Runs the SQL as the master user against the \`postgres\` database, over verified TLS. */
export const RUN_SQL_SCRIPT = `export PGUSER="$(cat "$MASTER_DIR/username")" PGPASSWORD="$(cat "$MASTER_DIR/password")"
printf '%s' "$BOOTSTRAP_SQL" | psql --no-psqlrc --quiet -v role="$APP_ROLE" -v database="$APP_DATABASE" -v password="$APP_PASSWORD"
echo "database $APP_DATABASE and role $APP_ROLE are in place"
`;

export interface BootstrapJobArgs {
    /** Database and role name of the app. */
    readonly database: string;
    /** Secret (in the job's namespace) holding the app's password under `password`. */
    readonly passwordSecret: string;
    /** Digest of the password: a new password changes the pod template, so the Job runs again. */
    readonly passwordDigest: string;
    /** Service account with read access to the master secret. */
    readonly serviceAccount: string;
    readonly masterSecretArn: string;
    readonly host: string;
    readonly port: number;
    readonly region: string;
    /** The Aurora engine version (`dbEngineVersion`): psql is the client of its major. Required. */
    readonly engineVersion: string;
}

/**
 * Fargate's smallest size fits both containers: Fargate sizes the pod from the requests, so every
 * container has them. https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
 */
const RESOURCES = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "250m", memory: "256Mi" } };

/**
 * The user and group both containers run as: `postgres` (999) of the Debian postgres image
 * (https://github.com/docker-library/postgres/blob/master/16/bookworm/Dockerfile), which psql
 * expects; the AWS CLI runs as any user whose HOME it can write. Never root.
 */
export const BOOTSTRAP_UID = 999;

/** HOME of both containers: an emptyDir, the AWS CLI keeps its cache there (the root file system is read-only). */
const HOME_DIR = "/home/bootstrap";

/**
 * The pod's security context, which Pod Security `restricted` asks for at pod level (non-root user
 * and group, the runtime's default seccomp profile); Fargate runs all of it.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate.html
 */
export const BOOTSTRAP_POD_SECURITY: IPodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: BOOTSTRAP_UID,
    runAsGroup: BOOTSTRAP_UID,
    seccompProfile: { type: "RuntimeDefault" },
};

/** Each container's part of `restricted`: no escalation, no capabilities, nothing written outside its emptyDirs. */
function restricted(name: string, image: string, script: string, env: IContainer["env"], mounts: IContainer["volumeMounts"]): IContainer {
    return {
        name,
        image,
        command: ["/bin/sh", "-eu", "-c", script],
        env,
        volumeMounts: mounts,
        resources: RESOURCES,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    };
}

/**
 * The Job's spec. Retries cover Aurora resuming from auto-pause and a Fargate node starting; the
 * deadline stops a job that can never succeed from retrying forever.
 */
export function bootstrapJobSpec(a: BootstrapJobArgs): IJobSpec {
    const master = { name: "master", mountPath: MASTER_DIR };
    const tmp = { name: "tmp", mountPath: "/tmp" };
    const home = { name: "home", mountPath: HOME_DIR };
    // The RDS CA bundle: psql checks Aurora's certificate against it (verify-full).
    const rdsCa = { name: "rds-ca", mountPath: RDS_CA_MOUNT_DIR, readOnly: true };
    return {
        backoffLimit: 6,
        activeDeadlineSeconds: 1200,
        template: {
            metadata: {
                labels: { "app.kubernetes.io/name": "database-bootstrap", "app.kubernetes.io/instance": a.database },
                annotations: { "platform/password-digest": a.passwordDigest },
            },
            spec: {
                serviceAccountName: a.serviceAccount,
                restartPolicy: "Never",
                securityContext: BOOTSTRAP_POD_SECURITY,
                initContainers: [
                    restricted(
                        "fetch-master-secret",
                        BOOTSTRAP_IMAGES.awsCli,
                        FETCH_MASTER_SCRIPT,
                        [
                            { name: "MASTER_SECRET_ARN", value: a.masterSecretArn },
                            { name: "MASTER_DIR", value: MASTER_DIR },
                            { name: "AWS_REGION", value: a.region },
                            // The CLI writes its cache under HOME; the root file system is read-only.
                            { name: "HOME", value: HOME_DIR },
                        ],
                        [master, tmp, home],
                    ),
                ],
                containers: [
                    restricted(
                        "create-database",
                        BOOTSTRAP_IMAGES.psql(a.engineVersion),
                        RUN_SQL_SCRIPT,
                        [
                            { name: "PGHOST", value: a.host },
                            { name: "PGPORT", value: String(a.port) },
                            { name: "PGDATABASE", value: "postgres" },
                            { name: "PGSSLMODE", value: DATABASE_TLS.sslmode },
                            { name: "PGSSLROOTCERT", value: DATABASE_TLS.sslrootcert },
                            { name: "PGCONNECT_TIMEOUT", value: "30" },
                            { name: "APP_ROLE", value: a.database },
                            { name: "APP_DATABASE", value: a.database },
                            { name: "APP_PASSWORD", valueFrom: { secretKeyRef: { name: a.passwordSecret, key: "password" } } },
                            { name: "BOOTSTRAP_SQL", value: BOOTSTRAP_SQL },
                            { name: "MASTER_DIR", value: MASTER_DIR },
                            { name: "HOME", value: HOME_DIR },
                        ],
                        [master, tmp, home, rdsCa],
                    ),
                ],
                volumes: [
                    { name: "master", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                    { name: "home", emptyDir: { sizeLimit: "64Mi" } },
                    { name: "rds-ca", configMap: { name: RDS_CA_CONFIGMAP } },
                ],
            },
        },
    };
}

/**
 * Permissions of the bootstrap job's service account: read the master secret, decrypt it with the
 * database's key, and only through Secrets Manager.
 */
export function bootstrapPolicy(masterSecretArn: string, kmsKeyArn: string, region: string) {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            { Sid: "ReadMasterSecret", Effect: "Allow" as const, Action: ["secretsmanager:GetSecretValue"], Resource: [masterSecretArn] },
            {
                Sid: "DecryptMasterSecret",
                Effect: "Allow" as const,
                Action: ["kms:Decrypt"],
                Resource: [kmsKeyArn],
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
            },
        ],
    };
}
