"""Reading guides: lists, the offline index, search, "what changed" notes, feedback, opens.

Services take the session and `now`, flush, and never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, load_only

from mentor_app import timeutil
from mentor_app.playbooks import policy, search, translations
from mentor_app.playbooks.editing import current_revision_id
from mentor_app.playbooks.models import (
    Guide,
    GuideFeedback,
    GuideRead,
    GuideRevision,
    GuideViewDay,
)

# What the list pages need; the long text columns stay in the database.
LIST_COLUMNS = (
    Guide.id,
    Guide.slug,
    Guide.kind,
    Guide.title,
    Guide.short_title,
    Guide.summary,
    Guide.tags,
    Guide.topic,
    Guide.review_on,
    Guide.state,
    Guide.current_revision_id,
    Guide.updated_at,
)
UPDATES_SHOWN = 3


def published_guides(session: Session, full: bool = False) -> list[Guide]:
    query = select(Guide).where(Guide.current_revision_id.is_not(None))
    if not full:
        query = query.options(load_only(*LIST_COLUMNS))
    guides = session.scalars(query).all()
    return sorted(guides, key=lambda g: (policy.KINDS.index(g.kind), g.display_title.lower()))


def get_published(session: Session, slug: str) -> Guide | None:
    if len(slug) > policy.SLUG_MAX or not policy.SLUG_RE.match(slug):
        return None
    return session.scalar(
        select(Guide).where(Guide.slug == slug, Guide.current_revision_id.is_not(None))
    )


def group_by_kind(guides: list[Guide]) -> list[tuple[str, list[Guide]]]:
    groups: dict[str, list[Guide]] = defaultdict(list)
    for guide in guides:
        groups[guide.kind].append(guide)
    return [(kind, groups[kind]) for kind in policy.KINDS if groups.get(kind)]


def all_tags(guides: list[Guide]) -> list[str]:
    return sorted({tag for guide in guides for tag in guide.tags})


def filter_guides(guides: list[Any], kind: str | None, tag: str | None) -> list[Any]:
    """Guides (or reader texts: anything with `kind` and `tags`) of `kind` carrying `tag`."""
    if kind:
        guides = [g for g in guides if g.kind == kind]
    if tag:
        guides = [g for g in guides if tag in g.tags]
    return guides


# --- the offline index and search ------------------------------------------------------------


def index_entry(text: translations.GuideText) -> dict[str, Any]:
    return {
        "slug": text.slug,
        "kind": text.kind,
        "language": text.language,
        "is_fallback": text.is_fallback,
        "title": text.title,
        "short_title": text.short_title,
        "subtitle": text.subtitle,
        "topic": text.topic,
        "summary": text.summary,
        "tags": list(text.tags),
        "synonyms": list(text.synonyms),
        "first_minute": text.first_minute_text,
        "body": text.search_text,
        "revision": text.revision,
        "url": f"/guides/{text.slug}",
    }


def index_entries(session: Session, language: str = policy.SOURCE_LANGUAGE) -> list[dict[str, Any]]:
    """The offline index's guides in `language` (English where a translation is missing)."""
    texts = translations.reader_list(session, language)
    return [index_entry(t) for t in texts]


@dataclass(frozen=True)
class IndexDocument:
    body: bytes
    etag: str
    version: str
    entries: list[dict[str, Any]]


# Per process and language: (published version, document). See search.published_version.
_INDEX_DOCUMENTS: dict[str, tuple[str, IndexDocument]] = {}


def index_document(session: Session, language: str = policy.SOURCE_LANGUAGE) -> IndexDocument:
    """The offline index as served to a reader of `language`: the guides in that language, and
    the data the browser ranks them with ("search": the reader's language first, then English),
    versioned by a hash of its content and language, so each language has its own strong ETag.

    Built once per published change and language in each process; otherwise one query (the
    published version) answers, 200 or 304 alike."""
    published = search.published_version(session)
    held = _INDEX_DOCUMENTS.get(language)
    if held is not None and held[0] == published:
        return held[1]
    document = _build_index_document(session, language, published)
    _INDEX_DOCUMENTS[language] = (published, document)
    return document


