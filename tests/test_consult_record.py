"""The consult record for the mentor's file: facts only, own closed consults only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mentor_app.audit.models import AuditEvent
from tests import dashboard_factories as f

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def closed(app, db, actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(days=1))
    client, mentor = actors.signed_in("mentor")
    consultant, _ = actors.create(
        "consultant", name="Dr Consultant Visible", email="dr@example.org"
    )
    case = f.case(db, mentor)
    consult = f.consult(
        db,
        mentor,
        T0,
        urgency="urgent",
        topic="trauma-reminders",
        consultant_id=consultant,
        accepted_after=120,
        status="closed",
        closed_after=timedelta(hours=2),
        outcome="see_client",
        client_agreed=True,
        follow_up_on=date(2026, 4, 2),
        case_id=case.id,
    )
    f.declined_offer(db, consult, consultant)
    db.commit()
    return client, mentor, consult.id


def test_record_holds_the_facts_and_nothing_else(closed, db) -> None:  # type: ignore[no-untyped-def]
    client, _, consult_id = closed
    for path in (f"/consults/{consult_id}/record", f"/consults/{consult_id}/record.txt"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
        text = response.get_data(as_text=True)
        for fact in (
            f.CASE_CODE,
            f"#{consult_id}",
            "Urgent",
            "trauma",  # the topic as a word (its label), never the slug
            "Consultant recommends seeing the client",
            "Yes",
            "2026",
        ):
            assert fact in text, (path, fact)
        assert "April 2, 2026" in text  # the agreed follow-up
        for secret in (
            f.NOTE,
            f.MESSAGE,
            f.SUMMARY,
            f.CALLBACK,
            f.DECLINE,
            "Dr Consultant Visible",
            "dr@example.org",
        ):
            assert secret not in text, (path, secret)
    txt = client.get(f"/consults/{consult_id}/record.txt")
    assert txt.headers["Content-Type"].startswith("text/plain")
    assert "attachment" in txt.headers["Content-Disposition"]
    assert f.CASE_CODE not in txt.headers["Content-Disposition"]
    assert db.query(AuditEvent).filter_by(action="consult.record_downloaded").count() == 3


def test_others_get_404_and_an_open_consult_409(closed, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor, consult_id = closed
    for role in ("mentor", "consultant", "coordinator"):
        other, _ = actors.signed_in(role)
        assert other.get(f"/consults/{consult_id}/record").status_code == 404
        assert other.get(f"/consults/{consult_id}/record.txt").status_code == 404
    still_open = f.consult(db, mentor, T0, status="accepted")
    db.commit()
    response = client.get(f"/consults/{still_open.id}/record")
    assert response.status_code == 409
    assert "once the consult is closed" in response.text
    assert client.get("/consults/424242/record").status_code == 404


def test_record_survives_retention(closed, db, app) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.dashboard import retention

    client, _, consult_id = closed
    before = client.get(f"/consults/{consult_id}/record.txt").data
    retention.purge(db, T0 + timedelta(days=200), retention.RetentionPolicy())
    db.commit()
    assert client.get(f"/consults/{consult_id}/record.txt").data == before


def test_home_page_links_recent_records(closed) -> None:  # type: ignore[no-untyped-def]
    client, _, consult_id = closed
    home = client.get("/")
    assert f"/consults/{consult_id}/record" in home.text


def test_consult_page_links_its_record_once_closed(closed) -> None:  # type: ignore[no-untyped-def]
    client, _mentor, consult_id = closed
    page = client.get(f"/consults/{consult_id}").get_data(as_text=True)
    assert f"/consults/{consult_id}/record" in page


def test_home_records_name_the_topic_not_its_slug(closed) -> None:  # type: ignore[no-untyped-def]
    client, _, consult_id = closed
    home = client.get("/").text
    assert f"Consult #{consult_id} (" in home
    assert "(trauma-reminders)" not in home


def test_closed_consult_page_does_not_repeat_outcome_as_its_heading(closed) -> None:  # type: ignore[no-untyped-def]
    client, _mentor, consult_id = closed
    page = client.get(f"/consults/{consult_id}").get_data(as_text=True)
    assert page.count(">Outcome<") == 1  # the fact's label; the card heading is another word
