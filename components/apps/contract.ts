/**
 * The platform contract of an app, as plain data: the values an app's manifests can rely on
 * (apps/README.md documents them; test/apps checks both agree). The names in the contract (the
 * namespace, service account, `platform` ConfigMap, `database` Secret, `data` claim, database and
 * role) are composed in components/naming.ts with every other derived name.
 */
import { managedNamespaceLabels } from "../naming";

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
 * Data of the `database` Secret: libpq's environment variables, so `envFrom` the Secret is enough
 * for psql and every libpq-based driver, and `DATABASE_URL` for the others. TLS is required: the
 * cluster sets rds.force_ssl.
 */
export function databaseSecretData(c: DatabaseConnection): Record<string, string> {
    const url = `postgresql://${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${encodeURIComponent(c.database)}?sslmode=require`;
    return {
        PGHOST: c.host,
        PGPORT: String(c.port),
        PGDATABASE: c.database,
        PGUSER: c.username,
        PGPASSWORD: c.password,
        PGSSLMODE: "require",
        DATABASE_URL: url,
    };
}

/** Re-exported for scripts/offline/apps.ts, which imports it from here; composed in naming.ts. */
export { appNamespace } from "../naming";
