"""Free text does not outlive its purpose: stale consults are closed (and then purged like any
other), guide comments are deleted, and "my data" shows all of it while it exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Consult, ConsultMessage, ConsultOffer
from mentor_app.dashboard import retention, stale
from mentor_app.dashboard.worker_steps import close_stale_consults, purge_expired_content
from mentor_app.notifications.models import OutboxMessage
from mentor_app.playbooks.models import Guide, GuideFeedback, GuideRead
from tests import dashboard_factories as f
from tests.consult_helpers import run_step

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
POLICY = retention.RetentionPolicy()


def _guide(db) -> Guide:  # type: ignore[no-untyped-def]
    guide = Guide(
        slug="test-guide",
        kind="trigger",
        topic="general",
        state="published",
        title="Test",
        summary="s",
        created_at=T0,
        updated_at=T0,
    )
    db.add(guide)
    db.flush()
    return guide


def test_a_stale_open_request_is_cancelled_and_the_mentor_told(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    consultant, _ = actors.create("consultant")
    old = f.consult(db, mentor, T0, status="open")
    db.add(ConsultOffer(consult_id=old.id, consultant_id=consultant, wave=1, offered_at=T0))
    fresh = f.consult(db, mentor, T0 + timedelta(days=2), status="open")
    db.commit()
    now = T0 + timedelta(days=30, minutes=1)
    assert run_step(app, close_stale_consults, now) == 1
    db.expire_all()
    assert (db.get(Consult, old.id).status, db.get(Consult, old.id).cancelled_at) == (
        "cancelled",
        now,
    )
    assert db.get(Consult, fresh.id).status == "open"
    assert db.scalar(select(ConsultOffer.state)) == "withdrawn"
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consult.closed_stale"))
    assert [m.user_id for m in told] == [mentor]
    event = db.scalar(select(AuditEvent).filter_by(action="consult.closed_stale"))
    assert event.details == {"was": "open", "days": 30}
    assert run_step(app, close_stale_consults, now) == 0  # once


def test_a_stale_accepted_consult_is_closed_then_purged(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    consultant, _ = actors.create("consultant")
    held = f.consult(db, mentor, T0, status="accepted", consultant_id=consultant, accepted_after=60)
    db.commit()
    closed_at = T0 + timedelta(days=31)
    run_step(app, close_stale_consults, closed_at)
    db.expire_all()
    row = db.get(Consult, held.id)
    assert (row.status, row.closed_at, row.outcome) == ("closed", closed_at, None)
    told = {m.user_id for m in db.scalars(select(OutboxMessage))}
    assert told == {mentor, consultant}
    # …and from then on the ordinary rule: content goes CONSULT_RETENTION_DAYS after closing.
    run_step(app, purge_expired_content, closed_at + timedelta(days=180))
    db.expire_all()
    row = db.get(Consult, held.id)
    assert (row.note, row.callback_number) == (None, None)
    assert db.scalar(select(ConsultMessage.id)) is None


def test_the_stale_period_is_configurable(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    app.config["CONSULT_STALE_DAYS"] = 7
    mentor, _ = actors.create("mentor")
    f.consult(db, mentor, T0, status="open")
    db.commit()
    assert run_step(app, close_stale_consults, T0 + timedelta(days=6, hours=23)) == 0
    assert run_step(app, close_stale_consults, T0 + timedelta(days=7)) == 1


def test_activity_keeps_a_consult_alive(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    consultant, _ = actors.create("consultant")
    row = f.consult(db, mentor, T0, status="accepted", consultant_id=consultant, accepted_after=60)
    row.updated_at = T0 + timedelta(days=20)  # a message on day 20
    db.commit()
    assert stale.close_stale(db, T0 + timedelta(days=40), POLICY) == 0


def test_guide_comments_are_purged_and_the_answer_kept(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    user, _ = actors.create("mentor")
    other, _ = actors.create("mentor")
    guide = _guide(db)
    db.add(
        GuideFeedback(
            user_id=user,
            guide_id=guide.id,
            helpful=False,
            comment="PLANTED-COMMENT old",
            created_at=T0,
            updated_at=T0,
        )
    )
    db.add(
        GuideFeedback(
            user_id=other,
            guide_id=guide.id,
            helpful=True,
            comment="PLANTED-COMMENT new",
            created_at=T0,
            updated_at=T0 + timedelta(days=100),
        )
    )
    db.commit()
    counts = retention.purge(db, T0 + timedelta(days=180), POLICY)
    db.commit()
    assert counts.feedback_comments == 1
    rows = {r.user_id: (r.helpful, r.comment) for r in db.scalars(select(GuideFeedback))}
    assert rows == {user: (False, None), other: (True, "PLANTED-COMMENT new")}


def test_my_data_shows_guide_feedback_and_reads(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(days=1))
    client, user = actors.signed_in("mentor")
    guide = _guide(db)
    db.add(
        GuideFeedback(
            user_id=user,
            guide_id=guide.id,
            helpful=True,
            comment="PLANTED-COMMENT mine",
            created_at=T0,
            updated_at=T0,
        )
    )
    db.add(GuideRead(user_id=user, guide_id=guide.id, read_at=T0))
    db.commit()
    data = client.get("/me/data.json").get_json()
    assert data["guide_feedback"] == [
        {
            "guide": "test-guide",
            "helpful": True,
            "comment": "PLANTED-COMMENT mine",
            "created_at": T0.isoformat(),
            "updated_at": T0.isoformat(),
        }
    ]
    assert data["guide_reads"] == [{"guide": "test-guide", "read_at": T0.isoformat()}]
    page = client.get("/me/data").get_data(as_text=True)
    assert "PLANTED-COMMENT mine" in page and "test-guide" in page


def test_a_consultants_data_drops_the_callback_number_after_close(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(days=1))
    mentor_client, mentor = actors.signed_in("mentor")
    client, consultant = actors.signed_in("consultant")
    f.consult(db, mentor, T0, status="accepted", consultant_id=consultant, accepted_after=60)
    f.consult(
        db,
        mentor,
        T0,
        status="closed",
        consultant_id=consultant,
        accepted_after=60,
        closed_after=timedelta(hours=2),
        outcome="advice",
    )
    db.commit()
    held = client.get("/me/data.json").get_json()["consults_as_consultant"]
    assert [c["callback_number"] for c in held] == [f.CALLBACK, None]
    assert client.get("/me/data").get_data(as_text=True).count(f.CALLBACK) == 1
    # the mentor's own number stays theirs to see
    mine = mentor_client.get("/me/data.json").get_json()["consults_as_mentor"]
    assert [c["callback_number"] for c in mine] == [f.CALLBACK, f.CALLBACK]
