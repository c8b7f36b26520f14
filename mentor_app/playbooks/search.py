"""Forgiving guide search. static/js/guides-search.js is a line-by-line twin of this module
(same folding, same weights, same order of additions), so results as you type and offline
match the server's; tests/browser/test_guides_search_browser.py holds the two to that.

How a guide scores for a query:
- text is folded (lower-case, accents and a few special letters mapped to a-z) and split into
  words; common words (and "client", which every guide is about) are dropped from the query
  unless it has nothing else;
- each query word is compared with the words of four fields, weighted title 10, keywords
  (synonyms, tags, topic) 7, lead (summary and first minute) 3, body 1; a word matches exactly
  (1.0), as a prefix of a longer word (0.7: results as you type), by its stem (0.6: the word
  without an ending such as -ed or -ing is the start of the other), or with a typo (0.5 for
  one edit, 0.3 for two): one edit for words of 4+ letters, two for 8+ (insert, delete,
  substitute, swap two neighbours);
- in the body, a word used more often counts a little more (up to twice as much);
- the sum over query words is scaled by the share of query words that matched at all, so a
  guide that matches every word beats one that matches one word strongly;
- ties go to the alphabetically first slug.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WEIGHTS = (("title", 10.0), ("keys", 7.0), ("lead", 3.0), ("body", 1.0))
EXACT, PREFIX, STEM, ONE_TYPO, TWO_TYPOS = 1.0, 0.7, 0.6, 0.5, 0.3
PREFIX_MIN = 2
# A light stemmer: "evicted" finds "eviction", "shouted" finds "shouting".
STEM_SUFFIXES = ("ions", "ing", "ion", "ies", "ed", "es", "ly", "s")
STEM_MIN = 4
BODY_REPEAT_BONUS, BODY_REPEAT_CAP = 0.25, 4
FOLD = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"}
STOPWORDS = frozenset(
    """a about after all am an and are as at be been but by can client clients do does for from
    had has have he her him his how i if in into is it its me my no not of on or our she so
    than that the their them then there they this to too up us was we were what when where
    which who why will with you your""".split()  # noqa: SIM905 - kept as words, like the JS
)
_MARKS = re.compile("[\u0300-\u036f]")
_NON_WORD = re.compile("[^a-z0-9]+")


def fold(text: str) -> str:
    text = text.lower()
    for letter, plain in FOLD.items():
        text = text.replace(letter, plain)
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _NON_WORD.sub(" ", text).strip()


def words(text: str) -> list[str]:
    folded = fold(text)
    return folded.split(" ") if folded else []


def query_words(query: str) -> list[str]:
    found: list[str] = []
    for word in words(query):
        if word not in found:
            found.append(word)
    kept = [w for w in found if w not in STOPWORDS]
    return kept or found


def typo_budget(length: int) -> int:
    if length >= 8:
        return 2
    if length >= 4:
        return 1
    return 0


def stem(word: str) -> str:
    for suffix in STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= STEM_MIN:
            return word[: -len(suffix)]
    return word


def edits(a: str, b: str, limit: int) -> int:
    """The optimal string alignment distance (Damerau-Levenshtein where no substring is
    edited twice) between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def match_quality(query_word: str, word: str) -> float:
    if word == query_word:
        return EXACT
    if len(query_word) >= PREFIX_MIN and word.startswith(query_word):
        return PREFIX
    stemmed = stem(query_word)
    if stemmed != query_word and word.startswith(stemmed):
        return STEM
    budget = typo_budget(len(query_word))
    if budget:
        distance = edits(query_word, word, budget)
        if distance <= budget:
            return ONE_TYPO if distance == 1 else TWO_TYPOS
    return 0.0


@dataclass
class Doc:
    slug: str
    # field name -> {word: how many times it occurs}
    fields: dict[str, dict[str, int]]


def _counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in words(text):
        counts[word] = counts.get(word, 0) + 1
    return counts


def build(entries: list[dict]) -> list[Doc]:
    """Search documents from index entries (the same dicts /guides/index.json serves)."""
    docs = []
    for entry in entries:
        keys = " ".join([*entry.get("synonyms", []), *entry.get("tags", []), entry["topic"]])
        fields = {
            "title": _counts(entry["title"] + " " + (entry.get("short_title") or "")),
            "keys": _counts(keys),
            "lead": _counts(entry["summary"] + " " + entry["first_minute"]),
            "body": _counts(entry["body"]),
        }
        docs.append(Doc(entry["slug"], fields))
    return docs


def field_score(
    query_word: str, counts: dict[str, int], is_body: bool, memo: dict[str, float]
) -> float:
    best = 0.0
    for word, count in counts.items():
        quality = memo.get(word)
        if quality is None:
            quality = memo[word] = match_quality(query_word, word)
        if quality == 0.0:
            continue
        if is_body:
            quality *= 1 + min(count - 1, BODY_REPEAT_CAP) * BODY_REPEAT_BONUS
        best = max(best, quality)
    return best


def score(doc: Doc, terms: list[str], memos: list[dict[str, float]]) -> float:
    """`memos[i]` remembers how well words match `terms[i]` (across guides, per search)."""
    total = 0.0
    matched = 0
    for index, term in enumerate(terms):
        term_score = 0.0
        for name, weight in WEIGHTS:
            counts = doc.fields[name]
            term_score += weight * field_score(term, counts, name == "body", memos[index])
        if term_score > 0:
            matched += 1
        total += term_score
    if not terms:
        return 0.0
    return total * matched / len(terms)


def search(docs: list[Doc], query: str, limit: int = 50) -> list[tuple[str, float]]:
    """(slug, score) for every guide that matches, best first."""
    terms = query_words(query)
    if not terms:
        return []
    memos: list[dict[str, float]] = [{} for _ in terms]
    scored = [(doc.slug, score(doc, terms, memos)) for doc in docs]
    hits = [hit for hit in scored if hit[1] > 0]
    hits.sort(key=lambda hit: (-hit[1], hit[0]))
    return hits[:limit]
