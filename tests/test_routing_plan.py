"""The first wave's candidate query on PostgreSQL starts from who is on call now: at 10,000
consultants its plan reads the on-call indexes, never a sequential scan of the profiles."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, text

from mentor_app.accounts.models import User
from mentor_app.consults import routing
from mentor_app.pool.models import ConsultantLanguage, ConsultantProfile, OnCallWindow
from tests.conftest import requires_postgres
from tests.consult_helpers import make_case, make_consult

pytestmark = [requires_postgres(), pytest.mark.postgres]

CONSULTANTS = 10_000


def _seed_pool(db, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """10,000 vetted consultants: about 4 % "available now", about 7 % in a window now."""
    rng = random.Random(19)
    db.execute(
        insert(User),
        [
            {
                "email": f"c{n}@plan.example",
                "display_name": f"C {n}",
                "role": "consultant",
                "created_at": now,
            }
            for n in range(CONSULTANTS)
        ],
    )
    ids = list(db.scalars(select(User.id).where(User.email.like("%@plan.example"))))
    db.execute(
        insert(ConsultantProfile),
        [
            {
                "user_id": uid,
                "vetting_state": "active",
                "vetted_by_operator": True,
                "timezone": "Europe/Stockholm",
                "open_consult_limit": 3,
                "available_until": now + timedelta(hours=2) if rng.random() < 0.04 else None,
                "created_at": now,
                "updated_at": now,
            }
            for uid in ids
        ],
    )
    db.execute(insert(ConsultantLanguage), [{"user_id": uid, "language": "sv"} for uid in ids])
    windows = []
    for uid in ids:  # shifts over four weeks: about one in fourteen covers now
        for _ in range(3):
            start = now + timedelta(hours=rng.randint(-14 * 24, 14 * 24))
            windows.append(
                {"consultant_id": uid, "starts_at": start, "ends_at": start + timedelta(hours=4)}
            )
    db.execute(insert(OnCallWindow), windows)
    db.commit()
    for table in ("users", "consultant_profiles", "consultant_languages", "on_call_windows"):
        db.execute(text(f"ANALYZE {table}"))
    db.commit()


def _captured(db, consult, now, marker: str):  # type: ignore[no-untyped-def]
    """The SQL and parameters of the one statement of the first wave that names `marker`."""
    seen = []

    def note(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        if marker in statement:
            seen.append((statement, parameters))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        routing.first_wave(db, consult, now)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(seen) == 1, [s for s, _ in seen]
    return seen[0]


def test_first_wave_plan_starts_from_the_on_call_indexes(db, clock, actors) -> None:  # type: ignore[no-untyped-def]
    now = clock().astimezone(UTC)
    _seed_pool(db, now)
    mentor_id, _ = actors.create("mentor")
    case = make_case(db, mentor_id, now)
    consult = make_consult(db, mentor_id, now, case_id=case.id)
    on_call = _plan(db, *_captured(db, consult, now, "FROM on_call_windows"))
    assert "ix_on_call_windows_span" in on_call, on_call
    assert "ix_consultant_profiles_available_now" in on_call, on_call
    assert "Seq Scan" not in on_call, on_call
    profiles = _plan(db, *_captured(db, consult, now, "JOIN consultant_languages"))
    assert "Seq Scan on consultant_profiles" not in profiles, profiles
    assert "pk_consultant_profiles" in profiles, profiles


def _plan(db, statement: str, parameters) -> str:  # type: ignore[no-untyped-def]
    rows = db.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
    return "\n".join(row[0] for row in rows)
