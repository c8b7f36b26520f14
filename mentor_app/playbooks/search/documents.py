"""Where the searched text comes from: `search_documents` is the only place.

Every language comes from the database: the published English guides, and for Swedish and
German the published translations (mentor_app/playbooks/translations.py). A guide with no
published translation in the language is left out of that language's documents; the English
data, which every reader's search also ranks, still finds it.
"""

from __future__ import annotations

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
