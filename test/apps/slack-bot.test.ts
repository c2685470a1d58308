/**
 * The slack-bot example's own logic (apps/slack-bot/images/bot/conversation.js), run as it is: the
 * bot itself needs Slack (Socket Mode) and Bedrock, which no test here can reach, so the
 * integration suite does not start it. What runs here is everything it decides on its own: the
 * thread files (names, atomic writes, retention), what it sends to the model and keeps, and when
 * its pod counts as healthy. bot.js itself runs once with stand-ins for the Slack and Bedrock
 * SDKs, to show it wires that logic as the tests above assume.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

interface Message {
    role: "user" | "assistant";
    content: { type: string; text: string }[];
}

/** conversation.js's exports (plain CommonJS, no types of its own). */
interface Conversation {
    DISCONNECTED_LIMIT_MS: number;
    answerText(result: { content: { type: string; text?: string }[] }): string;
    healthy(disconnectedSince: number | null, now?: number): boolean;
    keptHistory(messages: Message[], answer: string, historyTurns: number): Message[];
    loadThread(file: string): Promise<Message[]>;
    pruneThreads(threadsDir: string, retentionDays: number, now?: number): Promise<number>;
    questionOf(text: string): string;
    requestBody(messages: Message[], maxTokens: number): string;
    saveThread(file: string, messages: Message[]): Promise<void>;
    threadFile(threadsDir: string, channel: string, threadTs: string): string;
    withQuestion(history: Message[], question: string): Message[];
}

// A CommonJS file without declarations: require() keeps tsc (no allowJs) out of it.
const conversation: Conversation = require("../../apps/slack-bot/images/bot/conversation.js");

const BOT = path.resolve(__dirname, "../../apps/slack-bot/images/bot/bot.js");

/**
 * Loaded with `node --require` before bot.js: @slack/bolt and the Bedrock client are stand-ins
 * (Module._load is where Node resolves every require), the model answers "answer to <question>
 * (<messages sent>)", and once the bot has started three mentions in one thread go to the handler
 * bot.js registers. Prints what the bot said and the thread's file as JSON.
 */
const STAND_INS = `
const Module = require("module");
const load = Module._load;
let handler;
Module._load = function (request, ...rest) {
  if (request === "@slack/bolt") {
    class SocketModeReceiver { constructor() { this.client = { on() {} }; } }
    class App {
      constructor() { this.logger = { info() {}, warn() {}, error(m) { console.error(m); } }; }
      event(name, h) { if (name === "app_mention") handler = h; }
      async start() { setImmediate(mentions); } // main() has made the folders and listens by now
      async stop() {}
    }
    return { App, SocketModeReceiver, LogLevel: { DEBUG: "debug", INFO: "info", WARN: "warn", ERROR: "error" } };
  }
  if (request === "@aws-sdk/client-bedrock-runtime") {
    class InvokeModelCommand { constructor(input) { this.input = input; } }
    class BedrockRuntimeClient {
      async send(command) {
        const { messages } = JSON.parse(command.input.body);
        const answer = "answer to " + messages.at(-1).content[0].text + " (" + messages.length + ")";
        return { body: new TextEncoder().encode(JSON.stringify({ content: [{ type: "text", text: answer }] })) };
      }
    }
    return { BedrockRuntimeClient, InvokeModelCommand };
  }
  return load.call(this, request, ...rest);
};
async function mentions() {
  const said = [];
  const say = async (m) => said.push([m.thread_ts, m.text]);
  const logger = { error: (m) => said.push(["error", m]) };
  await handler({ event: { ts: "1.1", channel: "C1", text: "<@U1> q1" }, say, logger });
  await handler({ event: { ts: "1.2", thread_ts: "1.1", channel: "C1", text: "<@U1> q2" }, say, logger });
  await handler({ event: { ts: "1.3", thread_ts: "1.1", channel: "C1", text: "<@U1>" }, say, logger });
  const thread = JSON.parse(require("fs").readFileSync(process.env.DATA_DIR + "/threads/C1-1.1.json", "utf8"));
  console.log(JSON.stringify({ said, thread }));
  process.exit(0);
}
`;

const text = (role: Message["role"], t: string): Message => ({ role, content: [{ type: "text", text: t }] });

