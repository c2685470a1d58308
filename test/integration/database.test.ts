/**
 * The platform's database path, run for real on a throwaway PostgreSQL (support/postgres.ts): the
 * bootstrap Job's scripts and SQL exactly as bootstrapJobSpec() renders them, run as its containers
 * run them (`/bin/sh -eu -c <script>` with the container's env), and the `database` Secret's
 * variables exactly as databaseSecretData() renders them, used by psql and node-postgres.
 *
 * What differs from the cluster, and only that: the master credentials come from a stub `aws` on
 * PATH (it answers the one call the init container makes with the JSON RDS writes to the secret);
 * MASTER_DIR and HOME (emptyDirs in the pod) are temporary directories; PGSSLROOTCERT (the RDS CA
 * bundle in the pod) is the test CA. Each is replaced only where the Job's env sets it, so renaming a
 * variable in the Job fails here. The master user is, as on RDS, not a superuser: it may create roles
 * and databases (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.html).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import type { IContainer } from "kubernetes-models/v1/Container";
import { BOOTSTRAP_SQL, bootstrapJobSpec } from "../../components/apps/database-bootstrap-job";
import { RDS_CA_PATH, databaseSecretData } from "../../components/apps/contract";
import { writeAwsStub } from "./support/aws-stub";
import { OTHER_HOST, startPostgres, type PgServer, type Run } from "./support/postgres";

const MASTER_SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-0123abcd-AbCdEf";
const MASTER = { username: "itest_master", password: `m-${Math.random().toString(36).slice(2)}'"$ x` };
/** The characters a generated password may not have but a hand-set one may: quotes, `$`, `@`, `:`, `/`, `%`, space. */
const awkward = (tag: string) => `${tag}-${Math.random().toString(36).slice(2)}-'"$ @:/%?#&`;

let server: PgServer;
let work: string;
let stubBin: string;

/** The server, the stub aws and the master user (this file's describe() runs it before its tests). */
async function setUp(): Promise<void> {
    server = await startPostgres();
    work = mkdtempSync(join(server.scratch, "bootstrap-"));
    // The stub answers exactly the call FETCH_MASTER_SCRIPT makes, with the JSON RDS keeps in a
    // managed master secret (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
    stubBin = writeAwsStub(
        work,
        ["secretsmanager", "get-secret-value", "--secret-id", MASTER_SECRET_ARN, "--query", "SecretString", "--output", "text"],
        `${JSON.stringify({ username: MASTER.username, password: MASTER.password })}\n`,
    ).bin;
    const su = await server.connect();
    try {
        await su.query(`CREATE ROLE ${MASTER.username} LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER.password.replace(/'/g, "''")}'`);
        // PostgreSQL 15 no longer lets every role create in schema public
        // (https://www.postgresql.org/docs/15/ddl-schemas.html#DDL-SCHEMAS-PRIV); the master's table goes there.
        await su.query(`GRANT CREATE ON SCHEMA public TO ${MASTER.username}`);
    } finally {
        await su.end();
    }
    // A table of the master user's, in the database the master user works in (as RDS's `postgres`).
    const master = await server.connect({ user: MASTER.username, password: MASTER.password });
    try {
        await master.query("CREATE TABLE master_only (secret text); INSERT INTO master_only VALUES ('not for apps')");
    } finally {
        await master.end();
    }
}

/** The Job the program renders for an app, against the test server. */
function jobFor(app: string) {
    return bootstrapJobSpec({
        database: app,
        passwordSecret: `${app}-password`,
        passwordDigest: "digest",
        serviceAccount: "database-bootstrap",
        masterSecretArn: MASTER_SECRET_ARN,
        host: server.host,
        port: server.port,
        region: "ap-northeast-1",
        engineVersion: "15",
    });
}

/**
 * A container's environment as the kubelet gives it: its `value`s, and `secretKeyRef`s read from
 * `secrets`; then `overrides`, each of which must replace a variable the container has.
 */
