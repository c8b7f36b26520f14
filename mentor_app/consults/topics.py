"""Consult topics: "general", or the slug of the guide the mentor came from.

Every published guide is a topic, wherever it was written: with a database session, a slug is
looked up among the guides (one query per slug and session, remembered in `session.info`), so a
guide a coordinator created and published in the app is a topic the moment it is published. A
guide that exists but is not published (a draft, or one withdrawn from readers) is no topic.
Slugs the database does not know fall back to the guide files' front matter
(mentor_app/content/*.md, through the guides' loader), which every deployment ships: the same
answer before the first `playbooks-sync`, and in code with no session at hand. Domains that add
topics elsewhere can add a provider to `TOPIC_PROVIDERS` (`() -> dict[slug, Topic]`).

`resolve` never fails: an unknown or withdrawn topic becomes "general", so a one-tap request is
never lost over its topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
GENERAL = "general"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Topic:
    slug: str
    label: str  # one or two words, e.g. "bereavement": shown in requests and notifications
    title: str
    expertise: tuple[str, ...]

    @property
    def has_guide(self) -> bool:
        return self.slug != GENERAL


GENERAL_TOPIC = Topic(GENERAL, "general", "General", ())
# Topics where a life may be at stake (harm to others, suicide risk, overdose, the mentor's own
# safety): a request about one starts "urgent" unless the mentor says otherwise. The slugs are
# the guides' own (mentor_app/content/*.md).
URGENT_TOPICS = frozenset(
    {
        "intent-to-harm-disclosure",
        "depression-hopelessness",
        "alcohol-drugs-overdose",
        "mentor-own-safety",
    }
)


def default_urgency(slug: str) -> str:
    """The urgency a new request about `slug` starts with: "urgent" or "soon"."""
    return "urgent" if slug in URGENT_TOPICS else "soon"


TOPIC_PROVIDERS: list[Callable[[], dict[str, Topic]]] = []


@lru_cache(maxsize=1)
def _from_files() -> dict[str, Topic]:
    # The guides' own loader reads the files: one parser for the front matter.
    from mentor_app.playbooks.loader import guide_files, parse_guide

    topics: dict[str, Topic] = {}
    for path in guide_files(CONTENT_DIR):
        source, _problems = parse_guide(path)
        if source is None or not SLUG_RE.match(source.slug):
            continue
        topics[source.slug] = Topic(
            slug=source.slug,
            label=(source.topic or source.slug.replace("-", " "))[:40],
            title=source.title[:200],
            expertise=tuple(source.expertise),
        )
    return topics


def all_topics() -> dict[str, Topic]:
    topics = {GENERAL: GENERAL_TOPIC, **_from_files()}
    for provider in TOPIC_PROVIDERS:
        for slug, topic in provider().items():
            topics.setdefault(slug, topic)
    return topics


_MISSING = object()


def _published(session: Session, slug: str) -> Topic | object | None:
    """The published guide `slug` as a topic; None if the guide exists unpublished; _MISSING
    if the database has no such guide."""
    cache = session.info.setdefault("consult_topics", {})
    if slug not in cache:
        from mentor_app.playbooks.models import Guide

        row = session.execute(
            select(
                Guide.topic,
                Guide.title,
                Guide.short_title,
                Guide.expertise,
                Guide.current_revision_id,
            ).where(Guide.slug == slug)
        ).first()
        if row is None:
            cache[slug] = _MISSING
        elif row.current_revision_id is None:
            cache[slug] = None
        else:
            expertise = row.expertise if isinstance(row.expertise, list) else []
            cache[slug] = Topic(
                slug=slug,
                label=(row.topic or slug.replace("-", " "))[:40],
                title=(row.short_title or row.title or slug)[:200],
                expertise=tuple(str(tag) for tag in expertise),
            )
    return cache[slug]


def get(slug: str | None, session: Session | None = None) -> Topic | None:
    """The topic `slug` names, or None. With `session`, published guides decide (see above)."""
    if not isinstance(slug, str) or len(slug) > 80 or not SLUG_RE.match(slug):
        return None
    if slug == GENERAL:
        return GENERAL_TOPIC
    if session is not None:
        found = _published(session, slug)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
    return all_topics().get(slug)


def resolve(slug: str | None, session: Session | None = None) -> Topic:
    """The topic for a one-tap start: an unknown or withdrawn slug never loses the tap, it
    becomes general."""
    return get(slug, session) or GENERAL_TOPIC
