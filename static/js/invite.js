// An invitation link carries its code after "#": browsers never send that part to a server, so
// it is in no log. Move it into the form, wipe it from the address bar, and send the form.
// Shared by invitations and password-reset links.
const form = document.getElementById("invite-open") || document.getElementById("reset-open");
const code = decodeURIComponent(window.location.hash.slice(1));
if (form && code) {
  history.replaceState(null, "", window.location.pathname);
  form.querySelector('input[name="token"]').value = code;
  form.submit();
}
