"""Delivering the outbox: claim due rows, send outside any transaction, record what happened.

One round, three transactions:
1. claim (commit): rows claimed by a worker whose heartbeat went silent (killed: see
   mentor_app/worker/heartbeats.py), or whose lease ran out (a worker alive but stuck), go back
   to `pending` (at-least-once); then due rows are claimed — on PostgreSQL with
   `SELECT … FOR UPDATE SKIP LOCKED LIMIT n`, on SQLite by a conditional
   `UPDATE … WHERE id = :id AND state = 'pending'` per row — and marked `sending` with
   `claimed_at`/`claimed_by`/`claimed_worker_id`. Everything the sends need is copied out as
   plain data.
2. send (no transaction, no lock held): every push and e-mail of the round in a thread pool.
3. record (commit): every attempt, device health, and each row's next state — only for rows
   still claimed by this worker under the same claim (if a lease ran out meanwhile, another
   worker owns the row; its result will be the one that counts).

A worker killed between 1 and 3 leaves rows in `sending`; once its heartbeat is older than
WORKER_STALE_SECONDS (15 s), the next round of any worker sends them again.
The receiver may then get a message twice, always with the same `id` and `tag`, and the service
worker shows it once. This module takes the session and `now` like a service, but commits: the
whole point of a claim is to be visible to other workers before the sends start.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.notifications import messages, policy, relevance
from mentor_app.notifications.email import compose
from mentor_app.notifications.jobs import Job, Settings, checkpoint
from mentor_app.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    OutboxState,
    PushSubscription,
    PushUrgency,
)
from mentor_app.notifications.outcomes import dead, finish, record, retry_at
from mentor_app.notifications.push import PushRequest, PushTarget
from mentor_app.notifications.sending import Channels, channels_for, send_all
from mentor_app.notifications.topics import is_valid_topic, push_topic
from mentor_app.relay import routes as relay_routes
from mentor_app.worker import heartbeats

log = logging.getLogger("mentor_app.notifications")

# --- the round --------------------------------------------------------------------------------


def deliver_due(session: Session, now: datetime, settings: Settings, channels: Channels) -> int:
    """One round; returns how many rows it claimed or settled."""
    started = time.monotonic()
    recovered = recover_expired_claims(
        session, now, settings.lease, settings.stale, own=settings.heartbeat_id
    )
    rows = claim(session, now, settings)
    jobs = prepare(session, now, rows, settings, channels)
    session.commit()
    if not jobs:
        return len(rows) + recovered
    checkpoint("after_claim")
    send_all(jobs, now, channels, settings.threads)
    checkpoint("after_send")
    later = now + timedelta(seconds=time.monotonic() - started)
    record_with_retries(session, later, jobs, settings, channels)
    return len(rows) + recovered


RECORD_TRIES = 3
# PostgreSQL: deadlock_detected, serialization_failure. Both say "run it again", and the
# round's results are still in memory, so recording again at once beats leaving the rows to
# the lease (two minutes late).
RETRYABLE_SQLSTATES = ("40P01", "40001")


def record_with_retries(
    session: Session, now: datetime, jobs: list, settings: Settings, channels: Channels
) -> None:
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            record(session, now, jobs, settings, channels)
            session.commit()
            return
        except OperationalError as err:
            session.rollback()
            code = getattr(err.orig, "sqlstate", None)
            if attempt == RECORD_TRIES or not (
                code in RETRYABLE_SQLSTATES or err.connection_invalidated
            ):
                raise
            # A dropped connection: the session takes a fresh one from the pool.
            log.warning(
                "recording a round hit %s; recording it again at once",
                code or type(err.orig).__name__,
            )


def recover_expired_claims(
    session: Session,
    now: datetime,
    lease: timedelta,
    stale: timedelta = heartbeats.DEFAULT_STALE,
    own: int | None = None,
) -> int:
    """Rows in `sending` whose worker is gone (its heartbeat silent for `stale`, or its row
    removed) or whose lease ran out go back to `pending`; so do this worker's own (`own`, its
    heartbeat id): a worker runs one round at a time, so at the start of a round any claim of
    its own was orphaned by a round that failed (its connection dropped before it recorded).
    Returns how many."""
    gone = [
        OutboxMessage.claimed_worker_id.in_(heartbeats.stale_worker_ids(now, stale)),
        OutboxMessage.claimed_worker_id.not_in(heartbeats.known_worker_ids()),
    ]
    if own is not None:
        gone.append(OutboxMessage.claimed_worker_id == own)
    worker_gone = and_(OutboxMessage.claimed_worker_id.is_not(None), or_(*gone))
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.SENDING.value,
            or_(OutboxMessage.claimed_at < now - lease, worker_gone),
        )
        .values(
            state=OutboxState.PENDING.value,
            claimed_at=None,
            claimed_by=None,
            claimed_worker_id=None,
            last_error="claim taken back: its worker stopped before recording a result",
        )
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0
    if count:
        log.warning("returned %d outbox row(s) whose worker stopped", count)
    return count


def claim(session: Session, now: datetime, settings: Settings) -> list[OutboxMessage]:
    due = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(settings.batch_size)
    )
    if session.get_bind().dialect.name == "postgresql":
        rows = list(session.scalars(due.with_for_update(skip_locked=True)))
        for row in rows:
            row.state = OutboxState.SENDING.value
            row.claimed_at = now
            row.claimed_by = settings.worker_id
            row.claimed_worker_id = settings.heartbeat_id
        session.flush()
        return rows
    claimed = []
    for row_id in session.scalars(due.with_only_columns(OutboxMessage.id)).all():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.state == OutboxState.PENDING.value)
            .values(
                state=OutboxState.SENDING.value,
                claimed_at=now,
                claimed_by=settings.worker_id,
                claimed_worker_id=settings.heartbeat_id,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    if not claimed:
        return []
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def prepare(
    session: Session,
    now: datetime,
    rows: list[OutboxMessage],
    settings: Settings,
    channels: Channels,
) -> list[Job]:
    """Turn claimed rows into jobs. Rows with nothing to send are settled here (recipient gone,
    already delivered to every device, or undeliverable by push and not by e-mail either)."""
    if not rows:
        return []
    user_ids = sorted({r.user_id for r in rows})
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    devices = _active_devices(session, users)
    delivered = _delivered_pairs(session, [r.id for r in rows])
    relays = relay_routes.messages_for(session, users, rows, channels, settings.public_base_url)
    jobs = []
    for row in rows:
        user = users.get(row.user_id)
        if user is None or user.is_disabled:
            finish(row, OutboxState.CANCELLED, error="recipient disabled")
            continue
        if not _still_worth_sending(session, now, row):
            continue
        job = Job(
            outbox_id=row.id,
            claimed_at=now,
            kind=row.kind,
            user_id=user.id,
            role=user.role,
            email_fallback=user.email_fallback,
            attempts=row.attempts,
            email_attempts=row.email_attempts,
            expires_at=row.due_at + timedelta(seconds=row.ttl_seconds),
            delivered_before=bool(delivered.get(row.id)),
            relay_attempts=row.relay_attempts,
            relay_next=relays.get(row.id),
        )
        if row.fallback_at is None and row.relay_at is None:
            _plan_push(
                row, job, devices.get(user.id, []), delivered.get(row.id, set()), now, channels
            )
            if job.push is None:
                if job.delivered_before:
                    finish(row, OutboxState.SENT, sent_at=row.sent_at or now, channel="push")
                    continue
                if not _start_fallback(session, now, row, job, user, channels):
                    continue
        if row.fallback_at is None and row.relay_at is not None:
            job.relay, job.relay_next = job.relay_next, None
            if job.relay is None and not _start_email(session, now, row, user, channels):
                continue  # the second channel went away meanwhile, and e-mail is not allowed
        if row.fallback_at is not None:
            job.email = compose(
                user.id,
                user.email,
                row.payload,
                settings.public_base_url,
                user.locale,
                kind=row.kind,
            )
        jobs.append(job)
    session.flush()
    return jobs


def _still_worth_sending(session: Session, now: datetime, row: OutboxMessage) -> bool:
    """Asked before every send (first, retry, re-send after a lost claim): a row whose reason
    passed is settled `obsolete` with no attempt; one that must wait goes back to `pending`."""
    decision = relevance.verdict(session, now, row)
    if decision is relevance.Verdict.OBSOLETE:
        finish(row, OutboxState.OBSOLETE, error="its reason passed before it was sent")
        return False
    if decision is relevance.Verdict.WAIT:
        retry_at(row, relevance.wait_until(now))
        return False
    return True


def _active_devices(session: Session, users: dict[int, User]) -> dict[int, list[PushSubscription]]:
    by_user: dict[int, list[PushSubscription]] = {}
    if not users:
        return by_user
    for device in session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id.in_(list(users)), PushSubscription.disabled_at.is_(None))
        .order_by(PushSubscription.id)
    ):
        by_user.setdefault(device.user_id, []).append(device)
    return by_user


def _delivered_pairs(session: Session, outbox_ids: list[int]) -> dict[int, set[int]]:
    """Which devices already accepted which of these rows (a retry skips them)."""
    pairs: dict[int, set[int]] = {}
    for outbox_id, subscription_id in session.execute(
        select(DeliveryAttempt.outbox_id, DeliveryAttempt.subscription_id).where(
            DeliveryAttempt.outbox_id.in_(outbox_ids),
            DeliveryAttempt.channel == "push",
            and_(DeliveryAttempt.status_code >= 200, DeliveryAttempt.status_code < 300),
        )
    ):
        pairs.setdefault(outbox_id, set()).add(subscription_id)
    return pairs


def _plan_push(
    row: OutboxMessage,
    job: Job,
    devices: list[PushSubscription],
    delivered: set[int],
    now: datetime,
    channels: Channels,
) -> None:
    remaining_ttl = int((job.expires_at - now).total_seconds())
    targets = [d for d in devices if d.id not in delivered]
    if channels.push is None or not targets or remaining_ttl <= 0:
        return
    try:
        data = messages.push_payload(
            row.payload,
            dedup_key=row.dedup_key,
            urgent=row.urgency == PushUrgency.HIGH.value,
            fallback_tag=f"m{row.id}",
        )
    except messages.PayloadError as err:
        log.error("outbox row %s cannot be pushed: %s", row.id, err)
        row.last_error = f"fault: {err}"
        return
    # The TTL counts from when the message was due: a retry does not extend its life.
    # Rows queued before every topic came from push_topic() may hold a readable one.
    topic = row.topic if row.topic is None or is_valid_topic(row.topic) else push_topic(row.topic)
    job.push = PushRequest(data, remaining_ttl, row.urgency, topic)
    job.targets = [PushTarget(d.id, d.endpoint, d.p256dh, d.auth) for d in targets]


def _start_fallback(
    session: Session,
    now: datetime,
    row: OutboxMessage,
    job: Job,
    user: User,
    channels: Channels,
) -> bool:
    """Push cannot deliver this row. True when the second channel or the e-mail fallback takes
    it over (the row stays claimed and is sent there this round); False when it is dead (and
    settled here)."""
    if job.relay_next is not None:
        row.relay_at = now
        return True
    return _start_email(session, now, row, user, channels)


def _start_email(
    session: Session, now: datetime, row: OutboxMessage, user: User, channels: Channels
) -> bool:
    if channels.email is not None and policy.falls_back_to_email(row.kind, user.email_fallback):
        row.fallback_at = now
        return True
    dead(session, now, row, user.role, row.last_error or "no working device, no fallback")
    return False


def run_step(session: Session, now: datetime, app: Flask | None = None) -> int:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return deliver_due(session, now, Settings.from_config(app.config), channels_for(app))
