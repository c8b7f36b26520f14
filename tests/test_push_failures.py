"""Delivery failures against a local push service: 404/410, 429 + Retry-After, 5xx then
success, retries that end (and who is told), a hanging endpoint, faults that are not retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage, PushSubscription
from mentor_app.notifications.vapid import keys_for
from tests.push_helpers import HANG, LocalPushService, add_device, deliver, quick_user, simple


@pytest.fixture
def push_service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


@pytest.mark.parametrize("gone", [404, 410])
def test_gone_disables_only_that_subscription(app, db, clock, push_service, gone: int) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    dead = add_device(db, user_id, push_service.subscription("old-phone"))
    alive = add_device(db, user_id, push_service.subscription("phone"))
    push_service.script("old-phone", gone)
    first = simple(db, now, user_id)

    deliver(app, now)

    db.expire_all()
    assert db.get(PushSubscription, dead.id).disabled_at is not None
    assert db.get(PushSubscription, dead.id).disabled_reason == f"gone ({gone})"
    assert db.get(PushSubscription, alive.id).disabled_at is None
    assert db.get(OutboxMessage, first.id).state == "sent"
    assert len(push_service.delivered("phone")) == 1
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "push.subscription_gone")).one()

    simple(db, now, user_id)
    deliver(app, now)
    assert len(push_service.delivered("phone")) == 2
    assert len([r for r in push_service.received if r.token == "old-phone"]) == 1


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [("120", 120), ("http-date", 300)],
)
def test_429_waits_at_least_retry_after(
    app, db, clock, push_service, retry_after: str, seconds: int
) -> None:  # type: ignore[no-untyped-def]
    from email.utils import format_datetime

    now = clock.freeze(datetime.now(UTC).replace(microsecond=0))
    if retry_after == "http-date":
        retry_after = format_datetime(now + timedelta(seconds=seconds), usegmt=True)
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("busy"))
    push_service.script("busy", (429, {"Retry-After": retry_after}))
    row = simple(db, now, user_id)

    deliver(app, now)

    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert stored.state == "pending"
    assert stored.next_attempt_at >= now + timedelta(seconds=seconds)
    attempt = db.scalars(select(DeliveryAttempt)).one()
    assert attempt.status_code == 429

    # Not before Retry-After...
    assert deliver(app, now + timedelta(seconds=seconds - 1)) == 0
    # ...and delivered after it.
    deliver(app, stored.next_attempt_at)
    assert len(push_service.delivered("busy")) == 1


def test_server_error_then_success_is_delivered_on_the_retry(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("flaky"))
    push_service.script("flaky", 500)
    row = simple(db, now, user_id)

    deliver(app, now)
    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert stored.state == "pending"
    assert stored.attempts == 1
    base = app.config["OUTBOX_BACKOFF_BASE_SECONDS"]
    assert stored.next_attempt_at >= now + timedelta(seconds=base / 2)
    assert "500" in stored.last_error

    deliver(app, stored.next_attempt_at)
    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.attempts) == ("sent", 2)
    statuses = db.scalars(select(DeliveryAttempt.status_code).order_by(DeliveryAttempt.id)).all()
    assert statuses == [500, 201]
    assert len(push_service.delivered("flaky")) == 1


def test_a_retry_skips_devices_that_already_have_it(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("laptop"))
    add_device(db, user_id, push_service.subscription("phone"))
    push_service.script("phone", 503)
    row = simple(db, now, user_id)

    deliver(app, now)
    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert stored.state == "pending"  # the phone is still worth another try
    assert stored.sent_at is not None  # but the user has it on one device already

    deliver(app, stored.next_attempt_at)
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "sent"
    assert len(push_service.delivered("laptop")) == 1
    assert len(push_service.delivered("phone")) == 1


def test_retries_end_and_a_dead_consultant_alert_tells_the_coordinators(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    now = clock.freeze()
    consultant = quick_user(db, "consultant", email_fallback=False)
    coordinator = quick_user(db, "coordinator")
    add_device(db, coordinator, push_service.subscription("coordinator"))
    add_device(db, consultant, push_service.subscription("broken"))
    push_service.script("broken", 500, 502, 503)
    row = simple(db, now, consultant, kind="consult_offer")

    at = now
    for _ in range(3):
        deliver(app, at)
        db.expire_all()
        at = db.get(OutboxMessage, row.id).next_attempt_at
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.attempts) == ("dead", 3)
    notice = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "undeliverable")).one()
    assert notice.user_id == coordinator
    assert notice.payload["title"] == "A consultant alert could not be delivered"

    deliver(app, at + timedelta(seconds=5))
    [got] = push_service.delivered("coordinator")
    assert got.payload["title"] == "A consultant alert could not be delivered"
    assert got.headers["urgency"] == "high"
    # The failing consultant's device is marked failing, not removed.
    device = db.scalars(
        select(PushSubscription).where(PushSubscription.user_id == consultant)
    ).one()
    assert device.failing_since is not None and device.disabled_at is None


def test_a_hanging_endpoint_is_cut_at_the_timeout_and_the_worker_goes_on(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    app.config["PUSH_TIMEOUT_SECONDS"] = 1.0
    app.config["PUSH_SEND_THREADS"] = 1  # one at a time: the next send waits for the cut
    now = clock.freeze()
    stuck_user = quick_user(db, "consultant")
    other_user = quick_user(db, "consultant")
    add_device(db, stuck_user, push_service.subscription("stuck"))
    add_device(db, other_user, push_service.subscription("fine"))
    push_service.script("stuck", HANG)
    stuck = simple(db, now, stuck_user)
    fine = simple(db, now, other_user)

    assert deliver(app, now) == 2

    db.expire_all()
    assert db.get(OutboxMessage, fine.id).state == "sent"
    assert len(push_service.delivered("fine")) == 1
    stuck_row = db.get(OutboxMessage, stuck.id)
    assert stuck_row.state == "pending"
    attempt = db.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == stuck.id)).one()
    assert attempt.status_code is None
    assert attempt.error == "timeout after 1 s"
    assert attempt.latency_ms < 5000


@pytest.mark.parametrize("status", [400, 403, 413])
def test_faults_are_not_retried(app, db, clock, push_service, status: int) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "mentor", email_fallback=False)
    add_device(db, user_id, push_service.subscription("rejects"))
    push_service.script("rejects", status)
    row = simple(db, now, user_id)

    deliver(app, now)

    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.attempts) == ("dead", 1)
    device = db.scalars(select(PushSubscription)).one()
    assert device.disabled_at is None and device.failing_since is not None
    # A mentor's message does not alert coordinators.
    assert (
        db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "undeliverable")).all() == []
    )


def test_a_request_that_cannot_be_built_is_a_fault_not_a_loop(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "mentor", email_fallback=False)
    with LocalPushService() as service:
        subscription = service.subscription("v6")
    # py_vapid refuses an IPv6 audience: the send reports a fault instead of raising.
    subscription["endpoint"] = "http://[::1]:9/push/v6"
    add_device(db, user_id, subscription)
    row = simple(db, now, user_id)

    assert deliver(app, now) == 1

    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.attempts) == ("dead", 1)
    attempt = db.scalars(select(DeliveryAttempt)).one()
    assert attempt.status_code is None and attempt.error.startswith("internal error")
