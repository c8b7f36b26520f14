"""A worker SIGKILLed between raising an alarm and sending its notifications loses nothing:
after a restart every tier's messages go out (push at a local push service, e-mail at a local
SMTP server), and none carries a name, case code, place or location."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select

from mentor_app.notifications.jobs import TEST_STOP_ENV
from mentor_app.notifications.messages import message_id
from mentor_app.notifications.models import OutboxMessage
from mentor_app.pool.models import ConsultantProfile
from mentor_app.safety.models import Alarm, SafetyContact, Visit
from tests.pool_helpers import always_on
from tests.push_helpers import LocalPushService, add_device, quick_user
from tests.test_push_crash import process_state, start_worker, worker_env
from tests.test_push_email import Inbox, free_port

SECRETS = ("Mira", "Storgatan", "K-77", "59.3", "18.0")


def _arrange(db, push) -> dict[str, int]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    people = {
        "mentor": quick_user(db, "mentor", name="Mira Mentor"),
        "contact": quick_user(db, "mentor"),
        "on_call": quick_user(db, "coordinator"),
        "off_duty": quick_user(db, "coordinator"),
    }
    for role in ("contact", "on_call", "off_duty"):
        add_device(db, people[role], push.subscription(f"{role}"))
    db.add(SafetyContact(mentor_id=people["mentor"], contact_id=people["contact"], created_at=now))
    db.add(ConsultantProfile(user_id=people["on_call"], created_at=now, updated_at=now))
    db.flush()
    always_on(db, now, people["on_call"])
    due = now - timedelta(minutes=11)
    db.add(
        Visit(
            mentor_id=people["mentor"],
            state="reminded",
            started_at=due - timedelta(minutes=30),
            due_at=due,
            next_action_at=due + timedelta(minutes=10),
            case_code="K-77",
            where_text="Storgatan 5",
        )
    )
    db.commit()
    return people


def _stop_at(env: dict[str, str], log_path, point: str) -> None:  # type: ignore[no-untyped-def]
    proc = start_worker({**env, TEST_STOP_ENV: point}, log_path)
    deadline = time.monotonic() + 60
    while process_state(proc.pid) != "T":
        assert proc.poll() is None, log_path.read_text()[-3000:]
        assert time.monotonic() < deadline, log_path.read_text()[-3000:]
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def _safety_rows(db) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("safety.%"))))


def test_sigkill_between_raise_and_send_loses_no_tier(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    log_path = tmp_path / "worker.log"
    try:
        with LocalPushService() as push:
            people = _arrange(db, push)
            env = worker_env(
                app,
                tmp_path,
                ALARM_ACK_TIMEOUT_SECONDS="0.3",
                OUTBOX_LEASE_SECONDS="1",
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp.port),
                SMTP_STARTTLS="0",
            )
            # Killed after raising, before the step's commit: nothing is half-written...
            _stop_at(env, log_path, "safety_after_raise:1")
            assert db.scalars(select(Alarm)).all() == []
            # ...then after claiming tier 1's messages, and in the middle of sending them.
            _stop_at(env, log_path, "after_claim:1")
            assert len(db.scalars(select(Alarm)).all()) == 1
            _stop_at(env, log_path, "mid_send:1")

            final = start_worker(env, log_path)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                db.expire_all()
                alarm = db.scalars(select(Alarm)).one()
                rows = _safety_rows(db)
                if alarm.state == "exhausted" and all(r.state == "sent" for r in rows):
                    break
                time.sleep(0.1)
            final.send_signal(signal.SIGTERM)
            assert final.wait(20) == 0
            time.sleep(0.2)
            delivered = push.delivered()
            assert push.all_problems() == []
    finally:
        smtp.stop()

    rows = _safety_rows(db)
    assert alarm.state == "exhausted", log_path.read_text()[-3000:]
    assert {r.state for r in rows} == {"sent"}, [(r.kind, r.state, r.last_error) for r in rows]
    responders = {people["contact"], people["on_call"], people["off_duty"]}
    by_kind: dict[str, set[int]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, set()).add(row.user_id)
    assert by_kind == {
        "safety.alarm": responders,
        "safety.broadcast": responders,
        "safety.broadcast_mail": responders,
    }
    # Every push row reached the push service (a repeat after a kill has the same id).
    pushed = {r.payload["id"] for r in delivered}
    assert pushed == {message_id(r.dedup_key) for r in rows if r.kind != "safety.broadcast_mail"}
    assert len(inbox.messages) == 3
    for received in delivered:
        assert received.payload["body"].startswith("A mentor")
        for secret in SECRETS:
            assert secret not in received.plaintext.decode()
    for _to, content in inbox.messages:
        for secret in SECRETS:
            assert secret.encode() not in content
