// Taps without signal, kept on the phone until they can be sent (README: "Taps without
// signal"). Sent by the worker's Background Sync and by any open page; one consult per
// client_key makes a second send harmless. `owner` (a keyed hash of the user id) keeps a queue to
// its own account. Answers (`verdict`, as in sw-cache.js): sent; signed out (401, stale CSRF
// token, redirect: waits for its owner's next page); refused (other 4xx: never sent again, the
// mentor sees why); else retried later. A tap not sent within a day is given up; all go after
// a week.

import { freshCsrfToken, refusedToken } from "./app.js";

const DB_NAME = "mentor_app";
const DB_VERSION = 1;
const SEND_TIMEOUT_MS = 15000;
const DAY_MS = 24 * 60 * 60 * 1000;
const script = document.getElementById("offline-queue");
const text = script ? script.dataset : {};

export function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("consults")) {
        db.createObjectStore("consults", { keyPath: "client_key" });
      }
      if (!db.objectStoreNames.contains("session")) db.createObjectStore("session");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function inStore(name, mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const readSession = () => inStore("session", "readonly", (s) => s.get("current"));
const allItems = () => inStore("consults", "readonly", (s) => s.getAll());
const putItem = (item) => inStore("consults", "readwrite", (s) => s.put(item));
export const removeItem = (key) => inStore("consults", "readwrite", (s) => s.delete(key));

function meta(name) {
  const tag = document.querySelector(`meta[name="${name}"]`);
  return tag ? tag.content : "";
}

// `__Host-mentor_queue_owner` in production (https), `mentor_queue_owner` in development.
const OWNER_COOKIES = ["__Host-mentor_queue_owner=", "mentor_queue_owner="];

function ownerCookie() {
  for (const prefix of OWNER_COOKIES) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(prefix));
    if (found) return found.slice(prefix.length);
  }
  return "";
}

/** The owner tag: the cookie (mentor_app/pwa/owner.py), else as a mentor page stored it. */
async function currentOwner() {
  const cookie = ownerCookie();
  if (cookie) return cookie;
  const session = await readSession().catch(() => null);
  return session ? session.owner : "";
}

/** "sent" | "signed-out" | "refused" | "retry" (null result: no network). */
export function verdict(result) {
  if (!result) return "retry";
  const { status, body } = result;
  if ((status === 200 || status === 201) && body) return "sent";
  if (status === 0 || status === 401 || refusedToken(status, body)) return "signed-out";
  if (status === 408 || status === 429 || status >= 500 || status < 400) return "retry";
  return "refused";
}

export const waiting = (item) => !item.state || item.state === "queued";

async function tidy(items) {
  const kept = [];
  for (const item of items) {
    const age = Date.now() - (item.created_at || 0);
    if (age > 7 * DAY_MS || age < -DAY_MS) {
      await removeItem(item.client_key); // nothing stays past a week, whoever's it is
      continue;
    }
    if (waiting(item) && age > DAY_MS) await putItem(Object.assign(item, { state: "expired" }));
    kept.push(item);
  }
  return kept;
}

/** The current owner's items, oldest first: waiting, refused or expired. */
export async function queued() {
  const owner = await currentOwner();
  if (!owner) return [];
  const items = await tidy(await allItems());
  return items.filter((item) => item.owner === owner).sort((a, b) => a.created_at - b.created_at);
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Stores a tap (one per waiting topic; a sent-but-unanswered tap under its own key). */
export async function enqueue(topic, clientKey) {
  const same = (await queued()).find((item) => item.topic === topic && waiting(item));
  if (same && !clientKey) return same;
  const item = {
    client_key: clientKey || newKey(),
    topic: topic || "",
    created_at: Date.now(),
    owner: await currentOwner(),
    attempts: 0,
  };
  await putItem(item);
  requestSync();
  return item;
}

function requestSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.getRegistration("/").then((registration) => {
    if (registration && registration.sync) {
      return registration.sync.register("consult-queue");
    }
    return undefined;
  }).catch(() => {}); // no Background Sync: pages send on `online` and on load
}

