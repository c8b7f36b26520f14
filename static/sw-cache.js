/* mentor_app service worker, cache part (imported by /sw.js, which sets self.MENTOR_SW).
 *
 * What is kept, and only this: the app shell (static files by content-hashed URL, the offline
 * page) and, for a signed-in user, the published guides (the list, every guide page, the
 * search index). Nothing else is ever stored: no response marked Cache-Control: no-store (every
 * page or JSON with personal data), no request other than GET, nothing from another origin.
 *
 * Strategies:
 *   navigations     network first; a guide with a cached copy waits 3 s for the network, then
 *                   shows the copy (the answer still refreshes it); without a copy it waits for
 *                   the network, and shows /offline when there is none.
 *   /static/        cache first (the URLs carry content hashes, so a hit is never stale).
 *   guides index    stale-while-revalidate (search answers at once, offline too).
 *
 * Languages: guide pages and the index come in the user's language at the same addresses; the
 * index names its language, and when a signed-in page asks for another one the kept guides are
 * dropped and fetched again.
 *
 * Versions: /sw.js names a version derived from the static files and the guides. A new version
 * precaches into new caches while the old worker still serves, takes over at once, and deletes
 * every cache of other versions when it activates.
 *
 * Signing out: the page asks (message "logout") before its POST, and the POST itself is seen
 * here too; either way the guides caches and the stored CSRF token are dropped. Guides need a
 * session online, so they need one offline as well.
 */
const CONFIG = self.MENTOR_SW || { version: "dev", shell: [], offline: "/offline" };
const PREFIX = "mentor-";
const SHELL_CACHE = `${PREFIX}shell-${CONFIG.version}`;
const GUIDES_CACHE = `${PREFIX}guides-${CONFIG.version}`;
const GUIDES_PREFIX = `${PREFIX}guides-`;
const INDEX_URL = "/guides/index.json";
const NAVIGATION_TIMEOUT_MS = 3000;
// The language of the pages last served (their Content-Language), so that without a network
// the offline page speaks it. Kept in the shell cache too: a restarted worker remembers it.
const LANGUAGE_KEY = "/offline/language"; // a cache key only, never a route
let pageLanguage = "";
let generation = 0; // bumped on sign-out: a guides precache already running must not refill

function cacheable(response) {
  if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) {
    return false;
  }
  return !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

/** "/guides" or "/guides/<slug>" for a guide page, else null. */
function guidePage(url) {
  if (url.pathname === "/guides") return "/guides";
  return /^\/guides\/[a-z0-9-]+$/.test(url.pathname) ? url.pathname : null;
}

// Writes go only to this version's caches, made at install: once a newer worker has deleted
// them, a request still running here must not bring them back.
async function ownCache(name) {
  return (await caches.has(name)) ? caches.open(name) : null;
}

async function putGuide(key, response, started = generation) {
  if (started !== generation) return; // signed out meanwhile
  const cache = await ownCache(GUIDES_CACHE);
  if (cache && started === generation) await cache.put(key, response);
}

async function matchGuide(key) {
  const cache = await ownCache(GUIDES_CACHE);
  return cache ? cache.match(key, { ignoreVary: true }) : undefined;
}

// A fetch of our own in the background: it does not count as the user's activity.
function quietFetch(url) {
  return fetch(url, {
    credentials: "same-origin",
    redirect: "manual",
    headers: { "X-Background-Poll": "1" },
  }).catch(() => null);
}

// --- install: the shell (required) and the guides (when signed in) ---------------------------

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  const older = (await caches.keys()).filter((n) => n.startsWith(`${PREFIX}shell-`) && n !== SHELL_CACHE);
  await Promise.all(
    CONFIG.shell.map(async (url) => {
      for (const name of older) {
        const kept = await (await caches.open(name)).match(url, { ignoreVary: true }); // same bytes
        if (kept) return cache.put(url, kept);
      }
      return cache.add(url);
    }),
  );
  await cache.add(new Request(CONFIG.offline, { cache: "no-cache" }));
  const perLanguage = Object.values(CONFIG.offlinePages || {});
  await Promise.all(perLanguage.map((url) => cache.add(new Request(url, { cache: "no-cache" }))));
  await caches.open(GUIDES_CACHE);
}

async function readIndex(response) {
  try {
    const index = await response.json();
    return index && Array.isArray(index.guides) ? index : null;
  } catch {
    return null;
  }
}

