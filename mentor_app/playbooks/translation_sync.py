"""Bringing the translation files (`content/<lang>/<slug>.md`) into the database.

Run by `sync_library` after the English files, with the same rules: every file is checked
before anything changes; a file whose bytes have not changed since the last sync is left alone;
a changed file becomes a new published translation revision, unless a coordinator published a
translation in the app after the last sync (then it is left, and the report says so; `force`
replaces it). A file's `source_sha256` (the English file's bytes) ties the translation to the
English revision loaded from that file.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.playbooks import editing, policy
from mentor_app.playbooks.loader import guide_files, split_front_matter, text_list, text_value
from mentor_app.playbooks.models import Guide, GuideRevision, GuideTranslation
from mentor_app.playbooks.render import parse_sections, related_problems

REQUIRED = (
    "slug", "language", "source_sha256", "review_state", "title", "topic", "summary", "tags",
    "synonyms",
)  # fmt: skip
OPTIONAL = ("subtitle",)


@dataclass
class TranslationSource:
    """One translation as its file says it should be."""

    slug: str
    language: str
    source_sha256: str
    review_state: str
    title: str
    subtitle: str | None
    summary: str
    tags: list[str]
    synonyms: list[str]
    body: str
    content_hash: str
    path: Path
    short_title: str | None = None  # translations carry none; Content.of reads it
    sections: dict[str, str] = field(default_factory=dict)  # parsed once, for the checks


def parse_translation(path: Path, language: str) -> tuple[TranslationSource | None, list[str]]:
    """Parse and check one translation file on its own."""
    raw = path.read_bytes()
    try:
        split = split_front_matter(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, ["not UTF-8"]
    if split is None:
        return None, ["no front matter between +++ lines at the top"]
    try:
        meta = tomllib.loads(split[0])
    except tomllib.TOMLDecodeError as err:
        return None, [f"front matter is not valid TOML: {err}"]
    problems: list[str] = []
    unknown = sorted(set(meta) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        problems.append(f"unknown front-matter key(s): {', '.join(unknown)}")
    if meta.get("slug") != path.stem:
        problems.append("'slug' must equal the file name")
    if meta.get("language") != language:
        problems.append(f"'language' must be {language!r} in the {language}/ folder")
    if meta.get("review_state") not in policy.REVIEW_STATES:
        problems.append(f"'review_state' must be one of {', '.join(policy.REVIEW_STATES)}")
    subtitle = meta.get("subtitle")
    if subtitle is not None:
        subtitle = text_value(meta, "subtitle", policy.SUBTITLE_MAX, problems)
    source = TranslationSource(
        slug=path.stem,
        language=language,
        source_sha256=text_value(meta, "source_sha256", 64, problems),
        review_state=str(meta.get("review_state")),
        title=text_value(meta, "title", policy.TITLE_MAX, problems),
        subtitle=subtitle or None,
        summary=text_value(meta, "summary", policy.SUMMARY_MAX, problems),
        tags=text_list(meta, "tags", policy.MAX_TAGS, problems),
        synonyms=text_list(meta, "synonyms", policy.MAX_SYNONYMS, problems),
        body=split[1].strip() + "\n",
        content_hash=hashlib.sha256(raw).hexdigest(),
        path=path,
    )
    if len(source.body) > policy.BODY_MAX:
        problems.append(f"the body is longer than {policy.BODY_MAX} characters")
    parsed = parse_sections(source.body)
    source.sections = parsed.sections
    problems.extend(parsed.problems)
    return source, problems


def load_translations(
    directory: Path, known_slugs: set[str]
) -> tuple[list[TranslationSource], list[str]]:
    """Every file in `directory/<lang>/`, checked; a translation of no known guide is a problem."""
    sources: list[TranslationSource] = []
    problems: list[str] = []
    for language in policy.TRANSLATION_LANGUAGES:
        for path in guide_files(directory / language):
            where = f"{language}/{path.name}"
            source, found = parse_translation(path, language)
            if source is not None:
                if source.slug not in known_slugs:
                    found.append("translates no known guide")
                found += related_problems(source.sections, known_slugs, source.slug)
                sources.append(source)
            problems.extend(f"{where}: {p}" for p in found)
    return sources, problems


@dataclass
class TranslationReport:
    counts: Counter
    warnings: list[str]

    def lines(self) -> list[str]:
        out = []
        for language in policy.TRANSLATION_LANGUAGES:
            c = {k: self.counts[(language, k)] for k in ("new", "updated", "unchanged")}
            out.append(
                f"translations {language}: {c['new']} new, {c['updated']} updated, "
                f"{c['unchanged']} unchanged"
            )
        return out


def _english_revision_id(session: Session, guide: Guide, sha: str) -> int | None:
    """The English revision loaded from the file with this hash (newest), if any."""
    found = session.scalar(
        select(GuideRevision.id)
        .where(
            GuideRevision.guide_id == guide.id,
            GuideRevision.language == policy.SOURCE_LANGUAGE,
            GuideRevision.file_sha256 == sha,
        )
        .order_by(GuideRevision.id.desc())
        .limit(1)
    )
    if found is None and guide.synced_hash == sha:
        return guide.current_revision_id  # the file changed details only, not the text
    return found


def _edited_in_app_since_sync(row: GuideTranslation | None) -> bool:
    if row is None or row.edited_in_app_at is None:
        return False
    return row.synced_at is None or row.edited_in_app_at > row.synced_at


def _publish(
    session: Session, now: datetime, guide: Guide, source: TranslationSource, follows: int | None
) -> GuideRevision:
    content = editing.Content.of(source)
    # No note: readers of the translation would get English words; their page says
    # "Changes to the text." in their language instead.
    content.note = ""
    revision = editing.new_revision(
        session, now, guide, content, None, policy.ORIGIN_FILE, source.language
    )
    revision.source_revision_id = follows
    revision.file_sha256 = source.content_hash
    editing.publish_revision(session, now, revision, None)
    audit.record(
        session,
        now,
        "guide.publish",
        object_type="guide",
        object_id=guide.id,
        details={"revision": revision.number, "language": source.language, "via": "sync"},
    )
    return revision


def sync_translations(
    session: Session,
    now: datetime,
    sources: list[TranslationSource],
    guides: dict[str, Guide],
    force: bool = False,
) -> TranslationReport:
    """Apply checked translation files (from `load_translations`) to published guides."""
    report = TranslationReport(Counter(), [])
    rows = {(t.guide_id, t.language): t for t in session.scalars(select(GuideTranslation))}
    for source in sources:
        guide = guides.get(source.slug)
        if guide is None or not guide.is_published:
            continue  # its English guide is not published (or not in this sync's selection)
        row = rows.get((guide.id, source.language))
        if row is not None and row.synced_hash == source.content_hash and row.current_revision_id:
            report.counts[(source.language, "unchanged")] += 1
            continue
        conflict = _edited_in_app_since_sync(row)
        if conflict and not force:
            report.warnings.append(
                f"{source.language}/{source.slug}: not updated. A coordinator published a "
                "translation in the app after the last sync; run playbooks-sync --force "
                f"--slug {source.slug} to replace it."
            )
            continue
        follows = _english_revision_id(session, guide, source.source_sha256)
        if follows is None:
            report.warnings.append(
                f"{source.language}/{source.slug}: its source_sha256 matches no English text "
                "loaded from the library; it is shown as out of date."
            )
        _publish(session, now, guide, source, follows)
        if conflict:
            audit.record(
                session,
                now,
                "guide.sync_overwrote_app_edit",
                object_type="guide",
                object_id=guide.id,
                details={"via": "sync --force", "language": source.language},
            )
        row = session.scalar(
            select(GuideTranslation).where(
                GuideTranslation.guide_id == guide.id,
                GuideTranslation.language == source.language,
            )
        )
        assert row is not None
        row.review_state = source.review_state
        row.synced_hash = source.content_hash
        row.synced_at = now
        kind = "updated" if (guide.id, source.language) in rows else "new"
        report.counts[(source.language, kind)] += 1
    session.flush()
    return report
