"""The safety ladder in time, with a frozen clock: a missed check-in raises exactly one alarm at
due + grace; each tier goes out at its second; an acknowledgement one second before a tier
stops it; the exhausted state tells every coordinator and safety contact once per channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentor_app.accounts.models import User
from mentor_app.pool.models import ConsultantProfile
from tests.consult_helpers import post_json
from tests.pool_helpers import always_on
from tests.safety_helpers import add_contact, alarms, live, messages, start_visit, tick, visit

T0 = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
GRACE = timedelta(minutes=10)
TIMEOUT = timedelta(seconds=120)


def _world(app, actors, db, clock):  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, mentor_id = actors.signed_in("mentor", name="Mira Mentor")
    contact_id, _ = actors.create("mentor")
    on_call, _on_call_email = actors.create("coordinator")
    off_duty, _ = actors.create("coordinator")
    db.add(ConsultantProfile(user_id=on_call, created_at=T0, updated_at=T0, timezone="UTC"))
    db.flush()
    always_on(db, T0, on_call)
    db.commit()
    add_contact(db, mentor_id, contact_id, T0)
    return mentor, mentor_id, contact_id, on_call, off_duty


def test_missed_check_in_raises_one_alarm_at_due_plus_grace(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor, mentor_id, _contact_id, _on_call, _off_duty = _world(app, actors, db, clock)
    visit_id = start_visit(mentor, 60)
    due = T0 + timedelta(minutes=60)

    tick(app, due - SECOND)
    assert visit(db, visit_id).state == "running"
    assert messages(db, "safety.check_in") == []

    tick(app, due)
    assert [m.user_id for m in messages(db, "safety.check_in")] == [mentor_id]
    tick(app, due + GRACE / 2)
    assert [m.user_id for m in messages(db, "safety.reminder")] == [mentor_id]
    payloads = (
        messages(db, "safety.check_in")[0].payload | messages(db, "safety.reminder")[0].payload
    )
    assert "Mira" not in str(payloads)

    tick(app, due + GRACE - SECOND)
    assert alarms(db, mentor_id) == []
    for _ in range(3):  # several loops (or workers) at the same second: still one alarm
        tick(app, due + GRACE)
    raised = alarms(db, mentor_id)
    assert len(raised) == 1
    assert (raised[0].kind, raised[0].state, raised[0].tier) == ("missed", "notifying", 1)
    assert raised[0].raised_at == due + GRACE


def test_each_tier_at_its_second_then_exhausted_once_per_channel(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor, mentor_id, contact_id, on_call, off_duty = _world(app, actors, db, clock)
    visit_id = start_visit(mentor, 30)
    raised_at = T0 + timedelta(minutes=30) + GRACE
    for at in (T0 + timedelta(minutes=30), T0 + timedelta(minutes=30) + GRACE / 2, raised_at):
        tick(app, at)
    assert visit(db, visit_id).state == "alarm"

    # Tier 1: the safety contact and the coordinator on call; not the mentor, not off duty.
    assert sorted(m.user_id for m in messages(db, "safety.alarm")) == sorted([contact_id, on_call])

    tick(app, raised_at + TIMEOUT - SECOND)
    assert alarms(db, mentor_id)[0].tier == 1
    tick(app, raised_at + TIMEOUT)
    assert alarms(db, mentor_id)[0].tier == 2
    told = sorted(m.user_id for m in messages(db, "safety.alarm"))
    assert told == sorted([contact_id, on_call, off_duty])  # nobody twice

    tick(app, raised_at + 2 * TIMEOUT - SECOND)
    assert alarms(db, mentor_id)[0].state == "notifying"
    for _ in range(2):
        tick(app, raised_at + 2 * TIMEOUT)
        tick(app, raised_at + 3 * TIMEOUT)
    alarm = alarms(db, mentor_id)[0]
    assert (alarm.state, alarm.tier, alarm.next_action_at) == ("exhausted", 3, None)
    everyone = sorted([contact_id, on_call, off_duty])
    pushes = messages(db, "safety.broadcast")
    mails = messages(db, "safety.broadcast_mail")
    assert sorted(m.user_id for m in pushes) == everyone
    assert sorted(m.user_id for m in mails) == everyone
    assert all(m.fallback_at is not None for m in mails)  # e-mail channel from the start
    assert mentor_id not in [m.user_id for m in messages(db)] or all(
        m.kind in ("safety.check_in", "safety.reminder") for m in messages(db, user_id=mentor_id)
    )


def test_ack_one_second_before_a_tier_cancels_it(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor, mentor_id, contact_id, on_call, off_duty = _world(app, actors, db, clock)
    visit_id = start_visit(mentor, 30)
    response = post_json(mentor, f"/api/visits/{visit_id}/sos", {})
    assert response.status_code == 201
    alarm_id = response.get_json()["alarm_id"]
    assert sorted(m.user_id for m in messages(db, "safety.alarm")) == sorted([contact_id, on_call])

    clock.freeze(T0 + TIMEOUT - SECOND)
    contact = app.test_client()
    actors.login(contact, db.get(User, contact_id).email)
    response = post_json(contact, f"/api/alarms/{alarm_id}/ack", {})
    assert response.status_code == 200, response.get_json()

    for step in range(1, 4):
        tick(app, T0 + step * TIMEOUT)
    alarm = alarms(db, mentor_id)[0]
    assert (alarm.state, alarm.tier, alarm.acknowledged_by_id) == ("acknowledged", 1, contact_id)
    assert off_duty not in [m.user_id for m in messages(db, "safety.alarm")]
    assert messages(db, "safety.broadcast") == []
    # The on-call coordinator is told it is taken (same tag replaces the alarm on the phone).
    taken = messages(db, "safety.taken")
    assert [m.user_id for m in taken] == [on_call]
    assert taken[0].payload["tag"] == f"alarm-{alarm_id}"


def test_ack_cancels_unsent_ladder_messages(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor, _mentor_id, _contact_id, _on_call, off_duty = _world(app, actors, db, clock)
    visit_id = start_visit(mentor, 30)
    alarm_id = post_json(mentor, f"/api/visits/{visit_id}/sos", {}).get_json()["alarm_id"]
    coordinator = app.test_client()
    actors.login(coordinator, db.get(User, off_duty).email)
    assert post_json(coordinator, f"/api/alarms/{alarm_id}/ack", {}).status_code == 200
    assert live(messages(db, "safety.alarm")) == []  # nothing was sent yet: all obsolete


def test_a_coordinator_sets_on_call_shifts_in_the_pool_pages(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    """The rota for alarms is the pool's: a coordinator opens their own shifts page."""
    clock.freeze(T0)
    coordinator, coordinator_id = actors.signed_in("coordinator")
    assert coordinator.get("/safety/").status_code == 200
    assert coordinator.get(f"/pool/{coordinator_id}/shifts").status_code == 200
    db.expire_all()
    assert db.get(ConsultantProfile, coordinator_id) is not None


