"""The e-mail fallback, received by a local SMTP server (aiosmtpd), and as generic as the push."""

from __future__ import annotations

import socket
import threading
import uuid
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage, PushUrgency
from mentor_app.notifications.services import Message, enqueue
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
)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False, SMTP_USER=""
    )
    yield inbox
    controller.stop()


def user_email(db, user_id: int) -> str:  # type: ignore[no-untyped-def]
    return db.get(User, user_id).email


def test_no_device_falls_back_to_an_email_as_generic_as_the_push(app, db, clock, smtp) -> None:  # type: ignore[no-untyped-def]
    app.config["PUBLIC_BASE_URL"] = "https://mentor.example.org"
    now = clock.freeze()
    _mentor, consult_id = make_consult(db, now)
    consultant = quick_user(db, "consultant", CONSULTANT_NAME)
    row = offer(db, now, consultant, consult_id)

    deliver(app, now)

    assert len(smtp.messages) == 1
    recipients, raw = smtp.messages[0]
    assert recipients == [user_email(db, consultant)]
    mail = message_from_bytes(raw)
    assert mail["Subject"] == "Urgent consult request"
    text = mail.get_payload(decode=True).decode()
    assert "Urgent · Swedish · bereavement" in text
    assert f"https://mentor.example.org/consults/{consult_id}" in text
    for secret in (CASE_CODE, NOTE, "Yusuf", MENTOR_NAME, CONSULTANT_NAME, "Oskar", "Ingrid"):
        assert secret not in raw.decode(errors="replace")
    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.channel) == ("sent", "email")
    assert stored.fallback_at is not None
    attempt = db.scalars(select(DeliveryAttempt)).one()
    assert (attempt.channel, attempt.status_code, attempt.error) == ("email", 250, None)


def test_a_dead_push_falls_back_to_email(app, db, clock, smtp) -> None:  # type: ignore[no-untyped-def]
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    now = clock.freeze()
    user_id = quick_user(db, "consultant")
    with LocalPushService() as push:
        add_device(db, user_id, push.subscription("broken"))
        push.script("broken", 500, 500)
        row = enqueue(
            db,
            now,
            user_id=user_id,
            kind="consult_offer",
            message=Message("Urgent consult request", "Urgent · German · trauma", "/", "c-1"),
            dedup_key=f"offer:{uuid.uuid4().hex}",
            urgency=PushUrgency.HIGH,
        )
        db.commit()
        deliver(app, now)
        db.expire_all()
        deliver(app, db.get(OutboxMessage, row.id).next_attempt_at)
        db.expire_all()
        stored = db.get(OutboxMessage, row.id)
        assert stored.fallback_at is not None and stored.state == "pending"
        assert smtp.messages == []
        deliver(app, stored.next_attempt_at + timedelta(seconds=1))
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "sent"
    assert db.get(OutboxMessage, row.id).channel == "email"
    [(_recipients, raw)] = smtp.messages
    assert message_from_bytes(raw)["Subject"] == "Urgent consult request"


def test_fallback_off_means_no_email(app, db, clock, smtp) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "mentor", email_fallback=False)
    row = enqueue(
        db,
        now,
        user_id=user_id,
        kind="consult_accepted",
        message=Message("Your consult was accepted", "Open the app to reply", "/", "c-2"),
        dedup_key="accepted:2",
    )
    db.commit()
    deliver(app, now)
    assert smtp.messages == []
    db.expire_all()
    assert db.get(OutboxMessage, row.id).state == "dead"


def test_an_smtp_server_that_is_down_is_retried_then_the_coordinators_are_told(
    app, db, clock
) -> None:  # type: ignore[no-untyped-def]
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False, EMAIL_MAX_ATTEMPTS=2
    )
    now = clock.freeze()
    consultant = quick_user(db, "consultant")
    coordinator = quick_user(db, "coordinator", email_fallback=False)
    row = enqueue(
        db,
        now,
        user_id=consultant,
        kind="consult_offer",
        message=Message("Urgent consult request", "Urgent · Swedish · trauma", "/", "c-3"),
        dedup_key="offer:smtp-down",
    )
    db.commit()
    deliver(app, now)
    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.email_attempts) == ("pending", 1)
    assert "smtp failed" in stored.last_error
    deliver(app, stored.next_attempt_at)
    db.expire_all()
    stored = db.get(OutboxMessage, row.id)
    assert (stored.state, stored.email_attempts) == ("dead", 2)
    notice = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "undeliverable")).one()
    assert notice.user_id == coordinator


def test_console_email_in_development_prints_only_the_generic_text(app, db, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    user_id = quick_user(db, "consultant", CONSULTANT_NAME)
    enqueue(
        db,
        now,
        user_id=user_id,
        kind="consult_offer",
        message=Message("Urgent consult request", "Urgent · Swedish · trauma", "/", "c-4"),
        dedup_key="offer:console",
    )
    db.commit()
    deliver(app, now)
    out = capsys.readouterr().out
    assert "Urgent consult request" in out
    assert f"user {user_id}" in out
    assert user_email(db, user_id) not in out
    assert CONSULTANT_NAME not in out
