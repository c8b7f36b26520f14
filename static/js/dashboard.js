// mentor_app — the coordinator dashboard refreshes its figures every 10 seconds from
// /api/dashboard/live, without reloading the page. The page works without this script.
// Polling pauses while the tab is hidden and after 5 minutes without any interaction, so an
// unattended screen does not keep the session alive indefinitely.

const DEFAULT_POLL_MS = 10_000;
const IDLE_MS = 5 * 60_000;

const root = document.querySelector("[data-live-root]");

function lookup(data, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), data);
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function renderOpen(tbody, items, labels, messages) {
  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    const ref = document.createElement("td");
    if (item.url) {
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = `#${item.id}`;
      ref.append(a);
    } else {
      ref.textContent = `#${item.id}`;
    }
    const state = [messages.wave.replace("{n}", String(item.wave))];
    if (item.mentor_told_waiting) state.push(messages.waiting);
    if (item.at_coordinator_step) state.push(messages.coordinator);
    tr.append(ref, cell(labels[item.urgency] || item.urgency),
      cell(`${item.topic_label || item.topic}, ${item.language_name || item.language}`), cell(item.age), cell(state.join(", ")));
    return tr;
  });
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell(messages.none);
    td.colSpan = 5;
    tr.append(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}

// " · call" / " · e-mail": a link named for the person, to reach them another way.
function contactLink(li, href, text, name) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = ` ${name}`;
  a.append(hidden);
  li.append(" · ", a);
}

function renderUnreachable(list, items, labels, messages) {
  const rows = items.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${item.name} — ${labels[item.status] || item.status}`;
    if (item.phone) contactLink(li, `tel:${item.phone.replace(/ /g, "")}`, messages.call, item.name);
    if (item.email) contactLink(li, `mailto:${item.email}`, messages.email, item.name);
    return li;
  });
  if (!rows.length) {
    const li = document.createElement("li");
    li.textContent = messages.none;
    rows.push(li);
  }
  list.replaceChildren(...rows);
}

function start(el) {
  const url = el.dataset.liveUrl;
  const pollMs = Math.max(Number(el.dataset.pollSeconds) * 1000 || DEFAULT_POLL_MS, 1000);
  const status = el.querySelector("[data-live-status]");
  const urgencyLabels = JSON.parse(el.dataset.urgencyLabels || "{}");
  const reachLabels = JSON.parse(el.dataset.reachLabels || "{}");
  const messages = {
    none: el.dataset.msgNone, waiting: el.dataset.msgWaiting,
    call: el.dataset.msgCall, email: el.dataset.msgEmail,
    coordinator: el.dataset.msgCoordinator, wave: el.dataset.msgWave || "{n}",
  };
  let lastInteraction = Date.now();
  let timer = null;
  let busy = false;
  let stopped = false;

  const say = (text) => { if (status) status.textContent = text; };
  const schedule = () => { if (!stopped) timer = setTimeout(poll, pollMs); };

  function render(data) {
    el.querySelectorAll("[data-live]").forEach((node) => {
      const value = lookup(data, node.dataset.live);
      if (value !== undefined && value !== null) node.textContent = String(value);
    });
    const open = el.querySelector('[data-live-list="oldest_open"]');
    if (open) renderOpen(open, data.oldest_open || [], urgencyLabels, messages);
    const unreachable = el.querySelector('[data-live-list="unreachable"]');
    if (unreachable) renderUnreachable(unreachable, data.unreachable || [], reachLabels, messages);
    say(`${el.dataset.msgUpdated} ${data.now_time || ""}`);
  }

  async function poll() {
    timer = null;
    if (busy) return;
    if (document.hidden) return schedule();
    if (Date.now() - lastInteraction > IDLE_MS) {
      say(el.dataset.msgPaused);
      return; // resumed by the next interaction
    }
    busy = true;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        // A background refresh is not the user being active: it must not extend the session.
        headers: { Accept: "application/json", "X-Background-Poll": "1" },
      });
      if (response.status === 401 || response.status === 403) {
        stopped = true;
        say(el.dataset.msgSignedOut);
        return; // finally still clears busy
      }
      if (!response.ok) throw new Error(String(response.status));
      render(await response.json());
    } catch {
      say(el.dataset.msgOffline);
    } finally {
      busy = false;
    }
    schedule();
  }

  const wake = () => {
    lastInteraction = Date.now();
    if (!timer && !busy && !stopped) poll();
  };
  ["pointerdown", "keydown", "touchstart", "scroll"].forEach((type) =>
    window.addEventListener(type, wake, { passive: true }));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) wake(); });
  schedule();
}

if (root) start(root);
