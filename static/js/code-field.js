// Code fields open the number pad (inputmode="numeric"). A recovery code has letters: the
// "Use a recovery code" button switches its field to the full keyboard and focuses it.
for (const button of document.querySelectorAll("[data-code-letters]")) {
  const field = document.getElementById(button.dataset.codeLetters);
  if (!field) continue;
  button.hidden = false;
  button.addEventListener("click", () => {
    field.inputMode = "text";
    field.autocapitalize = "off";
    button.hidden = true;
    field.focus();
  });
}
