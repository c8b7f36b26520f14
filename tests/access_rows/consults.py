"""Access-matrix rows for consults and cases: every route, each role, and a stranger's consult
(another mentor's, not offered to the matrix consultant, not handled by the coordinator).

HTML POSTs carry only the CSRF token and API POSTs an empty JSON object, so a permitted role
gets 400 (incomplete) where the action needs input; refusals are 404 for objects the role may
not even know of, 403 for objects it may see but not act on.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.consult_helpers import make_case, make_consult, make_consultant, offer
from tests.test_access_matrix import expect

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

PAGE_ANY = expect(302, 200, 200, 200)
STRANGER_PAGE = expect(302, 404, 404, 200)  # coordinators see every consult's metadata
STRANGER_ACT = expect(302, 404, 404, 403)  # ...but act only where they take part
API_STRANGER_GET = expect(401, 404, 404, 200)
API_STRANGER_ACT = expect(401, 404, 404, 403)
C = "/consults/<int:consult_id>"
A = "/api/consults/<int:consult_id>"


def _stranger_consult(app, actors, db, clients):  # type: ignore[no-untyped-def]
    other_mentor, _ = actors.create("mentor")
    return make_consult(db, other_mentor, NOW).id


def _my_consult(app, actors, db, clients):  # type: ignore[no-untyped-def]
    """The matrix mentor's consult, offered to the matrix consultant."""
    _client, consultant_id = clients["consultant"]
    make_consultant(db, consultant_id, NOW)
    consult = make_consult(db, clients["mentor"][1], NOW)
    offer(db, consult.id, consultant_id, NOW)
    return consult.id


def _stranger_case(app, actors, db, clients):  # type: ignore[no-untyped-def]
    other_mentor, _ = actors.create("mentor")
    return make_case(db, other_mentor, NOW).id


def _my_case(app, actors, db, clients):  # type: ignore[no-untyped-def]
    return make_case(db, clients["mentor"][1], NOW).id


def _stranger_exclusion(app, actors, db, clients):  # type: ignore[no-untyped-def]
    from mentor_app.consults.models import CaseExclusion

    other_mentor, _ = actors.create("mentor")
    consultant, _ = actors.create("consultant")
    case = make_case(db, other_mentor, NOW)
    row = CaseExclusion(
        case_id=case.id, consultant_id=consultant, kind="excluded", reason="other", created_at=NOW
    )
    db.add(row)
    db.commit()
    return f"{case.id}/exclusions/{row.id}"


PLACEHOLDERS = {
    "stranger_consult": _stranger_consult,
    "my_consult": _my_consult,
    "stranger_case": _stranger_case,
    "my_case": _my_case,
    "stranger_exclusion": _stranger_exclusion,
}

