"""Where the searched text comes from: `search_documents` is the only place.

English: the published Guide rows. Swedish and German: the translation files in
mentor_app/content/<language>/ read through the loader, for the guides published in English,
until translations live in the database (then only this function changes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mentor_app.playbooks import loader
from mentor_app.playbooks.render import render_guide

# language → (the files' names, sizes and times, their documents): parsed again only when a
# file changes, not on every search.
_FILES: dict[str, tuple[tuple, list[dict[str, Any]]]] = {}


def search_documents(session: Session, language: str) -> list[dict[str, Any]]:
    """One dict per published guide in `language`: slug, title, short_title, subtitle, summary,
    tags, synonyms, first_minute, body (plain text). Guides without a translation are left
    out (the English data still finds them)."""
    from mentor_app.playbooks import services  # services imports this package

    english = services.index_entries(session)
    if language == "en":
        return english
    published = {entry["slug"] for entry in english}
    return [doc for doc in _translation_documents(language) if doc["slug"] in published]


def _translation_documents(language: str) -> list[dict[str, Any]]:
    paths = loader.guide_files(loader.CONTENT_DIR / language)
    signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    kept = _FILES.get(language)
    if kept is not None and kept[0] == signature:
        return kept[1]
    documents = [doc for doc in map(_document, paths) if doc is not None]
    _FILES[language] = (signature, documents)
    return documents


def _document(path: Path) -> dict[str, Any] | None:
    source, _ = loader.parse_guide(path)  # the front-matter keys of translations differ
    if source is None:
        return None
    rendered = render_guide(source.body)
    return {
        "slug": source.slug,
        "title": source.title,
        "short_title": source.short_title,
        "subtitle": source.subtitle,
        "summary": source.summary,
        "tags": source.tags,
        "synonyms": source.synonyms,
        "first_minute": rendered.first_minute_text,
        "body": rendered.search_text,
    }
