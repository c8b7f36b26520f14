"""Where the searched text comes from: `search_documents` is the only place.

English: the published Guide rows. Swedish and German: the translation files in
mentor_app/content/<language>/ read through the loader, for the guides published in English,
until translations live in the database (then only this function changes).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentor_app.playbooks import loader
from mentor_app.playbooks.render import render_guide


def search_documents(session: Session, language: str) -> list[dict[str, Any]]:
    """One dict per published guide in `language`: slug, title, short_title, subtitle, summary,
    tags, synonyms, first_minute, body (plain text). Guides without a translation are left
    out (the English data still finds them)."""
    from mentor_app.playbooks import services  # services imports this package

    english = services.index_entries(session)
    if language == "en":
        return english
    published = {entry["slug"] for entry in english}
    found = []
    for path in loader.guide_files(loader.CONTENT_DIR / language):
        source, _ = loader.parse_guide(path)  # front-matter keys of translations differ
        if source is None or source.slug not in published:
            continue
        rendered = render_guide(source.body)
        found.append(
            {
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
        )
    return found
