"""The worker's delivery against a local push service: VAPID, encryption, privacy, headers, and
every failure path (404/410, 429 + Retry-After, 5xx then success, a hanging endpoint, faults)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Case, Consult
from mentor_app.notifications import services
from mentor_app.notifications.messages import message_id
from mentor_app.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    PushSubscription,
    PushUrgency,
)
from mentor_app.notifications.services import Message, enqueue
from mentor_app.notifications.vapid import keys_for
from tests.push_helpers import HANG, LocalPushService, add_device, deliver, quick_user

CASE_CODE = "K-ZQ7X"
NOTE = "Brother Yusuf called from Malmo about the anniversary of the trial"
MENTOR_NAME = "Ingrid Vasquez-Lindholm"
CONSULTANT_NAME = "Dr Oskar Brannstrom"


@pytest.fixture
def push_service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


def offer(session, now, consultant_id: int, consult_id: int) -> OutboxMessage:  # type: ignore[no-untyped-def]
    """An urgent consult offer, queued the way the consult domain does it."""
    row = enqueue(
        session,
        now,
        user_id=consultant_id,
        kind="consult_offer",
        message=Message(
            title="Urgent consult request",
            body="Urgent · Swedish · bereavement",
            url=f"/consults/{consult_id}",
            tag=f"consult-{consult_id}",
        ),
        dedup_key=f"offer:{consult_id}:{consultant_id}",
        consult_id=consult_id,
        urgency=PushUrgency.HIGH,
        ttl=timedelta(minutes=15),
        topic=f"consult-{consult_id}",
    )
    session.commit()
    return row


def simple(session, now, user_id: int, key: str | None = None, kind: str = "consult_update"):  # type: ignore[no-untyped-def]
    row = enqueue(
        session,
        now,
        user_id=user_id,
        kind=kind,
        message=Message("Consult update", "Open the app to see it", "/", "update"),
        dedup_key=key or f"t:{uuid.uuid4().hex}",
        topic="update",
    )
    session.commit()
    return row


def make_consult(db, now) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    mentor_id = quick_user(db, "mentor", MENTOR_NAME)
    case = Case(code=CASE_CODE, mentor_id=mentor_id, language="sv", created_at=now)
    db.add(case)
    db.flush()
    consult = Consult(
        mentor_id=mentor_id,
        client_key=str(uuid.uuid4()),
        case_id=case.id,
        urgency="urgent",
        topic="bereavement",
        language="sv",
        note=NOTE,
        created_at=now,
        updated_at=now,
    )
    db.add(consult)
    db.commit()
    return mentor_id, consult.id


def test_push_arrives_signed_encrypted_and_says_nothing_identifying(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    mentor_id, consult_id = make_consult(db, now)
    consultant_id = quick_user(db, "consultant", CONSULTANT_NAME)
    add_device(db, consultant_id, push_service.subscription("phone"))
    row = offer(db, now, consultant_id, consult_id)

    assert deliver(app, now) == 1

    assert push_service.all_problems() == []  # VAPID verified, body decrypted
    [got] = push_service.delivered("phone")
    assert got.payload == {
        "title": "Urgent consult request",
        "body": "Urgent · Swedish · bereavement",
        "url": f"/consults/{consult_id}",
        "tag": f"consult-{consult_id}",
        "id": message_id(f"offer:{consult_id}:{consultant_id}"),
        "urgent": True,
    }
    plaintext = got.plaintext.decode()
    for secret in (CASE_CODE, NOTE, "Yusuf", MENTOR_NAME, CONSULTANT_NAME, "Ingrid", "Oskar"):
        assert secret not in plaintext
    assert got.body_size <= 4096
    assert int(got.headers["ttl"]) > 0
    assert int(got.headers["ttl"]) <= 15 * 60
    assert got.headers["urgency"] == "high"
    assert got.headers["topic"] == f"consult-{consult_id}"
    assert len(got.headers["topic"]) <= 32

    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.channel, stored.attempts) == ("sent", "push", 1)
    assert stored.sent_at is not None
    [attempt] = db.scalars(select(DeliveryAttempt)).all()
    assert attempt.status_code == 201
    assert attempt.channel == "push"
    assert attempt.latency_ms is not None and attempt.latency_ms >= 0
    device = db.scalars(select(PushSubscription)).one()
    assert device.last_success_at is not None and device.failing_since is None
    assert mentor_id != consultant_id


def test_every_device_of_the_user_gets_it(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    for token in ("phone", "tablet", "laptop"):
        add_device(db, user_id, push_service.subscription(token))
    simple(db, now, user_id)
    deliver(app, now)
    assert sorted(r.token for r in push_service.delivered()) == ["laptop", "phone", "tablet"]


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


def test_every_request_carries_ttl_urgency_and_a_short_topic(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("phone"))
    _mentor, consult_id = make_consult(db, now)
    offer(db, now, user_id, consult_id)
    simple(db, now, user_id)
    services.queue_test(db, now, user_id=user_id, locale="en")
    db.commit()

    deliver(app, now)

    got = push_service.delivered("phone")
    assert len(got) == 3
    by_title = {r.payload["title"]: r.headers for r in got}
    assert by_title["Urgent consult request"]["urgency"] == "high"
    assert by_title["Consult update"]["urgency"] == "normal"
    assert by_title["Test notification"]["urgency"] == "normal"
    for headers in by_title.values():
        assert int(headers["ttl"]) > 0
        assert 0 < len(headers["topic"]) <= 32


def test_no_working_device_and_no_fallback_is_dead(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    consultant = quick_user(db, "consultant", email_fallback=False)
    coordinator = quick_user(db, "coordinator")
    mentor = quick_user(db, "mentor", email_fallback=False)
    to_consultant = simple(db, now, consultant, kind="consult_offer")
    to_mentor = simple(db, now, mentor)
    test = simple(db, now, coordinator, kind="test")

    deliver(app, now)

    db.expire_all()
    assert db.get(OutboxMessage, to_consultant.id).state == "dead"
    assert db.get(OutboxMessage, to_mentor.id).state == "dead"
    assert db.get(OutboxMessage, test.id).state == "dead"
    notices = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "undeliverable")).all()
    assert [(n.user_id, n.dedup_key) for n in notices] == [
        (coordinator, f"undeliverable:{to_consultant.id}:{coordinator}")
    ]


def test_an_expired_claim_is_sent_again(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("phone"))
    row = simple(db, now, user_id)
    stored = db.get(OutboxMessage, row.id)
    stored.state, stored.claimed_at, stored.claimed_by = "sending", now, "host:1"
    db.commit()
    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])

    assert deliver(app, now + lease - timedelta(seconds=1)) == 0  # still someone else's
    assert push_service.delivered() == []

    deliver(app, now + lease + timedelta(seconds=1))
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "sent"
    assert len(push_service.delivered("phone")) == 1


def test_cancelled_and_future_rows_are_not_sent(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("phone"))
    _mentor, consult_id = make_consult(db, now)
    taken = offer(db, now, user_id, consult_id)
    services.cancel_pending(db, consult_id=consult_id, user_id=user_id, kinds=("consult_offer",))
    db.commit()
    later = enqueue(
        db,
        now,
        user_id=user_id,
        kind="reminder",
        message=Message("Reminder", "A follow-up is due", "/", "reminder"),
        dedup_key="reminder:1",
        due_at=now + timedelta(hours=1),
    )
    db.commit()

    assert deliver(app, now) == 0
    assert push_service.delivered() == []
    db.expire_all()
    assert db.get(OutboxMessage, taken.id).state == "cancelled"
    deliver(app, now + timedelta(hours=1))
    assert db.get(OutboxMessage, later.id).state == "sent"


def test_a_disabled_recipient_gets_nothing(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant", is_disabled=True)
    add_device(db, user_id, push_service.subscription("phone"))
    row = simple(db, now, user_id)
    deliver(app, now)
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "cancelled"
    assert push_service.delivered() == []


def test_an_expired_message_is_not_pushed(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "mentor", email_fallback=False)
    add_device(db, user_id, push_service.subscription("phone"))
    row = simple(db, now, user_id)  # TTL one hour
    deliver(app, now + timedelta(hours=2))
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "dead"
    assert push_service.received == []


def test_a_retry_carries_only_the_ttl_left(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    add_device(db, user_id, push_service.subscription("phone"))
    push_service.script("phone", 500)
    row = simple(db, now, user_id)  # TTL 3600 s
    deliver(app, now)
    deliver(app, now + timedelta(minutes=10))
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "sent"
    [got] = push_service.delivered("phone")
    assert int(got.headers["ttl"]) == 3600 - 600
