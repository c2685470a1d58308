/**
 * The platform contract of an app, as plain data: the values an app's manifests can rely on
 * (apps/README.md documents them; test/apps checks both agree). The names in the contract (the
 * namespace, service account, `platform` ConfigMap, `database` Secret, `rds-ca` ConfigMap and its
 * key, `data` claim, database and role) are composed in components/naming.ts with every other derived name.
 */
import { DATABASE_SECRET, RDS_CA_BUNDLE_KEY, managedNamespaceLabels } from "../naming";

/** Labels of an app's namespace: the app's name and the labels of every managed namespace. */
export function namespaceLabels(app: string): Record<string, string> {
    return { "app.kubernetes.io/part-of": app, ...managedNamespaceLabels() };
}

/** Data of the `platform` ConfigMap. */
export function platformConfigMapData(args: {
    region: string;
    stack: string;
    cluster: string;
    settings: Readonly<Record<string, string>>;
}): Record<string, string> {
    return { AWS_REGION: args.region, PLATFORM_STACK: args.stack, PLATFORM_CLUSTER: args.cluster, ...args.settings };
}

/** What an app's database connection consists of. */
export interface DatabaseConnection {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly username: string;
    readonly password: string;
}

/**
 * Where a pod mounts the `rds-ca` ConfigMap, read-only: the directory, and the bundle's path in it.
 * Every client the platform configures reads the bundle from {@link RDS_CA_PATH}.
 */
export const RDS_CA_MOUNT_DIR = "/etc/ssl/rds";
/** See {@link RDS_CA_MOUNT_DIR}. */
export const RDS_CA_PATH = `${RDS_CA_MOUNT_DIR}/${RDS_CA_BUNDLE_KEY}`;

/** Data of the `rds-ca` ConfigMap: the Amazon RDS CA bundle (components/data/rds-ca/) under its file name. */
export function rdsCaConfigMapData(bundle: string): Record<string, string> {
    return { [RDS_CA_BUNDLE_KEY]: bundle };
}

/**
 * TLS of every database client the platform configures: `verify-full` checks that the server's
 * certificate chains to an RDS CA of the bundle and names the host connected to; `require` would
 * encrypt without knowing who answers. https://www.postgresql.org/docs/current/libpq-ssl.html
 */
export const DATABASE_TLS = { sslmode: "verify-full", sslrootcert: RDS_CA_PATH } as const;

/**
 * Data of the `database` Secret: libpq's environment variables, so `envFrom` the Secret (and the
 * `rds-ca` ConfigMap mounted at {@link RDS_CA_MOUNT_DIR}) is enough for psql and every libpq-based
 * driver, and `DATABASE_URL` for the others, with the same TLS settings as URL parameters
 * (percent-encoded, which libpq and node-postgres' pg-connection-string both decode:
 * https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS). The cluster
 * refuses unencrypted connections anyway (rds.force_ssl).
 */
export function databaseSecretData(c: DatabaseConnection): Record<string, string> {
    const tls = new URLSearchParams(DATABASE_TLS).toString();
    const url = `postgresql://${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${encodeURIComponent(c.database)}?${tls}`;
    return {
        PGHOST: c.host,
        PGPORT: String(c.port),
        PGDATABASE: c.database,
        PGUSER: c.username,
        PGPASSWORD: c.password,
        PGSSLMODE: DATABASE_TLS.sslmode,
        PGSSLROOTCERT: DATABASE_TLS.sslrootcert,
        DATABASE_URL: url,
    };
}

/** Re-exported for scripts/offline/apps.ts, which imports it from here; composed in naming.ts. */
export { appNamespace } from "../naming";

/**
 * The Secrets an app's pods can rely on: the platform's `database` Secret (database: true) and
 * the Secrets app.yaml declares under `secrets`, which the platform creates from the stack's
 * encrypted config.
 */
export function providedSecrets(app: { readonly database: boolean; readonly secrets: Readonly<Record<string, unknown>> }): string[] {
    return [...(app.database ? [DATABASE_SECRET] : []), ...Object.keys(app.secrets)];
}

/**
 * Labels of a Secret the platform creates for an app from app.yaml's `secrets`: the app it belongs
 * to and who manages it. Never Argo CD's tracking label (`app.kubernetes.io/instance`) nor its
 * annotation (`argocd.argoproj.io/tracking-id`): Argo CD treats only what carries them as its own,
 * so it never prunes nor deletes the Secret, which is in no manifest of git.
 * https://argo-cd.readthedocs.io/en/stable/user-guide/resource_tracking/
 */
export function appSecretLabels(app: string): Record<string, string> {
    return { "app.kubernetes.io/part-of": app, "app.kubernetes.io/managed-by": "pulumi" };
}

/** Argo CD's tracking label and annotation (see {@link appSecretLabels}), which platform-made Secrets never carry. */
export const ARGOCD_TRACKING_LABEL = "app.kubernetes.io/instance";
/** See {@link ARGOCD_TRACKING_LABEL}. */
export const ARGOCD_TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id";
