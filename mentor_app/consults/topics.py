"""Consult topics: "general", or the slug of the guide the mentor came from.

Read from the guide files' front matter (mentor_app/content/*.md), which every deployment
ships, so routing knows a topic's label and the expertise tags that fit it without depending
on the guides' database tables. Domains that add guides elsewhere can add a provider to
`TOPIC_PROVIDERS` (`() -> dict[slug, Topic]`).
"""

from __future__ import annotations

import re
import tomllib
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


def _front_matter(text: str) -> dict:
    if not text.startswith("+++"):
        return {}
    end = text.find("\n+++", 3)
    if end < 0:
        return {}
    try:
        return tomllib.loads(text[3:end])
    except tomllib.TOMLDecodeError:
        return {}


@lru_cache(maxsize=1)
def _from_files() -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for path in sorted(CONTENT_DIR.glob("*.md")):
        meta = _front_matter(path.read_text(encoding="utf-8"))
        slug = meta.get("slug")
        if not isinstance(slug, str) or slug != path.stem or not SLUG_RE.match(slug):
            continue
        topics[slug] = Topic(
            slug=slug,
            label=str(meta.get("topic") or slug.replace("-", " "))[:40],
            title=str(meta.get("title") or slug)[:200],
            expertise=tuple(str(t) for t in meta.get("expertise") or () if isinstance(t, str)),
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
