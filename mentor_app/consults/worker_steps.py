"""Worker steps: advance consults whose next routing step is due; send follow-up reminders;
settle the standing nobody changed by hand (a credential that lapsed at midnight in the
consultant's zone, an operator's edit).

Claiming: on PostgreSQL the due rows are selected FOR UPDATE SKIP LOCKED, so two workers take
disjoint batches; on every database each consult then moves with a conditional UPDATE naming
the wave it expects, so even a consult seen by two workers advances once.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.consults import notify, routing, standing
from mentor_app.consults.models import Consult
from mentor_app.errors import log_unexpected
from mentor_app.worker.loop import register

log = logging.getLogger(__name__)
BATCH = 50
# SQLite: stop a batch after this long, the next loop goes on with the rest. The step holds
# the only write lock, and a tap waiting behind it should wait a tenth of a second, not three.
# (PostgreSQL locks only the claimed rows: a whole batch costs a waiting tap nothing.)
SQLITE_STEP_SECONDS = 0.1


def _skip_locked(session: Session, query):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


@register("consults-advance")  # every loop: a new tap waits for this step
def advance_due(session: Session, now: datetime) -> int:
    """Runs every routing step that is due. Returns how many consults moved."""
    query = (
        select(Consult.id, Consult.wave)
        .where(Consult.status == "open", Consult.next_action_at <= now)
        .order_by(Consult.next_action_at, Consult.id)
        .limit(BATCH)
    )
    moved = 0
    sqlite = session.get_bind().dialect.name == "sqlite"
    deadline = time.monotonic() + SQLITE_STEP_SECONDS
    for consult_id, wave in session.execute(_skip_locked(session, query)).all():
        if sqlite and time.monotonic() > deadline:
            break
        try:
            # One consult failing (a bad row, a bug) must not hold the others back.
            with session.begin_nested():
                moved += 1 if routing.advance(session, now, consult_id, wave) else 0
        except Exception:
            log_unexpected(log, "advancing consult %s failed", consult_id)
    return moved


def reminder_horizon(now: datetime) -> date:
    """The latest follow-up day whose reminders are queued at `now`: the UTC date a day
    ahead, which every zone's 08:00 on that day comes after (UTC+14 included)."""
    return (now + timedelta(days=1)).astimezone(UTC).date()


@register("consults-follow-up", every=60.0)
def follow_up_reminders(session: Session, now: datetime) -> int:
    """Queues each agreed follow-up's reminders once, due at 08:00 on the day in each
    person's own time zone (the day is taken from UTC plus one, so zones ahead of UTC get
    theirs on time)."""
    horizon = reminder_horizon(now)
    query = (
        select(Consult.id)
        .where(
            Consult.status == "closed",
            Consult.follow_up_on.is_not(None),
            Consult.follow_up_on <= horizon,
            Consult.follow_up_reminded_at.is_(None),
        )
        .order_by(Consult.follow_up_on, Consult.id)
        .limit(BATCH)
    )
    sent = 0
    for consult_id in session.scalars(_skip_locked(session, query)).all():
        claimed = session.execute(
            update(Consult)
            .where(Consult.id == consult_id, Consult.follow_up_reminded_at.is_(None))
            .values(follow_up_reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        consult = session.get(Consult, consult_id, populate_existing=True)
        assert consult is not None and consult.follow_up_on is not None
        for user_id in (consult.mentor_id, consult.consultant_id):
            user = session.get(User, user_id) if user_id else None
            if user is None or not standing.has_standing(session, user, now):
                continue  # they could not open the consult it reminds them of
            due = notify.follow_up_due(consult.follow_up_on, user.timezone, now)
            notify.follow_up(session, now, consult, user.id, due)
        sent += 1
    return sent


@register("consults-standing", every=60.0)
def settle_lost_standing(session: Session, now: datetime) -> int:
    """Whoever holds a standing offer or handles a consult without standing any more loses
    them (consults/standing.py): credential expiry is a time event, not anyone's action. The
    routing query stops offering at the lapse instant itself and the access check refuses any
    action from then on; this step withdraws what they still hold, within a minute. Each
    consult is locked and its state re-read, so two workers settle it once."""
    settled = 0
    for user_id in standing.holders_without_standing(session, now):
        try:
            with session.begin_nested():
                settled += 1 if standing.settle(session, now, user_id, why="standing") else 0
        except Exception:
            log.exception("settling the standing of user %s failed", user_id)
    return settled


@register("consults-arrivals", every=15.0)
def offer_to_arrivals(session: Session, now: datetime) -> int:
    """Whoever came on call by the clock in the last ARRIVAL_LOOKBACK (a shift began, a pause
    ended) is offered what is already waiting (consults/arrivals.py). Returns how many offers
    were made."""
    from mentor_app.consults import arrivals

    made = 0
    for consultant_id in arrivals.arrived_since(session, now, now - arrivals.ARRIVAL_LOOKBACK):
        try:
            with session.begin_nested():
                made += len(arrivals.offer_waiting(session, now, consultant_id))
        except Exception:
            log_unexpected(log, "offering waiting consults to %s failed", consultant_id)
    return made
