"""Access-matrix rows for safety: the matrix mentor's own visits, a stranger's visit, an alarm
of a mentor who named the matrix mentor as safety contact, and a stranger's alarm.

A mentor acts only on their own visit (coordinators: 403, they know of it; others: 404). An
alarm is seen by coordinators and the mentor's safety contacts only (consultants: 404), never
by the mentor who raised it. API POSTs carry an empty JSON object, so an action that needs no
input (check-in without a PIN, SOS, acknowledge) happens: each gets its own visit or alarm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.test_access_matrix import expect

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
V = "/api/visits/<int:visit_id>"
P = "/safety/visits/<int:visit_id>"
AL = "/api/alarms/<int:alarm_id>"
PA = "/safety/alarms/<int:alarm_id>"
MENTOR_API = expect(401, 400, 403, 403)
MENTOR_FORM = expect(302, 400, 403, 403)
OWN_API = expect(401, 400, 404, 403)


def _visit(db, mentor_id: int):  # type: ignore[no-untyped-def]
    from mentor_app.safety.models import Visit

    row = Visit(
        mentor_id=mentor_id,
        state="running",
        started_at=NOW,
        due_at=NOW + timedelta(hours=12),
        next_action_at=NOW + timedelta(hours=12),
    )
    db.add(row)
    db.commit()
    return row.id


def _my_visit(app, actors, db, clients):  # type: ignore[no-untyped-def]
    return _visit(db, clients["mentor"][1])


def _stranger_visit(app, actors, db, clients):  # type: ignore[no-untyped-def]
    other, _ = actors.create("mentor")
    return _visit(db, other)


def _alarm(db, mentor_id: int):  # type: ignore[no-untyped-def]
    from mentor_app.safety.models import Alarm

    row = Alarm(
        mentor_id=mentor_id,
        kind="sos",
        state="notifying",
        tier=1,
        raised_at=NOW,
        next_action_at=None,
    )
    db.add(row)
    db.commit()
    return row.id


def _guarded_alarm(app, actors, db, clients):  # type: ignore[no-untyped-def]
    """An alarm of a mentor who named the matrix mentor as a safety contact."""
    from mentor_app.safety.models import SafetyContact

    other, _ = actors.create("mentor")
    db.add(SafetyContact(mentor_id=other, contact_id=clients["mentor"][1], created_at=NOW))
    db.commit()
    return _alarm(db, other)


def _stranger_alarm(app, actors, db, clients):  # type: ignore[no-untyped-def]
    other, _ = actors.create("mentor")
    return _alarm(db, other)


def _own_alarm(app, actors, db, clients):  # type: ignore[no-untyped-def]
    return _alarm(db, clients["mentor"][1])


PLACEHOLDERS = {
    "my_visit": _my_visit,
    "my_visit_end": _my_visit,
    "my_visit_sos": _my_visit,
    "stranger_visit": _stranger_visit,
    "guarded_alarm": _guarded_alarm,
    "stranger_alarm": _stranger_alarm,
    "own_alarm": _own_alarm,
}

ROWS = [
    # --- the JSON API: visits
    ("POST", "/api/visits", MENTOR_API, "/api/visits"),
    ("POST", "/api/visits/{my_visit}/extend", OWN_API, f"{V}/extend"),
    ("POST", "/api/visits/{stranger_visit}/extend", expect(401, 404, 404, 403), f"{V}/extend"),
    ("POST", "/api/visits/{stranger_visit}/check-in", expect(401, 404, 404, 403), f"{V}/check-in"),
    ("POST", "/api/visits/{stranger_visit}/sos", expect(401, 404, 404, 403), f"{V}/sos"),
    ("POST", "/api/visits/{my_visit_end}/check-in", expect(401, 200, 404, 403), f"{V}/check-in"),
    ("POST", "/api/visits/{my_visit_sos}/sos", expect(401, 201, 404, 403), f"{V}/sos"),
    # the SOS with or without a visit (home screen shortcut): mentors only
    ("POST", "/api/sos", expect(401, 201, 403, 403), "/api/sos"),
    # --- alarms: the mentor sees an alarm only as somebody's safety contact
    ("GET", "/api/alarms", expect(401, 200, 403, 200), "/api/alarms"),
    ("GET", "/api/alarms/{guarded_alarm}", expect(401, 200, 404, 200), AL),
    ("GET", "/api/alarms/{stranger_alarm}", expect(401, 404, 404, 200), AL),
    ("GET", "/api/alarms/{own_alarm}", expect(401, 404, 404, 200), AL),
    ("GET", "/api/alarms/999999", expect(401, 404, 404, 404), AL),
    ("POST", "/api/alarms/{stranger_alarm}/ack", expect(401, 404, 404, 200), f"{AL}/ack"),
    ("POST", "/api/alarms/{own_alarm}/resolve", expect(401, 404, 404, 400), f"{AL}/resolve"),
    ("POST", "/api/alarms/{guarded_alarm}/resolve", expect(401, 400, 404, 400), f"{AL}/resolve"),
    ("POST", "/api/alarms/{guarded_alarm}/ack", expect(401, 200, 404, 200), f"{AL}/ack"),
    # --- settings
    ("POST", "/api/safety/settings", MENTOR_API, "/api/safety/settings"),
    ("POST", "/api/safety/contacts", MENTOR_API, "/api/safety/contacts"),
    (
        "POST",
        "/api/safety/contacts/{other}/remove",
        expect(401, 200, 403, 403),
        "/api/safety/contacts/<int:contact_id>/remove",
    ),
    ("GET", "/safety/settings", expect(302, 200, 403, 403), "/safety/settings"),
    ("POST", "/safety/settings/pins", MENTOR_FORM, "/safety/settings/pins"),
    ("POST", "/safety/settings/phone", MENTOR_FORM, "/safety/settings/phone"),
    ("POST", "/safety/settings/contacts", MENTOR_FORM, "/safety/settings/contacts"),
    (
        "POST",
        "/safety/settings/contacts/{other}/remove",
        expect(302, 303, 403, 403),
        "/safety/settings/contacts/<int:contact_id>/remove",
    ),
    # --- pages: visits (forms behind the home card)
    ("POST", "/safety/visits", MENTOR_FORM, "/safety/visits"),
    ("POST", "/safety/visits/{my_visit}/extend", expect(302, 400, 404, 403), f"{P}/extend"),
    ("POST", "/safety/visits/{stranger_visit}/extend", expect(302, 404, 404, 403), f"{P}/extend"),
    (
        "POST",
        "/safety/visits/{stranger_visit}/check-in",
        expect(302, 404, 404, 403),
        f"{P}/check-in",
    ),
    ("POST", "/safety/visits/{stranger_visit}/sos", expect(302, 404, 404, 403), f"{P}/sos"),
    ("POST", "/safety/visits/{my_visit_end}/check-in", expect(302, 303, 404, 403), f"{P}/check-in"),
    ("POST", "/safety/visits/{my_visit_sos}/sos", expect(302, 303, 404, 403), f"{P}/sos"),
    ("POST", "/safety/sos", expect(302, 303, 403, 403), "/safety/sos"),
    # --- pages: responders
    ("GET", "/safety/", expect(302, 403, 403, 200), "/safety/"),
    ("GET", "/safety/alarms/{guarded_alarm}", expect(302, 200, 404, 200), PA),
    ("GET", "/safety/alarms/{stranger_alarm}", expect(302, 404, 404, 200), PA),
    ("GET", "/safety/alarms/{own_alarm}", expect(302, 404, 404, 200), PA),
    ("POST", "/safety/alarms/{guarded_alarm}/resolve", expect(302, 400, 404, 400), f"{PA}/resolve"),
    ("POST", "/safety/alarms/{stranger_alarm}/ack", expect(302, 404, 404, 303), f"{PA}/ack"),
    ("POST", "/safety/alarms/{own_alarm}/ack", expect(302, 404, 404, 303), f"{PA}/ack"),
]
