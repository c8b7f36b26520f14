// Guide search in the browser: results as you type, and offline from /guides/index.json.
// A line-by-line twin of mentor_app/playbooks/search.py (same folding, weights and order of
// additions), so the phone ranks guides exactly as the server does. Change both together.

const WEIGHTS = [["title", 10.0], ["keys", 7.0], ["lead", 3.0], ["body", 1.0]];
const EXACT = 1.0, PREFIX = 0.7, STEM = 0.6, ONE_TYPO = 0.5, TWO_TYPOS = 0.3;
const PREFIX_MIN = 2;
const STEM_SUFFIXES = ["ions", "ing", "ion", "ies", "ed", "es", "ly", "s"];
const STEM_MIN = 4;
const BODY_REPEAT_BONUS = 0.25, BODY_REPEAT_CAP = 4;
const FOLD = [["ß", "ss"], ["æ", "ae"], ["ø", "o"], ["œ", "oe"], ["ł", "l"], ["đ", "d"], ["þ", "th"]];
const STOPWORDS = new Set(
  `a about after all am an and are as at be been but by can client clients do does for from
  had has have he her him his how i if in into is it its me my no not of on or our she so
  than that the their them then there they this to too up us was we were what when where
  which who why will with you your`.split(/\s+/),
);

export function fold(text) {
  let out = text.toLowerCase();
  for (const [letter, plain] of FOLD) out = out.split(letter).join(plain);
  out = out.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  return out.replace(/[^a-z0-9]+/g, " ").trim();
}

export function words(text) {
  const folded = fold(text);
  return folded ? folded.split(" ") : [];
}

export function queryWords(query) {
  const found = [];
  for (const word of words(query)) if (!found.includes(word)) found.push(word);
  const kept = found.filter((w) => !STOPWORDS.has(w));
  return kept.length ? kept : found;
}

function typoBudget(length) {
  if (length >= 8) return 2;
  if (length >= 4) return 1;
  return 0;
}

export function stem(word) {
  for (const suffix of STEM_SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= STEM_MIN) {
      return word.slice(0, -suffix.length);
    }
  }
  return word;
}

/** Optimal string alignment distance, or limit + 1 as soon as it must exceed limit. */
export function edits(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous2 = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i].concat(new Array(b.length).fill(0));
    let best = current[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previous2[j - 2] + 1);
      }
      current[j] = value;
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous2 = previous;
    previous = current;
  }
  return Math.min(previous[b.length], limit + 1);
}

export function matchQuality(queryWord, word) {
  if (word === queryWord) return EXACT;
  if (queryWord.length >= PREFIX_MIN && word.startsWith(queryWord)) return PREFIX;
  const stemmed = stem(queryWord);
  if (stemmed !== queryWord && word.startsWith(stemmed)) return STEM;
  const budget = typoBudget(queryWord.length);
  if (budget) {
    const distance = edits(queryWord, word, budget);
    if (distance <= budget) return distance === 1 ? ONE_TYPO : TWO_TYPOS;
  }
  return 0.0;
}

function counts(text) {
  const result = new Map();
  for (const word of words(text)) result.set(word, (result.get(word) || 0) + 1);
  return result;
}

/** Search documents from the index entries of /guides/index.json. */
export function build(entries) {
  return entries.map((entry) => {
    const keys = [...(entry.synonyms || []), ...(entry.tags || []), entry.topic].join(" ");
    return {
      slug: entry.slug,
      entry,
      fields: {
        title: counts(entry.title + " " + (entry.short_title || "")),
        keys: counts(keys),
        lead: counts(entry.summary + " " + entry.first_minute),
        body: counts(entry.body),
      },
    };
  });
}

function fieldScore(queryWord, fieldCounts, isBody, memo) {
  let best = 0.0;
  for (const [word, count] of fieldCounts) {
    let quality = memo.get(word);
    if (quality === undefined) {
      quality = matchQuality(queryWord, word);
      memo.set(word, quality);
    }
    if (quality === 0.0) continue;
    if (isBody) quality *= 1 + Math.min(count - 1, BODY_REPEAT_CAP) * BODY_REPEAT_BONUS;
    best = Math.max(best, quality);
  }
  return best;
}

function score(doc, terms, memos) {
  let total = 0.0;
  let matched = 0;
  terms.forEach((term, index) => {
    let termScore = 0.0;
    for (const [name, weight] of WEIGHTS) {
      termScore += weight * fieldScore(term, doc.fields[name], name === "body", memos[index]);
    }
    if (termScore > 0) matched += 1;
    total += termScore;
  });
  if (!terms.length) return 0.0;
  return (total * matched) / terms.length;
}

/** [{slug, score, entry}] for every guide that matches, best first. */
export function search(docs, query, limit = 50) {
  const terms = queryWords(query);
  if (!terms.length) return [];
  const memos = terms.map(() => new Map());
  const hits = docs
    .map((doc) => ({ slug: doc.slug, score: score(doc, terms, memos), entry: doc.entry }))
    .filter((hit) => hit.score > 0);
  hits.sort((a, b) => (b.score - a.score) || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return hits.slice(0, limit);
}

// --- the page: results as you type ------------------------------------------------------------

let docsPromise = null;

/** The search documents, loaded once (the service worker serves the index offline). */
export function loadDocs() {
  if (!docsPromise) {
    docsPromise = fetch("/guides/index.json", { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`index ${response.status}`);
        return response.json();
      })
      .then((index) => build(index.guides))
      .catch((error) => {
        docsPromise = null; // try again on the next keystroke
        throw error;
      });
  }
  return docsPromise;
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
    let docs;
    try {
      docs = await loadDocs();
    } catch {
      return; // no index yet (offline on a first visit): the form still searches on the server
    }
    if (ticket !== latest) return; // a newer keystroke is on its way
    const hits = search(docs, query, 20);
    const heading = document.createElement("h2");
    heading.className = "guide-results-heading";
    heading.textContent = hits.length ? target.dataset.labelFound : target.dataset.labelNone;
    const list = document.createElement("ol");
    list.className = "guide-list";
    list.append(...hits.map((hit) => resultItem(hit, labels)));
    target.replaceChildren(heading, list);
  };
  input.addEventListener("input", show);
  input.addEventListener("focus", () => loadDocs().catch(() => {}), { once: true });
  if (input.value.trim() && target.dataset.serverResults !== "1") show();
}

document.querySelectorAll("[data-guide-search-input]").forEach(attach);