def _build_index_document(session: Session, language: str, published: str) -> IndexDocument:
    # The body text stays on the server: the browser ranks from the search data, and shows
    # only titles and summaries.
    entries = [
        {key: value for key, value in entry.items() if key != "body"}
        for entry in index_entries(session, language)
    ]
    datas = search.ranking_data(session, language, published)
    searched = [data["version"] for data in datas]
    canonical = json.dumps(
        [language, entries, searched], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    version = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    document = {"version": version, "language": language, "guides": entries, "search": datas}
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    # Text an editor typed stays text even if this JSON is ever pasted into a page.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    body = text.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return IndexDocument(body=body, etag=etag, version=version, entries=entries)


def search_guides(
    session: Session, query: str, language: str = policy.SOURCE_LANGUAGE
) -> tuple[list[Guide], bool]:
    """(published guides for `query`, best first; whether the match is weak). Weak: nothing
    matched well, and the list holds the closest guides. Ranks as the browser does, over the
    reader's language first, then English."""
    found = search.find(session, language, query)
    by_slug = {g.slug: g for g in published_guides(session)}
    return [by_slug[hit.slug] for hit in found.hits if hit.slug in by_slug], found.weak


# --- the reader's own state: "updated: what changed", feedback, opens -----------------------


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _published_revision(session: Session, guide: Guide, revision_id: Any) -> GuideRevision | None:
    if not isinstance(revision_id, int) or isinstance(revision_id, bool):
        return None
    revision = session.get(GuideRevision, revision_id)
    if revision is None or revision.guide_id != guide.id or revision.state != policy.PUBLISHED:
        return None
    return revision


def updates_since(
    session: Session, guide: Guide, seen: GuideRevision, shown: GuideRevision
) -> list[GuideRevision]:
    """Published revisions after the one the reader saw, up to the one on their screen."""
    after_seen = or_(
        GuideRevision.published_at > seen.published_at,
        and_(GuideRevision.published_at == seen.published_at, GuideRevision.id > seen.id),
    )
    up_to_shown = or_(
        GuideRevision.published_at < shown.published_at,
        and_(GuideRevision.published_at == shown.published_at, GuideRevision.id <= shown.id),
    )
    return list(
        session.scalars(
            select(GuideRevision)
            .where(
                GuideRevision.guide_id == guide.id,
                GuideRevision.language == shown.language,
                GuideRevision.state == policy.PUBLISHED,
                after_seen,
                up_to_shown,
            )
            .order_by(GuideRevision.published_at.desc(), GuideRevision.id.desc())
            .limit(UPDATES_SHOWN)
        )
    )


def open_guide(
    session: Session, now: datetime, user: Any, guide: Guide, shown_revision_id: Any
) -> dict[str, Any]:
    """What the reader's page adds to the shared guide page, and a note that they read it.

    `shown_revision_id` is the revision on their screen (the page may come from the phone's
    cache); the notes cover what changed between their last reading and that revision.
    """
    english = session.get(GuideRevision, guide.current_revision_id)
    shown = _published_revision(session, guide, shown_revision_id) or english
    assert shown is not None and shown.published_at is not None
    # The reader's page may show a translation: "current" is the newest in its language.
    current = session.get(GuideRevision, current_revision_id(session, guide, shown.language))
    read = session.scalar(
        select(GuideRead).where(GuideRead.user_id == user.id, GuideRead.guide_id == guide.id)
    )
    seen = session.get(GuideRevision, read.revision_id) if read and read.revision_id else None
    updates = []
    if seen is not None and seen.language != shown.language:
        seen = None  # another language's versions say nothing about this text
    if seen is not None and seen.published_at is not None and seen.id != shown.id:
        updates = updates_since(session, guide, seen, shown)
    newest = shown
    if (
        seen is not None
        and seen.published_at is not None
        and seen.published_at > shown.published_at
    ):
        newest = seen  # an old cached page does not wind the reader back
    statement = _insert(session)(GuideRead).values(
        user_id=user.id, guide_id=guide.id, revision_id=newest.id, read_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "guide_id"],
            set_={"revision_id": newest.id, "read_at": now},
        )
    )
    if user.role == "mentor":
        count_open(session, now, guide)
    feedback = own_feedback(session, user, guide)
    return {
        "revision": shown.id,
        "current_revision": current.id if current else None,
        "updated": [
            {
                "version": r.number,
                "note": r.note,
                # The reader's calendar (mentor_app/timeutil.py).
                "published_on": timeutil.local_date(r.published_at, user.timezone).isoformat()
                if r.published_at
                else None,
            }
            for r in updates
        ],
        "feedback": None
        if feedback is None
        else {"helpful": feedback.helpful, "has_comment": bool(feedback.comment)},
    }


