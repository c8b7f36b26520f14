"""A guide's history: who wrote and published which version, and readable line diffs."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.models import Guide, GuideRevision
from mentor_app.playbooks.render import parse_sections


def visible_revisions(
    session: Session, guide: Guide, viewer: Any, language: str = policy.SOURCE_LANGUAGE
) -> list[GuideRevision]:
    revisions = session.scalars(
        select(GuideRevision)
        .where(GuideRevision.guide_id == guide.id, GuideRevision.language == language)
        .order_by(GuideRevision.number.desc())
    )
    return [
        r
        for r in revisions
        if policy.may_see_revision(viewer.role, r.author_id == viewer.id, r.state)
    ]


def previous_published(session: Session, revision: GuideRevision) -> GuideRevision | None:
    """What a reader had before `revision`: the published one before it, or, for a
    proposal, what is published now."""
    if revision.state != policy.PUBLISHED:
        current = editing.current_revision_id(session, revision.guide, revision.language)
        return session.get(GuideRevision, current) if current else None
    return session.scalar(
        select(GuideRevision)
        .where(
            GuideRevision.guide_id == revision.guide_id,
            GuideRevision.language == revision.language,
            GuideRevision.state == policy.PUBLISHED,
            GuideRevision.published_at.is_not(None),
            GuideRevision.published_at < revision.published_at,
        )
        .order_by(GuideRevision.published_at.desc(), GuideRevision.id.desc())
        .limit(1)
    )


def source_lines(revision: GuideRevision | None) -> list[str]:
    """A revision as lines of text, details first, for a line diff."""
    if revision is None:
        return []
    return [
        f"Title: {revision.title}",
        f"Short title: {revision.short_title or ''}",
        f"Subtitle: {revision.subtitle or ''}",
        f"Summary: {revision.summary}",
        f"Tags: {', '.join(revision.tags)}",
        f"Synonyms: {', '.join(revision.synonyms)}",
        "",
        *revision.body_md.rstrip("\n").split("\n"),
    ]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "same" or "gap"
    text: str


def diff(old: GuideRevision | None, new: GuideRevision, context: int = 2) -> list[DiffLine]:
    """A readable line diff; the template escapes every line."""
    lines: list[DiffLine] = []
    raw = difflib.unified_diff(source_lines(old), source_lines(new), n=context, lineterm="")
    for line in raw:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", "…"))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("del", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines


def changed_sections(old_body: str, new_body: str) -> list[str]:
    old = parse_sections(old_body).sections
    new = parse_sections(new_body).sections
    return [name for name in policy.SECTIONS if old.get(name, "") != new.get(name, "")]


def pending_reviews(session: Session) -> list[GuideRevision]:
    return list(
        session.scalars(
            select(GuideRevision)
            .where(GuideRevision.state == policy.IN_REVIEW)
            .order_by(GuideRevision.submitted_at)
        )
    )


def own_revisions(session: Session, user: Any, limit: int = 50) -> list[GuideRevision]:
    return list(
        session.scalars(
            select(GuideRevision)
            .where(GuideRevision.author_id == user.id)
            .order_by(GuideRevision.updated_at.desc())
            .limit(limit)
        )
    )
