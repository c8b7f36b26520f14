// mentor_app — keeps a consult page current: polls GET /api/consults/<id> every few seconds
// while the request waits, less often once someone holds it; appends new thread messages; asks
// for a reload when the state changes (never reloads under someone's typing).
const root = document.querySelector("[data-consult-live]");

const OPEN_EVERY_MS = 4000;
const BUSY_EVERY_MS = 10000;

function typing() {
  const input = document.querySelector("[data-message-input]");
  const active = document.activeElement;
  return (input && input.value.trim() !== "") ||
    (active && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName));
}

function appendMessages(messages) {
  const list = document.querySelector("[data-thread]");
  if (!list) return;
  const seen = new Set(Array.from(list.querySelectorAll("[data-message-id]"), (li) => li.dataset.messageId));
  for (const m of messages) {
    if (seen.has(String(m.id))) continue;
    const empty = list.querySelector("[data-thread-empty]");
    if (empty) empty.remove();
    const li = document.createElement("li");
    li.className = m.mine ? "msg mine" : "msg";
    li.dataset.messageId = String(m.id);
    const meta = document.createElement("span");
    meta.className = "msg-meta";
    // The server formats the time on the reader's clock, as on the rest of the page.
    const time = document.createElement("time");
    time.dateTime = m.created_at || "";
    time.textContent = m.time || "";
    meta.append(`${m.author} · `, time);
    const body = document.createElement("span");
    body.className = "msg-body";
    body.textContent = m.body;
    li.append(meta, body);
    list.append(li);
  }
}

async function poll() {
  if (!root || document.hidden) return schedule();
  try {
    // A background poll: it must not keep an unattended screen signed in.
    const response = await fetch(`/api/consults/${root.dataset.consultId}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Background-Poll": "1" },
    });
    if (response.status === 401) {
      // Signed out (idle or elsewhere): reload, so the thread leaves the screen for sign-in.
      window.location.reload();
      return;
    }
    if (response.ok) {
      const c = await response.json();
      const text = root.querySelector("[data-status-text]");
      if (text) text.textContent = c.status_label;
      if (Array.isArray(c.messages)) appendMessages(c.messages);
      if (c.status !== root.dataset.status) {
        if (typing()) {
          const notice = root.querySelector("[data-live-notice]");
          if (notice) notice.hidden = false;
        } else {
          window.location.reload();
          return;
        }
      }
      root.dataset.current = c.status;
    }
  } catch { /* offline: try again later */ }
  schedule();
}

function schedule() {
  const status = root.dataset.current || root.dataset.status;
  if (status === "closed" || status === "cancelled") return;
  window.setTimeout(poll, status === "open" ? OPEN_EVERY_MS : BUSY_EVERY_MS);
}

if (root) {
  schedule();
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
}
