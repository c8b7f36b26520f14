// Guide search in the browser: results as you type, and offline from /guides/index.json.
// The ranking itself is static/js/guides-rank.js (the twin of mentor_app/playbooks/search);
// this file loads the index once and shows what the ranker found, as the server's page does:
// the best matches, or, when nothing matches well, the closest guides with the consult button
// and the emergency number.

let indexPromise = null;

/** {guides: {slug: entry}, datas, ranker}, loaded once, when the mentor starts to search (the
 * service worker serves the index and the ranker offline; a page load does not pay for them). */
export function loadIndex() {
  if (!indexPromise) {
    const ranker = import("./guides-rank.js");
    indexPromise = fetch("/guides/index.json", { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`index ${response.status}`);
        return response.json();
      })
      .then(async (index) => ({
        guides: Object.fromEntries(index.guides.map((entry) => [entry.slug, entry])),
        datas: index.search,
        ranker: await ranker,
      }))
      .catch((error) => {
        indexPromise = null; // try again on the next keystroke
        throw error;
      });
  }
  return indexPromise;
}

/** What the page lists for `query`: {hits: [{slug, score, share, entry}], weak}. */
export async function searchGuides(query) {
  const index = await loadIndex();
  const result = index.ranker.found(index.datas, query);
  const hits = result.hits
    .filter((hit) => index.guides[hit.slug])
    .map((hit) => ({ ...hit, entry: index.guides[hit.slug] }));
  return { hits, weak: result.weak };
}

function resultItem(hit, labels) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.className = "guide-link";
  link.href = `/guides/${encodeURIComponent(hit.slug)}`;
  const title = document.createElement("span");
  title.className = "guide-link-title";
  title.textContent = hit.entry.short_title || hit.entry.title;
  const kind = document.createElement("span");
  kind.className = `guide-kind kind-${hit.entry.kind}`;
  kind.textContent = labels[hit.entry.kind] || hit.entry.kind;
  const summary = document.createElement("span");
  summary.className = "guide-link-summary";
  summary.textContent = hit.entry.summary;
  link.append(title, kind, summary);
  item.append(link);
  return item;
}

function weakHelp() {
  const template = document.getElementById("guide-weak-help");
  return template ? [template.content.cloneNode(true)] : [];
}

function attach(input) {
  const target = document.getElementById(input.dataset.guideSearchInput);
  if (!target) return;
  const original = Array.from(target.childNodes);
  const labels = JSON.parse(target.dataset.kindLabels || "{}");
  let latest = 0;
  const show = async () => {
    const query = input.value.trim();
    const ticket = ++latest;
    if (!query) {
      target.replaceChildren(...original);
      return;
    }
    let result;
    try {
      result = await searchGuides(query);
    } catch {
      return; // no index yet (offline on a first visit): the form still searches on the server
    }
    if (ticket !== latest) return; // a newer keystroke is on its way
    const heading = document.createElement("h2");
    heading.className = "guide-results-heading";
    heading.textContent = result.weak ? target.dataset.labelWeak : target.dataset.labelFound;
    const list = document.createElement("ol");
    list.className = "guide-list";
    list.append(...result.hits.map((hit) => resultItem(hit, labels)));
    target.replaceChildren(heading, list, ...(result.weak ? weakHelp() : []));
  };
  input.addEventListener("input", show);
  input.addEventListener("focus", () => loadIndex().catch(() => {}), { once: true });
  if (input.value.trim() && target.dataset.serverResults !== "1") show();
}

document.querySelectorAll("[data-guide-search-input]").forEach(attach);