async function send(item, token) {
  const body = { client_key: item.client_key };
  if (item.topic) body.topic = item.topic;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  try {
    const response = await fetch("/api/consults", {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    let answer = null;
    try { answer = await response.json(); } catch { answer = null; }
    return { status: response.status, body: answer };
  } catch {
    return null; // no network (yet)
  } finally {
    clearTimeout(timer);
  }
}

let flushing = null;

/** Sends what is queued. Resolves to the consults sent: [{client_key, url}]. */
export function flush() {
  if (!flushing) flushing = sendQueued().finally(() => { flushing = null; });
  return flushing;
}

async function sendQueued() {
  if (!navigator.onLine) return [];
  const session = await readSession().catch(() => null);
  let token = meta("csrf-token") || (session && session.csrf) || "";
  const sent = [];
  for (const item of (await queued()).filter(waiting)) {
    if (!token) break;
    let result = await send(item, token);
    if (result && refusedToken(result.status, result.body)) {
      // This page's token is from an earlier session (a kept guide): ask for this one's.
      token = await freshCsrfToken();
      if (!token) break;
      await remember().catch(() => {});
      result = await send(item, token);
    }
    const outcome = verdict(result);
    if (outcome === "sent") {
      await removeItem(item.client_key);
      sent.push({ client_key: item.client_key, url: result.body.url });
      continue;
    }
    if (outcome === "refused") {
      const reason = result.body && typeof result.body.error === "string" ? result.body.error : "";
      const status = result.status;
      await putItem({ ...item, state: "refused", status, reason: reason.slice(0, 200) });
      continue;
    }
    if (result) {
      item.attempts = (item.attempts || 0) + 1;
      await putItem(item);
    }
    break; // signed out, offline or busy: later
  }
  return sent;
}

// --- what the mentor sees ---------------------------------------------------------------------

function fill(template, values) {
  return Object.entries(values).reduce((out, [k, v]) => out.replace(`{${k}}`, v), template || "");
}

async function guideTitles() {
  try {
    const response = await fetch("/guides/index.json", { credentials: "same-origin" });
    if (!response.ok) return {};
    const index = await response.json();
    return Object.fromEntries(index.guides.map((g) => [g.slug, g.short_title || g.title]));
  } catch {
    return {};
  }
}

function clock(item) { // the phone's clock: offline, the only one at hand
  return new Date(item.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function askAgain(item) {
  const link = document.createElement("a");
  link.href = `/consults/start${item.topic ? `?topic=${encodeURIComponent(item.topic)}` : ""}`;
  link.textContent = text.labelAgain;
  return link;
}

function forgetButton(item, label, gone) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = label;
  button.addEventListener("click", async () => {
    await removeItem(item.client_key);
    gone.remove();
    renderStatus();
  });
  return button;
}

function noticeLine(item, tag = "p") {
  const line = document.createElement(tag);
  line.className = "queue-notice";
  line.dataset.queueNotice = item.state;
  const words = document.createElement("span");
  if (item.state === "refused") {
    const label = item.reason ? text.labelRefused : text.labelRefusedPlain;
    words.textContent = fill(label, { time: clock(item), reason: item.reason || "" });
  } else {
    words.textContent = fill(text.labelExpired, { time: clock(item) });
  }
  line.append(words, " ", askAgain(item), " ", forgetButton(item, text.labelDismiss, line));
  return line;
}

function itemLine(item, titles) {
  if (!waiting(item)) return noticeLine(item, "li");
  const li = document.createElement("li");
  const general = !item.topic || item.topic === "general";
  const topic = general ? text.labelGeneral : titles[item.topic] || item.topic;
  const what = document.createElement("p");
  what.textContent = `${fill(text.labelTopic, { topic })} · ${fill(text.labelQueued, { time: clock(item) })}`;
  li.append(what, forgetButton(item, text.labelCancel, li));
  return li;
}

/** The queued screen, in place of the page's content: it works without any network. */
export async function showQueued(item) {
  const template = document.getElementById("queued-consult");
  const main = document.querySelector("main");
  if (!template || !main) return;
  const screen = template.content.firstElementChild.cloneNode(true);
  // Without Background Sync (Safari, Firefox) nothing sends while the app is closed: say so.
  const backgroundSync = "SyncManager" in window;
  screen.querySelector("[data-promise-sync]").hidden = !backgroundSync;
  screen.querySelector("[data-promise-open]").hidden = backgroundSync;
  const titles = await guideTitles();
  const list = screen.querySelector("[data-queued-list]");
  list.append(...(await queued()).map((one) => itemLine(one, titles)));
  const slug = item.topic && titles[item.topic] ? item.topic : text.generalGuide;
  if (slug && titles[slug]) {
    const box = screen.querySelector("[data-queued-guide]");
    box.querySelector("[data-queued-guide-link]").href = `/guides/${encodeURIComponent(slug)}`;
    box.querySelector("[data-queued-guide-title]").textContent = titles[slug];
    box.hidden = false;
  }
  main.replaceChildren(screen);
  const fab = document.querySelector(".consult-fab-wrap");
  if (fab) fab.hidden = true; // asked already: the screen says what happens next
  window.scrollTo(0, 0);
  screen.focus();
}

function statusBox() {
  let box = document.querySelector("[data-queue-status]");
  if (!box) {
    box = document.createElement("div");
    box.className = "queue-status";
    box.setAttribute("role", "status");
    box.setAttribute("data-queue-status", "");
    const banner = document.querySelector("[data-offline-banner]");
    if (banner) banner.after(box);
    else document.body.prepend(box);
  }
  return box;
}

// The last request seen sent (page or worker): the other's empty run must not hide it.
let lastSent = null;

/** One line under the header: how many requests wait, or that one was sent. */
export async function renderStatus(sent = []) {
  if (sent.length) lastSent = sent[sent.length - 1];
  const mine = await queued().catch(() => []);
  const pending = mine.filter(waiting);
  const parts = mine.filter((item) => !waiting(item)).map((item) => noticeLine(item));
  if (lastSent) {
    const done = document.createElement("span");
    done.textContent = `${text.labelSent} `;
    const link = document.createElement("a");
    link.href = lastSent.url;
    link.textContent = text.labelOpen;
    parts.push(done, link);
  }
  if (pending.length) {
    const line = document.createElement("span");
    const label = pending.length === 1 ? text.labelPendingOne : text.labelPendingMany;
    line.textContent = ` ${fill(label, { n: pending.length })}`;
    parts.push(line);
  }
  const existing = document.querySelector("[data-queue-status]");
  if (!parts.length) {
    if (existing) existing.hidden = true;
    return;
  }
  const box = statusBox();
  box.replaceChildren(...parts);
  box.hidden = false;
}

async function sendAndShow() {
  const sent = await flush().catch(() => []);
  await renderStatus(sent);
}

function consultLink(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return null;
  if (event.shiftKey || event.altKey || !event.target.closest) return null;
  return event.target.closest('a[data-consult-button], a[href^="/consults/start"]');
}

// Capture phase, before consult.js: offline, the tap never tries the network at all.
function onTap(event) {
  const link = consultLink(event);
  const offlinePage = document.querySelector("[data-offline-page]");
  if (!link || (navigator.onLine && !offlinePage)) return;
  event.preventDefault();
  event.stopPropagation();
  const topic = new URL(link.href, location.href).searchParams.get("topic") || "";
  enqueue(topic)
    .then((item) => showQueued(item))
    .then(() => (navigator.onLine ? sendAndShow() : undefined))
    .catch(() => { window.location.assign(link.href); }); // no IndexedDB: the plain page
}

// The no-script start form submitted offline: same queue, under the form's key.
function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches(".consult-start-form")) return;
  if (navigator.onLine) return;
  event.preventDefault();
  const data = new FormData(form);
  enqueue(String(data.get("topic") || ""), String(data.get("client_key") || "") || undefined)
    .then((item) => showQueued(item))
    .catch(() => {});
}

/** Keeps this page's CSRF token and its owner's tag for the service worker and the offline page. */
async function remember() {
  const csrf = meta("csrf-token");
  const owner = ownerCookie();
  if (!csrf || !owner) return;
  await inStore("session", "readwrite", (s) => s.put({ csrf, owner, role: "mentor" }, "current"));
}

async function showOfflineConsultButton() {
  const button = document.querySelector("[data-offline-consult]");
  if (!button) return;
  const session = await readSession().catch(() => null);
  button.hidden = !(session && session.role === "mentor");
}

function start() {
  if (window.mentorOfflineQueue || !("indexedDB" in window)) return; // once per page
  window.mentorOfflineQueue = true;
  document.addEventListener("click", onTap, true);
  document.addEventListener("submit", onSubmit, true);
  window.addEventListener("online", sendAndShow);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "consult-queue") renderStatus(event.data.sent || []);
    });
  }
  remember()
    .catch(() => {})
    .then(showOfflineConsultButton)
    .then(sendAndShow)
    .catch(() => {});
}

if (script) start();
