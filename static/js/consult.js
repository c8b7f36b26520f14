// mentor_app — the one-tap consult.
//
// Every "Consult a psychologist" link (the fixed button, "Consult about this" on a guide) is
// turned into one tap: a fresh key per tap, POST /api/consults, then the consult's page for the
// optional details. The key makes the request idempotent: a double tap, a retry after a lost
// answer or a replay after being offline all land on the same consult.
// Without JavaScript the link opens /consults/start, a page with a one-button form.
import { postJSON } from "./app.js";

const QUEUE_KEY = "mentor_app.pending_consults";
const LABELS = document.querySelector("script[data-consult-labels]")?.dataset ?? {};
const START_PATH = "/consults/start";

function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  // RFC 4122 version 4 from getRandomValues, for browsers without randomUUID.
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function readQueue() {
  try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch { return []; }
}

function writeQueue(items) {
  try { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); } catch { /* private mode */ }
}

function banner(text, link) {
  let box = document.querySelector("[data-consult-banner]");
  if (!box) {
    box = document.createElement("div");
    box.className = "consult-banner";
    box.setAttribute("role", "status");
    box.setAttribute("data-consult-banner", "");
    document.body.prepend(box);
  }
  box.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link;
    a.textContent = " ›";
    box.append(a);
  }
}

async function send(item) {
  const payload = { client_key: item.client_key };
  if (item.topic) payload.topic = item.topic;
  return postJSON("/api/consults", payload);
}

/** Sends taps that were queued while offline; the keys make each send safe to repeat. */
async function flushQueue() {
  const queue = readQueue();
  if (!queue.length || !navigator.onLine) return;
  const left = [];
  for (const item of queue) {
    try {
      const { status, body } = await send(item);
      if ((status === 200 || status === 201) && body) {
        banner(LABELS.sent || "Sent.", body.url);
      } else if (status >= 500 || status === 429) {
        left.push(item);
      }
      // Other 4xx (signed out, refused) cannot succeed by retrying: drop them.
    } catch {
      left.push(item);
    }
  }
  writeQueue(left);
}

async function oneTap(event) {
  const link = event.currentTarget;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  if (link.dataset.sending === "1") return;
  link.dataset.sending = "1";
  link.setAttribute("aria-busy", "true");
  const original = link.textContent;
  link.textContent = LABELS.sending || "…";
  const url = new URL(link.href, window.location.origin);
  const item = { client_key: newKey(), topic: url.searchParams.get("topic") || "", at: Date.now() };
  try {
    const { status, body } = await send(item);
    if ((status === 200 || status === 201) && body && body.url) {
      window.location.assign(body.url);
      return;
    }
    if (status >= 500 || status === 429) throw new Error("retry later");
    // Signed out, or the server refused: the plain page explains and offers the button.
    window.location.assign(link.href);
  } catch {
    writeQueue([...readQueue(), item]);
    banner(LABELS.queued || "Queued.");
    link.textContent = original;
    link.dataset.sending = "";
    link.removeAttribute("aria-busy");
  }
}

function wire() {
  for (const link of document.querySelectorAll(`a[href^="${START_PATH}"], a[data-consult-button]`)) {
    link.addEventListener("click", oneTap);
  }
  flushQueue();
}

window.addEventListener("online", flushQueue);
wire();
