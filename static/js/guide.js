// One guide's page: the reader's own bits, fetched apart from the (cacheable) page itself.
// - "Updated: what changed" when they read an older version before;
// - "Did this help?" sent with one tap, and their earlier answer shown.
// Without this script the page still reads, and the feedback form still posts.
import { postJSON } from "./app.js";

const article = document.querySelector("[data-guide]");

function showUpdates(box, updates) {
  if (!box || !updates.length) return;
  const title = document.createElement("strong");
  title.textContent = box.dataset.label;
  const list = document.createElement("ul");
  for (const update of updates) {
    const item = document.createElement("li");
    item.textContent = update.note || box.dataset.noNote;
    list.append(item);
  }
  box.replaceChildren(title, list);
  box.hidden = false;
}

function markAnswer(form, helpful) {
  form.querySelectorAll("button[name=helpful]").forEach((button) => {
    button.setAttribute("aria-pressed", String((button.value === "yes") === helpful));
  });
}

function attachFeedback(form, slug) {
  const status = form.querySelector("[data-feedback-status]");
  form.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (!button || button.name !== "helpful") return;
    event.preventDefault();
    const helpful = button.value === "yes";
    const comment = form.querySelector("textarea[name=comment]");
    const text = comment && comment.value.trim() ? comment.value.trim() : null;
    let result;
    try {
      result = await postJSON(`/api/guides/${encodeURIComponent(slug)}/feedback`, {
        helpful,
        comment: text,
      });
    } catch {
      status.textContent = form.dataset.offline;
      return;
    }
    if (result.status === 200) {
      markAnswer(form, helpful);
      status.textContent = form.dataset.thanks;
      if (comment) comment.value = "";
    } else {
      status.textContent = (result.body && result.body.error) || form.dataset.failed;
    }
  });
}

async function loadMine() {
  const slug = article.dataset.guide;
  const revision = article.dataset.revision;
  const url = `/api/guides/${encodeURIComponent(slug)}/me?rev=${encodeURIComponent(revision)}`;
  let mine;
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    mine = await response.json();
  } catch {
    return; // offline: the guide itself is all that matters now
  }
  showUpdates(document.querySelector("[data-guide-updated]"), mine.updated || []);
  const form = document.querySelector("[data-guide-feedback]");
  if (form && mine.feedback) markAnswer(form, mine.feedback.helpful);
}

if (article) {
  const form = document.querySelector("[data-guide-feedback]");
  if (form) attachFeedback(form, article.dataset.guide);
  loadMine();
}
