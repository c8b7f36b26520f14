"""Writing guides: drafts, proposals, review and publishing, history and diffs.

A revision moves draft → in_review → published (or back to draft, or declined) as
policy.TRANSITIONS says. Publishing copies the revision onto the guide, which is what readers,
search and the offline index use. Every move is in the audit log; every version stays in
guide_revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.audit import services as audit
from mentor_app.playbooks import policy
from mentor_app.playbooks.models import Guide, GuideRevision, GuideTranslation
from mentor_app.playbooks.render import parse_sections, related_problems, render_guide

NEW_GUIDE_REVIEW_DAYS = 365
NEW_GUIDE_BODY = "\n\n".join(f"## {name}\n" for name in policy.SECTIONS)


class EditError(Exception):
    """A change that cannot be made as asked; the message (or problems) is for the editor."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Conflict(EditError):
    """Someone else moved the revision first."""


@dataclass
class Content:
    """What an editor writes: the text of a guide and a note for readers on what changed."""

    title: str
    summary: str
    body: str
    short_title: str | None = None
    subtitle: str | None = None
    tags: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    note: str = ""

    @classmethod
    def of(cls, source: Any) -> Content:
        """The content of a guide, a revision or a file (anything with these attributes)."""
        return cls(
            title=source.title,
            summary=source.summary,
            body=getattr(source, "body_md", None) or getattr(source, "body", ""),
            short_title=source.short_title,
            subtitle=source.subtitle,
            tags=list(source.tags),
            synonyms=list(source.synonyms),
        )

    def same_text(self, other: Content) -> bool:
        fields = ("title", "summary", "short_title", "subtitle", "tags", "synonyms")
        return all(getattr(self, f) == getattr(other, f) for f in fields) and (
            self.body.strip() == other.body.strip()
        )


def known_slugs(session: Session) -> set[str]:
    return set(session.scalars(select(Guide.slug)))


def content_problems(session: Session, content: Content, slug: str) -> list[str]:
    problems: list[str] = []
    for name, limit, required in (
        ("title", policy.TITLE_MAX, True),
        ("short_title", policy.SHORT_TITLE_MAX, False),
        ("subtitle", policy.SUBTITLE_MAX, False),
        ("summary", policy.SUMMARY_MAX, True),
        ("note", policy.NOTE_MAX, False),
    ):
        value = getattr(content, name) or ""
        if required and not value.strip():
            problems.append(f"The {name.replace('_', ' ')} is required.")
        if len(value) > limit:
            problems.append(f"The {name.replace('_', ' ')} is longer than {limit} characters.")
    problems += policy.list_problems(content.tags, policy.MAX_TAGS, "tags")
    problems += policy.list_problems(content.synonyms, policy.MAX_SYNONYMS, "synonyms")
    if len(content.body) > policy.BODY_MAX:
        problems.append(f"The text is longer than {policy.BODY_MAX} characters.")
        return problems
    parsed = parse_sections(content.body)
    problems += parsed.problems
    problems += related_problems(parsed.sections, known_slugs(session), slug)
    return problems


def _fill(revision: GuideRevision, content: Content) -> None:
    rendered = render_guide(content.body)
    revision.title = content.title.strip()
    revision.short_title = (content.short_title or "").strip() or None
    revision.subtitle = (content.subtitle or "").strip() or None
    revision.summary = content.summary.strip()
    revision.tags = list(content.tags)
    revision.synonyms = list(content.synonyms)
    revision.body_md = content.body.replace("\r\n", "\n").strip() + "\n"
    revision.body_html = rendered.body_html
    revision.first_minute_html = rendered.first_minute_html
    revision.first_minute_text = rendered.first_minute_text
    revision.search_text = rendered.search_text
    revision.note = content.note.strip()


def _lock_guide(session: Session, guide: Guide) -> Guide:
    """Serialise writers of one guide (revision numbers, publishing) on PostgreSQL; SQLite
    already holds its single write lock from the start of the transaction."""
    session.execute(select(Guide.id).where(Guide.id == guide.id).with_for_update())
    return guide


