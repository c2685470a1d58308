/**
 * An app's database on the throwaway server, made as the platform makes it: the bootstrap Job's SQL
 * (components/apps/database-bootstrap-job.ts BOOTSTRAP_SQL) run by psql as the master user with
 * the variables RUN_SQL_SCRIPT passes, and the `database` Secret's data as the program renders it
 * (components/apps/contract.ts databaseSecretData) for the test server. The `rds-ca` ConfigMap's
 * file is a folder holding the test CA under the bundle's key, for {@link containerEnv}'s mounts.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { databaseSecretData } from "../../../components/apps/contract";
import { BOOTSTRAP_SQL } from "../../../components/apps/database-bootstrap-job";
import { DATABASE_SECRET, RDS_CA_BUNDLE_KEY, RDS_CA_CONFIGMAP, databaseIdentifier } from "../../../components/naming";
import type { PgServer } from "./postgres";

export interface AppDatabase {
    /** The database's and the login role's name. */
    readonly name: string;
    readonly password: string;
    /** Data of the `database` Secret, by the Secret's name (for containerEnv's `secrets`). */
    readonly secrets: Record<string, Record<string, string>>;
    /** The `rds-ca` ConfigMap's folder, by the ConfigMap's name (for containerEnv's `mountedConfigMaps`). */
    readonly mountedConfigMaps: Record<string, string>;
}

/** Creates the app's role and database as the bootstrap Job does; throws with psql's own message. */
export function bootstrapAppDatabase(pg: PgServer, app: string): AppDatabase {
    const name = databaseIdentifier(app);
    const password = randomBytes(18).toString("base64url");
    const r = pg.psql(["--quiet", "-v", `role=${name}`, "-v", `database=${name}`, "-v", `password=${password}`], {}, BOOTSTRAP_SQL);
    if (r.status !== 0) throw new Error(`bootstrap of ${app}'s database failed (${r.status}):\n${r.stderr}`);
    const caDir = path.join(pg.scratch, `${RDS_CA_CONFIGMAP}-${app}`);
    fs.mkdirSync(caDir, { recursive: true });
    fs.copyFileSync(pg.caFile, path.join(caDir, RDS_CA_BUNDLE_KEY));
    return {
        name,
        password,
        secrets: { [DATABASE_SECRET]: databaseSecretData({ host: pg.host, port: pg.port, database: name, username: name, password }) },
        mountedConfigMaps: { [RDS_CA_CONFIGMAP]: caDir },
    };
}
