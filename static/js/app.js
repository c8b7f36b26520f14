// mentor_app — shared page behaviour. Small on purpose: pages work without it.

/** The CSRF token every JSON POST sends in the X-CSRFToken header. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** This session's token from the server, for a page whose copy is out of date (a guide the
 * service worker kept from an earlier session). Updates the page's meta tag; "" if none. */
export async function freshCsrfToken() {
  try {
    const response = await fetch("/api/csrf-token", {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    const token = response.ok ? (await response.json()).token : "";
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (token && meta) meta.content = token;
    return token || "";
  } catch {
    return "";
  }
}

/** True for the server's "CSRF token refused" answer (400 with code "csrf"). */
export function refusedToken(status, body) {
  return status === 400 && Boolean(body) && body.code === "csrf";
}

async function sendJSON(url, data, method, token) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify(data ?? {}),
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  return { status: response.status, body };
}

/** POST JSON with the CSRF header; resolves to {status, body}. A refused token is renewed
 * once and the request sent again. */
export async function postJSON(url, data, method = "POST") {
  const answer = await sendJSON(url, data, method, csrfToken());
  if (!refusedToken(answer.status, answer.body)) return answer;
  const token = await freshCsrfToken();
  return token ? sendJSON(url, data, method, token) : answer;
}

// Offline banner: shown whenever the browser says the network is gone.
function updateOnlineState() {
  const banner = document.querySelector("[data-offline-banner]");
  if (banner) banner.hidden = navigator.onLine;
}
window.addEventListener("online", updateOnlineState);
window.addEventListener("offline", updateOnlineState);
updateOnlineState();

// Tables that scroll sideways on a phone take keyboard focus, so arrow keys can scroll them.
function focusableScrollers() {
  for (const box of document.querySelectorAll(".table-wrap, .coverage-scroll")) {
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  }
}
window.addEventListener("resize", focusableScrollers);
focusableScrollers();

const v = document.querySelector("[data-visit-start]");
// Offline on a page the service worker does not control, the script cannot load: the plain
// form remains, and nothing is thrown.
const load = () => import(v.dataset.js).catch(() => {});
if (v) navigator.onLine && !localStorage["safety.visit"] ? addEventListener("offline", load) : load();
if (v) localStorage.removeItem("safety.running"); // home shows no visit: none to check in offline
// The SOS on the home page without a visit: its script (location, no-signal screen) on opening.
const sos = document.querySelector("[data-sos-lazy]");
sos?.addEventListener("toggle", () => import(sos.dataset.js).catch(() => {}), { once: true });
