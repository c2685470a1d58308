/**
 * A throwaway PostgreSQL server for the integration suite: a fresh cluster (initdb) in a temporary
 * directory, TLS on with a certificate from a CA the suite generates, scram-sha-256 passwords only,
 * listening on 127.0.0.1 at a free port. No database is mocked: tests talk to a real server with the
 * same TLS settings (`verify-full`) and the same password method as Aurora's.
 *
 *     const pg = await startPostgres();      // in before()
 *     const c = await pg.connect();          // node-postgres, superuser, verified TLS
 *     pg.psql(["-c", "SELECT 1"]);           // psql, same settings through libpq's PG* variables
 *     await pg.stop();                       // in after(); a root after() hook stops what is left
 *
 * PostgreSQL refuses to run as root (https://www.postgresql.org/docs/15/server-start.html), so when
 * the suite runs as root, initdb and pg_ctl run as the unprivileged `postgres` user, which then owns
 * the data directory, the socket directory and the server's key; the tests themselves stay root.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Where Debian's postgresql-15 package puts the server binaries (they are not on PATH). */
export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** The host name the default server certificate names (CN and SAN, with 127.0.0.1). */
export const SERVER_HOST = "localhost";
/** The only host name the other certificate names: a client verifying `localhost` must refuse it. */
export const OTHER_HOST = "db.example.test";

/** The result of a command: its exit status and output, which assertions show as they are. */
export interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