def test_ladder_and_prompt_messages_stop_being_relevant(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    """What the delivery round's check before each send answers for safety messages."""
    from mentor_app.safety.notify import still_relevant

    mentor, _mentor_id, _contact_id, _on_call, off_duty = _world(app, actors, db, clock)
    visit_id = start_visit(mentor, 30)
    tick(app, T0 + timedelta(minutes=30))
    prompt = messages(db, "safety.check_in")[0]
    assert still_relevant(db, prompt)
    post_json(mentor, f"/api/visits/{visit_id}/extend", {"minutes": 10})
    db.expire_all()
    assert not still_relevant(db, prompt)  # the due time moved

    alarm_id = post_json(mentor, f"/api/visits/{visit_id}/sos", {}).get_json()["alarm_id"]
    first = messages(db, "safety.alarm")[0]
    assert still_relevant(db, first)
    coordinator = app.test_client()
    actors.login(coordinator, db.get(User, off_duty).email)
    assert post_json(coordinator, f"/api/alarms/{alarm_id}/ack", {}).status_code == 200
    db.expire_all()
    assert not still_relevant(db, first)
    assert all(still_relevant(db, m) for m in messages(db, "safety.taken"))


def test_health_counts_timers_the_worker_is_late_for(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.safety.queries import late_timers

    mentor, _mentor_id, *_ = _world(app, actors, db, clock)
    start_visit(mentor, 30)
    due = T0 + timedelta(minutes=30)
    assert late_timers(db, due + timedelta(minutes=1)) == 0
    assert late_timers(db, due + timedelta(minutes=1, seconds=1)) == 1
    tick(app, due + timedelta(minutes=1, seconds=1))
    assert late_timers(db, due + timedelta(minutes=1, seconds=1)) == 0
