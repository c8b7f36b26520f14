"""Issue 12.2: pushes iPhones refuse. Every Topic comes from one function and passes Apple's
rule; the VAPID subject is a contact push services accept; the local push service refuses what
the real ones refuse, and every kind of message gets through it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import ProductionConfig
from mentor_app import create_app
from mentor_app.consults import notify
from mentor_app.consults.models import Consult
from mentor_app.consults.policy import DEFAULT_WAVES
from mentor_app.notifications import services, vapid
from mentor_app.notifications.models import PushUrgency
from mentor_app.notifications.outcomes import tell_coordinators
from mentor_app.notifications.push import PushRequest, PushSender, PushTarget
from mentor_app.notifications.services import Message, enqueue
from mentor_app.notifications.topics import TOPIC_LENGTH, is_valid_topic, push_topic
from mentor_app.notifications.vapid import keys_for
from tests.push_helpers import (
    LocalPushService,
    add_device,
    contact_problem,
    deliver,
    make_consult,
    quick_user,
)


@pytest.fixture
def push_service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


@given(st.text(max_size=200))
def test_every_topic_passes_every_push_service(key: str) -> None:
    topic = push_topic(key)
    assert len(topic) == TOPIC_LENGTH and is_valid_topic(topic)
    assert contact_problem  # (imported for the subject tests below)


@pytest.mark.parametrize(
    "topic",
    # 13 and 17 characters: remainder 1 when divided by 4, which Apple cannot decode; a space,
    # a dot, 33 characters, empty: outside the rule.
    ["undeliverable", "consult-12-thread", "consult 12", "consult.12", "a" * 33, ""],
)
def test_the_outbox_refuses_any_other_topic(app, db, clock, topic) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    with pytest.raises(ValueError):
        enqueue(
            db,
            now,
            user_id=user_id,
            kind="test",
            message=Message("t", "b", "/", "tag"),
            dedup_key="k",
            topic=topic,
        )


@pytest.mark.parametrize(
    "subject",
    [
        "mailto:push-contact@agency-one.se",
        "mailto:ops+push@mentor.agency.de",
        "https://mentor.agency-one.se",
        "https://mentor.agency-one.se/contact",
    ],
)
def test_real_contacts_pass(subject: str) -> None:
    assert vapid.subject_problem(subject) is None
    assert contact_problem(subject) is None


@pytest.mark.parametrize(
    "subject",
    [
        "mailto:coordinator@localhost",
        "mailto:tests@localhost",
        "mailto: <ops@agency.se>",
        "mailto:ops@agency .se",
        "mailto:ops@printer.local",
        "mailto:ops@mentor.test",
        "mailto:ops@mentor.example",
        "mailto:webpush@mentor-app.invalid",
        "mailto:ops@10.0.0.4",
        "mailto:ops@agency",
        "https://localhost",
        "https://192.168.1.20",
        "http://agency.se",
        "agency.se",
        "",
    ],
)
def test_unreachable_contacts_are_refused_by_the_app_and_the_push_service(subject: str) -> None:
    assert vapid.subject_problem(subject, placeholders_allowed=True) is not None
    assert contact_problem(subject) is not None


def test_production_refuses_to_start_with_a_subject_apple_refuses(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = vapid.new_private_key()

    class Config(ProductionConfig):
        SECRET_KEY = "x" * 40
        PUBLIC_BASE_URL = "https://mentor.agency-one.se"
        DATABASE_URL = "sqlite://"
        VAPID_PRIVATE_KEY = vapid.private_key_b64(key)
        VAPID_SUBJECT = "mailto:admin@localhost"

    with pytest.raises(RuntimeError, match="localhost"):
        create_app(Config)
    Config.VAPID_SUBJECT = "mailto:admin@example.org"  # a placeholder: reaches nobody
    with pytest.raises(RuntimeError, match="placeholder"):
        create_app(Config)
    Config.VAPID_SUBJECT = ""  # keys without a contact
    with pytest.raises(RuntimeError, match="VAPID_SUBJECT"):
        create_app(Config)
    Config.VAPID_SUBJECT = "mailto:push@agency-one.se"
    assert create_app(Config).config["VAPID_SUBJECT"] == "mailto:push@agency-one.se"


def test_development_subject_is_one_push_services_accept() -> None:
    assert vapid.default_subject("") == vapid.DEVELOPMENT_SUBJECT
    assert vapid.default_subject("http://127.0.0.1:5000") == vapid.DEVELOPMENT_SUBJECT
    assert vapid.default_subject("https://mentor.agency-one.se/") == "https://mentor.agency-one.se"
    assert contact_problem(vapid.DEVELOPMENT_SUBJECT) is None
    assert vapid.subject_problem(vapid.DEVELOPMENT_SUBJECT, placeholders_allowed=True) is None


def _raw_send(app, service, token: str, request: PushRequest, subject: str | None = None):  # type: ignore[no-untyped-def]
    with app.app_context():
        keys = keys_for(app)
    if subject is not None:
        keys = vapid.VapidKeys(keys.private_key, keys.public_key, subject)
    sub = service.subscription(token)
    target = PushTarget(1, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
    from mentor_app.db import utcnow

    return PushSender(keys, 5).send(target, request, utcnow())


def test_the_local_push_service_refuses_what_real_ones_refuse(app, push_service) -> None:  # type: ignore[no-untyped-def]
    good = PushRequest(b'{"title":"t"}', 60, "normal", push_topic("x"))
    assert _raw_send(app, push_service, "ok", good).status_code == 201
    bad_topic = PushRequest(b"{}", 60, "normal", "undeliverable")
    assert _raw_send(app, push_service, "topic", bad_topic).status_code == 400
    bad_urgency = PushRequest(b"{}", 60, "urgent", None)
    assert _raw_send(app, push_service, "urgency", bad_urgency).status_code == 400
    too_big = PushRequest(b"x" * 4096, 60, "normal", None)
    assert _raw_send(app, push_service, "big", too_big).status_code == 413
    bad_sub = _raw_send(app, push_service, "sub", good, subject="mailto:tests@localhost")
    assert bad_sub.status_code == 403


def test_every_kind_of_message_gets_through_a_strict_push_service(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    mentor_id, consult_id = make_consult(db, now)
    consultant_id = quick_user(db, "consultant")
    coordinator_id = quick_user(db, "coordinator")
    for user_id in (mentor_id, consultant_id, coordinator_id):
        add_device(db, user_id, push_service.subscription(f"u{user_id}"))
    # Consult ids of several lengths: "consult-<id>-thread" was 17 characters for id 12.
    consult = db.get(Consult, consult_id)
    consult.follow_up_on = now.date()
    timing = DEFAULT_WAVES["urgent"]
    with app.app_context():
        notify.offer(db, now, consult, consultant_id, now, timing)
        notify.offer(db, now, consult, consultant_id, now, timing, assigned=True)
        db.flush()
        # Mark the offers sent, so closing them queues a replacement rather than cancelling.
        for row in db.query(services.OutboxMessage).all():
            row.state = "sent"
        notify.offer_closed(db, now, consult, consultant_id, timing, why="taken")
        notify.offer_closed(db, now, consult, consultant_id, timing, why="cancelled")
        notify.accepted(db, now, consult)
        notify.waiting(db, now, consult, "112")
        notify.coordinators(db, now, consult, [coordinator_id])
        notify.released(db, now, consult)
        notify.handler_left(db, now, consult)
        notify.message(db, now, consult, mentor_id, 12)
        notify.closed(db, now, consult)
        notify.follow_up(db, now, consult, mentor_id, now)
        services.queue_test(db, now, user_id=consultant_id, locale="en")
        row = enqueue(
            db,
            now,
            user_id=consultant_id,
            kind="consult_offer",
            message=Message("t", "b", "/", "x"),
            dedup_key="dead-one",
        )
        tell_coordinators(db, now, row)
        row.state = "sent"
        enqueue(
            db,
            now,
            user_id=coordinator_id,
            kind="pool.notice",
            message=Message("t", "b", "/", "credential"),
            dedup_key="notice",
            urgency=PushUrgency.LOW,
        )
    db.commit()
    queued = db.query(services.OutboxMessage).filter_by(state="pending").count()
    assert queued == 13  # every kind but the two offers marked sent above

    deliver(app, now)

    assert push_service.all_problems() == []
    left = db.query(services.OutboxMessage).filter(services.OutboxMessage.state != "sent").all()
    assert [(r.kind, r.state, r.last_error) for r in left] == []
    assert len(push_service.delivered()) == queued
    assert all(is_valid_topic(r.headers["topic"]) for r in push_service.delivered())
