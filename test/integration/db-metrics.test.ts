/**
 * db-metrics' script (apps/db-metrics/base/collect.sh) run as its CronJob runs it: the container's
 * command and environment from base/cronjob.yaml, the script from the kustomization's generated
 * ConfigMap, the `platform` ConfigMap and the `database` Secret as the program renders them, psql
 * against the throwaway server with verify-full. Only the AWS CLI is a stub: it records its
 * arguments, so the test reads the metrics exactly as CloudWatch would receive them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type pg from "pg";
import { parse } from "yaml";
import { platformConfigMapData } from "../../components/apps/contract";
import { DATABASE_SECRET, PLATFORM_CONFIGMAP } from "../../components/naming";
import { bootstrapAppDatabase, type AppDatabase } from "./support/app-database";
import { containerCommand, containerEnv, generatedConfigMap, manifestContainer, runCommand, type Finished } from "./support/pod";
import { startPostgres, type PgServer } from "./support/postgres";
import { AwsStub, writeAwsStub } from "./support/aws-stub";

const REPO_ROOT = path.resolve(__dirname, "../..");
const APP = "db-metrics";
const APP_DIR = path.join(REPO_ROOT, "apps", APP);
const STACK = "dev";

/** A metric as put-metric-data's --metric-data JSON carries it. */
interface Metric {
    MetricName: string;
    Value: number;
    Unit: string;
    Dimensions: { Name: string; Value: string }[];
}

