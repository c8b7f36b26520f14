// Notifications on this device. Loaded by sw-register.js on signed-in pages.
// - Settings: the enable button asks for permission only after a tap (the text beside it says
//   why), explains add-to-home-screen on iPhone first, subscribes with the server's VAPID key and
//   registers the subscription; "turn off" removes it from the server and the browser.
// - Every page: keeps the server's copy current (a browser may replace its subscription), and
//   reports a browser that blocks notifications so Settings and coordinators can say so.
const API = {
  key: "/api/push/key",
  subscriptions: "/api/push/subscriptions",
  permission: "/api/push/permission",
};
// "Turn on" waits at most this long for the browser (permission prompt and push service) before
// it says so: a prompt the browser hid, or a push service out of reach, must not leave a spinner.
const ENABLE_TIMEOUT_MS = 20000;
const STORED_ENDPOINT = "mentor-push-endpoint"; // set when enabled here; cleared when turned off
const REPORTED = "mentor-push-reported";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function send(url, method, data) {
  return fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(data ?? {}),
  });
}

export function isIOS() {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function isStandalone() {
  return navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
}

export function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function sameKey(subscription, bytes) {
  const current = subscription.options && subscription.options.applicationServerKey;
  if (!current) return true; // the browser does not tell: assume it is ours
  const a = new Uint8Array(current);
  return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
}

async function registration() {
  if (!(await navigator.serviceWorker.getRegistration("/"))) {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  }
  return navigator.serviceWorker.ready;
}

async function serverKey() {
  const response = await fetch(API.key, { credentials: "same-origin" });
  if (!response.ok) throw new Error("no key");
  return keyBytes((await response.json()).publicKey);
}

async function register(subscription) {
  const response = await send(API.subscriptions, "POST", subscription.toJSON());
  if (response.status !== 200 && response.status !== 201) throw new Error("not registered");
  localStorage.setItem(STORED_ENDPOINT, subscription.endpoint);
}

/** Subscribe this browser (permission must already be granted) and tell the server. */
export async function subscribe() {
  const reg = await registration();
  const key = await serverKey();
  let subscription = await reg.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, key)) {
    await subscription.unsubscribe(); // made with another server key: useless to us
    subscription = null;
  }
  if (!subscription) {
    subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  await register(subscription);
  return subscription;
}

function report(permission) {
  const last = sessionStorage.getItem(REPORTED);
  if (last === permission) return;
  sessionStorage.setItem(REPORTED, permission);
  send(API.permission, "POST", { permission }).catch(() => {});
}

/** Every signed-in page: keep the server's copy of this browser's subscription current. */
export async function sync(force = false) {
  if (!supported()) return;
  if (Notification.permission === "denied") { report("denied"); return; }
  const stored = localStorage.getItem(STORED_ENDPOINT);
  if (Notification.permission !== "granted" || (!stored && !force)) return;
  const reg = await registration();
  const subscription = await reg.pushManager.getSubscription();
  if (!subscription) { await subscribe(); return; } // granted already: no prompt
  if (force || subscription.endpoint !== stored) await register(subscription);
}

function settingsSection(root) {
  const $ = (selector) => root.querySelector(selector);
  const enable = $("[data-push-enable-button]");
  const disable = $("[data-push-disable-button]");
  const status = $("[data-push-status]");
  const say = (key) => { status.textContent = root.dataset[key] || ""; };
  const show = (el, on = true) => { if (el) el.hidden = !on; };

  if (isIOS() && !isStandalone()) { show($("[data-ios-hint]")); return; }
  if (!supported()) { show($("[data-unsupported-hint]")); return; }
  if (!enable) return; // push not configured on the server
  if (Notification.permission === "denied") { show($("[data-blocked-hint]")); report("denied"); return; }

  registration()
    .then((reg) => reg.pushManager.getSubscription())
    .then((subscription) => {
      const on = Boolean(subscription) && Notification.permission === "granted";
      show(enable, !on);
      show(disable, on);
      if (on) say("textOn");
    })
    .catch(() => show(enable));

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      report(permission);
      if (permission === "denied") show($("[data-blocked-hint]"));
      say("textNotAllowed");
      enable.disabled = false;
      return;
    }
    await subscribe();
    report("granted");
    say("textDone");
    window.location.reload();
  }

  enable.addEventListener("click", () => {
    enable.disabled = true;
    show($("[data-timeout-hint]"), false);
    say("textAsking");
    let settled = false;
    const timer = setTimeout(() => {
      // Still nothing: say so, with the way to the browser's settings. A late answer still
      // finishes the job (and reloads the page).
      if (settled) return;
      say("textTimeout");
      show($("[data-timeout-hint]"));
      enable.disabled = false;
    }, ENABLE_TIMEOUT_MS);
    turnOn()
      .catch(() => { say("textFailed"); enable.disabled = false; })
      .finally(() => { settled = true; clearTimeout(timer); });
  });

  disable.addEventListener("click", async () => {
    disable.disabled = true;
    try {
      const reg = await registration();
      const subscription = await reg.pushManager.getSubscription();
      if (subscription) {
        await send(API.subscriptions, "DELETE", { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      localStorage.removeItem(STORED_ENDPOINT);
      window.location.reload();
    } catch {
      say("textFailed");
      disable.disabled = false;
    }
  });
}

const section = document.querySelector("[data-push-settings]");
if (section) settingsSection(section);
sync().catch(() => {});
if ("serviceWorker" in navigator) {
  // The service worker asks open pages to re-register after the browser replaced the
  // subscription and it could not tell the server itself.
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "push-resync") sync(true).catch(() => {});
  });
}
