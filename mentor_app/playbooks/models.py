"""Guides, their full revision history, who read which revision, feedback and daily opens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor_app.db import Base, UTCDateTime


class Guide(Base):
    """A guide and a copy of its current published text (what readers and search use)."""

    __tablename__ = "guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    expertise: Mapped[list] = mapped_column(JSON, default=list)
    # draft / in_review until a first revision is published; published from then on.
    state: Mapped[str] = mapped_column(String(16), index=True)
    review_on: Mapped[date | None] = mapped_column(Date)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    # Copied from the current published revision, so reading a guide is one row.
    title: Mapped[str] = mapped_column(String(240))
    short_title: Mapped[str | None] = mapped_column(String(60))
    # The rest of a long title, shown under it (titles stay short enough for a phone).
    subtitle: Mapped[str | None] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    synonyms: Mapped[list] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    first_minute_html: Mapped[str] = mapped_column(Text, default="")
    first_minute_text: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The library file this guide was last synced from (sha256 of its bytes) and when.
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a revision written in the app is published: a later file sync must not
    # silently replace it.
    edited_in_app_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    current_revision: Mapped[GuideRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )

    @property
    def display_title(self) -> str:
        return self.short_title or self.title

    @property
    def is_published(self) -> bool:
        return self.current_revision_id is not None


class GuideRevision(Base):
    """Every version of a guide's text, from a first draft to each publication."""

    __tablename__ = "guide_revisions"
    __table_args__ = (UniqueConstraint("guide_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    # "en" for the guide itself; "sv" or "de" for a translation of it.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… within the guide, all languages
    state: Mapped[str] = mapped_column(String(16), index=True)
    origin: Mapped[str] = mapped_column(String(8))  # "file" (library sync) or "app" (editor)
    # The published revision this one was written from (to warn about edits that crossed).
    base_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_revisions.id", ondelete="SET NULL")
    )
    # A translation follows one English revision: the one its translator worked from.
    source_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_revisions.id", ondelete="SET NULL")
    )
    # For a revision loaded from a library file: the sha256 of the file's bytes (translation
    # files name the English file they translate by this hash).
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(240))
    short_title: Mapped[str | None] = mapped_column(String(60))
    # The rest of a long title, shown under it (titles stay short enough for a phone).
    subtitle: Mapped[str | None] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    synonyms: Mapped[list] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    first_minute_html: Mapped[str] = mapped_column(Text)
    first_minute_text: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(200), default="")  # "what changed", for readers
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    guide: Mapped[Guide] = relationship(foreign_keys=[guide_id])


class GuideTranslation(Base):
    """A guide in one other language: its published revision and how far it has been checked.

    `review_state` is "unreviewed" (translated, not yet reviewed by a native-speaking
    professional) until a coordinator marks the published text reviewed; a newly published
    translation revision starts unreviewed again.
    """

    __tablename__ = "guide_translations"
    __table_args__ = (UniqueConstraint("guide_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_revisions.id", ondelete="SET NULL")
    )
    review_state: Mapped[str] = mapped_column(String(16), default="unreviewed")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The translation file last synced (sha256 of its bytes) and when; as on Guide.
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    edited_in_app_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    guide: Mapped[Guide] = relationship(foreign_keys=[guide_id])
    current_revision: Mapped[GuideRevision | None] = relationship(
        foreign_keys=[current_revision_id]
    )


class GuideRead(Base):
    """The last revision of a guide a user opened: for the "updated: what changed" note.

    It is about the reader, so it is shown to that reader only.
    """

    __tablename__ = "guide_reads"
    __table_args__ = (UniqueConstraint("user_id", "guide_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_revisions.id", ondelete="SET NULL")
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GuideFeedback(Base):
    """ "Did this help?": one answer per user per guide (the latest tap counts)."""

    __tablename__ = "guide_feedback"
    __table_args__ = (UniqueConstraint("user_id", "guide_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_revisions.id", ondelete="SET NULL")
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GuideViewDay(Base):
    """How often a guide was opened on a day (the panel's calendar): no user, just a count."""

    __tablename__ = "guide_view_days"
    __table_args__ = (UniqueConstraint("guide_id", "day_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"))
    day_on: Mapped[date] = mapped_column(Date, index=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
