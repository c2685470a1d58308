/**
 * The chat example, end to end on this machine: its own database made as the platform makes it
 * (support/app-database.ts), the migration Job's command (`node migrate.js`) and the API
 * (`node server.js`) with the environment their manifests give them (the `database` Secret as the
 * program renders it, verify-full against the test CA), the web image's site served with the
 * routing of its nginx configuration, the Ingress's paths in front of both, and the page opened in
 * headless Chromium. `pg` resolves from the repository's node_modules, as the image's own would.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type pg from "pg";
import { bootstrapAppDatabase, type AppDatabase } from "./support/app-database";
import { launchChromium, type Chromium } from "./support/browser";
import { containerEnv, manifestContainer, runCommand, type Finished } from "./support/pod";
import { freePort, startPostgres, type PgServer } from "./support/postgres";
import { answerNginx, ingressPaths, ingressRoute, nginxServer, parseNginxConf, startIngress, startNginxSite, type LocalServer } from "./support/static";
import { spawn, type ChildProcess } from "child_process";

const REPO_ROOT = path.resolve(__dirname, "../..");
const APP = "chat";
const APP_DIR = path.join(REPO_ROOT, "apps", APP);
const API_DIR = path.join(APP_DIR, "images/api");
/** Test artifacts (git-ignored): the page as Chromium showed it. */
export const ARTIFACTS = path.join(REPO_ROOT, "test-results");

/** Rows the test inserts, older than the migration's welcome message, so the API lists it first. */
const KNOWN = [
    { author: "alice", body: "Hello from the integration test.", createdAt: "2020-01-02T03:04:05.000Z" },
    // Markup in a body must show as text (app.js sets textContent only).
    { author: "bob", body: "<b>not bold</b> & fine", createdAt: "2020-01-02T03:05:06.000Z" },
];

