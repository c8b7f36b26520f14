// "Copy the codes" on the recovery-codes page: shown only where the Clipboard API exists.
const button = document.getElementById("copy-codes");
const status = document.getElementById("copy-status");
if (button && navigator.clipboard) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const codes = [...document.querySelectorAll("#recovery-codes code")].map((c) => c.textContent);
    try {
      await navigator.clipboard.writeText(codes.join("\n"));
      status.textContent = button.dataset.done;
    } catch {
      status.textContent = "";
    }
  });
}
