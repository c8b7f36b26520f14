"""Consult topics: "general", or the slug of the guide the mentor came from.

Read from the guide files' front matter (mentor_app/content/*.md, through the guides' loader),
which every deployment ships, so routing knows a topic's label and the expertise tags that fit
it without a query on the guides' tables. Domains that add guides elsewhere can add a provider to
`TOPIC_PROVIDERS` (`() -> dict[slug, Topic]`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


def get(slug: str | None) -> Topic | None:
    if not slug:
        return None
    return all_topics().get(slug)


def resolve(slug: str | None) -> Topic:
    """The topic for a one-tap start: an unknown slug never loses the tap, it becomes general."""
    return get(slug) or GENERAL_TOPIC
