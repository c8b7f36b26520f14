// Registers the service worker (/sw.js, root scope) on every page. On signed-in pages it also
// - asks the worker to keep the guides for offline reading (it fetches only what it lacks);
// - loads push.js, which keeps this browser's push subscription known to the server and runs
//   the notifications section of Settings;
// - before "Sign out" posts, asks the worker to drop the guides it kept for this user.
// On every page it keeps the browser's install offer for install.js.
import { freshCsrfToken } from "./app.js";

const tag = document.getElementById("sw-register");
const signedIn = /\brole-/.test(document.body.className);
const LOGOUT_WAIT_MS = 1500;

/** Posts a message to the active worker; resolves to its answer, or null. */
export async function askWorker(message, waitMs = 0) {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const worker = registration && registration.active;
  if (!worker) return null;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = waitMs ? setTimeout(() => resolve(null), waitMs) : null;
    channel.port1.onmessage = (event) => {
      if (timer) clearTimeout(timer);
      resolve(event.data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

/** A guide the worker kept from an earlier session carries that session's token: sign-out
 * would be refused with it, so the form takes this session's token first. */
async function renewFormToken(form) {
  const field = form.querySelector('input[name="csrf_token"]');
  const token = field ? await freshCsrfToken() : "";
  if (token) field.value = token;
}

function holdSignOut() {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-logout")) return;
    if (form.dataset.forgotten === "1") return; // second pass: let it go
    event.preventDefault();
    form.dataset.forgotten = "1";
    // What safety kept on the phone (a visit's id and due time, a check-in not yet sent) goes too:
    // an unsent check-in lost here ends in an alarm, never in silence.
    for (const key of ["safety.running", "safety.checkin", "safety.visit"]) localStorage.removeItem(key);
    Promise.all([askWorker({ type: "logout" }, LOGOUT_WAIT_MS), renewFormToken(form)])
      .catch(() => null)
      .finally(() => form.requestSubmit ? form.requestSubmit() : form.submit());
  });
}

// Kept for install.js (Settings, home page): our own unobtrusive button replaces the browser's bar.
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  window.mentorInstallPrompt = event;
  document.dispatchEvent(new Event("mentor-installable"));
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js", { scope: "/", updateViaCache: "none" })
    .then(() => (signedIn ? navigator.serviceWorker.ready : null))
    .then((registration) => {
      // The guides are kept in the user's language; the worker drops the others.
      const language = (tag && tag.dataset.guideLanguage) || "";
      if (registration) askWorker({ type: "warm-guides", language }).catch(() => {});
    })
    .catch(() => {
      // No service worker (private mode, old browser): pages still work, offline and push do not.
    });
  if (signedIn) {
    holdSignOut();
    if (tag && tag.dataset.push) import(tag.dataset.push).catch(() => {});
  }
}
