"""Guides in the reader's language: which text a reader gets, and how translations stand.

A translation is a revision of a guide in another language (`GuideRevision.language`) that
follows one English revision (`source_revision_id`). `GuideTranslation` points at the published
translation per (guide, language) and holds its review state. A translation is "out of date"
when the English text published now is not the one it follows.

Services take the session (and `now` where they write), flush, and never commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.playbooks import policy
from mentor_app.playbooks.models import Guide, GuideRevision, GuideTranslation


class ReviewConflict(Exception):
    """The translation shown to the coordinator is no longer the published one."""


@dataclass(frozen=True)
class ReaderText:
    """The published text a reader gets for a guide.

    `language` is the language of the text (for `<html lang>`), `wanted` the reader's;
    `is_fallback` says the English text stands in for a missing translation. `review_state` is
    None for English text.
    """

    revision: GuideRevision
    language: str
    wanted: str
    is_fallback: bool
    review_state: str | None

    @property
    def display_title(self) -> str:
        return self.revision.short_title or self.revision.title


@dataclass(frozen=True)
class GuideText:
    """One published guide as a reader of `language` gets it (for search and the index)."""

    slug: str
    kind: str
    topic: str
    language: str  # the language of the text below ("en" when is_fallback)
    title: str
    short_title: str | None
    subtitle: str | None
    summary: str
    tags: list[str]
    synonyms: list[str]
    body_md: str
    search_text: str
    first_minute_text: str
    revision: int  # the revision's number
    is_fallback: bool

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


def reader_list(session: Session, language: str) -> list[GuideText]:
    """The published guides for the list page in `language`: by kind, then by title."""
    texts = published_guide_texts(session, language)
    return sorted(texts, key=lambda t: (policy.KINDS.index(t.kind), t.display_title.lower()))


def translations_of(session: Session, guide: Guide) -> dict[str, GuideTranslation]:
    rows = session.scalars(select(GuideTranslation).where(GuideTranslation.guide_id == guide.id))
    return {row.language: row for row in rows}


def reader_text(session: Session, guide: Guide, language: str) -> ReaderText:
    """The published text of `guide` for a reader of `language`; English when there is none."""
    english = session.get(GuideRevision, guide.current_revision_id)
    assert english is not None, "only published guides are read"
    if language == policy.SOURCE_LANGUAGE:
        return ReaderText(english, language, language, False, None)
    translation = translations_of(session, guide).get(language)
    if translation is None or translation.current_revision is None:
        return ReaderText(english, policy.SOURCE_LANGUAGE, language, True, None)
    return ReaderText(
        translation.current_revision, language, language, False, translation.review_state
    )


def _text(guide: Guide, revision: GuideRevision, is_fallback: bool) -> GuideText:
    return GuideText(
        slug=guide.slug,
        kind=guide.kind,
        topic=guide.topic,
        language=revision.language,
        title=revision.title,
        short_title=revision.short_title,
        subtitle=revision.subtitle,
        summary=revision.summary,
        tags=list(revision.tags),
        synonyms=list(revision.synonyms),
        body_md=revision.body_md,
        search_text=revision.search_text,
        first_minute_text=revision.first_minute_text,
        revision=revision.number,
        is_fallback=is_fallback,
    )


def published_guide_texts(session: Session, language: str) -> list[GuideText]:
    """Every published guide as a reader of `language` gets it, ordered by slug.

    A guide with no published translation in `language` comes in English, `is_fallback=True`.
    Raises ValueError for a language the guides are not written in.
    """
    if language not in policy.LANGUAGES:
        raise ValueError(f"unknown guide language {language!r}")
    guides = session.scalars(
        select(Guide).where(Guide.current_revision_id.is_not(None)).order_by(Guide.slug)
    ).all()
    wanted_ids = {g.current_revision_id for g in guides}
    translated: dict[int, int] = {}
    if language != policy.SOURCE_LANGUAGE:
        rows = session.execute(
            select(GuideTranslation.guide_id, GuideTranslation.current_revision_id).where(
                GuideTranslation.language == language,
                GuideTranslation.current_revision_id.is_not(None),
            )
        )
        translated = {guide_id: revision_id for guide_id, revision_id in rows}
        wanted_ids |= set(translated.values())
    revisions = {
        r.id: r
        for r in session.scalars(select(GuideRevision).where(GuideRevision.id.in_(wanted_ids)))
    }
    texts = []
    for guide in guides:
        revision_id = translated.get(guide.id)
        if revision_id is not None:
            texts.append(_text(guide, revisions[revision_id], False))
        else:
            fallback = language != policy.SOURCE_LANGUAGE
            texts.append(_text(guide, revisions[guide.current_revision_id], fallback))
    return texts


@dataclass(frozen=True)
class TranslationStatus:
    """How one language of a guide stands, for the editor."""

    language: str
    translation: GuideTranslation | None
    revision: GuideRevision | None  # the published translation
    follows: GuideRevision | None  # the English revision it follows
    english: GuideRevision | None  # the English revision published now

    @property
    def out_of_date(self) -> bool:
        """The English text moved on since this translation was written."""
        return self.revision is not None and (
            self.follows is None or self.english is None or self.follows.id != self.english.id
        )


def translation_statuses(session: Session, guide: Guide) -> list[TranslationStatus]:
    english = session.get(GuideRevision, guide.current_revision_id)
    found = translations_of(session, guide)
    statuses = []
    for language in policy.TRANSLATION_LANGUAGES:
        translation = found.get(language)
        revision = translation.current_revision if translation else None
        follows = (
            session.get(GuideRevision, revision.source_revision_id)
            if revision is not None and revision.source_revision_id
            else None
        )
        statuses.append(TranslationStatus(language, translation, revision, follows, english))
    return statuses


def published_version(session: Session) -> str:
    """A short hash that changes whenever any language's published guides change.

    Published revisions never change, so the revision each reader gets (and the guide details
    the index copies) say it all: two small queries instead of building every index.
    """
    guides = session.execute(
        select(Guide.slug, Guide.kind, Guide.topic, Guide.current_revision_id)
        .where(Guide.current_revision_id.is_not(None))
        .order_by(Guide.slug)
    ).all()
    pointers = session.execute(
        select(
            GuideTranslation.guide_id,
            GuideTranslation.language,
            GuideTranslation.current_revision_id,
        ).order_by(GuideTranslation.guide_id, GuideTranslation.language)
    ).all()
    text = repr([tuple(row) for row in guides]) + repr([tuple(row) for row in pointers])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def follows(session: Session, revision: GuideRevision) -> GuideRevision | None:
    """The English revision a translation revision follows (None for English text)."""
    if revision.source_revision_id is None:
        return None
    return session.get(GuideRevision, revision.source_revision_id)


def out_of_date_count(session: Session) -> int:
    """Published translations that follow an older English revision than the one published."""
    rows = session.execute(
        select(GuideRevision.source_revision_id, Guide.current_revision_id)
        .join(GuideTranslation, GuideTranslation.current_revision_id == GuideRevision.id)
        .join(Guide, Guide.id == GuideTranslation.guide_id)
    )
    return sum(1 for follows, current in rows if follows != current)


def mark_reviewed(
    session: Session,
    now: datetime,
    actor: Any,
    guide: Guide,
    language: str,
    revision_id: int,
    ip: str | None = None,
) -> None:
    """A coordinator confirms a native-speaking professional reviewed the published text
    `revision_id`. Raises ReviewConflict when another text was published in between."""
    moved = session.execute(
        update(GuideTranslation)
        .where(
            GuideTranslation.guide_id == guide.id,
            GuideTranslation.language == language,
            GuideTranslation.current_revision_id == revision_id,
        )
        .values(
            review_state=policy.REVIEWED,
            reviewed_by_id=actor.id,
            reviewed_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise ReviewConflict(language)
    audit.record(
        session,
        now,
        "guide.translation_reviewed",
        actor_id=actor.id,
        object_type="guide",
        object_id=guide.id,
        ip=ip,
        details={"language": language, "revision_id": revision_id},
    )
    session.flush()
    session.expire_all()  # the UPDATE bypassed the loaded rows: read them again when used
