"""Shared helpers for the guide tests: the seeded library, small guides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.models import Guide, GuideRevision
from mentor_app.playbooks.sync import sync_library


def seed_library(session: Any, now: datetime) -> None:
    report = sync_library(session, now)
    assert report.ok, report.problems
    session.commit()


def guide_body(
    first_minute: str = "- Breathe.\n- Listen.", related: str = "", extra: str = ""
) -> str:
    sections = {
        "When this applies": "- A test situation.",
        "First minute": first_minute,
        "Steps": "1. Do the first thing.\n2. Do the next thing." + extra,
        "Say": '- "I am here."',
        "Avoid": '- "Calm down."',
        "Call a consultant when": "- Someone is in danger.",
        "Related": related or "- None yet.",
        "Why": "- A test reason.",
        "Sources": "- A test source.",
    }
    return "\n\n".join(f"## {name}\n{text}" for name, text in sections.items()) + "\n"


def publish_guide(
    session: Any,
    now: datetime,
    slug: str = "test-guide",
    title: str = "A test guide",
    body: str | None = None,
    kind: str = "trigger",
    note: str = "First version.",
) -> Guide:
    """A small published guide, as a library sync would make it."""
    guide = session.query(Guide).filter_by(slug=slug).one_or_none()
    if guide is None:
        guide = Guide(
            slug=slug,
            kind=kind,
            topic="test",
            expertise=[],
            state=policy.GUIDE_DRAFT,
            title=title,
            summary="A guide for tests.",
            tags=["test"],
            synonyms=["trial run"],
            created_at=now,
            updated_at=now,
        )
        session.add(guide)
        session.flush()
    content = editing.Content(
        title=title,
        summary="A guide for tests.",
        body=body or guide_body(),
        tags=["test"],
        synonyms=["trial run"],
        note=note,
    )
    revision = editing.new_revision(session, now, guide, content, None, policy.ORIGIN_FILE)
    editing.publish_revision(session, now, revision, None)
    session.commit()
    return guide


def make_revision(
    session: Any,
    now: datetime,
    guide: Guide,
    author_id: int,
    state: str = policy.DRAFT,
    note: str = "Clearer first minute.",
    body: str | None = None,
) -> GuideRevision:
    content = editing.Content.of(guide)
    content.body = body or guide_body("- Breathe slowly.\n- Listen first.")
    content.note = note
    revision = editing.new_revision(session, now, guide, content, author_id, policy.ORIGIN_APP)
    revision.state = state
    if state == policy.IN_REVIEW:
        revision.submitted_at = now
    session.commit()
    return revision