S = "{stranger_consult}"
ROWS = [
    # --- pages
    ("GET", "/consults/start", expect(302, 200, 403, 403), "/consults/start"),
    ("POST", "/consults/start", expect(302, 400, 403, 403), "/consults/start"),
    ("GET", "/consults/", expect(302, 200, 200, 302), "/consults/"),
    ("GET", "/consults/open", expect(302, 403, 403, 200), "/consults/open"),
    ("GET", f"/consults/{S}", STRANGER_PAGE, C),
    ("GET", "/consults/{my_consult}", PAGE_ANY, C),
    ("GET", "/consults/999999", expect(302, 404, 404, 404), C),
    ("POST", f"/consults/{S}/details", STRANGER_ACT, f"{C}/details"),
    ("POST", f"/consults/{S}/accept", STRANGER_ACT, f"{C}/accept"),
    ("POST", f"/consults/{S}/decline", STRANGER_ACT, f"{C}/decline"),
    ("POST", f"/consults/{S}/release", STRANGER_ACT, f"{C}/release"),
    ("POST", f"/consults/{S}/cancel", STRANGER_ACT, f"{C}/cancel"),
    ("POST", f"/consults/{S}/merge", STRANGER_ACT, f"{C}/merge"),
    # Only the mentor merges, and only with a request to keep ("into"): 400 without it.
    ("POST", "/consults/{my_consult}/merge", expect(302, 400, 403, 403), f"{C}/merge"),
    ("POST", f"/consults/{S}/messages", STRANGER_ACT, f"{C}/messages"),
    ("POST", f"/consults/{S}/close", STRANGER_ACT, f"{C}/close"),
    ("POST", f"/consults/{S}/rate", STRANGER_ACT, f"{C}/rate"),
    ("GET", f"/consults/{S}/assign", expect(302, 403, 403, 200), f"{C}/assign"),
    ("POST", f"/consults/{S}/assign", expect(302, 403, 403, 400), f"{C}/assign"),
    ("POST", "/consults/{my_consult}/messages", expect(302, 400, 403, 403), f"{C}/messages"),
    ("POST", "/consults/{my_consult}/close", expect(302, 403, 403, 403), f"{C}/close"),
    ("POST", "/consults/{my_consult}/rate", expect(302, 400, 403, 403), f"{C}/rate"),
    # --- the JSON API
    ("GET", "/api/consults", expect(401, 200, 200, 200), "/api/consults"),
    ("POST", "/api/consults", expect(401, 400, 403, 403), "/api/consults"),
    ("GET", "/api/consults/open", expect(401, 403, 403, 200), "/api/consults/open"),
    ("GET", f"/api/consults/{S}", API_STRANGER_GET, A),
    ("GET", "/api/consults/{my_consult}", expect(401, 200, 200, 200), A),
    ("POST", f"/api/consults/{S}/details", API_STRANGER_ACT, f"{A}/details"),
    ("POST", f"/api/consults/{S}/accept", API_STRANGER_ACT, f"{A}/accept"),
    ("POST", f"/api/consults/{S}/decline", API_STRANGER_ACT, f"{A}/decline"),
    ("POST", f"/api/consults/{S}/release", API_STRANGER_ACT, f"{A}/release"),
    ("POST", f"/api/consults/{S}/cancel", API_STRANGER_ACT, f"{A}/cancel"),
    ("POST", f"/api/consults/{S}/messages", API_STRANGER_ACT, f"{A}/messages"),
    ("POST", f"/api/consults/{S}/close", API_STRANGER_ACT, f"{A}/close"),
    ("POST", f"/api/consults/{S}/rate", API_STRANGER_ACT, f"{A}/rate"),
    ("POST", f"/api/consults/{S}/assign", expect(401, 404, 404, 400), f"{A}/assign"),
    ("POST", "/api/consults/{my_consult}/messages", expect(401, 400, 403, 403), f"{A}/messages"),
    ("POST", "/api/consults/{my_consult}/close", expect(401, 403, 403, 403), f"{A}/close"),
    ("POST", "/api/consults/{my_consult}/rate", expect(401, 400, 403, 403), f"{A}/rate"),
    ("POST", "/api/consults/{my_consult}/assign", expect(401, 403, 403, 400), f"{A}/assign"),
    # --- cases
    ("GET", "/cases/", expect(302, 200, 403, 200), "/cases/"),
    ("POST", "/cases/", expect(302, 400, 403, 200), "/cases/"),  # coordinators: search by code
    ("GET", "/cases/{my_case}", expect(302, 200, 403, 200), "/cases/<int:case_id>"),
    ("GET", "/cases/{stranger_case}", expect(302, 404, 403, 200), "/cases/<int:case_id>"),
    (
        "POST",
        "/cases/{stranger_case}/exclusions",
        expect(302, 404, 403, 400),
        "/cases/<int:case_id>/exclusions",
    ),
    (
        "POST",
        "/cases/{stranger_exclusion}/delete",
        expect(302, 404, 403, 303),
        "/cases/<int:case_id>/exclusions/<int:exclusion_id>/delete",
    ),
    (
        "POST",
        "/cases/{stranger_case}/close",
        expect(302, 404, 403, 303),
        "/cases/<int:case_id>/close",
    ),
    (
        "POST",
        "/cases/{stranger_case}/reopen",
        expect(302, 404, 403, 303),
        "/cases/<int:case_id>/reopen",
    ),
]
