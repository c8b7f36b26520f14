// mentor_app — the check-in on the offline page. With no signal a navigation shows /offline
// (the pages of a running visit are never cached); safety.js keeps the running visit's id, due
// time and whether a PIN is asked on the phone ("safety.running"), so this page can still show
// the visit and "I'm safe". The check-in (with whichever PIN was typed: the same steps and the
// same words for the safety and the duress PIN) is kept ("safety.checkin") and sent by safety.js
// on the first page that loads with signal; this page goes home as soon as the signal returns.
const card = document.querySelector("[data-offline-visit]");
const running = JSON.parse(localStorage.getItem("safety.running") || "null");

function show() {
  const due = new Date(running.due);
  const time = due.toLocaleTimeString(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit",
  });
  const line = card.querySelector("[data-offline-due]");
  line.textContent = line.dataset.text.replace("{time}", time);
  card.querySelector("[data-offline-pin]").hidden = !running.pin;
  card.querySelector("[name=pin]").required = Boolean(running.pin);
  card.hidden = false;
}

function checkedIn() {
  card.querySelector("[data-offline-check-in]").hidden = true;
  card.querySelector("[data-offline-checked-in]").hidden = false;
}

if (card && running) {
  show();
  if (localStorage.getItem("safety.checkin")) checkedIn();
  card.querySelector("[data-offline-check-in]").addEventListener("submit", (event) => {
    event.preventDefault();
    const pin = event.currentTarget.querySelector("[name=pin]").value.trim();
    localStorage.setItem("safety.checkin", JSON.stringify({ id: running.id, pin: pin || null }));
    checkedIn();
  });
  addEventListener("online", () => {
    if (localStorage.getItem("safety.checkin")) location.assign("/");
  });
}
