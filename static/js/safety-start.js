// mentor_app — a visit started without signal is kept on the phone (localStorage) and sent
// when the connection returns, or at the next visit to home; one visit per client key, so a
// resend is harmless. app.js loads this only when needed (offline, or a start is queued).
const form = document.querySelector("[data-visit-start]");
const KEY = "safety.visit";

async function sendPending() {
  const raw = localStorage.getItem(KEY);
  if (!raw || !navigator.onLine) return;
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  try {
    const r = await fetch("/api/visits", {
      method: "POST", credentials: "same-origin", body: raw,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    });
    if (r.status < 500) {  // started (201/200), or refused for good (4xx)
      localStorage.removeItem(KEY);
      if (r.ok) location.reload();
    }
  } catch { /* still offline: the next "online" event tries again */ }
}

if (form) {
  form.addEventListener("submit", (event) => {
    if (navigator.onLine) return;  // the ordinary form post
    event.preventDefault();
    const data = { minutes: Number(event.submitter?.value || 60), client_key: crypto.randomUUID() };
    for (const name of ["case_code", "where"]) {
      const value = form.querySelector(`[name=${name}]`)?.value.trim();
      if (value) data[name] = value;
    }
    localStorage.setItem(KEY, JSON.stringify(data));
    document.querySelector("[data-visit-queued]").hidden = false;
  });
  addEventListener("online", sendPending);
  sendPending();
}