describe("slack-bot example: its logic without Slack or Bedrock", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "slack-bot-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("names a thread's file after its channel and timestamp, and refuses anything that could leave the folder", () => {
        assert.equal(conversation.threadFile(dir, "C0123ABC", "1712345678.000100"), path.join(dir, "C0123ABC-1712345678.000100.json"));
        // Dots are part of Slack timestamps: a name made of them stays a file name in the folder.
        assert.equal(path.dirname(conversation.threadFile(dir, "..", "1.2")), dir);
        for (const [channel, ts] of [["C1/../../etc", "1.2"], ["C1", "1.2/../../x"], ["C1", "1.2\u0000"], ["C1", ""], ["", "1.2"]]) {
            assert.throws(() => conversation.threadFile(dir, channel, ts), /unexpected thread id/, `${channel} ${ts}`);
        }
    });

    it("reads a thread not seen before as empty, and reads back what it saved, leaving no temporary file", async () => {
        const file = conversation.threadFile(dir, "C1", "1.5");
        assert.deepEqual(await conversation.loadThread(file), []);
        const messages = [text("user", "hi"), text("assistant", "hello")];
        await conversation.saveThread(file, messages);
        assert.deepEqual(await conversation.loadThread(file), messages);
        assert.deepEqual(fs.readdirSync(dir), ["C1-1.5.json"]);
        // A damaged file is an error to see, not a conversation to start over silently.
        fs.writeFileSync(file, "{half");
        await assert.rejects(conversation.loadThread(file), SyntaxError);
    });

    it("prunes only the thread files older than the retention", async () => {
        const now = Date.UTC(2026, 5, 1);
        const day = 86_400_000;
        const write = (name: string, ageDays: number) => {
            const f = path.join(dir, name);
            fs.writeFileSync(f, "[]");
            fs.utimesSync(f, (now - ageDays * day) / 1000, (now - ageDays * day) / 1000);
        };
        write("old-1.1.json", 31);
        write("edge-1.2.json", 29.9);
        write("new-1.3.json", 0);
        assert.equal(await conversation.pruneThreads(dir, 30, now), 1);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["edge-1.2.json", "new-1.3.json"]);
    });

    it("asks the question without the mentions, and nothing when only mentions are left", () => {
        assert.equal(conversation.questionOf("<@U0BOT> what is   Fargate? "), "what is   Fargate?");
        assert.equal(conversation.questionOf("<@U0BOT> ask <@U0OTHER> too"), "ask  too");
        assert.equal(conversation.questionOf(" <@U0BOT> "), "");
    });

    it("sends the history with the new question and keeps whole turns only, the newest, starting with a question", () => {
        const history = [text("user", "q1"), text("assistant", "a1"), text("user", "q2"), text("assistant", "a2")];
        const messages = conversation.withQuestion(history, "q3");
        assert.deepEqual(messages, [...history, text("user", "q3")]);
        assert.deepEqual(history.length, 4, "the history itself is not changed");
        const body = JSON.parse(conversation.requestBody(messages, 1024));
        assert.equal(body.anthropic_version, "bedrock-2023-05-31");
        assert.equal(body.max_tokens, 1024);
        assert.deepEqual(body.messages, messages);
        assert.equal(typeof body.system, "string");

        assert.deepEqual(conversation.keptHistory(messages, "a3", 2), [text("user", "q2"), text("assistant", "a2"), text("user", "q3"), text("assistant", "a3")]);
        assert.deepEqual(conversation.keptHistory(messages, "a3", 10), [...messages, text("assistant", "a3")]);
        assert.deepEqual(conversation.keptHistory(messages, "a3", 0), [], "HISTORY_TURNS=0 keeps nothing");
        for (let turns = 1; turns <= 4; turns++) {
            assert.equal(conversation.keptHistory(messages, "a3", turns)[0].role, "user", `${turns} turns`);
        }
    });

    it("answers with the text blocks of the model's result, trimmed", () => {
        assert.equal(conversation.answerText({ content: [{ type: "text", text: " Fargate " }, { type: "tool_use" }, { type: "text", text: "runs pods. " }] }), "Fargate runs pods.");
        assert.equal(conversation.answerText({ content: [] }), "");
    });

    it("stays healthy while connected or briefly disconnected, and asks for a restart after the limit", () => {
        const now = 1_000_000_000;
        assert.equal(conversation.healthy(null, now), true);
        assert.equal(conversation.healthy(now - conversation.DISCONNECTED_LIMIT_MS + 1, now), true);
        assert.equal(conversation.healthy(now - conversation.DISCONNECTED_LIMIT_MS, now), false);
    });

    it("bot.js answers mentions in their thread and keeps the thread's history (Slack and Bedrock stood in for)", () => {
        const standIns = path.join(dir, "stand-ins.js");
        fs.writeFileSync(standIns, STAND_INS);
        const r = spawnSync(process.execPath, ["--require", standIns, BOT], {
            encoding: "utf8",
            timeout: 20_000,
            env: { PATH: process.env.PATH, SLACK_BOT_TOKEN: "xoxb-test", SLACK_APP_TOKEN: "xapp-test", BEDROCK_MODEL_ID: "test-model", DATA_DIR: path.join(dir, "data"), HEALTH_PORT: "0", HISTORY_TURNS: "1" },
        });
        assert.equal(r.status, 0, `bot.js failed:\n${r.stderr}${r.stdout}`);
        const { said, thread } = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.deepEqual(said, [
            ["1.1", "answer to q1 (1)"],
            ["1.1", "answer to q2 (3)"], // the first turn went along with the second question
            ["1.1", "Ask me something after the mention."],
        ]);
        // HISTORY_TURNS=1: only the last whole turn is kept.
        assert.deepEqual(thread, [text("user", "q2"), text("assistant", "answer to q2 (3)")]);
    });
});
