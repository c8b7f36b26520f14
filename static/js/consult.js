// mentor_app — the one-tap consult.
//
// Every "Consult a psychologist" link (the fixed button, "Consult about this" on a guide) is
// turned into one tap: a fresh key per tap, POST /api/consults, then the consult's page for the
// optional details. The key makes the request idempotent: a double tap, a retry after a lost
// answer or a replay after being offline all land on the same consult.
// Without JavaScript the link opens /consults/start, a page with a one-button form.
// Without signal the tap is kept on the phone and sent later (offline-queue.js): offline, that
// module takes the tap before this one; here, a tap whose request fails or hangs is queued
// under the same key, so if the first request did arrive, the replay finds the same consult.
import { postJSON } from "./app.js";
import { enqueue, newKey, showQueued } from "./offline-queue.js";

const LABELS = document.querySelector("script[data-consult-labels]")?.dataset ?? {};
const START_PATH = "/consults/start";
const ANSWER_WITHIN_MS = 10000; // one bar of signal: after this, queue rather than wait
// The consult page offers "Undo" for a few seconds after the tap (undo.js reads this).
const JUST_SENT = "mentor-just-sent";

async function send(item) {
  const payload = { client_key: item.client_key };
  if (item.topic) payload.topic = item.topic;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer")), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([postJSON("/api/consults", payload), late]);
  } finally {
    clearTimeout(timer);
  }
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
  const item = { client_key: newKey(), topic: url.searchParams.get("topic") || "" };
  try {
    const { status, body } = await send(item);
    if ((status === 200 || status === 201) && body && body.url) {
      if (status === 201) {
        sessionStorage.setItem(JUST_SENT, JSON.stringify({ id: body.id, at: Date.now() }));
      }
      window.location.assign(body.url);
      return;
    }
    if (status >= 500 || status === 429) throw new Error("retry later");
    // Signed out, or the server refused: the plain page explains and offers the button.
    window.location.assign(link.href);
  } catch {
    link.textContent = original;
    link.dataset.sending = "";
    link.removeAttribute("aria-busy");
    await showQueued(await enqueue(item.topic, item.client_key));
  }
}

function wire() {
  for (const link of document.querySelectorAll(`a[href^="${START_PATH}"], a[data-consult-button]`)) {
    link.addEventListener("click", oneTap);
  }
}

wire();
