"""A suspension and an accept at the same moment, on PostgreSQL, many times over: whichever
commits first, the consult never stays with a consultant who has lost standing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.pool.models import ConsultantProfile
from tests.conftest import csrf_token, requires_postgres
from tests.consult_helpers import make_consult, make_consultant, offer
from tests.test_consult_races import Crowd

pytestmark = [requires_postgres(), pytest.mark.postgres]

ROUNDS = 60


def test_an_accept_racing_a_suspension_never_leaves_the_consult_with_them(  # type: ignore[no-untyped-def]
    app, actors, db
) -> None:
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    consultant_id, email = actors.create("consultant")
    make_consultant(db, consultant_id, now, open_consult_limit=50)
    consultant = app.test_client()
    actors.login(consultant, email)
    consultant_token = csrf_token(consultant)
    coordinator, _ = actors.signed_in("coordinator")
    coordinator_token = csrf_token(coordinator)
    current = {"id": 0}

    def work(i: int) -> int:
        if i == 0:
            return consultant.post(
                f"/api/consults/{current['id']}/accept",
                json={},
                headers={"X-CSRFToken": consultant_token},
            ).status_code
        return coordinator.post(
            f"/pool/{consultant_id}/state",
            data={"action": "suspend", "reason_code": "on_leave", "csrf_token": coordinator_token},
        ).status_code

    crowd = Crowd(2, work)
    outcomes: Counter = Counter()
    try:
        for round_no in range(ROUNDS):
            consult = make_consult(db, mentor_id, now, urgency="urgent")
            offer(db, consult.id, consultant_id, now)
            current["id"] = consult.id
            accepted, suspended = crowd.round()
            assert suspended == 302, (round_no, suspended)
            assert accepted in (200, 403, 409), (round_no, accepted)
            outcomes[accepted] += 1
            db.expire_all()
            row = db.get(Consult, consult.id)
            assert row.consultant_id is None and row.status == "open", (round_no, accepted)
            state = db.scalar(
                select(ConsultOffer.state).where(
                    ConsultOffer.consult_id == consult.id,
                    ConsultOffer.consultant_id == consultant_id,
                )
            )
            assert state == "withdrawn", (round_no, accepted, state)
            # Back in the pool for the next round; the consult out of the way.
            profile = db.get(ConsultantProfile, consultant_id)
            profile.vetting_state = "active"
            row.status = "cancelled"
            db.commit()
    finally:
        crowd.close()
    assert db.get(User, consultant_id).is_disabled is False
    print("accept answered:", dict(outcomes))
