"""The record phase of a round: every attempt, each device's health, and each row's next
state (sent, retry later, e-mail fallback, dead — and then the coordinators are told)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.metrics import instruments as metrics
from mentor_app.notifications import messages, policy
from mentor_app.notifications.jobs import Job, Settings
from mentor_app.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    OutboxState,
    PushSubscription,
    PushUrgency,
)
from mentor_app.notifications.push import PushResult
from mentor_app.notifications.sending import Channels
from mentor_app.notifications.services import enqueue, wake_workers
from mentor_app.notifications.topics import push_topic
from mentor_app.relay import health as relay_health

log = logging.getLogger("mentor_app.notifications")

# A push attempt's outcome as the metrics count it (mentor_delivery_attempts_total{result}).
PUSH_RESULT = {
    policy.Outcome.DELIVERED: "sent",
    policy.Outcome.GONE: "gone",
    policy.Outcome.RATE_LIMITED: "retry",
    policy.Outcome.TRANSIENT: "retry",
    policy.Outcome.FAULT: "fault",
}


def record(
    session: Session, now: datetime, jobs: list[Job], settings: Settings, channels: Channels
) -> None:
    """Lock order, the same in every worker: the round's outbox rows, then the devices it
    touched, each by primary key, all before the first write; then no autoflush until the
    end. (Two workers updating shared devices in their own orders deadlocked; see issue 14.)"""
    postgres = session.get_bind().dialect.name == "postgresql"
    ids = sorted(job.outbox_id for job in jobs)
    query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    device_query = (
        select(PushSubscription)
        .where(
            PushSubscription.id.in_(
                sorted({t.subscription_id for j in jobs for t, _ in j.push_results})
            )
        )
        .order_by(PushSubscription.id)
    )
    if postgres:
        query, device_query = query.with_for_update(), device_query.with_for_update()
    rows = {r.id: r for r in session.scalars(query.execution_options(populate_existing=True))}
    devices = {
        d.id: d for d in session.scalars(device_query.execution_options(populate_existing=True))
    }
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_(sorted({j.user_id for j in jobs}))).order_by(User.id)
        )
    }
    with session.no_autoflush:
        for job in jobs:
            _record_attempts(session, now, job, devices)
            row = rows.get(job.outbox_id)
            if (
                row is None
                or row.state != OutboxState.SENDING.value
                or row.claimed_by != settings.worker_id
                or row.claimed_at != job.claimed_at
            ):
                log.warning(
                    "outbox row %s was reclaimed while sending; its result is kept",
                    job.outbox_id,
                )
                continue
            if job.email_result is not None:
                _settle_email(session, now, row, job, settings)
            elif job.relay_result is not None:
                _settle_relay(session, now, row, job, settings, channels, users.get(row.user_id))
            else:
                _settle_push(session, now, row, job, settings, channels, users.get(row.user_id))
    session.flush()


def _record_attempts(
    session: Session, now: datetime, job: Job, devices: dict[int, PushSubscription]
) -> None:
    for target, result in job.push_results:
        metrics.delivery_attempt(
            session, "push", PUSH_RESULT[result.outcome], result.latency_ms / 1000
        )
        session.add(
            DeliveryAttempt(
                outbox_id=job.outbox_id,
                subscription_id=target.subscription_id,
                channel="push",
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                at=now,
            )
        )
        device = devices.get(target.subscription_id)
        if device is not None:
            _update_device(session, now, device, result)
    if job.relay_result is not None:
        relayed = job.relay_result
        metrics.delivery_attempt(
            session, "apprise", "sent" if relayed.ok else "retry", relayed.latency_ms / 1000
        )
        session.add(
            DeliveryAttempt(
                outbox_id=job.outbox_id,
                channel="apprise",
                latency_ms=relayed.latency_ms,
                error=relayed.error,
                at=now,
            )
        )
        relay_health.record(session, now, job.user_id, ok=relayed.ok)
    if job.email_result is not None:
        result = job.email_result
        email_result = "sent" if result.ok else "retry" if result.transient else "fault"
        metrics.delivery_attempt(session, "email", email_result, result.latency_ms / 1000)
        session.add(
            DeliveryAttempt(
                outbox_id=job.outbox_id,
                channel="email",
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                at=now,
            )
        )


def _update_device(
    session: Session, now: datetime, device: PushSubscription, result: PushResult
) -> None:
    device.last_used_at = now
    outcome = result.outcome
    if outcome is policy.Outcome.DELIVERED:
        device.last_success_at = now
        device.failing_since = None
        return
    if outcome is policy.Outcome.GONE:
        if device.disabled_at is None:
            device.disabled_at = now
            device.disabled_reason = f"gone ({result.status_code})"
            audit.record(
                session,
                now,
                "push.subscription_gone",
                object_type="push_subscription",
                object_id=device.id,
                details={"status": result.status_code},
            )
        return
    if outcome is policy.Outcome.FAULT:
        log.error(
            "push fault for subscription %s: %s (not retried)", device.id, result.error or "-"
        )
    device.failing_since = device.failing_since or now


def _settle_push(
    session: Session,
    now: datetime,
    row: OutboxMessage,
    job: Job,
    settings: Settings,
    channels: Channels,
    user: User | None,
) -> None:
    outcomes = [
        (result.outcome, policy.parse_retry_after(result.retry_after, now))
        for _target, result in job.push_results
    ]
    row.attempts = job.attempts + 1
    failures = [r.error for _t, r in job.push_results if r.outcome is not policy.Outcome.DELIVERED]
    row.last_error = "; ".join(e for e in failures if e)[:300] or None
    if any(o is policy.Outcome.DELIVERED for o, _ in outcomes):
        row.sent_at = row.sent_at or now
        row.channel = "push"
    decision = policy.after_push_round(
        outcomes,
        delivered_before=job.delivered_before,
        attempts=row.attempts,
        policy=settings.push_retry,
        now=now,
        expires_at=job.expires_at,
    )
    if decision.next is policy.Next.RETRY:
        retry_at(row, decision.at)
    elif decision.next is policy.Next.SENT:
        finish(row, OutboxState.SENT, sent_at=row.sent_at or now, channel="push")
    elif job.relay_next is not None:
        row.relay_at = now
        retry_at(row, now)  # the second channel right away, by whichever worker is free first
        wake_workers(session)
    else:
        _email_or_dead(session, now, row, job, channels, user, "no device accepted it")


def _email_or_dead(
    session: Session,
    now: datetime,
    row: OutboxMessage,
    job: Job,
    channels: Channels,
    user: User | None,
    why: str,
) -> None:
    """E-mail next (right away) where the kind and the user allow it; else the row is dead.
    `user` was loaded before the first write of the round (lock order, no autoflush)."""
    fallback = (
        channels.email is not None
        and user is not None
        and policy.falls_back_to_email(row.kind, user.email_fallback)
    )
    if fallback:
        row.fallback_at = now
        retry_at(row, now)  # e-mail right away, by whichever worker is free first
        wake_workers(session)
    else:
        dead(session, now, row, job.role, row.last_error or why)


def _settle_relay(
    session: Session,
    now: datetime,
    row: OutboxMessage,
    job: Job,
    settings: Settings,
    channels: Channels,
    user: User | None,
) -> None:
    """The second channel's answer: sent; retried with the push rules (backoff with jitter, at
    most OUTBOX_MAX_ATTEMPTS, never past the message's expiry); then e-mail, or dead."""
    result = job.relay_result
    assert result is not None
    row.relay_attempts = job.relay_attempts + 1
    decision = policy.after_email(
        ok=result.ok,
        transient=True,  # Apprise says only "not delivered": worth another try
        attempts=row.relay_attempts,
        policy=settings.push_retry,
        now=now,
    )
    if decision.next is policy.Next.SENT:
        row.last_error = None
        finish(row, OutboxState.SENT, sent_at=now, channel="apprise")
    elif decision.next is policy.Next.RETRY and decision.at and decision.at < job.expires_at:
        row.last_error = result.error
        retry_at(row, decision.at)
    else:
        row.last_error = result.error
        _email_or_dead(session, now, row, job, channels, user, "second channel failed")


