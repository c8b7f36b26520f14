"""Access rows for the dashboard domain: coordinator pages, my data, the consult record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.test_access_matrix import (
    ANON,
    COORDINATOR_ACTION,
    COORDINATOR_PAGE,
    MENTOR,
    SIGNED_IN_PAGE,
    expect,
)

PAST_MONTH = "2025-01"
OWN_ONLY = expect(302, 200, 404, 404)  # the matrix mentor owns it; everyone else: not found
NOBODY = expect(302, 404, 404, 404)
NOT_CLOSED = expect(302, 409, 404, 404)

ROWS = [
    ("GET", "/dashboard/", COORDINATOR_PAGE, "/dashboard/"),
    ("GET", "/dashboard/metrics", COORDINATOR_PAGE, "/dashboard/metrics"),
    (
        "GET",
        "/dashboard/metrics?start=2025-02-01&end=2025-01-01",
        expect(302, 403, 403, 400),
        "/dashboard/metrics",
    ),
    ("GET", "/api/dashboard/live", expect(401, 403, 403, 200), "/api/dashboard/live"),
    ("GET", "/reports/", COORDINATOR_PAGE, "/reports/"),
    ("GET", "/reports/?month=2025-13", expect(302, 403, 403, 400), "/reports/"),
    (
        "GET",
        f"/reports/monthly/{PAST_MONTH}",
        COORDINATOR_PAGE,
        "/reports/monthly/<yearmonth:month>",
    ),
    (
        "GET",
        "/reports/monthly/2025-13",
        expect(302, 403, 403, 404),
        "/reports/monthly/<yearmonth:month>",
    ),
    (
        "GET",
        f"/reports/monthly/{PAST_MONTH}.csv",
        COORDINATOR_PAGE,
        "/reports/monthly/<yearmonth:month>.csv",
    ),
    ("GET", "/audit/", COORDINATOR_PAGE, "/audit/"),
    ("GET", "/audit/?user=someone", expect(302, 403, 403, 400), "/audit/"),
    ("GET", "/audit/export.csv", COORDINATOR_PAGE, "/audit/export.csv"),
    ("POST", "/audit/verify", COORDINATOR_ACTION, "/audit/verify"),
    ("GET", "/me/data", SIGNED_IN_PAGE, "/me/data"),
    ("GET", "/me/data.json", SIGNED_IN_PAGE, "/me/data.json"),
    ("GET", "/consults/{own_closed}/record", OWN_ONLY, "/consults/<int:consult_id>/record"),
    ("GET", "/consults/{own_open}/record", NOT_CLOSED, "/consults/<int:consult_id>/record"),
    ("GET", "/consults/{others_closed}/record", NOBODY, "/consults/<int:consult_id>/record"),
    ("GET", "/consults/999999/record", NOBODY, "/consults/<int:consult_id>/record"),
    ("GET", "/consults/{own_closed}/record.txt", OWN_ONLY, "/consults/<int:consult_id>/record.txt"),
    ("GET", "/consults/{own_open}/record.txt", NOT_CLOSED, "/consults/<int:consult_id>/record.txt"),
    (
        "GET",
        "/consults/{others_closed}/record.txt",
        NOBODY,
        "/consults/<int:consult_id>/record.txt",
    ),
]


def _consult(db, mentor_id: int, status: str) -> int:  # type: ignore[no-untyped-def]
    from mentor_app.consults.models import Consult

    at = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    consult = Consult(
        mentor_id=mentor_id,
        client_key=f"matrix-{status}-{mentor_id}",
        urgency="soon",
        topic="general",
        language="en",
        status=status,
        created_at=at,
        updated_at=at,
        closed_at=at + timedelta(hours=1) if status == "closed" else None,
        outcome="advice" if status == "closed" else None,
    )
    db.add(consult)
    db.commit()
    return consult.id


def _matrix_mentor(clients) -> int:  # type: ignore[no-untyped-def]
    return clients[MENTOR][1]


def _other_mentor(app, actors, db, clients) -> int:  # type: ignore[no-untyped-def]
    assert clients[ANON][1] is None
    other_id, _ = actors.create("mentor")
    return _consult(db, other_id, "closed")


PLACEHOLDERS = {
    "own_closed": lambda app, actors, db, clients: _consult(db, _matrix_mentor(clients), "closed"),
    "own_open": lambda app, actors, db, clients: _consult(db, _matrix_mentor(clients), "open"),
    "others_closed": _other_mentor,
}
