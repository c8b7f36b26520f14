"""Access-matrix rows for the consultant pool (pages under /pool, and /api/me/availability).

{pool_me} is the signed-in consultant's id (their own profile; for other roles, some
consultant's); {pool_consultant} is another consultant, a stranger to the signed-in one.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.pool.models import ExpertiseTag, WeeklyShift
from tests.test_access_matrix import (
    CONSULTANT,
    COORDINATOR_ACTION,
    COORDINATOR_PAGE,
    COORDINATOR_POST,
    expect,
)

STRANGER_EMAIL = "matrix-pool-consultant@example.org"
DELETE_RULE = "/pool/<int:user_id>/<any(shifts, overrides, holidays):what>/<int:item_id>/delete"
CONSULTANT_PAGE = expect(302, 403, 200, 403)
CONSULTANT_POST = expect(302, 403, 400, 403)
OWN_OR_COORDINATOR_POST = expect(302, 403, 400, 400)
STRANGER_POST = expect(302, 403, 404, 400)

ROWS = [
    ("GET", "/pool/", COORDINATOR_PAGE, "/pool/"),
    ("GET", "/pool/?language=zz-bad", expect(302, 403, 403, 400), "/pool/"),
    ("POST", "/pool/export", expect(302, 403, 403, 200), "/pool/export"),
    ("GET", "/pool/me", CONSULTANT_PAGE, "/pool/me"),
    ("GET", "/pool/{pool_consultant}", COORDINATOR_PAGE, "/pool/<int:user_id>"),
    ("GET", "/pool/{other}", expect(302, 403, 403, 404), "/pool/<int:user_id>"),
    ("POST", "/pool/{pool_me}/profile", OWN_OR_COORDINATOR_POST, "/pool/<int:user_id>/profile"),
    ("POST", "/pool/{pool_consultant}/profile", STRANGER_POST, "/pool/<int:user_id>/profile"),
    ("POST", "/pool/me/credential", CONSULTANT_POST, "/pool/me/credential"),
    (
        "POST",
        "/pool/{pool_consultant}/credential",
        COORDINATOR_ACTION,  # every field is optional: an empty form records "nothing known"
        "/pool/<int:user_id>/credential",
    ),
    (
        "POST",
        "/pool/{pool_me}/credential",
        expect(302, 403, 403, 302),
        "/pool/<int:user_id>/credential",
    ),
    ("POST", "/pool/{pool_consultant}/limits", COORDINATOR_POST, "/pool/<int:user_id>/limits"),
    ("POST", "/pool/{pool_me}/limits", COORDINATOR_POST, "/pool/<int:user_id>/limits"),
    ("POST", "/pool/{pool_me}/state", OWN_OR_COORDINATOR_POST, "/pool/<int:user_id>/state"),
    ("POST", "/pool/{pool_consultant}/state", STRANGER_POST, "/pool/<int:user_id>/state"),
    ("GET", "/pool/tags", COORDINATOR_PAGE, "/pool/tags"),
    ("POST", "/pool/tags", COORDINATOR_POST, "/pool/tags"),
    ("POST", "/pool/tags/{pool_tag}", COORDINATOR_POST, "/pool/tags/<tag>"),
    (
        "POST",
        "/pool/tags/no-such-tag/delete",
        expect(302, 403, 403, 404),
        "/pool/tags/<tag>/delete",
    ),
    ("POST", "/pool/tags/{pool_tag}/delete", COORDINATOR_ACTION, "/pool/tags/<tag>/delete"),
    ("GET", "/pool/coverage", COORDINATOR_PAGE, "/pool/coverage"),
    ("GET", "/pool/coverage?expertise=nope", expect(302, 403, 403, 400), "/pool/coverage"),
    ("GET", "/pool/coverage/hour?at={pool_hour}", COORDINATOR_PAGE, "/pool/coverage/hour"),
    ("GET", "/pool/coverage/hour", expect(302, 403, 403, 400), "/pool/coverage/hour"),
    ("GET", "/pool/me/shifts", CONSULTANT_PAGE, "/pool/me/shifts"),
    ("GET", "/pool/{pool_me}/shifts", expect(302, 403, 200, 200), "/pool/<int:user_id>/shifts"),
    (
        "GET",
        "/pool/{pool_consultant}/shifts",
        expect(302, 403, 404, 200),
        "/pool/<int:user_id>/shifts",
    ),
    ("GET", "/pool/{other}/shifts", expect(302, 403, 404, 404), "/pool/<int:user_id>/shifts"),
    ("POST", "/pool/{pool_me}/shifts", OWN_OR_COORDINATOR_POST, "/pool/<int:user_id>/shifts"),
    ("POST", "/pool/{pool_consultant}/shifts", STRANGER_POST, "/pool/<int:user_id>/shifts"),
    ("POST", "/pool/{pool_me}/overrides", OWN_OR_COORDINATOR_POST, "/pool/<int:user_id>/overrides"),
    ("POST", "/pool/{pool_consultant}/overrides", STRANGER_POST, "/pool/<int:user_id>/overrides"),
    ("POST", "/pool/{pool_me}/holidays", OWN_OR_COORDINATOR_POST, "/pool/<int:user_id>/holidays"),
    ("POST", "/pool/{pool_consultant}/holidays", STRANGER_POST, "/pool/<int:user_id>/holidays"),
    (
        "POST",
        "/pool/{pool_me}/shifts/{pool_my_shift}/delete",
        expect(302, 403, 302, 302),
        DELETE_RULE,
    ),
    (
        "POST",
        "/pool/{pool_consultant}/shifts/{pool_stranger_shift}/delete",
        expect(302, 403, 404, 302),
        DELETE_RULE,
    ),
    ("POST", "/pool/{pool_me}/holidays/999999/delete", expect(302, 403, 404, 404), DELETE_RULE),
    ("POST", "/pool/{pool_me}/overrides/999999/delete", expect(302, 403, 404, 404), DELETE_RULE),
    ("POST", "/pool/me/availability", CONSULTANT_POST, "/pool/me/availability"),
    ("GET", "/api/me/availability", expect(401, 403, 200, 403), "/api/me/availability"),
    ("POST", "/api/me/availability", expect(401, 403, 400, 403), "/api/me/availability"),
]


def _stranger(app, actors, db, clients):  # type: ignore[no-untyped-def]
    user_id, _ = actors.create("consultant", email=STRANGER_EMAIL)
    return user_id


def _shift_for(db, user_id: int) -> int:  # type: ignore[no-untyped-def]
    shift = WeeklyShift(consultant_id=user_id, weekday=2, starts=time(9), ends=time(12))
    db.add(shift)
    db.commit()
    return shift.id


def _my_shift(app, actors, db, clients):  # type: ignore[no-untyped-def]
    return _shift_for(db, clients[CONSULTANT][1])


def _stranger_shift(app, actors, db, clients):  # type: ignore[no-untyped-def]
    stranger = db.scalar(select(User.id).where(User.email == STRANGER_EMAIL))
    return _shift_for(db, stranger)


def _tag(app, actors, db, clients):  # type: ignore[no-untyped-def]
    db.add(ExpertiseTag(tag="matrix-tag", label="Matrix"))
    db.commit()
    return "matrix-tag"


def _hour(app, actors, db, clients):  # type: ignore[no-untyped-def]
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:00Z")


PLACEHOLDERS = {
    "pool_me": lambda app, actors, db, clients: clients[CONSULTANT][1],
    "pool_consultant": _stranger,
    "pool_my_shift": _my_shift,
    "pool_stranger_shift": _stranger_shift,
    "pool_tag": _tag,
    "pool_hour": _hour,
}
