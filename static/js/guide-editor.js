// Live preview while editing a guide: the server renders and sanitises (the same code that
// saves), so what shows here is exactly what readers will get. Without this script, the
// form's Preview button does the same on a full page load.
import { postJSON } from "./app.js";

const source = document.querySelector("[data-guide-source]");
const preview = document.querySelector("[data-guide-preview]");
const problems = document.querySelector("[data-guide-problems]");
const slugInput = document.querySelector("input[name=slug]");
const DELAY_MS = 600;

function listProblems(items) {
  if (!problems) return;
  const list = document.createElement("ul");
  for (const text of items) {
    const item = document.createElement("li");
    item.textContent = text;
    list.append(item);
  }
  problems.replaceChildren(...(items.length ? [list] : []));
  problems.hidden = !items.length;
}

let timer = null;
let latest = 0;

async function refresh() {
  const ticket = ++latest;
  const slug = slugInput ? slugInput.value : preview.dataset.slug || "";
  let result;
  try {
    result = await postJSON("/api/guide-editor/preview", { body: source.value, slug });
  } catch {
    return;
  }
  if (ticket !== latest || result.status !== 200) return;
  // Sanitised on the server with nh3 (an allow-list of tags, no scripts, safe links only).
  const first = document.createElement("section");
  first.className = "first-minute";
  const heading = document.createElement("h2");
  heading.textContent = preview.dataset.firstMinute;
  const firstBody = document.createElement("div");
  firstBody.innerHTML = result.body.first_minute_html;
  first.append(heading, firstBody);
  const body = document.createElement("div");
  body.innerHTML = result.body.body_html;
  preview.replaceChildren(first, body);
  preview.hidden = false;
  listProblems(result.body.problems || []);
}

if (source && preview) {
  source.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  });
  refresh();
}
