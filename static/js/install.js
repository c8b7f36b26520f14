// Install guidance. Android and desktop Chromium fire `beforeinstallprompt` (caught early by
// sw-register.js): Settings and a small, dismissible hint on the home page then offer an
// Install button. iPhone has no such event, so it gets the steps instead (Share → Add to Home
// Screen; web push on iPhone works only in the installed app). Nothing shows when the app
// already runs installed; "Not now" is remembered on this device.
const DISMISSED = "mentor_app.install-hint-dismissed";
const installed = () =>
  window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
const ios =
  /iphone|ipad|ipod/i.test(navigator.userAgent) ||
  (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);

function dismissed() {
  try { return localStorage.getItem(DISMISSED) === "1"; } catch { return false; }
}

async function install(status) {
  const prompt = window.mentorInstallPrompt;
  if (!prompt) return;
  window.mentorInstallPrompt = null;
  prompt.prompt();
  const choice = await prompt.userChoice.catch(() => null);
  if (status && choice && choice.outcome === "accepted") status.textContent = status.dataset.done || "";
  update();
}

function show(element, visible) {
  if (element) element.hidden = !visible;
}

function update() {
  const canPrompt = Boolean(window.mentorInstallPrompt) && !installed();
  const section = document.querySelector("[data-install]");
  if (section) {
    const status = section.querySelector("[data-install-status]");
    if (installed()) status.textContent = section.dataset.installedText;
    show(section.querySelector("[data-install-ready]"), canPrompt);
    show(section.querySelector("[data-install-ios]"), ios && !installed());
    show(section.querySelector("[data-install-other]"), !ios && !canPrompt && !installed());
  }
  const hint = document.querySelector("[data-install-hint]");
  if (hint) {
    show(hint, (canPrompt || ios) && !installed() && !dismissed());
    show(hint.querySelector("[data-install-button]"), canPrompt);
    show(hint.querySelector("[data-install-hint-ios]"), ios && !canPrompt);
    show(hint.querySelector("[data-install-more]"), ios && !canPrompt);
  }
}

function wire() {
  for (const button of document.querySelectorAll("[data-install-button]")) {
    button.addEventListener("click", () => install(document.querySelector("[data-install-status]")));
  }
  const dismiss = document.querySelector("[data-install-dismiss]");
  if (dismiss) {
    dismiss.addEventListener("click", () => {
      try { localStorage.setItem(DISMISSED, "1"); } catch { /* private mode: hide for now */ }
      show(document.querySelector("[data-install-hint]"), false);
    });
  }
  document.addEventListener("mentor-installable", update);
  window.addEventListener("appinstalled", () => { window.mentorInstallPrompt = null; update(); });
  update();
}

wire();