function containerEnv(c: IContainer, secrets: Record<string, Record<string, string>>, overrides: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        const value = ref ? secrets[ref.name ?? ""]?.[ref.key] : e.value;
        env[e.name] = value ?? assert.fail(`${c.name}: ${e.name} has no value (secret ${ref?.name}/${ref?.key}?)`);
    }
    for (const [k, v] of Object.entries(overrides)) {
        assert.ok(k in env, `${c.name} sets no ${k}: the test would replace nothing`);
        env[k] = v;
    }
    // The image's PATH, with the stub aws first; python3 and psql are the machine's.
    return { ...env, PATH: `${stubBin}:/usr/local/bin:/usr/bin:/bin` };
}

/** Runs one container's command (`/bin/sh -eu -c <script>`) with its env. */
function runContainer(c: IContainer, env: Record<string, string>): Run {
    const [file, ...args] = c.command ?? assert.fail(`${c.name} has no command`);
    const r = spawnSync(file, args, { env, encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/**
 * Runs the bootstrap Job for `app` with the app's password as its Secret holds it: the init
 * container, then (if it succeeded) the main one, sharing a fresh MASTER_DIR as the pod's emptyDir.
 * `edit` changes the rendered spec first (the broken-SQL test).
 */
function bootstrap(app: string, password: string, edit?: (spec: ReturnType<typeof jobFor>) => void): Run & { container: string } {
    const spec = jobFor(app);
    edit?.(spec);
    const pod = spec.template.spec!;
    const masterDir = mkdtempSync(join(work, "master-"));
    const home = mkdtempSync(join(work, "home-"));
    const secrets = { [`${app}-password`]: { password } };
    try {
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
            const overrides: Record<string, string> = { MASTER_DIR: masterDir, HOME: home };
            if (c.env?.some((e) => e.name === "PGSSLROOTCERT")) overrides.PGSSLROOTCERT = server.caFile;
            const r = runContainer(c, containerEnv(c, secrets, overrides));
            if (r.status !== 0) return { ...r, container: c.name };
            if (c === pod.initContainers?.[0]) {
                // What the init container leaves for psql: the two files, not the secret's JSON.
                assert.deepEqual(readdirSync(masterDir).sort(), ["password", "username"], `${c.name} left ${readdirSync(masterDir)}`);
            }
            if (c === pod.containers[pod.containers.length - 1]) return { ...r, container: c.name };
        }
        return assert.fail("the Job has no containers");
    } finally {
        rmSync(masterDir, { recursive: true, force: true });
        rmSync(home, { recursive: true, force: true });
    }
}

function bootstrapOk(app: string, password: string): void {
    const r = bootstrap(app, password);
    assert.equal(r.status, 0, `bootstrap of ${app} failed in ${r.container}:\n${r.stderr}${r.stdout}`);
    assert.match(r.stdout, new RegExp(`database ${app} and role ${app} are in place`));
}

/** Connects as `user`; resolves to the client's error message when the server refuses. */
async function tryConnect(user: string, password: string, database: string): Promise<{ client?: pg.Client; error?: string }> {
    try {
        return { client: await server.connect({ user, password, database }) };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

/** The error message of a statement the server refuses (fails the test if it succeeds). */
async function refused(c: pg.Client, sql: string): Promise<string> {
    try {
        await c.query(sql);
    } catch (e) {
        return (e as Error).message;
    }
    return assert.fail(`the server ran: ${sql}`);
}

/** Everything the bootstrap may have touched for `app`, but the password. */
async function snapshot(app: string) {
    const su = await server.connect();
    try {
        const q = async (sql: string, params: unknown[] = []) => (await su.query(sql, params)).rows;
        return {
            roles: await q("SELECT rolname FROM pg_roles ORDER BY 1"),
            databases: await q("SELECT datname FROM pg_database ORDER BY 1"),
            role: await q(
                `SELECT oid::int, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
                        rolbypassrls, rolconnlimit, rolvaliduntil, rolconfig FROM pg_roles WHERE rolname = $1`,
                [app],
            ),
            database: await q(
                `SELECT oid::int, datname, pg_get_userbyid(datdba) AS owner, datacl::text[] AS acl FROM pg_database WHERE datname = $1`,
                [app],
            ),
            memberships: await q(
                `SELECT roleid::regrole::text AS role, member::regrole::text AS member, admin_option FROM pg_auth_members
                  WHERE roleid = (SELECT oid FROM pg_roles WHERE rolname = $1) OR member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1, 2`,
                [app],
            ),
        };
    } finally {
        await su.end();
    }
}

async function passwordHash(role: string): Promise<string> {
    const su = await server.connect();
    try {
        return (await su.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role])).rows[0].rolpassword;
    } finally {
        await su.end();
    }
}

/** The `database` Secret's data as the program renders it, with the test CA where the pod mounts the RDS bundle. */
function secretData(app: string, password: string): Record<string, string> {
    const data = databaseSecretData({ host: server.host, port: server.port, database: app, username: app, password });
    assert.equal(data.PGSSLROOTCERT, RDS_CA_PATH);
    const url = new URL(data.DATABASE_URL);
    assert.equal(url.searchParams.get("sslrootcert"), RDS_CA_PATH);
    url.searchParams.set("sslrootcert", server.caFile);
    return { ...data, PGSSLROOTCERT: server.caFile, DATABASE_URL: url.toString() };
}

/**
 * node-postgres in a process of its own, as an app runs it: `new Client()` reads the PG* variables
 * (https://node-postgres.com/features/connecting#environment-variables), or `DATABASE_URL` when
 * `url` is set; NODE_EXTRA_CA_CERTS is what apps/README.md tells Node.js apps to set to the bundle
 * (node-postgres reads PGSSLMODE but not PGSSLROOTCERT). Prints user, database and TLS of the session.
 */
function nodePostgres(env: Record<string, string>, url = false): Run {
    const script = `const { Client } = require("pg");
const c = new Client(${url ? "{ connectionString: process.env.DATABASE_URL }" : ""});
c.connect()
  .then(() => c.query("SELECT current_user AS u, current_database() AS d, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
  .then((r) => { console.log(JSON.stringify(r.rows[0])); return c.end(); })
  .catch((e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync(process.execPath, ["-e", script], {
        cwd: join(__dirname, "..", ".."),
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_EXTRA_CA_CERTS: env.PGSSLROOTCERT, ...env },
        encoding: "utf8",
        timeout: 30_000,
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** psql with only the Secret's variables (`PG*`), or with `DATABASE_URL` as its connection string. */
function psqlWith(data: Record<string, string>, url = false): Run {
    const sql = "SELECT current_user || ' ' || current_database() || ' ' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    const env = url ? {} : Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith("PG")));
    const args = url ? [data.DATABASE_URL, "-At", "-c", sql] : ["-At", "-c", sql];
    const r = spawnSync("psql", ["-X", ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, ...env }, encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

describe("database path on a real PostgreSQL (the bootstrap Job and the database Secret)", () => {
    before(setUp);
    after(async () => {
        await server?.stop();
    });
    const passwords: Record<string, string> = { chat: awkward("chat"), billing: awkward("billing") };

    it("one bootstrap run creates the app's login role and its database, owned by the role, with CONNECT revoked from PUBLIC", async () => {
        bootstrapOk("chat", passwords.chat);
        const s = await snapshot("chat");
        assert.equal(s.role.length, 1, "no role chat");
        const { rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls } = s.role[0];
        assert.deepEqual({ rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls }, { rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
        assert.equal(s.database.length, 1, "no database chat");
        assert.equal(s.database[0].owner, "chat");
        // aclitem text is grantee=privileges/grantor; PUBLIC is the empty grantee
        // (https://www.postgresql.org/docs/15/ddl-priv.html#PRIVILEGE-ABBREVS-TABLE).
        const acl: string[] = s.database[0].acl;
        assert.deepEqual(acl.filter((a) => a.startsWith("=")), [], `PUBLIC keeps a privilege: ${acl}`);
        assert.ok(acl.some((a) => /^chat=[^/]*c[^/]*\//.test(a)), `chat may not connect: ${acl}`);
        const { client, error } = await tryConnect("chat", passwords.chat, "chat");
        assert.ok(client, `chat cannot connect to its database: ${error}`);
        await client.end();
    });

    it("a second run changes nothing but the password: same role, database, owner, grants; the old password stops working, the new one works", async () => {
        const before = await snapshot("chat");
        const oldHash = await passwordHash("chat");
        const fresh = awkward("chat2");
        bootstrapOk("chat", fresh);
        assert.deepEqual(await snapshot("chat"), before);
        assert.notEqual(await passwordHash("chat"), oldHash, "the password hash is unchanged");
        const old = await tryConnect("chat", passwords.chat, "chat");
        await old.client?.end();
        assert.match(old.error ?? "the old password still works", /password authentication failed for user "chat"/);
        const now = await tryConnect("chat", fresh, "chat");
        assert.ok(now.client, `the new password does not work: ${now.error}`);
        await now.client.end();
        passwords.chat = fresh;
    });

    it("the app's role cannot connect to another app's database, create roles or databases, or read the master user's table (the server's own errors)", async () => {
        bootstrapOk("billing", passwords.billing);
        const other = await tryConnect("chat", passwords.chat, "billing");
        await other.client?.end();
        assert.match(other.error ?? "chat connected to billing", /permission denied for database "billing"/);
        const own = await tryConnect("chat", passwords.chat, "chat");
        assert.ok(own.client, own.error);
        try {
            assert.match(await refused(own.client, "CREATE ROLE intruder LOGIN"), /permission denied to create role/);
            assert.match(await refused(own.client, "CREATE DATABASE intruder"), /permission denied to create database/);
        } finally {
            await own.client.end();
        }
        // The master's database, which every role may connect to by default (PUBLIC has CONNECT), as on RDS.
        const masters = await tryConnect("chat", passwords.chat, "postgres");
        assert.ok(masters.client, masters.error);
        try {
            assert.match(await refused(masters.client, "SELECT * FROM master_only"), /permission denied for table master_only/);
        } finally {
            await masters.client.end();
        }
    });

    it("the database Secret's variables as the program renders them connect with verify-full: PG* (psql, node-postgres) and DATABASE_URL (psql, node-postgres)", () => {
        const data = secretData("chat", passwords.chat);
        assert.equal(data.PGSSLMODE, "verify-full");
        for (const [how, r] of [["psql, PG*", psqlWith(data)], ["psql, DATABASE_URL", psqlWith(data, true)]] as const) {
            assert.equal(r.status, 0, `${how}: ${r.stderr}`);
            assert.equal(r.stdout.trim(), "chat chat true", how);
        }
        for (const [how, r] of [["node-postgres, PG*", nodePostgres(data)], ["node-postgres, DATABASE_URL", nodePostgres(data, true)]] as const) {
            assert.equal(r.status, 0, `${how}: ${r.stderr}`);
            assert.deepEqual(JSON.parse(r.stdout), { u: "chat", d: "chat", ssl: true }, how);
        }
    });

    it(`the same variables are refused when the server's certificate names another host (${OTHER_HOST}): libpq's and Node's own errors`, () => {
        const data = secretData("chat", passwords.chat);
        server.useCertificate("other");
        try {
            const libpq = new RegExp(`server certificate for "${OTHER_HOST}" does not match host name "localhost"`);
            for (const [how, r] of [["psql, PG*", psqlWith(data)], ["psql, DATABASE_URL", psqlWith(data, true)]] as const) {
                assert.notEqual(r.status, 0, `${how} connected: ${r.stdout}`);
                assert.match(r.stderr, libpq, how);
            }
            const node = new RegExp(`Hostname/IP does not match certificate's altnames: Host: localhost\\. is not in the cert's altnames: DNS:${OTHER_HOST.replace(/\./g, "\\.")}`);
            for (const [how, r] of [["node-postgres, PG*", nodePostgres(data)], ["node-postgres, DATABASE_URL", nodePostgres(data, true)]] as const) {
                assert.notEqual(r.status, 0, `${how} connected: ${r.stdout}`);
                assert.match(r.stderr, node, how);
            }
        } finally {
            server.useCertificate("localhost");
        }
    });

    it("names that need quoting work end to end: an app called db-report gets its role and database, twice, and its Secret connects", async () => {
        const password = awkward("report");
        bootstrapOk("db-report", password);
        const before = await snapshot("db-report");
        assert.equal(before.database[0]?.owner, "db-report");
        bootstrapOk("db-report", password);
        assert.deepEqual(await snapshot("db-report"), before);
        const data = secretData("db-report", password);
        const r = psqlWith(data);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "db-report db-report true");
        const viaUrl = nodePostgres(data, true);
        assert.equal(viaUrl.status, 0, viaUrl.stderr);
        // The owner can use its database: a table of its own.
        const own = await tryConnect("db-report", password, "db-report");
        assert.ok(own.client, own.error);
        try {
            await own.client.query("CREATE TABLE report (id int); INSERT INTO report VALUES (1)");
            assert.deepEqual((await own.client.query("SELECT count(*)::int AS n FROM report")).rows, [{ n: 1 }]);
        } finally {
            await own.client.end();
        }
    });

    it("a broken SQL statement fails the bootstrap with the server's error message, which the Job's output shows", async () => {
        const broken = BOOTSTRAP_SQL.replace("GRANT CONNECT, TEMPORARY ON DATABASE", "GRNAT CONNECT, TEMPORARY ON DATABASE");
        assert.notEqual(broken, BOOTSTRAP_SQL, "the statement to break is not in BOOTSTRAP_SQL");
        // What the server itself says about the broken statement.
        const master = await server.connect({ user: MASTER.username, password: MASTER.password });
        const serverSays = await refused(master, 'GRNAT CONNECT, TEMPORARY ON DATABASE "broken" TO "broken"').finally(() => master.end());
        assert.match(serverSays, /syntax error at or near "GRNAT"/);
        const r = bootstrap("broken", awkward("broken"), (spec) => {
            const env = spec.template.spec!.containers[0].env!;
            const sql = env.find((e) => e.name === "BOOTSTRAP_SQL") ?? assert.fail("the Job passes no BOOTSTRAP_SQL");
            sql.value = broken;
        });
        assert.equal(r.container, "create-database");
        assert.notEqual(r.status, 0, `the broken SQL ran: ${r.stdout}`);
        assert.ok(r.stderr.includes(`ERROR:  ${serverSays}`), `the Job's output does not show the server's error "${serverSays}":\n${r.stderr}`);
        // ON_ERROR_STOP: psql stopped there (the statements before it ran), and the script said nothing of success.
        assert.doesNotMatch(r.stdout, /are in place/);
        const s = await snapshot("broken");
        assert.equal(s.database[0]?.owner, "broken", "the statements before the broken one did not run");
        const acl = (s.database[0].acl ?? []) as string[];
        assert.ok(acl.length > 0 && !acl.some((a) => a.startsWith("=")), `the REVOKE before the broken statement did not run: ${acl}`);
    });

    it("the stub aws answers only the call the Job makes: another secret fails the init container, and psql never runs", async () => {
        const r = bootstrap("wrong-secret", awkward("wrong"), (spec) => {
            const arn = spec.template.spec!.initContainers![0].env!.find((e) => e.name === "MASTER_SECRET_ARN") ?? assert.fail("no MASTER_SECRET_ARN");
            arn.value = `${MASTER_SECRET_ARN}-other`;
        });
        assert.equal(r.container, "fetch-master-secret");
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /stub aws: unexpected call/);
        assert.deepEqual((await snapshot("wrong-secret")).role, [], "psql ran without the master credentials");
    });
});
