"""The worker's delivery against a local push service: VAPID, encryption, what the phone sees
(nothing identifying), headers, and which rows are (not) sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mentor_app.notifications import services
from mentor_app.notifications.messages import message_id
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage, PushSubscription
from mentor_app.notifications.services import Message, enqueue
from mentor_app.notifications.topics import push_topic
from mentor_app.notifications.vapid import keys_for
from tests.push_helpers import (
    CASE_CODE,
    CONSULTANT_NAME,
    MENTOR_NAME,
    NOTE,
    LocalPushService,
    add_device,
    deliver,
    make_consult,
    offer,
    quick_user,
    simple,
)


@pytest.fixture
def push_service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


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
    assert got.headers["topic"] == push_topic(f"consult-{consult_id}")
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
