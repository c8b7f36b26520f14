// mentor_app — the safety card on the mentor's home page. The forms work without this file;
// it adds: the SOS with the phone's location (read once, only when the mentor ticks the box),
// the no-signal screen (emergency number and a prefilled text message to the safety contact,
// shown at once when the SOS cannot be sent), and starting a visit without signal (kept on
// the phone and sent when the connection returns; one visit per client key, so a resend is
// harmless). It imports nothing: app.js is already on the page (importing it again unversioned
// would run it twice).

const card = document.querySelector("[data-safety]");
const PENDING = "mentor_app.safety.pending_visit";
const SEND_TIMEOUT_MS = 8000;
const LOCATION_TIMEOUT_MS = 4000;

function token() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function post(url, data) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify(data),
      signal: controller.signal,
    });
    return response.status;
  } finally {
    clearTimeout(timer);
  }
}

function showNoSignal() {
  const panel = card.querySelector("[data-sos-offline]");
  if (panel) {
    panel.hidden = false;
    panel.scrollIntoView({ block: "center" });
  }
}

/** The position once, or null (refused, unavailable, too slow). Never watched. */
function positionOnce() {
  if (!("geolocation" in navigator)) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({
        latitude: p.coords.latitude,
        longitude: p.coords.longitude,
        accuracy_m: Math.min(p.coords.accuracy, 1000000),
      }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: LOCATION_TIMEOUT_MS, maximumAge: 0 },
    );
  });
}

async function sendSos(event) {
  event.preventDefault();
  const form = event.currentTarget;
  if (!navigator.onLine) {
    showNoSignal();  // at once: no waiting for a request that cannot leave the phone
    return;
  }
  const wantsLocation = form.querySelector("[data-sos-location]")?.checked;
  const location = wantsLocation ? await positionOnce() : null;
  try {
    const status = await post(form.dataset.api, location || {});
    if (status === 201) {
      window.location.assign("/");
      return;
    }
    if (status >= 500 || status === 0) showNoSignal();
    else form.submit();  // let the server's page say what is wrong
  } catch {
    showNoSignal();
  }
}

function queueStart(form, minutes) {
  const data = { minutes: Number(minutes), client_key: crypto.randomUUID() };
  for (const name of ["case_code", "where"]) {
    const value = form.querySelector(`[name=${name}]`)?.value.trim();
    if (value) data[name] = value;
  }
  localStorage.setItem(PENDING, JSON.stringify(data));
  const note = card.querySelector("[data-visit-queued]");
  if (note) note.hidden = false;
}

async function sendPending() {
  const raw = localStorage.getItem(PENDING);
  if (!raw || !navigator.onLine) return;
  try {
    const status = await post("/api/visits", JSON.parse(raw));
    if (status < 500) {
      localStorage.removeItem(PENDING);  // started (201/200) or refused for good (4xx)
      if (status === 201 || status === 200) window.location.reload();
    }
  } catch {
    // still no connection: the next "online" event or page load tries again
  }
}

if (card) {
  for (const form of card.querySelectorAll("[data-sos-form]")) {
    form.addEventListener("submit", sendSos);
  }
  const start = card.querySelector("[data-visit-start]");
  if (start) {
    start.addEventListener("submit", (event) => {
      if (navigator.onLine) return;  // the ordinary form post
      event.preventDefault();
      queueStart(start, event.submitter ? event.submitter.value : 60);
    });
  }
  window.addEventListener("online", sendPending);
  sendPending();
}
