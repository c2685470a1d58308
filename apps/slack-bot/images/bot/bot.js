"use strict";
// Answers @mentions in Slack with a Claude model on Amazon Bedrock, thread by thread.
//
// Socket Mode: the bot opens a WebSocket to Slack, so the cluster needs no inbound route. Each
// thread's conversation is kept as a JSON file under DATA_DIR (the app's EFS volume), so a restart
// or a new pod carries on where the last one stopped.
//
// The Slack app needs: Socket Mode on, an app-level token with connections:write (SLACK_APP_TOKEN),
// the bot event app_mention, and the bot scopes app_mentions:read and chat:write (SLACK_BOT_TOKEN).

const fs = require("node:fs/promises");
const http = require("node:http");
const path = require("node:path");
const { App, LogLevel, SocketModeReceiver } = require("@slack/bolt");
const { BedrockRuntimeClient, InvokeModelCommand } = require("@aws-sdk/client-bedrock-runtime");
const conversation = require("./conversation");

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
};

const config = {
  botToken: env("SLACK_BOT_TOKEN"),
  appToken: env("SLACK_APP_TOKEN"),
  modelId: env("BEDROCK_MODEL_ID"),
  dataDir: env("DATA_DIR", "/data"),
  logLevel: { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[process.env.LOG_LEVEL] ?? LogLevel.INFO,
  healthPort: Number(env("HEALTH_PORT", "8080")),
  maxTokens: Number(env("MAX_TOKENS", "1024")),
  // Turns (question + answer) of a thread sent back to the model: bounds cost and latency.
  historyTurns: Number(env("HISTORY_TURNS", "10")),
  threadRetentionDays: Number(env("THREAD_RETENTION_DAYS", "30")),
};

const threadsDir = path.join(config.dataDir, "threads");
const receiver = new SocketModeReceiver({ appToken: config.appToken, logLevel: config.logLevel });
const app = new App({ token: config.botToken, receiver, logLevel: config.logLevel });
// Region and credentials come from the pod: AWS_REGION (platform ConfigMap) and IRSA's web identity.
const bedrock = new BedrockRuntimeClient({});

// --- conversation files ------------------------------------------------------------------------

async function pruneThreads() {
  const removed = await conversation.pruneThreads(threadsDir, config.threadRetentionDays);
  if (removed) app.logger.info(`removed ${removed} thread files older than ${config.threadRetentionDays} days`);
}

// --- Bedrock -----------------------------------------------------------------------------------

async function ask(messages) {
  const response = await bedrock.send(
    new InvokeModelCommand({
      modelId: config.modelId,
      contentType: "application/json",
      accept: "application/json",
      body: conversation.requestBody(messages, config.maxTokens),
    }),
  );
  return conversation.answerText(JSON.parse(new TextDecoder().decode(response.body)));
}

// --- Slack -------------------------------------------------------------------------------------

app.event("app_mention", async ({ event, say, logger }) => {
  const threadTs = event.thread_ts ?? event.ts;
  const question = conversation.questionOf(event.text);
  if (!question) {
    await say({ text: "Ask me something after the mention.", thread_ts: threadTs });
    return;
  }
  const file = conversation.threadFile(threadsDir, event.channel, threadTs);
  const messages = conversation.withQuestion(await conversation.loadThread(file), question);
  try {
    const answer = await ask(messages);
    await conversation.saveThread(file, conversation.keptHistory(messages, answer, config.historyTurns));
    await say({ text: answer || "(no answer)", thread_ts: threadTs });
  } catch (err) {
    logger.error(`answering in ${event.channel}/${threadTs} failed: ${err.name}: ${err.message}`);
    await say({ text: "Sorry, I could not answer that just now.", thread_ts: threadTs });
  }
});

// --- health ------------------------------------------------------------------------------------

let disconnectedSince = Date.now();
receiver.client.on("connected", () => { disconnectedSince = null; });
receiver.client.on("disconnected", () => { disconnectedSince ??= Date.now(); });
receiver.client.on("reconnecting", () => { disconnectedSince ??= Date.now(); });

const health = http.createServer((req, res) => {
  const healthy = conversation.healthy(disconnectedSince);
  res.writeHead(healthy ? 200 : 503, { "Content-Type": "text/plain" });
  res.end(healthy ? "ok\n" : "disconnected from Slack\n");
});

// --- start and stop ----------------------------------------------------------------------------

async function main() {
  await fs.mkdir(threadsDir, { recursive: true });
  await pruneThreads();
  setInterval(() => pruneThreads().catch((err) => app.logger.warn(`pruning threads failed: ${err.message}`)), 3_600_000).unref();
  health.listen(config.healthPort);
  await app.start();
  app.logger.info(`connected to Slack; model ${config.modelId}, data in ${config.dataDir}`);
}

async function shutdown(signal) {
  app.logger.info(`${signal}: disconnecting`);
  health.close();
  await app.stop().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
