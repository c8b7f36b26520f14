// mentor_app — the SOS while a visit runs (the forms work without this file). It adds the
// phone's location, read once and only when the mentor ticks the box, and the no-signal screen
// (emergency number, prefilled text message to the safety contact) shown at once when the SOS
// cannot be sent. It imports nothing: app.js is already on the page (importing it again
// unversioned would run it twice). Starting a visit offline: safety-start.js.

const card = document.querySelector("[data-safety]");
const SEND_TIMEOUT_MS = 8000;
const LOCATION_TIMEOUT_MS = 4000;
const REFUSED_KEY = "safety.checkinRefused";

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

/** The refusal of a queued check-in, once, on the home card (its words come from the page). */
function showRefusedCheckIn() {
  const line = card.querySelector("[data-check-in-refused]");
  if (!line || !sessionStorage.getItem(REFUSED_KEY)) return;
  sessionStorage.removeItem(REFUSED_KEY);
  line.hidden = false;
}

// The running visit as the offline page needs it (safety-offline.js): no case code, no place.
function keepRunningVisit() {
  const { visitId, visitDue, visitPin } = card.dataset;
  if (!visitId) return;
  const kept = { id: Number(visitId), due: visitDue, pin: visitPin === "1" };
  localStorage.setItem("safety.running", JSON.stringify(kept));
}

/** A check-in made on the offline page, sent once there is signal (on this page's token).
 * Kept on a network error or a 5xx; dropped on any other answer (sent, ended, refused). */
async function sendQueuedCheckIn() {
  const queued = JSON.parse(localStorage.getItem("safety.checkin") || "null");
  if (!queued || !navigator.onLine) return;
  let status;
  try {
    status = await post(`/api/visits/${queued.id}/check-in`, queued.pin ? { pin: queued.pin } : {});
  } catch {
    return;  // still no signal: the next "online" event tries again
  }
  if (status >= 500) return;
  // A wrong PIN: the visit still runs, and the mentor believes they checked in. Say so on home.
  if (status === 403) sessionStorage.setItem(REFUSED_KEY, "1");
  localStorage.removeItem("safety.checkin");
  localStorage.removeItem("safety.running");
  window.location.assign("/");
}

if (card) {
  for (const form of card.querySelectorAll("[data-sos-form]")) {
    form.addEventListener("submit", sendSos);
  }
  keepRunningVisit();
  showRefusedCheckIn();
  addEventListener("online", sendQueuedCheckIn);
  sendQueuedCheckIn();
}