def _settle_email(
    session: Session, now: datetime, row: OutboxMessage, job: Job, settings: Settings
) -> None:
    result = job.email_result
    assert result is not None
    row.email_attempts = job.email_attempts + 1
    decision = policy.after_email(
        ok=result.ok,
        transient=result.transient,
        attempts=row.email_attempts,
        policy=settings.email_retry,
        now=now,
    )
    if decision.next is policy.Next.SENT:
        row.last_error = None
        finish(row, OutboxState.SENT, sent_at=now, channel="email")
    elif decision.next is policy.Next.RETRY:
        row.last_error = result.error
        retry_at(row, decision.at)
    else:
        dead(session, now, row, job.role, f"e-mail: {result.error}")


def retry_at(row: OutboxMessage, at: datetime | None) -> None:
    row.state = OutboxState.PENDING.value
    row.next_attempt_at = at or row.next_attempt_at
    row.claimed_at = None
    row.claimed_by = None
    row.claimed_worker_id = None


def finish(
    row: OutboxMessage,
    state: OutboxState,
    *,
    error: str | None = None,
    sent_at: datetime | None = None,
    channel: str | None = None,
) -> None:
    row.state = state.value
    row.claimed_at = None
    row.claimed_by = None
    row.claimed_worker_id = None
    if error is not None:
        row.last_error = error[:300]
    if sent_at is not None:
        row.sent_at = sent_at
    if channel is not None:
        row.channel = channel


def dead(session: Session, now: datetime, row: OutboxMessage, role: str, error: str) -> None:
    finish(row, OutboxState.DEAD, error=error)
    log.warning("outbox row %s (%s) could not be delivered by any channel", row.id, row.kind)
    audit.record(
        session,
        now,
        "notification.undeliverable",
        object_type="user",
        object_id=row.user_id,
        details={"outbox_id": row.id, "kind": row.kind},
    )
    if policy.escalates(row.kind, role):
        tell_coordinators(session, now, row)


def tell_coordinators(session: Session, now: datetime, row: OutboxMessage) -> int:
    """Every active coordinator (but the one who could not be reached) is told, generically,
    that an alert went undelivered; the pool list shows who is unreachable."""
    coordinators = session.scalars(
        select(User).where(
            User.role == "coordinator", User.is_disabled.is_(False), User.id != row.user_id
        )
    ).all()
    if not coordinators:
        log.error("outbox row %s undeliverable and no other coordinator to tell", row.id)
    url = pool_url()
    for coordinator in coordinators:
        enqueue(
            session,
            now,
            user_id=coordinator.id,
            kind="undeliverable",
            message=messages.undeliverable_message(coordinator.locale, url),
            dedup_key=f"undeliverable:{row.id}:{coordinator.id}",
            urgency=PushUrgency.HIGH,
            ttl=messages.UNDELIVERABLE_TTL,
            topic=push_topic("undeliverable"),
        )
    return len(coordinators)


def pool_url() -> str:
    """The pool list, where coordinators see who is unreachable."""
    return current_app.url_map.bind("localhost").build("pool.index")
