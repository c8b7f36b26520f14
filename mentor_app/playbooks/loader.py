"""Reading the guide files in mentor_app/content/: front matter, body, and every check.

A file is read whole or not at all: `load_library` returns the guides and a list of problems,
and the sync refuses to touch the database while any file has a problem.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from mentor_app.playbooks import policy
from mentor_app.playbooks.render import parse_sections, related_problems

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
SKIP_FILES = {"FORMAT.md", "README.md"}
REQUIRED = ("slug", "kind", "title", "topic", "summary", "tags", "synonyms", "expertise")
OPTIONAL = ("review_by", "short_title", "subtitle")


@dataclass
class GuideSource:
    """One guide as its file says it should be."""

    slug: str
    kind: str
    title: str
    short_title: str | None
    subtitle: str | None
    topic: str
    summary: str
    tags: list[str]
    synonyms: list[str]
    expertise: list[str]
    review_on: date | None
    body: str
    content_hash: str
    path: Path


@dataclass
class Library:
    guides: list[GuideSource] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(front matter, body) for a file that starts with a `+++` block, else None."""
    text = text.replace("\r\n", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("+++\n"):
        return None
    end = text.find("\n+++\n", 3)
    if end < 0:
        return None
    return text[4 : end + 1], text[end + 5 :]


def text_value(meta: dict, key: str, limit: int, problems: list[str]) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"'{key}' must be a non-empty text.")
        return ""
    if len(value) > limit:
        problems.append(f"'{key}' is longer than {limit} characters.")
    return value.strip()


def text_list(meta: dict, key: str, limit: int, problems: list[str]) -> list[str]:
    value = meta.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"'{key}' must be a list of texts.")
        return []
    problems.extend(policy.list_problems(value, limit, key))
    return [v.strip() for v in value]


def parse_guide(path: Path) -> tuple[GuideSource | None, list[str]]:
    """Parse and check one file on its own (cross-file checks are in `load_library`)."""
    raw = path.read_bytes()
    problems: list[str] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, ["not UTF-8"]
    split = split_front_matter(text)
    if split is None:
        return None, ["no front matter between +++ lines at the top"]
    try:
        meta = tomllib.loads(split[0])
    except tomllib.TOMLDecodeError as err:
        return None, [f"front matter is not valid TOML: {err}"]
    unknown = sorted(set(meta) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        problems.append(f"unknown front-matter key(s): {', '.join(unknown)}")
    slug = text_value(meta, "slug", policy.SLUG_MAX, problems)
    if slug and (not policy.SLUG_RE.match(slug) or slug != path.stem):
        problems.append("'slug' must be lower-case words with hyphens, equal to the file name")
    kind = text_value(meta, "kind", 16, problems)
    if kind and kind not in policy.KINDS:
        problems.append(f"'kind' must be one of {', '.join(policy.KINDS)}")
    expertise = text_list(meta, "expertise", len(policy.EXPERTISE_TAGS), problems)
    strange = [e for e in expertise if e not in policy.EXPERTISE_TAGS]
    if strange:
        problems.append(f"unknown expertise tag(s): {', '.join(strange)}")
    review_on = meta.get("review_by")
    if review_on is not None and not (
        isinstance(review_on, date) and not hasattr(review_on, "hour")
    ):
        problems.append("'review_by' must be a TOML date like 2027-06-30")
        review_on = None
    short_title = meta.get("short_title")
    if short_title is not None:
        short_title = text_value(meta, "short_title", policy.SHORT_TITLE_MAX, problems)
    subtitle = meta.get("subtitle")
    if subtitle is not None:
        subtitle = text_value(meta, "subtitle", policy.SUBTITLE_MAX, problems)
    source = GuideSource(
        slug=slug,
        kind=kind,
        title=text_value(meta, "title", policy.TITLE_MAX, problems),
        short_title=short_title or None,
        subtitle=subtitle or None,
        topic=text_value(meta, "topic", policy.TOPIC_MAX, problems),
        summary=text_value(meta, "summary", policy.SUMMARY_MAX, problems),
        tags=text_list(meta, "tags", policy.MAX_TAGS, problems),
        synonyms=text_list(meta, "synonyms", policy.MAX_SYNONYMS, problems),
        expertise=expertise,
        review_on=review_on,
        body=split[1].strip() + "\n",
        content_hash=hashlib.sha256(raw).hexdigest(),
        path=path,
    )
    if len(source.body) > policy.BODY_MAX:
        problems.append(f"the body is longer than {policy.BODY_MAX} characters")
    problems.extend(parse_sections(source.body).problems)
    return source, problems


def guide_files(directory: Path = CONTENT_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.md") if p.name not in SKIP_FILES)


def load_library(directory: Path = CONTENT_DIR, extra_slugs: set[str] | None = None) -> Library:
    """Every guide file, checked alone and together (unique slugs, related links resolve).

    `extra_slugs` are guides that exist only in the database; files may link to them.
    """
    library = Library()
    for path in guide_files(directory):
        source, problems = parse_guide(path)
        library.problems.extend(f"{path.name}: {p}" for p in problems)
        if source is not None:
            library.guides.append(source)
    known = {g.slug for g in library.guides} | (extra_slugs or set())
    for source in library.guides:
        sections = parse_sections(source.body).sections
        for problem in related_problems(sections, known, source.slug):
            library.problems.append(f"{source.path.name}: {problem}")
    return library
