// Guide ranking in the browser, offline too, from the "search" data of /guides/index.json.
// A step-by-step twin of mentor_app/playbooks/search/rank.py (same steps, same order of
// additions), so the phone ranks exactly as the server does: the server builds the BM25
// weights and the stem table (bm25s, Snowball), this file only looks them up and adds them.
// tests/playbooks/search_expected.json holds both to the same top 3. Change both together.

const EXACT = 1.0, COMPOUND = 0.9, PREFIX = 0.8, TYPO = 0.7, PART = 0.6;
const PREFIX_MIN = 3;
const PART_MIN = 5;
const PHRASE_MAX = 6;
const WORDS_MAX = 16;
const MIN_WORD = 2;
const MIN_REST = 3;
export const WEAK_SCORE = 1500.0, WEAK_SHARE = 0.3, SHOWN_SHARE = 0.25, RESULTS_MAX = 10;
const FOLD = [["ß", "ss"], ["æ", "ae"], ["ø", "o"], ["œ", "oe"], ["ł", "l"], ["đ", "d"], ["þ", "th"]];
const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

export function fold(text) {
  let out = text.toLowerCase();
  for (const [letter, plain] of FOLD) out = out.split(letter).join(plain);
  out = out.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  return out.replace(/[^a-z0-9]+/g, " ").trim();
}

export function words(text) {
  const folded = fold(text);
  return folded ? folded.split(" ").filter((w) => w.length >= MIN_WORD) : [];
}

function typoBudget(length) {
  if (length >= 8) return 2;
  if (length >= 4) return 1;
  return 0;
}

/** Optimal string alignment distance (as rapidfuzz's OSA), or limit + 1 beyond limit. */
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

const stemOf = (data, word) => data.stems[word] || word;

function known(word, data) {
  if (has(data.stems, word)) return stemOf(data, word);
  for (const suffix of data.suffixes) {
    const rest = word.slice(0, -suffix.length);
    if (word.endsWith(suffix) && rest.length >= MIN_REST && has(data.stems, rest)) {
      return stemOf(data, rest);
    }
  }
  return null;
}

function compound(word, data) {
  for (let cut = word.length - MIN_REST; cut >= MIN_REST; cut--) {
    const head = known(word.slice(0, cut), data);
    if (head === null) continue;
    const tail = word.slice(cut);
    for (const link of data.linking) {
      if (tail.startsWith(link) && tail.length - link.length >= MIN_REST) {
        const rest = known(tail.slice(link.length), data);
        if (rest !== null) return [head, rest];
      }
    }
  }
  return [];
}

function part(word, data) {
  for (let cut = word.length - 1; cut >= PART_MIN; cut--) {
    const head = known(word.slice(0, cut), data);
    if (head !== null) return head;
  }
  for (let cut = 1; cut <= word.length - PART_MIN; cut++) {
    const tail = known(word.slice(cut), data);
    if (tail !== null) return tail;
  }
  return null;
}

const before = (a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);

function prefixed(word, data) {
  if (word.length < PREFIX_MIN) return null;
  let best = null;
  for (const surface of Object.keys(data.stems)) {
    if (surface !== word && surface.startsWith(word) && (best === null || before(surface, best) < 0)) {
      best = surface;
    }
  }
  return best === null ? null : stemOf(data, best);
}

function corrected(word, data) {
  const budget = typoBudget(word.length);
  if (!budget) return null;
  let best = null, bestDistance = budget + 1;
  for (const surface of Object.keys(data.stems)) {
    const distance = edits(word, surface, budget);
    if (distance > budget) continue;
    if (distance < bestDistance || (distance === bestDistance && surface < best)) {
      best = surface;
      bestDistance = distance;
    }
  }
  return best === null ? null : stemOf(data, best);
}

/** [which data, stems, quality] for one query word, or null. */
export function resolve(word, datas, typing = false) {
  for (let number = 0; number < datas.length; number++) {
    const stem = known(word, datas[number]);
    if (stem !== null) return [number, [stem], EXACT];
  }
  const main = datas[0];
  const parts = compound(word, main);
  if (parts.length) return [0, parts, COMPOUND];
  let stem = typing ? prefixed(word, main) : null;
  if (stem !== null) return [0, [stem], PREFIX];
  stem = corrected(word, main);
  if (stem !== null) return [0, [stem], TYPO];
  stem = part(word, main);
  if (stem !== null) return [0, [stem], PART];
  return null;
}

