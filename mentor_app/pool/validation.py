"""Checks shared by the pool's services: codes, lists and limits. Pure except for the two
reference lists read from the database (expertise tags, languages in the pool)."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from babel import Locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.i18n.render import N_
from mentor_app.pool.models import ConsultantLanguage, ExpertiseTag

MAX_LANGUAGES = 12
MAX_REGIONS = 10
MAX_BIO = 600
MAX_REST_MINUTES = 24 * 60
MAX_SOFT_CAP = 500
MAX_OPEN_LIMIT = 50  # the table's check constraint
MAX_AVAILABLE_HOURS = 24
REGION_RE = re.compile(r"^[\w][\w .'-]{0,39}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
TAG_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")

# The seed list (mentor_app/content/FORMAT.md); coordinators add, relabel and remove tags.
# A seed label still as written here is shown translated; a coordinator's own label as typed.
DEFAULT_TAGS = {
    "trauma": N_("Trauma"),
    "depression": N_("Depression"),
    "psychosis": N_("Psychosis"),
    "personality-disorders": N_("Personality disorders"),
    "adhd": N_("ADHD"),
    "substance-use": N_("Substance use"),
    "family-work": N_("Family work"),
    "youth": N_("Youth"),
    "ideology": N_("Ideology-specific knowledge"),
}


class PoolError(ValueError):
    """A user-facing refusal; the message is safe to show."""


# --- reference data --------------------------------------------------------------------------


def ensure_default_tags(session: Session) -> int:
    """Adds any missing seed tag (demo data and tests; the migration does it in production)."""
    existing = set(session.scalars(select(ExpertiseTag.tag)))
    missing = [
        ExpertiseTag(tag=t, label=lbl) for t, lbl in DEFAULT_TAGS.items() if t not in existing
    ]
    session.add_all(missing)
    session.flush()
    return len(missing)


def tag_labels(session: Session, translated: bool = True) -> dict[str, str]:
    """tag → label, ordered by label. `translated`: seed labels in the reader's language (for
    pages); False gives the stored labels (for the coordinator's list that edits them)."""
    rows = session.execute(select(ExpertiseTag.tag, ExpertiseTag.label)).tuples().all()
    labels = {
        tag: _(label) if translated and DEFAULT_TAGS.get(tag) == label else label
        for tag, label in rows
    }
    return dict(sorted(labels.items(), key=lambda item: item[1].lower()))


def pool_languages(session: Session) -> list[str]:
    """Every language some consultant in the pool speaks (for filter menus)."""
    return sorted(set(session.scalars(select(ConsultantLanguage.language).distinct())))


@lru_cache(maxsize=8)
def language_names(locale: str = "en") -> dict[str, str]:
    """ISO 639 codes Babel knows, with their names; the list a language code must be in.
    Cached: treat the result as read-only."""
    return {code: name for code, name in Locale.parse(locale).languages.items() if "_" not in code}


def clean_languages(codes: list[str]) -> list[str]:
    known = language_names()
    result: list[str] = []
    for raw in codes:
        code = raw.strip().lower()
        if not LANGUAGE_RE.match(code):
            raise PoolError(
                _(
                    "'%(code)s' is not a language code: use two or three letters (sv, de).",
                    code=raw[:12],
                )
            )
        if code not in known:
            raise PoolError(_("'%(code)s' is not a known language code.", code=code))
        if code not in result:
            result.append(code)
    if not result:
        raise PoolError(_("Give at least one language."))
    if len(result) > MAX_LANGUAGES:
        raise PoolError(_("At most %(n)s languages.", n=MAX_LANGUAGES))
    return result


def clean_regions(names: list[str]) -> list[str]:
    result: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        if not REGION_RE.match(name):
            raise PoolError(_("A region is 1–40 letters, digits, spaces or hyphens."))
        if name.lower() not in {r.lower() for r in result}:
            result.append(name)
    if len(result) > MAX_REGIONS:
        raise PoolError(_("At most %(n)s regions.", n=MAX_REGIONS))
    return result


def clean_tags(session: Session, tags: list[str]) -> list[str]:
    known = tag_labels(session)
    unknown = sorted({t for t in tags if t not in known})
    if unknown:
        raise PoolError(
            _(
                "Unknown expertise tags: %(unknown)s. Known: %(known)s.",
                unknown=", ".join(u[:40] for u in unknown),
                known=", ".join(sorted(known)) or _("none yet"),
            )
        )
    return list(dict.fromkeys(tags))


def clean_timezone(name: str) -> str:
    if name != "UTC" and name not in known_zones():
        raise PoolError(
            _("'%(zone)s' is not a known time zone (e.g. Europe/Stockholm).", zone=name[:64])
        )
    return name


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in known_zones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


def bounded(value: int | None, low: int, high: int, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PoolError(
            _(
                "%(what)s must be a whole number from %(low)s to %(high)s.",
                what=what,
                low=low,
                high=high,
            )
        )
    return value


def clean_text(value: str | None, limit: int, what: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise PoolError(_("%(what)s is at most %(n)s characters.", what=what, n=limit))
    return value