def count_open(session: Session, now: datetime, guide: Guide) -> None:
    """One more mentor opened this guide today (for the coordinators' "most opened")."""
    # Daily counts on the panel's calendar, the days the dashboard reports (timeutil.py).
    today = timeutil.local_today(now, timeutil.panel_zone())
    statement = _insert(session)(GuideViewDay).values(guide_id=guide.id, day_on=today, views=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["guide_id", "day_on"],
            set_={"views": GuideViewDay.views + 1},
        )
    )


def own_feedback(session: Session, user: Any, guide: Guide) -> GuideFeedback | None:
    return session.scalar(
        select(GuideFeedback).where(
            GuideFeedback.user_id == user.id, GuideFeedback.guide_id == guide.id
        )
    )


def give_feedback(
    session: Session, now: datetime, user: Any, guide: Guide, helpful: bool, comment: str | None
) -> None:
    """Record a yes/no (and an optional comment); a second tap replaces the first."""
    comment = (comment or "").strip()[: policy.COMMENT_MAX] or None
    values = {
        "helpful": helpful,
        "comment": comment,
        "revision_id": guide.current_revision_id,
        "updated_at": now,
    }
    statement = _insert(session)(GuideFeedback).values(
        user_id=user.id, guide_id=guide.id, created_at=now, **values
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["user_id", "guide_id"], set_=values)
    )
    session.flush()


# --- what coordinators see --------------------------------------------------------------------


@dataclass
class GuideFigures:
    helped: int = 0
    not_helped: int = 0
    comments: int = 0
    opens: int = 0


def figures(session: Session, today: date, days: int = 30) -> dict[int, GuideFigures]:
    """Per guide: "did this help?" answers (all time) and mentor opens in the last `days`."""
    result: dict[int, GuideFigures] = defaultdict(GuideFigures)
    rows = session.execute(
        select(
            GuideFeedback.guide_id,
            GuideFeedback.helpful,
            func.count(),
            func.count(GuideFeedback.comment),
        ).group_by(GuideFeedback.guide_id, GuideFeedback.helpful)
    )
    for guide_id, helpful, count, comments in rows:
        figure = result[guide_id]
        if helpful:
            figure.helped += count
        else:
            figure.not_helped += count
        figure.comments += comments
    opens = session.execute(
        select(GuideViewDay.guide_id, func.sum(GuideViewDay.views))
        .where(GuideViewDay.day_on > today - timedelta(days=days))
        .group_by(GuideViewDay.guide_id)
    )
    for guide_id, total in opens:
        result[guide_id].opens = int(total or 0)
    return result


def recent_comments(session: Session, guide: Guide, limit: int = 20) -> list[GuideFeedback]:
    return list(
        session.scalars(
            select(GuideFeedback)
            .where(GuideFeedback.guide_id == guide.id, GuideFeedback.comment.is_not(None))
            .order_by(GuideFeedback.updated_at.desc())
            .limit(limit)
        )
    )


def review_due(session: Session, before: date) -> list[Guide]:
    """Published guides whose review-by date falls before `before` (today: overdue)."""
    return list(
        session.scalars(
            select(Guide)
            .options(load_only(*LIST_COLUMNS))
            .where(
                Guide.current_revision_id.is_not(None),
                Guide.review_on.is_not(None),
                Guide.review_on < before,
            )
            .order_by(Guide.review_on, Guide.slug)
        )
    )
