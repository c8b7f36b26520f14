"""Rendering a message in its recipient's language, at the moment it is queued.

A push, e-mail or in-app notice is written for one person: the text is rendered under
`flask_babel.force_locale(<their language>)`, never in the language of the request (or worker
step) that caused it. Needs an application context (requests and worker steps have one).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.i18n.language import DEFAULT_LANGUAGE, supported

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
# A message part: an English msgid (marked with N_ where it is written), or a function that
# renders itself in the current locale (for lines built from parts, such as a topic label).
Text = str | Callable[[], str]


def N_(text: str) -> str:
    """Marks `text` for extraction without translating it where it is written: it is rendered
    later, in the recipient's language (`render`)."""
    return text


def language_of(session: Session, user_id: int) -> str:
    """The language user `user_id` reads: their setting, or English."""
    from mentor_app.accounts.models import User

    locale = session.scalar(select(User.locale).where(User.id == user_id))
    return supported(locale) or DEFAULT_LANGUAGE


@contextmanager
def in_language(language: str | None) -> Iterator[str]:
    """Everything rendered inside speaks `language` (English for an unknown one)."""
    code = supported(language) or DEFAULT_LANGUAGE
    with force_locale(code):
        yield code


def render(text: Text, **params: object) -> str:
    """`text` in the current (forced) locale: a msgid through gettext, or a renderer called."""
    if callable(text):
        return text()
    return _gettext(text, **params) if params else _gettext(text)


def language_word(code: str, fallback: Callable[[str], str] | None = None) -> str:
    """A language code as a word in the current locale ("sv" → "svenska" for a Swedish
    reader, "Schwedisch" for a German one). Codes Babel does not name (e.g. "prs") use
    `fallback` (English names), then the upper-cased code."""
    current = get_locale() or Locale.parse(DEFAULT_LANGUAGE)
    name = current.languages.get(code)
    if name and name != code:  # Babel lists some codes (e.g. "prs") under their own code
        return name
    return fallback(code) if fallback else code.upper()


@lru_cache(maxsize=4)
def _translated_topics(language: str) -> dict[str, str]:
    """slug → the translated guide's `topic` label, from mentor_app/content/<language>/."""
    return {
        slug: str(meta["topic"]).strip()[:40]
        for slug, meta in _translated_front_matter(language).items()
        if isinstance(meta.get("topic"), str) and meta["topic"].strip()
    }


@lru_cache(maxsize=4)
def _translated_titles(language: str) -> dict[str, str]:
    """slug → the translated guide's short title (or its title), from its front matter."""
    titles: dict[str, str] = {}
    for slug, meta in _translated_front_matter(language).items():
        title = meta.get("short_title") or meta.get("title")
        if isinstance(title, str) and title.strip():
            titles[slug] = title.strip()
    return titles


def _translated_front_matter(language: str) -> dict[str, dict]:
    """slug → the front matter of each guide file in mentor_app/content/<language>/."""
    found: dict[str, dict] = {}
    folder = CONTENT_DIR / language
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("+++"):
            continue
        front = text.split("+++", 2)[1]
        try:
            meta = tomllib.loads(front)
        except tomllib.TOMLDecodeError:
            continue
        if isinstance(meta.get("slug"), str):
            found[meta["slug"]] = meta
    return found


def topic_label(slug: str, english_label: str) -> str:
    """The topic's label in the current locale: the translated guide's own `topic` line, or
    the English one where no translation names it. "general" is a catalogue string."""
    language = str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]
    if slug == "general":
        return _gettext(N_("general"))
    if language == DEFAULT_LANGUAGE:
        return english_label
    return _translated_topics(language).get(slug, english_label)


def guide_title(slug: str, english_title: str) -> str:
    """A guide's title in the current locale: its translation's short title or title, the
    English one where the guide has no translation in that language."""
    language = str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]
    if language == DEFAULT_LANGUAGE:
        return english_title
    return _translated_titles(language).get(slug, english_title)


def shown_title(guide: object) -> str:
    """A guide (anything with `slug` and `display_title`) as its title for this reader (a Jinja
    filter: `{{ g|shown_title }}`)."""
    return guide_title(str(getattr(guide, "slug", "")), str(getattr(guide, "display_title", "")))


def topic_word(slug: str | None) -> str:
    """A consult topic's slug as its label in the current locale (a Jinja filter): never the
    slug itself on a page ("bereavement-illness-in-family" → "sorg", "Trauerfall")."""
    from mentor_app.consults import topics
    from mentor_app.db import db_session

    topic = topics.resolve(slug, db_session())
    return topic_label(topic.slug, topic.label)


# The roles as a person's title on a page (badge, user lists); the codes stay in the database.
ROLE_WORDS = {
    "mentor": N_("Mentor"),
    "consultant": N_("Consultant"),
    "coordinator": N_("Coordinator"),
}


def role_word(role: str | None) -> str:
    """A role code ("coordinator") as its title in the current locale ("Koordinator:in"); an
    unknown code as itself (a Jinja filter)."""
    role = str(role or "")
    return _gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role
