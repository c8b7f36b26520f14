// Registers the service worker (/sw.js, root scope) on every page. On signed-in pages it also
// loads push.js, which keeps this browser's push subscription known to the server and runs the
// notifications section of Settings.
const tag = document.getElementById("sw-register");

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
    // No service worker (private mode, old browser): pages still work, push does not.
  });
  const signedIn = /\brole-/.test(document.body.className);
  if (signedIn && tag && tag.dataset.push) {
    import(tag.dataset.push).catch(() => {});
  }
}
