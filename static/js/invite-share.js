// The invitation link: Copy (Clipboard API) and Share (the Web Share API, where the browser has
// it: on a phone it opens the messenger or mail app). Both buttons stay hidden otherwise; the
// read-only field can still be selected and copied by hand.
const field = document.getElementById("invite-link");
const status = document.getElementById("invite-status");
const copy = document.getElementById("copy-link");
const share = document.getElementById("share-link");

if (field && copy && navigator.clipboard) {
  copy.hidden = false;
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = copy.dataset.done;
    } catch {
      field.select();
      status.textContent = copy.dataset.failed;
    }
  });
}

if (field && share && navigator.share) {
  share.hidden = false;
  share.addEventListener("click", async () => {
    try {
      // The link only: no name, no role, nothing that says who it is for.
      await navigator.share({ title: share.dataset.title, url: field.value });
    } catch {
      // Cancelled by the person, or refused: nothing to do.
    }
  });
}
