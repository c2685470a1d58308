"use strict";
// chat API: GET /api/messages (latest messages, JSON) and GET /healthz.
// The database comes from the PG* variables of the platform's `database` Secret; pg reads them.

const http = require("node:http");
const { Pool } = require("pg");
const log = require("./log");

const port = Number(process.env.PORT ?? 8080);
// Connections add up over every replica the HPA may run: keep the pool small.
const pool = new Pool({ max: Number(process.env.PG_POOL_MAX ?? 5), idleTimeoutMillis: 30_000 });
pool.on("error", (err) => log.warn("idle database connection failed", { error: err.message }));

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(json);
}

async function listMessages(url) {
  const limit = Math.min(Math.max(Number.parseInt(url.searchParams.get("limit") ?? "50", 10) || 50, 1), 200);
  const { rows } = await pool.query(
    "SELECT id, author, body, created_at FROM messages ORDER BY created_at DESC, id DESC LIMIT $1",
    [limit],
  );
  return rows.map((r) => ({ id: String(r.id), author: r.author, body: r.body, createdAt: r.created_at.toISOString() }));
}

const server = http.createServer(async (req, res) => {
  const started = process.hrtime.bigint();
  const url = new URL(req.url, "http://localhost");
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(res, 405, { error: "method not allowed" });
    } else if (url.pathname === "/healthz") {
      // Liveness of this process only: a database outage must not make Kubernetes restart every pod.
      send(res, 200, { status: "ok" });
    } else if (url.pathname === "/api/messages") {
      send(res, 200, { messages: await listMessages(url) });
    } else {
      send(res, 404, { error: "not found" });
    }
  } catch (err) {
    log.error("request failed", { method: req.method, path: url.pathname, error: err.message });
    if (!res.headersSent) send(res, 500, { error: "internal error" });
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.debug("request", { method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(ms) });
  }
});

// The ALB keeps idle connections for 60 s. Node's default (5 s) would close them under the ALB's
// feet and turn some requests into 502s; stay above the ALB's timeout instead.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(port, () => log.info("listening", { port }));

function shutdown(signal) {
  log.info("shutting down", { signal });
  server.close(() => pool.end().finally(() => process.exit(0)));
  server.closeIdleConnections();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
