"""Where the searched text comes from: `search_documents` is the only place.

Every language comes from the database: the published English guides, and for Swedish and
German the published translations (mentor_app/playbooks/translations.py). A guide with no
published translation in the language is left out of that language's documents; the English
data, which every reader's search also ranks, still finds it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session


def search_documents(session: Session, language: str) -> list[dict[str, Any]]:
    """One dict per published guide in `language`: slug, title, short_title, subtitle, summary,
    tags, synonyms, first_minute, body (plain text), as in the offline index.

    Raises ValueError for a language the guides are not written in."""
    # services and translations import this package (through the index): import at call time.
    from mentor_app.playbooks import services, translations

    texts = translations.published_guide_texts(session, language)
    return [services.index_entry(text) for text in texts if not text.is_fallback]


def published_version(session: Session) -> str:
    """A short fingerprint (16 hex digits) of what `search_documents` reads, from one query:
    which revision of each guide and each translation is published, with that revision's
    number, publication time, title, tags, synonyms and the lengths of its longer texts.

    A change reaches readers only by publishing a revision, and a published revision is never
    edited in place, so the fingerprint moves with every published change in any language;
    the title and lengths guard against ids reused after rows are deleted (SQLite, tests)."""
    from sqlalchemy import String, cast, func, literal, select, union_all

    from mentor_app.playbooks.models import Guide, GuideRevision, GuideTranslation

    def published(revision_id, *owner):  # type: ignore[no-untyped-def]
        return (
            select(
                *owner,
                GuideRevision.id,
                GuideRevision.number,
                GuideRevision.published_at,
                GuideRevision.title,
                cast(GuideRevision.tags, String),
                cast(GuideRevision.synonyms, String),
                func.length(GuideRevision.summary),
                func.length(GuideRevision.first_minute_text),
                func.length(GuideRevision.search_text),
            )
            .select_from(GuideRevision)
            .where(GuideRevision.id == revision_id)
        )

    guides = published(Guide.current_revision_id, Guide.slug, Guide.kind, Guide.topic)
    translated = published(
        GuideTranslation.current_revision_id,
        cast(GuideTranslation.guide_id, String),
        GuideTranslation.language,
        literal(""),
    )
    rows = session.execute(union_all(guides, translated)).all()
    canonical = repr(sorted(tuple(str(v) for v in row) for row in rows))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
