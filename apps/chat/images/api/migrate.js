"use strict";
// Schema migrations, run by the PreSync Job before every rollout (`node migrate.js`).
// Append new migrations to the list; never edit or reorder one that has shipped.

const { Client } = require("pg");
const log = require("./log");

const MIGRATIONS = [
  {
    id: 1,
    name: "create messages",
    sql: `CREATE TABLE messages (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            author     text        NOT NULL,
            body       text        NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX messages_created_at_idx ON messages (created_at DESC, id DESC);`,
  },
  {
    id: 2,
    name: "welcome message",
    sql: `INSERT INTO messages (author, body) VALUES ('chat', 'Welcome to chat.');`,
  },
];

// Any constant works; it only keeps two Jobs (say, a retried sync) from migrating at once.
const LOCK_KEY = 7_262_831;

async function main() {
  const client = new Client();
  await client.connect();
  try {
    // One transaction: PostgreSQL DDL is transactional, so a failed run leaves nothing half done.
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
                          id         integer PRIMARY KEY,
                          name       text        NOT NULL,
                          applied_at timestamptz NOT NULL DEFAULT now()
                        )`);
    const { rows } = await client.query("SELECT id FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.id));
    let count = 0;
    for (const m of MIGRATIONS) {
      if (applied.has(m.id)) continue;
      log.info("applying migration", { id: m.id, name: m.name });
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [m.id, m.name]);
      count += 1;
    }
    await client.query("COMMIT");
    log.info("migrations done", { applied: count, total: MIGRATIONS.length });
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  log.error("migration failed", { error: err.message });
  process.exitCode = 1;
});
