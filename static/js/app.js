// mentor_app — shared page behaviour. Small on purpose: pages work without it.

/** The CSRF token every JSON POST sends in the X-CSRFToken header. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** POST JSON with the CSRF header; resolves to {status, body}. */
export async function postJSON(url, data, method = "POST") {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(data ?? {}),
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  return { status: response.status, body };
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
