"""The rules of the guide library, pure: kinds, sections, states and who may move a revision.

Nothing here touches the database or the request, so the workflow can be tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

KINDS = ("trigger", "rupture", "approach", "team")
# Lazy: each is translated when shown, in the reader's language (no request needed here).
KIND_LABELS = {
    "trigger": _l("Triggers"),
    "rupture": _l("Rupture repair"),
    "approach": _l("Approaches"),
    "team": _l("Team"),
}

# The nine sections every guide has, in this order (mentor_app/content/FORMAT.md).
SECTIONS = (
    "When this applies",
    "First minute",
    "Steps",
    "Say",
    "Avoid",
    "Call a consultant when",
    "Related",
    "Why",
    "Sources",
)
FIRST_MINUTE = "First minute"
FIRST_MINUTE_MAX_LINES = 3
# What a mentor reads first, in a hard moment: it has to fit in about two minutes of reading
# on a phone (roughly 175 words a minute on a small screen), so at most this many words.
FIRST_READ = SECTIONS[:6]
FIRST_READ_MAX_WORDS = 350
# Background (where the advice comes from, and the literature): folded on the page.
FOLDED = ("Why", "Sources")
# Sections that are about other guides or literature: shown, but not searched.
NOT_SEARCHED = ("First minute", "Related", "Sources")

EXPERTISE_TAGS = (
    "trauma",
    "depression",
    "psychosis",
    "personality-disorders",
    "adhd",
    "substance-use",
    "family-work",
    "youth",
    "ideology",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
# Tags and synonyms: short plain words or phrases (letters in any script, digits, spaces,
# hyphens, apostrophes); nothing a browser could read as markup.
TAG_RE = re.compile(r"^[^\W_][\w '’\-]{0,39}$")

# Limits on what an editor may type (checked by the forms and the JSON preview).
# A title is read on a phone and in a list: at most 60 characters; a subtitle can carry the rest.
TITLE_MAX = 60
SUBTITLE_MAX = 160
SHORT_TITLE_MAX = 60
SUMMARY_MAX = 300
TOPIC_MAX = 40
BODY_MAX = 60_000
NOTE_MAX = 200
COMMENT_MAX = 500
MAX_TAGS = 12
MAX_SYNONYMS = 40

# A guide as a whole: never published yet (draft / in_review) or readable by everyone.
GUIDE_DRAFT, GUIDE_IN_REVIEW, GUIDE_PUBLISHED = "draft", "in_review", "published"
GUIDE_STATES = (GUIDE_DRAFT, GUIDE_IN_REVIEW, GUIDE_PUBLISHED)

# One revision of a guide's text.
DRAFT, IN_REVIEW, PUBLISHED, DECLINED = "draft", "in_review", "published", "declined"
REVISION_STATES = (DRAFT, IN_REVIEW, PUBLISHED, DECLINED)

ORIGIN_FILE, ORIGIN_APP = "file", "app"
ORIGINS = (ORIGIN_FILE, ORIGIN_APP)

# Guides are written in English; each may have one published translation per other language.
SOURCE_LANGUAGE = "en"
TRANSLATION_LANGUAGES = ("sv", "de")
LANGUAGES = (SOURCE_LANGUAGE, *TRANSLATION_LANGUAGES)
# A translation's review state: "unreviewed" = translated, not yet reviewed by a
# native-speaking professional; a coordinator marks it "reviewed".
UNREVIEWED = "unreviewed"
REVIEWED = "reviewed"
REVIEW_STATES = (UNREVIEWED, REVIEWED)

EDITOR_ROLES = ("coordinator", "consultant")
PUBLISHER_ROLES = ("coordinator",)


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    # Who may take it: "author" (whoever wrote the revision) and/or roles.
    author: bool
    roles: tuple[str, ...]


TRANSITIONS = (
    # The author keeps editing a draft, then hands it in.
    Transition("submit", DRAFT, IN_REVIEW, author=True, roles=()),
    # The author drops their own draft.
    Transition("discard", DRAFT, DECLINED, author=True, roles=()),
    # Back to the author: they withdraw it, or a coordinator asks for changes.
    Transition("return", IN_REVIEW, DRAFT, author=True, roles=PUBLISHER_ROLES),
    # Only a coordinator decides.
    Transition("publish", IN_REVIEW, PUBLISHED, author=False, roles=PUBLISHER_ROLES),
    Transition("decline", IN_REVIEW, DECLINED, author=False, roles=PUBLISHER_ROLES),
)
ACTIONS = tuple(sorted({t.action for t in TRANSITIONS}))


def transition_for(action: str, state: str) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.action == action and transition.source == state:
            return transition
    return None


def may(action: str, state: str, role: str, is_author: bool) -> bool:
    """Whether a user of `role` (the revision's author or not) may take `action` now."""
    transition = transition_for(action, state)
    if transition is None or role not in EDITOR_ROLES:
        return False
    return (transition.author and is_author) or role in transition.roles


def may_see_revision(role: str, is_author: bool, state: str) -> bool:
    """Drafts are the author's own; anything handed in or published is the editors' to see."""
    if role not in EDITOR_ROLES:
        return False
    if is_author:
        return True
    if role == "coordinator":
        return state != DRAFT
    return state == PUBLISHED


def may_edit_draft(role: str, is_author: bool, state: str) -> bool:
    return role in EDITOR_ROLES and is_author and state == DRAFT


def parse_list(raw: str) -> list[str]:
    """A comma-separated list as typed by an editor: trimmed, no repeats (ignoring case)."""
    seen: list[str] = []
    for item in raw.split(","):
        value = " ".join(item.split())
        if value and value.lower() not in {s.lower() for s in seen}:
            seen.append(value)
    return seen


def list_problems(values: list[str], limit: int, what: str) -> list[str]:
    problems = []
    if len(values) > limit:
        problems.append(f"At most {limit} {what}.")
    bad = [v for v in values if not TAG_RE.match(v)]
    if bad:
        problems.append(
            f"{what.capitalize()} may use letters, digits, spaces, hyphens and apostrophes, "
            f"up to 40 characters each: {', '.join(bad[:3])}"
        )
    return problems
