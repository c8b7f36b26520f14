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
from mentor_app.playbooks.search.documents import search_documents
from mentor_app.playbooks.search.lexicon import lexicon
from mentor_app.playbooks.search.rank import Hit
from mentor_app.playbooks.search.text import LANGUAGES

__all__ = ["Found", "Hit", "find", "found", "lexicon", "ranking_data", "search_documents"]

CLOSEST = 3
_CACHE: dict[tuple[str, str], dict[str, Any]] = {}


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # what to list, best first
    weak: bool  # nothing matched well: `hits` are the closest guides (at most CLOSEST)


def language_data(documents: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """The ranking data for one language, built once per version of its documents."""
    words = lexicon(language)
    canonical = json.dumps([documents, words], sort_keys=True, ensure_ascii=False, default=str)
    key = (language, hashlib.sha256(canonical.encode()).hexdigest())
    data = _CACHE.get(key)
    if data is None:
        data = index.build(documents, language, words)
        data["version"] = key[1][:16]  # changes with any searched text or lexicon word
        for old in [k for k in _CACHE if k[0] == language]:
            del _CACHE[old]  # one library per language at a time: the newest
        _CACHE[key] = data
    return data


def ranking_data(session: Session, language: str) -> list[dict[str, Any]]:
    """The data both rankers use for a reader of `language`: theirs first, then English."""
    language = language if language in LANGUAGES else "en"
    datas = [language_data(search_documents(session, language), language)]
    if language != "en":
        datas.append(language_data(search_documents(session, "en"), "en"))
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