/** Drops every guide kept in this version's cache (the user's language changed). */
async function emptyGuides(cache) {
  const keys = await cache.keys();
  await Promise.all(keys.map((key) => cache.delete(key)));
}

/** Every published guide page, the list and the index, in `language` (the user's: the server
 * serves it at the same addresses); guides kept in another language are dropped first.
 * Resolves to the number of guides. */
async function precacheGuides(language) {
  const started = generation;
  const cache = await ownCache(GUIDES_CACHE);
  if (!cache) return 0;
  const kept = await cache.match(INDEX_URL, { ignoreVary: true });
  let index = kept ? await readIndex(kept) : null;
  if (index && language && index.language !== language) {
    await emptyGuides(cache);
    index = null;
  }
  if (!index) {
    const response = await quietFetch(INDEX_URL);
    if (!cacheable(response)) return 0; // signed out: a signed-in page asks again
    index = await readIndex(response.clone());
    if (!index) return 0;
    await putGuide(INDEX_URL, response, started);
  }
  const pages = ["/guides", ...index.guides.map((g) => `/guides/${encodeURIComponent(g.slug)}`)];
  const fetchOne = async () => {
    for (let page = pages.shift(); page && started === generation; page = pages.shift()) {
      if (await cache.match(page, { ignoreVary: true })) continue;
      const response = await quietFetch(page);
      if (cacheable(response)) await putGuide(page, response, started);
    }
  };
  await Promise.all([fetchOne(), fetchOne(), fetchOne()]); // three at a time
  return started === generation ? index.guides.length : 0;
}

let warming = null; // one precache at a time: every signed-in page load asks for one
let warmingLanguage = "";

function warmGuides(language = "") {
  if (warming && language && language !== warmingLanguage) {
    // The language changed while a precache ran: that one finishes, then this one replaces it.
    const after = warming.catch(() => 0).then(() => warmGuides(language));
    return after;
  }
  if (!warming) {
    warmingLanguage = language;
    warming = precacheGuides(language).finally(() => { warming = null; });
  }
  return warming;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      await precacheShell();
      await warmGuides().catch(() => 0);
      await self.skipWaiting(); // a deploy takes over on the next load, not after every tab closes
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const current = new Set([SHELL_CACHE, GUIDES_CACHE]);
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(PREFIX) && !current.has(n)).map((n) => caches.delete(n)),
      );
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable().catch(() => {});
      }
      await self.clients.claim();
    })(),
  );
});

// --- fetch --------------------------------------------------------------------------------------

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function rememberLanguage(response) {
  const code = (response.headers.get("Content-Language") || "").slice(0, 2);
  if (!code || code === pageLanguage || !(CONFIG.offlinePages || {})[code]) return;
  pageLanguage = code;
  const cache = await ownCache(SHELL_CACHE);
  if (cache) await cache.put(LANGUAGE_KEY, new Response(code));
}

/** The offline page in the language of the pages last served (else the default one). */
async function offlinePage() {
  if (!pageLanguage) {
    const kept = await caches.match(LANGUAGE_KEY);
    pageLanguage = kept ? await kept.text() : "";
  }
  const url = (CONFIG.offlinePages || {})[pageLanguage];
  const page = url ? await caches.match(url, { ignoreVary: true }) : undefined;
  return page || (await caches.match(CONFIG.offline, { ignoreVary: true })) || Response.error();
}

async function navigate(event) {
  const url = new URL(event.request.url);
  const key = guidePage(url);
  const network = (async () => {
    const response = (await event.preloadResponse) || (await fetch(event.request));
    if (response.ok) await rememberLanguage(response).catch(() => {});
    if (key && !url.search && cacheable(response)) await putGuide(key, response.clone());
    return response;
  })();
  event.waitUntil(network.catch(() => undefined)); // let a late answer refresh the copy
  const cached = key ? await matchGuide(key) : undefined;
  try {
    return await (cached ? Promise.race([network, timeout(NAVIGATION_TIMEOUT_MS)]) : network);
  } catch {
    if (cached) return cached;
    return offlinePage();
  }
}

async function cacheFirst(request) {
  const cache = await ownCache(SHELL_CACHE);
  if (!cache) return fetch(request); // a newer version has taken over
  const versioned = new URL(request.url).searchParams.has("v");
  // An import without ?v= ("./app.js") gets this version's copy of the file.
  const hit = await cache.match(request, { ignoreSearch: !versioned, ignoreVary: true });
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (cacheable(response)) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const other = await cache.match(request, { ignoreSearch: true, ignoreVary: true }); // any version
    if (other) return other;
    throw error;
  }
}

