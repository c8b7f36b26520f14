"""Delivering the outbox: claim due rows, send outside any transaction, record what happened.

One round, three transactions:
1. claim (commit): rows whose lease ran out go back to `pending` (a worker died holding them:
   at-least-once); then due rows are claimed — on PostgreSQL with
   `SELECT … FOR UPDATE SKIP LOCKED LIMIT n`, on SQLite by a conditional
   `UPDATE … WHERE id = :id AND state = 'pending'` per row — and marked `sending` with
   `claimed_at`/`claimed_by`. Everything the sends need is copied out as plain data.
2. send (no transaction, no lock held): every push and e-mail of the round in a thread pool.
3. record (commit): every attempt, device health, and each row's next state — only for rows
   still claimed by this worker under the same claim (if a lease ran out meanwhile, another
   worker owns the row; its result will be the one that counts).

A worker killed between 1 and 3 leaves rows in `sending`; after the lease they are sent again.
The receiver may then get a message twice, always with the same `id` and `tag`, and the service
worker shows it once. This module takes the session and `now` like a service, but commits: the
whole point of a claim is to be visible to other workers before the sends start.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.notifications import messages, policy
from mentor_app.notifications.email import EmailResult, EmailSender, OutgoingEmail, compose
from mentor_app.notifications.email import sender_for as email_sender_for
from mentor_app.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    OutboxState,
    PushSubscription,
    PushUrgency,
)
from mentor_app.notifications.push import PushRequest, PushResult, PushSender, PushTarget
from mentor_app.notifications.services import enqueue, wake_workers
from mentor_app.notifications.vapid import VapidConfigError, keys_for

log = logging.getLogger("mentor_app.notifications")

WORKER_ID = f"{socket.gethostname()[:40]}:{os.getpid()}"
TEST_STOP_ENV = "MENTOR_APP_TEST_WORKER_STOP"


@dataclass(frozen=True)
class Settings:
    batch_size: int
    lease: timedelta
    push_retry: policy.RetryPolicy
    email_retry: policy.RetryPolicy
    threads: int
    public_base_url: str
    worker_id: str = WORKER_ID

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        base = float(config["OUTBOX_BACKOFF_BASE_SECONDS"])
        cap = float(config["OUTBOX_BACKOFF_CAP_SECONDS"])
        return cls(
            batch_size=max(1, int(config["OUTBOX_BATCH_SIZE"])),
            lease=timedelta(seconds=float(config["OUTBOX_LEASE_SECONDS"])),
            push_retry=policy.RetryPolicy(
                int(config["OUTBOX_MAX_ATTEMPTS"]), base, cap, random.random
            ),
            email_retry=policy.RetryPolicy(
                int(config["EMAIL_MAX_ATTEMPTS"]), base, cap, random.random
            ),
            threads=max(1, int(config["PUSH_SEND_THREADS"])),
            public_base_url=config.get("PUBLIC_BASE_URL") or "",
        )


@dataclass
class Channels:
    push: PushSender | None
    email: EmailSender | None


def channels_for(app: Flask) -> Channels:
    """Built once per app (the worker has one): VAPID signer, SMTP settings."""
    cache = app.extensions.setdefault("mentor_notifications", {})
    if "channels" not in cache:
        push = None
        try:
            keys = keys_for(app)
        except VapidConfigError as err:
            log.error("push is off: %s", err)
            keys = None
        if keys is None:
            log.error("push is off: no VAPID keys configured; messages go to e-mail fallback")
        else:
            push = PushSender(keys, float(app.config["PUSH_TIMEOUT_SECONDS"]))
        cache["channels"] = Channels(push, email_sender_for(app))
    return cache["channels"]


@dataclass
class Job:
    """One claimed row, as plain data the send phase can use without the database."""

    outbox_id: int
    claimed_at: datetime
    kind: str
    user_id: int
    role: str
    email_fallback: bool
    attempts: int
    email_attempts: int
    expires_at: datetime
    delivered_before: bool
    push: PushRequest | None = None
    targets: list[PushTarget] = field(default_factory=list)
    email: OutgoingEmail | None = None
    push_results: list[tuple[PushTarget, PushResult]] = field(default_factory=list)
    email_result: EmailResult | None = None


# --- the round --------------------------------------------------------------------------------


def deliver_due(session: Session, now: datetime, settings: Settings, channels: Channels) -> int:
    """One round; returns how many rows it claimed or settled."""
    started = time.monotonic()
    recovered = recover_expired_claims(session, now, settings.lease)
    rows = claim(session, now, settings)
    jobs, settled = prepare(session, now, rows, settings, channels)
    session.commit()
    if not jobs:
        return len(rows) + recovered + settled
    checkpoint("after_claim")
    send_all(jobs, now, channels, settings.threads)
    checkpoint("after_send")
    later = now + timedelta(seconds=time.monotonic() - started)
    record(session, later, jobs, settings, channels)
    session.commit()
    return len(rows) + recovered


def recover_expired_claims(session: Session, now: datetime, lease: timedelta) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.SENDING.value,
            OutboxMessage.claimed_at < now - lease,
        )
        .values(
            state=OutboxState.PENDING.value,
            claimed_at=None,
            claimed_by=None,
            last_error="claim expired: the worker stopped before recording a result",
        )
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0
    if count:
        log.warning("returned %d outbox row(s) whose claim expired", count)
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
        session.flush()
        return rows
    claimed = []
    for row_id in session.scalars(due.with_only_columns(OutboxMessage.id)).all():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.state == OutboxState.PENDING.value)
            .values(state=OutboxState.SENDING.value, claimed_at=now, claimed_by=settings.worker_id)
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
) -> tuple[list[Job], int]:
    """Turn claimed rows into jobs. Rows with nothing to send are settled here (recipient gone,
    already delivered to every device, or undeliverable by push and not by e-mail either)."""
    if not rows:
        return [], 0
    user_ids = sorted({r.user_id for r in rows})
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    devices = _active_devices(session, users)
    delivered = _delivered_pairs(session, [r.id for r in rows])
    jobs, settled = [], 0
    for row in rows:
        user = users.get(row.user_id)
        if user is None or user.is_disabled:
            _finish(row, OutboxState.CANCELLED, error="recipient disabled")
            settled += 1
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
        )
        if row.fallback_at is None:
            _plan_push(
                row, job, devices.get(user.id, []), delivered.get(row.id, set()), now, channels
            )
            if job.push is None:
                if job.delivered_before:
                    _finish(row, OutboxState.SENT, sent_at=row.sent_at or now, channel="push")
                    settled += 1
                    continue
                if not _start_fallback(session, now, row, job, user, channels):
                    settled += 1
                    continue
        if row.fallback_at is not None:
            job.email = compose(user.id, user.email, row.payload, settings.public_base_url)
        jobs.append(job)
    session.flush()
    return jobs, settled


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
    job.push = PushRequest(data, remaining_ttl, row.urgency, row.topic)
    job.targets = [PushTarget(d.id, d.endpoint, d.p256dh, d.auth) for d in targets]


def _start_fallback(
    session: Session,
    now: datetime,
    row: OutboxMessage,
    job: Job,
    user: User,
    channels: Channels,
) -> bool:
    """Push cannot deliver this row. True when the e-mail fallback takes it over (the row stays
    claimed and is e-mailed this round); False when it is dead (and settled here)."""
    if channels.email is not None and policy.falls_back_to_email(row.kind, user.email_fallback):
        row.fallback_at = now
        return True
    _dead(session, now, row, user.role, row.last_error or "no working device, no fallback")
    return False


# --- sending (no database) --------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def _pool(threads: int) -> ThreadPoolExecutor:
    global _executor, _executor_size
    if _executor is None or _executor_size != threads:
        if _executor is not None:
            _executor.shutdown(wait=False)
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="send")
        _executor_size = threads
    return _executor


def send_all(jobs: list[Job], now: datetime, channels: Channels, threads: int) -> None:
    """Every push and e-mail of the round, in parallel; a hanging endpoint holds one thread for
    at most the timeout while the others carry on."""
    pool = _pool(threads)
    pushes: list[tuple[Job, PushTarget, Future[PushResult]]] = []
    mails: list[tuple[Job, Future[EmailResult]]] = []
    for job in jobs:
        if job.email is not None and channels.email is not None:
            mails.append((job, pool.submit(channels.email.send, job.email)))
        elif job.push is not None and channels.push is not None:
            for target in job.targets:
                pushes.append((job, target, pool.submit(channels.push.send, target, job.push, now)))
    for index, (job, target, future) in enumerate(pushes):
        job.push_results.append((target, future.result()))
        if index == 0:
            checkpoint("mid_send")
    for job, future in mails:
        job.email_result = future.result()


# --- recording --------------------------------------------------------------------------------


def record(
    session: Session, now: datetime, jobs: list[Job], settings: Settings, channels: Channels
) -> None:
    ids = [job.outbox_id for job in jobs]
    query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    rows = {r.id: r for r in session.scalars(query.execution_options(populate_existing=True))}
    devices = {
        d.id: d
        for d in session.scalars(
            select(PushSubscription).where(
                PushSubscription.id.in_(
                    sorted({t.subscription_id for j in jobs for t, _ in j.push_results})
                )
            )
        )
    }
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
                "outbox row %s was reclaimed while sending; its result is kept", job.outbox_id
            )
            continue
        if job.email_result is not None:
            _settle_email(session, now, row, job, settings)
        else:
            _settle_push(session, now, row, job, settings, channels)
    session.flush()


def _record_attempts(
    session: Session, now: datetime, job: Job, devices: dict[int, PushSubscription]
) -> None:
    for target, result in job.push_results:
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
    if job.email_result is not None:
        result = job.email_result
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
        _retry(row, decision.at)
    elif decision.next is policy.Next.SENT:
        _finish(row, OutboxState.SENT, sent_at=row.sent_at or now, channel="push")
    else:
        user = session.get(User, row.user_id)
        fallback = (
            channels.email is not None
            and user is not None
            and policy.falls_back_to_email(row.kind, user.email_fallback)
        )
        if fallback:
            row.fallback_at = now
            _retry(row, now)  # e-mail right away, by whichever worker is free first
            wake_workers(session)
        else:
            _dead(session, now, row, job.role, row.last_error or "no device accepted it")


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
        _finish(row, OutboxState.SENT, sent_at=now, channel="email")
    elif decision.next is policy.Next.RETRY:
        row.last_error = result.error
        _retry(row, decision.at)
    else:
        _dead(session, now, row, job.role, f"e-mail: {result.error}")


def _retry(row: OutboxMessage, at: datetime | None) -> None:
    row.state = OutboxState.PENDING.value
    row.next_attempt_at = at or row.next_attempt_at
    row.claimed_at = None
    row.claimed_by = None


def _finish(
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
    if error is not None:
        row.last_error = error[:300]
    if sent_at is not None:
        row.sent_at = sent_at
    if channel is not None:
        row.channel = channel


def _dead(session: Session, now: datetime, row: OutboxMessage, role: str, error: str) -> None:
    _finish(row, OutboxState.DEAD, error=error)
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
            topic="undeliverable",
        )
    return len(coordinators)


def pool_url() -> str:
    """The pool list (the pool domain's page), or the home page while it does not exist."""
    adapter = current_app.url_map.bind("localhost")
    for endpoint in ("pool.index", "pool.list", "pool.pool"):
        if endpoint in current_app.view_functions:
            try:
                return adapter.build(endpoint)
            except BuildError:  # needs arguments: not the list page
                continue
    return "/"


# --- crash tests ------------------------------------------------------------------------------

_reached: Counter[str] = Counter()


def checkpoint(point: str) -> None:
    """Tests only (TESTING and MENTOR_APP_TEST_WORKER_STOP="point:n"): the n-th time this
    process reaches `point`, it stops itself (SIGSTOP) so the test can SIGKILL it right there."""
    spec = os.environ.get(TEST_STOP_ENV)
    if not spec or not current_app.config.get("TESTING"):
        return
    name, _, count = spec.partition(":")
    if name != point:
        return
    _reached[point] += 1
    if _reached[point] == int(count or 1):
        os.kill(os.getpid(), signal.SIGSTOP)


def run_step(session: Session, now: datetime, app: Flask | None = None) -> int:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return deliver_due(session, now, Settings.from_config(app.config), channels_for(app))


def pending_count(session: Session, user_ids: Iterable[int] | None = None) -> int:
    query = select(OutboxMessage.id).where(
        OutboxMessage.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value])
    )
    if user_ids is not None:
        query = query.where(OutboxMessage.user_id.in_(list(user_ids)))
    return len(session.scalars(query).all())
