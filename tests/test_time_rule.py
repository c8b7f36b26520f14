"""The one time rule (mentor_app/timeutil.py), case by case from the field's bug reports:
"today" is the person's, a credential lapses at one instant for everybody who asks, an hour
is a whole hour of the viewer's clock, and no page mixes UTC with local times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.consults import routing
from mentor_app.consults.models import Consult, ConsultMessage
from mentor_app.notifications.models import OutboxMessage
from mentor_app.pool import coverage, queries
from tests.consult_helpers import make_consult, make_consultant, post_json

LA, STOCKHOLM, KOLKATA = "America/Los_Angeles", "Europe/Stockholm", "Asia/Kolkata"


def _zone(db, user_id: int, zone: str) -> None:  # type: ignore[no-untyped-def]
    db.get(User, user_id).timezone = zone
    db.commit()


def _handling(actors, db, clock, zone: str, at: datetime):  # type: ignore[no-untyped-def]
    """A consultant in `zone`, signed in, handling a consult at instant `at`."""
    clock.freeze(at)
    mentor_id, _ = actors.create("mentor")
    client, consultant_id = actors.signed_in("consultant")
    _zone(db, consultant_id, zone)
    consult = make_consult(
        db,
        mentor_id,
        at - timedelta(hours=1),
        status="accepted",
        consultant_id=consultant_id,
        accepted_at=at - timedelta(minutes=30),
        next_action_at=None,
    )
    return client, consult.id


# --- follow-up "today" ------------------------------------------------------------------------


def test_los_angeles_at_half_past_five_may_follow_up_today(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    # 17:30 on 10 March in Los Angeles is already 11 March in UTC.
    at = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
    client, consult_id = _handling(actors, db, clock, LA, at)
    response = post_json(
        client,
        f"/api/consults/{consult_id}/close",
        {"outcome": "advice", "follow_up_on": "2026-03-10"},
    )
    assert response.status_code == 200, response.get_json()
    db.expire_all()
    assert db.get(Consult, consult_id).follow_up_on == date(2026, 3, 10)


def test_stockholm_after_midnight_may_not_pick_yesterday(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    # 00:30 on 11 March in Stockholm is still 10 March in UTC.
    at = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    client, consult_id = _handling(actors, db, clock, STOCKHOLM, at)
    refused = post_json(
        client,
        f"/api/consults/{consult_id}/close",
        {"outcome": "advice", "follow_up_on": "2026-03-10"},
    )
    assert refused.status_code == 400
    assert "from today" in refused.get_json()["error"]
    today = post_json(
        client,
        f"/api/consults/{consult_id}/close",
        {"outcome": "advice", "follow_up_on": "2026-03-11"},
    )
    assert today.status_code == 200
    from mentor_app.consults.worker_steps import follow_up_reminders
    from tests.consult_helpers import run_step

    # Not "Follow-up today" at once: 08:00 on the 11th in Stockholm.
    assert run_step(app, follow_up_reminders, at) == 1
    db.expire_all()
    due = db.scalars(
        select(OutboxMessage.due_at).where(OutboxMessage.kind == "consult.follow_up")
    ).all()
    assert datetime(2026, 3, 11, 7, 0, tzinfo=UTC) in due


# --- one instant for a credential's expiry --------------------------------------------------


def _everyone_asks(app, db, consultant_id: int, mentor_id: int, at: datetime) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """Is the consultant counted at `at` by routing, by the pool's routable query and by the
    coverage windows?"""
    consult = make_consult(db, mentor_id, at, language="sv")
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        try:
            consult = session.get(Consult, consult.id)
            ranked = {c.consultant_id for c in routing.ranked_candidates(session, consult, at)}
            pool = set(queries.on_call_consultant_ids(session, at, language="sv"))
            _found, spans = coverage.on_call_intervals(
                session, at, at, at + timedelta(minutes=1), language="sv"
            )
        finally:
            session.close()
    return {
        "routing": consultant_id in ranked,
        "pool": consultant_id in pool,
        "coverage": consultant_id in spans,
    }


@pytest.mark.parametrize(
    ("zone", "expires_on", "at", "valid"),
    [
        # 20:00 on the expiry day in Los Angeles (03:00 UTC the next day): still valid.
        (LA, date(2026, 3, 10), datetime(2026, 3, 11, 3, 0, tzinfo=UTC), True),
        # 00:01 the next day in Los Angeles: lapsed.
        (LA, date(2026, 3, 10), datetime(2026, 3, 11, 7, 1, tzinfo=UTC), False),
        # 00:30 the day after in Stockholm (23:30 UTC on the expiry day): lapsed.
        (STOCKHOLM, date(2026, 3, 10), datetime(2026, 3, 10, 23, 30, tzinfo=UTC), False),
        # 23:30 on the expiry day in Stockholm: valid.
        (STOCKHOLM, date(2026, 3, 10), datetime(2026, 3, 10, 22, 30, tzinfo=UTC), True),
    ],
)
def test_routing_pool_and_coverage_agree_on_a_credentials_last_day(  # type: ignore[no-untyped-def]
    app, actors, db, zone, expires_on, at, valid
) -> None:
    mentor_id, _ = actors.create("mentor")
    consultant_id, _ = actors.create("consultant")
    make_consultant(
        db,
        consultant_id,
        at - timedelta(days=1),
        languages=("sv",),
        timezone=zone,
        credential_expires_on=expires_on,
    )
    answers = _everyone_asks(app, db, consultant_id, mentor_id, at)
    assert answers == {"routing": valid, "pool": valid, "coverage": valid}


# --- whole hours of the viewer's clock --------------------------------------------------------


def test_a_coverage_cell_in_kolkata_is_that_hour_of_the_local_clock(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    client, coordinator_id = actors.signed_in("coordinator")
    _zone(db, coordinator_id, KOLKATA)
    inside, outside = (actors.create("consultant", name=n)[0] for n in ("Inside", "Outside"))
    # 05:00-05:30 in Kolkata is 23:30-00:00 UTC; 04:30-05:00 is 23:00-23:30 UTC.
    start = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    make_consultant(
        db, inside, clock(), available=False, window=(start, start + timedelta(minutes=30))
    )
    make_consultant(
        db, outside, clock(), available=False, window=(start - timedelta(minutes=30), start)
    )
    page = client.get("/pool/coverage/hour?at=2026-03-10T23:30Z")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "05:00–06:00" in html
    on_call = html.split('id="cover-h"', 1)[0]
    assert "Inside" in on_call and "Outside" not in on_call


# --- one clock per page -----------------------------------------------------------------------


def test_thread_times_are_on_the_readers_clock(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 3, 10, 12, 53, tzinfo=UTC)  # 13:53 in Stockholm
    clock.freeze(at)
    mentor, mentor_id = actors.signed_in("mentor")
    _zone(db, mentor_id, STOCKHOLM)
    consultant_id, _ = actors.create("consultant")
    consult = make_consult(
        db, mentor_id, at, status="accepted", consultant_id=consultant_id, accepted_at=at
    )
    db.add(
        ConsultMessage(consult_id=consult.id, author_id=consultant_id, body="Hej", created_at=at)
    )
    db.commit()
    html = mentor.get(f"/consults/{consult.id}").get_data(as_text=True)
    thread = html.split('id="thread"', 1)[1].split("</ol>", 1)[0]
    shown = re.sub(r'datetime="[^"]*"', "", thread)  # the machine-readable instant may say UTC
    assert "UTC" not in shown and "12:53" not in shown
    assert "1:53" in thread  # 1:53 PM, as "asked …" above it is shown
    [message] = mentor.get(f"/api/consults/{consult.id}").get_json()["messages"]
    assert "1:53" in message["time"] and message["created_at"].startswith("2026-03-10T12:53")
