"""Issue 14.1 and 14.2: no offer reaches a phone after "taken by a colleague".

14.1: the accept's cancel is a conditional UPDATE on `pending`; a row a worker is claiming at
that moment stays claimed, and the holder gets the "taken" replacement.
14.2: just before every send (first try, retry after a 5xx, re-send after a lost claim) a
message whose reason passed is settled `obsolete` with no attempt; the replacement waits for an
offer still in flight, so it always arrives last.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from mentor_app.consults import notify, routing
from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.notifications import delivery, relevance
from mentor_app.notifications.jobs import Settings
from mentor_app.notifications.models import DeliveryAttempt, OutboxMessage
from mentor_app.notifications.vapid import keys_for
from mentor_app.worker import heartbeats
from tests.conftest import requires_postgres
from tests.consult_helpers import make_consult, make_consultant, offer
from tests.push_helpers import LocalPushService, add_device, deliver, quick_user

TAKEN = "Taken by a colleague"


@pytest.fixture
def push_service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


def arrange(app, db, now, push):  # type: ignore[no-untyped-def]
    """An urgent consult offered to `taker` and `holder`; the holder's phone is registered and
    its offer queued. Returns (consult_id, taker, holder, offer_row_id)."""
    mentor = quick_user(db, "mentor")
    taker, holder = quick_user(db, "consultant"), quick_user(db, "consultant")
    for user_id in (taker, holder):
        make_consultant(db, user_id, now)
    db.commit()
    consult = make_consult(db, mentor, now, urgency="urgent")
    offer(db, consult.id, taker, now)
    offer(db, consult.id, holder, now)
    add_device(db, holder, push.subscription("holder"))
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        row = session.get(Consult, consult.id)
        notify.offer(session, now, row, holder, now, routing.timing_for(row))
        session.commit()
        session.close()
    row_id = db.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.user_id == holder, OutboxMessage.kind == "consult.offer"
        )
    )
    return consult.id, taker, holder, row_id


def accept(app, now, consult_id: int, user_id: int) -> None:  # type: ignore[no-untyped-def]
    """The outbox side of the taker's accept, as answers.accept does it after its conditional
    UPDATE: the consult is taken, every other offer withdrawn (routing.withdraw_offers, which
    cancels or replaces their notifications). Its own session and one commit."""
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        try:
            consult = routing.lock(session, consult_id)
            consult.status, consult.consultant_id, consult.accepted_at = "accepted", user_id, now
            session.flush()
            routing.withdraw_offers(session, now, consult, why="taken", keep=user_id)
            session.commit()
        finally:
            session.close()


def titles(push) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.payload["title"] for r in push.delivered("holder")]


def state_of(db, row_id: int) -> str:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(OutboxMessage, row_id).state


def attempts_of(db, row_id: int) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(
        select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.outbox_id == row_id)
    )


def test_first_send_of_an_offer_whose_reason_passed_is_obsolete(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    _consult_id, _taker, holder, row_id = arrange(app, db, now, push_service)
    # The offer is withdrawn by a path that leaves its message queued.
    db.execute(
        ConsultOffer.__table__.update()
        .where(ConsultOffer.consultant_id == holder)
        .values(state="withdrawn")
    )
    db.commit()

    deliver(app, now)

    assert state_of(db, row_id) == "obsolete"
    assert attempts_of(db, row_id) == 0
    assert push_service.received == []


def test_retry_after_5xx_does_not_deliver_a_taken_offer(
    app, db, clock, push_service, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    consult_id, taker, _holder, row_id = arrange(app, db, now, push_service)
    push_service.script("holder", 500)
    real_checkpoint = delivery.checkpoint

    def accept_while_in_flight(point: str) -> None:
        if point == "after_claim":
            accept(app, now, consult_id, taker)  # the offer row is `sending` right now
        real_checkpoint(point)

    monkeypatch.setattr(delivery, "checkpoint", accept_while_in_flight)
    deliver(app, now)  # claim, accept, send (500), record: a retry is due
    monkeypatch.setattr(delivery, "checkpoint", real_checkpoint)
    assert state_of(db, row_id) == "pending"

    for seconds in (30, 32):  # the retry is due; then whatever waited
        deliver(app, now + timedelta(seconds=seconds))

    assert state_of(db, row_id) == "obsolete"
    assert titles(push_service) == [TAKEN]
    assert attempts_of(db, row_id) == 1  # the 500 only


def test_resend_after_a_lost_claim_does_not_deliver_a_taken_offer(
    app, db, clock, push_service
) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    consult_id, taker, _holder, row_id = arrange(app, db, now, push_service)
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        dead = heartbeats.register(session, now, host="killed", pid=1)
        settings = Settings.from_config(app.config)
        settings = Settings(**{**settings.__dict__, "heartbeat_id": dead.id})
        assert [r.id for r in delivery.claim(session, now, settings)] == [row_id]
        session.commit()  # ... and the worker is killed before it sends
        session.close()
    accept(app, now + timedelta(seconds=1), consult_id, taker)
    # The replacement waits while the offer is in flight.
    deliver(app, now + timedelta(seconds=2))
    assert titles(push_service) == []

    for seconds in (20, 22):  # the dead worker's heartbeat is stale: its claim comes back
        deliver(app, now + timedelta(seconds=seconds))

    assert state_of(db, row_id) == "obsolete"
    assert attempts_of(db, row_id) == 0
    assert titles(push_service) == [TAKEN]


def test_a_replacement_waits_for_the_offer_in_flight(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.freeze()
    with LocalPushService() as push:
        consult_id, _taker, holder, row_id = arrange(app, db, now, push)
    row = db.get(OutboxMessage, row_id)
    row.state = "sending"
    db.commit()
    replacement = OutboxMessage(
        user_id=holder, kind="consult.taken", consult_id=consult_id, state="pending"
    )
    assert relevance.verdict(db, now, replacement) is relevance.Verdict.WAIT
    row.state = "sent"
    db.commit()
    assert relevance.verdict(db, now, replacement) is relevance.Verdict.SEND


@requires_postgres()
def test_accepting_does_not_overwrite_a_claim_in_progress(app, db, clock, push_service) -> None:  # type: ignore[no-untyped-def]
    """Session A claims the offer row (not committed); B runs the accept's cancel and blocks on
    the row; A commits; B commits. The row stays claimed and B queues the replacement."""
    now = clock.freeze()
    consult_id, taker, holder, row_id = arrange(app, db, now, push_service)
    database = app.extensions["mentor_db"]
    with app.app_context():
        worker = database.session()
        claimed = delivery.claim(worker, now, Settings.from_config(app.config))
        assert [r.id for r in claimed] == [row_id]  # A: claimed, not committed
        holder_pid = worker.scalar(text("SELECT pg_backend_pid()"))

        errors: list[BaseException] = []
        accepting = threading.Thread(
            target=lambda: _capture(errors, accept, app, now, consult_id, taker)
        )
        accepting.start()
        _wait_until_blocked(db, holder_pid)
        worker.commit()  # A commits its claim
        worker.close()
        accepting.join(20)
    assert not errors, errors
    assert state_of(db, row_id) == "sending"
    kinds = set(db.scalars(select(OutboxMessage.kind).where(OutboxMessage.user_id == holder)))
    assert "consult.taken" in kinds


def _capture(errors: list, fn, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except BaseException as err:
        errors.append(err)


def _wait_until_blocked(db, holder_pid: int, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Until some backend waits for a lock held by `holder_pid` (the accept's cancel waiting
    for the claim); other sessions on the same server are not counted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = db.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"
            ),
            {"holder": holder_pid},
        )
        db.rollback()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the accept never waited for the claim's lock")
