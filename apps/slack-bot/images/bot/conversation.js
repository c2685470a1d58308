"use strict";
// The bot's logic that needs neither Slack nor Bedrock: thread files, what is sent to the model and
// what is kept, and when the pod counts as healthy. bot.js wires it to Slack and Bedrock; the
// platform's tests (test/apps/slack-bot.test.ts) run it as it is, since the rest needs Slack.

const fs = require("node:fs/promises");
const path = require("node:path");

// The file of one thread's conversation under threadsDir.
function threadFile(threadsDir, channel, threadTs) {
  // Slack ids and timestamps are [A-Z0-9.]; anything else would be a bug, not a path to follow.
  const name = `${channel}-${threadTs}`;
  if (!/^[A-Za-z0-9.]+-[0-9.]+$/.test(name)) throw new Error(`unexpected thread id ${name}`);
  return path.join(threadsDir, `${name}.json`);
}

// A thread's messages so far; none for a thread not seen before.
async function loadThread(file) {
  try {
    return JSON.parse(await fs.readFile(file, "utf8"));
  } catch (err) {
    if (err.code === "ENOENT") return [];
    throw err;
  }
}

// Write then rename: a pod killed mid-write leaves the old file, never half a file.
async function saveThread(file, messages) {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(messages));
  await fs.rename(tmp, file);
}

// Removes the thread files last written more than retentionDays ago; returns how many.
async function pruneThreads(threadsDir, retentionDays, now = Date.now()) {
  const cutoff = now - retentionDays * 86_400_000;
  let removed = 0;
  for (const name of await fs.readdir(threadsDir)) {
    const file = path.join(threadsDir, name);
    const { mtimeMs } = await fs.stat(file);
    if (mtimeMs < cutoff) {
      await fs.rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

// The question of a mention: its text without the mentions themselves ("" when nothing is left).
function questionOf(text) {
  return text.replace(/<@[A-Z0-9]+>/g, "").trim();
}

// The history plus the new question, as the Messages API takes them.
function withQuestion(history, question) {
  return [...history, { role: "user", content: [{ type: "text", text: question }] }];
}

// The messages plus the model's answer, cut to the last historyTurns whole turns, so the kept
// history always starts with a user message, as the API requires. 0 keeps none (slice(-0) would
// keep them all).
function keptHistory(messages, answer, historyTurns) {
  if (!(historyTurns > 0)) return [];
  return [...messages, { role: "assistant", content: [{ type: "text", text: answer }] }].slice(-2 * historyTurns);
}

// The InvokeModel body for Anthropic's models on Bedrock (the Messages API).
function requestBody(messages, maxTokens) {
  return JSON.stringify({
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: maxTokens,
    system: "You are a helpful assistant in a Slack workspace. Answer briefly; use Slack mrkdwn, not Markdown headings.",
    messages,
  });
}

// The text of a Messages API result: its text blocks, joined (tool use and the like are left out).
function answerText(result) {
  return result.content.filter((block) => block.type === "text").map((block) => block.text).join("").trim();
}

// Socket Mode reconnects by itself; only a connection lost for longer than this is worth a restart.
const DISCONNECTED_LIMIT_MS = 5 * 60_000;

// Healthy while connected, or disconnected (since disconnectedSince, ms) for less than the limit.
function healthy(disconnectedSince, now = Date.now()) {
  return disconnectedSince === null || now - disconnectedSince < DISCONNECTED_LIMIT_MS;
}

module.exports = {
  DISCONNECTED_LIMIT_MS,
  answerText,
  healthy,
  keptHistory,
  loadThread,
  pruneThreads,
  questionOf,
  requestBody,
  saveThread,
  threadFile,
  withQuestion,
};
