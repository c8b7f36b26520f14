"""Building the ranking data for one language: BM25 term weights per field, from `bm25s`.

The result is a plain JSON-able dict (see `build`), served inside /guides/index.json and used
as is by both rankers (mentor_app/playbooks/search/rank.py and static/js/guides-rank.js): the
browser needs no stemmer and no BM25 code, only sums of the weights shipped here, so the two
rank identically by construction.
"""

from __future__ import annotations

from typing import Any

from mentor_app.playbooks.search.text import (
    LINKING,
    SUFFIXES,
    analysed,
    phrase_tokens,
    stop_words,
)

# Where a word counts most: the guide's own names for the situation, then its summary and first
# minute, then the rest. Tuned on the tuning half of tests/playbooks/queries only.
FIELDS = ("keys", "lead", "body")
WEIGHTS = {"keys": 4.0, "lead": 1.2, "body": 1.0}
# BM25 saturation and length normalisation per field. The keys of a guide are a list of names
# (their number says little about relevance), so length counts less there.
BM25 = {"keys": (1.2, 0.3), "lead": (1.2, 0.75), "body": (1.2, 0.75)}
# Offered when a query matches (almost) nothing: where to start when unsure.
FALLBACK = ("when-to-consult-psychologist", "mentor-own-safety", "transparency-goals-roles")
# A single word among a guide's names that also runs through the bodies of more than this share
# of all guides ("family", "meeting", "police") says little about which guide is meant: its weight
# among the names is multiplied by GENERIC_FACTOR. Phrases ("knows where he lives") keep theirs.
# Not lower than 0.6: "suicide" runs through about 55 % of the bodies (every guide's safety
# notes) and must keep its full pull towards the guide it names.
GENERIC_SHARE = 0.6
GENERIC_FACTOR = 0.5
# BM25 weights ship as whole thousandths: a small JSON, and both rankers add the same numbers.
SCALE = 1000


def _phrase_or_word(text: str, language: str, stems: dict[str, str]) -> str | None:
    """One index term for a name: its stem, or, for several words, the phrase term (small
    words kept), found only when the words are typed next to each other."""
    stems.update(analysed(text, language))
    tokens = phrase_tokens(text, language)
    if len(tokens) == 1 and tokens[0] in stop_words(language):
        return None
    return " ".join(tokens) or None


def _field_terms(entry: dict[str, Any], names: list[str], language: str, stems: dict) -> dict:
    title_words = analysed(" ".join([entry["title"], entry.get("short_title") or ""]), language)
    lead_words = analysed(
        " ".join([entry.get("subtitle") or "", entry["summary"], entry["first_minute"]]),
        language,
    )
    body_words = analysed(entry["body"], language)
    for pairs in (title_words, lead_words, body_words):
        stems.update(pairs)
    keys = [stem for _, stem in title_words]
    for name in [*entry.get("synonyms", []), *entry.get("tags", []), *names]:
        term = _phrase_or_word(name, language, stems)
        if term:
            keys.append(term)
    return {
        "keys": keys,
        "lead": [stem for _, stem in lead_words],
        "body": [stem for _, stem in body_words],
    }


def _postings(corpus: list[list[str]], k1: float, b: float) -> dict[str, list[int]]:
    """term → [document number, weight in thousandths, document number, weight, …]."""
    if not corpus:
        return {}
    import bm25s  # numpy and scipy load only when an index is built, not with every process

    padded = [terms or [""] for terms in corpus]  # bm25s wants a word in every document
    retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
    retriever.index(padded, show_progress=False)
    scores = retriever.scores
    data, indices, pointers = scores["data"], scores["indices"], scores["indptr"]
    postings: dict[str, list[float]] = {}
    for term, number in sorted(retriever.vocab_dict.items()):
        if not term or number + 1 >= len(pointers):
            continue
        flat: list[int] = []
        for at in range(pointers[number], pointers[number + 1]):
            flat.extend((int(indices[at]), round(float(data[at]) * SCALE)))
        postings[term] = flat
    return postings


def _damp_generic(keys: dict[str, list[int]], bodies: list[set[str]]) -> None:
    """Multiply, in place, the weights of the single-word names found in the bodies of more
    than GENERIC_SHARE of the guides by GENERIC_FACTOR (weights stay whole thousandths)."""
    if not bodies:
        return
    for term, flat in keys.items():
        if " " in term:
            continue
        share = sum(term in body for body in bodies) / len(bodies)
        if share > GENERIC_SHARE:
            flat[1::2] = [round(weight * GENERIC_FACTOR) for weight in flat[1::2]]


def build(
    entries: list[dict[str, Any]], language: str, lexicon: dict[str, list[str]]
) -> dict[str, Any]:
    """The ranking data for `entries` (dicts shaped like /guides/index.json's "guides") in
    `language`, with the lay words of `lexicon` (slug → words and phrases) among the keys.

    Shape: {"language", "slugs": [slug by document number], "weights": {field: float},
    "fields": {field: {term: [doc, weight in thousandths, …]}},
    "stems": {surface: stem, "" when equal}, "stop": [word], "suffixes": [ending],
    "linking": [letters], "fallback": [slug]}.
    """
    entries = sorted(entries, key=lambda e: e["slug"])
    stems: dict[str, str] = {}
    per_doc = [_field_terms(e, lexicon.get(e["slug"], []), language, stems) for e in entries]
    fields = {}
    for name in FIELDS:
        k1, b = BM25[name]
        fields[name] = _postings([terms[name] for terms in per_doc], k1, b)
    _damp_generic(fields["keys"], [set(terms["body"]) for terms in per_doc])
    return {
        "language": language,
        "slugs": [e["slug"] for e in entries],
        "weights": dict(WEIGHTS),
        "fields": fields,
        "stems": {s: ("" if s == stem else stem) for s, stem in sorted(stems.items())},
        "stop": sorted(stop_words(language)),
        "suffixes": SUFFIXES[language],
        "linking": LINKING[language],
        "fallback": [slug for slug in FALLBACK if any(e["slug"] == slug for e in entries)],
    }
