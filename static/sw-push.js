/* mentor_app service worker, push part (imported by /sw.js).
 *
 * push: shows the notification (title, body, tag, icon, data.url); urgent messages re-alert
 *   even when they replace one with the same tag. A message carries an id (a hash of its outbox
 *   dedup key): delivery is at-least-once, so a repeat of an id already shown is ignored.
 * notificationclick: focuses the window already at data.url (fragment ignored), else focuses
 *   an open window of the app and navigates it there, else opens one.
 * pushsubscriptionchange: subscribes again and tells the server, proving it is the same device
 *   with the old subscription's secret (the user's session may have long expired); failing
 *   that, asks open pages to re-register.
 */
const ICON = "/static/icons/notify-192.png";
const BADGE = "/static/icons/notify-badge-96.png";
const SEEN_LIMIT = 200;
const seen = new Set(); // ids shown while this worker has been alive (best effort)

function text(value, fallback = "") {
  return typeof value === "string" && value ? value.slice(0, 300) : fallback;
}

function appPath(value) {
  // Only paths of this site: a push can never send the user elsewhere.
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return "/";
  return value;
}

function readPush(event) {
  try {
    const data = event.data ? event.data.json() : {};
    return data && typeof data === "object" ? data : {};
  } catch {
    return {};
  }
}

async function alreadyShown(id, tag) {
  if (seen.has(id)) return true;
  const open = await self.registration.getNotifications(tag ? { tag } : undefined);
  return open.some((n) => n.data && n.data.id === id);
}

function remember(id) {
  seen.add(id);
  if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value);
}

async function showPush(message) {
  const id = text(message.id, "") || null;
  const tag = text(message.tag, "") || undefined;
  if (id && (await alreadyShown(id, tag))) return;
  if (id) remember(id);
  const urgent = message.urgent === true;
  await self.registration.showNotification(text(message.title, "mentor_app"), {
    body: text(message.body),
    tag,
    icon: ICON,
    badge: BADGE,
    data: { url: appPath(message.url), id },
    renotify: Boolean(urgent && tag),
    requireInteraction: urgent,
    vibrate: urgent ? [300, 100, 300, 100, 600] : undefined,
  });
}

self.addEventListener("push", (event) => {
  event.waitUntil(showPush(readPush(event)));
});

/** The address without its fragment: "/consults/2#thread" is the page "/consults/2". */
function withoutFragment(href) {
  const url = new URL(href);
  url.hash = "";
  return url.href;
}

/** The window already at the page (fragment ignored) is focused; else an open window of the app
 * is focused and sent there; only without one is a new window opened (issue 21 case 7). */
async function focusOrOpen(path) {
  const target = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find((c) => withoutFragment(c.url) === withoutFragment(target));
  if (same && "focus" in same) return same.focus();
  const app = windows.find((c) => new URL(c.url).origin === self.location.origin && "navigate" in c);
  if (app) {
    const focused = await app.focus().catch(() => app);
    const moved = await focused.navigate(target).catch(() => null); // null: not controlled
    if (moved) return moved;
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(focusOrOpen(appPath(data.url)));
});

function base64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function keyBytes(value) {
  const padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function serverKey(oldSubscription) {
  const known = oldSubscription && oldSubscription.options && oldSubscription.options.applicationServerKey;
  if (known) return known;
  const response = await fetch("/api/push/key", { credentials: "same-origin" });
  if (!response.ok) return null;
  return keyBytes((await response.json()).publicKey);
}

async function askPagesToResync() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: "push-resync" });
}

async function resubscribe(oldSubscription, newSubscription) {
  let subscription = newSubscription;
  if (!subscription) {
    const key = await serverKey(oldSubscription);
    if (!key) return askPagesToResync();
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key,
    });
  }
  const oldAuth = oldSubscription && oldSubscription.getKey && oldSubscription.getKey("auth");
  if (oldSubscription && oldAuth) {
    const response = await fetch("/api/push/subscriptions/renew", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        oldEndpoint: oldSubscription.endpoint,
        oldAuth: base64url(oldAuth),
        subscription: subscription.toJSON(),
      }),
    });
    if (response.ok) return undefined;
  }
  return askPagesToResync();
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    resubscribe(event.oldSubscription, event.newSubscription).catch(() => askPagesToResync()),
  );
});
