"""Ranking guides for a query from the data `index.build` made. static/js/guides-rank.js is a
step-by-step twin of this module (same steps, same order of additions), so the phone offline
ranks exactly as the server does; tests/playbooks/search_expected.json holds both to that.

For a query:
1. its folded words, without repeats and without the stop words of the languages searched
   (unless nothing else is left);
2. each word becomes a stem in the reader's language, by the first step that works: the stem
   table, an index term, an ending taken off ("grieving" → "griev"); else the same in English
   (a Swedish reader who types English); else a compound of two known words ("Trauerfall" →
   "trauer" + "fall", "självmordstankar", "psychoeducation"); else, for the last word (still
   being typed), the word it starts ("ber" → "bereavement"); else a word one or two edits
   away (a typo); else its longest known part ("Trauerbegleitung" → "trauer");
3. words next to each other that form a phrase among a guide's names (small words as typed,
   the others by their stems) count as that phrase alone: "passed away" does not match
   "passed on", "turned up" does not match "turned him down";
4. a guide scores the sum of its BM25 weights for those terms, field weight times match
   quality times weight, then times the square of the share of the query's words it matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from mentor_app.playbooks.search.text import MIN_REST, words

EXACT, COMPOUND, PREFIX, TYPO, PART = 1.0, 0.9, 0.8, 0.7, 0.6
PREFIX_MIN = 3
PART_MIN = 5  # letters of the one known part of an otherwise unknown compound
PHRASE_MAX = 6  # words
WORDS_MAX = 16  # meaningful words of a query; a pasted paragraph is cut, not slow
# A result is "weak" when the best guide matched under a third of the query's words or scored
# below this; the page then says so and offers the three closest guides.
WEAK_SCORE = 1500.0  # in thousandths, as the weights
WEAK_SHARE = 0.3
# Results shown: those within this share of the best score, at most RESULTS_MAX.
SHOWN_SHARE = 0.25
RESULTS_MAX = 10


@dataclass(frozen=True)
class Hit:
    slug: str
    score: float
    share: float  # of the query's words this guide matched, 0..1


@dataclass(frozen=True)
class Term:
    language: int  # which data (0 the reader's language, 1 English for another reader)
    term: str
    quality: float
    units: tuple[int, ...]  # the query words it stands for (by number)


def typo_budget(length: int) -> int:
    return 2 if length >= 8 else 1 if length >= 4 else 0


def _known(word: str, data: dict[str, Any]) -> str | None:
    """The stem of a word found in the guides, or of the word without an ending."""
    stem = data["stems"].get(word)
    if stem is not None:
        return stem or word
    for suffix in data["suffixes"]:
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= MIN_REST and rest in data["stems"]:
            return data["stems"][rest] or rest
    return None


def _compound(word: str, data: dict[str, Any]) -> list[str]:
    """The stems of a two-part compound whose parts are both known, longest head first."""
    for cut in range(len(word) - MIN_REST, MIN_REST - 1, -1):
        head = _known(word[:cut], data)
        if head is None:
            continue
        tail = word[cut:]
        for link in data["linking"]:
            if tail.startswith(link) and len(tail) - len(link) >= MIN_REST:
                rest = _known(tail[len(link) :], data)
                if rest is not None:
                    return [head, rest]
    return []


def _part(word: str, data: dict[str, Any]) -> str | None:
    """The stem of the longest known start ("Trauer|begleitung"), else of the longest known
    end, of a word nothing else resolved; parts shorter than PART_MIN letters do not count."""
    for cut in range(len(word) - 1, PART_MIN - 1, -1):
        head = _known(word[:cut], data)
        if head is not None:
            return head
    for cut in range(1, len(word) - PART_MIN + 1):
        tail = _known(word[cut:], data)
        if tail is not None:
            return tail
    return None


def _prefixed(word: str, data: dict[str, Any]) -> str | None:
    """The shortest (then alphabetically first) guide word that `word` starts."""
    if len(word) < PREFIX_MIN:
        return None
    found = [s for s in data["stems"] if s.startswith(word) and s != word]
    if not found:
        return None
    best = min(found, key=lambda s: (len(s), s))
    return data["stems"][best] or best


def _corrected(word: str, data: dict[str, Any]) -> str | None:
    """The guide word fewest edits away within the budget (then alphabetically first)."""
    budget = typo_budget(len(word))
    if not budget:
        return None
    found = process.extract(
        word, list(data["stems"]), scorer=OSA.distance, score_cutoff=budget, limit=None
    )
    if not found:
        return None
    best = min(found, key=lambda hit: (hit[1], hit[0]))[0]
    return data["stems"][best] or best


def resolve(
    word: str, datas: list[dict[str, Any]], typing: bool = False
) -> tuple[int, list[str], float] | None:
    """(which data, stems, match quality) for one query word, or None. `typing`: the query's
    last word, which may be unfinished (only it is completed as a prefix)."""
    for number, data in enumerate(datas):
        stem = _known(word, data)
        if stem is not None:
            return number, [stem], EXACT
    main = datas[0]
    parts = _compound(word, main)
    if parts:
        return 0, parts, COMPOUND
    stem = _prefixed(word, main) if typing else None
    if stem is not None:
        return 0, [stem], PREFIX
    stem = _corrected(word, main)
    if stem is not None:
        return 0, [stem], TYPO
    stem = _part(word, main)
    if stem is not None:
        return 0, [stem], PART
    return None


def query_words(query: str, datas: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for word in words(query):
        if word not in found:
            found.append(word)
    stop = {w for data in datas for w in data["stop"]}
    kept = [w for w in found if w not in stop]
    return (kept or found)[:WORDS_MAX]


def terms(query: str, datas: list[dict[str, Any]]) -> tuple[list[Term], int]:
    """The terms to look up for `query`, and how many units its share is counted in: its
    query words, plus one for each phrase made only of small words ("who am I")."""
    words_ = query_words(query, datas)
    sequence = words(query)
    typing = sequence[-1] if sequence else None
    resolved = {word: resolve(word, datas, word == typing) for word in words_}
    found: list[Term] = []
    used: set[int] = set()
    units = len(words_)
    at = 0
    while at < len(sequence):
        phrase = _phrase_at(sequence, at, resolved, datas)
        if phrase is None:
            at += 1
            continue
        language, term, quality, size = phrase
        covered = tuple(
            sorted({words_.index(w) for w in sequence[at : at + size] if w in resolved})
        )
        if not covered:
            covered, units = (units,), units + 1
        found.append(Term(language, term, quality, covered))
        used.update(covered)
        at += size
    for number, word in enumerate(words_):
        if number not in used and resolved[word] is not None:
            language, stems, quality = resolved[word]
            found.extend(Term(language, stem, quality, (number,)) for stem in stems)
    return found, units


def _phrase_at(
    sequence: list[str], at: int, resolved: dict, datas: list[dict[str, Any]]
) -> tuple[int, str, float, int] | None:
    """(language, phrase term, quality, words) of the longest phrase among a guide's names
    that starts at word `at`: small words as typed, the others by their stems."""
    for size in range(PHRASE_MAX, 1, -1):
        window = sequence[at : at + size]
        if len(window) < size:
            continue
        for number, data in enumerate(datas):
            tokens, quality = [], EXACT
            for word in window:
                found = resolved.get(word)
                if found is None:
                    tokens.append(word)
                elif found[0] == number and len(found[1]) == 1:
                    tokens.append(found[1][0])
                    quality = min(quality, found[2])
                else:
                    break
            phrase = " ".join(tokens)
            if len(tokens) == size and phrase in data["fields"]["keys"]:
                return number, phrase, quality, size
    return None


def rank(datas: list[dict[str, Any]], query: str) -> list[Hit]:
    """Every guide that matches `query`, best first (ties: the alphabetically first slug).

    `datas`: the reader's language first, then English when the reader's is another.
    """
    found, count = terms(query, datas)
    if not count:
        return []
    scores: dict[str, float] = {}
    matched: dict[str, set[int]] = {}
    for term in found:
        data = datas[term.language]
        for field, weight in data["weights"].items():
            postings = data["fields"][field].get(term.term)
            if postings is None:
                continue
            for at in range(0, len(postings), 2):
                slug = data["slugs"][int(postings[at])]
                scores[slug] = scores.get(slug, 0.0) + term.quality * weight * postings[at + 1]
                matched.setdefault(slug, set()).update(term.units)
    hits = []
    for slug, score in scores.items():
        share = len(matched[slug])
        # Squared: a guide that matches every word clearly beats one that matches one strongly.
        hits.append(Hit(slug, score * share * share / count / count, share / count))
    hits.sort(key=lambda hit: (-hit.score, hit.slug))
    return hits


def is_weak(hits: list[Hit]) -> bool:
    return not hits or hits[0].share < WEAK_SHARE or hits[0].score < WEAK_SCORE


def shown(hits: list[Hit]) -> list[Hit]:
    """The results worth listing: near the best, never a long tail of weak ones."""
    if not hits:
        return []
    floor = hits[0].score * SHOWN_SHARE
    return [hit for hit in hits if hit.score >= floor][:RESULTS_MAX]
