// "Request sent — Undo" for 5 seconds after the one tap (issue 17, item 6). The tap itself went
// out at once (consult.js), so consultants may already have been asked: undo is a real cancel
// (POST /api/consults/<id>/cancel), which withdraws every offer with a "withdrawn" replacement.
// Only the page the tap opened shows it: consult.js leaves the consult's id and the tap's time
// in sessionStorage, and this reads it once.
const UNDO_FOR_MS = 5000;
const JUST_SENT = "mentor-just-sent";

const bar = document.querySelector("[data-undo]");
const page = document.querySelector("[data-consult-live]");

function justSent() {
  const raw = sessionStorage.getItem(JUST_SENT);
  sessionStorage.removeItem(JUST_SENT);
  try {
    const sent = JSON.parse(raw || "null");
    return sent && String(sent.id) === page.dataset.consultId ? sent : null;
  } catch {
    return null;
  }
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

async function undo(button) {
  button.disabled = true;
  try {
    const response = await fetch(bar.dataset.cancelUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: "{}",
    });
    if (!response.ok) throw new Error(String(response.status));
    window.location.reload();
  } catch {
    bar.querySelector("[role=status]").textContent = bar.dataset.failed;
  }
}

const sent = bar && page ? justSent() : null;
const left = sent ? UNDO_FOR_MS - (Date.now() - sent.at) : 0;
if (left > 0) {
  bar.hidden = false;
  const button = bar.querySelector("[data-undo-button]");
  button.addEventListener("click", () => undo(button));
  setTimeout(() => { if (!button.disabled) bar.hidden = true; }, left);
}