export interface PgServer {
    /** The host name clients connect to; the server's certificate names it (unless {@link useCertificate} said otherwise). */
    readonly host: string;
    readonly port: number;
    /** The test CA's certificate (PEM): the `sslrootcert` of every client. */
    readonly caFile: string;
    readonly superuser: string;
    readonly superPassword: string;
    /** A temporary directory of this server, removed by stop(): for stubs, master files and the like. */
    readonly scratch: string;
    /**
     * A connected node-postgres client over TLS verified against the test CA (node-postgres checks
     * the chain and the host name when `ssl` is an object: https://node-postgres.com/features/ssl).
     * Defaults: the superuser, database `postgres`.
     */
    connect(opts?: pg.ClientConfig): Promise<pg.Client>;
    /**
     * Runs psql (`-X`: no psqlrc) with libpq's variables for this server (verify-full against the
     * test CA, the superuser, database `postgres`), `env` on top of them. Never throws: the caller
     * asserts on status and shows stderr, which is psql's / the server's own message.
     */
    psql(args: readonly string[], env?: Readonly<Record<string, string>>, input?: string): Run;
    /** libpq's variables psql() uses (https://www.postgresql.org/docs/15/libpq-envars.html). */
    pgEnv(): Record<string, string>;
    /** Restarts the server with the certificate for `localhost` (default) or the one naming only {@link OTHER_HOST}. */
    useCertificate(which: "localhost" | "other"): void;
    /** Stops the server and removes its directory. Safe to call twice. */
    stop(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

/** Runs a command, as `postgres` when the suite is root; throws with its output when it fails. */
function run(cmd: string, args: readonly string[], opts: { asServer?: boolean; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
    const [file, argv] = opts.asServer && isRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, [...args]];
    const r: SpawnSyncReturns<string> = spawnSync(file, argv, { encoding: "utf8", env: opts.env ?? process.env, input: opts.input, timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

function must(r: Run, what: string): Run {
    if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr}${r.stdout}`);
    return r;
}

/** A free TCP port on 127.0.0.1: the OS picks one for a listener on port 0, which is closed again. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as { port: number }).port;
            s.close(() => resolve(port));
        });
    });
}

/**
 * The test CA and two server certificates signed by it: one for `localhost` and 127.0.0.1 (a
 * verify-full client checks the SAN: https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-HOST-NAME-VERIFICATION),
 * one naming only {@link OTHER_HOST}. EC P-256 keys: quick to generate.
 */
function makeCertificates(dir: string): { ca: string; localhost: [string, string]; other: [string, string] } {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    const ca = join(dir, "ca.crt");
    const caKey = join(dir, "ca.key");
    must(
        run("openssl", ["req", "-x509", ...ec, "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=platform integration test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
        "openssl (CA)",
    );
    const leaf = (name: string, san: string): [string, string] => {
        const key = join(dir, `${name}.key`);
        const csr = join(dir, `${name}.csr`);
        const crt = join(dir, `${name}.crt`);
        const ext = join(dir, `${name}.ext`);
        writeFileSync(ext, `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
        must(run("openssl", ["req", "-new", ...ec, "-keyout", key, "-out", csr, "-subj", `/CN=${san.split(",")[0].replace(/^DNS:/, "")}`]), `openssl (${name} key)`);
        must(run("openssl", ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", crt]), `openssl (${name} cert)`);
        return [crt, key];
    };
    return { ca, localhost: leaf("server", `DNS:${SERVER_HOST},IP:127.0.0.1`), other: leaf("other", `DNS:${OTHER_HOST}`) };
}

/** Servers not stopped yet: the root after() hook and the exit handler stop them. */
const running = new Set<PgServer>();

export async function startPostgres(): Promise<PgServer> {
    const root = mkdtempSync(join(tmpdir(), "platform-pg-"));
    const data = join(root, "data");
    const sock = join(root, "sock");
    const tls = join(root, "tls");
    const scratch = join(root, "scratch");
    for (const d of [sock, tls, scratch]) mkdirSync(d, { mode: 0o700 });
    const superuser = "itest_super";
    const superPassword = randomBytes(18).toString("base64url");
    const pwfile = join(root, "pwfile");
    writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
    const certs = makeCertificates(tls);
    if (isRoot) {
        const { uid, gid } = serverUser();
        for (const p of [root, sock, tls, pwfile, ...certs.localhost, ...certs.other]) chownSync(p, uid, gid);
    }
    const port = await freePort();
    let stopped = false;
    const server: PgServer = {
        host: SERVER_HOST,
        port,
        caFile: certs.ca,
        superuser,
        superPassword,
        scratch,
        async connect(opts = {}) {
            const c = new pg.Client({
                host: SERVER_HOST,
                port,
                user: superuser,
                password: superPassword,
                database: "postgres",
                ssl: { ca: readFileSync(certs.ca, "utf8") },
                ...opts,
            });
            await c.connect();
            return c;
        },
        pgEnv() {
            return {
                PGHOST: SERVER_HOST,
                PGPORT: String(port),
                PGUSER: superuser,
                PGPASSWORD: superPassword,
                PGDATABASE: "postgres",
                PGSSLMODE: "verify-full",
                PGSSLROOTCERT: certs.ca,
                PGCONNECT_TIMEOUT: "10",
            };
        },
        psql(args, env = {}, input) {
            return run("psql", ["-X", ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: scratch, ...server.pgEnv(), ...env }, input });
        },
        useCertificate(which) {
            const [crt, key] = which === "other" ? certs.other : certs.localhost;
            appendFileSync(join(data, "postgresql.conf"), `ssl_cert_file = '${crt}'\nssl_key_file = '${key}'\n`);
            must(run(join(PG_BIN, "pg_ctl"), ["-D", data, "-l", join(root, "server.log"), "-w", "-t", "60", "-m", "fast", "restart"], { asServer: true }), "pg_ctl restart");
        },
        async stop() {
            if (stopped) return;
            stopped = true;
            running.delete(server);
            stopSync(data, root);
        },
    };
    running.add(server);
    try {
        // --auth: every connection authenticates with a password (no trust); the superuser's
        // password from --pwfile (https://www.postgresql.org/docs/15/app-initdb.html). -N: no
        // fsync, a throwaway cluster.
        must(run(join(PG_BIN, "initdb"), ["-D", data, "-N", "--auth=scram-sha-256", `--username=${superuser}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C"], { asServer: true }), "initdb");
        // Settings appended after initdb's: the last occurrence wins
        // (https://www.postgresql.org/docs/15/config-setting.html#CONFIG-SETTING-CONFIGURATION-FILE).
        appendFileSync(
            join(data, "postgresql.conf"),
            [
                "listen_addresses = '127.0.0.1'",
                `port = ${port}`,
                `unix_socket_directories = '${sock}'`,
                "ssl = on",
                `ssl_cert_file = '${certs.localhost[0]}'`,
                `ssl_key_file = '${certs.localhost[1]}'`,
                "password_encryption = 'scram-sha-256'",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "",
            ].join("\n"),
        );
        // TCP only with TLS and SCRAM (https://www.postgresql.org/docs/15/auth-pg-hba-conf.html): a
        // client without TLS finds no line and is refused. The socket serves the superuser only.
        writeFileSync(join(data, "pg_hba.conf"), `local all ${superuser} scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n`);
        // -w: wait until the server accepts connections (https://www.postgresql.org/docs/15/app-pg-ctl.html).
        must(run(join(PG_BIN, "pg_ctl"), ["-D", data, "-l", join(root, "server.log"), "-w", "-t", "60", "start"], { asServer: true }), "pg_ctl start");
    } catch (e) {
        await server.stop();
        throw e;
    }
    return server;
}

function serverUser(): { uid: number; gid: number } {
    const id = (flag: string) => Number(must(run("id", [flag, "postgres"]), "id postgres").stdout.trim());
    return { uid: id("-u"), gid: id("-g") };
}

/** Immediate shutdown (a throwaway cluster needs no checkpoint), then the directory goes. */
function stopSync(data: string, root: string): void {
    run(join(PG_BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], { asServer: true });
    rmSync(root, { recursive: true, force: true });
}

/** Stops every server still running (root after() hook; also on exit, when mocha is interrupted). */
export async function stopAllPostgres(): Promise<void> {
    for (const s of [...running]) await s.stop();
}

// A root-level hook: registered while mocha loads the spec files (outside any describe), so it runs
// once after every test, whether they passed or not (https://mochajs.org/#root-level-hooks).
if (typeof after === "function") after(stopAllPostgres);
process.once("exit", () => {
    for (const s of [...running]) void s.stop();
});
