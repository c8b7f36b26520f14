"""Retention: what is deleted when, and the step that deletes it.

Policy (pure):
- A consult's content (its note, callback number, thread messages, outcome summary, and the
  reasons consultants typed when declining it) is deleted once CONSULT_RETENTION_DAYS (default
  180) have passed since it was closed, or since it was cancelled. "Passed" means at least that
  many whole days: with 180, a consult closed at 10:00 on day 0 keeps its content until 10:00 on
  day 180. Its structured facts stay (urgency, topic, language, region, times, outcome, rating,
  who accepted) so the anonymous figures and the monthly report do not change; the consult is
  stamped `content_purged_at`.
- A push subscription is deleted once PUSH_SUBSCRIPTION_RETENTION_DAYS (default 90) have passed
  since it was last used, last received a message, or was created, whichever is latest.
- A consult nobody closes would keep its content for ever, so one still open or accepted with
  no activity (its `updated_at`: a message, a change of details, an answer) for
  CONSULT_STALE_DAYS (default 30) is closed by `close_stale`: an open request is cancelled
  (its offers withdrawn), an accepted one closed without an outcome, the mentor (and the
  consultant holding it) told. From then on the rule above applies.
- The comment on a guide's "Did this help?" is deleted FEEDBACK_RETENTION_DAYS (default 180)
  after it was last written; the yes/no answer stays (guide metrics).

The service does it with a few set-based statements per batch of consults, records the counts
(never any content) in the audit log, and never commits (the worker step or command does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.consults.models import Consult, ConsultMessage, ConsultOffer
from mentor_app.notifications.models import PushSubscription
from mentor_app.playbooks.models import GuideFeedback

DEFAULT_CONSULT_DAYS = 180
DEFAULT_SUBSCRIPTION_DAYS = 90
DEFAULT_STALE_DAYS = 30
DEFAULT_FEEDBACK_DAYS = 180
BATCH = 500


@dataclass(frozen=True)
class RetentionPolicy:
    consult_content_days: int = DEFAULT_CONSULT_DAYS
    push_subscription_days: int = DEFAULT_SUBSCRIPTION_DAYS
    stale_consult_days: int = DEFAULT_STALE_DAYS
    feedback_days: int = DEFAULT_FEEDBACK_DAYS

    def __post_init__(self) -> None:
        periods = (
            self.consult_content_days,
            self.push_subscription_days,
            self.stale_consult_days,
            self.feedback_days,
        )
        if min(periods) < 1:
            raise ValueError("retention periods are at least one day")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionPolicy:
        return cls(
            int(config.get("CONSULT_RETENTION_DAYS", DEFAULT_CONSULT_DAYS)),
            int(config.get("PUSH_SUBSCRIPTION_RETENTION_DAYS", DEFAULT_SUBSCRIPTION_DAYS)),
            int(config.get("CONSULT_STALE_DAYS", DEFAULT_STALE_DAYS)),
            int(config.get("FEEDBACK_RETENTION_DAYS", DEFAULT_FEEDBACK_DAYS)),
        )

    def stale_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.stale_consult_days)

    def feedback_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.feedback_days)

    def consult_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.consult_content_days)

    def subscription_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.push_subscription_days)

    def consult_content_due(
        self,
        now: datetime,
        *,
        status: str,
        closed_at: datetime | None,
        cancelled_at: datetime | None,
        content_purged_at: datetime | None,
    ) -> bool:
        if content_purged_at is not None:
            return False
        ended = {"closed": closed_at, "cancelled": cancelled_at}.get(status)
        return ended is not None and ended <= self.consult_cutoff(now)

    def subscription_due(
        self,
        now: datetime,
        *,
        created_at: datetime,
        last_used_at: datetime | None,
        last_success_at: datetime | None,
    ) -> bool:
        latest = max(t for t in (created_at, last_used_at, last_success_at) if t is not None)
        return latest <= self.subscription_cutoff(now)


@dataclass(frozen=True)
class PurgeCounts:
    consults: int = 0
    messages: int = 0
    decline_reasons: int = 0
    subscriptions: int = 0
    feedback_comments: int = 0

    def as_details(self) -> dict[str, int]:
        return asdict(self)


# --- the same rules as SQL -------------------------------------------------------------------


def _consults_due(policy: RetentionPolicy, now: datetime) -> ColumnElement[bool]:
    cutoff = policy.consult_cutoff(now)
    return and_(
        Consult.content_purged_at.is_(None),
        or_(
            and_(Consult.status == "closed", Consult.closed_at <= cutoff),
            and_(Consult.status == "cancelled", Consult.cancelled_at <= cutoff),
        ),
    )


def _subscriptions_due(policy: RetentionPolicy, now: datetime) -> ColumnElement[bool]:
    cutoff = policy.subscription_cutoff(now)
    return and_(
        PushSubscription.created_at <= cutoff,
        or_(PushSubscription.last_used_at.is_(None), PushSubscription.last_used_at <= cutoff),
        or_(PushSubscription.last_success_at.is_(None), PushSubscription.last_success_at <= cutoff),
    )


def count_due(session: Session, now: datetime, policy: RetentionPolicy) -> PurgeCounts:
    """What `purge` would remove now (for `flask purge --dry-run`)."""
    consults = session.scalar(select(func.count(Consult.id)).where(_consults_due(policy, now)))
    messages = session.scalar(
        select(func.count(ConsultMessage.id))
        .join(Consult, Consult.id == ConsultMessage.consult_id)
        .where(_consults_due(policy, now))
    )
    subscriptions = session.scalar(
        select(func.count(PushSubscription.id)).where(_subscriptions_due(policy, now))
    )
    comments = session.scalar(
        select(func.count(GuideFeedback.id)).where(_comments_due(policy, now))
    )
    return PurgeCounts(consults or 0, messages or 0, 0, subscriptions or 0, comments or 0)


def _comments_due(policy: RetentionPolicy, now: datetime) -> ColumnElement[bool]:
    return and_(
        GuideFeedback.comment.is_not(None), GuideFeedback.updated_at <= policy.feedback_cutoff(now)
    )


def purge(session: Session, now: datetime, policy: RetentionPolicy) -> PurgeCounts:
    """Delete what the policy says is due, in batches; record the counts in the audit log."""
    consults = messages = reasons = 0
    while True:
        ids = list(
            session.scalars(
                select(Consult.id)
                .where(_consults_due(policy, now))
                .order_by(Consult.id)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        messages += _rowcount(
            session.execute(delete(ConsultMessage).where(ConsultMessage.consult_id.in_(ids)))
        )
        reasons += _rowcount(
            session.execute(
                update(ConsultOffer)
                .where(ConsultOffer.consult_id.in_(ids), ConsultOffer.decline_reason.is_not(None))
                .values(decline_reason=None)
            )
        )
        consults += _rowcount(
            session.execute(
                update(Consult)
                .where(Consult.id.in_(ids))
                .values(
                    note=None,
                    outcome_summary=None,
                    callback_number=None,
                    content_purged_at=now,
                    updated_at=now,
                )
            )
        )
    subscriptions = _rowcount(
        session.execute(delete(PushSubscription).where(_subscriptions_due(policy, now)))
    )
    comments = _rowcount(
        session.execute(
            update(GuideFeedback).where(_comments_due(policy, now)).values(comment=None)
        )
    )
    counts = PurgeCounts(consults, messages, reasons, subscriptions, comments)
    audit.record(
        session,
        now,
        "retention.purged",
        object_type="retention",
        details={
            **counts.as_details(),
            "consult_days": policy.consult_content_days,
            "subscription_days": policy.push_subscription_days,
            "feedback_days": policy.feedback_days,
        },
    )
    # Objects already loaded in this session must not show content that is gone.
    session.expire_all()
    return counts


def _rowcount(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)
