"""Bringing the guide files into the database (`playbooks-sync`, `seed-demo`).

Idempotent: a file whose bytes have not changed since the last sync is left alone. A changed
file becomes a new published revision, unless a coordinator published an edit in the app after
the last sync: then the guide is left as it is and the report says so, by name; `force`
overwrites it and the audit log records that. The translations in `content/<lang>/` follow
the English files, with the same rules (translation_sync.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.playbooks import editing, history, policy
from mentor_app.playbooks.loader import CONTENT_DIR, GuideSource, load_library
from mentor_app.playbooks.models import Guide
from mentor_app.playbooks.translation_sync import (
    TranslationReport,
    load_translations,
    sync_translations,
)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    details_only: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    translations: TranslationReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [
            f"guides: {len(self.created)} new, {len(self.updated)} updated, "
            f"{len(self.details_only)} with new details only, {len(self.unchanged)} unchanged"
        ]
        out += [f"  new: {slug}" for slug in self.created]
        out += [f"  updated: {slug}" for slug in self.updated]
        out += [f"  overwritten (--force): {slug}" for slug in self.overwritten]
        if self.translations is not None:
            out += self.translations.lines()
        return out


def _edited_in_app_since_sync(guide: Guide) -> bool:
    if guide.edited_in_app_at is None:
        return False
    return guide.synced_at is None or guide.edited_in_app_at > guide.synced_at


def _note_for(guide: Guide, source: GuideSource) -> str:
    changed = history.changed_sections(guide.body_md, source.body)
    parts = []
    if changed:
        parts.append("Updated: " + ", ".join(changed) + ".")
    if (guide.title, guide.short_title, guide.subtitle, guide.summary) != (
        source.title,
        source.short_title,
        source.subtitle,
        source.summary,
    ):
        parts.append("New title or summary.")
    if (list(guide.tags), list(guide.synonyms)) != (source.tags, source.synonyms):
        parts.append("New search words.")
    return " ".join(parts)[: policy.NOTE_MAX] or "Updated."


def _apply_details(guide: Guide, source: GuideSource, now: datetime) -> None:
    guide.kind = source.kind
    guide.topic = source.topic
    guide.expertise = list(source.expertise)
    guide.review_on = source.review_on
    guide.synced_hash = source.content_hash
    guide.synced_at = now


def _publish_from_file(
    session: Session, now: datetime, guide: Guide, source: GuideSource, note: str, forced: bool
) -> None:
    content = editing.Content.of(source)
    content.note = note
    revision = editing.new_revision(session, now, guide, content, None, policy.ORIGIN_FILE)
    revision.file_sha256 = source.content_hash  # translation files name it by this
    editing.publish_revision(session, now, revision, None)
    details = {"revision": revision.number, "via": "sync", "forced": forced}
    audit.record(
        session,
        now,
        "guide.publish",
        object_type="guide",
        object_id=guide.id,
        details=details,
    )


def _create(session: Session, now: datetime, source: GuideSource) -> Guide:
    guide = Guide(
        slug=source.slug,
        kind=source.kind,
        topic=source.topic,
        expertise=list(source.expertise),
        state=policy.GUIDE_DRAFT,
        review_on=source.review_on,
        title=source.title,
        short_title=source.short_title,
        subtitle=source.subtitle,
        summary=source.summary,
        tags=list(source.tags),
        synonyms=list(source.synonyms),
        created_at=now,
        updated_at=now,
    )
    session.add(guide)
    session.flush()
    return guide


def sync_library(
    session: Session,
    now: datetime,
    directory: Path = CONTENT_DIR,
    force: bool = False,
    only: set[str] | None = None,
) -> SyncReport:
    """Load every guide file; on any problem in any file, change nothing and report."""
    report = SyncReport()
    existing = {g.slug: g for g in session.scalars(select(Guide))}
    library = load_library(directory, extra_slugs=set(existing))
    known = set(existing) | {g.slug for g in library.guides}
    translated, translation_problems = load_translations(directory, known)
    if library.problems or translation_problems:
        report.problems = library.problems + translation_problems
        return report
    for source in library.guides:
        if only and source.slug not in only:
            continue
        guide = existing.get(source.slug)
        if guide is None:
            guide = _create(session, now, source)
            _apply_details(guide, source, now)
            _publish_from_file(session, now, guide, source, "First version.", forced=False)
            report.created.append(source.slug)
            continue
        if guide.synced_hash == source.content_hash and guide.is_published:
            report.unchanged.append(source.slug)
            continue
        conflict = _edited_in_app_since_sync(guide)
        if conflict and not force:
            report.warnings.append(
                f"{source.slug}: not updated. A coordinator published an edit in the app on "
                f"{guide.edited_in_app_at:%Y-%m-%d %H:%M} UTC, after the last sync, and the file "
                f"has changed too. Bring the app's text into {source.path.name}, or run "
                f"playbooks-sync --force --slug {source.slug} to replace the app's edit."
            )
            continue
        same_text = guide.is_published and editing.Content.of(guide).same_text(
            editing.Content.of(source)
        )
        note = _note_for(guide, source)
        _apply_details(guide, source, now)
        if same_text:
            report.details_only.append(source.slug)
            continue
        _publish_from_file(session, now, guide, source, note, forced=conflict)
        report.updated.append(source.slug)
        if conflict:
            report.overwritten.append(source.slug)
            audit.record(
                session,
                now,
                "guide.sync_overwrote_app_edit",
                object_type="guide",
                object_id=guide.id,
                details={"via": "sync --force"},
            )
    session.flush()
    guides = {g.slug: g for g in session.scalars(select(Guide))}
    chosen = [t for t in translated if not only or t.slug in only]
    report.translations = sync_translations(session, now, chosen, guides, force)
    report.warnings += report.translations.warnings
    return report
