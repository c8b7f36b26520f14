"""A request's timeline (issue 17, item 4): built from the recorded events; the mentor sees no
consultant's name before one accepts, the consultant holding it sees it, coordinators see
every name; a consultant only offered it sees none."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import csrf_token
from tests.consult_helpers import make_consultant, route_due
from tests.test_consult_pages import html, start_by_form

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _timeline(client, consult_id: int) -> str | None:  # type: ignore[no-untyped-def]
    page = html(client.get(f"/consults/{consult_id}"))
    if 'id="timeline"' not in page:
        return None
    return page.split('id="timeline"', 1)[1].split("</details>", 1)[0]


def test_timeline_for_each_viewer(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    alpha, alpha_id = actors.signed_in("consultant", name="Consultant Alpha")
    beta, beta_id = actors.signed_in("consultant", name="Consultant Beta")
    for consultant_id in (alpha_id, beta_id):
        make_consultant(db, consultant_id, T0)
    coordinator, _ = actors.signed_in("coordinator")
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    response, _ = start_by_form(mentor, "trauma-reminders")
    consult_id = int(response.headers["Location"].rsplit("/", 1)[1])
    route_due(app)

    clock.advance(minutes=1)
    declined = beta.post(f"/consults/{consult_id}/decline", data={"csrf_token": csrf_token(beta)})
    assert declined.status_code == 303

    before = _timeline(mentor, consult_id)
    assert before is not None
    assert "Request sent" in before and "Offered to consultants: 2" in before
    assert "Declined by a consultant" in before
    assert "Alpha" not in before and "Beta" not in before
    assert "Declined by Consultant Beta" in _timeline(coordinator, consult_id)
    assert _timeline(alpha, consult_id) is None  # offered, not holding it

    clock.advance(minutes=1)
    accepted = alpha.post(f"/consults/{consult_id}/accept", data={"csrf_token": csrf_token(alpha)})
    assert accepted.status_code == 303
    after = _timeline(mentor, consult_id)
    assert "Accepted by Consultant Alpha" in after and "Beta" not in after
    holder = _timeline(alpha, consult_id)
    assert "Accepted by Consultant Alpha" in holder and "Declined by a consultant" in holder
    assert _timeline(beta, consult_id) is None
    # Oldest first, each with its time.
    assert after.index("Request sent") < after.index("Offered to") < after.index("Accepted by")
    assert after.count("<time datetime=") == 4
