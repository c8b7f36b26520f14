"""Guide search: BM25 (`bm25s`) over three fields, Snowball stems (PyStemmer) per language,
phrases, compounds and typos (`rapidfuzz`); the same ranking runs offline in
static/js/guides-rank.js from the data this package puts into /guides/index.json.

    ranking_data(session, "sv")  → [Swedish data, English data]  (JSON-able)
    find(session, "sv", "min klient har självmordstankar") → Found(hits, weak)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mentor_app.playbooks.search import index, rank
from mentor_app.playbooks.search.documents import published_version, search_documents
from mentor_app.playbooks.search.lexicon import lexicon
from mentor_app.playbooks.search.rank import Hit
from mentor_app.playbooks.search.text import LANGUAGES

__all__ = [
    "Found",
    "Hit",
    "find",
    "found",
    "lexicon",
    "published_version",
    "ranking_data",
    "search_documents",
]

CLOSEST = 3
# Per process and language: (published version, ranking data). Rebuilt only when a change is
# published (mentor_app/playbooks/search/documents.py: published_version).
_BUILT: dict[str, tuple[str, dict[str, Any]]] = {}


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # what to list, best first
    weak: bool  # nothing matched well: `hits` are the closest guides (at most CLOSEST)


def language_data(documents: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """The ranking data for one language, built from `documents` (no cache: see cached_data).
    Its "version" (16 hex digits) changes with any searched text or lexicon word."""
    words = lexicon(language)
    canonical = json.dumps([documents, words], sort_keys=True, ensure_ascii=False, default=str)
    data = index.build(documents, language, words)
    data["version"] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return data


def cached_data(session: Session, language: str, published: str) -> dict[str, Any]:
    """The ranking data for `language` at published version `published`, built once per
    process for each version (the lexicons are files, fixed for the process's life)."""
    held = _BUILT.get(language)
    if held is not None and held[0] == published:
        return held[1]
    data = language_data(search_documents(session, language), language)
    _BUILT[language] = (published, data)  # one library per language: the newest
    return data


def ranking_data(
    session: Session, language: str, published: str | None = None
) -> list[dict[str, Any]]:
    """The data both rankers use for a reader of `language`: theirs first, then English.
    `published` is published_version(session) when the caller already has it."""
    language = language if language in LANGUAGES else "en"
    published = published or published_version(session)
    datas = [cached_data(session, language, published)]
    if language != "en":
        datas.append(cached_data(session, "en", published))
    return datas


def found(datas: list[dict[str, Any]], query: str) -> Found:
    """What the results page lists for `query`: never empty, never a long weak tail."""
    hits = rank.rank(datas, query)
    if not rank.is_weak(hits):
        return Found(rank.shown(hits), False)
    closest = hits[:CLOSEST]
    for slug in datas[0]["fallback"]:  # a query that matched (almost) nothing
        if len(closest) < CLOSEST and all(hit.slug != slug for hit in closest):
            closest.append(Hit(slug, 0.0, 0.0))
    return Found(closest, True)


def find(session: Session, language: str, query: str) -> Found:
    return found(ranking_data(session, language), query)
