"""The consult pages: the no-JavaScript tap, the mentor's and consultant's screens, cases and
exclusions, the coordinator's live list and direct offer, health, demo data, registration."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.consults.models import Case, CaseExclusion, Consult
from tests.conftest import csrf_from, csrf_token
from tests.consult_helpers import (
    make_consult,
    make_consultant,
    offer,
    offered_ids,
    pool,
    post_json,
    route_due,
)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
KEY_RE = re.compile(r'name="client_key" type="hidden" value="([^"]+)"')


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def signed_in_as(actors, db, user_id: int):  # type: ignore[no-untyped-def]
    client = actors.app.test_client()
    actors.login(client, db.get(User, user_id).email)
    return client


def start_by_form(client, topic: str | None = None):  # type: ignore[no-untyped-def]
    page = client.get("/consults/start" + (f"?topic={topic}" if topic else ""))
    assert page.status_code == 200
    key = KEY_RE.search(html(page)).group(1)
    data = {"csrf_token": csrf_from(page), "client_key": key, "topic": topic or "general"}
    return client.post("/consults/start", data=data), data


def test_the_no_javascript_tap_is_idempotent_too(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    pool(actors, db, T0, 2)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    response, data = start_by_form(mentor, "trauma-reminders")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/consults/\d+", location)
    again = mentor.post("/consults/start", data=data)
    assert again.headers["Location"] == location
    assert db.scalar(select(func.count()).select_from(Consult)) == 1
    consult = db.scalar(select(Consult))
    assert consult.topic == "trauma-reminders"
    # An unknown topic never loses the tap: it becomes a general request.
    response, _ = start_by_form(mentor, "no-such-guide")
    assert response.status_code == 303
    assert db.scalar(select(Consult).order_by(Consult.id.desc())).topic == "general"


def test_the_mentor_page_while_waiting_and_the_details_form(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    pool(actors, db, T0, 1)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    response, _ = start_by_form(mentor, "bereavement-illness-in-family")
    page = mentor.get(response.headers["Location"])
    text = html(page)
    assert page.status_code == 200
    assert "/guides/bereavement-illness-in-family" in text
    assert 'href="tel:112"' in text
    assert "data-consult-live" in text and "js/consult_live.js" in text
    assert page.headers["Cache-Control"] == "no-store"

    consult = db.scalar(select(Consult))
    url = f"/consults/{consult.id}/details"
    form = {
        "csrf_token": csrf_from(page),
        "urgency": "urgent",
        "case_code": "new",
        "language": "sv",
        "note": "n" * 501,
    }
    refused = mentor.post(url, data=form)
    assert refused.status_code == 400
    db.expire_all()
    assert db.get(Consult, consult.id).urgency == "soon"
    form.update(
        note="Client is at the funeral.", callback_requested="y", callback_number="070-123 45 67"
    )
    saved = mentor.post(url, data=form)
    assert saved.status_code == 303, html(saved)[-1500:]
    db.expire_all()
    consult = db.get(Consult, consult.id)
    assert (consult.urgency, consult.note, consult.callback_number) == (
        "urgent",
        "Client is at the funeral.",
        "070-123 45 67",
    )
    case = db.get(Case, consult.case_id)
    assert re.fullmatch(r"K-[2-9A-HJ-NP-Z]{4}", case.code) and case.mentor_id == mentor_id
    assert case.code in html(mentor.get(f"/consults/{consult.id}"))


def test_consultant_one_tap_accept_and_the_kind_409(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    first, second = pool(actors, db, T0, 2)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consult = make_consult(db, mentor_id, T0, note="secret note")
    offer(db, consult.id, first, T0)
    offer(db, consult.id, second, T0)
    a, b = signed_in_as(actors, db, first), signed_in_as(actors, db, second)

    home = a.get("/")
    assert f"/consults/{consult.id}/accept" in html(home)
    before = html(a.get(f"/consults/{consult.id}"))
    assert "secret note" not in before and "Accept" in before

    accepted = a.post(f"/consults/{consult.id}/accept", data={"csrf_token": csrf_from(home)})
    assert accepted.status_code == 303
    assert "secret note" in html(a.get(f"/consults/{consult.id}"))

    late = b.post(f"/consults/{consult.id}/accept", data={"csrf_token": csrf_token(b)})
    assert late.status_code == 409
    assert "Someone else got there first" in html(late)
    assert "Taken by a colleague" in html(b.get(f"/consults/{consult.id}"))
    name = db.get(User, first).display_name
    assert f"Accepted by {name}" in html(mentor.get(f"/consults/{consult.id}"))


def test_thread_close_and_rating_by_form(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    (consultant,) = pool(actors, db, T0, 1)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consult = make_consult(
        db, mentor_id, T0, status="accepted", consultant_id=consultant, accepted_at=T0
    )
    handler = signed_in_as(actors, db, consultant)
    url = f"/consults/{consult.id}"
    sent = mentor.post(f"{url}/messages", data={"csrf_token": csrf_token(mentor), "body": "Hello"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("#thread")
    assert "Hello" in html(handler.get(url))
    token = csrf_token(handler)
    assert handler.post(f"{url}/close", data={"csrf_token": token}).status_code == 400
    closed = handler.post(
        f"{url}/close",
        data={
            "csrf_token": token,
            "outcome": "see_client",
            "client_agreed": "yes",
            "follow_up_on": "2026-03-20",
            "summary": "Meet together.",
        },
    )
    assert closed.status_code == 303
    db.expire_all()
    row = db.get(Consult, consult.id)
    assert (row.status, row.outcome, row.client_agreed) == ("closed", "see_client", True)
    rated = mentor.post(f"{url}/rate", data={"csrf_token": csrf_token(mentor), "helpful": "no"})
    assert rated.status_code == 303
    db.expire_all()
    assert db.get(Consult, consult.id).helpful is False
    assert "Recommends seeing the client" in html(mentor.get(url))


def test_cases_and_exclusions(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    kept_away, other = pool(actors, db, T0, 2)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    page = mentor.get("/cases/")
    created = mentor.post(
        "/cases/", data={"csrf_token": csrf_from(page), "language": "sv", "region": "Skåne"}
    )
    assert created.status_code == 303
    case = db.scalar(select(Case).where(Case.mentor_id == mentor_id))
    assert case.code in html(mentor.get("/cases/"))
    case_page = mentor.get(f"/cases/{case.id}")
    assert db.get(User, kept_away).display_name in html(case_page)
    for bad in (
        {"consultant_id": kept_away, "reason": "gossip"},
        {"consultant_id": mentor_id, "reason": "other"},
    ):
        refused = mentor.post(
            f"/cases/{case.id}/exclusions", data={"csrf_token": csrf_from(case_page), **bad}
        )
        assert refused.status_code == 400
    assert db.scalar(select(func.count()).select_from(CaseExclusion)) == 0
    excluded = mentor.post(
        f"/cases/{case.id}/exclusions",
        data={
            "csrf_token": csrf_from(case_page),
            "consultant_id": kept_away,
            "reason": "same_community",
        },
    )
    assert excluded.status_code == 303
    response = post_json(
        mentor,
        "/api/consults",
        {"client_key": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "case_code": case.code},
    )
    assert response.status_code == 201
    route_due(mentor.application)
    assert offered_ids(db, response.get_json()["id"]) == {other}

    coordinator, _ = actors.signed_in("coordinator")
    listing = coordinator.post(
        "/cases/", data={"code": case.code[:4], "csrf_token": csrf_token(coordinator)}
    )
    assert case.code in html(listing)
    row = db.scalar(select(CaseExclusion))
    removed = coordinator.post(
        f"/cases/{case.id}/exclusions/{row.id}/delete", data={"csrf_token": csrf_token(coordinator)}
    )
    assert removed.status_code == 303
    assert db.scalar(select(func.count()).select_from(CaseExclusion)) == 0


def test_the_coordinators_live_list_and_direct_offer(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(minutes=20))
    offered, declined = pool(actors, db, T0, 2)
    off_shift, _ = actors.create("consultant")
    make_consultant(db, off_shift, T0, available=False)
    mentor_id, _ = actors.create("mentor")
    consult = make_consult(
        db, mentor_id, T0, urgency="urgent", next_action_at=T0 + timedelta(minutes=3)
    )
    offer(db, consult.id, offered, T0)
    offer(db, consult.id, declined, T0, state="declined")
    coordinator, _ = actors.signed_in("coordinator")

    data = coordinator.get("/api/consults/open").get_json()
    (row,) = data["consults"]
    assert data["overdue"] == 1
    assert (row["id"], row["age_minutes"], row["wave"], row["overdue"]) == (consult.id, 20, 1, True)
    assert row["offered"] == [db.get(User, offered).display_name]
    assert [d["name"] for d in row["declined"]] == [db.get(User, declined).display_name]
    page = html(coordinator.get("/consults/open"))
    assert "overdue" in page and "js/open_consults.js" in page

    assign_page = coordinator.get(f"/consults/{consult.id}/assign")
    text = html(assign_page)
    assert db.get(User, off_shift).display_name in text and "not on call" in text
    done = coordinator.post(
        f"/consults/{consult.id}/assign",
        data={"csrf_token": csrf_from(assign_page), "consultant_id": off_shift},
    )
    assert done.status_code == 303
    assert off_shift in offered_ids(db, consult.id)
    refused = coordinator.post(
        f"/consults/{consult.id}/assign",
        data={"csrf_token": csrf_from(assign_page), "consultant_id": declined},
    )
    assert refused.status_code == 400


def test_healthz_flags_overdue_consults(app, actors, db, clock, client) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor_id, _ = actors.create("mentor")
    app.config["METRICS_TOKEN"] = "monitoring-token"
    monitor = {"Authorization": "Bearer monitoring-token"}
    make_consult(db, mentor_id, T0, next_action_at=T0 - timedelta(minutes=4))
    body = client.get("/healthz", headers=monitor).get_json()
    assert (body["status"], body["overdue"]) == ("ok", {"count": 0})
    make_consult(db, mentor_id, T0, next_action_at=T0 - timedelta(minutes=6))
    make_consult(db, mentor_id, T0, next_action_at=T0 - timedelta(hours=1), status="cancelled")
    body = client.get("/healthz", headers=monitor).get_json()
    assert (body["status"], body["overdue"]) == ("degraded", {"count": 1})
    assert client.get("/healthz").get_json() == {"status": "degraded"}  # anonymous: status only


def test_navigation_and_home_sections(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    expectations = {
        "mentor": ["My consults", "My cases"],
        "consultant": ["Requests", "Requests waiting for you"],
        "coordinator": ["Open consults", "Open the live list"],
    }
    for role, words in expectations.items():
        client, _ = actors.signed_in(role)
        home = html(client.get("/"))
        for word in words:
            assert word in home, (role, word)
    mentor, mentor_id = actors.signed_in("mentor")
    make_consult(db, mentor_id, T0)
    home = html(mentor.get("/"))
    assert "Your open consults" in home and "js/consult.js" in home


def test_demo_data(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    from mentor_app import demo

    clock.freeze(T0)
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        lines = demo.seed_demo(session, T0)
        session.commit()
        session.close()
    assert any("closed consult" in line for line in lines)
    statuses = sorted(db.scalars(select(Consult.status)))
    assert statuses == ["closed", "open"]
    closed = db.scalar(select(Consult).where(Consult.status == "closed"))
    assert closed.outcome == "advice" and closed.helpful is True
    assert db.scalar(select(func.count()).select_from(Case)) == 3


def test_the_worker_knows_the_consult_steps() -> None:
    from mentor_app.worker.loop import STEPS
    from mentor_app.worker.registry import load_steps

    load_steps()
    names = {step.name for step in STEPS}
    assert {"consults-advance", "consults-follow-up"} <= names