describe("db-metrics example: collect.sh against PostgreSQL, the AWS CLI stubbed", function () {
    let server: PgServer;
    let own: AppDatabase;
    let other: AppDatabase;
    let admin: pg.Client;
    let aws: AwsStub;
    let scripts: string;

    before(async function () {
        server = await startPostgres();
        own = bootstrapAppDatabase(server, APP);
        other = bootstrapAppDatabase(server, "chat"); // another app's database: this role may not connect to it
        admin = await server.connect();
        // The script makes one call, put-metric-data (its arguments are the metrics the test reads).
        aws = writeAwsStub(server.scratch, ["cloudwatch", "put-metric-data"], "", false);
        scripts = generatedConfigMap(path.join(APP_DIR, "base"), "collect-script", path.join(server.scratch, "collect-script"));
    });

    after(async function () {
        await admin?.end().catch(() => {});
        await server?.stop();
    });

    /** The CronJob's container, run here: its command and env, `database` Secret data overridable. */
    function collect(secret: Record<string, string> = own.secrets[DATABASE_SECRET]): Promise<Finished> {
        aws.reset();
        const cronJob = manifestContainer(path.join(APP_DIR, "base/cronjob.yaml"), "CronJob", "collect", "collect");
        const sources = {
            configMaps: { [PLATFORM_CONFIGMAP]: platformConfigMapData({ region: "ap-northeast-1", stack: STACK, cluster: `platform-${STACK}`, settings: {} }) },
            secrets: { [DATABASE_SECRET]: secret },
            mountedConfigMaps: { ...own.mountedConfigMaps, "collect-script": scripts },
        };
        // PATH: the stub first (a real AWS CLI on this machine must not be reached); HOME as the
        // image sets it (images/runner/Dockerfile: ENV HOME=/tmp), here a scratch folder.
        const env = { PATH: `${aws.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: server.scratch, ...containerEnv(cronJob, sources) };
        return runCommand(containerCommand(cronJob, sources), { env });
    }

    const awsCalls = () => aws.calls();

    const shown = (r: Finished) => `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

    it("publishes each database's connections and (where its role may connect) size, in the namespace its IAM policy allows", async function () {
        // Two sessions of the other app, so its Connections value is known exactly.
        const otherSessions = await Promise.all([0, 1].map(() => server.connect({ user: other.name, password: other.password, database: other.name })));
        let r: Finished;
        try {
            r = await collect();
        } finally {
            await Promise.all(otherSessions.map((c) => c.end()));
        }
        assert.equal(r.status, 0, `collect.sh failed:\n${shown(r)}`);
        const calls = awsCalls();
        assert.equal(calls.length, 1, `expected one aws call, got ${JSON.stringify(calls)}\n${shown(r)}`);
        const [service, operation, ...rest] = calls[0];
        assert.deepEqual([service, operation], ["cloudwatch", "put-metric-data"]);
        const options = Object.fromEntries(rest.flatMap((a, i) => (a.startsWith("--") ? [[a, rest[i + 1]]] : [])));
        assert.deepEqual(Object.keys(options).sort(), ["--metric-data", "--namespace"]);

        // The namespace is the one app.yaml's IAM condition allows: any other would be denied.
        const descriptor = parse(fs.readFileSync(path.join(APP_DIR, "app.yaml"), "utf8"));
        const allowed = descriptor.permissions.map((p: { Condition?: { StringEquals?: Record<string, string> } }) => p.Condition?.StringEquals?.["cloudwatch:namespace"]);
        assert.deepEqual(allowed, [options["--namespace"]]);

        const metrics = JSON.parse(options["--metric-data"]) as Metric[];
        const byDatabase = new Map<string, Record<string, Metric>>();
        for (const m of metrics) {
            assert.deepEqual(m.Dimensions.map((d) => d.Name), ["Stack", "Database"], JSON.stringify(m));
            assert.equal(m.Dimensions[0].Value, STACK);
            const db = m.Dimensions[1].Value;
            byDatabase.set(db, { ...byDatabase.get(db), [m.MetricName]: m });
        }
        // Every database but the templates, as the server lists them.
        const { rows } = await admin.query("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname");
        assert.deepEqual([...byDatabase.keys()].sort(), rows.map((row) => row.datname));

        const size = async (db: string) => Number((await admin.query("SELECT pg_database_size($1) AS s", [db])).rows[0].s);
        // Its own database: its own session only, and its size.
        assert.deepEqual(byDatabase.get(own.name), {
            Connections: { MetricName: "Connections", Value: 1, Unit: "Count", Dimensions: [{ Name: "Stack", Value: STACK }, { Name: "Database", Value: own.name }] },
            DatabaseSize: { MetricName: "DatabaseSize", Value: await size(own.name), Unit: "Bytes", Dimensions: [{ Name: "Stack", Value: STACK }, { Name: "Database", Value: own.name }] },
        });
        // Another app's database: its sessions are counted, its size is not (CONNECT is the other role's only).
        assert.deepEqual(byDatabase.get(other.name), {
            Connections: { MetricName: "Connections", Value: 2, Unit: "Count", Dimensions: [{ Name: "Stack", Value: STACK }, { Name: "Database", Value: other.name }] },
        });
        // `postgres` (CONNECT for PUBLIC by default): at least the test's own session, and its size.
        assert.ok(byDatabase.get("postgres")!.Connections.Value >= 1);
        assert.equal(byDatabase.get("postgres")!.DatabaseSize?.Value, await size("postgres"));
        assert.match(r.stderr, new RegExp(`published ${metrics.length} values to ${options["--namespace"]}`));
    });

    it("stops before publishing when the database refuses it, with the server's own message", async function () {
        const r = await collect({ ...own.secrets[DATABASE_SECRET], PGPASSWORD: "not-the-password" });
        assert.notEqual(r.status, 0, `collect.sh succeeded with a wrong password:\n${shown(r)}`);
        assert.match(r.stderr, new RegExp(`password authentication failed for user "${own.name}"`), shown(r));
        assert.deepEqual(awsCalls(), [], "it published something anyway");
    });

    it("refuses to run without the contract's variables, naming the missing one", async function () {
        const { PGHOST: _host, ...withoutHost } = own.secrets[DATABASE_SECRET];
        const r = await collect(withoutHost);
        assert.notEqual(r.status, 0, shown(r));
        assert.match(r.stderr, /PGHOST: is set by the database Secret/, shown(r));
        assert.deepEqual(awsCalls(), []);
    });
});