def _next_number(session: Session, guide: Guide) -> int:
    _lock_guide(session, guide)
    top = session.scalar(
        select(func.max(GuideRevision.number)).where(GuideRevision.guide_id == guide.id)
    )
    return (top or 0) + 1


def current_revision_id(session: Session, guide: Guide, language: str) -> int | None:
    """The published revision readers of `language` get now (None: not published in it)."""
    if language == policy.SOURCE_LANGUAGE:
        return guide.current_revision_id
    return session.scalar(
        select(GuideTranslation.current_revision_id).where(
            GuideTranslation.guide_id == guide.id, GuideTranslation.language == language
        )
    )


def new_revision(
    session: Session,
    now: datetime,
    guide: Guide,
    content: Content,
    author_id: int | None,
    origin: str,
    language: str = policy.SOURCE_LANGUAGE,
) -> GuideRevision:
    """A draft of `guide` in `language`; a translation follows the English text published now."""
    translated = language != policy.SOURCE_LANGUAGE
    revision = GuideRevision(
        guide_id=guide.id,
        language=language,
        number=_next_number(session, guide),
        state=policy.DRAFT,
        origin=origin,
        base_revision_id=current_revision_id(session, guide, language),
        source_revision_id=guide.current_revision_id if translated else None,
        author_id=author_id,
        created_at=now,
        updated_at=now,
    )
    _fill(revision, content)
    session.add(revision)
    session.flush()
    return revision


def create_guide(
    session: Session,
    now: datetime,
    author: Any,
    *,
    slug: str,
    kind: str,
    topic: str,
    content: Content,
    ip: str | None = None,
) -> GuideRevision:
    """A new guide, unpublished, with its first draft."""
    if session.scalar(select(Guide.id).where(Guide.slug == slug)) is not None:
        raise EditError(_("A guide with this address already exists."))
    problems = content_problems(session, content, slug)
    if problems:
        raise EditError(_("The guide has problems."), problems)
    guide = Guide(
        slug=slug,
        kind=kind,
        topic=topic,
        expertise=[],
        state=policy.GUIDE_DRAFT,
        review_on=timeutil.local_today(now, timeutil.panel_zone())
        + timedelta(days=NEW_GUIDE_REVIEW_DAYS),
        title=content.title.strip(),
        short_title=(content.short_title or None),
        subtitle=(content.subtitle or None),
        summary=content.summary.strip(),
        tags=list(content.tags),
        synonyms=list(content.synonyms),
        created_at=now,
        updated_at=now,
    )
    session.add(guide)
    session.flush()
    revision = new_revision(session, now, guide, content, author.id, policy.ORIGIN_APP)
    audit.record(
        session,
        now,
        "guide.created",
        actor_id=author.id,
        object_type="guide",
        object_id=guide.id,
        ip=ip,
        details={"kind": kind, "revision": revision.number},
    )
    return revision


def own_draft(
    session: Session, user: Any, guide: Guide, language: str = policy.SOURCE_LANGUAGE
) -> GuideRevision | None:
    return session.scalar(
        select(GuideRevision)
        .where(
            GuideRevision.guide_id == guide.id,
            GuideRevision.language == language,
            GuideRevision.author_id == user.id,
            GuideRevision.state == policy.DRAFT,
        )
        .order_by(GuideRevision.id.desc())
        .limit(1)
    )


def save_draft(
    session: Session,
    now: datetime,
    author: Any,
    guide: Guide,
    content: Content,
    language: str = policy.SOURCE_LANGUAGE,
) -> GuideRevision:
    """Keep the author's work: their open draft of this guide (in `language`) is updated, or
    one is started. A translation draft follows the English text published when it is saved."""
    problems = content_problems(session, content, guide.slug)
    if problems:
        raise EditError(_("The guide has problems."), problems)
    draft = own_draft(session, author, guide, language)
    if draft is None:
        return new_revision(session, now, guide, content, author.id, policy.ORIGIN_APP, language)
    if language != policy.SOURCE_LANGUAGE:
        draft.source_revision_id = guide.current_revision_id
    _fill(draft, content)
    draft.updated_at = now
    session.flush()
    return draft