describe("chat example, end to end", function () {
    let server: PgServer;
    let db: AppDatabase;
    let admin: pg.Client; // the superuser, in the app's database: only to look, insert known rows and break things on purpose
    let api: { process: ChildProcess; url: string; log: () => string } | undefined;
    const closers: (() => Promise<void>)[] = [];

    /** The migration Job's container: `node migrate.js` in the image's folder, with its manifest's environment. */
    function migrate(): Promise<Finished> {
        const job = manifestContainer(path.join(APP_DIR, "base/migrate.yaml"), "Job", "migrate", "migrate");
        const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...containerEnv(job, db) };
        const [cmd, ...args] = job.container.command as string[];
        return runCommand([cmd === "node" ? process.execPath : cmd, ...args], { env, cwd: API_DIR });
    }

    /** What a migration may change: tables, columns, indexes, owners, the bookkeeping and the rows. */
    async function schema(): Promise<unknown> {
        const q = async (sql: string) => (await admin.query(sql)).rows;
        return {
            tables: await q("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"),
            columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
                                FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, ordinal_position`),
            indexes: await q("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"),
            migrations: await q("SELECT id, name, applied_at FROM schema_migrations ORDER BY id"),
            messages: await q("SELECT id, author, body, created_at FROM messages ORDER BY id"),
        };
    }

    /** The JSON lines migrate.js logs (log.js), for assertions on what it says it did. */
    function logLines(out: string): { msg: string; [k: string]: unknown }[] {
        return out
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l));
    }

    const shown = (r: Finished) => `exit ${r.status}${r.signal ? ` (${r.signal})` : ""}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

    before(async function () {
        server = await startPostgres();
        db = bootstrapAppDatabase(server, APP);
        admin = await server.connect({ database: db.name });
    });

    after(async function () {
        for (const close of closers.reverse()) await close().catch(() => {});
        if (api && api.process.exitCode === null && api.process.signalCode === null) {
            const exited = new Promise((resolve) => api!.process.once("exit", resolve));
            api.process.kill("SIGTERM");
            await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
            api.process.kill("SIGKILL");
        }
        await admin?.end().catch(() => {});
        await server?.stop();
    });

    it("migrates its own database as the app's role: tables owned by the role, the welcome message in", async function () {
        const r = await migrate();
        assert.equal(r.status, 0, `migrate.js failed:\n${shown(r)}`);
        const done = logLines(r.stdout).find((l) => l.msg === "migrations done");
        assert.ok(done, `no "migrations done" line:\n${shown(r)}`);
        assert.equal(done.applied, done.total, "a first run applies every migration");
        const s = (await schema()) as { tables: { tablename: string; tableowner: string }[]; messages: { author: string }[] };
        assert.deepEqual(s.tables, [
            { tablename: "messages", tableowner: db.name },
            { tablename: "schema_migrations", tableowner: db.name },
        ]);
        assert.deepEqual(s.messages.map((m) => m.author), ["chat"]);
    });

    it("runs the migration a second time without changing anything (idempotent)", async function () {
        const before = await schema();
        const r = await migrate();
        assert.equal(r.status, 0, `the second run of migrate.js failed:\n${shown(r)}`);
        assert.equal(logLines(r.stdout).find((l) => l.msg === "migrations done")?.applied, 0, `the second run applied migrations again:\n${shown(r)}`);
        assert.deepEqual(await schema(), before, "the second run changed the schema or the rows");
    });

    it("fails a migration that is not idempotent with the server's own message, and leaves nothing half done", async function () {
        // Forgetting that migration 1 ran makes the runner apply its CREATE TABLE again: the
        // statement is not idempotent, so PostgreSQL refuses it, and the whole run is one
        // transaction (https://www.postgresql.org/docs/15/sql-begin.html), so nothing of it stays.
        await admin.query("DELETE FROM schema_migrations WHERE id = 1");
        const before = await schema();
        try {
            const r = await migrate();
            assert.notEqual(r.status, 0, `migrate.js applied a non-idempotent migration twice:\n${shown(r)}`);
            const failed = logLines(r.stdout).find((l) => l.msg === "migration failed");
            assert.ok(failed, `no "migration failed" line:\n${shown(r)}`);
            // The server's own text (42P07 duplicate_table), as the runner reports it.
            assert.equal(failed.error, 'relation "messages" already exists', shown(r));
            assert.deepEqual(await schema(), before, "a failed run left changes behind");
        } finally {
            await admin.query("INSERT INTO schema_migrations (id, name) VALUES (1, 'create messages')");
        }
    });

    it("serves /healthz and /api/messages from its database with the Secret's variables, over verified TLS", async function () {
        for (const m of KNOWN) await admin.query("INSERT INTO messages (author, body, created_at) VALUES ($1, $2, $3)", [m.author, m.body, m.createdAt]);
        api = await startApi();
        const health = await fetch(`${api.url}/healthz`);
        assert.equal(health.status, 200, api.log());
        assert.deepEqual(await health.json(), { status: "ok" });

        const res = await fetch(`${api.url}/api/messages`);
        const text = await res.text();
        assert.equal(res.status, 200, `GET /api/messages: ${res.status} ${text}\nAPI log:\n${api.log()}`);
        const { messages } = JSON.parse(text) as { messages: { id: string; author: string; body: string; createdAt: string }[] };
        // Newest first: the migration's welcome message (now()), then the known rows.
        assert.deepEqual(
            messages.map((m) => [m.author, m.body, m.author === "chat" ? "" : m.createdAt]),
            [["chat", "Welcome to chat.", ""], ...[...KNOWN].reverse().map((m) => [m.author, m.body, m.createdAt])],
        );
        const limited = (await (await fetch(`${api.url}/api/messages?limit=1`)).json()) as { messages: unknown[] };
        assert.equal(limited.messages.length, 1);

        // The API's pooled connection is the app's role, encrypted (pg_stat_ssl:
        // https://www.postgresql.org/docs/15/monitoring-stats.html#MONITORING-PG-STAT-SSL-VIEW).
        const { rows } = await admin.query(
            "SELECT a.usename, a.datname, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = $1",
            [db.name],
        );
        assert.ok(rows.length > 0, `no connection of ${db.name} while the API runs`);
        assert.ok(rows.every((r) => r.ssl === true && r.datname === db.name), JSON.stringify(rows));
    });

    it("shows the API's messages in headless Chromium, served as the web image and the Ingress route them", async function () {
        assert.ok(api, "the API test did not start the API");
        const site = await startNginxSite(path.join(APP_DIR, "images/web"));
        closers.push(site.close);
        const ingress = await ingressFor(site);

        // The routing, as the files say: /api to the API, /healthz answered by nginx itself (the
        // Ingress sends it to the web Service), any other path falls back to index.html.
        const apiPath = ingress.paths.find((p) => p.service === "api");
        assert.ok(apiPath, "the Ingress sends no path to the api Service");
        const viaIngress = await fetch(`${ingress.url}${apiPath.path}/messages`);
        assert.equal(viaIngress.status, 200, await viaIngress.clone().text());
        assert.match(viaIngress.headers.get("content-type") ?? "", /^application\/json/);
        const health = await fetch(`${ingress.url}/healthz`);
        assert.equal(health.status, 200);
        assert.equal(await health.text(), "ok\n");
        const deep = await fetch(`${ingress.url}/rooms/general`);
        assert.equal(deep.status, 200);
        assert.equal(await deep.text(), fs.readFileSync(path.join(APP_DIR, "images/web/site/index.html"), "utf8"));
        assert.match(deep.headers.get("content-security-policy") ?? "", /default-src 'self'/);

        const browser: Chromium = await launchChromium();
        closers.push(browser.close);
        const page = await browser.context.newPage();
        const problems: string[] = [];
        page.on("console", (m) => {
            if (m.type() === "error") problems.push(`console: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

        const response = await page.goto(`${ingress.url}/`);
        assert.equal(response?.status(), 200);
        // app.js fills the list after its fetch (https://playwright.dev/docs/api/class-locator#locator-wait-for).
        await page.locator("#messages li").nth(KNOWN.length).waitFor({ timeout: 15_000 }).catch((e: Error) => {
            throw new Error(`the page never listed ${KNOWN.length + 1} messages (status: ${problems.join("; ") || "none"}): ${e.message}\nAPI log:\n${api!.log()}`);
        });
        const authors = await page.locator("#messages li .author").allTextContents();
        const bodies = await page.locator("#messages li p").allTextContents();
        const times = await Promise.all((await page.locator("#messages li time").all()).map((t) => t.getAttribute("datetime")));
        assert.deepEqual(authors, ["chat", ...[...KNOWN].reverse().map((m) => m.author)]);
        assert.deepEqual(bodies, ["Welcome to chat.", ...[...KNOWN].reverse().map((m) => m.body)]);
        assert.deepEqual(times.slice(1), [...KNOWN].reverse().map((m) => m.createdAt));
        assert.equal((await page.locator("#messages b").count()), 0, "a message body was parsed as HTML");
        assert.equal(await page.locator("#status").textContent(), "");
        assert.deepEqual(problems, [], "the page reported errors (a CSP violation shows here too)");

        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, "chat.png"), fullPage: true });
        assert.ok(fs.statSync(path.join(ARTIFACTS, "chat.png")).size > 0);
    });

    /** The API Deployment's container: `node server.js` (the image's CMD) with its manifest's environment and a free PORT. */
    async function startApi(): Promise<{ process: ChildProcess; url: string; log: () => string }> {
        const deployment = manifestContainer(path.join(APP_DIR, "base/api.yaml"), "Deployment", "api", "api");
        const port = await freePort();
        const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...containerEnv(deployment, db), PORT: String(port) };
        const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(fs.readFileSync(path.join(API_DIR, "Dockerfile"), "utf8"))?.[1] ?? "null") as string[] | null;
        assert.ok(cmd, "the API's Dockerfile has no CMD in exec form");
        const child = spawn(cmd[0] === "node" ? process.execPath : cmd[0], cmd.slice(1), { cwd: API_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
        const log = () => out;
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`the API did not log "listening" within 10 s:\n${out}`)), 10_000);
            child.stdout!.on("data", () => {
                if (out.includes('"msg":"listening"')) {
                    clearTimeout(timer);
                    resolve();
                }
            });
            child.once("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`the API exited (${code}) before listening:\n${out}`));
            });
        });
        return { process: child, url: `http://127.0.0.1:${port}`, log };
    }

    /** The Ingress of base/ingress.yaml in front of the API and the web site. */
    async function ingressFor(site: LocalServer) {
        const ingress = await startIngress(fs.readFileSync(path.join(APP_DIR, "base/ingress.yaml"), "utf8"), { api: api!.url, web: site.url });
        closers.push(ingress.close);
        return ingress;
    }
});

describe("chat example: the test's nginx and Ingress stand-ins read their files as nginx and the ALB do", function () {
    it("routes Prefix paths by whole path elements, the longest first, Exact before Prefix", function () {
        const paths = ingressPaths(fs.readFileSync(path.join(APP_DIR, "base/ingress.yaml"), "utf8"));
        const to = (p: string) => ingressRoute(paths, p)?.service;
        assert.equal(to("/api"), "api");
        assert.equal(to("/api/messages"), "api");
        assert.equal(to("/apix"), "web", "Prefix /api must not take /apix");
        assert.equal(to("/"), "web");
        const more = [...paths, { path: "/api/messages", pathType: "Exact" as const, service: "exact" }];
        assert.equal(ingressRoute(more, "/api/messages")?.service, "exact");
        assert.equal(ingressRoute(more, "/api/messages/1")?.service, "api");
    });

    it("serves the shipped configuration: an exact location before the prefix one, try_files falling back to index.html", function () {
        const conf = parseNginxConf(fs.readFileSync(path.join(APP_DIR, "images/web/default.conf"), "utf8"));
        const site = path.join(APP_DIR, "images/web/site");
        const server = nginxServer(conf, () => site);
        assert.deepEqual(answerNginx(server, "/healthz").answer.body.toString(), "ok\n");
        assert.equal(answerNginx(server, "/app.js").answer.type, "application/javascript");
        assert.equal(answerNginx(server, "/no/such/page").answer.body.toString(), fs.readFileSync(path.join(site, "index.html"), "utf8"));
        assert.equal(answerNginx(server, "/../../package.json").answer.body.toString(), fs.readFileSync(path.join(site, "index.html"), "utf8"), "a path outside the root is not served");
    });

    it("refuses a directive it does not implement, by name, rather than serve it wrongly", function () {
        const conf = parseNginxConf("server { root /srv; location / { gzip on; } }");
        assert.throws(() => nginxServer(conf, () => "/srv"), /does not implement gzip in location \//);
        assert.throws(() => nginxServer(parseNginxConf("server { root /srv; location ~ \\.php$ { return 404; } }"), () => "/srv"), /only exact and prefix locations/);
    });
});
