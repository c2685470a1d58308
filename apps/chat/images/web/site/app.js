// Lists the latest messages from the API (same origin: the ALB sends /api to the api service).
"use strict";

async function load() {
  const status = document.getElementById("status");
  const list = document.getElementById("messages");
  try {
    const res = await fetch("/api/messages", { headers: { Accept: "application/json" } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const { messages } = await res.json();
    list.replaceChildren(...messages.map(render));
    status.textContent = messages.length ? "" : "No messages yet.";
  } catch (err) {
    status.textContent = `Could not load messages (${err.message}).`;
  }
}

// textContent only: message bodies are user input and must never be parsed as HTML.
function render(m) {
  const li = document.createElement("li");
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = m.author;
  const time = document.createElement("time");
  time.dateTime = m.createdAt;
  time.textContent = new Date(m.createdAt).toLocaleString();
  const body = document.createElement("p");
  body.textContent = m.body;
  li.append(author, time, body);
  return li;
}

load();
