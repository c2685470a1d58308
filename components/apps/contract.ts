/**
 * The platform contract of an app, as plain data: the names and values an app's manifests can rely
 * on (apps/README.md documents them; test/apps checks both agree).
 */
import { appNamespace, managedNamespaceLabels } from "../naming";

/** The ConfigMap every app's namespace gets: region, stack, cluster and the app's settings. */
export const PLATFORM_CONFIGMAP = "platform";
/** The Secret with an app's database connection, for apps that declare `database: true`. */
export const DATABASE_SECRET = "database";

/** An app's service account: named after the app, so manifests read `serviceAccountName: <app>`. */
export function serviceAccountName(app: string): string {
    return app;
}

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

/**
 * Name of an app's database and login role: the app's name with `_` for `-`, which PostgreSQL takes
 * unquoted (apps/<app> names are lower case letters, digits and `-`).
 */
export function databaseIdentifier(app: string): string {
    return app.replace(/-/g, "_");
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

/** The namespace an app's objects must land in: everything else is refused by its AppProject. */
export { appNamespace };