export function queryWords(query, datas) {
  const found = [];
  for (const word of words(query)) if (!found.includes(word)) found.push(word);
  const stop = new Set(datas.flatMap((data) => data.stop));
  const kept = found.filter((w) => !stop.has(w));
  return (kept.length ? kept : found).slice(0, WORDS_MAX);
}

function phraseAt(sequence, at, resolved, datas) {
  for (let size = PHRASE_MAX; size > 1; size--) {
    const window = sequence.slice(at, at + size);
    if (window.length < size) continue;
    for (let number = 0; number < datas.length; number++) {
      const tokens = [];
      let quality = EXACT;
      for (const word of window) {
        const found = resolved.has(word) ? resolved.get(word) : null;
        if (found === null) {
          tokens.push(word);
        } else if (found[0] === number && found[1].length === 1) {
          tokens.push(found[1][0]);
          quality = Math.min(quality, found[2]);
        } else {
          break;
        }
      }
      const phrase = tokens.join(" ");
      if (tokens.length === size && has(datas[number].fields.keys, phrase)) {
        return [number, phrase, quality, size];
      }
    }
  }
  return null;
}

/** [terms, units]: what to look up, and how many units the share is counted in. */
export function terms(query, datas) {
  const words_ = queryWords(query, datas);
  const sequence = words(query);
  const typing = sequence.length ? sequence[sequence.length - 1] : null;
  const resolved = new Map(words_.map((word) => [word, resolve(word, datas, word === typing)]));
  const found = [];
  const used = new Set();
  let units = words_.length;
  let at = 0;
  while (at < sequence.length) {
    const phrase = phraseAt(sequence, at, resolved, datas);
    if (phrase === null) {
      at += 1;
      continue;
    }
    const [language, term, quality, size] = phrase;
    let covered = [...new Set(sequence.slice(at, at + size).filter((w) => resolved.has(w))
      .map((w) => words_.indexOf(w)))].sort((a, b) => a - b);
    if (!covered.length) {
      covered = [units];
      units += 1;
    }
    found.push({ language, term, quality, units: covered });
    for (const unit of covered) used.add(unit);
    at += size;
  }
  words_.forEach((word, number) => {
    const hit = resolved.get(word);
    if (used.has(number) || hit === null) return;
    const [language, stems, quality] = hit;
    for (const term of stems) found.push({ language, term, quality, units: [number] });
  });
  return [found, units];
}

/** [{slug, score, share}] for every guide that matches, best first. */
export function rank(datas, query) {
  const [found, count] = terms(query, datas);
  if (!count) return [];
  const scores = new Map();
  const matched = new Map();
  for (const term of found) {
    const data = datas[term.language];
    for (const [field, weight] of Object.entries(data.weights)) {
      const fieldTerms = data.fields[field];
      if (!has(fieldTerms, term.term)) continue;
      const postings = fieldTerms[term.term];
      for (let at = 0; at < postings.length; at += 2) {
        const slug = data.slugs[postings[at]];
        scores.set(slug, (scores.get(slug) || 0.0) + term.quality * weight * postings[at + 1]);
        if (!matched.has(slug)) matched.set(slug, new Set());
        for (const unit of term.units) matched.get(slug).add(unit);
      }
    }
  }
  const hits = [...scores].map(([slug, score]) => {
    const share = matched.get(slug).size;
    return { slug, score: score * share * share / count / count, share: share / count };
  });
  hits.sort((a, b) => (b.score - a.score) || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return hits;
}

export function isWeak(hits) {
  return !hits.length || hits[0].share < WEAK_SHARE || hits[0].score < WEAK_SCORE;
}

/** What to list: {hits, weak}, as mentor_app/playbooks/search/__init__.py's `found`. */
export function found(datas, query, closest = 3) {
  const hits = rank(datas, query);
  if (isWeak(hits)) {
    const near = hits.slice(0, closest);
    for (const slug of datas[0].fallback) {  // a query that matched (almost) nothing
      if (near.length < closest && near.every((hit) => hit.slug !== slug)) {
        near.push({ slug, score: 0.0, share: 0.0 });
      }
    }
    return { hits: near, weak: true };
  }
  const floor = hits[0].score * SHOWN_SHARE;
  return { hits: hits.filter((hit) => hit.score >= floor).slice(0, RESULTS_MAX), weak: false };
}