def publish_revision(
    session: Session, now: datetime, revision: GuideRevision, publisher_id: int | None
) -> None:
    """Make `revision` what everyone reads in its language (the caller has checked it may be
    published)."""
    guide = _lock_guide(session, revision.guide)
    revision.state = policy.PUBLISHED
    revision.published_at = now
    revision.published_by_id = publisher_id
    if revision.language != policy.SOURCE_LANGUAGE:
        _point_translation(session, now, guide, revision)
        return
    for name in (
        "title",
        "short_title",
        "subtitle",
        "summary",
        "tags",
        "synonyms",
        "body_html",
        "first_minute_html",
        "first_minute_text",
        "search_text",
    ):
        setattr(guide, name, getattr(revision, name))
    guide.body_md = revision.body_md
    guide.current_revision_id = revision.id
    guide.state = policy.GUIDE_PUBLISHED
    guide.updated_at = now
    if revision.origin == policy.ORIGIN_APP:
        guide.edited_in_app_at = now
    session.flush()


def _point_translation(
    session: Session, now: datetime, guide: Guide, revision: GuideRevision
) -> None:
    """The (guide, language) row now points at `revision`; new text starts unreviewed."""
    translation = session.scalar(
        select(GuideTranslation).where(
            GuideTranslation.guide_id == guide.id, GuideTranslation.language == revision.language
        )
    )
    if translation is None:
        translation = GuideTranslation(guide_id=guide.id, language=revision.language)
        session.add(translation)
    translation.current_revision_id = revision.id
    translation.review_state = policy.UNREVIEWED
    translation.reviewed_by_id = None
    translation.reviewed_at = None
    translation.updated_at = now
    if revision.origin == policy.ORIGIN_APP:
        translation.edited_in_app_at = now
    session.flush()


def act(
    session: Session,
    now: datetime,
    actor: Any,
    revision: GuideRevision,
    action: str,
    ip: str | None = None,
) -> GuideRevision:
    """Move a revision along the workflow: submit, discard, return, publish or decline."""
    transition = policy.transition_for(action, revision.state)
    is_author = revision.author_id == actor.id
    if transition is None or not policy.may(action, revision.state, actor.role, is_author):
        raise EditError(_("This step is not possible for this version now."))
    if action == "submit" and not revision.note.strip():
        raise EditError(_("Write a short note on what changed before handing it in."))
    if action == "publish":
        problems = content_problems(session, Content.of(revision), revision.guide.slug)
        if problems:
            raise EditError(_("The guide has problems."), problems)
    moved = session.execute(
        update(GuideRevision)
        .where(GuideRevision.id == revision.id, GuideRevision.state == transition.source)
        .values(state=transition.target, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(_("Someone else changed this version first. Reload to see where it is."))
    session.refresh(revision)
    guide = revision.guide
    if action == "submit":
        revision.submitted_at = now
    elif action in {"return", "decline", "publish"}:
        revision.decided_by_id = actor.id
        revision.decided_at = now
    if action == "publish":
        publish_revision(session, now, revision, actor.id)
    elif not guide.is_published:
        guide.state = policy.GUIDE_IN_REVIEW if action == "submit" else policy.GUIDE_DRAFT
    audit.record(
        session,
        now,
        f"guide.{action}",
        actor_id=actor.id,
        object_type="guide",
        object_id=guide.id,
        ip=ip,
        details={
            "revision": revision.number,
            "from": transition.source,
            "to": transition.target,
            "language": revision.language,
            "via": "app",
        },
    )
    session.flush()
    return revision


def set_review_date(
    session: Session, now: datetime, actor: Any, guide: Guide, review_on: date, ip: str | None
) -> None:
    guide.review_on = review_on
    audit.record(
        session,
        now,
        "guide.review_date_set",
        actor_id=actor.id,
        object_type="guide",
        object_id=guide.id,
        ip=ip,
        details={"review_on": review_on.isoformat()},
    )
    session.flush()