async function staleWhileRevalidate(event, key) {
  const cached = await matchGuide(key);
  const network = fetch(event.request).then(async (response) => {
    if (cacheable(response)) await putGuide(key, response.clone());
    return response;
  });
  if (!cached) return network;
  event.waitUntil(network.catch(() => undefined));
  return cached;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // never another origin's
  if (request.method !== "GET") {
    // Never cached. Signing out also clears what belonged to the user (see the top).
    if (request.method === "POST" && url.pathname === "/logout") event.waitUntil(forgetUser());
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (!url.search && (url.pathname === INDEX_URL || guidePage(url))) {
    // Only the plain addresses: "?lang=" asks for another language than the one kept.
    event.respondWith(staleWhileRevalidate(event, url.pathname === INDEX_URL ? INDEX_URL : guidePage(url)));
  }
  // Anything else goes to the network as if there were no worker: never cached.
});

// --- sign-out, and the queue of taps made without signal (see static/js/offline-queue.js) ------

function openQueueDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("mentor_app", 1);
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
  const db = await openQueueDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Sign-out: the guides and the session's token go; unsent requests stay with their owner tag
 * and are sent when the same mentor signs in again (never under another account). */
async function forgetUser() {
  generation += 1;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(GUIDES_PREFIX)).map((n) => caches.delete(n)));
  await inStore("session", "readwrite", (s) => s.clear()).catch(() => undefined);
}

async function postConsult(item, token) {
  const body = { client_key: item.client_key };
  if (item.topic) body.topic = item.topic;
  try {
    const response = await fetch("/api/consults", {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => null);
    return { status: response.status, body: answer };
  } catch {
    return null;
  }
}

// What an answer means: the same rules as static/js/offline-queue.js (`verdict`), which also
// says why. A tap older than a day is not sent; the page tells the mentor and tidies up.
const QUEUE_MAX_WAIT_MS = 24 * 60 * 60 * 1000;

function queueVerdict(result) {
  if (!result) return "retry";
  const { status, body } = result;
  if ((status === 200 || status === 201) && body) return "sent";
  const staleToken = status === 400 && Boolean(body) && body.code === "csrf";
  if (status === 0 || status === 401 || staleToken) return "signed-out";
  if (status === 408 || status === 429 || status >= 500 || status < 400) return "retry";
  return "refused";
}

const stillWaiting = (item) => !item.state || item.state === "queued";

/** Background Sync: send the queue with the token the last signed-in page stored. */
async function sendQueue() {
  const session = await inStore("session", "readonly", (s) => s.get("current"));
  if (!session || !session.csrf) return; // a signed-in page will send them
  const items = await inStore("consults", "readonly", (s) => s.getAll());
  const fresh = (item) => Date.now() - (item.created_at || 0) <= QUEUE_MAX_WAIT_MS;
  const sent = [];
  let retry = false;
  let changed = false;
  for (const item of items.filter((i) => i.owner === session.owner && stillWaiting(i) && fresh(i))) {
    const result = await postConsult(item, session.csrf);
    const outcome = queueVerdict(result);
    if (outcome === "sent") {
      await inStore("consults", "readwrite", (s) => s.delete(item.client_key));
      sent.push({ client_key: item.client_key, url: result.body.url });
    } else if (outcome === "refused") {
      // Never sent again; kept so the mentor's next page says what happened.
      const reason = result.body && typeof result.body.error === "string" ? result.body.error : "";
      const marked = { ...item, state: "refused", status: result.status, reason: reason.slice(0, 200) };
      await inStore("consults", "readwrite", (s) => s.put(marked));
      changed = true;
    } else {
      // Signed out: the next signed-in page sends it with a fresh token. Busy: try later.
      retry = outcome === "retry";
      break;
    }
  }
  const windows = await self.clients.matchAll({ type: "window" });
  for (const client of windows) client.postMessage({ type: "consult-queue", sent, changed });
  if (retry) throw new Error("consult queue: retry later"); // the browser tries again later
}

self.addEventListener("sync", (event) => {
  if (event.tag === "consult-queue") event.waitUntil(sendQueue());
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (type === "warm-guides") {
    const language = typeof event.data.language === "string" ? event.data.language : "";
    event.waitUntil(warmGuides(language).catch(() => 0).then((guides) => reply({ guides })));
  } else if (type === "logout") {
    event.waitUntil(forgetUser().then(() => reply({ done: true })));
  } else if (type === "version") {
    reply({ version: CONFIG.version });
  }
});
